/*
 * bound.ts — the one bound-expression IR: what the binder makes of a parse-tree expression once
 * names are resolved, types known, overloads chosen and implicit casts inserted. The executor
 * compiles it into closures (exec/eval.ts); the rules (logical/rules.ts) fold and push it down.
 *
 * Invariants:
 *   - every node has its result `type` (a real type OID, never a pseudo-type or unknown after
 *     binding; an unresolved literal is coerced to text as PostgreSQL does) and `typmod` (-1 when none);
 *   - a column reference addresses a position in the input row of the plan node that evaluates
 *     it (`index`), `levelsUp` plan levels out for correlated subqueries (0 = own row);
 *   - casts are explicit `cast` nodes (the binder inserted them); `call` arguments already have the
 *     types the chosen FuncDef declares (or the resolved types of its polymorphic arguments);
 *   - nodes are immutable and may be shared between plans.
 *
 * Aggregates and window functions never appear here: the binder moves them into the Aggregate /
 * Window plan node (logical/plan.ts) and refers to their results as ordinary columns of that node's
 * output, as PostgreSQL's planner does with Aggref/WindowFunc in the target list.
 */
import type { Datum } from '../types/datum.js';
import type { CastDef } from '../types/registry.js';
import type { FuncDef } from '../functions/registry.js';
import type { LogicalPlan } from '../logical/plan.js';

interface Typed {
  readonly type: number;
  readonly typmod: number;
  /**
   * `expr COLLATE "x"`: the collation this node was given explicitly (pg_collation OID). The node
   * is otherwise its argument; bind/collate.ts derives every other node's collation.
   */
  readonly collate?: number;
}

export type Expr =
  | ConstExpr
  | ParamExpr
  | ColumnExpr
  | CallExpr
  | CastExpr
  | BoolExpr
  | NotExpr
  | CaseExpr
  | CoalesceExpr
  | NullIfExpr
  | MinMaxExpr
  | NullTestExpr
  | BoolTestExpr
  | DistinctExpr
  | ScalarArrayOpExpr
  | ArrayExpr
  | RowExpr
  | SubscriptExpr
  | FieldExpr
  | SubqueryExpr
  | GroupingExpr;

export interface ConstExpr extends Typed {
  readonly kind: 'const';
  readonly value: Datum;
  /**
   * Index of the literal lifted from the query text (normalize.ts) when the plan is cached for texts
   * that differ only in literals: the executor reads args.literals[slot] instead of `value`.
   */
  readonly slot?: number;
}

/** $n (1-based). Its value arrives as text and is converted with the type's input function. */
export interface ParamExpr extends Typed {
  readonly kind: 'param';
  readonly index: number;
}

export interface ColumnExpr extends Typed {
  readonly kind: 'column';
  readonly index: number;
  readonly levelsUp: number;
  /** For messages and EXPLAIN ("t.a"). */
  readonly name: string;
  /**
   * Collation of a collatable column (implicit): the table column's attcollation, or the
   * collation derived for the expression that produced it; 0 = conflicting (none). Absent: the
   * type's default collation.
   */
  readonly collation?: number;
}

/** A function or operator call (overload chosen). `def.strict` ⇒ NULL in any argument is NULL out. */
export interface CallExpr extends Typed {
  readonly kind: 'call';
  readonly def: FuncDef;
  readonly args: readonly Expr[];
  /** The argument types as resolved (for polymorphic defs: the actual ones). */
  readonly argTypes: readonly number[];
}

/** `x::t`, CAST, and implicit coercions the binder inserted. typmod applied after conversion. */
export interface CastExpr extends Typed {
  readonly kind: 'cast';
  readonly arg: Expr;
  readonly cast: CastDef;
  /** true for an explicit cast (varchar(3) truncates instead of raising 22001). */
  readonly explicit: boolean;
}

/** AND / OR with SQL's three-valued logic, evaluated left to right with short-circuit. */
export interface BoolExpr extends Typed {
  readonly kind: 'and' | 'or';
  readonly args: readonly Expr[];
}

export interface NotExpr extends Typed {
  readonly kind: 'not';
  readonly arg: Expr;
}

/** CASE [arg] WHEN … THEN … [ELSE …] END; with `arg`, each `when` is already `arg = value` bound. */
export interface CaseExpr extends Typed {
  readonly kind: 'case';
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else: Expr | null;
}

export interface CoalesceExpr extends Typed {
  readonly kind: 'coalesce';
  readonly args: readonly Expr[];
}

