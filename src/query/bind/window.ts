/*
 * window.ts — window function calls (parse_func.c / parse_clause.c transformWindowDefinitions):
 * OVER (…) and OVER name, named WINDOW clauses with inheritance (`OVER (w ORDER BY …)`), frames
 * (ROWS / RANGE / GROUPS, offsets, EXCLUDE), aggregates used as window functions. The call is
 * collected on its level (Level.windows) and replaced by a placeholder column of the Window node.
 */
import type { FuncCall, WindowDef as PWindowDef, SortBy } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import { aggsNamed, resultType, windowsNamed } from '../functions/registry.js';
import type { FrameBound, SortKey, WindowCall, WindowFrame } from '../logical/plan.js';
import { locationOf } from '../parse.js';
import { bindSortKeys } from './aggcall.js';
import type { Expr } from './bound.js';
import { coerceArgs } from './call.js';
import { coerceTo, coerceToBoolean } from './coerce.js';
import { typeCategory, typeSqlName } from './exprutil.js';
import { bindExpr, kindText } from './expr.js';
import { selectOverload } from './resolve.js';
import { err, placeholder, type Level } from './state.js';

const F = {
  RANGE: 0x2, ROWS: 0x4, GROUPS: 0x8,
  START_UNBOUNDED_PRECEDING: 0x20, START_UNBOUNDED_FOLLOWING: 0x80, START_CURRENT_ROW: 0x200,
  START_OFFSET_PRECEDING: 0x800, START_OFFSET_FOLLOWING: 0x2000,
  END_UNBOUNDED_PRECEDING: 0x40, END_UNBOUNDED_FOLLOWING: 0x100, END_CURRENT_ROW: 0x400,
  END_OFFSET_PRECEDING: 0x1000, END_OFFSET_FOLLOWING: 0x4000,
  EXCLUDE_CURRENT_ROW: 0x8000, EXCLUDE_GROUP: 0x10000, EXCLUDE_TIES: 0x20000,
  NONDEFAULT: 0x1,
} as const;

/** The effective definition after following `OVER w` / `OVER (w …)` references. */
function effective(lv: Level, w: PWindowDef, location: number): PWindowDef {
  const ref = w.refname ?? (w.partitionClause === undefined && w.orderClause === undefined && ((w.frameOptions ?? 0) & F.NONDEFAULT) === 0 ? w.name : undefined);
  if (ref === undefined) return w;
  const base = lv.windowDefs.get(ref);
  if (base === undefined) throw err(lv.stmt, SQLSTATE.undefined_object, `window "${ref}" does not exist`, location);
  if (w.refname === undefined) return base;
  if (w.partitionClause !== undefined) throw err(lv.stmt, SQLSTATE.windowing_error, `cannot override PARTITION BY clause of window "${ref}"`, location);
  if (w.orderClause !== undefined && base.orderClause !== undefined) throw err(lv.stmt, SQLSTATE.windowing_error, `cannot override ORDER BY clause of window "${ref}"`, location);
  if (((base.frameOptions ?? 0) & F.NONDEFAULT) !== 0) throw err(lv.stmt, SQLSTATE.windowing_error, `cannot copy window "${ref}" because it has a frame clause`, location);
  return { ...w, partitionClause: base.partitionClause, orderClause: w.orderClause ?? base.orderClause };
}

function frameOf(lv: Level, w: PWindowDef, order: readonly SortKey[], location: number): WindowFrame {
  const o = w.frameOptions ?? 0x422;
  const mode = (o & F.ROWS) !== 0 ? 'rows' : (o & F.GROUPS) !== 0 ? 'groups' : 'range';
  if (mode === 'groups' && order.length === 0) throw err(lv.stmt, SQLSTATE.windowing_error, 'GROUPS mode requires an ORDER BY clause', location);
  const offset = (n: typeof w.startOffset): Expr => {
    const prev = lv.kind;
    lv.kind = 'frame';
    try {
      const e = bindExpr(lv, n!);
      if (mode !== 'range') return coerceTo(lv.stmt, e, Oid.int8, -1, 'i', locationOf(n), false);
      if (order.length !== 1) throw err(lv.stmt, SQLSTATE.windowing_error, 'RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column', location);
      const ot = order[0]!.expr.type;
      // in_range: integer orderings take an integer offset of any width (int8 holds them all).
      const target = typeCategory(ot) === 'D' ? Oid.interval : ot === Oid.int2 || ot === Oid.int4 || ot === Oid.int8 ? Oid.int8 : ot;
      return coerceTo(lv.stmt, e, target, -1, 'i', locationOf(n), false);
    } finally {
      lv.kind = prev;
    }
  };
  const bound = (start: boolean): FrameBound => {
    const up = start ? F.START_UNBOUNDED_PRECEDING : F.END_UNBOUNDED_PRECEDING;
    const uf = start ? F.START_UNBOUNDED_FOLLOWING : F.END_UNBOUNDED_FOLLOWING;
    const cr = start ? F.START_CURRENT_ROW : F.END_CURRENT_ROW;
    const op = start ? F.START_OFFSET_PRECEDING : F.END_OFFSET_PRECEDING;
    const of = start ? F.START_OFFSET_FOLLOWING : F.END_OFFSET_FOLLOWING;
    if ((o & up) !== 0) return { kind: 'unbounded preceding' };
    if ((o & uf) !== 0) return { kind: 'unbounded following' };
    if ((o & cr) !== 0) return { kind: 'current row' };
    if ((o & op) !== 0) return { kind: 'preceding', offset: offset(start ? w.startOffset : w.endOffset) };
    if ((o & of) !== 0) return { kind: 'following', offset: offset(start ? w.startOffset : w.endOffset) };
    return start ? { kind: 'unbounded preceding' } : { kind: 'current row' };
  };
  const exclude = (o & F.EXCLUDE_CURRENT_ROW) !== 0 ? 'current row' : (o & F.EXCLUDE_GROUP) !== 0 ? 'group' : (o & F.EXCLUDE_TIES) !== 0 ? 'ties' : 'none';
  return { mode, start: bound(true), end: bound(false), exclude };
}

