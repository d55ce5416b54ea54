/*
 * Faults of the source that faults.test.ts (walsender killed, server restarted) and
 * dump.test.ts (slot dropped while the sidecar was down) do not cover:
 *   - the network cut silently (no FIN, no RST) by a TCP proxy between the sidecar and the
 *     primary: the receive deadline notices, the follower reconnects once packets flow again;
 *   - the slot dropped by someone while the sidecar runs: it copies afresh from a new slot;
 *   - the publication altered at runtime: a table added is copied with its existing rows and
 *     followed; a table dropped from it leaves the store (reads get 42P01), and comes back whole
 *     when it is added again; the publication dropped altogether empties nothing.
 * Each ends equal to the primary, with every committed transaction applied exactly once where the
 * stream could carry it.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, memstoreContents, prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';
import { TRANSFER_SCHEMA, transferWorkload } from '../support/workload.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const SETUP = TRANSFER_SCHEMA;

/** Small transactions on the primary (never through the proxy); resolves with how many committed. */
function workload(url: string, txns: number, seed: number): Promise<number> {
  return transferWorkload(url, txns, seed, { accounts: 300, spread: 89, memstoreEvery: 25 });
}

const until = waitFor;

const logOf = (db: TestDatabase): string[] => captured.filter((l) => l.includes(`"db":"${db.name}"`));

let db: TestDatabase | undefined;
let sidecar: Sidecar | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await sidecar?.stop();
  sidecar = undefined;
  await proxy?.close();
  proxy = undefined;
  await db?.drop();
  db = undefined;
});

