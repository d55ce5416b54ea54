/*
 * run.ts — the executor's entry: physical planning of a LogicalPlan, execution, EXPLAIN.
 */
import type { ExecContext, ExecResult } from '../../pgwire/engine.js';
import type { Store } from '../../store/store.js';
import type { LogicalPlan } from '../logical/plan.js';
import type { EvalSettings } from '../types/registry.js';
import { notSupported } from '../errors.js';

export interface ExecLimits {
  /** statement_timeout in ms; 0 = none (57014 "canceling statement due to statement timeout"). */
  readonly statementTimeoutMs: number;
  /** work_mem in bytes for each sort, hash table and aggregate (53200 when exceeded). */
  readonly workMemBytes: number;
}

/** The physical plan: made once per cached statement, run per execution. Opaque outside exec/. */
export interface PhysicalPlan {
  readonly logical: LogicalPlan;
}

export function physicalPlan(plan: LogicalPlan, store: Store): PhysicalPlan {
  void store;
  return { logical: plan };
}

/**
 * Runs the plan against one consistent state of the store and returns its rows as text-format
 * DataRow bodies. `params` are the Bind values in text form (null = NULL), typed by the bound query.
 */
export function runPlan(p: PhysicalPlan, store: Store, ctx: ExecContext, params: readonly (string | null)[], paramTypes: readonly number[], settings: EvalSettings, limits: ExecLimits): Promise<ExecResult> {
  void p; void store; void ctx; void params; void paramTypes; void settings; void limits;
  return Promise.reject(notSupported('this query'));
}

/** EXPLAIN's lines for the plan (one text column "QUERY PLAN"). */
export function explainPlan(p: PhysicalPlan): string[] {
  void p;
  return [];
}
