import type { DiffQuery } from '../../support/diff.js';
import { e, o, p, s, u } from './q.js';
export const SMOKE: DiffQuery[] = [
  o('SELECT id, name FROM customers WHERE id = 5'),
  u('SELECT id, name FROM customers'),
  o('SELECT 1 + 1 AS two'),
  e('SELECT 1/0', '22012'),
  p('SELECT id, name FROM customers WHERE id = $1', ['7']),
  s({ TimeZone: "'America/New_York'" }, "SELECT tz FROM moments WHERE id = 4"),
  u('SELECT * FROM events'),
  u('SELECT count(*) FROM numbers'),
  o('SELECT * FROM numbers ORDER BY id'),
  o('SELECT * FROM moments ORDER BY id'),
];
