/*
 * Set-returning functions in FROM and in the select list: generate_series over integers,
 * numerics, timestamps and dates; unnest; jsonb_* SRFs; WITH ORDINALITY; several SRFs in one
 * select list (PostgreSQL 10+ zips them, padding with NULLs).
 */
import type { DiffQuery } from '../../support/diff.js';
import { e, o, u } from './q.js';

export const SRF: DiffQuery[] = [
  o('SELECT * FROM generate_series(1, 10) ORDER BY 1'),
  o('SELECT g FROM generate_series(10, 1, -3) g ORDER BY g'),
  o('SELECT g FROM generate_series(1, 0) g'),
  o('SELECT generate_series(1, 5) AS g ORDER BY g'),
  o('SELECT generate_series(1, 3) AS a, generate_series(1, 5) AS b ORDER BY b'),
  o('SELECT g, g * 2 FROM generate_series(-2, 2) g ORDER BY g'),
  o('SELECT * FROM generate_series(0.5, 2.5, 0.5) g ORDER BY g'),
  o('SELECT * FROM generate_series(1::int8, 3::int8) WITH ORDINALITY AS t(v, n) ORDER BY n'),
  o("SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-02', '6 hours') g ORDER BY g"),
  o("SELECT g::date FROM generate_series('2024-02-27'::date, '2024-03-02'::date, '1 day') g ORDER BY g"),
  o("SELECT * FROM generate_series('2024-03-30 00:00+00'::timestamptz, '2024-04-01 00:00+00', '12 hours') g ORDER BY g"),
  o('SELECT c.id, g FROM customers c, generate_series(1, c.id % 3) g WHERE c.id < 10 ORDER BY c.id, g'),
  o('SELECT id, generate_series(1, 2) AS g FROM customers WHERE id < 5 ORDER BY id, g'),
  o('SELECT sum(g), count(*), avg(g) FROM generate_series(1, 1000) g'),
  o('SELECT g % 3, count(*) FROM generate_series(1, 100) g GROUP BY 1 ORDER BY 1'),
  o('SELECT a.g, b.g FROM generate_series(1, 3) a(g) JOIN generate_series(2, 4) b(g) ON a.g = b.g ORDER BY 1'),
  o('SELECT g FROM generate_series(1, 20) g WHERE g NOT IN (SELECT id FROM customers WHERE id < 15) ORDER BY g'),
  o('SELECT c.id FROM generate_series(1, 400, 37) g JOIN customers c ON c.id = g ORDER BY c.id'),
  o('SELECT * FROM unnest(ARRAY[1, 2, NULL, 4]) u ORDER BY u NULLS FIRST'),
  o("SELECT unnest(ARRAY['x', 'y']) AS v, unnest(ARRAY[1, 2, 3]) AS n ORDER BY n"),
  o('SELECT * FROM unnest(\'{{1,2},{3,4}}\'::int[]) u ORDER BY u'),
  u('SELECT id, unnest(tags) FROM customers WHERE id < 50'),
  o('SELECT t, count(*) FROM customers, unnest(tags) t GROUP BY t ORDER BY t'),
  o('SELECT t, n FROM docs, unnest(ta) WITH ORDINALITY AS u(t, n) WHERE id < 20 ORDER BY id, n'),
  o("SELECT e FROM (SELECT jsonb_array_elements('[1, [2], {\"a\": 3}]') AS e) x ORDER BY e::text"),
  o("SELECT jsonb_object_keys('{\"b\": 1, \"a\": 2}') AS k ORDER BY k"),
  o("SELECT k, count(*) FROM docs, jsonb_object_keys(j) k WHERE jsonb_typeof(j) = 'object' GROUP BY k ORDER BY k"),
  o("SELECT (jsonb_each(prefs)).key, count(*) FROM customers WHERE jsonb_typeof(prefs) = 'object' GROUP BY 1 ORDER BY 1"),
  o('SELECT * FROM generate_subscripts(ARRAY[5, 6, 7], 1) s ORDER BY s'),
  o("SELECT * FROM regexp_split_to_table('a1b22c333', '[0-9]+') WITH ORDINALITY t(s, n) ORDER BY n"),
  o('SELECT * FROM ROWS FROM (generate_series(1, 2), unnest(ARRAY[\'a\', \'b\', \'c\'])) AS t(n, s) ORDER BY s'),
  o('SELECT count(*) FROM generate_series(1, 100000) g WHERE g % 7 = 0'),
  e('SELECT * FROM generate_series(1, 10, 0)', '22023'),
  e('SELECT generate_series(1, 2) FROM customers WHERE generate_series(1, 2) > 1', '0A000'),
  o('SELECT CASE WHEN g > 2 THEN g END FROM generate_series(1, 4) g ORDER BY g'),
  // An SRF in GROUP BY runs below the aggregate; one nested in an expression runs in a ProjectSet
  // below the select list, zipped with the others.
  o('SELECT unnest(tags) AS t, count(*) FROM customers GROUP BY t ORDER BY t'),
  o('SELECT count(*), min(id) FROM customers GROUP BY unnest(tags) ORDER BY 1, 2'),
  o('SELECT unnest(tags) AS t, max(id) FROM customers GROUP BY 1 HAVING count(*) > 1 ORDER BY 1'),
  o("SELECT id, unnest(tags) || '!' AS x FROM customers WHERE id < 20 ORDER BY id, x"),
  o("SELECT id, unnest(ta) || '-' AS x, generate_series(1, 3) AS g FROM docs WHERE id < 10 ORDER BY id, g"),
  o("SELECT upper(unnest(ARRAY['b', 'a'])) AS u ORDER BY u"),
  o('SELECT 1 AS one ORDER BY generate_series(1, 2)'),
];
