/*
 * rules.ts — rewrites of a logical plan before physical planning (exec/physical.ts):
 *
 *   constant folding   an immutable function or operator over constants is computed once
 *                      (not when a constant is a lifted literal slot, whose value changes per
 *                      execution; not when the call fails: the error PostgreSQL's planner
 *                      raises for it is exec/const-check.ts's, before the statement runs);
 *                      AND/OR with constant operands are simplified; casts between numeric,
 *                      boolean and string constants fold; a constant FALSE / NULL filter is an
 *                      empty VALUES (its input is never run, like PostgreSQL's one-time filter).
 *   predicate pushdown conjuncts of a Filter sink through Filter, Sort and simple Projects, into
 *                      the sides of joins they read alone (both sides of an inner join, the
 *                      preserved side of an outer join, the outer side of semi/anti joins);
 *                      conjuncts reading both sides of an inner join join its ON (hash keys).
 *                      ON conjuncts of an inner join that read one side move into that side; of
 *                      a left / semi / anti join, those reading only the inner side move into it.
 *   OR clauses         a conjunct common to every arm of an OR is factored out; an OR over both
 *                      sides of an inner join also filters each side by what its arms say of
 *                      that side alone (or-clauses.ts).
 *   sublinks           EXISTS / NOT EXISTS / IN and correlated scalar aggregates in a WHERE
 *                      conjunct become semi / anti / grouped joins (decorrelate.ts).
 * Conjuncts with subqueries or volatile functions never move (their row context or count of
 * evaluations would change).
 *
 * Invariant: every rewrite keeps the result (rows and columns) of the plan it rewrites.
 */
import type { CallExpr, Expr } from '../bind/bound.js';
import { collationOf, Strength } from '../bind/collate.js';
import { DEFAULT_OUTPUT, type Datum } from '../types/datum.js';
import type { EvalSettings } from '../types/registry.js';
import { typeInfo } from '../types/registry.js';
import type { CallContext } from '../functions/registry.js';
import type { JoinNode, LogicalPlan } from './plan.js';
import { and, childExprs, conjuncts, exprRefs, hasSubquery, mapColumns, shiftColumns } from '../exec/plan-refs.js';
import { sublinkJoin, type SublinkJoin } from './decorrelate.js';
import { factorOr, sideRestriction } from './or-clauses.js';

const FOLD_SETTINGS: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };

export function optimize(plan: LogicalPlan): LogicalPlan {
  return opt(plan);
}

// --- constant folding --------------------------------------------------------------------------

const isConst = (e: Expr): e is Expr & { kind: 'const' } => e.kind === 'const' && e.slot === undefined;
const FOLDABLE_CATEGORIES = new Set(['N', 'B', 'S']);

function volatile(e: Expr): boolean {
  if (e.kind === 'call' && e.def.volatility === 'v') return true;
  if (e.kind === 'subquery') return true;
  return childExprs(e).some(volatile);
}

/** The constant e folds to, keeping an explicit collation e had (a COLLATE among its inputs). */
function folded(e: Expr, value: Datum): Expr {
  const d = collationOf(e);
  const c: Expr = { kind: 'const', type: e.type, typmod: e.typmod, value };
  return d.strength === Strength.Explicit ? { ...c, collate: d.coll } : c;
}

export function fold(e: Expr): Expr {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
    case 'grouping':
      return e;
    case 'subquery':
      return { ...e, plan: opt(e.plan), ...(e.test ? { test: e.test.map(fold) } : {}) };
    case 'call': {
      const args = e.args.map(fold);
      const call: CallExpr = { ...e, args };
      // A call that orders text is left to the executor, which knows the collations' orders.
      if (e.def.volatility === 'i' && e.def.call !== undefined && e.def.collated !== true && args.every(isConst)) {
        const values = args.map((a) => a.value);
        if (e.def.strict && values.some((v) => v === null)) return folded(e, null);
        try {
          const cx: CallContext = { settings: FOLD_SETTINGS, argTypes: e.argTypes, resultType: e.type, checkInterrupts: () => undefined };
          return folded(e, e.def.call(values, cx));
        } catch {
          return call;
        }
      }
      return call;
    }
    case 'cast': {
      const arg = fold(e.arg);
      if (isConst(arg) && FOLDABLE_CATEGORIES.has(typeInfo(e.type).category) && FOLDABLE_CATEGORIES.has(typeInfo(arg.type).category)) {
        try {
          if (arg.value === null) return folded(e, null);
          let v = e.cast.convert(arg.value, FOLD_SETTINGS);
          const apply = typeInfo(e.type).applyTypmod;
          if (e.typmod >= 0 && apply !== undefined) v = apply(v, e.typmod, e.explicit);
          return folded(e, v);
        } catch {
          return { ...e, arg };
        }
      }
      return { ...e, arg };
    }
    case 'and':
    case 'or': {
      const stop = e.kind === 'or';
      const args: Expr[] = [];
      for (const a of e.args.map(fold)) {
        if (isConst(a) && a.value === stop) return a;
        if (isConst(a) && a.value === !stop) continue;
        args.push(a);
      }
      if (args.length === 0) return { kind: 'const', type: 16, typmod: -1, value: !stop };
      if (args.length === 1 && args[0]!.type === 16) return args[0]!;
      if (stop && !args.some(volatile)) return factorOr(args) ?? { ...e, args };
      return { ...e, args };
    }
    case 'not':
    case 'nulltest':
    case 'booltest':
    case 'field':
    case 'case':
    case 'coalesce':
    case 'greatest':
    case 'least':
    case 'row':
    case 'nullif':
    case 'distinct':
    case 'scalararrayop':
    case 'array':
    case 'subscript':
      return mapChildren(e, fold);
  }
}

