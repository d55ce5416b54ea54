/*
 * Faults of the host: the dumps directory stops being usable while the sidecar runs. The
 * technique works as root and as a normal user (chmod does not stop root): the directory is moved
 * away and a regular file put in its place, so every dump fails with ENOTDIR/EEXIST. The sidecar
 * must keep applying and serving reads, report the failures (memstore.stats() and /readyz), never
 * let the slot pass what is durable (the change log, in <data-dir>/log, still works), retry with
 * backoff, and recover once the directory is back.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn, type Lsn } from '../../src/lsn.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { waitForValue } from '../support/wait.js';

interface DumpStats {
  last_lsn: string;
  written: number;
  failures: number;
  consecutive_failures: number;
  last_error: string | null;
  next_retry_at: string | null;
}

let db: TestDatabase;
let dir: string;
let sidecar: Sidecar;
let reader: pg.Client;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'host-faults-'));
  db = await testDatabase('hostfault');
  await prepareSource(db, `CREATE TABLE kv (k int PRIMARY KEY, v text); INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 1000) g;`);
  sidecar = await startSidecar(db, {
    sidecar: {
      dataDir: dir,
      snapshotInterval: 0.5,
      dumpRetryInitialMs: 100,
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      readyMaxDumpFailures: 3,
    },
  });
  reader = new pg.Client({ host: '127.0.0.1', port: sidecar.address!.port, user: 'r', database: db.name });
  await reader.connect();
});

afterAll(async () => {
  await reader?.end();
  await sidecar?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function dumps(): Promise<DumpStats> {
  const r = await reader.query<{ s: { dumps: DumpStats } }>('SELECT memstore.stats() AS s');
  return r.rows[0]!.s.dumps;
}

const until = waitForValue;

async function readyz(): Promise<{ status: number; body: string }> {
  const a = (sidecar as unknown as { httpAddress?: { host: string; port: number } }).httpAddress;
  if (!a) throw new Error('the sidecar has no HTTP endpoint');
  const res = await fetch(`http://127.0.0.1:${a.port}/readyz`);
  return { status: res.status, body: await res.text() };
}

async function slotFlush(): Promise<Lsn> {
  const r = await db.client.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [`memstore_${db.name}`]);
  return parseLsn(r.rows[0]!.lsn);
}

describe('the dumps directory becomes unusable', () => {
  it('keeps applying and serving, reports and retries with backoff, and recovers when it is back', async () => {
    const c = db.client;
    const dumpsDir = path.join(dir, 'dumps');
    const good = await until(dumps, (d) => d.written >= 1 && d.consecutive_failures === 0, 20_000, 'a first dump');
    // The newest good dump covers everything so far (nothing else is written meanwhile).
    await until(dumps, (d) => parseLsn(d.last_lsn) >= sidecar.store.appliedLsn, 20_000, 'a dump of the current state');
    const lastGood = parseLsn((await dumps()).last_lsn);
    expect(good.written).toBeGreaterThanOrEqual(1);

    // Break it: the directory is now a file.
    renameSync(dumpsDir, `${dumpsDir}.moved`);
    writeFileSync(dumpsDir, 'not a directory\n');
    const failedAt = Date.now();
    for (let i = 0; i < 20; i++) await c.query(`UPDATE kv SET v = 'broken ${i}' WHERE k = ${i + 1}; SELECT memstore.set('during', '${i}')`);
    const failing = await until(dumps, (d) => d.consecutive_failures >= 5, 20_000, 'several failed dumps');
    expect(failing.last_error).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    expect(failing.next_retry_at).not.toBeNull();
    expect(parseLsn(failing.last_lsn)).toBe(lastGood);

    // Still applying and serving reads.
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'kv')).toBe(await primaryCopy(c, 'kv', 'k'));
    expect((await reader.query<{ v: string }>('SELECT v FROM kv WHERE k = 20')).rows).toEqual([{ v: 'broken 19' }]);
    expect((await reader.query<{ v: string }>(`SELECT memstore.get('during')::text AS v`)).rows).toEqual([{ v: '19' }]);
    // Not ready while dumps fail; the slot never passes what is durable (dump or change log).
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/dump/i);
    expect(await slotFlush()).toBeLessThanOrEqual(sidecar.store.durableLsn);

    // Retries back off: 100, 200, 400 ms, … capped at the 500 ms interval.
    const retries = captured
      .filter((l) => l.includes(`"db":"${db.name}"`) && l.includes('"msg":"dump failed'))
      .map((l) => (JSON.parse(l) as { retry_in_ms?: number }).retry_in_ms);
    expect(retries.slice(0, 5)).toEqual([100, 200, 400, 500, 500]);
    const failingMs = Date.now() - failedAt;

    // Fix it: the next retry succeeds, the count resets, the slot moves on, ready again.
    rmSync(dumpsDir);
    renameSync(`${dumpsDir}.moved`, dumpsDir);
    const appliedAtFix = sidecar.store.appliedLsn;
    const recovered = await until(dumps, (d) => d.consecutive_failures === 0, 10_000, 'a dump to succeed again');
    expect(recovered.written).toBeGreaterThan(good.written);
    expect(recovered.last_error).toBeNull();
    expect(recovered.next_retry_at).toBeNull();
    expect(parseLsn(recovered.last_lsn)).toBeGreaterThanOrEqual(appliedAtFix);
    await until(slotFlush, (l) => l >= appliedAtFix, 10_000, 'the slot to advance to the new dump');
    expect((await readyz()).status).toBe(200);
    expect(captured.some((l) => l.includes(`"db":"${db.name}"`) && l.includes('dumps work again'))).toBe(true);
    console.log(`dumps failed ${recovered.failures}× over ${failingMs} ms (retries ${retries.slice(0, 8).join(', ')} ms), recovered at ${recovered.last_lsn}`);
  });
});
