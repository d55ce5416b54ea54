/*
 * The memstore.* SQL API on the sidecar: get/list/count/memory_usage/stats over keys written on
 * the PostgreSQL 17 primary with memstore.set, wait_lsn for read-your-writes (success, timeout,
 * cancel), and save/load hooks.
 */
import type pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let c: pg.Client;

beforeAll(async () => {
  h = await startHarness('qmemstore', `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2);`);
  await h.db.client.query(`SELECT memstore.set('user:1', '{"name": "ann", "age": 30}'), memstore.set('user:2', '[1, 2.50]'),
    memstore.set('other', '"x"'), memstore.set('\\x00ff'::bytea, 'null'), memstore.set('ключ', '{"ü": "ö"}')`);
  await h.caughtUp();
  c = await h.client();
});

afterAll(async () => {
  await h?.close();
});

async function rows(sql: string, params?: unknown[]): Promise<unknown[][]> {
  return (await c.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][];
}

async function failure(sql: string, params?: unknown[]): Promise<{ code: string; message: string }> {
  try {
    await c.query(sql, params);
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('memstore.get / list / count', () => {
  it('gets a value as jsonb by text or bytea key; NULL when absent', async () => {
    const r = await c.query(`SELECT memstore.get('user:1')`);
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['get', 3802]]);
    expect(await rows(`SELECT memstore.get('user:1')`)).toEqual([['{"age": 30, "name": "ann"}']]);
    expect(await rows(`SELECT memstore.get($1)`, ['ключ'])).toEqual([['{"ü": "ö"}']]);
    expect(await rows(`SELECT memstore.get('\\x00ff'::bytea), memstore.get('\\x75736572 3a 32'::bytea)`)).toEqual([['null', '[1, 2.50]']]);
    expect(await rows(`SELECT memstore.get('missing'), memstore.get(NULL)`)).toEqual([[null, null]]);
    expect(await rows(`SELECT memstore.get($1::bytea)`, ['\\x6f74686572'])).toEqual([['"x"']]);
  });

  it('lists keys in byte order, by prefix, with LIMIT and key conditions', async () => {
    const all = await c.query('SELECT * FROM memstore.list()');
    expect(all.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['key', 17],
      ['value', 3802],
    ]);
    expect(all.rows.map((r) => (r as { key: string }).key)).toEqual(['\\x00ff', '\\x6f74686572', '\\x757365723a31', '\\x757365723a32', '\\xd0bad0bbd18ed187']);
    expect(await rows(`SELECT key, value FROM memstore.list('user:')`)).toEqual([
      ['\\x757365723a31', '{"age": 30, "name": "ann"}'],
      ['\\x757365723a32', '[1, 2.50]'],
    ]);
    expect(await rows(`SELECT value FROM memstore.list($1) ORDER BY key DESC LIMIT 1`, ['user:'])).toEqual([['[1, 2.50]']]);
    expect(await rows(`SELECT value FROM memstore.list() AS m WHERE m.key = '\\x6f74686572'`)).toEqual([['"x"']]);
    expect(await rows(`SELECT count(*) FROM memstore.list() WHERE key > '\\x6f'`)).toEqual([['4']]);
    expect(await rows(`SELECT * FROM memstore.list(NULL)`)).toEqual([]);
    expect(await rows(`SELECT * FROM memstore.list('\\x00'::bytea)`)).toEqual([['\\x00ff', 'null']]);
  });

  it('counts keys, reports memory use and stats', async () => {
    expect(await rows(`SELECT memstore.count(), memstore.count('user:'), memstore.count('zzz')`)).toEqual([['5', '2', '0']]);
    const m = await c.query('SELECT memstore.memory_usage()');
    expect(m.fields[0]!.dataTypeID).toBe(20);
    expect(Number((m.rows[0] as { memory_usage: string }).memory_usage)).toBeGreaterThan(0);
    const s = await c.query('SELECT memstore.stats()');
    expect(s.fields[0]!.dataTypeID).toBe(3802);
    const stats = JSON.parse((s.rows[0] as { stats: string }).stats) as Record<string, unknown>;
    expect(stats).toMatchObject({ memstore_keys: 5, quarantined: 0, tables: { 'public.t': { status: 'live', rows: 2 } } });
    expect(stats.applied_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(Number(stats.memstore_ops)).toBeGreaterThanOrEqual(5);
  });
});

describe('memstore.wait_lsn', () => {
  it('waits until the sidecar applied a position, then reads see the write', async () => {
    await h.db.client.query(`SELECT memstore.set('ryw', '{"v": 1}')`);
    const lsn = (await h.db.client.query<{ lsn: string }>('SELECT memstore.current_lsn()::text AS lsn')).rows[0]!.lsn;
    const r = await c.query('SELECT memstore.wait_lsn($1)', [lsn]);
    expect(r.fields[0]!.dataTypeID).toBe(3220);
    expect(await rows(`SELECT memstore.get('ryw')`)).toEqual([['{"v": 1}']]);
    expect(await rows(`SELECT memstore.wait_lsn('0/0'::pg_lsn, 10)`)).toHaveLength(1);
  });

  it('times out with 57014, refuses bad input with 22P02 / 22023', async () => {
    expect(await failure(`SELECT memstore.wait_lsn('FFFFFFFF/0', 30)`)).toMatchObject({
      code: '57014',
      message: expect.stringMatching(/^timed out while waiting for target LSN FFFFFFFF\/0 to be applied; current applied LSN /) as unknown,
    });
    expect(await failure(`SELECT memstore.wait_lsn('nope')`)).toEqual({ code: '22P02', message: 'invalid input syntax for type pg_lsn: "nope"' });
    expect((await failure(`SELECT memstore.wait_lsn('0/1', -5)`)).code).toBe('22023');
    expect(await rows(`SELECT memstore.wait_lsn(NULL)`)).toEqual([[null]]);
  });

  it('ends with 57014 when the client cancels (postgres.js)', async () => {
    const sql = postgres(h.url, { max: 1, onnotice: () => undefined });
    try {
      const waiting = h.nextWait();
      const q = sql`SELECT memstore.wait_lsn('FFFFFFFF/0')`.execute();
      await waiting;
      q.cancel();
      await expect(q).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
      expect(await sql`SELECT 1 AS x`).toEqual([{ x: 1 }]);
    } finally {
      await sql.end();
    }
  });
});

describe('memstore.save / load', () => {
  it('is 0A000 without a dump directory, and calls the hooks when configured', async () => {
    expect((await failure('SELECT memstore.save()')).code).toBe('0A000');
    expect((await failure('SELECT memstore.load()')).code).toBe('0A000');
    const calls: string[] = [];
    const extra = await h.extraServer({
      save: () => {
        calls.push('save');
        return Promise.resolve(0x1_0000_2345n);
      },
      load: () => Promise.reject(new Error('no dump found')),
      stats: () => ({ follower: 'streaming' }),
    });
    const sql = postgres(extra.url, { max: 1 });
    try {
      expect(await sql`SELECT memstore.save() AS lsn`).toEqual([{ lsn: '1/2345' }]);
      expect(calls).toEqual(['save']);
      await expect(sql`SELECT memstore.load()`).rejects.toMatchObject({ code: '58000', message: 'memstore.load() failed: no dump found' });
      const [row] = await sql<{ s: { follower: string } }[]>`SELECT memstore.stats() AS s`;
      expect(row!.s.follower).toBe('streaming');
    } finally {
      await sql.end();
      await extra.close();
    }
  });
});
