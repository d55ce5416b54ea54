/*
 * Test support for binder tests: a BindCatalog read from a real PostgreSQL database, and a minimal
 * set of types / casts / functions for overload resolution, registered only where the families
 * (ensureBuiltins) did not register them, so the same tests run before and after the merge.
 */
import type pg from 'pg';
import { SqlError } from '../../../src/errors.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import type { BindCatalog, CatalogTable } from '../../../src/query/bind/context.js';
import { aggsNamed, funcsNamed, Pseudo, registerAgg, registerFunc, registerWindow, windowsNamed } from '../../../src/query/functions/registry.js';
import { PgDecimal } from '../../../src/query/types/datum.js';
import { findCast, hasType, registerCast, registerType, type CastContext } from '../../../src/query/types/registry.js';
import { arrayTypeOf, elementTypeOf, sqlTypeName, typeName } from '../../../src/pg/types.js';

export async function catalogFrom(client: pg.Client): Promise<BindCatalog> {
  const r = await client.query<{ oid: number; nspname: string; relname: string; attname: string; atttypid: number; atttypmod: number; attnum: number; key: number[] | null }>(`
    SELECT c.oid::int, n.nspname, c.relname, a.attname, a.atttypid::int, a.atttypmod, a.attnum,
           (SELECT i.indkey::int2[]::int[] FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS key
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.oid, a.attnum`);
  const tables = new Map<string, { oid: number; schema: string; name: string; columns: CatalogTable['columns'][number][]; keyColumns: number[] }>();
  for (const row of r.rows) {
    const k = `${row.nspname}.${row.relname}`;
    let t = tables.get(k);
    if (t === undefined) {
      t = { oid: row.oid, schema: row.nspname, name: row.relname, columns: [], keyColumns: [] };
      tables.set(k, t);
      t.keyColumns = (row.key ?? []).map((a) => a - 1);
    }
    t.columns.push({ name: row.attname, type: row.atttypid, typmod: row.atttypmod, attnum: row.attnum });
  }
  return {
    searchPath: ['pg_catalog', 'public'],
    table: (schema, name) => tables.get(`${schema ?? 'public'}.${name}`),
  };
}

const CAT: Record<number, [string, boolean]> = {
  16: ['B', true], 20: ['N', false], 21: ['N', false], 23: ['N', false], 25: ['S', true], 700: ['N', false], 701: ['N', true],
  1043: ['S', false], 1042: ['S', false], 19: ['S', false], 1082: ['D', false], 1114: ['D', false], 1184: ['D', true], 1186: ['T', true],
  1700: ['N', false], 3802: ['U', false], 114: ['U', false], 2950: ['U', false], 17: ['U', false], 1083: ['D', false], 1266: ['D', false],
};

function regType(oid: number): void {
  if (hasType(oid)) return;
  const [category, preferred] = CAT[oid] ?? [elementTypeOf(oid) !== 0 ? 'A' : 'U', false];
  registerType({
    oid, name: typeName(oid), sqlName: sqlTypeName(oid), category, preferred, len: -1,
    elem: elementTypeOf(oid), array: arrayTypeOf(oid),
    input: (text) => {
      if (oid === 23 || oid === 21) {
        if (!/^\s*-?\d+\s*$/.test(text)) throw new SqlError('22P02', `invalid input syntax for type ${sqlTypeName(oid)}: "${text}"`);
        return Number(text);
      }
      if (oid === 20) return BigInt(text.trim());
      if (oid === 1700) return { d: new PgDecimal(text), dscale: (text.split('.')[1] ?? '').length };
      if (oid === 700 || oid === 701) return Number(text);
      if (oid === 16) return text === 't' || text === 'true';
      return text;
    },
    output: (d) => JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  });
}

function cast(source: number, target: number, context: CastContext): void {
  if (findCast(source, target)?.context === context) return;
  registerCast({ source, target, context, convert: (d) => d });
}

const noop = (): null => null;

