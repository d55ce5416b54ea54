/*
 * const-check.ts — the errors PostgreSQL's planner raises while it folds constants
 * (eval_const_expressions in optimizer/util/clauses.c), raised here before a statement runs.
 *
 * PostgreSQL computes an immutable function, operator or cast whose inputs are all constants once,
 * while planning, by running the executor on it: its error (22003, 22012, 22P02…) therefore
 * surfaces even when no row is ever read (`SELECT 100.00::numeric(4,2) FROM t WHERE false`). This
 * module walks a logical plan as the planner walks a query and evaluates, with the executor's own
 * closures (eval.ts), exactly the sub-expressions folding reaches:
 *   - calls with `volatility = 'i'` that return no set, over constants; a strict call with a
 *     constant NULL argument is NULL without being called, whatever its volatility;
 *   - casts, except those through the date/time types (their I/O functions are stable); a NULL
 *     input is NULL;
 *   - NULLIF, IS [NOT] DISTINCT FROM, `op ANY/ALL (array)`, ARRAY[…], ROW(…), subscripts, field
 *     selection, GREATEST/LEAST, NOT, IS [NOT] NULL, IS [NOT] TRUE/FALSE/UNKNOWN over constants;
 *   - AND / OR left to right, flattened: a constant FALSE (TRUE) stops the walk, later arguments
 *     are not simplified (`false AND 1/0 = 1` does not fail, `1/0 = 1 AND false` does);
 *   - CASE: a WHEN whose test folds to FALSE/NULL is dropped with its THEN unvisited; after a test
 *     folding to TRUE nothing further (ELSE included) is visited; a THEN after a non-constant test
 *     is simplified (`CASE WHEN x > 0 THEN 1/0 END` fails at plan time in PostgreSQL too);
 *   - COALESCE: NULL constants are dropped, arguments after the first non-NULL constant unvisited.
 * Parameters are constants when their values are given: PostgreSQL's custom plans, which the
 * extended protocol gets for the first executions of a statement (and always for the unnamed one).
 *
 * What the planner never evaluates is left alone: the target list of an EXISTS subquery, output
 * columns of a subquery in FROM (or of a CTE referenced once) that nothing above reads
 * (remove_unused_subquery_outputs, pull-up), except under DISTINCT or a set operation, and
 * set-returning or volatile expressions, which are kept.
 *
 * The walk is top-down (what a node reads depends on what is read above it), which is PostgreSQL's
 * order for the target list before WHERE; HAVING and LIMIT / OFFSET come after their input, as in
 * preprocess_expression.
 *
 * Left out (XXX): PostgreSQL's generic plans (a named statement after five executions, or
 * plan_cache_mode = force_generic_plan) do not fold parameters; here they always fold. Between two
 * different folding errors of one statement the order may still differ from PostgreSQL's in other
 * places (ORDER BY expressions, which it folds after the select list, come first here).
 */
import { SqlError } from '../../errors.js';
import type { Expr } from '../bind/bound.js';
import { mapChildren } from '../bind/exprutil.js';
import type { LogicalPlan } from '../logical/plan.js';
import type { Datum } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';
import { exprRefs } from './plan-refs.js';

/** Evaluates an expression whose inputs are all constants (the executor's closure, no row). */
export type ConstEval = (e: Expr) => Datum;

type Need = Set<number> | null;

interface Walk {
  readonly eval: ConstEval;
  /** Values of $1…$n, or null when parameters are not constants (a generic plan). */
  readonly params: readonly Datum[] | null;
  /** References of each CTE id in the statement, and the ids whose plan was checked whole. */
  readonly cteRefs: Map<number, number>;
  readonly cteDone: Set<number>;
}

/**
 * Throws the error PostgreSQL's planner would raise folding the constants of `plan`; returns
 * quietly when folding succeeds. `params` as in Walk.
 */
export function checkConstants(plan: LogicalPlan, evaluate: ConstEval, params: readonly Datum[] | null): void {
  const w: Walk = { eval: evaluate, params, cteRefs: cteRefCounts(plan), cteDone: new Set() };
  checkPlan(plan, null, w);
}

