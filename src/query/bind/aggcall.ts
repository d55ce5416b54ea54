/*
 * aggcall.ts — an aggregate call in an expression (parse_agg.c transformAggregateCall): where it
 * may stand, its arguments, DISTINCT / ORDER BY / FILTER / WITHIN GROUP, overload choice among
 * the registry's AggDefs. The call is collected on its level (Level.aggs) and replaced by a
 * placeholder that agg.ts turns into a column of the Aggregate node. GROUPING() likewise.
 *
 * Left out: aggregates whose arguments reference only an outer level (PostgreSQL evaluates them
 * at that level; here they belong to the level they are written in: XXX).
 */
import type { FuncCall, GroupingFunc, SortBy } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { aggsNamed, resultType, type AggDef } from '../functions/registry.js';
import type { AggCall, SortKey } from '../logical/plan.js';
import { locationOf } from '../parse.js';
import type { Expr } from './bound.js';
import { coerceArgs } from './call.js';
import { coerceToBoolean } from './coerce.js';
import { exprEqual, typeSqlName } from './exprutil.js';
import { bindExpr, kindText } from './expr.js';
import { selectOverload, type Signature } from './resolve.js';
import { markStatic } from './slots.js';
import { err, placeholder, type ExprKind, type Level } from './state.js';

const AGG_FORBIDDEN = new Set<ExprKind>(['where', 'join', 'group', 'limit', 'offset', 'values', 'from', 'frame', 'filter']);

/** Binds SortBy items (aggregate ORDER BY, window ORDER BY) as sort keys over the current scope. */
export function bindSortKeys(lv: Level, items: readonly { SortBy: SortBy }[] | undefined, bind: (n: NonNullable<SortBy['node']>) => Expr = (n) => bindExpr(lv, n)): SortKey[] {
  return (items ?? []).map(({ SortBy: s }) => {
    if (s.useOp !== undefined) throw err(lv.stmt, SQLSTATE.feature_not_supported, 'ORDER BY … USING is not supported', s.location);
    const desc = s.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
    let expr = bind(s.node!);
    if (expr.type === Oid.unknown) expr = { ...expr, type: Oid.text };
    return { expr, desc, nullsFirst };
  });
}

interface AggSig extends Signature {
  readonly def: AggDef;
}

export function bindAggCall(lv: Level, fc: FuncCall, name: string): Expr {
  const st = lv.stmt;
  const location = fc.location ?? -1;
  if (lv.kind === 'agg-arg') throw err(st, SQLSTATE.grouping_error, 'aggregate function calls cannot be nested', location);
  if (AGG_FORBIDDEN.has(lv.kind)) throw err(st, SQLSTATE.grouping_error, `aggregate functions are not allowed in ${kindText(lv.kind)}`, location);
  const prev = lv.kind;
  lv.kind = 'agg-arg';
  try {
    const within = fc.agg_within_group === true;
    const rawArgs = fc.agg_star === true ? [] : fc.args ?? [];
    const args = rawArgs.map((a) => bindExpr(lv, a));
    const orderBy = bindSortKeys(lv, fc.agg_order as { SortBy: SortBy }[] | undefined);
    let filter: Expr | null = null;
    if (fc.agg_filter !== undefined) {
      lv.kind = 'filter';
      filter = coerceToBoolean(st, bindExpr(lv, fc.agg_filter), 'FILTER', locationOf(fc.agg_filter));
      lv.kind = 'agg-arg';
    }
    const defs = aggsNamed(name);
    const input = within ? [...args, ...orderBy.map((k) => k.expr)] : args;
    const sigs: AggSig[] = defs
      .filter((d) => (d.orderedSet !== undefined) === within)
      .map((d) => ({ def: d, args: d.orderedSet !== undefined ? [...d.orderedSet.directArgs, ...d.args] : d.args }));
    if (sigs.length === 0 && defs.length > 0) {
      if (within) throw err(st, SQLSTATE.wrong_object_type, `${name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP`, location);
      throw err(st, SQLSTATE.wrong_object_type, `WITHIN GROUP is required for ordered-set aggregate ${name}`, location);
    }
    const r = selectOverload(st, sigs, input.map((e) => e.type), false);
    const shown = fc.agg_star === true ? '*' : input.map((e) => typeSqlName(e.type)).join(', ');
    if (r === 'none') throw err(st, SQLSTATE.undefined_function, `function ${name}(${shown}) does not exist`, location, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
    if (r === 'ambiguous') throw err(st, SQLSTATE.ambiguous_function, `function ${name}(${shown}) is not unique`, location, { hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
    const c = coerceArgs(st, { def: r.def, argTypes: r.argTypes, packed: 0 }, input, [...rawArgs.map((a) => locationOf(a)), ...orderBy.map(() => -1)]);
    const def = r.def.def;
    let call: AggCall;
    if (within) {
      const nd = def.orderedSet!.directArgs.length;
      call = {
        def, args: c.args.slice(nd), argTypes: c.argTypes.slice(nd), resultType: resultType(def, c.argTypes.slice(nd)),
        distinct: false, filter, orderBy: orderBy.map((k, i) => ({ ...k, expr: c.args[nd + i]! })), directArgs: c.args.slice(0, nd),
      };
    } else {
      if (fc.agg_distinct === true) {
        for (const k of orderBy) markStatic(st, k.expr);
        for (const k of orderBy) {
          if (!c.args.some((a) => exprEqual(a, k.expr)) && !args.some((a) => exprEqual(a, k.expr))) {
            throw err(st, SQLSTATE.invalid_column_reference, 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list', location);
          }
        }
      }
      call = { def, args: c.args, argTypes: c.argTypes, resultType: resultType(def, c.argTypes), distinct: fc.agg_distinct === true, filter, orderBy, directArgs: [] };
    }
    lv.aggs.push(call);
    return placeholder(lv, call.resultType, { kind: 'agg', k: lv.aggs.length - 1 }, name);
  } finally {
    lv.kind = prev;
  }
}

export function bindGroupingFunc(lv: Level, g: GroupingFunc): Expr {
  const location = g.location ?? -1;
  if (AGG_FORBIDDEN.has(lv.kind) || lv.kind === 'agg-arg') throw err(lv.stmt, SQLSTATE.grouping_error, `grouping operations are not allowed in ${kindText(lv.kind)}`, location);
  const prev = lv.kind;
  lv.kind = 'agg-arg';
  try {
    const args = (g.args ?? []).map((a) => bindExpr(lv, a));
    if (args.length > 31) throw err(lv.stmt, SQLSTATE.too_many_arguments, 'GROUPING must have fewer than 32 arguments', location);
    return placeholder(lv, Oid.int4, { kind: 'grouping', args, location }, 'grouping');
  } finally {
    lv.kind = prev;
  }
}