/** Applies f to the direct sub-expressions (not entering subquery plans). */
function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'not':
    case 'nulltest':
    case 'booltest':
    case 'field':
      return { ...e, arg: f(e.arg) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: e.else === null ? null : f(e.else) };
    case 'coalesce':
    case 'greatest':
    case 'least':
    case 'row':
      return { ...e, args: e.args.map(f) };
    case 'nullif':
    case 'distinct':
      return { ...e, args: [f(e.args[0]), f(e.args[1])] };
    case 'scalararrayop':
      return { ...e, left: f(e.left), right: f(e.right) };
    case 'array':
      return { ...e, items: e.items.map(f) };
    case 'subscript':
      return { ...e, arg: f(e.arg), lower: e.lower.map((x) => (x === null ? null : f(x))), upper: e.upper === null ? null : e.upper.map((x) => (x === null ? null : f(x))) };
    case 'const':
    case 'param':
    case 'column':
    case 'grouping':
    case 'subquery':
    case 'call':
    case 'cast':
    case 'and':
    case 'or':
      return e;
  }
}

// --- the plan walk -------------------------------------------------------------------------------

function opt(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case 'scan':
    case 'worktable':
      return p;
    case 'values':
      return { ...p, rows: p.rows.map((r) => r.map(fold)) };
    case 'function':
      return { ...p, args: p.args.map(fold) };
    case 'filter': {
      const pred = fold(p.predicate);
      const input = opt(p.input);
      if (isConst(pred) && pred.value === true) return input;
      // A constant FALSE / NULL qualification: no row, and the input is not run (PostgreSQL's
      // one-time filter), so nothing below can fail at run time.
      if (isConst(pred)) return { kind: 'values', columns: p.columns, rows: [] };
      const joins: SublinkJoin[] = [];
      const rest: Expr[] = [];
      for (const c of conjuncts(pred)) {
        const j = sublinkJoin(c, volatile);
        if (j === null) rest.push(c);
        else joins.push(j);
      }
      return joins.reduce((plan, j) => j(plan), pushDown(input, rest));
    }
    case 'project':
      return { ...p, input: opt(p.input), exprs: p.exprs.map(fold) };
    case 'join':
      return joinOn({ ...p, left: opt(p.left), right: opt(p.right), on: p.on === null ? null : fold(p.on) }, true);
    case 'aggregate':
      return {
        ...p,
        input: opt(p.input),
        groupBy: p.groupBy.map(fold),
        aggs: p.aggs.map((a) => ({ ...a, args: a.args.map(fold), filter: a.filter === null ? null : fold(a.filter), orderBy: a.orderBy.map((k) => ({ ...k, expr: fold(k.expr) })), directArgs: a.directArgs.map(fold) })),
      };
    case 'window':
      return { ...p, input: opt(p.input) };
    case 'sort':
      return { ...p, input: opt(p.input), keys: p.keys.map((k) => ({ ...k, expr: fold(k.expr) })) };
    case 'limit': {
      const limited = { ...p, input: opt(p.input), limit: p.limit === null ? null : fold(p.limit), offset: p.offset === null ? null : fold(p.offset) };
      // Limit(Project(x)) = Project(Limit(x)) for a row-for-row projection: Limit then meets a
      // Sort below (top-N) or a key walk, and the projection runs for the kept rows only.
      const inner = limited.input;
      if (inner.kind === 'project' && (inner.srfs === undefined || inner.srfs.length === 0) && !inner.exprs.some(volatile)) {
        return { ...inner, input: { ...limited, input: inner.input, columns: inner.input.columns } };
      }
      return limited;
    }
    case 'distinct':
      return { ...p, input: opt(p.input) };
    case 'setop':
      return { ...p, left: opt(p.left), right: opt(p.right) };
    case 'cte':
      return { ...p, plan: opt(p.plan) };
    case 'recursiveunion':
      return { ...p, nonRecursive: opt(p.nonRecursive), recursive: opt(p.recursive) };
  }
}

