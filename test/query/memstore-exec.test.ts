/*
 * memstore's own functions inside the executor (functions/memstore.ts): in joins, WHERE, CASE,
 * subqueries and FROM, compared with what the single-table path answers for each simple form,
 * and — for the jsonb they return — with the primary computing the same expression over the same
 * value. Expired keys stay invisible everywhere; wait_lsn/save/load are 0A000 inside a larger
 * query and still answered alone.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let c: pg.Client;

const VALUES: Readonly<Record<string, string>> = {
  'item:1': '{"name": "one", "price": 1.50, "tags": ["a", "b"]}',
  'item:2': '{"name": "two", "price": 3}',
  'item:4': '{"name": "four", "price": 6.0, "nested": {"x": [1, 2.50, null]}}',
  'user:1': '{"age": 30, "name": "ann"}',
  ключ: '{"ü": "ö"}',
};

beforeAll(async () => {
  h = await startHarness('qmsexec', `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 5) g;`);
  await h.db.client.query('BEGIN');
  for (const [k, v] of Object.entries(VALUES)) await h.db.client.query('SELECT memstore.set($1::text, $2::jsonb)', [k, v]);
  await h.db.client.query(`SELECT memstore.set('\\x00ff'::bytea, 'null'), memstore.set('exp:long', '"later"', '1 hour'), memstore.set('gone', '"expired"', '1 microsecond')`);
  await h.db.client.query('COMMIT');
  await h.caughtUp();
  c = await h.client();
});

afterAll(async () => {
  await h?.close();
});

async function rows(sql: string, params?: unknown[]): Promise<unknown[][]> {
  return (await c.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][];
}

async function one(sql: string, params?: unknown[]): Promise<unknown> {
  return (await rows(sql, params))[0]![0];
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

async function explain(sql: string): Promise<string> {
  return (await rows(`EXPLAIN ${sql}`)).map((r) => r[0]).join('\n');
}

/** What the single-table path answers for `SELECT memstore.get(k)` (no FROM: it answers first). */
async function oldGet(k: string): Promise<unknown> {
  return one('SELECT memstore.get($1::text)', [k]);
}

