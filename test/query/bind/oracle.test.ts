/*
 * The binder against PostgreSQL 17: for a corpus of queries over a test schema, the bound plan's
 * output columns (names, type OIDs, typmods, table OID / attnum) must equal what the server
 * describes for the same query (node-postgres `fields`).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindQuery } from '../../../src/query/bind/query.js';
import type { BindCatalog } from '../../../src/query/bind/context.js';
import { loadParser, parseSync } from './parse.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { rawTypes } from '../support/harness.js';
import { catalogFrom, testBuiltins } from './support.js';
import { TPCH_QUERIES, TPCH_SCHEMA } from './tpch.js';

const SCHEMA = `
  CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric(10,2), d varchar(20), e timestamptz, f float8, g int8, h bool, j jsonb, k int[]);
  CREATE TABLE u (id int PRIMARY KEY, t_id int, name text, a int);
  CREATE SCHEMA s2;
  CREATE TABLE s2.w (x int, y text);
  CREATE TYPE mood AS ENUM ('sad', 'ok');
  CREATE TABLE m (id int PRIMARY KEY, md mood, ip inet);
`;

export const CORPUS: readonly string[] = [
  'SELECT * FROM t',
  'SELECT t.* FROM t',
  'SELECT id, a, b FROM t',
  'SELECT id AS ident, a + 1, a + 1 AS plus FROM t',
  'SELECT 1, 1.5, \'x\', true, null',
  'SELECT 2147483648, 1e3, -1',
  'SELECT a::text, 1::int8, \'1\'::numeric(5,2), b::varchar(3), c::numeric FROM t',
  'SELECT date \'2024-01-01\', \'x\'::text',
  'SELECT a * 2.5, a / 2, g + a, f * a, c * 2 FROM t',
  'SELECT b || \'x\', b || a, upper(b), length(d) FROM t',
  'SELECT CASE WHEN a > 1 THEN \'big\' ELSE \'small\' END, CASE a WHEN 1 THEN 10 ELSE 2.5 END, CASE WHEN h THEN b END FROM t',
  'SELECT coalesce(a, 0), coalesce(a, g), nullif(a, 1), greatest(a, 2), least(c, 1) FROM t',
  'SELECT a IS NULL, h IS TRUE, a IS DISTINCT FROM 1, a BETWEEN 1 AND 3, a IN (1, 2), a NOT IN (1, 2), b LIKE \'a%\', b ILIKE \'a%\' FROM t',
  'SELECT EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id), (SELECT max(name) FROM u WHERE u.t_id = t.id), (SELECT name FROM u LIMIT 1) FROM t',
  'SELECT ARRAY[1, 2], ARRAY[a, 2], k[1], ARRAY(SELECT id FROM u) FROM t',
  'SELECT count(*), sum(a), avg(a), max(b), min(c), sum(g), sum(c) FROM t',
  'SELECT a, count(*) FROM t GROUP BY a',
  'SELECT a AS x, count(*) AS n FROM t GROUP BY 1 ORDER BY 2 DESC',
  'SELECT a + 1, count(*) FROM t GROUP BY a + 1 HAVING count(*) > 1',
  'SELECT t.id, b, count(u.id) FROM t LEFT JOIN u ON u.t_id = t.id GROUP BY t.id',
  'SELECT a, b, grouping(a, b), count(*) FROM t GROUP BY ROLLUP (a, b)',
  'SELECT a, sum(g) FROM t GROUP BY CUBE (a) ORDER BY a NULLS FIRST',
  'SELECT string_agg(b, \',\' ORDER BY b), count(DISTINCT a), count(*) FILTER (WHERE a > 1) FROM t',
  'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f) FROM t',
  'SELECT id, row_number() OVER (ORDER BY id), rank() OVER w, sum(a) OVER (PARTITION BY b ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS (ORDER BY a)',
  'SELECT a, sum(count(*)) OVER () FROM t GROUP BY a',
  'SELECT * FROM t JOIN u ON u.t_id = t.id',
  'SELECT * FROM t JOIN u USING (id)',
  'SELECT * FROM t NATURAL JOIN u',
  'SELECT * FROM t FULL JOIN u USING (a)',
  'SELECT id, a FROM t RIGHT JOIN u USING (id, a)',
  'SELECT * FROM t, u WHERE t.id = u.t_id',
  'SELECT * FROM t CROSS JOIN s2.w',
  'SELECT x.* FROM (SELECT id, b AS bb FROM t) x',
  'SELECT * FROM (SELECT 1 AS one, \'a\') s(uno)',
  'SELECT * FROM t, LATERAL (SELECT u.name FROM u WHERE u.t_id = t.id) l',
  'SELECT * FROM generate_series(1, 3)',
  'SELECT * FROM generate_series(1, 3) g',
  'SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g(n, o)',
  'SELECT n FROM t, generate_series(1, t.a) gs(n)',
  'SELECT * FROM unnest(ARRAY[1, 2])',
  'SELECT generate_series(1, 3), 1',
  'SELECT * FROM jsonb_each(\'{"a":1}\')',
  'VALUES (1, \'a\'), (2, \'b\')',
  'VALUES (1), (2.5) ORDER BY 1',
  'SELECT * FROM (VALUES (1, \'x\')) v(n, s)',
  'SELECT 1 UNION SELECT 2',
  'SELECT a FROM t UNION ALL SELECT g FROM t',
  'SELECT \'a\' UNION SELECT \'b\'',
  'SELECT id, b FROM t INTERSECT SELECT id, name FROM u ORDER BY 2 LIMIT 3',
  'SELECT c FROM t EXCEPT SELECT 1',
  'WITH x AS (SELECT id, a FROM t) SELECT * FROM x JOIN x y USING (id)',
  'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r',
  'SELECT DISTINCT a FROM t ORDER BY a',
  'SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC',
  'SELECT b FROM t ORDER BY a + 1, f LIMIT 5 OFFSET 2',
  'SELECT id FROM t FETCH FIRST 3 ROWS ONLY',
  'SELECT now(), current_date, current_timestamp, localtimestamp',
  'SELECT e AT TIME ZONE \'UTC\' FROM t',
  'SELECT b COLLATE "C" FROM t ORDER BY 1',
  'SELECT j->>\'x\', j->\'y\' FROM t',
  'SELECT a FROM t WHERE a = ANY (ARRAY[1, 2]) AND a > ALL (SELECT a FROM u) AND a IN (SELECT a FROM u)',
  'SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)',
  'SELECT abs(a), round(c, 1), round(f), concat(a, b, 1) FROM t',
  'SELECT x, y FROM s2.w',
  'SELECT t.id, u.id FROM t JOIN u ON t.id = u.id',
  'SELECT $1::int + a FROM t',
  'SELECT a FROM t WHERE a = $1 AND b = $2',
  'SELECT CAST(a AS bigint), a::float8 FROM t',
  'SELECT (SELECT 1) AS one, (SELECT b FROM t LIMIT 1)',
  'SELECT id, b FROM t ORDER BY b NULLS FIRST',
  'SELECT * FROM jsonb_array_elements(\'[1]\') WITH ORDINALITY',
  'SELECT (ARRAY[[1, 2], [3, 4]])[2][1], (ARRAY[1, 2, 3])[2:3], k[1:2][1], format(\'%%\'), format(\'%s\', 1) FROM t',
  'SELECT \'abc\'::varchar(2), \'ab\'::char(5), \'{1.5}\'::numeric[]::float8[]',
  'SELECT count(*) OVER (ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t',
  'SELECT md, md = \'ok\', ip <> \'1.2.3.4\', md IS DISTINCT FROM \'sad\' FROM m WHERE md IN (\'ok\', \'sad\') AND (id, md) IN (SELECT id, md FROM m)',
  'SELECT interval \'1\' day, interval \'1-2\' year to month, \'1 hour\'::interval(0), (a, b) IN ((1, \'x\'), (2, \'y\')) FROM t',
  'SELECT 1 + 1.5, \'1\' + 1, \'a\' || \'b\', 1 = 1.0, 2 * 1.5e0',
  'SELECT a + \'1\', a < g, g * 1.5, f + a, c / 3, -c, - g FROM t',
  'SELECT date \'2024-01-01\' + 1, now() - interval \'1 day\', e - e, e + interval \'1 hour\' FROM t',
  'SELECT coalesce(1, 2.5, null), greatest(\'a\', \'b\'), ARRAY[1, 2.5], CASE WHEN true THEN 1 ELSE null END, CASE WHEN true THEN \'1\' ELSE 2 END',
  'SELECT round(1), abs(-1.5), abs(a), length(\'x\'), upper(\'x\'), concat(\'a\', 1)  FROM t',
  'SELECT a, (SELECT count(*) FROM u WHERE u.t_id = t.a) AS n FROM t GROUP BY a',
  'SELECT t.id, (SELECT max(name) FROM u WHERE u.t_id = t.id AND u.a = t.a) FROM t GROUP BY t.id',
];

let db: TestDatabase;
let catalog: BindCatalog;

beforeAll(async () => {
  await loadParser();
  testBuiltins();
  db = await testDatabase('bind');
  await db.client.query(SCHEMA);
  await db.client.query(TPCH_SCHEMA);
  catalog = await catalogFrom(db.client);
});

afterAll(async () => {
  await db?.drop();
});

async function describeOnServer(client: pg.Client, sql: string, n: number): Promise<{ name: string; type: number; typmod: number; table: number; col: number }[]> {
  const name = `q${Math.random().toString(36).slice(2)}`;
  const r = await client.query({ text: sql, name, values: new Array(n).fill(null), types: rawTypes } as pg.QueryConfig);
  return r.fields.map((f) => ({ name: f.name, type: f.dataTypeID, typmod: f.dataTypeModifier, table: f.tableID, col: f.columnID }));
}

describe('bound output columns equal PostgreSQL 17', () => {
  for (const sql of [...CORPUS, ...TPCH_QUERIES]) {
    it(sql, async () => {
      const nparams = (sql.match(/\$\d/g) ?? []).length;
      const stmt = parseSync(sql);
      const b = bindQuery(stmt, { sql, paramTypes: [], catalog });
      const mine = b.plan.columns.map((c) => ({ name: c.name, type: c.type, typmod: c.typmod, table: c.tableOid, col: c.attnum }));
      expect(mine).toEqual(await describeOnServer(db.client, sql, nparams));
      expect(b.paramTypes.length).toBe(nparams);
    });
  }
});
