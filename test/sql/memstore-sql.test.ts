/*
 * sql/memstore.sql on a real PostgreSQL 17: idempotent install, the payload each function emits
 * (read back through a test_decoding slot), validation with SQLSTATEs, nothing written to tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSql } from '../../src/sidecar/embedded-source.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase('sql');
  await installSql(db.client);
  await installSql(db.client); // idempotent
  await db.client.query(`SELECT pg_create_logical_replication_slot('peek_' || current_database(), 'test_decoding')`);
});

afterAll(async () => {
  await db?.drop();
});

async function sqlState(sql: string): Promise<string | undefined> {
  try {
    await db.client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

async function messages(): Promise<string[]> {
  const r = await db.client.query<{ data: string }>(
    `SELECT data FROM pg_logical_slot_get_changes('peek_' || current_database(), NULL, NULL, 'include-xids', '0') WHERE data LIKE 'message:%'`,
  );
  return r.rows.map((x) => x.data.replace(/^.*content:/, ''));
}

describe('sql/memstore.sql', () => {
  it('emits one transactional message per op with the v1 payload and returns its LSN', async () => {
    await messages(); // drain
    const r = await db.client.query<{ set: string; del: string; bset: string; clr: string }>(
      `SELECT memstore.set('a', '{"x": [1, 2.0]}') AS set, memstore.set('\\x0001'::bytea, 'true') AS bset,
              memstore.delete('a') AS del, memstore.clear() AS clr`,
    );
    expect(r.rows[0]!.set).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const msgs = await messages();
    expect(msgs.map((m) => JSON.parse(m) as unknown)).toEqual([
      { v: 1, op: 'set', key: 'a', value: { x: [1, 2.0] } },
      { v: 1, op: 'set', key_hex: '0001', value: true },
      { v: 1, op: 'delete', key: 'a' },
      { v: 1, op: 'clear' },
    ]);
    // The value keeps jsonb's own text (2.0 stays 2.0).
    expect(msgs[0]).toContain('"value": {"x": [1, 2.0]}');
  });

  it('never emits the op of a rolled-back transaction', async () => {
    await messages();
    await db.client.query('BEGIN');
    await db.client.query(`SELECT memstore.set('gone', '1')`);
    await db.client.query('ROLLBACK');
    expect(await messages()).toEqual([]);
  });

  it('refuses bad keys and values with SQLSTATEs, before emitting anything', async () => {
    await messages();
    expect(await sqlState(`SELECT memstore.set('', '1')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set(NULL::text, '1')`)).toBe('22004');
    expect(await sqlState(`SELECT memstore.set('k', NULL)`)).toBe('22004');
    expect(await sqlState(`SELECT memstore.set(repeat('k', 65537), '1')`)).toBe('54000');
    expect(await sqlState(`SELECT memstore.set(repeat('k', 65536), '1')`)).toBeUndefined();
    expect(await sqlState(`SELECT memstore.set('k', to_jsonb(repeat('v', 1048576)))`)).toBe('54000');
    expect(await sqlState(`SELECT memstore.delete(''::bytea)`)).toBe('22023');
    // Limits are settings.
    await db.client.query(`SET memstore.max_value_bytes = '10'`);
    expect(await sqlState(`SELECT memstore.set('k', '"0123456789"')`)).toBe('54000');
    await db.client.query(`RESET memstore.max_value_bytes`);
    const msgs = await messages();
    expect(msgs).toHaveLength(1); // only the one valid 64 KiB key
    expect(msgs[0]!.length).toBeGreaterThan(65536);
  });

  it('writes no table', async () => {
    const r = await db.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'memstore' AND c.relkind = 'r'`);
    expect(r.rows[0]!.n).toBe(0);
  });

  it('gives a read-your-writes token at or after the last commit', async () => {
    const r = await db.client.query<{ set: string }>(`SELECT memstore.set('t', '1')::text AS set`);
    const t = await db.client.query<{ ok: boolean }>(`SELECT memstore.current_lsn() >= $1::pg_lsn AS ok`, [r.rows[0]!.set]);
    expect(t.rows[0]!.ok).toBe(true);
  });
});

describe('sql/memstore.sql: expiry, batches, prefixes (payload v2)', () => {
  it('computes an absolute expiry from now() and emits v2 only where v1 cannot say it', async () => {
    await messages();
    await db.client.query('BEGIN');
    const r = await db.client.query<{ want: string; want2: string }>(
      `SELECT memstore.set('e', '{"a": 1}', '10 minutes'), memstore.set('\\x01'::bytea, '2', interval '1 day'),
              memstore.set('plain', '3', NULL), memstore.touch('e', '1 hour'), memstore.touch('\\x01'::bytea, NULL),
              (extract(epoch FROM now() + interval '10 minutes') * 1000000)::bigint::text AS want,
              (extract(epoch FROM now() + interval '1 hour') * 1000000)::bigint::text AS want2`,
    );
    await db.client.query('COMMIT');
    const { want, want2 } = r.rows[0]!;
    const msgs = (await messages()).map((m) => JSON.parse(m) as Record<string, unknown>);
    expect(msgs).toEqual([
      { v: 2, op: 'set', key: 'e', value: { a: 1 }, exp: Number(want) },
      { v: 2, op: 'set', key_hex: '01', value: 2, exp: expect.any(Number) as unknown },
      { v: 1, op: 'set', key: 'plain', value: 3 },
      { v: 2, op: 'touch', key: 'e', exp: Number(want2) },
      { v: 2, op: 'touch', key_hex: '01', exp: null },
    ]);
  });

  it('sets many keys in one message, from an object or an array of items', async () => {
    await messages();
    await db.client.query(`SELECT memstore.set_many('{"a": 1, "b": {"x": [1.50]}}')`);
    await db.client.query(`SELECT memstore.set_many('[{"key": "c", "value": null}, {"key_hex": "00FF", "value": "v", "ttl": "5 minutes"}]', '1 hour')`);
    await db.client.query(`SELECT memstore.delete_prefix('user:'), memstore.delete_prefix('\\x00'::bytea)`);
    const msgs = await messages();
    expect(msgs).toHaveLength(4);
    expect(msgs[0]).toContain('"value": {"x": [1.50]}');
    const [m0, m1, m2, m3] = msgs.map((m) => JSON.parse(m) as { items?: Record<string, unknown>[] } & Record<string, unknown>);
    expect(m0).toEqual({ v: 2, op: 'set_many', items: [{ key: 'a', value: 1 }, { key: 'b', value: { x: [1.5] } }] });
    expect(m1!.items!.map((i) => [i.key ?? i.key_hex, i.value, typeof i.exp])).toEqual([
      ['c', null, 'number'],
      ['00ff', 'v', 'number'],
    ]);
    // The item's own ttl (5 minutes) wins over the batch's (1 hour).
    expect(Number(m1!.items![0]!.exp) - Number(m1!.items![1]!.exp)).toBe(55 * 60 * 1_000_000);
    expect([m2, m3]).toEqual([
      { v: 2, op: 'delete_prefix', prefix: 'user:' },
      { v: 2, op: 'delete_prefix', prefix_hex: '00' },
    ]);
  });

  it('refuses bad ttls, batches and prefixes with SQLSTATEs, before emitting anything', async () => {
    await messages();
    for (const ttl of ['0', '-1 second', 'infinity', '300 years']) {
      expect(await sqlState(`SELECT memstore.set('k', '1', '${ttl}')`), ttl).toBe('22023');
    }
    expect(await sqlState(`SELECT memstore.touch('', '1 hour')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set_many(NULL)`)).toBe('22004');
    expect(await sqlState(`SELECT memstore.set_many('1')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set_many('[1]')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set_many('[{"value": 1}]')`)).toBe('22004');
    expect(await sqlState(`SELECT memstore.set_many('[{"key": 5, "value": 1}]')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set_many('[{"key": "a"}]')`)).toBe('22004');
    expect(await sqlState(`SELECT memstore.set_many('{"": 1}')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.set_many(jsonb_build_object(repeat('k', 65537), 1))`)).toBe('54000');
    expect(await sqlState(`SELECT memstore.set_many('[{"key": "a", "value": 1, "ttl": "nope"}]')`)).toBe('22007');
    expect(await sqlState(`SELECT memstore.delete_prefix('')`)).toBe('22023');
    expect(await sqlState(`SELECT memstore.delete_prefix(NULL::bytea)`)).toBe('22004');
    await db.client.query(`SET memstore.max_batch_bytes = '200'`);
    expect(await sqlState(`SELECT memstore.set_many((SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 50) i))`)).toBe('54000');
    await db.client.query(`RESET memstore.max_batch_bytes`);
    await db.client.query(`SET memstore.max_value_bytes = '3'`);
    expect(await sqlState(`SELECT memstore.set_many('{"a": 1, "b": "long"}')`)).toBe('54000');
    await db.client.query(`RESET memstore.max_value_bytes`);
    expect(await messages()).toEqual([]);
  });
});