function fn(name: string, args: number[], returns: number | ((t: readonly number[]) => number), extra: Partial<{ kind: 'op' | 'func'; set: boolean; variadic: number; optional: number; setColumns: { name: string; type: number }[] }> = {}): void {
  const kind = extra.kind ?? 'func';
  if (funcsNamed(name, kind).some((d) => d.args.length === args.length && d.args.every((a, i) => a === args[i]))) return;
  registerFunc({
    name, kind, args, returns, strict: true, volatility: 'i',
    ...(extra.set === true ? { set: () => [] } : { call: noop }),
    ...(extra.variadic !== undefined ? { variadic: extra.variadic } : {}),
    ...(extra.optional !== undefined ? { optional: extra.optional } : {}),
    ...(extra.setColumns !== undefined ? { setColumns: extra.setColumns } : {}),
  });
}

function agg(name: string, args: number[], returns: number | ((t: readonly number[]) => number), orderedSet?: number[]): void {
  if (aggsNamed(name).some((d) => d.args.length === args.length && d.args.every((a, i) => a === args[i]))) return;
  registerAgg({ name, args, returns, strict: true, init: () => null, step: (s) => s, final: () => null, ...(orderedSet ? { orderedSet: { directArgs: orderedSet } } : {}) });
}

function win(name: string, args: number[], returns: number | ((t: readonly number[]) => number), optional = 0): void {
  if (windowsNamed(name).length > 0 && optional === 0) return;
  registerWindow({ name, args, returns, optional, eval: () => null });
}

let done = false;

