/*
 * registry.ts — the one function / operator / aggregate / window-function registry (pg_proc,
 * pg_operator, pg_aggregate in one place). memstore's own functions are entries here too.
 *
 * Entries are grouped by name; the binder (bind/resolve.ts) picks one overload for the argument
 * types with PostgreSQL's rules (func_select_candidate: exact match, then implicit casts, then
 * preferred types per category, unknown literals resolved last) and inserts the casts. So an
 * entry declares exact argument types; it never inspects types at run time.
 *
 * Operators are registered under their symbol with kind 'op' ('+', '||', '~~' for LIKE, '@>');
 * a prefix operator has one argument. Polymorphic entries use the pseudo-types below and a
 * `returns` function of the resolved argument types.
 *
 * Evaluation: `call` receives non-null arguments when `strict` (the evaluator returns NULL
 * without calling it otherwise), exactly as PostgreSQL's strict functions. Volatility drives
 * constant folding: only 'i' (immutable) calls over constants are folded at plan time.
 *
 * Interface:
 *   FuncDef, AggDef, WindowDef         what an entry provides
 *   registerFunc / registerAgg / registerWindow
 *   funcsNamed(name, kind)             candidates for the binder
 *   aggsNamed(name) / windowsNamed(name)
 *   notBuiltYet(name)                  0A000 for a standard PostgreSQL function not built yet
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from '../types/datum.js';
import type { EvalSettings } from '../types/registry.js';
import type { StatementAccess } from './memstore-keyspace.js';

/** Pseudo-type OIDs a polymorphic entry may declare. */
export const Pseudo = {
  any: 2276,
  anyelement: 2283,
  anyarray: 2277,
  anynonarray: 2776,
  anyenum: 3500,
  anycompatible: 5077,
  anycompatiblearray: 5078,
  anycompatiblenonarray: 5079,
  record: 2249,
  unknown: 705,
  void: 2278,
} as const;

export type Volatility = 'i' | 's' | 'v';

/** What a function sees besides its arguments. */
export interface CallContext {
  readonly settings: EvalSettings;
  /** The resolved (non-pseudo) argument types and result type of this call site. */
  readonly argTypes: readonly number[];
  readonly resultType: number;
  /** Check for cancel / statement_timeout inside long loops (generate_series over millions). */
  checkInterrupts(): void;
  /**
   * For a call that orders text (FuncDef.collated, min/max): the order of the call's input
   * collation (query/types/collation.ts); undefined = bytes (the C collation).
   */
  readonly textOrder?: (a: string, b: string) => number;
  /**
   * The execution calling (its view of the memstore key space, the engine around it), for
   * memstore's own functions (memstore.ts); null outside an execution (constant folding).
   */
  readonly statement?: StatementAccess | null;
}

export interface FuncDef {
  readonly name: string;
  readonly kind: 'func' | 'op';
  /** Declared argument type OIDs (may be pseudo-types). */
  readonly args: readonly number[];
  /** When set, the last declared argument is VARIADIC of this element type (`concat(VARIADIC "any")` uses Pseudo.any). */
  readonly variadic?: number;
  /** Number of trailing arguments that may be omitted (defaults), e.g. round(numeric[, int]). */
  readonly optional?: number;
  /**
   * pg_proc.proargnames of the input parameters, for calls in named notation
   * (`make_interval(days => 10)`, bind/call.ts). Absent: PostgreSQL's function has no argument
   * names either, and a named call is 42883 there too.
   */
  readonly argNames?: readonly string[];
  /**
   * The defaults of the `optional` trailing parameters, in order: a named call may skip one and
   * give a later one (`make_interval(days => 10)` skips years, months, weeks). Absent: a call
   * must leave out only a trailing run (the implementation then sees fewer arguments).
   */
  readonly argDefaults?: readonly Datum[];
  /** Result type, or computed from the resolved argument types for polymorphic entries. */
  readonly returns: number | ((argTypes: readonly number[]) => number);
  readonly strict: boolean;
  readonly volatility: Volatility;
  /** Orders text by the call's input collation (cx.textOrder), as varstr_cmp does. */
  readonly collated?: boolean;
  /** Scalar implementation. For set-returning functions, `set` instead. */
  readonly call?: (args: readonly Datum[], cx: CallContext) => Datum;
  /** Set-returning: yields one value per row (a RecordValue's fields for multi-column results). */
  readonly set?: (args: readonly Datum[], cx: CallContext) => Iterable<Datum>;
  /** Column names and types of a set-returning function with several result columns (jsonb_each). */
  readonly setColumns?: readonly { readonly name: string; readonly type: number }[];
  /**
   * Name of the one result column of a single-column set-returning function whose PostgreSQL
   * declaration names it with an OUT parameter (jsonb_array_elements → "value"); absent: the
   * column is named after the function, as for unnest.
   */
  readonly setColumnName?: string;
  /** pg_operator.oprcom / commutator and negator symbols, used by the planner's rewrites. */
  readonly commutator?: string;
  readonly negator?: string;
}

