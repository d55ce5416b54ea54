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
