/*
 * state.ts — the binder's working state: one StmtState per statement (parameters, tables, CTE ids,
 * the query text for error positions) and one Level per query level (SELECT), which holds the
 * FROM namespace, the outer level for correlated references, the WITH queries in scope, and the
 * aggregate / window calls collected while binding its expressions.
 *
 * Aggregate and window calls bind to placeholder column nodes (`marks`); agg.ts and window.ts
 * replace them by references to the Aggregate / Window node's output once those nodes exist.
 */
import { SqlError, type SqlErrorFields } from '../../errors.js';
import { positionOf } from '../errors.js';
import type { WindowDef } from 'libpg-query';
import type { AggCall, LogicalPlan, WindowCall } from '../logical/plan.js';
import type { ColumnExpr, Expr } from './bound.js';
import type { BindCatalog } from './context.js';
import type { Namespace } from './scope.js';

export interface CteEntry {
  readonly name: string;
  readonly id: number;
  /** null while the CTE's own body is being bound (a recursive self-reference reads the work table). */
  plan: LogicalPlan | null;
  readonly colNames: readonly string[] | null;
  /** WITH … AS MATERIALIZED: never inlined into the query reading it. */
  readonly materialized: boolean;
  /** Set while binding the recursive term of WITH RECURSIVE. */
  recursive: { columns: LogicalPlan['columns']; used: boolean } | null;
}

export interface StmtState {
  readonly sql: string;
  /** Parameter types (0 = not known yet), grown as $n are met. */
  readonly params: number[];
  readonly catalog: BindCatalog;
  readonly tables: Set<number>;
  nextCteId: number;
  /** Parse locations of bound column references (42803 positions). */
  readonly locations: WeakMap<Expr, number>;
  /** Lifted literals (location → index) and how each was used: see slots.ts. */
  readonly liftedAt: ReadonlyMap<number, number>;
  readonly slots: Map<number, 'ok' | 'int' | 'static'>;
}

/** Where an expression stands: decides which of aggregates / window functions / SRFs it may hold. */
export type ExprKind = 'select' | 'where' | 'join' | 'having' | 'group' | 'order' | 'limit' | 'offset' | 'values' | 'from' | 'agg-arg' | 'window' | 'distinct-on' | 'filter' | 'frame';

export type Mark =
  | { readonly kind: 'agg'; readonly k: number }
  | { readonly kind: 'window'; readonly k: number }
  | { readonly kind: 'grouping'; readonly args: readonly Expr[]; readonly location: number };

export interface Level {
  readonly stmt: StmtState;
  readonly ns: Namespace;
  readonly parent: Level | null;
  readonly ctes: Map<string, CteEntry>;
  readonly aggs: AggCall[];
  readonly windows: WindowCall[];
  /** Named windows of the WINDOW clause. */
  readonly windowDefs: Map<string, WindowDef>;
  readonly marks: Map<Expr, Mark>;
  /** The clause being bound (which of aggregates / window functions / SRFs it may hold, error texts). */
  kind: ExprKind;
  /** Set when some correlated reference to an outer level was bound inside this level. */
  correlated: boolean;
  /** A set-returning function was bound in the select list. */
  hasSrf: boolean;
}

export function newLevel(stmt: StmtState, ns: Namespace, parent: Level | null, ctes?: Map<string, CteEntry>): Level {
  return {
    stmt, ns, parent,
    ctes: ctes ?? new Map<string, CteEntry>(),
    aggs: [], windows: [], windowDefs: new Map(), marks: new Map(),
    kind: 'select', correlated: false, hasSrf: false,
  };
}

/** A SqlError with the position of a parse-tree byte location. */
export function err(stmt: StmtState, sqlstate: string, message: string, location?: number, extra: SqlErrorFields = {}): SqlError {
  const position = location === undefined ? undefined : positionOf(stmt.sql, location);
  return new SqlError(sqlstate, message, position === undefined ? extra : { ...extra, position });
}

export function placeholder(lv: Level, type: number, mark: Mark, name: string): ColumnExpr {
  const c: ColumnExpr = { kind: 'column', index: -1, levelsUp: 0, type, typmod: -1, name };
  lv.marks.set(c, mark);
  return c;
}
