/*
 * plan.ts — the logical plan: what a bound query computes, as a tree of relational nodes, before
 * the physical planner (exec/physical.ts) chooses access paths and algorithms.
 *
 *   SELECT … FROM a JOIN b ON … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT …
 *     ⇒ Limit(Sort(Project(Filter(Aggregate(Filter(Join(Scan a, Scan b)))))))
 *
 * Every node states its output columns. An expression inside a node addresses the node's input
 * row by position (ColumnExpr.index): for Join that row is left's columns followed by right's;
 * for Aggregate's outputs see below. Correlated subqueries reach enclosing rows through
 * ColumnExpr.levelsUp (1 = the row of the node evaluating the SubqueryExpr).
 *
 * Output rows of each node:
 *   scan      the table's columns in attnum order (all of them; pruning is the physical planner's)
 *   values    one row per `rows` entry
 *   function  the function's result column(s), then `ordinality` (int8) when asked
 *   filter / sort / limit / distinct   the input's row unchanged
 *   project   exprs (evaluated on the input row)
 *   join      left ++ right (semi / anti: left only); the unmatched side of an outer join is NULLs
 *   aggregate groupBy values (NULL in a grouping set that leaves them out), then one column per
 *             agg, then, when groupingSets is set, the int4 bitmask of the set (GroupingExpr)
 *   window    input ++ one column per window function
 *   setop     left's column positions (the binder made both sides' types equal)
 *   cte       the CTE's plan's columns; recursiveunion / worktable: the non-recursive side's
 *
 * Interface: the node types; `columnsOf(plan)` reads a node's output columns.
 */
import type { AggDef, FuncDef, WindowDef } from '../functions/registry.js';
import type { Expr } from '../bind/bound.js';

/** One output column of a node; tableOid/attnum non-zero when it is a plain table column (RowDescription). */
export interface OutColumn {
  readonly name: string;
  readonly type: number;
  readonly typmod: number;
  readonly tableOid: number;
  readonly attnum: number;
  /** Collation of a collatable column (see ColumnExpr.collation); absent: the type's default. */
  readonly collation?: number;
}

/** Sort key: the comparator is the type's (registry compare), NULLs placed as asked. */
export interface SortKey {
  readonly expr: Expr;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export type LogicalPlan =
  | ScanNode
  | ValuesNode
  | FunctionNode
  | FilterNode
  | ProjectNode
  | JoinNode
  | AggregateNode
  | WindowNode
  | SortNode
  | LimitNode
  | DistinctNode
  | SetOpNode
  | CteNode
  | RecursiveUnionNode
  | WorkTableNode;

interface Base {
  readonly columns: readonly OutColumn[];
}

export interface ScanNode extends Base {
  readonly kind: 'scan';
  /** pg_class oid of the replicated table (store.tables key). */
  readonly tableOid: number;
  readonly schema: string;
  readonly table: string;
  /** Alias or table name, for EXPLAIN. */
  readonly refName: string;
  /** Positions (in columns) of the primary key / replica identity columns, in key order. */
  readonly keyColumns: readonly number[];
}

export interface ValuesNode extends Base {
  readonly kind: 'values';
  readonly rows: readonly (readonly Expr[])[];
}

/** A set-returning function in FROM (generate_series, unnest, jsonb_each, …), possibly LATERAL. */
export interface FunctionNode extends Base {
  readonly kind: 'function';
  readonly def: FuncDef;
  readonly args: readonly Expr[];
  readonly argTypes: readonly number[];
  readonly ordinality: boolean;
}

export interface FilterNode extends Base {
  readonly kind: 'filter';
  readonly input: LogicalPlan;
  readonly predicate: Expr;
}

export interface ProjectNode extends Base {
  readonly kind: 'project';
  readonly input: LogicalPlan;
  readonly exprs: readonly Expr[];
  /**
   * Set-returning functions in the select list (`SELECT generate_series(1,3)`): when true, the
   * exprs listed in `srfs` are expanded as PostgreSQL 10+ does (ProjectSet: rows = the longest).
   */
  readonly srfs?: readonly number[];
}

export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';

export interface JoinNode extends Base {
  readonly kind: 'join';
  readonly join: JoinKind;
  readonly left: LogicalPlan;
  readonly right: LogicalPlan;
  /** Over left ++ right; null for CROSS JOIN / comma. */
  readonly on: Expr | null;
  /** The right side references left's columns (LATERAL): ColumnExpr.levelsUp = 1 inside it. */
  readonly lateral: boolean;
}

export interface AggCall {
  readonly def: AggDef;
  readonly args: readonly Expr[];
  readonly argTypes: readonly number[];
  readonly resultType: number;
  readonly distinct: boolean;
  readonly filter: Expr | null;
  /** ORDER BY inside the call, or WITHIN GROUP (ORDER BY …) for ordered-set aggregates. */
  readonly orderBy: readonly SortKey[];
  /** Direct arguments of an ordered-set aggregate (percentile_cont(0.5)). */
  readonly directArgs: readonly Expr[];
}

export interface AggregateNode extends Base {
  readonly kind: 'aggregate';
  readonly input: LogicalPlan;
  readonly groupBy: readonly Expr[];
  /** ROLLUP / CUBE / GROUPING SETS expanded to sets of groupBy positions; null = one set of all. */
  readonly groupingSets: readonly (readonly number[])[] | null;
  readonly aggs: readonly AggCall[];
}

export interface WindowFrame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly exclude: 'none' | 'current row' | 'group' | 'ties';
}

