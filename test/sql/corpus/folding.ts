/*
 * Plan-time constant folding (PostgreSQL's eval_const_expressions): an immutable function,
 * operator or cast over constants is computed while planning, so its error (22003, 22012, 22P02…)
 * surfaces even when no row is read (WHERE false, LIMIT 0, an empty table), and only for the
 * parts folding reaches: a CASE arm after a constant-true test, a COALESCE argument after a
 * non-null constant, an AND after a constant false are never evaluated. Not folded: stable and
 * volatile functions (date input, now()), the target list of an EXISTS subquery, the unused
 * columns of a subquery in FROM. Parameters fold with their values (custom plans).
 */
import type { DiffQuery } from '../../support/diff.js';
import { e, o, p } from './q.js';

const pe = (sql: string, params: (string | null)[], error: string): DiffQuery => ({ sql, params, error });

export const FOLDING: DiffQuery[] = [
  // errors of folded constants surface although no row is read
  e('SELECT 100.00::numeric(4,2) FROM products WHERE false', '22003'),
  e('SELECT 1/0 FROM products WHERE false', '22012'),
  e('SELECT id FROM products WHERE false ORDER BY id + 1/0', '22012'),
  e('SELECT 2147483647 + 1 FROM products LIMIT 0', '22003'),
  e("SELECT 'x'::text::int4 FROM products WHERE false", '22P02'),
  e("SELECT '2147483648'::text::int4 FROM products WHERE false", '22003'),
  e("SELECT 'a'::text::uuid FROM products WHERE false", '22P02'),
  e('SELECT 1::int8::int2 + 32767::int2 FROM products WHERE false', '22003'),
  e('SELECT 1 FROM products WHERE 1/0 = 1 AND false', '22012'),
  e('SELECT 1 FROM products WHERE id = 1 OR 1/0 = 1 AND false', '22012'),
  e('SELECT 1 FROM products WHERE NOT (1/0 = 1)', '22012'),
  e('SELECT (1/0 = 1) IS TRUE FROM products WHERE false', '22012'),
  e('SELECT 1/0 IS NULL FROM products WHERE false', '22012'),
  e('SELECT greatest(1/0, 1) FROM products WHERE false', '22012'),
  e('SELECT nullif(1/0, 1) FROM products WHERE false', '22012'),
  e('SELECT 1/0 IS DISTINCT FROM 1 FROM products WHERE false', '22012'),
  e('SELECT ARRAY[1, 1/0] FROM products WHERE false', '22012'),
  e('SELECT (ARRAY[1, 2])[1/0] FROM products WHERE false', '22012'),
  e('SELECT ROW(1/0) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE id IN (1, 1/0) AND false', '22012'),
  e('SELECT CASE WHEN id > 0 THEN 1/0 END FROM products WHERE false', '22012'),
  e('SELECT coalesce(id, 1/0) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE false LIMIT 1/0', '22012'),
  e('SELECT 1 FROM products WHERE false OFFSET 1/0', '22012'),
  e('SELECT count(1/0) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE false GROUP BY 1/0', '22012'),
  e('SELECT sum(id) FILTER (WHERE 1/0 = 1) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE false HAVING 1/0 = 1', '22012'),
  e('SELECT max(id) OVER (ORDER BY 1/0) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products a JOIN products b ON 1/0 = 1 WHERE false', '22012'),
  e('SELECT 1 FROM products a LEFT JOIN products b ON 1/0 = 1', '22012'),
  e('SELECT x FROM (SELECT 1/0 AS x FROM products) s WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE false UNION ALL SELECT 1/0 FROM products WHERE false', '22012'),
  e('SELECT (SELECT 1/0) FROM products WHERE false', '22012'),
  e('SELECT 1 FROM products WHERE false AND id IN (SELECT 1/0 FROM products)', '22012'),
  e('SELECT 1 FROM generate_series(1, 1/0)', '22012'),
  e("SELECT round(1e300::float8::numeric, 2)::numeric(5,2) FROM products WHERE false", '22003'),
  e('SELECT 1 FROM products WHERE id = (-32768)::int2 * (-1)::int2 AND false', '22003'),
  o('SELECT id FROM (SELECT 1/0 AS x, id FROM products) s ORDER BY id LIMIT 3'),
  o('WITH w AS (SELECT 1/0 AS x, id FROM products) SELECT id FROM w ORDER BY id LIMIT 3'),
  e('WITH w AS MATERIALIZED (SELECT 1/0 AS x FROM products) SELECT 1 FROM w WHERE false', '22012'),
  // which of two folding errors comes first: select list, WHERE, HAVING, LIMIT
  e('SELECT 100.00::numeric(4,2) FROM products WHERE 1/0 = 1', '22003'),
  e('SELECT 1 FROM products WHERE 1/0 = 1 LIMIT 2147483647 + 1', '22012'),
  e('SELECT 1 FROM products WHERE (2147483647 + 1) = 1 GROUP BY id HAVING 1/0 = 1', '22003'),
  e('SELECT count(1/0) FROM products HAVING (2147483647 + 1) = 1', '22012'),
  // …and only where folding reaches
  o('SELECT CASE WHEN true THEN 1 ELSE 1/0 END FROM products WHERE false'),
  o('SELECT CASE WHEN false THEN 1/0 ELSE 1 END FROM products WHERE false'),
  o('SELECT CASE WHEN 1 = 2 THEN 1/0 WHEN 1 = 1 THEN 2 ELSE 3/0 END FROM products WHERE id < 3 ORDER BY 1'),
  o('SELECT CASE 0 WHEN 0 THEN 1 ELSE 1/0 END FROM products WHERE false'),
  o('SELECT coalesce(1, 1/0) FROM products WHERE false'),
  o('SELECT coalesce(NULL, 2, 1/0) FROM products WHERE false'),
  o('SELECT coalesce(id, 1, 1/0) FROM products WHERE false'),
  o('SELECT true OR 1/0 = 1 FROM products WHERE false'),
  o('SELECT false AND 1/0 = 1 FROM products WHERE false'),
  o('SELECT 1 FROM products WHERE false AND 1/0 = 1'),
  o('SELECT 1 FROM products WHERE 1 = 1 OR 1/0 = 1 ORDER BY 1 LIMIT 1'),
  o("SELECT 'x'::text::date FROM products WHERE false"),
  o("SELECT 1 FROM products WHERE false AND name LIKE 'a' || (1/0)::text"),
  o('SELECT 1 FROM products WHERE EXISTS (SELECT 1/0 FROM products WHERE false)'),
  o('SELECT EXISTS (SELECT 1/0) FROM products WHERE false'),
  o('SELECT 1 FROM (SELECT 1/0 AS x, id FROM products) s WHERE false'),
  o('SELECT 1 FROM (SELECT 1/0 AS x, id FROM products LIMIT 5) s WHERE false'),
  o('WITH w AS (SELECT 1/0 AS x FROM products) SELECT 1 FROM w WHERE false'),
  o('SELECT -(-2147483648) FROM products WHERE false'),
  o('SELECT CASE WHEN id > 0 THEN 1 ELSE 2 END FROM products WHERE id < 3 ORDER BY 1'),
  // parameters fold with their values (a custom plan, as PostgreSQL makes for the first executions)
  pe('SELECT $1::numeric(4,2) FROM products WHERE false', ['100.00'], '22003'),
  pe('SELECT $1::int4 / 0 FROM products WHERE false', ['1'], '22012'),
  p('SELECT $1::int2 FROM products WHERE false', ['5']),
  pe('SELECT $1::int8::int2 FROM products WHERE false', ['100000'], '22003'),
  p('SELECT CASE WHEN $1::bool THEN 1 ELSE 1/0 END FROM products WHERE false', ['true']),
  pe('SELECT CASE WHEN $1::bool THEN 1 ELSE 1/0 END FROM products WHERE false', ['false'], '22012'),
  p('SELECT coalesce($1::int4, 1/0) FROM products WHERE false', ['1']),
  pe('SELECT coalesce($1::int4, 1/0) FROM products WHERE false', [null], '22012'),
  p('SELECT 1 FROM products WHERE $1::bool AND 1/0 = 1', ['false']),
  pe('SELECT 1 FROM products WHERE false LIMIT $1::int8 / 0', ['3'], '22012'),
];
