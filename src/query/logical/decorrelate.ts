/*
 * decorrelate.ts — subqueries in WHERE turned into joins, so they run once per statement
 * instead of once per outer row (PostgreSQL's pull_up_sublinks; the grouped form of a correlated
 * scalar aggregate is what other systems call magic decorrelation).
 *
 * A conjunct of a Filter (`WHERE a AND <sublink> AND …`) is rewritten when it is one of:
 *
 *   EXISTS (q)               → Semi Join (input, q') ON corr
 *   NOT EXISTS (q)           → Anti Join (input, q') ON corr
 *   (x, …) op ANY (q)        → Semi Join (input, q') ON corr AND x op q'.c0 AND …   (IN is `= ANY`)
 *   x cmp (SELECT f(agg(…)) FROM … WHERE inner = outer …)
 *                            → Project_input(Join (input, Project(Aggregate(q') GROUP BY inner))
 *                                             ON outer = inner AND x cmp f(agg))
 *
 * q' is q with its correlated conjuncts (`corr`, those reading the outer row) pulled out of its
 * Filters and inner-join ONs, through Projects (which then also output the columns the pulled
 * conjuncts read). The rewrite is refused, and the SubPlan kept, when anything else in q reads an
 * outer row, when a correlated conjunct holds a subquery or a volatile function, or when the
 * correlation passes an Aggregate, Limit, set operation, window, outer join's inner side, ….
 *
 * Why each form keeps the result:
 *   - A top-level WHERE conjunct only filters: NULL and false both drop the row, so IN's NULL
 *     outcomes need no care, and EXISTS / IN equal "some row of q' satisfies corr (and the test)".
 *   - NOT EXISTS is true exactly when no row of q matches: the anti join. NOT IN is NOT rewritten:
 *     a NULL on either side makes it NULL (not true), which an anti join does not give; it keeps
 *     its hashed SubPlan (eval.ts) when uncorrelated.
 *   - The scalar form: the aggregate has no GROUP BY (exactly one row per outer row), every
 *     aggregate is NULL over no rows (sum, avg, min, max; not count), the projection is NULL when
 *     its aggregate inputs are (strict calls and casts), the comparison is a strict operator, and
 *     each correlation is `=` on one type with a hash key. Then grouping by the inner expressions
 *     gives each outer row at most one matching group (the same equality as the hash key), and an
 *     outer row without a group would have compared with NULL: dropped either way.
 *
 * A correlation `=` on the first key column of a table q scans keeps the SubPlan (probesKeyPrefix).
 *
 * Left out: NOT IN over provably non-NULL sides, correlated subqueries outside WHERE (select
 * list, ON, HAVING), sublinks under OR or NOT other than NOT EXISTS, LIMIT inside EXISTS.
 */
import type { CallExpr, ColumnExpr, Expr, SubqueryExpr } from '../bind/bound.js';
import type { CallContext } from '../functions/registry.js';
import { DEFAULT_OUTPUT } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';
import { and, childExprs, childPlans, conjuncts, hasSubquery, mapColumns, nodeExprs, shiftColumns } from '../exec/plan-refs.js';
import type { AggregateNode, JoinNode, LogicalPlan, OutColumn, ScanNode } from './plan.js';

/** Turns the filter's input into the filtered result; applied over what the other conjuncts left. */
export type SublinkJoin = (input: LogicalPlan) => LogicalPlan;

/**
 * The join that replaces conjunct `c` of a Filter, or null when `c` is not a sublink this file
 * rewrites (the Filter then keeps it). `volatile` is the rules' test for volatile expressions.
 */
export function sublinkJoin(c: Expr, volatile: (e: Expr) => boolean): SublinkJoin | null {
  if (c.kind === 'subquery' && c.sublink === 'exists') return existsJoin(c, 'semi', volatile);
  if (c.kind === 'not' && c.arg.kind === 'subquery' && c.arg.sublink === 'exists') return existsJoin(c.arg, 'anti', volatile);
  if (c.kind === 'subquery' && c.sublink === 'any') return anyJoin(c, volatile);
  if (c.kind === 'call') return scalarJoin(c, volatile);
  return null;
}

// --- reading outer rows ---------------------------------------------------------------------------

/** Whether `e`, evaluated `depth` levels inside the plan being tested, reads a row outside it. */
function exprReachesOut(e: Expr, depth: number): boolean {
  if (e.kind === 'column') return e.levelsUp > depth;
  if (e.kind === 'subquery' && planReachesOut(e.plan, depth + 1)) return true;
  return childExprs(e).some((x) => exprReachesOut(x, depth));
}

