/*
 * run.ts — the executor's entry: physical planning of a LogicalPlan, execution, EXPLAIN.
 *
 * Execution drives the root operator's generator. When an operator yields PAUSE (it worked about
 * 5 ms), the driver awaits setImmediate, so the apply loop and other connections run, then checks
 * cancel (signal.reason) and statement_timeout (57014), and whether a table the statement read
 * changed meanwhile (TableState.changes, or the table was replaced): then the statement starts
 * over (nothing was sent: results are buffered), at most 3 times, and the 4th run reads private
 * copies of its tables (ByteMap.clone() of each, taken together in one synchronous step), which
 * nothing can change. So one statement sees one state of the store.
 *
 * The buffered result counts against work_mem (53200). Rows are encoded as text-format DataRow
 * bodies with each type's output function under the session's settings.
 */
import type { ExecContext, ExecResult } from '../../pgwire/engine.js';
import type { Store, TableState } from '../../store/store.js';
import { buildRow, type ColumnInput } from '../../store/row.js';
import type { LogicalPlan } from '../logical/plan.js';
import { optimize } from '../logical/rules.js';
import type { Datum } from '../types/datum.js';
import { typeInfo, type EvalSettings } from '../types/registry.js';
import { explainLines, type PhysNode } from './node.js';
import { Planner } from './physical.js';
import { MemBudget, PAUSE, Runtime } from './runtime.js';

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

interface Compiled extends PhysicalPlan {
  readonly root: PhysNode;
  /** Every table the plan reads (subqueries and CTEs included): oid → qualified name. */
  readonly tables: ReadonlyMap<number, string>;
  /** Relations of an immutable catalog snapshot the plan reads, by OID (never restart a statement). */
  readonly fixed: ReadonlyMap<number, TableState>;
}

/** Restarts before the statement runs over private copies of its tables. */
const RESTARTS = 3;

export function physicalPlan(plan: LogicalPlan, store: Store, fixed: ReadonlyMap<number, TableState> = new Map()): PhysicalPlan {
  const planner = new Planner(store, fixed);
  const root = planner.plan(optimize(plan), null, null);
  for (const oid of fixed.keys()) planner.tables.delete(oid);
  const compiled: Compiled = { logical: plan, root, tables: planner.tables, fixed };
  return compiled;
}

const RESTART = Symbol('restart');

/**
 * Runs the plan against one consistent state of the store and returns its rows as text-format
 * DataRow bodies. `params` are the Bind values in text form (null = NULL), typed by the bound query.
 */
export async function runPlan(p: PhysicalPlan, store: Store, ctx: ExecContext, params: readonly (string | null)[], paramTypes: readonly number[], settings: EvalSettings, limits: ExecLimits): Promise<ExecResult> {
  const c = p as Compiled;
  const started = performance.now();
  const values: Datum[] = params.map((t, i) => (t === null ? null : typeInfo(paramTypes[i] ?? 25).input(t, -1, settings)));
  for (let attempt = 0; ; attempt++) {
    const rt = new Runtime(store, settings, values, ctx.signal, limits.workMemBytes, limits.statementTimeoutMs, attempt >= RESTARTS, started, c.fixed);
    rt.checkInterrupts();
    if (rt.cloned) rt.takeAll(c.tables);
    const rows = await drive(c, rt);
    if (rows === RESTART) continue;
    return { kind: 'rows', rows: rows[Symbol.iterator](), tag: (n) => `SELECT ${n}` };
  }
}

async function drive(c: Compiled, rt: Runtime): Promise<Uint8Array[] | typeof RESTART> {
  const outputs = c.logical.columns.map((col) => typeInfo(col.type));
  const width = outputs.length;
  const settings = rt.settings;
  const mem = new MemBudget(rt, 'the buffered result');
  const out: Uint8Array[] = [];
  const texts = new Array<ColumnInput>(width).fill(null);
  const it = c.root.run(rt);
  for (;;) {
    const n = it.next();
    if (n.done === true) break;
    const row = n.value;
    if (row === PAUSE) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      rt.checkInterrupts();
      if (rt.changed()) {
        it.return(undefined);
        return RESTART;
      }
      rt.resumed();
      continue;
    }
    for (let i = 0; i < width; i++) {
      const d = row[i] ?? null;
      texts[i] = d === null ? null : outputs[i]!.output(d, settings);
    }
    const body = buildRow(texts);
    out.push(body);
    mem.add(body.length + 32);
  }
  return out;
}

/** EXPLAIN's lines for the plan (one text column "QUERY PLAN"). */
export function explainPlan(p: PhysicalPlan): string[] {
  return explainLines((p as Compiled).root);
}
