/*
 * The views tools read instead of pg_catalog's tables — information_schema.*, pg_tables,
 * pg_views, pg_user — against the PostgreSQL 17 primary: the same query on both sides gives the
 * same column names, types and rows for what is replicated. The primary is the oracle.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price numeric(10,2), tags text[],
                      created timestamptz DEFAULT now(), code varchar(20) COLLATE "C", CHECK (price >= 0));
  CREATE TABLE orders (id bigserial PRIMARY KEY, item_id int REFERENCES items(id) ON DELETE CASCADE, qty int CHECK (qty > 0),
                       UNIQUE (item_id, qty));
  CREATE SCHEMA app;
  CREATE TABLE app.pairs (a int, b int, note text, PRIMARY KEY (a, b));
  CREATE TABLE app.refs (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES app.pairs (a, b));
  CREATE FUNCTION public.price_of(item int) RETURNS numeric LANGUAGE sql STABLE AS 'SELECT price FROM items WHERE id = item';
  INSERT INTO items VALUES (1, 'one', 1.5, '{a}', now(), 'c1');
`;

const USER = `table_schema NOT IN ('pg_catalog', 'information_schema')`;

let h: CatalogHarness;
let side: pg.Client;
let primary: pg.Client;

beforeAll(async () => {
  h = await startCatalogHarness('catviews', SETUP);
  side = await h.client();
  primary = await h.primary();
});

afterAll(async () => {
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

async function answer(c: pg.Client, sql: string): Promise<{ fields: [string, number][]; rows: unknown[][] }> {
  const r = await c.query({ text: sql, rowMode: 'array' });
  return { fields: r.fields.map((f) => [f.name, f.dataTypeID]), rows: r.rows as unknown[][] };
}

async function same(sql: string, minRows = 1): Promise<void> {
  const [s, p] = [await answer(side, sql), await answer(primary, sql)];
  expect(s, sql).toEqual(p);
  expect(s.rows.length, sql).toBeGreaterThanOrEqual(minRows);
}

describe('information_schema on the sidecar gives the primary rows for the replicated objects', () => {
  it.each([
    [`SELECT * FROM information_schema.schemata WHERE schema_name NOT LIKE 'pg_toast%' ORDER BY schema_name`, 4],
    [`SELECT * FROM information_schema.tables WHERE ${USER} ORDER BY table_schema, table_name`, 4],
    [`SELECT * FROM information_schema.columns WHERE ${USER} ORDER BY table_schema, table_name, ordinal_position`, 15],
    [`SELECT * FROM information_schema.table_constraints WHERE ${USER} ORDER BY table_schema, table_name, constraint_name`, 8],
    [`SELECT * FROM information_schema.key_column_usage WHERE ${USER} ORDER BY table_schema, table_name, constraint_name, ordinal_position`, 6],
    [`SELECT * FROM information_schema.referential_constraints WHERE constraint_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY constraint_schema, constraint_name`, 2],
    [`SELECT * FROM information_schema.constraint_column_usage WHERE ${USER} ORDER BY table_schema, table_name, constraint_name, column_name`, 6],
    [`SELECT * FROM information_schema.views WHERE ${USER} ORDER BY table_schema, table_name`, 0],
    [`SELECT * FROM information_schema.routines WHERE routine_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY specific_schema, specific_name`, 10],
    // What tools join: Grafana's and Metabase's table pickers, SQLAlchemy's column reflection.
    [`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`, 2],
    [
      `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, k.constraint_name
         FROM information_schema.columns c LEFT JOIN information_schema.key_column_usage k
           ON k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = c.column_name
        WHERE c.table_schema = 'app' ORDER BY 1, 2, 6`,
      6,
    ],
  ])('%s', async (sql, min) => {
    await same(sql, min);
  });
});

describe('pg_catalog views', () => {
  it.each([
    [`SELECT * FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY schemaname, tablename`, 4],
    [`SELECT * FROM pg_catalog.pg_matviews`, 0],
    [`SELECT * FROM pg_user WHERE usename = current_user`, 1],
    [`SELECT schemaname, viewname, viewowner, definition FROM pg_views WHERE viewname IN ('pg_tables', 'pg_roles') ORDER BY 2`, 2],
    [`SELECT c.relname, c.relkind, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname IN ('pg_tables', 'columns') ORDER BY 1`, 2],
    [`SELECT pg_get_viewdef('pg_catalog.pg_tables'::regclass, true)`, 1],
    [`SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.prorettype::regtype, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`, 1],
    [`SELECT count(*) FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE p.proname IN ('sum', 'avg', 'count')`, 1],
    // Fields of a record a set-returning function yields, inside expressions (pgjdbc's getPrimaryKeys).
    [`SELECT (information_schema._pg_expandarray(i.indkey)).n, (information_schema._pg_expandarray(i.indkey)).x * 10, i.indexrelid::regclass
        FROM pg_index i WHERE i.indrelid = 'app.pairs'::regclass ORDER BY 1`, 2],
    [`SELECT r.n, r.k FROM (SELECT (information_schema._pg_expandarray(indkey)).n AS n, information_schema._pg_expandarray(indkey) AS k
        FROM pg_index WHERE indrelid = 'app.refs'::regclass) r WHERE (r.k).x = 1`, 1],
    [`SELECT generate_series(1, 3) + 1 AS a, generate_series(1, 2) AS b ORDER BY 1`, 3],
  ])('%s', async (sql, min) => {
    await same(sql, min);
  });
});