/** An aggregate: state machine per group. `step` gets non-null args when `strict` (NULL rows skipped). */
export interface AggDef<S = unknown> {
  readonly name: string;
  readonly args: readonly number[];
  readonly returns: number | ((argTypes: readonly number[]) => number);
  readonly strict: boolean;
  /** Ordered-set aggregates (percentile_cont, mode): direct args, then WITHIN GROUP (ORDER BY x). */
  readonly orderedSet?: { readonly directArgs: readonly number[] };
  init(cx: CallContext): S;
  step(state: S, args: readonly Datum[], cx: CallContext): S;
  /** Result for the group; `count` is the number of step calls (0 → most aggregates return NULL). */
  final(state: S, cx: CallContext, directArgs?: readonly Datum[]): Datum;
  /** Inverse step for moving window frames (optional; without it the frame is recomputed). */
  readonly inverse?: (state: S, args: readonly Datum[], cx: CallContext) => S;
}

/** A window function proper (row_number, rank, lag, …); aggregates used with OVER are AggDefs. */
export interface WindowDef {
  readonly name: string;
  readonly args: readonly number[];
  readonly optional?: number;
  readonly returns: number | ((argTypes: readonly number[]) => number);
  /**
   * Value for the current row. `part` gives the partition's rows in window order, `row` the current
   * index, `peers` [first, last] indexes of its peer group, `frame` [first, last] of its frame,
   * `arg(i, r)` evaluates argument i on partition row r.
   */
  eval(w: WindowFrameView, cx: CallContext): Datum;
}

export interface WindowFrameView {
  readonly size: number;
  readonly row: number;
  readonly peers: readonly [number, number];
  readonly frame: readonly [number, number];
  arg(i: number, row: number): Datum;
  /** Peer-group number of a row (1-based), for rank / dense_rank. */
  peerGroup(row: number): number;
}

const funcs = new Map<string, FuncDef[]>();
const aggs = new Map<string, AggDef[]>();
const windows = new Map<string, WindowDef[]>();

const key = (name: string, kind: 'func' | 'op'): string => `${kind}:${name}`;

export function registerFunc(def: FuncDef): void {
  const k = key(def.name, def.kind);
  const list = funcs.get(k);
  if (list === undefined) funcs.set(k, [def]);
  else list.push(def);
}

export function registerAgg<S>(def: AggDef<S>): void {
  const d = def as unknown as AggDef;
  const list = aggs.get(d.name);
  if (list === undefined) aggs.set(d.name, [d]);
  else list.push(d);
}

export function registerWindow(def: WindowDef): void {
  const list = windows.get(def.name);
  if (list === undefined) windows.set(def.name, [def]);
  else list.push(def);
}

export function funcsNamed(name: string, kind: 'func' | 'op'): readonly FuncDef[] {
  return funcs.get(key(name, kind)) ?? [];
}

export function aggsNamed(name: string): readonly AggDef[] {
  return aggs.get(name) ?? [];
}

export function windowsNamed(name: string): readonly WindowDef[] {
  return windows.get(name) ?? [];
}

export function resultType(def: { readonly returns: number | ((t: readonly number[]) => number) }, argTypes: readonly number[]): number {
  return typeof def.returns === 'number' ? def.returns : def.returns(argTypes);
}

/** A standard PostgreSQL function the sidecar does not answer yet: 0A000 naming it, not 42883. */
export function notBuiltYet(name: string): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `function ${name}() is not supported by memstore yet`);
}