/** Whether a parameter's value could change what folding evaluates (then checkConstants runs per execution). */
export function paramsMayFold(plan: LogicalPlan): boolean {
  let found = false;
  const visit = (e: Expr): void => {
    if (found) return;
    if (e.kind === 'param') found = true;
    else if (e.kind === 'subquery') visitPlan(e.plan);
    mapChildren(e, (c) => {
      visit(c);
      return c;
    });
  };
  const visitPlan = (p: LogicalPlan): void => {
    forEachPlanExpr(p, visit);
  };
  visitPlan(plan);
  return found;
}

// --- expressions ---------------------------------------------------------------------------------

const isConst = (e: Expr): e is Expr & { kind: 'const' } => e.kind === 'const';
const constant = (e: Expr, value: Datum): Expr => ({ kind: 'const', type: e.type, typmod: e.typmod, value });
const BOOL = 16;
const UNKNOWN = 705;
const bool = (value: boolean | null): Expr => ({ kind: 'const', type: BOOL, typmod: -1, value });

/** Casts through date/time types use stable I/O functions (DateStyle, TimeZone): never folded. */
function timeish(oid: number): boolean {
  const t = typeInfo(oid);
  if (t.category === 'D' || t.category === 'T') return true;
  return t.category === 'A' && t.elem !== 0 && timeish(t.elem);
}

/**
 * Evaluates e (its children constants) as PostgreSQL's evaluate_expr. Only data exceptions (class
 * 22: overflow, division by zero, bad input…) are raised: any other failure (a function that needs
 * the session or the catalog, which folding does not have here; one not built yet) leaves e
 * unfolded for the executor, so this check never adds an error PostgreSQL would not give.
 */
function evaluate(e: Expr, w: Walk): Expr {
  try {
    return constant(e, w.eval(e));
  } catch (err) {
    if (err instanceof SqlError && err.sqlstate.startsWith('22')) throw err;
    return e;
  }
}

/** e simplified as eval_const_expressions would; throws what evaluating a folded part throws. */
function simplify(e: Expr, w: Walk): Expr {
  switch (e.kind) {
    case 'const':
    case 'column':
    case 'grouping':
      return e;
    case 'param':
      return w.params === null ? e : constant(e, w.params[e.index - 1] ?? null);
    case 'subquery': {
      // The subquery is planned (and folded) on its own; an EXISTS drops its target list first.
      checkPlan(e.plan, e.sublink === 'exists' ? new Set() : null, w);
      return mapChildren(e, (c) => simplify(c, w));
    }
    case 'call': {
      const call = mapChildren(e, (c) => simplify(c, w)) as typeof e;
      if (call.def.strict && call.args.some((a) => isConst(a) && a.value === null)) return constant(e, null);
      if (call.def.volatility !== 'i' || call.def.set !== undefined || call.def.call === undefined || !call.args.every(isConst)) return call;
      return evaluate(call, w);
    }
    case 'cast': {
      const cast = mapChildren(e, (c) => simplify(c, w)) as typeof e;
      if (!isConst(cast.arg)) return cast;
      if (cast.arg.value === null) return constant(e, null);
      // A literal whose input depends on settings (a timestamptz): PostgreSQL coerced it while
      // parsing, so it is a constant like any other; the binder left its input to execution.
      // Its value is read here under the default settings: an error is left to execution, which
      // reads it under the session's (DateStyle may accept it there).
      if (cast.arg.type === UNKNOWN) {
        try {
          return constant(e, w.eval(cast));
        } catch {
          return cast;
        }
      }
      if (timeish(cast.arg.type) || timeish(e.type)) return cast;
      return evaluate(cast, w);
    }
    case 'and':
    case 'or':
      return simplifyBool(e, w);
    case 'not': {
      const arg = simplify(e.arg, w);
      if (isConst(arg)) return bool(arg.value === null ? null : arg.value !== true);
      return { ...e, arg };
    }
    case 'case':
      return simplifyCase(e, w);
    case 'coalesce': {
      const args: Expr[] = [];
      for (const a of e.args) {
        const s = simplify(a, w);
        if (isConst(s)) {
          if (s.value === null) continue;
          if (args.length === 0) return s;
          args.push(s);
          break;
        }
        args.push(s);
      }
      if (args.length === 0) return constant(e, null);
      return { ...e, args };
    }
    case 'nulltest': {
      const arg = simplify(e.arg, w);
      if (arg.kind === 'row') {
        // ROW(…) IS [NOT] NULL: a constant field of the wrong nullness refutes it; all constant: true.
        const consts = arg.args.filter(isConst);
        if (consts.some((a) => (a.value === null) !== e.isNull)) return bool(false);
        return consts.length === arg.args.length ? bool(true) : { ...e, arg };
      }
      if (isConst(arg) && typeInfo(arg.type).category !== 'C') return bool((arg.value === null) === e.isNull);
      return { ...e, arg };
    }
    case 'booltest': {
      const arg = simplify(e.arg, w);
      if (!isConst(arg)) return { ...e, arg };
      const v = arg.value as boolean | null;
      const r = e.test === 'unknown' ? v === null : v === (e.test === 'true');
      return bool(e.negate ? !r : r);
    }
    case 'distinct': {
      const d = mapChildren(e, (c) => simplify(c, w)) as typeof e;
      const [a, b] = d.args;
      if (!isConst(a) || !isConst(b)) return d;
      if (a.value === null || b.value === null) return bool((a.value === null && b.value === null) === d.not);
      return evaluate(d, w);
    }
    case 'nullif':
    case 'scalararrayop':
    case 'array':
    case 'row':
    case 'subscript':
    case 'field':
    case 'greatest':
    case 'least': {
      const s = mapChildren(e, (c) => simplify(c, w));
      if (!childrenConst(s)) return s;
      if (s.kind === 'scalararrayop' && s.op.volatility !== 'i') return s;
      return evaluate(s, w);
    }
  }
}