describe('memstore functions in executor plans', () => {
  it('get() per row of a join equals what a plain get() answers', async () => {
    const sql = `SELECT i.id, memstore.get('item:' || i.id) AS v FROM items i JOIN items j ON j.id = i.id ORDER BY i.id`;
    expect(await explain(sql)).toMatch(/Nested Loop/);
    const got = await rows(sql);
    expect(got.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5']);
    for (const [id, v] of got) expect(v).toEqual(await oldGet(`item:${String(id)}`));
    expect(got.map((r) => r[1] === null)).toEqual([false, false, true, false, true]);
    expect(got[3]![1]).toBe('{"name": "four", "price": 6.0, "nested": {"x": [1, 2.50, null]}}');
  });

  it('get() inside expressions: operators, WHERE, CASE, coalesce, a subquery, ORDER BY', async () => {
    expect(await rows(`SELECT i.id, memstore.get('item:' || i.id)->>'name' FROM items i WHERE memstore.get('item:' || i.id) ? 'price' ORDER BY (memstore.get('item:' || i.id)->>'price')::numeric DESC`)).toEqual([
      ['4', 'four'],
      ['2', 'two'],
      ['1', 'one'],
    ]);
    expect(await rows(`SELECT id, CASE WHEN memstore.get('item:' || id) IS NULL THEN 'none' ELSE 'some' END, coalesce(memstore.get('item:' || id)->'tags'->>0, '-') FROM items ORDER BY id`)).toEqual([
      ['1', 'some', 'a'],
      ['2', 'some', '-'],
      ['3', 'none', '-'],
      ['4', 'some', '-'],
      ['5', 'none', '-'],
    ]);
    expect(await one(`SELECT (SELECT count(*) FROM items WHERE memstore.get('item:' || id) IS NOT NULL)`)).toBe('3');
    // A key lookup driven by a value read from the key space (stable: evaluated once per scan).
    expect(await rows(`SELECT name FROM items WHERE id = (memstore.get('user:1')->>'age')::int / 10`)).toEqual([['item 3']]);
    // Unknown literal → the text overload (PostgreSQL's own rule); bytea and NULL as before.
    expect(await one(`SELECT memstore.get('item:2') = memstore.get(convert_to('item:2', 'UTF8')) FROM items WHERE id = 1`)).toBe('t');
    expect(await rows(`SELECT memstore.get(NULL), memstore.get(NULL::bytea), memstore.get('\\x00ff'::bytea) FROM items WHERE id = 1`)).toEqual([[null, null, 'null']]);
    expect(await rows(`SELECT memstore.get('ключ') FROM items WHERE id = 1`)).toEqual([[await oldGet('ключ')]]);
  });

  it('jsonb from get() computes as the primary computes it over the same value', async () => {
    const exprs = [`v->'nested'->'x'`, `v->>'price'`, `jsonb_typeof(v->'price')`, `(v->>'price')::numeric * 2`, `v - 'name'`, `jsonb_pretty(v)`, `v @> '{"name": "four"}'`];
    const list = exprs.map((e) => `(${e})::text`).join(', ');
    const side = await rows(`SELECT ${list} FROM (SELECT memstore.get('item:4') AS v FROM items WHERE id = 1) s`);
    const primary = (await h.db.client.query({ text: `SELECT ${list} FROM (SELECT $1::jsonb AS v) s`, values: [VALUES['item:4']], rowMode: 'array' })).rows as unknown[][];
    expect(side).toEqual(primary);
    expect(side[0]![0]).toBe('[1, 2.50, null]');
  });

  it('count() over text and bytea prefixes equals the plain call, and counts what list() lists', async () => {
    for (const p of ['', 'item:', 'user:', 'zzz', 'exp:', 'gone']) {
      const plain = await one('SELECT memstore.count($1::text)', [p]);
      expect(await one(`SELECT memstore.count($1::text) FROM items WHERE id = 1`, [p])).toBe(plain);
      expect(await one(`SELECT count(*) FROM memstore.list($1::text) l JOIN items i ON true WHERE i.id = 1`, [p])).toBe(plain);
    }
    expect(await one(`SELECT memstore.count() FROM items WHERE id = 2`)).toBe(await one('SELECT memstore.count()'));
    expect(await one(`SELECT memstore.count() FROM items WHERE id = 2`)).toBe('7');
    expect(await one(`SELECT memstore.count('\\x00'::bytea) FROM items WHERE id = 2`)).toBe('1');
    expect(await one(`SELECT memstore.count(NULL) FROM items WHERE id = 2`)).toBeNull();
  });

  it('list() in FROM: joins, filters and aggregates over it; same rows as the single-table path', async () => {
    const plain = await rows(`SELECT * FROM memstore.list('item:')`);
    expect(await rows(`SELECT l.* FROM memstore.list('item:') l JOIN items i ON l.key = convert_to('item:' || i.id, 'UTF8') ORDER BY l.key`)).toEqual(plain);
    expect(await rows(`SELECT count(*), sum((value->>'price')::numeric) FROM memstore.list('item:') WHERE value->>'name' <> 'two'`)).toEqual([['2', '7.50']]);
    const r = await c.query(`SELECT * FROM memstore.list() AS m WHERE m.value IS NOT NULL AND length(m.key) > 0`);
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['key', 17],
      ['value', 3802],
    ]);
    expect(r.rows).toEqual((await c.query(`SELECT * FROM memstore.list()`)).rows);
    expect(await rows(`SELECT count(*) FROM memstore.list(NULL) JOIN items ON true`)).toEqual([['0']]);
    // In the select list, a set of records, printed as PostgreSQL's record_out prints them.
    expect(await rows(`SELECT memstore.list('item:2')`)).toEqual([['("\\\\x6974656d3a32","{""name"": ""two"", ""price"": 3}")']]);
    expect(await rows(`SELECT i.id, (SELECT count(*) FROM memstore.list('item:' || i.id)) FROM items i ORDER BY i.id`)).toEqual([
      ['1', '1'],
      ['2', '1'],
      ['3', '0'],
      ['4', '1'],
      ['5', '0'],
    ]);
  });

  it('memstore.kv joins tables: key lookups, ranges and key order through the key codec', async () => {
    expect(await rows(`SELECT i.id, kv.value->>'name' FROM items i JOIN memstore.kv ON kv.key = convert_to('item:' || i.id, 'UTF8') ORDER BY i.id`)).toEqual([
      ['1', 'one'],
      ['2', 'two'],
      ['4', 'four'],
    ]);
    expect(await explain(`SELECT kv.value FROM items i JOIN memstore.kv ON kv.key = convert_to('item:' || i.id, 'UTF8')`)).toMatch(/Key Lookup on kv/);
    // Keys with a 00 byte, ranges (the bound after x is x ‖ 00), and backward walks.
    const all = await rows(`SELECT key FROM memstore.kv`);
    expect(all.map((r) => r[0])).toEqual(['\\x00ff', '\\x6578703a6c6f6e67', '\\x6974656d3a31', '\\x6974656d3a32', '\\x6974656d3a34', '\\x757365723a31', '\\xd0bad0bbd18ed187']);
    const sub = (sql: string): Promise<unknown[][]> => rows(`SELECT k.key FROM memstore.kv k JOIN items i ON i.id = 1 WHERE ${sql}`);
    expect(await sub(`k.key = '\\x00ff'`)).toEqual([['\\x00ff']]);
    expect(await sub(`k.key > '\\x00' AND k.key <= '\\x6578703a6c6f6e67'`)).toEqual([['\\x00ff'], ['\\x6578703a6c6f6e67']]);
    expect(await sub(`k.key > '\\x6974656d3a31' AND k.key < '\\x757365723a31'`)).toEqual([['\\x6974656d3a32'], ['\\x6974656d3a34']]);
    expect(await rows(`SELECT key FROM memstore.kv WHERE key >= '\\x69' AND key < '\\x75' AND value IS NOT NULL ORDER BY key DESC LIMIT 2`)).toEqual([['\\x6974656d3a34'], ['\\x6974656d3a32']]);
    // The single-table path answers the simple form: same rows, same RowDescription.
    const simple = await c.query(`SELECT * FROM memstore.kv WHERE key = '\\x6578703a6c6f6e67'`);
    const joined = await c.query(`SELECT kv.* FROM memstore.kv JOIN items ON items.id = 1 WHERE kv.key = '\\x6578703a6c6f6e67'`);
    expect(joined.rows).toEqual(simple.rows);
    expect(joined.fields.map((f) => [f.name, f.dataTypeID, f.tableID])).toEqual(simple.fields.map((f) => [f.name, f.dataTypeID, f.tableID]));
    expect((joined.rows[0] as { expires_at: string }).expires_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$/);
  });

  it('expired keys are invisible to get, count, list and kv in executor plans too', async () => {
    expect(await rows(`SELECT memstore.get('gone'), memstore.count('gone') FROM items WHERE id = 1`)).toEqual([[null, '0']]);
    expect(await rows(`SELECT count(*) FROM memstore.list('gone') JOIN items ON true`)).toEqual([['0']]);
    expect(await rows(`SELECT count(*) FROM memstore.kv JOIN items ON items.id = 1 WHERE key = convert_to('gone', 'UTF8')`)).toEqual([['0']]);
    expect(await rows(`SELECT memstore.get('exp:long') FROM items WHERE id = 1`)).toEqual([['"later"']]);
  });

  it('resolves unqualified names through search_path, as the single-table path does', async () => {
    await c.query('SET search_path = public, memstore');
    try {
      expect(await rows(`SELECT get('item:1')->>'name', memory_usage() > 0 FROM items WHERE id = 1`)).toEqual([['one', 't']]);
      // XXX PostgreSQL would pick memstore.count(text) over the aggregate count("any") for an
      // unknown literal; the binder looks aggregates up first, so an unqualified count() stays
      // the aggregate (as it already was without FROM). Qualify it.
      expect(await rows(`SELECT count('item:') FROM items WHERE id = 1`)).toEqual([['1']]);
      expect(await rows(`SELECT count(*) FROM list('user:') JOIN kv USING (key)`)).toEqual([['1']]);
    } finally {
      await c.query('RESET search_path');
    }
    expect((await failure(`SELECT get('item:1') FROM items`)).code).toBe('42883');
  });

  it('memory_usage(), stats() and snapshot() through the executor', async () => {
    expect(Number(await one(`SELECT memstore.memory_usage() FROM items WHERE id = 1`))).toBeGreaterThan(0);
    expect(await one(`SELECT (memstore.stats()->>'memstore_keys')::bigint = memstore.count() FROM items WHERE id = 1`)).toBe('t');
    expect(await one(`SELECT memstore.stats()->'tables'->'public.items'->>'rows' FROM items WHERE id = 1`)).toBe('5');
    const plain = await failure('SELECT memstore.snapshot()');
    expect(plain.code).toBe('25P01');
    expect(await failure(`SELECT memstore.snapshot() FROM items WHERE id = 1`)).toEqual(plain);
    await c.query('BEGIN');
    try {
      const inExec = await one(`SELECT memstore.snapshot()->>'lsn' FROM items WHERE id = 1`);
      expect(await one(`SELECT memstore.snapshot()`)).toContain(`"lsn": "${String(inExec)}"`);
    } finally {
      await c.query('COMMIT');
    }
  });

  it('wait_lsn, save and load are 0A000 inside a larger query, and still answered alone', async () => {
    const e = await failure(`SELECT i.id, memstore.wait_lsn('0/0') FROM items i JOIN items j USING (id)`);
    expect(e.code).toBe('0A000');
    expect(e.message).toContain('memstore.wait_lsn()');
    expect((await failure(`SELECT memstore.save() FROM items i JOIN items j USING (id)`)).message).toContain('memstore.save()');
    expect(await one(`SELECT memstore.wait_lsn('0/0')`)).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(await one(`SELECT memstore.wait_lsn($1, 10)`, ['0/0'])).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    // A single-table SELECT still waits first, then reads (read-your-writes in one statement).
    expect(await rows(`SELECT id, memstore.wait_lsn('0/0') FROM items WHERE id = 2`)).toEqual([['2', expect.stringMatching(/\//)]]);
  });
});
