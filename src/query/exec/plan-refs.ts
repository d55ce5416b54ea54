/*
 * plan-refs.ts — what the physical planner needs to know about expressions and plans: which
 * input columns they read (column pruning, join-key sides), whether they contain subqueries, and
 * the conjuncts of an AND.
 *
 * Column references of correlated subqueries count for the node evaluating them: inside a
 * SubqueryExpr's plan, a ColumnExpr with levelsUp = depth reads the evaluating node's input row.
 * The inner side of a LATERAL join is one level deeper than its outer side.
 */
import type { Expr } from '../bind/bound.js';
import type { LogicalPlan } from '../logical/plan.js';

export function conjuncts(e: Expr | null): Expr[] {
  if (e === null) return [];
  if (e.kind === 'and') return e.args.flatMap((a) => conjuncts(a));
  return [e];
}

/** Direct sub-expressions of an expression (subquery plans excluded). */
export function childExprs(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
    case 'grouping':
      return [];
    case 'call':
    case 'and':
    case 'or':
    case 'coalesce':
    case 'greatest':
    case 'least':
      return e.args;
    case 'row':
      return e.args;
    case 'cast':
    case 'not':
    case 'nulltest':
    case 'booltest':
    case 'field':
      return [e.arg];
    case 'case':
      return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else === null ? [] : [e.else])];
    case 'nullif':
    case 'distinct':
      return e.args;
    case 'scalararrayop':
      return [e.left, e.right];
    case 'array':
      return e.items;
    case 'subscript':
      return [e.arg, ...e.lower.filter((x): x is Expr => x !== null), ...(e.upper ?? []).filter((x): x is Expr => x !== null)];
    case 'subquery':
      return e.test ?? [];
  }
}

/** Adds the input positions `e` reads at `depth` (0 = its own row) to `out`. */
export function exprRefs(e: Expr, out: Set<number>, depth = 0): void {
  if (e.kind === 'column') {
    if (e.levelsUp === depth) out.add(e.index);
    return;
  }
  if (e.kind === 'grouping' && depth === 0) out.add(e.index);
  if (e.kind === 'subquery') planRefs(e.plan, out, depth + 1);
  for (const c of childExprs(e)) exprRefs(c, out, depth);
}

/** Every expression a plan node holds directly, with the depth offset of each child plan. */
export function nodeExprs(p: LogicalPlan): Expr[] {
  switch (p.kind) {
    case 'scan':
    case 'worktable':
    case 'cte':
      return [];
    case 'values':
      return p.rows.flat();
    case 'function':
      return [...p.args];
    case 'filter':
      return [p.predicate];
    case 'project':
      return [...p.exprs];
    case 'join':
      return p.on === null ? [] : [p.on];
    case 'aggregate':
      return [...p.groupBy, ...p.aggs.flatMap((a) => [...a.args, ...(a.filter === null ? [] : [a.filter]), ...a.orderBy.map((k) => k.expr), ...a.directArgs])];
    case 'window':
      return p.calls.flatMap((c) => [
        ...c.args,
        ...(c.filter === null ? [] : [c.filter]),
        ...c.partitionBy,
        ...c.orderBy.map((k) => k.expr),
        ...[c.frame.start, c.frame.end].flatMap((b) => ('offset' in b ? [b.offset] : [])),
      ]);
    case 'sort':
      return p.keys.map((k) => k.expr);
    case 'limit':
      return [...(p.limit === null ? [] : [p.limit]), ...(p.offset === null ? [] : [p.offset])];
    case 'distinct':
      return p.on === null ? [] : [...p.on];
    case 'setop':
    case 'recursiveunion':
      return [];
  }
}

