/*
 * expr.ts — transformExpr: one parse-tree expression → bound Expr (bound.ts) at a query level.
 *
 * Covers constants, $n, column references, casts and typed literals, operators (A_Expr in all its
 * kinds: BETWEEN, IN, LIKE/ILIKE/SIMILAR, IS DISTINCT, NULLIF, op ANY/ALL), AND/OR/NOT, NULL and
 * boolean tests, CASE, COALESCE, GREATEST/LEAST, ARRAY[…], ROW(…), subscripts, SQL value
 * functions (CURRENT_DATE → current_date() …), COLLATE "C", function calls (aggregates and window
 * functions are handed to agg.ts / window.ts) and sublinks (sublink.ts).
 *
 * Left out (0A000 naming the construct): collations other than C/POSIX/default, field selection
 * from a record, jsonb subscripting, named function arguments, VARIADIC in a call, bit-string
 * literals, XML, JSON_* constructors.
 */
import type { A_Const, A_Expr, CaseExpr as PCaseExpr, FuncCall, Node, SQLValueFunction, TypeCast } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import { aggsNamed, funcsNamed, windowsNamed } from '../functions/registry.js';
import { locationOf, nodeKind, stringList } from '../parse.js';
import { typeInfo } from '../types/registry.js';
import { bindAggCall, bindGroupingFunc } from './aggcall.js';
import type { CallExpr, CaseExpr, ConstExpr, Expr } from './bound.js';
import { slotAt } from './slots.js';
import { bindFuncCall, bindNamedCall, bindOperator } from './call.js';
import { builtinCollation, isCollatable, rememberCollationName } from './collate.js';
import { coerceTo, coerceToBoolean, coerceToCommon, commonTypmod, selectCommonType } from './coerce.js';
import { arrayOf, BIND_SETTINGS, constOf, elemOf, exprEqual, typeSqlName } from './exprutil.js';
import { bindAExprMisc } from './aexpr.js';
import { resolveColumnRef } from './scope.js';
import { err, type Level } from './state.js';
import { bindSubLink } from './sublink.js';
import { resolveTypeName } from './typename.js';
import { bindWindowCall } from './window.js';

