/*
 * The copied catalog (src/catalog/) against the PostgreSQL 17 primary it was copied from: the
 * same queries on both sides give the same rows for what the sidecar replicates, and nothing for
 * what it does not. The primary is the oracle; no expected values are typed here.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { createLogger } from '../../src/log.js';
import { withSourceClient } from '../../src/sidecar/source-catalog.js';
import { waitFor } from '../support/wait.js';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const SETUP = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price numeric(10,2), tags text[],
                      created timestamptz DEFAULT now(), code varchar(20) COLLATE "C");
  CREATE TABLE orders (id bigserial PRIMARY KEY, item_id int REFERENCES items(id), qty int CHECK (qty > 0), m mood);
  CREATE INDEX orders_item ON orders (item_id) WHERE qty > 1;
  CREATE SCHEMA app;
  CREATE TABLE app.wide (id int PRIMARY KEY, a text, secret text);
  CREATE TABLE hidden (id int PRIMARY KEY);
  COMMENT ON TABLE items IS 'the items';
  COMMENT ON COLUMN items.name IS 'its name';
  INSERT INTO items VALUES (1, 'one', 1.5, '{a}', now(), 'c1');
  CREATE PUBLICATION memstore FOR TABLE items, orders, app.wide (id, a);
`;

let h: CatalogHarness;
let side: pg.Client;
let primary: pg.Client;

beforeAll(async () => {
  h = await startCatalogHarness('cat', SETUP);
  side = await h.client();
  primary = await h.primary();
});

afterAll(async () => {
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

/** Rows and column descriptions (name, type) of a query on a client. */
async function answer(c: pg.Client, sql: string): Promise<{ fields: [string, number][]; rows: unknown[][] }> {
  const r = await c.query({ text: sql, rowMode: 'array' });
  return { fields: r.fields.map((f) => [f.name, f.dataTypeID]), rows: r.rows as unknown[][] };
}

async function same(sql: string): Promise<unknown[][]> {
  const [s, p] = [await answer(side, sql), await answer(primary, sql)];
  expect(s, sql).toEqual(p);
  return s.rows;
}

