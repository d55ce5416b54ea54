/*
 * The initial copy under the slot's exported snapshot, racing concurrent writers, and a table
 * added to the publication while the sidecar runs: both end identical to the primary.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, captured, prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';

/** Random inserts, updates and deletes on `table` until `stop()` says so; returns the count. */
function writer(url: string, table: string, max: number): { done: Promise<number>; stop: () => void } {
  let stopped = false;
  const done = (async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    let n = 0;
    try {
      while (!stopped && n < max) {
        const id = 1 + ((n * 7919) % 120_000);
        switch (n % 4) {
          case 0:
            await c.query(`INSERT INTO ${table} VALUES ($1::int, 'w' || $1::text, now()) ON CONFLICT (id) DO UPDATE SET payload = 'again'`, [id]);
            break;
          case 1:
            await c.query(`UPDATE ${table} SET payload = payload || '+', at = now() WHERE id = $1`, [id]);
            break;
          case 2:
            await c.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
            break;
          default:
            await c.query(`UPDATE ${table} SET payload = 'batch' WHERE id BETWEEN $1 AND $1 + 20`, [id]);
        }
        n++;
      }
    } finally {
      await c.end();
    }
    return n;
  })();
  return { done, stop: () => (stopped = true) };
}

describe('initial sync', () => {
  let db: TestDatabase | undefined;
  let sidecar: Sidecar | undefined;

  afterAll(async () => {
    await sidecar?.stop();
    await db?.drop();
  });

  it('copies 100k pre-existing rows while writers race it, and ends identical to the primary', async () => {
    db = await testDatabase('isync');
    await prepareSource(
      db,
      `CREATE TABLE rows (id int PRIMARY KEY, payload text, at timestamptz);
       INSERT INTO rows SELECT g, md5(g::text), '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 100000) g;`,
    );
    const w = writer(db.url, 'rows', 100_000);
    sidecar = await startSidecar(db);
    // Keep writing for a while after the copy, so the stream carries changes too.
    const afterStart = sidecar.store.counters.transactions;
    const deadline = Date.now() + 20_000;
    while (sidecar.store.counters.transactions - afterStart < 500 && Date.now() < deadline) {
      await sidecar.follower.waiters.wait(sidecar.store.appliedLsn + 1n, 5_000).catch(() => undefined);
    }
    w.stop();
    const writes = await w.done;
    await caughtUp(sidecar, db.client);
    expect(sidecar.store.counters.transactions - afterStart).toBeGreaterThanOrEqual(500);
    expect(storeCopy(sidecar, 'rows')).toBe(await primaryCopy(db.client, 'rows', 'id'));
    expect(captured.some((l) => l.includes('copied table') && l.includes('public.rows'))).toBe(true);
    console.log(`initial sync raced ${writes} concurrent writes; ${sidecar.store.tableByName('public', 'rows')!.rows.size} rows identical`);
  });

  it('copies a table added to the publication later and follows it', async () => {
    const c = db!.client;
    const s = sidecar!;
    await c.query(`CREATE PUBLICATION only_a FOR TABLE rows`);
    await c.query(`CREATE TABLE late (id int PRIMARY KEY, payload text, at timestamptz)`);
    await c.query(`INSERT INTO late SELECT g, 'pre ' || g, now() FROM generate_series(1, 20000) g`);
    // A second sidecar on the narrower publication sees `late` only once it is added.
    await s.stop();
    sidecar = undefined;
    const s2 = await startSidecar(db!, { publication: 'only_a', slot: `memstore_${db!.name}_b` });
    sidecar = s2;
    expect(s2.store.tableByName('public', 'late')).toBeUndefined();
    const w = writer(db!.url, 'late', 3000);
    await c.query(`ALTER PUBLICATION only_a ADD TABLE late`);
    const writes = await w.done;
    await settled(s2, c);
    const t = s2.store.tableByName('public', 'late');
    expect(t?.status).toBe('live');
    expect(storeCopy(s2, 'late')).toBe(await primaryCopy(c, 'late', 'id'));
    expect(writes).toBe(3000);
  });
});