export function bindExpr(lv: Level, node: Node): Expr {
  const st = lv.stmt;
  if ('A_Const' in node) return bindConst(lv, node.A_Const);
  if ('ColumnRef' in node) {
    const names = stringList(node.ColumnRef.fields);
    return resolveColumnRef(lv, names, node.ColumnRef.location ?? -1);
  }
  if ('ParamRef' in node) {
    const n = node.ParamRef.number ?? 0;
    if (n < 1) throw err(st, SQLSTATE.undefined_parameter, `there is no parameter $${n}`, node.ParamRef.location);
    while (st.params.length < n) st.params.push(0);
    const t = st.params[n - 1]!;
    return { kind: 'param', index: n, type: t === 0 ? Oid.unknown : t, typmod: -1 };
  }
  if ('TypeCast' in node) return bindTypeCast(lv, node.TypeCast);
  if ('A_Expr' in node) return bindAExpr(lv, node.A_Expr);
  if ('BoolExpr' in node) {
    const b = node.BoolExpr;
    const what = b.boolop === 'AND_EXPR' ? 'AND' : b.boolop === 'OR_EXPR' ? 'OR' : 'NOT';
    const args = (b.args ?? []).map((a) => coerceToBoolean(st, bindExpr(lv, a), what, locationOf(a)));
    if (what === 'NOT') return { kind: 'not', type: Oid.bool, typmod: -1, arg: args[0]! };
    if (what === 'OR') return factorOr(args);
    return { kind: 'and', type: Oid.bool, typmod: -1, args };
  }
  if ('NullTest' in node) {
    const arg = bindExpr(lv, node.NullTest.arg!);
    return { kind: 'nulltest', type: Oid.bool, typmod: -1, arg: arg.type === Oid.unknown ? coerceTo(st, arg, Oid.text, -1, 'i', -1) : arg, isNull: node.NullTest.nulltesttype === 'IS_NULL' };
  }
  if ('BooleanTest' in node) {
    const bt = node.BooleanTest;
    const what = { IS_TRUE: 'IS TRUE', IS_NOT_TRUE: 'IS NOT TRUE', IS_FALSE: 'IS FALSE', IS_NOT_FALSE: 'IS NOT FALSE', IS_UNKNOWN: 'IS UNKNOWN', IS_NOT_UNKNOWN: 'IS NOT UNKNOWN' }[bt.booltesttype ?? 'IS_TRUE'] ?? 'IS TRUE';
    const arg = coerceToBoolean(st, bindExpr(lv, bt.arg!), what, locationOf(bt.arg));
    const t = bt.booltesttype ?? 'IS_TRUE';
    return { kind: 'booltest', type: Oid.bool, typmod: -1, arg, test: t.includes('TRUE') ? 'true' : t.includes('FALSE') ? 'false' : 'unknown', negate: t.includes('NOT') };
  }
  if ('CaseExpr' in node) return bindCase(lv, node.CaseExpr);
  if ('CoalesceExpr' in node) {
    const raw = node.CoalesceExpr.args ?? [];
    const { args, type, typmod } = commonArgs(lv, raw, 'COALESCE');
    return { kind: 'coalesce', type, typmod, args };
  }
  if ('MinMaxExpr' in node) {
    const m = node.MinMaxExpr;
    const what = m.op === 'IS_GREATEST' ? 'GREATEST' : 'LEAST';
    const { args, type, typmod } = commonArgs(lv, m.args ?? [], what);
    return { kind: what === 'GREATEST' ? 'greatest' : 'least', type, typmod, args };
  }
  if ('A_ArrayExpr' in node) return bindArray(lv, node.A_ArrayExpr.elements ?? [], node.A_ArrayExpr.location ?? -1, 0);
  if ('RowExpr' in node) {
    const args = (node.RowExpr.args ?? []).map((a) => unknownToText(lv, bindExpr(lv, a), locationOf(a)));
    return { kind: 'row', type: 2249, typmod: -1, args };
  }
  if ('A_Indirection' in node) return bindIndirection(lv, node.A_Indirection.arg!, node.A_Indirection.indirection ?? []);
  if ('SQLValueFunction' in node) return bindSqlValue(lv, node.SQLValueFunction);
  if ('CollateClause' in node) {
    const c = node.CollateClause;
    const parts = stringList(c.collname);
    let arg = bindExpr(lv, c.arg!);
    if (arg.type !== Oid.unknown && !isCollatable(arg.type)) throw err(st, SQLSTATE.datatype_mismatch, `collations are not supported by type ${typeSqlName(arg.type)}`, c.location);
    const name = parts[parts.length - 1]!;
    const schema = parts.length > 1 ? parts[parts.length - 2]! : null;
    const found = st.catalog.collation !== undefined ? st.catalog.collation(schema, name) : builtinCollation(schema, name);
    if (found === undefined) {
      if (st.catalog.collation === undefined) throw notSupported(`COLLATE "${parts.join('.')}" (memstore compares text in C order only)`, { sql: st.sql, location: c.location });
      throw err(st, SQLSTATE.undefined_object, `collation "${parts.join('.')}" for encoding "UTF8" does not exist`, c.location);
    }
    rememberCollationName(found.oid, name);
    if (!found.deterministic) throw notSupported(`COLLATE "${parts.join('.')}": a nondeterministic collation (memstore compares bytes for equality)`, { sql: st.sql, location: c.location });
    if (arg.type === Oid.unknown) arg = coerceTo(st, arg, Oid.text, -1, 'i', c.location ?? -1);
    return { ...arg, collate: found.oid };
  }
  if ('FuncCall' in node) return bindFunc(lv, node.FuncCall);
  if ('SubLink' in node) return bindSubLink(lv, node.SubLink);
  if ('GroupingFunc' in node) return bindGroupingFunc(lv, node.GroupingFunc);
  if ('ParamExecData' in node) throw notSupported('this expression');
  throw notSupported(`${nodeKind(node)} expressions`, { sql: st.sql, location: locationOf(node) });
}

