/*
 * Hostile input in the replication stream: `memstore` messages emitted by hand with
 * pg_logical_emit_message (not through the SQL functions, which would refuse them) — not JSON,
 * invalid UTF-8, unknown op, unknown version, missing key, a key of the wrong type, a 100 MB value —
 * interleaved, in the same and in separate transactions, with valid memstore.set/delete calls and
 * table changes. Each bad one is quarantined: counted in memstore.stats() (read over pgwire),
 * logged with its LSN, skipped; every valid change around it is applied; the stream goes on; the
 * 100 MB value is not kept in memory.
 *
 * Non-transactional memstore messages (pg_logical_emit_message(false, …)) are quarantined too:
 * DESIGN.md makes ops transactional because only a commit gives them a place in the order of
 * changes, survives a rollback correctly and can be recognised on replay (exactly-once); a
 * non-transactional message is decoded at once, even when its transaction later rolls back.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn, type Lsn } from '../../src/lsn.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, memstoreContents, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { waitForValue } from '../support/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** MEMSTORE_TEST_BIG_MB overrides the size of the oversized value (100 MB by default). */
const BIG_MB = Number(process.env.MEMSTORE_TEST_BIG_MB ?? 100);

let db: TestDatabase;
let sidecar: Sidecar;
let reader: pg.Client;
/** process.memoryUsage() after a full GC, before the hostile messages. */
let baseline: NodeJS.MemoryUsage;