describe('faults of the source', () => {
  it('a silent network cut is detected by the receive deadline; after it, nothing is lost or applied twice', async () => {
    db = await testDatabase('netcut');
    await prepareSource(db, SETUP);
    const u = new URL(db.url);
    proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port) });
    const p = proxy;
    sidecar = await startSidecar(db, { sourceUrl: p.url(db.url), follower: { receiveTimeoutMs: 1_500 } });
    const s = sidecar;
    await caughtUp(s, db.client);
    const before = s.store.counters.transactions;

    const running = workload(db.url, 1500, 1);
    await until(() => s.store.counters.transactions - before > 200, 30_000, 'the first transactions to arrive');
    p.cut();
    const cutAt = Date.now();
    // Silence, not an error: the follower notices only through its deadline.
    await until(() => s.follower.state === 'reconnecting', 10_000, 'the follower to notice the cut');
    const noticedMs = Date.now() - cutAt;
    expect(logOf(db).some((l) => l.includes('no message from the server for 1500 ms; assuming the connection is dead'))).toBe(true);
    expect(noticedMs).toBeGreaterThanOrEqual(1_000);
    const reconnects = s.follower.reconnectCount;
    // Still cut: no reconnect can have succeeded (what was in flight before the cut was applied;
    // nothing after it can arrive).
    expect(s.follower.state).toBe('reconnecting');
    p.restore();
    await until(() => s.follower.reconnectCount > reconnects && s.follower.state === 'streaming', 30_000, 'the follower to stream again');

    const committed = await running;
    await caughtUp(s, db.client, 60_000);
    expect(storeCopy(s, 'acct')).toBe(await primaryCopy(db.client, 'acct', 'id'));
    expect(s.store.counters.transactions - before).toBe(committed);
    expect(memstoreContents(s)['last-1']).toBe('1499');
    console.log(`network cut noticed after ${noticedMs} ms; ${committed} committed, ${s.store.counters.transactions - before} applied; proxy carried ${p.connections} connections`);
  });

  it('a slot dropped while the sidecar runs: it copies afresh from a new slot and ends equal to the primary', async () => {
    db = await testDatabase('slotdrop');
    await prepareSource(db, SETUP);
    sidecar = await startSidecar(db);
    const s = sidecar;
    const slot = `memstore_${db.name}`;
    await db.client.query(`SELECT memstore.set('before', '1')`);
    await caughtUp(s, db.client);
    const running = workload(db.url, 800, 2);
    await until(() => s.store.counters.transactions > 100, 30_000, 'transactions to arrive');
    // Someone drops the slot: terminates its walsender (waiting for it to exit) and drops it in
    // the same breath, before the follower is back (it retries after ~50 ms).
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await until(
        async () => {
          try {
            await admin.query(
              `SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots WHERE slot_name = '${slot}' AND active_pid IS NOT NULL;
               SELECT pg_drop_replication_slot('${slot}');`,
            );
            return true;
          } catch {
            return false; // the follower was quicker and holds the slot again: once more
          }
        },
        20_000,
        'the slot to be dropped',
      );
    } finally {
      await admin.end();
    }
    await running;
    await until(() => logOf(db!).some((l) => l.includes('copying the tables afresh from a new slot')), 30_000, 'the resync');
    await until(() => s.follower.state === 'streaming', 30_000, 'streaming again');
    await caughtUp(s, db.client, 60_000);
    expect(storeCopy(s, 'acct')).toBe(await primaryCopy(db.client, 'acct', 'id'));
    // The keys have no table to copy from: kept, and said to be possibly stale.
    expect(memstoreContents(s).before).toBe('1');
    expect(s.store.memstoreStale).toMatch(/does not exist/);
    const slots = await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    expect(slots.rows[0]!.n).toBe(1);
  });

  it('ALTER PUBLICATION: an added table is copied with its rows; a dropped one leaves the store, and returns whole when added back', async () => {
    db = await testDatabase('altpub');
    const c = db.client;
    await prepareSource(
      db,
      `CREATE TABLE t1 (id int PRIMARY KEY, v text);
       CREATE TABLE t2 (id int PRIMARY KEY, v text);
       INSERT INTO t1 SELECT g, 'one ' || g FROM generate_series(1, 500) g;
       INSERT INTO t2 SELECT g, 'two ' || g FROM generate_series(1, 700) g;
       CREATE PUBLICATION narrow FOR TABLE t1;`,
      'narrow',
    );
    sidecar = await startSidecar(db, { publication: 'narrow', sidecar: { listen: { host: '127.0.0.1', port: 0 } }, follower: { publicationCheckMs: 200 } });
    const s = sidecar;
    const reader = new pg.Client({ host: '127.0.0.1', port: s.address!.port, user: 'r', database: db.name });
    await reader.connect();
    try {
      expect(s.store.tableByName('public', 't2')).toBeUndefined();

      // ADD TABLE: the existing 700 rows are copied when its first change arrives, then followed.
      await c.query('ALTER PUBLICATION narrow ADD TABLE t2');
      await c.query(`INSERT INTO t2 VALUES (701, 'two 701')`);
      await settled(s, c);
      expect(storeCopy(s, 't2')).toBe(await primaryCopy(c, 't2', 'id'));
      expect(s.store.tableByName('public', 't2')!.rows.size).toBe(701);

      // DROP TABLE from the publication: the rows leave the store; reads say the table is unknown.
      await c.query(`UPDATE t1 SET v = 'last seen' WHERE id = 1`);
      await c.query('ALTER PUBLICATION narrow DROP TABLE t1');
      await c.query(`UPDATE t1 SET v = 'changed while unpublished' WHERE id <= 10`);
      await c.query(`INSERT INTO t2 VALUES (702, 'two 702')`);
      await until(() => s.store.tableByName('public', 't1') === undefined, 10_000, 't1 to leave the store');
      await expect(reader.query('SELECT count(*) FROM t1')).rejects.toMatchObject({ code: '42P01' });
      expect(logOf(db).some((l) => l.includes('table is no longer in the publication; its rows are dropped from the store') && l.includes('public.t1'))).toBe(true);
      await settled(s, c);
      expect(storeCopy(s, 't2')).toBe(await primaryCopy(c, 't2', 'id'));

      // Added back: copied afresh, with the changes made while it was out.
      await c.query('ALTER PUBLICATION narrow ADD TABLE t1');
      await c.query(`INSERT INTO t1 VALUES (501, 'one 501')`);
      await settled(s, c);
      expect(storeCopy(s, 't1')).toBe(await primaryCopy(c, 't1', 'id'));
      expect((await reader.query<{ v: string }>('SELECT v FROM t1 WHERE id = 5')).rows).toEqual([{ v: 'changed while unpublished' }]);
      await c.query(`INSERT INTO t1 VALUES (502, 'one 502')`);
      await settled(s, c);
      expect(storeCopy(s, 't1')).toBe(await primaryCopy(c, 't1', 'id'));

      // The publication itself dropped: a configuration problem, not "follow nothing" — the tables stay.
      await c.query('DROP PUBLICATION narrow');
      await until(() => logOf(db!).some((l) => l.includes('the publication does not exist on the source any more')), 10_000, 'the check to notice');
      expect(s.store.tableByName('public', 't1')!.rows.size).toBe(502);
      expect(s.store.tableByName('public', 't2')!.rows.size).toBe(702);
    } finally {
      await reader.end();
    }
  });
});