/** ensureBuiltins(), then whatever the binder tests need that no family registered yet. */
export function testBuiltins(): void {
  if (done) return;
  done = true;
  ensureBuiltins();
  for (const t of Object.keys(CAT)) regType(Number(t));
  for (const [e, a] of [[23, 1007], [25, 1009], [20, 1016], [1700, 1231], [701, 1022]] as const) { regType(a); void e; }
  const ints = [21, 23, 20];
  const nums = [21, 23, 20, 700, 701, 1700];
  // Implicit numeric promotions, as pg_cast.
  for (let i = 0; i < nums.length; i++) for (let j = i + 1; j < nums.length; j++) {
    const [s, t] = [nums[i]!, nums[j]!];
    if ((s === 700 || s === 701) && t === 1700) { cast(s, t, 'a'); cast(t, s, 'i'); continue; }
    cast(s, t, 'i');
    cast(t, s, 'a');
  }
  cast(1700, 700, 'i'); cast(1700, 701, 'i');
  cast(1043, 25, 'i'); cast(25, 1043, 'i'); cast(1042, 25, 'i'); cast(25, 1042, 'i'); cast(19, 25, 'i'); cast(25, 19, 'i');
  cast(1082, 1114, 'i'); cast(1082, 1184, 'i'); cast(1114, 1184, 'i'); cast(1184, 1114, 'a'); cast(1184, 1082, 'a');
  cast(23, 16, 'e'); cast(16, 23, 'e');
  const cmp = ['=', '<>', '<', '>', '<=', '>='];
  for (const op of cmp) {
    for (const a of ints) for (const b of ints) fn(op, [a, b], 16, { kind: 'op' });
    for (const t of [700, 701, 1700, 25, 16, 1082, 1114, 1184, 1186, 1042, 3802, 2950]) fn(op, [t, t], 16, { kind: 'op' });
    fn(op, [Pseudo.anyarray, Pseudo.anyarray], 16, { kind: 'op' });
  }
  for (const op of ['+', '-', '*', '/']) {
    for (const a of ints) for (const b of ints) fn(op, [a, b], a === 20 || b === 20 ? 20 : a === 23 || b === 23 ? 23 : 21, { kind: 'op' });
    for (const t of [700, 701, 1700]) fn(op, [t, t], t, { kind: 'op' });
  }
  for (const t of [21, 23, 20, 700, 701, 1700]) fn('-', [t], t, { kind: 'op' });
  fn('%', [23, 23], 23, { kind: 'op' });
  fn('+', [1082, 23], 1082, { kind: 'op' }); fn('-', [1082, 23], 1082, { kind: 'op' }); fn('-', [1082, 1082], 23, { kind: 'op' });
  fn('+', [1184, 1186], 1184, { kind: 'op' }); fn('-', [1184, 1186], 1184, { kind: 'op' }); fn('+', [1082, 1186], 1114, { kind: 'op' });
  fn('-', [1184, 1184], 1186, { kind: 'op' });
  fn('||', [25, 25], 25, { kind: 'op' }); fn('||', [Pseudo.anynonarray, 25], 25, { kind: 'op' }); fn('||', [25, Pseudo.anynonarray], 25, { kind: 'op' });
  for (const op of ['~~', '!~~', '~~*', '!~~*', '~', '!~']) { fn(op, [25, 25], 16, { kind: 'op' }); fn(op, [1042, 25], 16, { kind: 'op' }); }
  fn('->>', [3802, 25], 25, { kind: 'op' }); fn('->', [3802, 25], 3802, { kind: 'op' }); fn('->', [3802, 23], 3802, { kind: 'op' }); fn('->>', [3802, 23], 25, { kind: 'op' });
  fn('@>', [Pseudo.anyarray, Pseudo.anyarray], 16, { kind: 'op' });
  fn('upper', [25], 25); fn('lower', [25], 25); fn('length', [25], 23); fn('substr', [25, 23, 23], 25, { optional: 1 });
  fn('similar_to_escape', [25], 25); fn('similar_to_escape', [25, 25], 25);
  fn('now', [], 1184); fn('current_date', [], 1082); fn('localtimestamp', [], 1114); fn('current_user', [], 19);
  fn('timezone', [25, 1184], 1114); fn('timezone', [25, 1114], 1184);
  fn('abs', [23], 23); fn('abs', [20], 20); fn('abs', [1700], 1700); fn('abs', [701], 701);
  fn('round', [1700, 23], 1700, { optional: 1 }); fn('round', [701], 701);
  fn('concat', [Pseudo.any], 25, { variadic: Pseudo.any });
  fn('generate_series', [23, 23], 23, { set: true }); fn('generate_series', [20, 20], 20, { set: true }); fn('generate_series', [1700, 1700], 1700, { set: true });
  fn('generate_series', [1184, 1184, 1186], 1184, { set: true });
  fn('unnest', [Pseudo.anyarray], (t) => elementTypeOf(t[0]!), { set: true });
  fn('jsonb_each', [3802], 2249, { set: true, setColumns: [{ name: 'key', type: 25 }, { name: 'value', type: 3802 }] });
  fn('array_length', [Pseudo.anyarray, 23], 23);
  fn('-', [1082, 1186], 1114, { kind: 'op' }); fn('substring', [25, 23, 23], 25, { optional: 1 });
  fn('date_part', [25, 1184], 701); fn('extract', [25, 1184], 1700); fn('extract', [25, 1082], 1700);
  agg('count', [], 20); agg('count', [Pseudo.any], 20);
  agg('sum', [21], 20); agg('sum', [23], 20); agg('sum', [20], 1700); agg('sum', [1700], 1700); agg('sum', [701], 701);
  agg('avg', [23], 1700); agg('avg', [20], 1700); agg('avg', [1700], 1700); agg('avg', [701], 701);
  for (const t of [23, 20, 1700, 25, 701, 1082, 1184]) { agg('min', [t], t); agg('max', [t], t); }
  agg('string_agg', [25, 25], 25); agg('array_agg', [Pseudo.anynonarray], (t) => arrayTypeOf(t[0]!)); agg('bool_and', [16], 16);
  agg('percentile_cont', [701], 701, [701]); agg('mode', [Pseudo.anyelement], (t) => t[0]!, []);
  win('row_number', [], 20); win('rank', [], 20); win('dense_rank', [], 20); win('ntile', [23], 23);
  if (windowsNamed('lag').length === 0) { registerWindow({ name: 'lag', args: [Pseudo.anyelement, 23, Pseudo.anyelement], optional: 2, returns: (t) => t[0]!, eval: () => null }); }
}