function childrenConst(e: Expr): boolean {
  let all = true;
  mapChildren(e, (c) => {
    if (!isConst(c)) all = false;
    return c;
  });
  return all;
}

/** AND / OR as simplify_and_arguments / simplify_or_arguments: flattened, left to right. */
function simplifyBool(e: Expr & { kind: 'and' | 'or' }, w: Walk): Expr {
  const stop = e.kind === 'or';
  const todo = [...e.args];
  const args: Expr[] = [];
  let haveNull = false;
  while (todo.length > 0) {
    const a = todo.shift()!;
    if (a.kind === e.kind) {
      todo.unshift(...a.args);
      continue;
    }
    const s = simplify(a, w);
    if (s.kind === e.kind) {
      todo.unshift(...s.args);
      continue;
    }
    if (isConst(s)) {
      if (s.value === null) haveNull = true;
      else if (s.value === stop) return bool(stop);
      continue;
    }
    args.push(s);
  }
  if (haveNull) args.push(bool(null));
  if (args.length === 0) return bool(!stop);
  if (args.length === 1) return args[0]!;
  return { ...e, args };
}

function simplifyCase(e: Expr & { kind: 'case' }, w: Walk): Expr {
  const whens: { when: Expr; then: Expr }[] = [];
  let dflt: Expr | null = null;
  let decided = false;
  for (const arm of e.whens) {
    const when = simplify(arm.when, w);
    if (isConst(when)) {
      if (when.value !== true) continue;
      decided = true;
    }
    const then = simplify(arm.then, w);
    if (decided) {
      dflt = then;
      break;
    }
    whens.push({ when, then });
  }
  if (!decided) dflt = e.else === null ? null : simplify(e.else, w);
  if (whens.length === 0) return dflt ?? constant(e, null);
  return { ...e, whens, else: dflt };
}

// --- plans ---------------------------------------------------------------------------------------

function refs(exprs: readonly Expr[], base: Need = new Set()): Set<number> {
  const s = new Set<number>(base ?? []);
  for (const x of exprs) exprRefs(x, s);
  return s;
}