/** NULLIF(a, b): `eq` is the resolved `=` for the two types. */
export interface NullIfExpr extends Typed {
  readonly kind: 'nullif';
  readonly args: readonly [Expr, Expr];
  readonly eq: CallExpr;
}

/** GREATEST / LEAST over arguments of one (common) type, NULLs ignored. */
export interface MinMaxExpr extends Typed {
  readonly kind: 'greatest' | 'least';
  readonly args: readonly Expr[];
}

/** IS [NOT] NULL. For a row value, PostgreSQL's all-fields rule. */
export interface NullTestExpr extends Typed {
  readonly kind: 'nulltest';
  readonly arg: Expr;
  readonly isNull: boolean;
}

/** IS [NOT] TRUE / FALSE / UNKNOWN. */
export interface BoolTestExpr extends Typed {
  readonly kind: 'booltest';
  readonly arg: Expr;
  readonly test: 'true' | 'false' | 'unknown';
  readonly negate: boolean;
}

/** a IS [NOT] DISTINCT FROM b; `eq` is the resolved `=`. */
export interface DistinctExpr extends Typed {
  readonly kind: 'distinct';
  readonly args: readonly [Expr, Expr];
  readonly eq: CallExpr;
  /** true for IS NOT DISTINCT FROM. */
  readonly not: boolean;
}

/**
 * `x op ANY (array)` / `x op ALL (array)`, and `x IN (a, b, …)` (bound as `= ANY (ARRAY[a, b, …])`,
 * as PostgreSQL does when the list items have one type). `op` is the bound call with
 * `args = [left, element placeholder]`; the evaluator applies it per element with SQL's NULL rules.
 */
export interface ScalarArrayOpExpr extends Typed {
  readonly kind: 'scalararrayop';
  readonly op: FuncDef;
  readonly opArgTypes: readonly [number, number];
  readonly useOr: boolean;
  readonly left: Expr;
  readonly right: Expr;
}

/** ARRAY[a, b, …] (multi-dimensional when the items are arrays). */
export interface ArrayExpr extends Typed {
  readonly kind: 'array';
  readonly elemType: number;
  readonly items: readonly Expr[];
}

export interface RowExpr extends Typed {
  readonly kind: 'row';
  readonly args: readonly Expr[];
}

/** arr[i] / arr[i:j] (and jsonb subscripting bound as a call). */
export interface SubscriptExpr extends Typed {
  readonly kind: 'subscript';
  readonly arg: Expr;
  readonly lower: readonly (Expr | null)[];
  readonly upper: readonly (Expr | null)[] | null;
}

/** (record).field */
export interface FieldExpr extends Typed {
  readonly kind: 'field';
  readonly arg: Expr;
  readonly field: number;
}

/**
 * A sublink. `plan` may reference the enclosing rows through ColumnExpr.levelsUp ≥ 1; `correlated`
 * says whether it does (an uncorrelated one is run once per execution and cached).
 *   scalar: the single column of at most one row (21000 if more); NULL when no row
 *   exists:  boolean
 *   any/all: `test op ANY/ALL (subquery)` with SQL's NULL rules; IN is any with `=`, NOT IN is NOT(any)
 *   array:   ARRAY(subquery)
 */
export interface SubqueryExpr extends Typed {
  readonly kind: 'subquery';
  readonly sublink: 'scalar' | 'exists' | 'any' | 'all' | 'array';
  readonly plan: LogicalPlan;
  readonly correlated: boolean;
  /** any/all: the left operand(s) and the operator(s) comparing them to the subquery's column(s). */
  readonly test?: readonly Expr[];
  readonly ops?: readonly FuncDef[];
  readonly opArgTypes?: readonly (readonly [number, number])[];
  /**
   * The subquery's parse tree without locations: two subqueries of one level with the same key
   * bind alike, so `GROUP BY (SELECT …)` matches the same text in the select list (PostgreSQL's
   * equal() on SubLinks compares the analysed subselects).
   */
  readonly key?: string;
}

/**
 * GROUPING(a, b, …) above an Aggregate with grouping sets: reads the Aggregate's grouping-set
 * bitmask column (`index`) and returns the bits of the listed grouping columns, as PostgreSQL.
 */
export interface GroupingExpr extends Typed {
  readonly kind: 'grouping';
  readonly index: number;
  /** Positions (in the Aggregate's groupBy list) of GROUPING's arguments, most significant first. */
  readonly refs: readonly number[];
}
