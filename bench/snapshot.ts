/*
 * bench:snapshot — dumps and restarts on 1M rows of ~100 bytes.
 *
 * One embedded PostgreSQL 17 (fsync off). Three rounds, each:
 *   1. cold start: no dump, so the sidecar creates its slot and copies the table (initial sync);
 *      timed from start() to "stream live";
 *   2. a dump (memstore.save()): MB/s, and the pause it imposes on readers and the stream;
 *   3. a restart from that dump: timed from start() to "stream live" (load + resume).
 * Reported: medians, and restart ÷ initial sync (target ≤ 0.3).
 *
 * Run: npm run bench:snapshot
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { silentLogger } from '../src/log.js';
import { startEmbedded } from '../src/pg/embedded.js';
import { Sidecar } from '../src/sidecar/sidecar.js';
import type { DumpResult } from '../src/snapshot/dump.js';

const ROWS = 1_000_000;
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-bench-snap-'));
  chmodSync(dir, 0o755);
  const server = await startEmbedded({ dataDir: path.join(dir, 'pg'), settings: { fsync: 'off' } });
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  const sync: number[] = [];
  const restart: number[] = [];
  const dumps: DumpResult[] = [];
  const loadRowsPerSec: number[] = [];
  try {
    await c.query(`CREATE TABLE bench (id int8 PRIMARY KEY, name text, score int, payload text)`);
    await c.query(`INSERT INTO bench SELECT g, 'name-' || g, g % 1000, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, ${ROWS}) g`);
    await c.query(`CREATE PUBLICATION bench FOR TABLE bench`);
    const size = await c.query<{ b: string }>(`SELECT pg_size_pretty(sum(length(t::text))) AS b FROM bench t`);
    console.log(`table: ${ROWS.toLocaleString('en')} rows, ${size.rows[0]!.b} of COPY text`);
    for (let round = 0; round < ROUNDS; round++) {
      const dataDir = path.join(dir, `sidecar-${round}`);
      const make = (): Sidecar =>
        new Sidecar({ source: { url: server.url }, publication: 'bench', slot: `bench_${round}`, id: 'bench', log: silentLogger, dataDir, snapshotInterval: 3600 });
      let t0 = performance.now();
      const first = make();
      await first.start();
      sync.push(performance.now() - t0);
      // The first dump after a copy writes every file (nothing to reuse).
      dumps.push(await first.snapshotter!.dump('bench'));
      await first.stop();
      t0 = performance.now();
      const second = make();
      await second.start();
      const ms = performance.now() - t0;
      restart.push(ms);
      loadRowsPerSec.push(ROWS / (ms / 1000));
      if (second.store.tableByName('public', 'bench')!.rows.size !== ROWS) throw new Error('restart lost rows');
      await second.stop();
      // The walsender exits a moment after the connection closes.
      for (let i = 0; ; i++) {
        const a = await c.query<{ active: boolean }>(`SELECT active FROM pg_replication_slots WHERE slot_name = 'bench_${round}'`);
        if (!a.rows[0]?.active) break;
        if (i > 200) throw new Error('slot still active');
        await new Promise((r) => setTimeout(r, 25));
      }
      await c.query(`SELECT pg_drop_replication_slot('bench_${round}')`);
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    await c.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const dumpMbS = median(dumps.map((d) => d.bytes / 1e6 / (d.writeMs / 1000)));
  const pause = median(dumps.map((d) => d.pauseMs));
  console.log(`\nbench:snapshot — ${ROWS.toLocaleString('en')} rows, median of ${ROUNDS} rounds\n`);
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| dump write | ${dumpMbS.toFixed(0)} MB/s (${(median(dumps.map((d) => d.bytes)) / 1e6).toFixed(0)} MB, ${median(dumps.map((d) => d.writeMs)).toFixed(0)} ms) |`);
  console.log(`| dump pause (clone of the trees; readers and stream held) | ${pause.toFixed(1)} ms |`);
  console.log(`| initial sync: start → live | ${median(sync).toFixed(0)} ms |`);
  console.log(`| restart from dump: start → live | ${median(restart).toFixed(0)} ms (${Math.round(median(loadRowsPerSec)).toLocaleString('en')} rows/s) |`);
  console.log(`| **restart ÷ initial sync** | **${(median(restart) / median(sync)).toFixed(2)}** |`);
}

await main();