/** Volatile and set-returning expressions are kept in a subquery even when nothing reads them. */
function kept(e: Expr): boolean {
  if (e.kind === 'call' && (e.def.volatility === 'v' || e.def.set !== undefined)) return true;
  let k = false;
  mapChildren(e, (c) => {
    if (kept(c)) k = true;
    return c;
  });
  return k;
}

/**
 * Checks p's expressions; `need` = the output positions read above (null: all). Only what is
 * needed is simplified, and the input is checked for what that reads.
 */
function checkPlan(p: LogicalPlan, need: Need, w: Walk): void {
  const s = (x: Expr): Expr => simplify(x, w);
  switch (p.kind) {
    case 'scan':
    case 'worktable':
      return;
    case 'values':
      for (const r of p.rows) r.forEach(s);
      return;
    case 'function':
      p.args.forEach(s);
      return;
    case 'filter': {
      // IN / EXISTS conjuncts of WHERE become joins before anything is simplified
      // (pull_up_sublinks): their subqueries are planned even after a constant FALSE.
      for (const c of conjunctsOf(p.predicate)) {
        const x = c.kind === 'not' ? c.arg : c;
        if (x.kind === 'subquery' && (x.sublink === 'any' || x.sublink === 'exists')) checkPlan(x.plan, x.sublink === 'exists' ? new Set() : null, w);
      }
      if (p.input.kind === 'aggregate') {
        // HAVING: PostgreSQL folds it after the target list and WHERE (preprocess_expression order).
        checkPlan(p.input, need === null ? null : refs([p.predicate], need), w);
        s(p.predicate);
        return;
      }
      checkPlan(p.input, need === null ? null : refs([s(p.predicate)], need), w);
      return;
    }
    case 'project': {
      const live = p.exprs.filter((x, i) => need === null || need.has(i) || kept(x) || (p.srfs?.includes(i) ?? false));
      const done = live.map(s);
      checkPlan(p.input, refs(done), w);
      return;
    }
    case 'join': {
      const on = p.on === null ? null : s(p.on);
      const L = p.left.columns.length;
      const all = need === null ? null : refs(on === null ? [] : [on], need);
      checkPlan(p.left, all === null ? null : new Set([...all].filter((i) => i < L)), w);
      checkPlan(p.right, all === null ? null : new Set([...all].filter((i) => i >= L).map((i) => i - L)), w);
      return;
    }
    case 'aggregate': {
      const exprs = p.groupBy.map(s);
      const G = p.groupBy.length;
      p.aggs.forEach((a, i) => {
        if (need !== null && !need.has(G + i)) return;
        exprs.push(...a.args.map(s), ...a.directArgs.map(s), ...a.orderBy.map((k) => s(k.expr)));
        if (a.filter !== null) exprs.push(s(a.filter));
      });
      checkPlan(p.input, refs(exprs), w);
      return;
    }
    case 'window': {
      const W = p.input.columns.length;
      const exprs: Expr[] = [];
      p.calls.forEach((c, i) => {
        if (need !== null && !need.has(W + i)) return;
        exprs.push(...c.args.map(s), ...c.partitionBy.map(s), ...c.orderBy.map((k) => s(k.expr)));
        if (c.filter !== null) exprs.push(s(c.filter));
        for (const b of [c.frame.start, c.frame.end]) if ('offset' in b) s(b.offset);
      });
      checkPlan(p.input, need === null ? null : refs(exprs, new Set([...need].filter((i) => i < W))), w);
      return;
    }
    case 'sort': {
      const keys = p.keys.map((k) => s(k.expr));
      checkPlan(p.input, need === null ? null : refs(keys, need), w);
      return;
    }
    case 'limit':
      // LIMIT / OFFSET are folded last.
      checkPlan(p.input, need, w);
      if (p.offset !== null) s(p.offset);
      if (p.limit !== null) s(p.limit);
      return;
    case 'distinct':
      if (p.on === null) checkPlan(p.input, null, w);
      else checkPlan(p.input, need === null ? null : refs(p.on.map(s), need), w);
      return;
    case 'setop':
      checkPlan(p.left, null, w);
      checkPlan(p.right, null, w);
      return;
    case 'recursiveunion':
      checkPlan(p.nonRecursive, null, w);
      checkPlan(p.recursive, null, w);
      return;
    case 'cte': {
      // A CTE read once is inlined as a subquery (PostgreSQL 12+); otherwise planned whole, once.
      if ((w.cteRefs.get(p.id) ?? 0) <= 1 && p.materialized !== true) {
        checkPlan(p.plan, need, w);
        return;
      }
      if (w.cteDone.has(p.id)) return;
      w.cteDone.add(p.id);
      checkPlan(p.plan, null, w);
      return;
    }
  }
}

