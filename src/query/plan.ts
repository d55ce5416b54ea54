/*
 * plan.ts — what the analysis of one statement produces, and the small result helpers every
 * statement kind uses.
 *
 * A Plan is immutable and may be shared by many executions, sessions and (for texts that differ
 * only in literals) query texts; everything that varies per execution arrives in Args.
 *
 * Interface:
 *   Plan                           fields, parameter types, run(ctx, args)
 *   EngineEnv                      what plans read besides the session: store, waiters, hooks
 *   command(tag) / oneRow(values)  ExecResult builders
 *   computedField(name, type)      a RowDescription field that is no table column
 */
import type { LsnWaiters } from '../apply/lsn-waiters.js';
import type { CatalogSnapshot } from '../catalog/snapshot.js';
import { buildRow } from '../store/row.js';
import type { ExecContext, ExecResult, FieldDescription, SessionState } from '../pgwire/engine.js';
import type { Store } from '../store/store.js';
import { typeSize } from '../pg/types.js';
import type { Args } from './values.js';

export interface Plan {
  readonly fields: readonly FieldDescription[] | null;
  readonly paramTypeOids: readonly number[];
  /** COMMIT / ROLLBACK / ROLLBACK TO: allowed in a failed transaction block. */
  readonly txExit: boolean;
  /** False when the plan was made against tables or a search_path that changed since. */
  valid(session: SessionState): boolean;
  run(ctx: ExecContext, args: Args): ExecResult | Promise<ExecResult>;
}

export interface EngineEnv {
  readonly store: Store;
  readonly waiters: LsnWaiters;
  readonly stats: (() => Record<string, unknown>) | undefined;
  readonly save: (() => Promise<bigint>) | undefined;
  readonly load: (() => Promise<bigint>) | undefined;
  /** The text inside "(memstore …)" of version(). */
  readonly version: string;
  /** The primary's catalog as copied (catalog/): absent when the sidecar does not read it. */
  readonly catalog?: CatalogSource;
}

/** Where plans get the current catalog snapshot (catalog/catalog.ts implements it). */
export interface CatalogSource {
  readonly current: CatalogSnapshot | undefined;
  /** Schedules a refresh when the store's tables no longer match the snapshot (cheap). */
  check(): void;
}

export const selectTag = (n: number): string => `SELECT ${n}`;

export function command(tag: string): ExecResult {
  return { kind: 'command', tag };
}

export function rowsOf(rows: readonly Uint8Array[], tag: (n: number) => string = selectTag): ExecResult {
  return { kind: 'rows', rows: rows[Symbol.iterator](), tag };
}

export function oneRow(values: readonly (string | null)[]): ExecResult {
  return rowsOf([buildRow(values)]);
}

export function computedField(name: string, typeOid: number): FieldDescription {
  return { name, tableOid: 0, columnAttr: 0, typeOid, typeSize: typeSize(typeOid), typeMod: -1 };
}

export const alwaysValid = (): boolean => true;