function planReachesOut(p: LogicalPlan, depth: number): boolean {
  if (nodeExprs(p).some((e) => exprReachesOut(e, depth))) return true;
  return childPlans(p).some((c) => planReachesOut(c.plan, c.deeper ? depth + 1 : depth));
}

/** levelsUp values of the column references in `e` (no subqueries inside: callers check). */
function levels(e: Expr, out = new Set<number>()): Set<number> {
  if (e.kind === 'column') out.add(e.levelsUp);
  for (const x of childExprs(e)) levels(x, out);
  return out;
}

// --- pulling correlated conjuncts up ---------------------------------------------------------------

/**
 * A plan without its correlated conjuncts, and those conjuncts over its output row (levelsUp 0)
 * and the outer row (levelsUp 1).
 */
interface Pulled {
  readonly plan: LogicalPlan;
  readonly conds: readonly Expr[];
}

const untouched = (plan: LogicalPlan): Pulled => ({ plan, conds: [] });

function splitCorrelated(pred: Expr | null, volatile: (e: Expr) => boolean): { keep: Expr[]; corr: Expr[] } | null {
  const keep: Expr[] = [];
  const corr: Expr[] = [];
  for (const c of conjuncts(pred)) {
    if (!exprReachesOut(c, 0)) keep.push(c);
    else if (!hasSubquery(c) && !volatile(c) && [...levels(c)].every((l) => l <= 1)) corr.push(c);
    else return null;
  }
  return { keep, corr };
}

function pull(p: LogicalPlan, volatile: (e: Expr) => boolean): Pulled | null {
  switch (p.kind) {
    case 'filter': {
      const r = pull(p.input, volatile);
      const split = splitCorrelated(p.predicate, volatile);
      if (r === null || split === null) return null;
      const pred = and(split.keep);
      const plan: LogicalPlan = pred === null ? r.plan : { kind: 'filter', columns: r.plan.columns, input: r.plan, predicate: pred };
      return { plan, conds: [...r.conds, ...split.corr] };
    }
    case 'join': {
      if (p.lateral || p.join === 'right' || p.join === 'full') return untouched(p);
      const L = p.left.columns.length;
      const l = pull(p.left, volatile);
      // Only an inner join lets a conjunct of its right side (or its ON) filter the joined rows.
      const r = p.join === 'inner' ? pull(p.right, volatile) : untouched(p.right);
      const split = p.join === 'inner' ? splitCorrelated(p.on, volatile) : { keep: conjuncts(p.on), corr: [] };
      if (l === null || r === null || split === null) return null;
      if (l.plan.columns.length !== L || r.plan.columns.length !== p.right.columns.length) return null;
      const plan: JoinNode = { ...p, left: l.plan, right: r.plan, on: and(split.keep) };
      return { plan, conds: [...l.conds, ...r.conds.map((c) => shiftColumns(c, L)), ...split.corr] };
    }
    case 'project': {
      if (p.srfs !== undefined && p.srfs.length > 0) return untouched(p);
      const r = pull(p.input, volatile);
      if (r === null) return null;
      if (r.conds.length === 0) return { plan: { ...p, input: r.plan }, conds: [] };
      // The pulled conjuncts read input columns: the projection outputs them too.
      const exprs = [...p.exprs];
      const columns: OutColumn[] = [...p.columns];
      const at = (col: ColumnExpr): number => {
        const i = exprs.findIndex((e) => e.kind === 'column' && e.levelsUp === 0 && e.index === col.index);
        if (i >= 0) return i;
        const c = r.plan.columns[col.index]!;
        exprs.push({ ...col });
        columns.push({ name: c.name, type: c.type, typmod: c.typmod, tableOid: 0, attnum: 0 });
        return exprs.length - 1;
      };
      const conds = r.conds.map((c) => mapColumns(c, (col) => ({ ...col, index: at(col) })));
      return { plan: { ...p, input: r.plan, exprs, columns }, conds };
    }
    case 'aggregate':
    case 'cte':
    case 'distinct':
    case 'function':
    case 'limit':
    case 'recursiveunion':
    case 'scan':
    case 'setop':
    case 'sort':
    case 'values':
    case 'window':
    case 'worktable':
      return untouched(p);
  }
}

/**
 * Whether a correlated `=` fixes the first key column of a table q scans: q then reads only the
 * matching key range per outer row (a Key Range Scan, like PostgreSQL's parameterized index
 * scan), which beats reading and hashing the whole table when the outer side is small; the
 * SubPlan is kept. Without statistics this is the one case where the SubPlan is known to be cheap.
 */