export type FrameBound =
  | { readonly kind: 'unbounded preceding' | 'current row' | 'unbounded following' }
  | { readonly kind: 'preceding' | 'following'; readonly offset: Expr };

export interface WindowCall {
  /** A window function proper, or an aggregate used with OVER. */
  readonly fn: { readonly kind: 'window'; readonly def: WindowDef } | { readonly kind: 'agg'; readonly def: AggDef };
  readonly args: readonly Expr[];
  readonly argTypes: readonly number[];
  readonly resultType: number;
  readonly filter: Expr | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortKey[];
  /** PostgreSQL's default: RANGE UNBOUNDED PRECEDING to CURRENT ROW. */
  readonly frame: WindowFrame;
}

export interface WindowNode extends Base {
  readonly kind: 'window';
  readonly input: LogicalPlan;
  readonly calls: readonly WindowCall[];
}

export interface SortNode extends Base {
  readonly kind: 'sort';
  readonly input: LogicalPlan;
  readonly keys: readonly SortKey[];
}

export interface LimitNode extends Base {
  readonly kind: 'limit';
  readonly input: LogicalPlan;
  /** int8 expressions without column references; null = none (LIMIT ALL / no OFFSET). */
  readonly limit: Expr | null;
  readonly offset: Expr | null;
}

/** SELECT DISTINCT (on = null: whole row) or DISTINCT ON (exprs): the first row of each group in input order. */
export interface DistinctNode extends Base {
  readonly kind: 'distinct';
  readonly input: LogicalPlan;
  readonly on: readonly Expr[] | null;
}

export interface SetOpNode extends Base {
  readonly kind: 'setop';
  readonly op: 'union' | 'intersect' | 'except';
  readonly all: boolean;
  readonly left: LogicalPlan;
  readonly right: LogicalPlan;
}

/** A reference to a WITH query; `id` is unique per statement, the plan is computed once per execution. */
export interface CteNode extends Base {
  readonly kind: 'cte';
  readonly id: number;
  readonly name: string;
  readonly plan: LogicalPlan;
  /** AS MATERIALIZED: planned whole even when read once (PostgreSQL inlines a CTE read once otherwise). */
  readonly materialized?: boolean;
}

/** WITH RECURSIVE body: nonRecursive UNION [ALL] recursive, the recursive side reading WorkTable(id). */
export interface RecursiveUnionNode extends Base {
  readonly kind: 'recursiveunion';
  readonly id: number;
  readonly all: boolean;
  readonly nonRecursive: LogicalPlan;
  readonly recursive: LogicalPlan;
}

export interface WorkTableNode extends Base {
  readonly kind: 'worktable';
  readonly id: number;
}

export function columnsOf(plan: LogicalPlan): readonly OutColumn[] {
  return plan.columns;
}
