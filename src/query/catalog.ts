/*
 * catalog.ts — catalog queries drivers send, answered from built-in tables by their text.
 *
 * memstore has no pg_catalog; the few catalog queries real drivers send unprompted are matched
 * here by their text (whitespace collapsed, case folded, trailing semicolon dropped) rather than
 * by growing a catalog emulation. Each entry names the driver that sends it.
 *
 *   postgres.js (3.x), at connect unless `fetch_types: false`: the element → array type map it
 *   uses to parse and serialize arrays. Answered with PostgreSQL 17's built-in types (types.ts);
 *   a primary would also list the row types of its tables and user-defined types.
 *
 * node-postgres sends no catalog query; psycopg2 reads parameters from ParameterStatus; pgbench
 * with -n and a custom script (-f) sends none; psql -c sends only the command.
 *
 * Interface:
 *   catalogPlan(sql)   a Plan for a known catalog query, or null
 */
import { buildRow } from '../store/row.js';
import { alwaysValid, computedField, rowsOf, type Plan } from './plan.js';
import { BUILTIN_ARRAY_TYPES, Oid } from '../pg/types.js';

function collapse(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().replace(/;$/, '').trim().toLowerCase();
}

const POSTGRES_JS_ARRAY_TYPES = collapse(`
  select b.oid, b.typarray
  from pg_catalog.pg_type a
  left join pg_catalog.pg_type b on b.oid = a.typelem
  where a.typcategory = 'A'
  group by b.oid, b.typarray
  order by b.oid
`);

const ARRAY_TYPE_ROWS = BUILTIN_ARRAY_TYPES.map(([elem, array]) => buildRow([String(elem), String(array)]));
const ARRAY_TYPE_FIELDS = [computedField('oid', Oid.oid), computedField('typarray', Oid.oid)];

const PLANS = new Map<string, Plan>([
  [
    POSTGRES_JS_ARRAY_TYPES,
    { fields: ARRAY_TYPE_FIELDS, paramTypeOids: [], txExit: false, valid: alwaysValid, run: () => rowsOf(ARRAY_TYPE_ROWS) },
  ],
]);

/** Cheap pre-check: only texts that mention pg_catalog are collapsed and looked up. */
export function catalogPlan(sql: string): Plan | null {
  if (!sql.includes('pg_catalog.pg_type')) return null;
  return PLANS.get(collapse(sql)) ?? null;
}