function probesKeyPrefix(q: LogicalPlan): boolean {
  // Only Project, Filter and the preserved sides of joins keep the scan's rows as they are.
  if (q.kind === 'filter' && q.input.kind === 'scan') return conjuncts(q.predicate).some((c) => fixesKey(c, q.input as ScanNode));
  if (q.kind === 'project' || q.kind === 'filter') return probesKeyPrefix(q.input);
  if (q.kind === 'join') return probesKeyPrefix(q.left) || (q.join === 'inner' && probesKeyPrefix(q.right));
  return false;
}

/** c is `first key column = expression of the outer row alone`. */
function fixesKey(c: Expr, scan: ScanNode): boolean {
  if (c.kind !== 'call' || c.def.name !== '=' || c.args.length !== 2) return false;
  const first = scan.keyColumns[0];
  const [a, b] = c.args as [Expr, Expr];
  const keyCol = (x: Expr): boolean => x.kind === 'column' && x.levelsUp === 0 && x.index === first;
  const outerOnly = (x: Expr): boolean => !hasSubquery(x) && [...levels(x)].every((l) => l === 1) && levels(x).size === 1;
  return (keyCol(a) && outerOnly(b)) || (keyCol(b) && outerOnly(a));
}

/** q without its correlated conjuncts, or null when some other part of q still reads the outer row. */
function pullAll(q: LogicalPlan, volatile: (e: Expr) => boolean): Pulled | null {
  if (probesKeyPrefix(q)) return null;
  const r = pull(q, volatile);
  if (r === null || r.conds.length === 0 || planReachesOut(r.plan, 0)) return null;
  return r;
}

/** A pulled conjunct as part of the join's ON: the outer row is the left side, q' the right. */
function toOn(c: Expr, L: number): Expr {
  return mapColumns(c, (col) => (col.levelsUp === 0 ? { ...col, index: col.index + L } : { ...col, levelsUp: col.levelsUp - 1 }), true);
}

const column = (index: number, c: OutColumn): ColumnExpr => ({ kind: 'column', index, levelsUp: 0, type: c.type, typmod: c.typmod, name: c.name });

function join(kind: 'semi' | 'anti' | 'inner', left: LogicalPlan, right: LogicalPlan, on: readonly Expr[]): JoinNode {
  return { kind: 'join', join: kind, left, right, on: and(on), lateral: false, columns: kind === 'inner' ? [...left.columns, ...right.columns] : left.columns };
}

// --- EXISTS / IN ---------------------------------------------------------------------------------------

function existsJoin(s: SubqueryExpr, kind: 'semi' | 'anti', volatile: (e: Expr) => boolean): SublinkJoin | null {
  if (!s.correlated) return null;
  // EXISTS ignores the select list.
  let q = s.plan;
  while (q.kind === 'project' && (q.srfs === undefined || q.srfs.length === 0)) q = q.input;
  const r = pullAll(q, volatile);
  if (r === null) return null;
  return (input) => {
    const L = input.columns.length;
    return join(kind, input, r.plan, r.conds.map((c) => toOn(c, L)));
  };
}

function anyJoin(s: SubqueryExpr, volatile: (e: Expr) => boolean): SublinkJoin | null {
  const tests = s.test ?? [];
  const ops = s.ops ?? [];
  if (tests.length === 0 || tests.some((t) => hasSubquery(t) || volatile(t))) return null;
  let r: Pulled | null;
  if (s.correlated) r = pullAll(s.plan, volatile);
  else r = planReachesOut(s.plan, 0) ? null : untouched(s.plan);
  if (r === null) return null;
  const q = r.plan;
  return (input) => {
    const L = input.columns.length;
    const on: Expr[] = tests.map(
      (t, i): CallExpr => ({ kind: 'call', def: ops[i]!, args: [t, column(L + i, q.columns[i]!)], argTypes: s.opArgTypes![i]!, type: 16, typmod: -1 }),
    );
    return join('semi', input, q, [...on, ...r.conds.map((c) => toOn(c, L))]);
  };
}

// --- correlated scalar aggregates ------------------------------------------------------------------------

const stripCasts = (e: Expr): Expr => (e.kind === 'cast' ? stripCasts(e.arg) : e);

/** Whether `e` is NULL whenever the columns it reads are: strict calls and casts down to a column. */
function nullWhenInputsNull(e: Expr): boolean {
  if (e.kind === 'column') return e.levelsUp === 0;
  if (e.kind === 'cast') return nullWhenInputsNull(e.arg);
  if (e.kind === 'call') return e.def.strict && e.args.some(nullWhenInputsNull) && e.args.every((a) => a.kind === 'const' || nullWhenInputsNull(a));
  return false;
}