beforeAll(async () => {
  db = await testDatabase('hostile');
  await prepareSource(db, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  sidecar = await startSidecar(db, { sidecar: { listen: { host: '127.0.0.1', port: 0 } } });
  reader = new pg.Client({ host: '127.0.0.1', port: sidecar.address!.port, user: 'reader', database: db.name });
  await reader.connect();
});

afterAll(async () => {
  await reader?.end();
  await sidecar?.stop();
  await db?.drop();
});

async function stats(): Promise<{ quarantined: number; memstore_ops: number }> {
  const r = await reader.query<{ s: { quarantined: number; memstore_ops: number } }>('SELECT memstore.stats() AS s');
  return r.rows[0]!.s;
}

/** Quarantine log lines of this sidecar: their LSNs, in log order. */
function quarantineLsns(): { lsn: Lsn; reason: string }[] {
  return captured
    .map((l) => JSON.parse(l) as { msg: string; db?: string; lsn?: string; reason?: string })
    .filter((l) => l.db === db.name && l.msg === 'memstore message quarantined')
    .map((l) => ({ lsn: parseLsn(l.lsn!), reason: l.reason! }));
}

describe('hostile memstore messages in the stream', () => {
  it('quarantines each malformed message with its LSN and applies everything around it', async () => {
    const c = db.client;
    const start = (await stats()).quarantined;
    expect(start).toBe(0);
    gc();
    baseline = process.memoryUsage();
    /** Emits a transactional memstore message by hand; returns the LSN after its record. */
    const emit = async (payload: string, bytea = false): Promise<Lsn> => {
      const r = await c.query<{ lsn: string }>(
        bytea ? `SELECT pg_logical_emit_message(true, 'memstore', $1::bytea)::text AS lsn` : `SELECT pg_logical_emit_message(true, 'memstore', $1::text)::text AS lsn`,
        [payload],
      );
      return parseLsn(r.rows[0]!.lsn);
    };
    // Upper bounds of each bad message's LSN, with the reason the sidecar must give, in WAL order.
    const bad: { before: Lsn; reason: RegExp }[] = [];
    const expectBad = (before: Lsn, reason: RegExp): void => {
      bad.push({ before, reason });
    };

    // One transaction: valid ops and rows around two bad messages.
    await c.query('BEGIN');
    await c.query(`INSERT INTO t VALUES (1, 'one')`);
    await c.query(`SELECT memstore.set('a', '{"n": 1}')`);
    expectBad(await emit('this is not JSON {'), /not JSON/);
    await c.query(`INSERT INTO t VALUES (2, 'two')`);
    expectBad(await emit('{"v":1,"op":"explode","key":"a"}'), /unknown op "explode"/);
    await c.query(`SELECT memstore.set('b', '[2]')`);
    await c.query('COMMIT');

    // Bad messages alone, each its own transaction.
    expectBad(await emit('{"v":99,"op":"set","key":"a","value":0}'), /unknown payload version 99/);
    expectBad(await emit('{"v":1,"op":"set","value":0}'), /missing key/);
    expectBad(await emit('{"v":1,"op":"set","key":42,"value":0}'), /missing key/);
    expectBad(await emit('\\xff7b7d', true), /not valid UTF-8/);

    // The oversized value between valid changes of one transaction, built on the server.
    const big = Date.now();
    await c.query('BEGIN');
    await c.query(`SELECT memstore.set('c', '"three"')`);
    const r = await c.query<{ lsn: string }>(
      `SELECT pg_logical_emit_message(true, 'memstore', '{"v":1,"op":"set","key":"big","value":"' || repeat('x', $1 * 1024 * 1024) || '"}')::text AS lsn`,
      [BIG_MB],
    );
    expectBad(parseLsn(r.rows[0]!.lsn), /payload of \d+ bytes exceeds the limit/);
    await c.query(`UPDATE t SET v = 'uno' WHERE id = 1`);
    await c.query('COMMIT');

    // A transaction of nothing but bad messages, then one that deletes a key and uses another prefix.
    await c.query('BEGIN');
    expectBad(await emit('[1,2,3]'), /not a JSON object/);
    expectBad(await emit('{"v":1,"op":"delete","key_hex":"zz"}'), /key_hex is not hex/);
    await c.query('COMMIT');
    await c.query(`BEGIN; INSERT INTO t VALUES (3, 'three'); SELECT pg_logical_emit_message(true, 'not-memstore', 'ignored'); SELECT memstore.delete('b'); COMMIT`);

    // A non-transactional memstore message: quarantined, never applied.
    const nt = await c.query<{ lsn: string }>(`SELECT pg_logical_emit_message(false, 'memstore', '{"v":1,"op":"set","key":"nt","value":1}')::text AS lsn`);
    expectBad(parseLsn(nt.rows[0]!.lsn), /non-transactional/);
    // A rolled-back transaction's messages, good or bad, never arrive.
    await c.query(`BEGIN; SELECT memstore.set('rolled-back', '1'); SELECT pg_logical_emit_message(true, 'memstore', 'junk'); ROLLBACK`);
    // The stream goes on after all of it.
    await c.query(`INSERT INTO t VALUES (4, 'four'); SELECT memstore.set('d', 'true')`);

    await caughtUp(sidecar, c, 120_000);
    const seconds = (Date.now() - big) / 1000;

    expect(storeCopy(sidecar, 't')).toBe(await primaryCopy(c, 't', 'id'));
    expect(storeCopy(sidecar, 't')).toBe('1\tuno\n2\ttwo\n3\tthree\n4\tfour\n');
    expect(memstoreContents(sidecar)).toEqual({ a: '{"n": 1}', c: '"three"', d: 'true' });

    const s = await stats();
    expect(s.quarantined).toBe(bad.length);
    expect(s.memstore_ops).toBe(5); // set a, set b, set c, delete b, set d: nothing else
    const reported = await reader.query<{ v: string }>(`SELECT memstore.get('c')::text AS v`);
    expect(reported.rows).toEqual([{ v: '"three"' }]);

    // One log line per bad message, in WAL order, each with an LSN within that message's record
    // (pgoutput reports a message at its record's end; pg_logical_emit_message returns about the same).
    const logged = quarantineLsns();
    expect(logged).toHaveLength(bad.length);
    let prev = 0n;
    bad.forEach((b, i) => {
      const l = logged[i]!;
      expect(l.reason).toMatch(b.reason);
      expect(l.lsn).toBeGreaterThan(prev);
      expect(l.lsn).toBeLessThanOrEqual(b.before);
      prev = b.before;
    });
    console.log(`${bad.length} bad messages quarantined; the ${BIG_MB} MB one and everything after it applied within ${seconds.toFixed(1)} s`);
  });

  it('does not keep the oversized value: memory returns to where it was once the stream is idle', async () => {
    // node-postgres' receive buffer for the replication connection grows to hold the largest
    // message (rounded up to a power of two) and lets go of it when a read ends on a message
    // boundary, which an idle stream's keepalives do: poll for that, with a deadline.
    const afterGc = (): NodeJS.MemoryUsage => {
      gc();
      return process.memoryUsage();
    };
    const m = await waitForValue(afterGc, (u) => u.arrayBuffers - baseline.arrayBuffers < 16 * 1024 * 1024, 15_000, 'the receive buffer to be let go', 100);
    // The store holds a handful of rows and keys; the process holds no copy of the big payload.
    expect(sidecar.store.memoryUsage()).toBeLessThan(1 << 20);
    expect(m.arrayBuffers - baseline.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
    expect(m.heapUsed - baseline.heapUsed).toBeLessThan(16 * 1024 * 1024);
    console.log(`after gc: heapUsed ${(m.heapUsed / 1e6).toFixed(0)} MB (before: ${(baseline.heapUsed / 1e6).toFixed(0)} MB), arrayBuffers ${(m.arrayBuffers / 1e6).toFixed(0)} MB (before: ${(baseline.arrayBuffers / 1e6).toFixed(0)} MB), rss ${(m.rss / 1e6).toFixed(0)} MB`);
  });
});