/**
 * (A AND B) OR (A AND C) → A AND (B OR C), as PostgreSQL's find_duplicate_ors: a join clause
 * repeated in every branch (TPC-H Q19) becomes a join condition. Distributivity holds in SQL's
 * three-valued logic, so the result is the same for every row.
 */
function factorOr(args: Expr[]): Expr {
  const conj = (e: Expr): readonly Expr[] => (e.kind === 'and' ? e.args : [e]);
  const branches = args.map(conj);
  const common = branches[0]!.filter((c) => branches.every((b) => b.some((x) => exprEqual(x, c))));
  const or = (a: Expr[]): Expr => (a.length === 1 ? a[0]! : { kind: 'or', type: Oid.bool, typmod: -1, args: a });
  const and = (a: readonly Expr[]): Expr => (a.length === 1 ? a[0]! : { kind: 'and', type: Oid.bool, typmod: -1, args: a });
  if (common.length === 0) return or(args);
  const rest = branches.map((b) => b.filter((x) => !common.some((c) => exprEqual(x, c))));
  // A branch left empty makes the OR true once the common part holds.
  if (rest.some((r) => r.length === 0)) return and(common);
  return and([...common, or(rest.map(and))]);
}

/** Binds and turns an unknown literal into text (where no context gives it a type). */
export function unknownToText(lv: Level, e: Expr, location: number): Expr {
  return e.type === Oid.unknown ? coerceTo(lv.stmt, e, Oid.text, -1, 'i', location) : e;
}

function withSlot(e: ConstExpr, slot: number | undefined): ConstExpr {
  return slot === undefined ? e : { ...e, slot };
}

function bindConst(lv: Level, c: A_Const): Expr {
  const st = lv.stmt;
  if (c.isnull === true) return constOf(Oid.unknown, null);
  if (c.ival !== undefined) return withSlot(constOf(Oid.int4, c.ival.ival ?? 0), slotAt(st, c.location, true));
  if (c.fval !== undefined) {
    const text = c.fval.fval ?? '0';
    if (/^-?\d+$/.test(text)) {
      const v = BigInt(text);
      if (v >= -(2n ** 63n) && v < 2n ** 63n) return withSlot(constOf(Oid.int8, v), slotAt(st, c.location, true));
    }
    return withSlot(constOf(Oid.numeric, typeInfo(Oid.numeric).input(text, -1, BIND_SETTINGS)), slotAt(st, c.location, false));
  }
  if (c.sval !== undefined) return withSlot(constOf(Oid.unknown, c.sval.sval ?? ''), slotAt(st, c.location, false));
  if (c.boolval !== undefined) return constOf(Oid.bool, c.boolval.boolval === true);
  throw notSupported('bit-string literals', { sql: lv.stmt.sql, location: c.location });
}

function bindTypeCast(lv: Level, tc: TypeCast): Expr {
  const st = lv.stmt;
  const { type, typmod } = resolveTypeName(st, tc.typeName!);
  const argNode = tc.arg!;
  const loc = tc.location !== undefined && tc.location >= 0 ? tc.location : locationOf(argNode);
  if ('A_ArrayExpr' in argNode && elemOf(type) !== 0) {
    const a = bindArray(lv, argNode.A_ArrayExpr.elements ?? [], argNode.A_ArrayExpr.location ?? -1, elemOf(type));
    return coerceTo(st, a, type, typmod, 'e', loc, true);
  }
  const arg = bindExpr(lv, argNode);
  return coerceTo(st, arg, type, typmod, 'e', arg.type === Oid.unknown ? locationOf(argNode) : loc, true);
}