export function bindWindowCall(lv: Level, fc: FuncCall, name: string): Expr {
  const st = lv.stmt;
  const location = fc.location ?? -1;
  if (lv.kind === 'agg-arg') throw err(st, SQLSTATE.grouping_error, 'aggregate function calls cannot contain window function calls', location);
  if (lv.kind === 'window') throw err(st, SQLSTATE.windowing_error, 'window function calls cannot be nested', location);
  if (lv.kind !== 'select' && lv.kind !== 'order') throw err(st, SQLSTATE.windowing_error, `window functions are not allowed in ${kindText(lv.kind)}`, location);
  if (fc.agg_distinct === true) throw err(st, SQLSTATE.feature_not_supported, 'DISTINCT is not implemented for window functions', location);
  if (fc.agg_order !== undefined) throw err(st, SQLSTATE.feature_not_supported, 'aggregate ORDER BY is not implemented for window functions', location);
  if (fc.agg_within_group === true) throw err(st, SQLSTATE.wrong_object_type, 'OVER is not supported for ordered-set aggregate ' + name, location);
  const w = effective(lv, fc.over!, fc.over?.location ?? location);
  const prev = lv.kind;
  lv.kind = 'window';
  let args: Expr[];
  let filter: Expr | null = null;
  try {
    args = (fc.agg_star === true ? [] : fc.args ?? []).map((a) => bindExpr(lv, a));
    if (fc.agg_filter !== undefined) {
      lv.kind = 'filter';
      filter = coerceToBoolean(st, bindExpr(lv, fc.agg_filter), 'FILTER', locationOf(fc.agg_filter));
      lv.kind = 'window';
    }
    lv.kind = 'window';
    const partitionBy = (w.partitionClause ?? []).map((n) => bindExpr(lv, n)).map((e) => (e.type === Oid.unknown ? coerceTo(st, e, Oid.text, -1, 'i', -1) : e));
    const orderBy = bindSortKeys(lv, w.orderClause as { SortBy: SortBy }[] | undefined);
    const frame = frameOf(lv, w, orderBy, location);
    const locs = (fc.args ?? []).map((a) => locationOf(a));
    const types = args.map((a) => a.type);
    let call: WindowCall;
    const wdefs = windowsNamed(name);
    if (wdefs.length > 0) {
      if (filter !== null) throw err(st, SQLSTATE.wrong_object_type, 'FILTER is not implemented for non-aggregate window functions', location);
      const r = selectOverload(st, wdefs, types, false);
      if (r === 'none' || r === 'ambiguous') throw err(st, SQLSTATE.undefined_function, `function ${name}(${types.map(typeSqlName).join(', ')}) does not exist`, location, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
      const c = coerceArgs(st, r, args, locs);
      call = { fn: { kind: 'window', def: r.def }, args: c.args, argTypes: c.argTypes, resultType: resultType(r.def, c.argTypes), filter, partitionBy, orderBy, frame };
    } else {
      const adefs = aggsNamed(name).filter((d) => d.orderedSet === undefined);
      if (adefs.length === 0) throw err(st, SQLSTATE.undefined_function, `function ${name}(${types.map(typeSqlName).join(', ')}) does not exist`, location, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
      const r = selectOverload(st, adefs, types, false);
      if (r === 'none' || r === 'ambiguous') throw err(st, SQLSTATE.undefined_function, `function ${name}(${types.map(typeSqlName).join(', ')}) does not exist`, location, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
      const c = coerceArgs(st, r, args, locs);
      call = { fn: { kind: 'agg', def: r.def }, args: c.args, argTypes: c.argTypes, resultType: resultType(r.def, c.argTypes), filter, partitionBy, orderBy, frame };
    }
    lv.windows.push(call);
    return placeholder(lv, call.resultType, { kind: 'window', k: lv.windows.length - 1 }, name);
  } finally {
    lv.kind = prev;
  }
}

export function windowNotSupported(what: string): Error {
  return notSupported(what);
}
