/*
 * pg_memstore's session against this project — writes on the PostgreSQL 17 primary, reads on the
 * sidecar over pgwire — checking each result; then what pg_memstore lacks: long keys never cut,
 * deletes replicated, batches, prefixes, memstore.kv (tree seeks, extended protocol with bytea
 * parameters), stats by op kind, and quarantine of malformed v2 ops.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { startRig, type MemstoreRig } from './support.js';

let rig: MemstoreRig;
let side: pg.Client;
const primary = (): pg.Client => rig.db.client;

beforeAll(async () => {
  rig = await startRig('msession');
  side = await rig.client();
});

afterAll(async () => {
  await rig?.close();
});

async function rows(sql: string, params?: unknown[]): Promise<unknown[][]> {
  return (await side.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][];
}

async function failure(sql: string): Promise<{ code: string; message: string }> {
  try {
    await side.query(sql);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error(`expected ${sql} to fail`);
}

const hex = (s: string): string => '\\x' + Buffer.from(s).toString('hex');

describe("pg_memstore's session", () => {
  it('set / get / list / delete / memory_usage / save / load, each result checked', async () => {
    // pg_memstore: SELECT memstore.set('key1', '{"a": 1}'); here on the primary, read on the sidecar.
    await primary().query(`SELECT memstore.set('key1', '{"a": 1}'), memstore.set('key2', '[1, 2, 3]'), memstore.set('key3', '"text"')`);
    await rig.caughtUp();
    expect(await rows(`SELECT memstore.get('key1')`)).toEqual([['{"a": 1}']]);
    expect(await rows(`SELECT * FROM memstore.list()`)).toEqual([
      [hex('key1'), '{"a": 1}'],
      [hex('key2'), '[1, 2, 3]'],
      [hex('key3'), '"text"'],
    ]);
    const before = Number((await rows('SELECT memstore.memory_usage()'))[0]![0]);
    expect(before).toBeGreaterThan(0);
    // Deletes replicate (pg_memstore's do not leave its backend's memory).
    await primary().query(`SELECT memstore.delete('key2')`);
    await rig.caughtUp();
    expect(await rows(`SELECT memstore.get('key2')`)).toEqual([[null]]);
    expect(await rows(`SELECT count(*) FROM memstore.list()`)).toEqual([['2']]);
    // save(): a dump now; load(): the newest dump back, allowed because nothing was applied since.
    const saved = (await rows('SELECT memstore.save()'))[0]![0] as string;
    expect(saved).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(await rows('SELECT memstore.load()')).toEqual([[saved]]);
    expect(await rows(`SELECT key, value FROM memstore.list()`)).toEqual([
      [hex('key1'), '{"a": 1}'],
      [hex('key3'), '"text"'],
    ]);
    // After another write, load() would roll it back: refused with 55000 until the next save().
    await primary().query(`SELECT memstore.set('key4', '4')`);
    await rig.caughtUp();
    const refused = await failure('SELECT memstore.load()');
    expect(refused.code).toBe('55000');
    expect(refused.message).toMatch(/call memstore\.save\(\) first/);
    expect(await rows(`SELECT memstore.get('key4')`)).toEqual([['4']]);
  });

  it('keeps keys whole: 100 bytes, and one byte under the 64 KiB limit (pg_memstore cuts to 8)', async () => {
    const k100 = 'k'.repeat(99) + 'x';
    const kBig = 'b'.repeat(65535) + 'y';
    await primary().query(`SELECT memstore.set($1::text, '"hundred"'), memstore.set($2::text, '"big"'), memstore.set('kkkkkkkk', '"eight"')`, [k100, kBig]);
    await rig.caughtUp();
    expect(await rows(`SELECT memstore.get($1::text), memstore.get($2::text), memstore.get('kkkkkkkk')`, [k100, kBig])).toEqual([['"hundred"', '"big"', '"eight"']]);
    const listed = await rows(`SELECT key FROM memstore.list('bbbb')`);
    expect(listed).toEqual([[hex(kBig)]]);
    expect((listed[0]![0] as string).length).toBe(2 + 2 * 65536);
  });
});

describe('beyond pg_memstore', () => {
  it('set_many applies a batch atomically; delete_prefix and list/count(prefix) walk the tree', async () => {
    await primary().query(`SELECT memstore.set_many((SELECT jsonb_object_agg('user:' || lpad(i::text, 3, '0'), jsonb_build_object('n', i)) FROM generate_series(1, 200) i))`);
    await primary().query(`SELECT memstore.set_many('[{"key": "cfg:a", "value": 1}, {"key_hex": "6366673a62", "value": [2]}]')`);
    await rig.caughtUp();
    expect(await rows(`SELECT memstore.count('user:'), memstore.count('cfg:'), memstore.count('user:1')`)).toEqual([['200', '2', '100']]);
    expect(await rows(`SELECT value FROM memstore.list('user:') ORDER BY key DESC LIMIT 2`)).toEqual([['{"n": 200}'], ['{"n": 199}']]);
    expect(await rows(`SELECT * FROM memstore.list('cfg:')`)).toEqual([
      [hex('cfg:a'), '1'],
      [hex('cfg:b'), '[2]'],
    ]);
    await primary().query(`SELECT memstore.delete_prefix('user:1')`);
    await rig.caughtUp();
    expect(await rows(`SELECT memstore.count('user:'), memstore.get('user:150'), memstore.get('user:200')`)).toEqual([['100', null, '{"n": 200}']]);
  });

  it('serves memstore.kv with key seeks, ranges, LIKE and ORDER BY, over both protocols', async () => {
    await primary().query(`SELECT memstore.set('kv:1', '{"one": 1}'), memstore.set('kv:2', '2', '1 hour'), memstore.set('kv:3', '3')`);
    await rig.caughtUp();
    const r = await side.query(`SELECT key, value, expires_at FROM memstore.kv WHERE key = 'kv:1'`);
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['key', 17],
      ['value', 3802],
      ['expires_at', 1184],
    ]);
    expect(r.rows).toEqual([{ key: hex('kv:1'), value: '{"one": 1}', expires_at: null }]);
    // The extended protocol with a bytea parameter, as postgres_fdw sends it.
    const p = await side.query({ text: 'SELECT key, value, expires_at FROM memstore.kv WHERE key = $1', values: [Buffer.from('kv:2')], rowMode: 'array' });
    expect(p.rows).toHaveLength(1);
    const exp = Date.parse(String((p.rows[0] as string[])[2]).replace(' ', 'T').replace(/\+00$/, 'Z'));
    expect(Math.abs(exp - (Date.now() + 3_600_000))).toBeLessThan(120_000);
    expect(await rows(`SELECT value FROM memstore.kv WHERE key >= 'kv:2' AND key < 'kv:9' ORDER BY key DESC`)).toEqual([['3'], ['2']]);
    expect(await rows(`SELECT value FROM memstore.kv WHERE key LIKE 'kv:%' ORDER BY key LIMIT 2`)).toEqual([['{"one": 1}'], ['2']]);
    expect(await rows(`SELECT count(*) FROM memstore.kv WHERE key LIKE 'kv:_'`)).toEqual([['3']]);
    expect(await rows(`SELECT key FROM memstore.kv WHERE key IN ('kv:3', 'kv:1', 'nope')`)).toEqual([[hex('kv:1')], [hex('kv:3')]]);
    expect(await rows(`SELECT value FROM memstore.kv WHERE key = 'kv:1' AND expires_at IS NULL`)).toEqual([['{"one": 1}']]);
    await side.query('SET search_path = memstore');
    expect(await rows(`SELECT count(*) FROM kv WHERE key LIKE 'kv:%'`)).toEqual([['3']]);
    await side.query('RESET search_path');
  });

  it("a replicated table named kv is not hidden by memstore.kv, even for the user memstore (\"$user\" first in search_path)", async () => {
    await primary().query(`CREATE TABLE kv (id int PRIMARY KEY, note text); INSERT INTO kv VALUES (1, 'table row')`);
    await primary().query(`SELECT memstore.set('kv-key', '1')`);
    await rig.caughtUp();
    const asMemstore = new pg.Client({ connectionString: `postgres://memstore@127.0.0.1:${rig.sidecar.address!.port}/${rig.db.name}` });
    await asMemstore.connect();
    try {
      expect((await asMemstore.query({ text: 'SELECT * FROM kv', rowMode: 'array' })).rows).toEqual([[1, 'table row']]);
      const keys = await asMemstore.query({ text: "SELECT value FROM memstore.kv WHERE key = 'kv-key'", rowMode: 'array' });
      expect(keys.rows).toEqual([[1]]);
    } finally {
      await asMemstore.end();
    }
  });

  it('reports ops by kind and quarantines malformed v2 ops, applying the rest of the transaction', async () => {
    const stats = async (): Promise<{ memstore: { ops: { set: number; touch: number; set_many: number; delete_prefix: number; delete: number }; quarantined: number; keys: number } }> =>
      JSON.parse((await rows('SELECT memstore.stats()'))[0]![0] as string) as never;
    const before = await stats();
    await primary().query('BEGIN');
    await primary().query(`SELECT pg_logical_emit_message(true, 'memstore', '{"v":2,"op":"set_many","items":[{"key":"","value":1}]}')`);
    await primary().query(`SELECT pg_logical_emit_message(true, 'memstore', '{"v":2,"op":"touch","key":"x"}')`);
    await primary().query(`SELECT memstore.touch('kv:1', '1 day'), memstore.set('after-bad', 'true')`);
    await primary().query('COMMIT');
    await rig.caughtUp();
    const after = await stats();
    expect(after.memstore.quarantined - before.memstore.quarantined).toBe(2);
    expect(after.memstore.ops.touch - before.memstore.ops.touch).toBe(1);
    expect(after.memstore.ops.set - before.memstore.ops.set).toBe(1);
    expect(after.memstore.ops).toMatchObject({ set_many: 2, delete_prefix: 1, delete: 1 });
    expect(await rows(`SELECT memstore.get('after-bad')`)).toEqual([['true']]);
    expect((await rows(`SELECT expires_at FROM memstore.kv WHERE key = 'kv:1'`))[0]![0]).not.toBeNull();
    await waitFor(async () => (await stats()).memstore.keys === Number((await rows('SELECT memstore.count()'))[0]![0]), 20_000, 'memstore.stats() keys to match memstore.count()');
  });
});
