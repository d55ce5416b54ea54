/*
 * Statements and protocols: parameters through the extended protocol ($n types inferred from
 * context, NULL parameters, casts of parameters), PREPARE / EXECUTE / DEALLOCATE as SQL, an
 * unbound $1 in a simple query (42P02), identifiers (quoted, schema-qualified, aliases), literal
 * forms, and errors of name resolution.
 */
import type { DiffQuery } from '../../support/diff.js';
import { e, o, p, u } from './q.js';

const prepared = (name: string, def: string, exec: string): DiffQuery => ({
  sql: exec,
  ordered: true,
  before: [`PREPARE ${name} AS ${def}`],
  after: [`DEALLOCATE ${name.replace(/\(.*$/, '')}`],
});

export const SESSION: DiffQuery[] = [
  p('SELECT id, name FROM customers WHERE id = $1', ['42']),
  p('SELECT id, name FROM customers WHERE id = $1', [null]),
  p('SELECT id FROM customers WHERE country = $1 ORDER BY id', ['de']),
  p('SELECT id FROM customers WHERE balance > $1 AND active = $2 ORDER BY id', ['5000', 'true']),
  p('SELECT id FROM orders WHERE ordered_at >= $1 AND ordered_at < $2 ORDER BY id', ['2024-01-01 00:00:00+00', '2025-01-01 00:00:00+00']),
  p('SELECT $1::int + $2::int, $1::text || $2', ['3', '4']),
  p('SELECT $1 + 1', ['41']),
  p("SELECT $1 || 'x'", ['a']),
  p('SELECT $1::numeric * 2, $2::float8 / 2, $3::date + 1, $4::jsonb -> \'a\'', ['1.25', '0.5', '2024-02-28', '{"a": [1]}']),
  p('SELECT id FROM customers WHERE id = ANY($1::int[]) ORDER BY id', ['{3,1,2,999}']),
  p('SELECT id FROM customers WHERE name LIKE $1 ORDER BY id', ['a%']),
  p('SELECT count(*) FROM orders WHERE customer_id = $1 AND status = $2', ['10', 'paid']),
  p('SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = $1 ORDER BY o.id', ['17']),
  p('SELECT k, n, v FROM kv WHERE k = $1 AND n = $2', ['alpha', '3']),
  p('SELECT order_id, line FROM items WHERE order_id = $1 ORDER BY line', ['77']),
  p('SELECT id FROM customers WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT $3', ['10', '40', '5']),
  p('SELECT CASE WHEN $1::bool THEN \'yes\' ELSE \'no\' END', ['t']),
  p('SELECT COALESCE($1, \'default\')', [null]),
  { sql: 'SELECT $1::int4', params: ['x'], error: '22P02' },
  { sql: 'SELECT $1::int2', params: ['40000'], error: '22003' },
  { sql: 'SELECT $1', error: '42P02', extended: false },
  { sql: 'SELECT id FROM customers WHERE id = $1', error: '42P02', extended: false },
  prepared('q1', 'SELECT id, name FROM customers WHERE id = $1', 'EXECUTE q1(7)'),
  prepared('q2(int, text)', 'SELECT id FROM customers WHERE id < $1 AND country = $2 ORDER BY id', 'EXECUTE q2(100, \'fr\')'),
  prepared('q3', 'SELECT count(*) FROM orders', 'EXECUTE q3'),
  prepared('q4(numeric)', 'SELECT $1 * 2', 'EXECUTE q4(1.5)'),
  prepared('q5(date)', 'SELECT id FROM customers WHERE born < $1 ORDER BY id', "EXECUTE q5('1950-01-01')"),
  prepared('q6(int)', 'SELECT id, (SELECT count(*) FROM items i WHERE i.order_id = o.id) FROM orders o WHERE id = $1', 'EXECUTE q6(5)'),
  { ...prepared('q7(int)', 'SELECT 1 / $1', 'EXECUTE q7(0)'), error: '22012' },
  e('EXECUTE nope', '26000'),
  e('DEALLOCATE nope', '26000'),
  { sql: 'PREPARE q8 AS SELECT 2', ordered: true, before: ['PREPARE q8 AS SELECT 1'], after: ['DEALLOCATE q8'], error: '42P05' },
  { sql: 'EXECUTE q9(1, 2)', ordered: true, before: ['PREPARE q9(int) AS SELECT $1'], after: ['DEALLOCATE q9'], error: '42601' },
  { sql: 'DEALLOCATE ALL', ordered: true, before: ['PREPARE q10 AS SELECT 1'] },
  // identifiers and names
  o('SELECT "id", "name" AS "Name", name AS "select" FROM "customers" WHERE "id" < 3 ORDER BY "id"'),
  o('SELECT c.id, public.customers.name FROM public.customers JOIN public.customers c USING (id) WHERE c.id < 3 ORDER BY c.id'),
  o('SELECT customers.* FROM customers WHERE id = 2'),
  o('SELECT * FROM customers WHERE id = 2'),
  o('SELECT *, code AS again FROM regions ORDER BY code'),
  o('SELECT x.* FROM (SELECT 1 AS a, 2 AS b) x'),
  o('SELECT id AS "Id", name AS n, 1 AS "1", \'x\' AS "Mixed Case" FROM customers ORDER BY "Id" LIMIT 2'),
  o('SELECT count(*) AS "count", max(id) FROM customers'),
  o("SELECT E'a\\nb', $$dollar$$, $t$tag'ged$t$, U&'\\00e9', B'101'::int, X'ff'::int"),
  o("SELECT 'it''s', '', ' ', E'\\t', 1e-3, .5, 5., 0x1F, 0o17, 0b101, 1_000_000"),
  o('SELECT current_user = current_user, current_database() = current_database(), version() IS NOT NULL'),
  o("SELECT current_setting('DateStyle'), current_setting('IntervalStyle'), current_setting('extra_float_digits'), current_setting('bytea_output')"),
  o('SELECT pg_typeof(1), pg_typeof(1.5), pg_typeof(\'a\'), pg_typeof(NULL), pg_typeof(1::int8 + 1), pg_typeof(1::int2 + 1::int2)'),
  o('SELECT pg_typeof(i2 + i2), pg_typeof(i2 * i4), pg_typeof(i4 / i8), pg_typeof(n + f8), pg_typeof(f4 * f4), pg_typeof(i8 + n) FROM numbers WHERE id = 6'),
  u('SELECT id FROM customers WHERE id < 5'),
  e('SELECT * FROM nope', '42P01'),
  e('SELECT nope FROM customers', '42703'),
  e('SELECT customers.nope FROM customers', '42703'),
  e('SELECT x.id FROM customers', '42P01'),
  e('SELECT nope(1)', '42883'),
  e('SELECT 1 +', '42601'),
  e("SELECT 'a' + 1", '22P02'),
  e('SELECT id FROM customers c, customers c', '42712'),
  e('SELECT * FROM customers WHERE name = 1', '42883'),
  e('SELECT * FROM customers WHERE id', '42804'),
];