const FOLD_CX: CallContext = {
  settings: { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n },
  argTypes: [],
  resultType: 0,
  checkInterrupts: () => undefined,
};

/** Whether every aggregate of `a` gives NULL over no rows (sum, avg, min, max; count gives 0). */
function nullOverNoRows(a: AggregateNode): boolean {
  return a.aggs.every((c) => {
    if (c.directArgs.length > 0) return false;
    try {
      const cx = { ...FOLD_CX, argTypes: c.argTypes, resultType: c.resultType };
      return c.def.final(c.def.init(cx), cx) === null;
    } catch {
      return false;
    }
  });
}

/** `inner = outer` with one type that hashes: the key a group is found by. */
function correlationKey(c: Expr): { inner: Expr; outer: Expr; eq: CallExpr } | null {
  if (c.kind !== 'call' || c.def.kind !== 'op' || c.def.name !== '=' || c.args.length !== 2) return null;
  if (c.argTypes[0] !== c.argTypes[1] || typeInfo(c.argTypes[0]!).hashKey === undefined) return null;
  const [a, b] = c.args as [Expr, Expr];
  const la = levels(a);
  const lb = levels(b);
  const only = (s: Set<number>, l: number): boolean => s.size === 1 && s.has(l);
  if (only(la, 0) && only(lb, 1)) return { inner: a, outer: b, eq: c };
  if (only(la, 1) && only(lb, 0)) return { inner: b, outer: a, eq: c };
  return null;
}

function scalarJoin(c: CallExpr, volatile: (e: Expr) => boolean): SublinkJoin | null {
  if (!c.def.strict || c.type !== 16 || c.def.volatility === 'v') return null;
  const at = c.args.findIndex((a) => stripCasts(a).kind === 'subquery');
  if (at < 0 || c.args.some((a, i) => i !== at && (hasSubquery(a) || volatile(a)))) return null;
  const s = stripCasts(c.args[at]!) as SubqueryExpr;
  if (s.sublink !== 'scalar' || !s.correlated) return null;
  let top = s.plan;
  let exprs: readonly Expr[] | null = null;
  if (top.kind === 'project' && (top.srfs === undefined || top.srfs.length === 0)) {
    exprs = top.exprs;
    top = top.input;
  }
  if (top.kind !== 'aggregate' || top.groupBy.length > 0 || top.groupingSets !== null || !nullOverNoRows(top)) return null;
  const agg = top;
  const value = exprs === null ? column(0, agg.columns[0]!) : exprs[0]!;
  if (exprs !== null && exprs.some((e) => exprReachesOut(e, 0) || volatile(e))) return null;
  if (nodeExprs(agg).some((e) => exprReachesOut(e, 0)) || !nullWhenInputsNull(value)) return null;
  const r = pullAll(agg.input, volatile);
  if (r === null) return null;
  const keys = r.conds.map(correlationKey);
  if (keys.some((k) => k === null)) return null;
  const ks = keys as { inner: Expr; outer: Expr; eq: CallExpr }[];
  const k = ks.length;
  const grouped: AggregateNode = {
    ...agg,
    input: r.plan,
    groupBy: ks.map((x) => x.inner),
    columns: [...ks.map((x, j) => ({ name: `key${j}`, type: x.inner.type, typmod: x.inner.typmod, tableOid: 0, attnum: 0 })), ...agg.columns],
  };
  // Project: the subquery's value, then the group keys.
  const right: LogicalPlan = {
    kind: 'project',
    input: grouped,
    exprs: [shiftColumns(value, k), ...ks.map((_x, j) => column(j, grouped.columns[j]!))],
    columns: [s.plan.columns[0]!, ...grouped.columns.slice(0, k)],
  };
  return (input) => {
    const L = input.columns.length;
    const replaced = (e: Expr): Expr => (e.kind === 'cast' ? { ...e, arg: replaced(e.arg) } : column(L, right.columns[0]!));
    const on: Expr[] = [
      ...ks.map((x, j): CallExpr => ({ ...x.eq, args: [toOn(x.outer, L), column(L + 1 + j, right.columns[1 + j]!)] })),
      { ...c, args: c.args.map((a, i) => (i === at ? replaced(a) : a)) },
    ];
    const joined = join('inner', input, right, on);
    return { kind: 'project', input: joined, exprs: input.columns.map((col, i) => column(i, col)), columns: input.columns };
  };
}