/** Binds a list to one common type (select_common_type + coercion), `what` naming it in errors. */
export function commonArgs(lv: Level, raw: readonly Node[], what: string): { args: Expr[]; type: number; typmod: number } {
  const bound = raw.map((n) => bindExpr(lv, n));
  const locs = raw.map((n) => locationOf(n));
  const type = selectCommonType(lv.stmt, bound.map((b) => b.type), locs, what);
  const args = bound.map((b, i) => coerceToCommon(lv.stmt, b, type, what, locs[i]!));
  return { args, type, typmod: commonTypmod(bound, type) };
}

function bindCase(lv: Level, c: PCaseExpr): CaseExpr {
  const st = lv.stmt;
  const arg = c.arg === undefined ? null : bindExpr(lv, c.arg);
  const whens: { when: Expr; then: Expr }[] = [];
  const results: Expr[] = [];
  const rlocs: number[] = [];
  for (const w of c.args ?? []) {
    const cw = (w as { CaseWhen: { expr: Node; result: Node; location?: number } }).CaseWhen;
    let cond: Expr;
    if (arg !== null) cond = bindOperator(st, '=', arg, bindExpr(lv, cw.expr), cw.location ?? -1, [locationOf(c.arg), locationOf(cw.expr)]);
    else cond = coerceToBoolean(st, bindExpr(lv, cw.expr), 'CASE/WHEN', locationOf(cw.expr));
    whens.push({ when: cond, then: constOf(Oid.unknown, null) });
    results.push(bindExpr(lv, cw.result));
    rlocs.push(locationOf(cw.result));
  }
  const def = c.defresult === undefined ? null : bindExpr(lv, c.defresult);
  const all = def === null ? results : [...results, def];
  const locs = def === null ? rlocs : [...rlocs, locationOf(c.defresult)];
  // PostgreSQL puts the ELSE first in select_common_type.
  const order = def === null ? all.map((_, i) => i) : [all.length - 1, ...results.map((_, i) => i)];
  const type = selectCommonType(st, order.map((i) => all[i]!.type), order.map((i) => locs[i]!), 'CASE');
  const typmod = commonTypmod(all, type);
  return {
    kind: 'case', type, typmod,
    whens: whens.map((w, i) => ({ when: w.when, then: coerceToCommon(st, results[i]!, type, 'CASE', rlocs[i]!) })),
    else: def === null ? null : coerceToCommon(st, def, type, 'CASE', locationOf(c.defresult)),
  };
}