export function childPlans(p: LogicalPlan): { plan: LogicalPlan; deeper: boolean }[] {
  switch (p.kind) {
    case 'filter':
    case 'project':
    case 'aggregate':
    case 'window':
    case 'sort':
    case 'limit':
    case 'distinct':
      return [{ plan: p.input, deeper: false }];
    case 'join':
      return [
        { plan: p.left, deeper: false },
        { plan: p.right, deeper: p.lateral },
      ];
    case 'setop':
      return [
        { plan: p.left, deeper: false },
        { plan: p.right, deeper: false },
      ];
    case 'cte':
      return [{ plan: p.plan, deeper: false }];
    case 'recursiveunion':
      return [
        { plan: p.nonRecursive, deeper: false },
        { plan: p.recursive, deeper: false },
      ];
    case 'scan':
    case 'values':
    case 'function':
    case 'worktable':
      return [];
  }
}

/** Positions of the row at `depth` levels out that anything inside `p` reads. */
export function planRefs(p: LogicalPlan, out: Set<number>, depth: number): void {
  for (const e of nodeExprs(p)) exprRefs(e, out, depth);
  for (const c of childPlans(p)) planRefs(c.plan, out, c.deeper ? depth + 1 : depth);
}

export function hasSubquery(e: Expr): boolean {
  if (e.kind === 'subquery') return true;
  return childExprs(e).some(hasSubquery);
}

/** True when the expression reads only positions in [lo, hi) of its own row (and at least one). */
export function readsOnly(e: Expr, lo: number, hi: number): boolean {
  const s = new Set<number>();
  exprRefs(e, s);
  if (s.size === 0) return false;
  for (const i of s) if (i < lo || i >= hi) return false;
  return true;
}

/** Shifts every own-row column reference by `delta` (subquery plans are left alone: callers exclude them). */
export function shiftColumns(e: Expr, delta: number): Expr {
  return mapColumns(e, (c) => ({ ...c, index: c.index + delta }));
}

/** Rewrites own-row column references (levelsUp 0; every level with `allLevels`); subqueries are not entered. */
export function mapColumns(e: Expr, f: (c: Expr & { kind: 'column' }) => Expr, allLevels = false): Expr {
  switch (e.kind) {
    case 'column':
      return e.levelsUp === 0 || allLevels ? f(e) : e;
    case 'const':
    case 'param':
    case 'grouping':
    case 'subquery':
      return e;
    case 'call':
      return { ...e, args: e.args.map((a) => mapColumns(a, f, allLevels)) };
    case 'and':
    case 'or':
    case 'coalesce':
    case 'greatest':
    case 'least':
      return { ...e, args: e.args.map((a) => mapColumns(a, f, allLevels)) };
    case 'row':
      return { ...e, args: e.args.map((a) => mapColumns(a, f, allLevels)) };
    case 'cast':
    case 'not':
    case 'nulltest':
    case 'booltest':
    case 'field':
      return { ...e, arg: mapColumns(e.arg, f, allLevels) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ when: mapColumns(w.when, f, allLevels), then: mapColumns(w.then, f, allLevels) })), else: e.else === null ? null : mapColumns(e.else, f, allLevels) };
    case 'nullif':
      return { ...e, args: [mapColumns(e.args[0], f, allLevels), mapColumns(e.args[1], f, allLevels)] };
    case 'distinct':
      return { ...e, args: [mapColumns(e.args[0], f, allLevels), mapColumns(e.args[1], f, allLevels)] };
    case 'scalararrayop':
      return { ...e, left: mapColumns(e.left, f, allLevels), right: mapColumns(e.right, f, allLevels) };
    case 'array':
      return { ...e, items: e.items.map((a) => mapColumns(a, f, allLevels)) };
    case 'subscript':
      return { ...e, arg: mapColumns(e.arg, f, allLevels), lower: e.lower.map((x) => (x === null ? null : mapColumns(x, f, allLevels))), upper: e.upper === null ? null : e.upper.map((x) => (x === null ? null : mapColumns(x, f, allLevels))) };
  }
}

export function and(parts: readonly Expr[]): Expr | null {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  return { kind: 'and', type: 16, typmod: -1, args: parts };
}