describe('virtual pg_catalog relations', () => {
  it('pg_class ⋈ pg_namespace ⋈ pg_attribute gives the primary rows for the replicated tables', async () => {
    const rows = await same(`
      SELECT n.nspname, c.relname, c.relkind, c.relnatts, c.relhasindex, c.relpersistence, c.relreplident, c.reltype::regtype::text,
             a.attnum, a.attname, a.atttypid, a.atttypid::regtype, a.atttypmod, a.attnotnull, a.atthasdef, a.attidentity,
             a.attgenerated, a.attisdropped, a.attcollation, pg_catalog.format_type(a.atttypid, a.atttypmod)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
       WHERE n.nspname = 'public' AND c.relname IN ('items', 'orders', 'items_pkey', 'orders_pkey', 'orders_item', 'orders_id_seq')
       ORDER BY 1, 2, a.attnum`);
    expect(rows.length).toBeGreaterThan(20);
  });

  it('SELECT * looks the same: column names, types and rows', async () => {
    await same(`SELECT * FROM pg_class WHERE relname = 'items'`);
    await same(`SELECT * FROM pg_attribute WHERE attrelid = 'public.orders'::regclass ORDER BY attnum`);
    await same(`SELECT * FROM pg_namespace WHERE nspname IN ('public', 'app', 'pg_catalog') ORDER BY oid`);
    await same(`SELECT * FROM pg_type WHERE typname IN ('int4', '_text', 'items', 'mood', '_mood') ORDER BY oid`);
    await same(`SELECT * FROM pg_index WHERE indrelid = 'orders'::regclass ORDER BY indexrelid`);
    await same(`SELECT * FROM pg_constraint WHERE conrelid IN ('items'::regclass, 'orders'::regclass) ORDER BY conname`);
    await same(`SELECT * FROM pg_attrdef WHERE adrelid = 'items'::regclass ORDER BY adnum`);
    await same(`SELECT t.typname, e.enumlabel, e.enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY 1, 3`);
    await same(`SELECT count(*), min(collname), max(collname) FROM pg_collation`);
    await same(`SELECT amname, amtype FROM pg_am ORDER BY 1`);
    await same(`SELECT datname, pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = current_database()`);
  });

  it('unqualified names find pg_catalog first, as on the primary', async () => {
    await same(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'hidden' ORDER BY 1`);
  });

  it('what is not replicated does not appear; a column list shows the columns held', async () => {
    const hidden = await answer(side, `SELECT relname FROM pg_class WHERE relname = 'hidden'`);
    expect(hidden.rows).toEqual([]);
    const held = await answer(side, `SELECT attname FROM pg_attribute WHERE attrelid = 'app.wide'::regclass AND attnum > 0 ORDER BY attnum`);
    const all = await answer(primary, `SELECT attname FROM pg_attribute WHERE attrelid = 'app.wide'::regclass AND attnum > 0 AND attname <> 'secret' ORDER BY attnum`);
    expect(held.rows).toEqual(all.rows);
    await expect(side.query(`SELECT 'hidden'::regclass`)).rejects.toMatchObject({ code: '42P01' });
  });

  it('catalog functions answer as the primary', async () => {
    await same(`
      SELECT 'items'::regclass, 'app.wide'::regclass::text, pg_table_is_visible('app.wide'::regclass), pg_table_is_visible('items'::regclass),
             obj_description('items'::regclass, 'pg_class'), col_description('items'::regclass, 2), col_description('items'::regclass, 1),
             pg_get_indexdef('orders_item'::regclass), pg_get_indexdef('orders_item'::regclass, 1, true),
             pg_get_userbyid(c.relowner), has_table_privilege('items', 'SELECT'), quote_ident('Items'),
             'int4'::regtype, 'character varying'::regtype, 'mood'::regtype, 'pg_catalog'::regnamespace, current_schemas(true)
        FROM pg_class c WHERE c.oid = 'items'::regclass`);
    await same(`SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY 1`);
    await same(`SELECT adnum, pg_get_expr(adbin, adrelid), pg_get_expr(adbin, adrelid, true) FROM pg_attrdef WHERE adrelid IN ('items'::regclass, 'orders'::regclass) ORDER BY adrelid, adnum`);
    await same(`SELECT i.indexrelid::regclass, pg_get_expr(i.indpred, i.indrelid, true), i.indkey, i.indkey[0] FROM pg_index i WHERE i.indrelid = 'orders'::regclass ORDER BY 1`);
  });

  it('pg_size_pretty rounds as the primary does', async () => {
    await same(`SELECT x, pg_size_pretty(x) FROM (VALUES (0::int8), (10239), (10240), (16384), (20971519), (20971520), (123456789012), (-5000000), (9223372036854775807)) v(x)`);
  });

  it('the search_path decides visibility and how names print', async () => {
    const sql = `SELECT 'wide'::regclass::text, 'public.items'::regclass::text, pg_table_is_visible('app.wide'::regclass), current_schema(), current_schemas(false)`;
    await side.query('SET search_path = app, public');
    await primary.query('SET search_path = app, public');
    try {
      await same(sql);
    } finally {
      await side.query('RESET search_path');
      await primary.query('RESET search_path');
    }
  });
});

describe('what clients send at connect', () => {
  it("SQLAlchemy's hstore lookup, TypeORM's current_schema(), version() and SHOW", async () => {
    await same(`SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'`);
    await same(`SELECT * FROM current_schema()`);
    await same(`SHOW server_version_num`);
    await same(`SHOW search_path`);
    const v = await answer(side, 'SELECT version()');
    expect(String(v.rows[0]![0])).toMatch(/^PostgreSQL 17\./);
  });
});

describe('refresh', () => {
  it('a column added, a table published, a table dropped from the publication show after the change', async () => {
    // The same text before and after: its cached plan holds the old snapshot and is re-made.
    const columns = `SELECT attname, atttypid::regtype FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0 ORDER BY attnum`;
    await same(columns);
    await h.db.client.query(`ALTER TABLE items ADD COLUMN note text DEFAULT 'n'; INSERT INTO items VALUES (2, 'two')`);
    await h.db.client.query(`CREATE TABLE fresh (k text PRIMARY KEY, v int NOT NULL); ALTER PUBLICATION memstore ADD TABLE fresh; INSERT INTO fresh VALUES ('a', 1)`);
    await h.settled();
    await waitFor(() => h.sidecar.store.tableByName('public', 'fresh') !== undefined, 30_000, 'the new table to be held');
    await h.settled();
    expect((await same(columns)).map((r) => r[0])).toContain('note');
    await same(`SELECT c.relname, a.attname, a.atttypid::regtype, a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                 WHERE c.relname IN ('items', 'fresh') AND a.attnum > 0 ORDER BY 1, a.attnum`);
    await h.db.client.query(`ALTER PUBLICATION memstore DROP TABLE fresh`);
    await waitFor(() => h.sidecar.store.tableByName('public', 'fresh') === undefined, 30_000, 'the unpublished table to be dropped');
    await h.settled();
    expect((await answer(side, `SELECT relname FROM pg_class WHERE relname = 'fresh'`)).rows).toEqual([]);
  });

  it('a failed read keeps the previous snapshot and is logged', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    let broken = false;
    const bad = new URL(h.db.url);
    bad.port = '1';
    const catalog = new Catalog({
      store: h.sidecar.store,
      withClient: (fn) => withSourceClient({ url: broken ? bad.toString() : h.db.url, connectTimeoutMs: 2000 }, fn),
      log,
      retryMs: 60_000,
      checkMs: 60_000,
    });
    try {
      catalog.start();
      await catalog.refreshed();
      const first = catalog.current;
      expect(first?.relation('pg_catalog', 'pg_class')).toBeDefined();
      broken = true;
      catalog.invalidate();
      await waitFor(() => lines.some((l) => l.includes('reading the catalog from the source failed')), 20_000, 'the failed read to be logged');
      expect(catalog.current).toBe(first);
    } finally {
      await catalog.stop();
    }
  });
});
