/*
 * The randomized schema changes of schema-fuzz.test.ts (same generator) with the sidecar
 * stopped at random points between statements: SIGKILL, or SIGTERM (final dump, clean exit) of
 * a sidecar process (src/cli/main.ts), which is started again on the same data directory and
 * slot and resumes from its dump and change log — sometimes the workload goes on before the new
 * process is ready, so later stops land during start-up, log replay, re-copies and dumps (one
 * every second). At the end the last process is stopped one way or the other and an in-process
 * sidecar resumes from the same directory; every table equals the primary. No restart may fall
 * back to a fresh copy (the slot and the change log must always suffice).
 *
 * Seeded; the seed is in the test's name. MEMSTORE_FUZZ_SEED=n replays one run (odd seeds run
 * without the event triggers), MEMSTORE_FUZZ_SEED=random runs fresh ones,
 * MEMSTORE_FUZZ_RESTART_RUNS=n runs n (default 1), MEMSTORE_FUZZ_STOPS=n stops per run (default 4).
 * The random gaps before a stop are the fault schedule, not synchronisation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { freePort } from '../../src/pg/embedded.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { spawnCli, type CliProcess } from '../support/cli-process.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, startSidecar } from '../support/sidecar.js';
import { baseSeed, DROP_DDL_TRIGGERS, expectEqualToPrimary, rng, SchemaFuzz, triggersFor } from './schema-fuzz-gen.js';

const RUNS = Number(process.env.MEMSTORE_FUZZ_RESTART_RUNS ?? 1);
const STOPS = Number(process.env.MEMSTORE_FUZZ_STOPS ?? 4);
const BASE_SEED = baseSeed(20261205);
const OPS = 200;
const FRESH_COPY = /copying the tables afresh|keeping the existing slot/;

describe('randomized schema changes across sidecar restarts and SIGKILLs', () => {
  let db: TestDatabase | undefined;
  let sidecar: Sidecar | undefined;
  let proc: CliProcess | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exit;
    }
    proc = undefined;
    await sidecar?.stop();
    sidecar = undefined;
    await db?.drop();
    db = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  for (let run = 0; run < RUNS; run++) {
    const seed = BASE_SEED + run;
    const withTriggers = triggersFor(seed);
    it(`seed ${seed} (${withTriggers ? 'event triggers' : 'catalog check only'}), ${STOPS} stops`, { timeout: 300_000 }, async () => {
      const fuzz = new SchemaFuzz(rng(seed), withTriggers);
      // The fault schedule has its own stream: a seed's statements are those of schema-fuzz.test.ts.
      const faults = rng(seed ^ 0x5eed);
      db = await testDatabase('fuzzr');
      await prepareSource(db, 'CREATE TABLE beat (id int PRIMARY KEY)');
      const c = db.client;
      if (!withTriggers) await c.query(DROP_DDL_TRIGGERS);
      for (let i = 0; i < 3; i++) await c.query(fuzz.create());
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-fuzzr-'));
      const slot = `fzr_${db.name}`.slice(0, 63);
      const dir = dataDir;
      const url = db.url;
      const all: string[] = [];
      const start = async (): Promise<CliProcess> => {
        const port = await freePort();
        const p = spawnCli(['--source', url, '--slot', slot, '--id', slot, '--data-dir', dir, '--snapshot-interval', '1', '--log-format', 'json', '--listen', `127.0.0.1:${port}`, '--http', '127.0.0.1:0', '--slot-check-interval', '0']);
        return p;
      };
      const stop = async (p: CliProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
        p.child.kill(signal);
        const code = await p.exit;
        all.push(...p.lines);
        if (signal === 'SIGTERM' && p.lines.some((l) => l.includes('"msg":"ready"'))) expect(code, p.lines.slice(-10).join('\n')).toBe(0);
      };

      proc = await start();
      await proc.waitFor(/"msg":"ready"/, 120_000);
      const stopAt = new Set<number>();
      while (stopAt.size < STOPS) stopAt.add(Math.floor(faults() * OPS));
      const events: string[] = [];
      const log: string[] = [];
      let lines: string[] = [];
      try {
        for (let op = 0; op < OPS; op++) {
          if (stopAt.has(op)) {
            const signal = faults() < 0.6 ? 'SIGKILL' : 'SIGTERM';
            events.push(`${signal} before statement ${op}`);
            log.push(`-- ${signal}`);
            await stop(proc, signal);
            proc = await start();
            // Half the time the workload goes on while the new process starts and replays.
            if (faults() < 0.5) await proc.waitFor(/"msg":"ready"/, 120_000);
          }
          const text = fuzz.next();
          if (text === undefined) continue;
          log.push(text);
          await c.query(text);
        }
        await proc.waitFor(/"msg":"ready"/, 120_000);
        const last = faults() < 0.5 ? 'SIGKILL' : 'SIGTERM';
        events.push(`${last} at the end`);
        await stop(proc, last);
        proc = undefined;
        // The last restart is in-process, to compare the store itself.
        const logger = createLogger({ level: 'info', base: {}, write: (l) => lines.push(l) });
        sidecar = await startSidecar(db, { slot, log: logger, sidecar: { id: slot, dataDir: dir, snapshotInterval: 1 }, follower: { publicationCheckMs: withTriggers ? 0 : 150 } });
        expect(lines.some((l) => l.includes('"msg":"loaded dump"') || l.includes('loaded dump'))).toBe(true);
        await expectEqualToPrimary(sidecar, c, fuzz, withTriggers);
        all.push(...lines);
        expect(all.filter((l) => FRESH_COPY.test(l))).toEqual([]);
        console.log(`schema fuzz with restarts, seed ${seed}: ${events.join(', ')}; ${all.filter((l) => l.includes('replayed the change log')).length} log replays, ${all.filter((l) => l.includes('copying tables beside the stream')).length} re-copy rounds`);
      } catch (err) {
        console.error(
          `schema fuzz with restarts failed: MEMSTORE_FUZZ_SEED=${seed} MEMSTORE_FUZZ_RESTART_RUNS=1 MEMSTORE_FUZZ_STOPS=${STOPS} (${withTriggers ? 'triggers' : 'no triggers'}; ${events.join(', ')})\n${log.slice(-40).join('\n')}\n--- sidecar log (last 40 lines)\n${[...all, ...lines].slice(-40).join('\n')}`,
        );
        throw err;
      } finally {
        lines = [];
      }
    });
  }
});