function conjunctsOf(e: Expr): Expr[] {
  return e.kind === 'and' ? e.args.flatMap(conjunctsOf) : [e];
}

/** How many times each CTE id is read in the statement (a CTE read once is inlined). */
export function cteRefCounts(plan: LogicalPlan): Map<number, number> {
  const out = new Map<number, number>();
  countCtes(plan, out);
  return out;
}

function countCtes(p: LogicalPlan, out: Map<number, number>): void {
  if (p.kind === 'cte') {
    const n = out.get(p.id) ?? 0;
    out.set(p.id, n + 1);
    if (n > 0) return;
  }
  forEachChild(p, (c) => countCtes(c, out));
  forEachPlanExpr(p, (e) => visitSubplans(e, (sp) => countCtes(sp, out)), false);
}

function visitSubplans(e: Expr, f: (p: LogicalPlan) => void): void {
  if (e.kind === 'subquery') f(e.plan);
  mapChildren(e, (c) => {
    visitSubplans(c, f);
    return c;
  });
}

function forEachChild(p: LogicalPlan, f: (c: LogicalPlan) => void): void {
  switch (p.kind) {
    case 'scan':
    case 'worktable':
    case 'values':
    case 'function':
      return;
    case 'filter':
    case 'project':
    case 'aggregate':
    case 'window':
    case 'sort':
    case 'limit':
    case 'distinct':
      f(p.input);
      return;
    case 'join':
    case 'setop':
      f(p.left);
      f(p.right);
      return;
    case 'recursiveunion':
      f(p.nonRecursive);
      f(p.recursive);
      return;
    case 'cte':
      f(p.plan);
      return;
  }
}

/** Calls f on every expression of p (and, with deep, of the plans below it). */
function forEachPlanExpr(p: LogicalPlan, f: (e: Expr) => void, deep = true): void {
  switch (p.kind) {
    case 'values':
      p.rows.forEach((r) => r.forEach(f));
      break;
    case 'function':
      p.args.forEach(f);
      break;
    case 'filter':
      f(p.predicate);
      break;
    case 'project':
      p.exprs.forEach(f);
      break;
    case 'join':
      if (p.on !== null) f(p.on);
      break;
    case 'aggregate':
      p.groupBy.forEach(f);
      for (const a of p.aggs) {
        [...a.args, ...a.directArgs, ...a.orderBy.map((k) => k.expr)].forEach(f);
        if (a.filter !== null) f(a.filter);
      }
      break;
    case 'window':
      for (const c of p.calls) {
        [...c.args, ...c.partitionBy, ...c.orderBy.map((k) => k.expr)].forEach(f);
        if (c.filter !== null) f(c.filter);
        for (const b of [c.frame.start, c.frame.end]) if ('offset' in b) f(b.offset);
      }
      break;
    case 'sort':
      p.keys.forEach((k) => f(k.expr));
      break;
    case 'limit':
      if (p.limit !== null) f(p.limit);
      if (p.offset !== null) f(p.offset);
      break;
    case 'distinct':
      p.on?.forEach(f);
      break;
    case 'scan':
    case 'setop':
    case 'cte':
    case 'recursiveunion':
    case 'worktable':
      break;
  }
  if (deep) forEachChild(p, (c) => forEachPlanExpr(c, f, deep));
}