const movable = (e: Expr): boolean => !hasSubquery(e) && !volatile(e);

function refsOf(e: Expr): Set<number> {
  const s = new Set<number>();
  exprRefs(e, s);
  return s;
}

const within = (s: Set<number>, lo: number, hi: number): boolean => [...s].every((i) => i >= lo && i < hi);

function filter(input: LogicalPlan, conds: readonly Expr[]): LogicalPlan {
  const pred = and(conds);
  return pred === null ? input : { kind: 'filter', columns: input.columns, input, predicate: pred };
}

/** Sinks `conds` (over input's output row) as far down as they may go. */
function pushDown(input: LogicalPlan, conds: readonly Expr[]): LogicalPlan {
  if (conds.length === 0) return input;
  switch (input.kind) {
    case 'filter':
      return pushDown(input.input, [...conjuncts(input.predicate), ...conds]);
    case 'sort':
      return { ...input, input: pushDown(input.input, conds) };
    case 'project': {
      if (input.srfs !== undefined && input.srfs.length > 0) return filter(input, conds);
      const down: Expr[] = [];
      const stay: Expr[] = [];
      for (const c of conds) {
        const refs = refsOf(c);
        const simple = movable(c) && [...refs].every((i) => {
          const x = input.exprs[i]!;
          return (x.kind === 'column' && x.levelsUp === 0) || isConst(x);
        });
        if (simple) down.push(mapColumns(c, (col) => input.exprs[col.index]!));
        else stay.push(c);
      }
      const inner = down.length > 0 ? { ...input, input: pushDown(input.input, down) } : input;
      return filter(inner, stay);
    }
    case 'join':
      return pushIntoJoin(input, conds);
    case 'scan':
    case 'values':
    case 'function':
    case 'aggregate':
    case 'window':
    case 'limit':
    case 'distinct':
    case 'setop':
    case 'cte':
    case 'recursiveunion':
    case 'worktable':
      return filter(input, conds);
  }
}

function pushIntoJoin(j: JoinNode, conds: readonly Expr[]): LogicalPlan {
  const L = j.left.columns.length;
  const W = L + j.right.columns.length;
  const toLeft: Expr[] = [];
  const toRight: Expr[] = [];
  const toOn: Expr[] = [];
  const stay: Expr[] = [];
  for (const c of conds) {
    const refs = refsOf(c);
    if (!movable(c) || refs.size === 0) {
      stay.push(c);
      continue;
    }
    const leftOnly = within(refs, 0, L);
    const rightOnly = within(refs, L, W);
    if (leftOnly && (j.join === 'inner' || j.join === 'left' || j.join === 'semi' || j.join === 'anti')) toLeft.push(c);
    else if (rightOnly && !j.lateral && (j.join === 'inner' || j.join === 'right')) toRight.push(shiftColumns(c, -L));
    else if (j.join === 'inner' && !j.lateral) {
      toOn.push(c);
      // An OR over both sides still narrows each side ahead of the join (or-clauses.ts).
      const l = sideRestriction(c, 0, L, movable);
      const r = sideRestriction(c, L, W, movable);
      if (l !== null) toLeft.push(l);
      if (r !== null) toRight.push(shiftColumns(r, -L));
    } else stay.push(c);
  }
  const on = toOn.length === 0 ? j.on : and([...conjuncts(j.on), ...toOn]);
  const joined = joinOn({ ...j, left: pushDown(j.left, toLeft), right: pushDown(j.right, toRight), on });
  return filter(joined, stay);
}

/** Moves single-side ON conjuncts into the side they read, where that keeps the join's meaning. */
function joinOn(j: JoinNode, derive = false): JoinNode {
  if (j.on === null || j.lateral) return j;
  const L = j.left.columns.length;
  const W = L + j.right.columns.length;
  const keep: Expr[] = [];
  const toLeft: Expr[] = [];
  const toRight: Expr[] = [];
  for (const c of conjuncts(j.on)) {
    const refs = refsOf(c);
    if (!movable(c) || refs.size === 0) keep.push(c);
    else if (within(refs, L, W) && (j.join === 'inner' || j.join === 'left' || j.join === 'semi' || j.join === 'anti')) toRight.push(shiftColumns(c, -L));
    else if (within(refs, 0, L) && (j.join === 'inner' || j.join === 'right')) toLeft.push(c);
    else {
      keep.push(c);
      if (j.join === 'inner' && derive) {
        const l = sideRestriction(c, 0, L, movable);
        const r = sideRestriction(c, L, W, movable);
        if (l !== null) toLeft.push(l);
        if (r !== null) toRight.push(shiftColumns(r, -L));
      }
    }
  }
  if (toLeft.length === 0 && toRight.length === 0) return j;
  return { ...j, left: pushDown(j.left, toLeft), right: pushDown(j.right, toRight), on: and(keep) };
}
