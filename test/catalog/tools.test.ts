/*
 * What GUI tools and dashboards send when they connect and list tables (DBeaver, pgAdmin, Grafana,
 * Metabase, written as those tools write them), replayed as text against the sidecar and the
 * PostgreSQL 17 primary: the same rows where the answer is about the replicated schema, and for
 * the sidecar's own state (pg_settings, pg_stat_user_tables) the sidecar's values.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));
  CREATE TABLE orders (id bigserial PRIMARY KEY, item_id int REFERENCES items(id), qty int);
  COMMENT ON SCHEMA public IS 'standard public schema';
  INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 25) g;
  INSERT INTO orders (item_id, qty) SELECT 1 + g % 25, g FROM generate_series(1, 40) g;
`;

let h: CatalogHarness;
let side: pg.Client;
let primary: pg.Client;

beforeAll(async () => {
  h = await startCatalogHarness('cattools', SETUP);
  side = await h.client();
  primary = await h.primary();
});

afterAll(async () => {
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

async function rowsOf(c: pg.Client, sql: string, values: unknown[] = []): Promise<unknown[][]> {
  return (await c.query({ text: sql, values, rowMode: 'array' })).rows as unknown[][];
}

async function same(sql: string, values: unknown[] = []): Promise<unknown[][]> {
  const [s, p] = [await rowsOf(side, sql, values), await rowsOf(primary, sql, values)];
  expect(s, sql).toEqual(p);
  return s;
}

describe('DBeaver', () => {
  it('keywords, the database, schemas with comments, settings, a count over a subquery', async () => {
    const [[words]] = (await same(`select string_agg(word, ',') from pg_catalog.pg_get_keywords()`)) as [[string]];
    expect(words.split(',')).toContain('select');
    await same(`SELECT * FROM pg_catalog.pg_get_keywords() k WHERE k.catcode = 'R' ORDER BY word`);
    await same(`SELECT db.oid, db.* FROM pg_catalog.pg_database db WHERE datname = $1`, [h.db.name]);
    await same(`SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n
                LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass
                WHERE n.nspname = 'public' ORDER BY nspname`);
    await same(`select * from pg_catalog.pg_settings where name = 'standard_conforming_strings'`);
    await same(`SELECT current_schema(), session_user`);
    expect(await same(`SELECT count(*) FROM (SELECT * FROM orders) sub`)).toEqual([['40']]);
    await same(`SELECT c.oid, c.*, d.description FROM pg_catalog.pg_class c
                LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind NOT IN ('i', 'I', 'c') ORDER BY c.oid`);
  });
});

describe('pgAdmin', () => {
  it('set_config over pg_settings at connect, then the server and role checks', async () => {
    await same(`SELECT set_config('bytea_output','hex',false) FROM pg_catalog.pg_settings WHERE name = 'bytea_output'`);
    await same(`SELECT set_config('bytea_output','escape',false) FROM pg_catalog.pg_settings WHERE name = 'bytea_output'`);
    expect(await rowsOf(side, `SHOW bytea_output`)).toEqual([['escape']]);
    expect(await rowsOf(side, `SELECT setting FROM pg_settings WHERE name = 'bytea_output'`)).toEqual([['escape']]);
    await side.query(`RESET bytea_output`);
    await same(`SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = current_user`);
    await same(`SELECT db.oid as did, db.datname, db.datallowconn, pg_catalog.pg_encoding_to_char(db.encoding) AS serverencoding,
                has_database_privilege(db.oid, 'CREATE') as cancreate, datistemplate
                FROM pg_catalog.pg_database db WHERE db.datname = current_database()`);
  });

  it('pg_settings shows the session\'s values in the primary\'s units', async () => {
    await side.query(`SET work_mem = '8MB'`);
    await side.query(`SET statement_timeout = '2s'`);
    expect(await rowsOf(side, `SELECT name, setting, unit FROM pg_settings WHERE name IN ('statement_timeout', 'work_mem') ORDER BY 1`)).toEqual([
      ['statement_timeout', '2000', 'ms'],
      ['work_mem', '8192', 'kB'],
    ]);
    await side.query(`RESET ALL`);
    await same(`SELECT name, setting, unit, category, short_desc, context, vartype, min_val, max_val, enumvals
                FROM pg_settings WHERE name IN ('DateStyle', 'IntervalStyle', 'TimeZone', 'work_mem', 'statement_timeout', 'extra_float_digits') ORDER BY 1`);
  });
});

describe('Grafana and Metabase table pickers', () => {
  it('tables on the search_path, privileges, statistics', async () => {
    await same(`SELECT table_name FROM information_schema.tables
                 WHERE table_schema IN (SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
                   FROM generate_series(array_lower(string_to_array(current_setting('search_path'), ','), 1),
                                        array_upper(string_to_array(current_setting('search_path'), ','), 1)) AS i,
                        string_to_array(current_setting('search_path'), ',') s)
                 ORDER BY table_name`);
    await same(`SELECT n.nspname AS schema, c.relname AS name, c.relkind AS type, obj_description(c.oid) AS description,
                       has_table_privilege(c.oid, 'SELECT') AS can_select
                  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
                 ORDER BY 1, 2`);
    // n_live_tup is the store's row count; the primary's is an estimate updated by ANALYZE.
    await primary.query('ANALYZE items, orders');
    await same(`SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables ORDER BY relname`);
    await h.db.client.query(`INSERT INTO items VALUES (100, 'new', 1)`);
    await h.settled();
    expect(await rowsOf(side, `SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname = 'items'`)).toEqual([['items', '26']]);
  });
});
