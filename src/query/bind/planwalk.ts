/*
 * planwalk.ts — rewriting the outer references of a subquery plan: every ColumnExpr that points
 * `depth` levels out of the plan (levelsUp === depth, depth growing by one inside nested
 * sublinks and on the right side of a LATERAL join) is passed to `f`. Used to make correlated
 * subqueries above an Aggregate read the Aggregate's output (agg.ts).
 */
import type { Expr } from './bound.js';
import { mapChildren } from './exprutil.js';
import type { AggCall, LogicalPlan, SortKey, WindowCall } from '../logical/plan.js';

export type OuterRef = (c: Extract<Expr, { kind: 'column' }>) => Expr;

export function mapOuterExpr(e: Expr, depth: number, f: OuterRef): Expr {
  if (e.kind === 'column') return e.levelsUp === depth ? f(e) : e;
  if (e.kind === 'subquery') {
    const m = mapChildren(e, (c) => mapOuterExpr(c, depth, f)) as typeof e;
    return { ...m, plan: mapOuterPlan(e.plan, depth + 1, f) };
  }
  return mapChildren(e, (c) => mapOuterExpr(c, depth, f));
}

/** Rewrites the outer references of a plan whose own rows are at levelsUp 0 (depth ≥ 1). */
export function mapOuterPlan(p: LogicalPlan, depth: number, f: OuterRef): LogicalPlan {
  const x = (e: Expr): Expr => mapOuterExpr(e, depth, f);
  const k = (s: SortKey): SortKey => ({ ...s, expr: x(s.expr) });
  const sub = (q: LogicalPlan): LogicalPlan => mapOuterPlan(q, depth, f);
  switch (p.kind) {
    case 'scan': case 'worktable': return p;
    case 'cte': return { ...p, plan: sub(p.plan) };
    case 'values': return { ...p, rows: p.rows.map((r) => r.map(x)) };
    case 'function': return { ...p, args: p.args.map(x) };
    case 'filter': return { ...p, input: sub(p.input), predicate: x(p.predicate) };
    case 'project': return { ...p, input: sub(p.input), exprs: p.exprs.map(x) };
    case 'join': return { ...p, left: sub(p.left), right: p.lateral ? mapOuterPlan(p.right, depth + 1, f) : sub(p.right), on: p.on === null ? null : x(p.on) };
    case 'aggregate': {
      const agg = (a: AggCall): AggCall => ({ ...a, args: a.args.map(x), filter: a.filter === null ? null : x(a.filter), orderBy: a.orderBy.map(k), directArgs: a.directArgs.map(x) });
      return { ...p, input: sub(p.input), groupBy: p.groupBy.map(x), aggs: p.aggs.map(agg) };
    }
    case 'window': {
      const w = (c: WindowCall): WindowCall => ({ ...c, args: c.args.map(x), filter: c.filter === null ? null : x(c.filter), partitionBy: c.partitionBy.map(x), orderBy: c.orderBy.map(k) });
      return { ...p, input: sub(p.input), calls: p.calls.map(w) };
    }
    case 'sort': return { ...p, input: sub(p.input), keys: p.keys.map(k) };
    case 'limit': return { ...p, input: sub(p.input), limit: p.limit === null ? null : x(p.limit), offset: p.offset === null ? null : x(p.offset) };
    case 'distinct': return { ...p, input: sub(p.input), on: p.on === null ? null : p.on.map(x) };
    case 'setop': return { ...p, left: sub(p.left), right: sub(p.right) };
    case 'recursiveunion': return { ...p, nonRecursive: sub(p.nonRecursive), recursive: sub(p.recursive) };
  }
}
