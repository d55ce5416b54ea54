/*
 * Read-your-writes with the LSN token, against two sidecars on one PostgreSQL 17 while a write
 * workload runs: 1,000 times, write on the primary, take memstore.current_lsn() after the commit,
 * then on a sidecar (alternating) memstore.wait_lsn(token) and read — the read must never be
 * older than the write. And wait_lsn on an LSN the sidecar will not reach fails at its timeout
 * with 57014 and a message that names both LSNs.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, startSidecar } from '../support/sidecar.js';
import { startWorkload, WORKLOAD_SCHEMA, type Workload } from '../support/workload.js';

let db: TestDatabase;
let sidecars: Sidecar[] = [];
let readers: pg.Client[] = [];
let workload: Workload | undefined;

beforeAll(async () => {
  db = await testDatabase('ryw');
  await prepareSource(db, `${WORKLOAD_SCHEMA}
    CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);
    INSERT INTO counter VALUES (1, 0);`);
  for (const name of ['x', 'y']) {
    sidecars.push(await startSidecar(db, { slot: `${db.name}_${name}`, sidecar: { id: `${db.name}-${name}`, listen: { host: '127.0.0.1', port: 0 } } }));
  }
  readers = await Promise.all(
    sidecars.map(async (s) => {
      const c = new pg.Client({ connectionString: `postgres://memstore@127.0.0.1:${s.address!.port}/${db.name}` });
      await c.connect();
      return c;
    }),
  );
});

afterAll(async () => {
  await workload?.stop().catch(() => undefined);
  for (const c of readers) await c.end().catch(() => undefined);
  for (const s of sidecars) await s.stop().catch(() => undefined);
  sidecars = [];
  await db?.drop();
});

describe('read-your-writes with memstore.current_lsn() and memstore.wait_lsn()', () => {
  it('1,000 writes on the primary, each read back on a sidecar after wait_lsn: never stale', async () => {
    // Each wait_lsn on a connection used to leave an abort listener on its signal (a leak).
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    workload = await startWorkload(db.url, { connections: 2 });
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let stale = 0;
    let staleKeys = 0;
    let waitedMs = 0;
    let during = 0;
    const startTx = workload.stats.transactions;
    try {
      for (let i = 0; i < 1000; i++) {
        // One autocommit statement: the counter and a memstore key in the same transaction.
        const w = await writer.query<{ n: string }>(`WITH u AS (UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n) SELECT n, memstore.set('ryw', to_jsonb(n)) FROM u`);
        const written = BigInt(w.rows[0]!.n);
        const token = (await writer.query<{ lsn: string }>('SELECT memstore.current_lsn()::text AS lsn')).rows[0]!.lsn;
        const reader = readers[i % 2]!;
        const t0 = performance.now();
        await reader.query('SELECT memstore.wait_lsn($1::text, 10000)', [token]);
        waitedMs += performance.now() - t0;
        const r = await reader.query<{ n: string; v: string | number | null }>(`SELECT n, memstore.get('ryw') AS v FROM counter WHERE id = 1`);
        if (BigInt(r.rows[0]!.n) < written) stale++;
        if (r.rows[0]!.v === null || BigInt(Number(r.rows[0]!.v)) < written) staleKeys++;
      }
      during = workload.stats.transactions - startTx;
    } finally {
      await writer.end();
      await workload.stop();
      workload = undefined;
    }
    process.off('warning', onWarning);
    expect(stale).toBe(0);
    expect(staleKeys).toBe(0);
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    expect((await db.client.query<{ n: string }>('SELECT n FROM counter WHERE id = 1')).rows[0]!.n).toBe('1000');
    // It ran under load: the workload committed alongside the 1,000 writes.
    expect(during).toBeGreaterThan(500);
    console.log(`read-your-writes: 1000 iterations beside ${during} workload transactions, mean wait_lsn ${(waitedMs / 1000).toFixed(2)} ms`);
  });

  it('wait_lsn on an LSN not reached fails at its timeout with 57014', async () => {
    const reader = readers[0]!;
    const t0 = Date.now();
    const err = await reader.query(`SELECT memstore.wait_lsn('FFFFFFF/0', 300)`).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(err?.code).toBe('57014');
    expect(err?.message).toMatch(/^timed out while waiting for target LSN FFFFFFF\/0 to be applied; current applied LSN [0-9A-F]+\/[0-9A-F]+$/);
    // The session is usable afterwards, and a reached LSN returns at once.
    const r = await reader.query<{ l: string }>(`SELECT memstore.wait_lsn('0/1', 300) AS l`);
    expect(r.rows[0]!.l).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    await expect(reader.query(`SELECT memstore.wait_lsn('0/1', -1)`)).rejects.toMatchObject({ code: '22023' });
  });
});