function bindArray(lv: Level, elems: readonly Node[], location: number, elemHint: number): Expr {
  const st = lv.stmt;
  const items = elems.map((n) => ('A_ArrayExpr' in n ? bindArray(lv, n.A_ArrayExpr.elements ?? [], n.A_ArrayExpr.location ?? -1, elemHint) : bindExpr(lv, n)));
  const locs = elems.map((n) => locationOf(n));
  const nested = elems.length > 0 && elems.every((n) => 'A_ArrayExpr' in n);
  if (items.length === 0) {
    if (elemHint === 0) throw err(st, SQLSTATE.indeterminate_datatype, 'cannot determine type of empty array', location, { hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].' });
    return { kind: 'array', type: arrayOf(elemHint), typmod: -1, elemType: elemHint, items: [] };
  }
  let type = selectCommonType(st, items.map((i) => i.type), locs, 'ARRAY');
  if (elemHint !== 0 && items.every((i) => i.type === Oid.unknown)) type = nested ? arrayOf(elemHint) : elemHint;
  const coerced = items.map((e, i) => coerceToCommon(st, e, type, 'ARRAY', locs[i]!));
  const elemType = nested ? elemOf(type) : type;
  const arrType = nested ? type : arrayOf(type);
  if (arrType === 0) throw err(st, SQLSTATE.undefined_object, `could not find array type for data type ${typeSqlName(type)}`, location);
  return { kind: 'array', type: arrType, typmod: -1, elemType, items: coerced };
}

function bindIndirection(lv: Level, argNode: Node, ind: readonly Node[]): Expr {
  const st = lv.stmt;
  const arg = bindExpr(lv, argNode);
  if (ind.some((i) => !('A_Indices' in i))) throw notSupported('field selection from a record value', { sql: st.sql, location: locationOf(argNode) });
  const elem = elemOf(arg.type);
  if (elem === 0) {
    if (arg.type === Oid.jsonb) throw notSupported('jsonb subscripting (use -> / ->>)', { sql: st.sql, location: locationOf(argNode) });
    throw err(st, SQLSTATE.datatype_mismatch, `cannot subscript type ${typeSqlName(arg.type)} because it does not support subscripting`, locationOf(argNode));
  }
  // All subscripts apply to the array at once: a[i][j] is one element of a 2-D array; any slice makes all slices.
  const idx = ind.map((i) => (i as { A_Indices: { is_slice?: boolean; lidx?: Node; uidx?: Node } }).A_Indices);
  const sub = (n: Node | undefined): Expr | null => (n === undefined ? null : coerceTo(st, bindExpr(lv, n), Oid.int4, -1, 'i', locationOf(n), false));
  if (idx.some((x) => x.is_slice === true)) {
    const one = { kind: 'const', type: Oid.int4, typmod: -1, value: 1 } as const;
    return {
      kind: 'subscript', type: arg.type, typmod: arg.typmod, arg,
      lower: idx.map((x) => (x.is_slice === true ? sub(x.lidx) : one)),
      upper: idx.map((x) => sub(x.uidx)),
    };
  }
  return { kind: 'subscript', type: elem, typmod: -1, arg, lower: idx.map((x) => sub(x.uidx)), upper: null };
}

const SVF: Record<string, [string, number]> = {
  SVFOP_CURRENT_DATE: ['current_date', Oid.date],
  SVFOP_CURRENT_TIME: ['current_time', Oid.timetz],
  SVFOP_CURRENT_TIME_N: ['current_time', Oid.timetz],
  SVFOP_CURRENT_TIMESTAMP: ['now', Oid.timestamptz],
  SVFOP_CURRENT_TIMESTAMP_N: ['now', Oid.timestamptz],
  SVFOP_LOCALTIME: ['localtime', Oid.time],
  SVFOP_LOCALTIME_N: ['localtime', Oid.time],
  SVFOP_LOCALTIMESTAMP: ['localtimestamp', Oid.timestamp],
  SVFOP_LOCALTIMESTAMP_N: ['localtimestamp', Oid.timestamp],
  SVFOP_CURRENT_ROLE: ['current_user', Oid.name],
  SVFOP_CURRENT_USER: ['current_user', Oid.name],
  SVFOP_USER: ['current_user', Oid.name],
  SVFOP_SESSION_USER: ['session_user', Oid.name],
  SVFOP_CURRENT_CATALOG: ['current_database', Oid.name],
  SVFOP_CURRENT_SCHEMA: ['current_schema', Oid.name],
};

function bindSqlValue(lv: Level, s: SQLValueFunction): Expr {
  const entry = SVF[s.op ?? ''];
  if (entry === undefined) throw notSupported(`${s.op}`, { sql: lv.stmt.sql, location: s.location });
  const call = bindFuncCall(lv.stmt, entry[0], [], [], s.location ?? -1);
  const typmod = s.typmod ?? -1;
  return typmod >= 0 ? coerceTo(lv.stmt, call, call.type, typmod, 'e', s.location ?? -1, true) : call;
}

function bindFunc(lv: Level, fc: FuncCall): Expr {
  const st = lv.stmt;
  const names = stringList(fc.funcname);
  const name = memstoreName(lv, names.length === 2 && names[0] === 'pg_catalog' ? names[1]! : names.join('.'), names.length);
  const location = fc.location ?? -1;
  if (fc.over !== undefined) return bindWindowCall(lv, fc, name);
  if (fc.agg_star === true || fc.agg_distinct === true || fc.agg_order !== undefined || fc.agg_filter !== undefined || fc.agg_within_group === true || aggsNamed(name).length > 0) {
    if (aggsNamed(name).length > 0) return bindAggCall(lv, fc, name);
    if (windowsNamed(name).length > 0) throw err(st, SQLSTATE.wrong_object_type, `window function ${name} requires an OVER clause`, location);
    if (fc.agg_star === true) throw err(st, SQLSTATE.wrong_object_type, `${name}(*) specified, but ${name} is not an aggregate function`, location);
  }
  if (windowsNamed(name).length > 0) throw err(st, SQLSTATE.wrong_object_type, `window function ${name} requires an OVER clause`, location);
  if (fc.func_variadic === true) throw notSupported('VARIADIC in a function call', { sql: st.sql, location });
  const rawArgs = fc.args ?? [];
  const call = rawArgs.some((a) => 'NamedArgExpr' in a) ? bindNamed(lv, name, rawArgs, location) : bindFuncCall(st, name, rawArgs.map((a) => bindExpr(lv, a)), rawArgs.map((a) => locationOf(a)), location);
  if (call.def.set !== undefined) {
    if (lv.kind === 'from') return call;
    // check_srf_call_placement(): the select list, GROUP BY, ORDER BY and DISTINCT ON take them.
    if (lv.kind !== 'select' && lv.kind !== 'group' && lv.kind !== 'order' && lv.kind !== 'distinct-on') {
      throw err(st, SQLSTATE.feature_not_supported, `set-returning functions are not allowed in ${kindText(lv.kind)}`, location);
    }
    lv.hasSrf = true;
  }
  return call;
}

/**
 * memstore's functions are registered qualified (functions/memstore.ts): an unqualified name
 * finds one through search_path, after pg_catalog's functions (searched first, as PostgreSQL).
 */
function memstoreName(lv: Level, name: string, parts: number): string {
  if (parts !== 1 || !lv.stmt.catalog.searchPath.includes('memstore')) return name;
  if (funcsNamed(name, 'func').length > 0 || aggsNamed(name).length > 0 || windowsNamed(name).length > 0) return name;
  return funcsNamed(`memstore.${name}`, 'func').length > 0 ? `memstore.${name}` : name;
}

/** `f(a, b => x)`: ParseFuncOrColumn's checks (42601), then bind/call.ts. */
function bindNamed(lv: Level, name: string, rawArgs: readonly Node[], location: number): CallExpr {
  const st = lv.stmt;
  const names: (string | null)[] = [];
  const values: Node[] = [];
  for (const a of rawArgs) {
    if ('NamedArgExpr' in a) {
      const na = a.NamedArgExpr;
      const n = na.name ?? '';
      if (names.includes(n)) throw err(st, SQLSTATE.syntax_error, `argument name "${n}" used more than once`, na.location ?? -1);
      names.push(n);
      values.push(na.arg!);
    } else {
      if (names.some((n) => n !== null)) throw err(st, SQLSTATE.syntax_error, 'positional argument cannot follow named argument', locationOf(a));
      names.push(null);
      values.push(a);
    }
  }
  return bindNamedCall(st, name, values.map((v) => bindExpr(lv, v)), names, values.map((v) => locationOf(v)), location);
}

/** The clause name PostgreSQL's "… are not allowed in X" messages use. */
export function kindText(kind: Level['kind']): string {
  switch (kind) {
    case 'where': return 'WHERE';
    case 'join': return 'JOIN conditions';
    case 'having': return 'HAVING';
    case 'group': return 'GROUP BY';
    case 'order': return 'ORDER BY';
    case 'limit': return 'LIMIT';
    case 'offset': return 'OFFSET';
    case 'values': return 'VALUES';
    case 'from': return 'functions in FROM';
    case 'window': return 'window definitions';
    case 'frame': return 'window frames';
    case 'filter': return 'FILTER';
    case 'distinct-on': return 'DISTINCT ON';
    case 'agg-arg': return 'aggregate function calls';
    case 'select': return 'SELECT';
  }
}

function bindAExpr(lv: Level, a: A_Expr): Expr {
  const op = stringList(a.name).filter((n) => n !== 'pg_catalog').join('.');
  return bindAExprMisc(lv, a, op);
}
