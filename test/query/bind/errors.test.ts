/*
 * Binder errors against PostgreSQL 17: the same SQLSTATE, message and position as the server
 * gives for the same query (run there through the extended protocol).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { bindQuery } from '../../../src/query/bind/query.js';
import type { BindCatalog } from '../../../src/query/bind/context.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { loadParser, parseSync } from './parse.js';
import { catalogFrom, testBuiltins } from './support.js';

const SCHEMA = `
  CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric(10,2));
  CREATE TABLE u (id int PRIMARY KEY, t_id int, name text);
`;

const CORPUS: readonly string[] = [
  'SELECT x FROM t',
  'SELECT t.x FROM t',
  'SELECT zz.a FROM t',
  'SELECT * FROM nosuch',
  'SELECT * FROM public.nosuch',
  'SELECT id FROM t, u',
  'SELECT a, count(*) FROM t',
  'SELECT a FROM t GROUP BY b',
  'SELECT count(*) FROM t WHERE count(*) > 1',
  'SELECT sum(count(*)) FROM t',
  'SELECT 1 FROM t WHERE row_number() OVER () > 1',
  'SELECT a + \'x\' FROM t',
  'SELECT \'abc\'::int',
  'SELECT a + b FROM t',
  'SELECT - b FROM t',
  'SELECT nosuchfn(1)',
  'SELECT upper(1, 2)',
  'SELECT 1 UNION SELECT 2, 3',
  'SELECT CASE WHEN true THEN 1 ELSE b END FROM t',
  'SELECT coalesce(a, b) FROM t',
  'SELECT DISTINCT a FROM t ORDER BY b',
  'SELECT DISTINCT ON (a) a, b FROM t ORDER BY b',
  'SELECT a FROM t GROUP BY 5',
  'SELECT a FROM t ORDER BY 5',
  'SELECT * FROM t JOIN u USING (zz)',
  'SELECT a FROM t WHERE a',
  'SELECT (SELECT id, a FROM t)',
  'SELECT ARRAY[]',
  'WITH x AS (SELECT 1), x AS (SELECT 2) SELECT 1',
  'SELECT * FROM t t1 JOIN t t1 ON true',
  'SELECT 1 LIMIT -1',
  'SELECT 1 OFFSET -1',
  'SELECT a FROM t LIMIT a',
  'SELECT * FROM (SELECT 1, 2) s(a, b, c)',
  'SELECT a FROM t HAVING a > 1',
  'SELECT a FROM t WHERE a IN (SELECT id, a FROM t)',
  'SELECT count(*) OVER w FROM t',
  'SELECT rank() FROM t',
  'SELECT 1 FROM t GROUP BY count(*)',
  'SELECT * FROM t WHERE a = ANY (1)',
  'SELECT a::nosuchtype FROM t',
  'SELECT * FROM t JOIN u ON count(*) > 0',
  'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1.5 FROM r) SELECT * FROM r',
  'VALUES (1), (1, 2)',
  'SELECT *',
  'SELECT t.a FROM t x',
  'SELECT sum(b) FROM t',
  'SELECT a FROM t ORDER BY zz',
  'SELECT 1 FROM t GROUP BY zz',
  'SELECT * FROM t WHERE a = (SELECT 1, 2)',
  'SELECT a FROM t UNION SELECT b FROM t',
  'SELECT a FROM t t1, t t2',
  'SELECT 1 FROM t WHERE a IN (SELECT b FROM t)',
  'SELECT 1 FROM t WHERE generate_series(1, 2) > 1',
  'SELECT lag(a) FROM t',
  'SELECT count(*) FROM t GROUP BY a HAVING b = \'x\'',
  'SELECT 1 FROM t JOIN u ON t.id = zz.id',
  'SELECT * FROM t NATURAL JOIN u USING (id)',
  'SELECT t.* FROM t AS x',
  'SELECT a, (SELECT count(*) FROM u WHERE u.t_id = t.b) FROM t GROUP BY a',
  'SELECT make_interval(dayz => 10)',
  'SELECT make_interval(days => 1, days => 2)',
  'SELECT make_interval(days => 1, 2)',
  'SELECT make_interval(1, years => 2)',
  'SELECT make_date(year => 2020, month => 2)',
  'SELECT make_interval("Days" => 1)',
  'SELECT upper(x => b) FROM t',
  'SELECT make_timestamptz(2020, 1, 1, 0, 0, 0, zone => \'UTC\')',
];

let db: TestDatabase;
let catalog: BindCatalog;

beforeAll(async () => {
  await loadParser();
  testBuiltins();
  db = await testDatabase('binderr');
  await db.client.query(SCHEMA);
  catalog = await catalogFrom(db.client);
});

afterAll(async () => {
  await db?.drop();
});

async function serverError(client: pg.Client, sql: string): Promise<{ code: string; message: string; position?: number }> {
  try {
    await client.query({ text: sql, name: `e${Math.random().toString(36).slice(2)}` });
  } catch (e) {
    const x = e as { code: string; message: string; position?: string };
    return { code: x.code, message: x.message, ...(x.position !== undefined ? { position: Number(x.position) } : {}) };
  }
  throw new Error(`PostgreSQL accepted ${sql}`);
}

function myError(sql: string): { code: string; message: string; position?: number } {
  try {
    bindQuery(parseSync(sql), { sql, paramTypes: [], catalog });
  } catch (e) {
    if (!(e instanceof SqlError)) throw e;
    return { code: e.sqlstate, message: e.message, ...(e.position !== undefined ? { position: e.position } : {}) };
  }
  throw new Error(`the binder accepted ${sql}`);
}

describe('bind errors equal PostgreSQL 17', () => {
  for (const sql of CORPUS) {
    it(sql, async () => {
      const theirs = await serverError(db.client, sql);
      expect(myError(sql)).toEqual(theirs);
    });
  }
});
