/*
 * run.ts — the executor's entry: physical planning of a LogicalPlan, execution, EXPLAIN.
 *
 * Execution drives the root operator's generator. When an operator yields PAUSE (it worked about
 * SLICE_MS, 2 ms: slice-clock.ts), the driver awaits setImmediate, so the apply loop and other
 * connections run, then checks cancel (signal.reason) and statement_timeout (57014), and whether
 * a table the statement read changed meanwhile (TableState.changes, or the table was replaced):
 * then the statement starts over (nothing was sent: results are buffered), at most 3 times, and
 * the 4th run reads private copies of its tables (ByteMap.clone() of each, taken together in one
 * synchronous step), which nothing can change. So one statement sees one state of the store.
 *
 * Uncorrelated subqueries (PostgreSQL's init plans) are run ahead of the root in the same slices
 * (prefetch): evaluated where they appear they would run whole inside one expression, which
 * cannot yield. Correlated subqueries still run synchronously per evaluation (XXX), and so does
 * the clone step (at memcpy speed, proportional to the tables' size).
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
import { CteScanOp, WorkTableOp } from './ops/sets.js';
import { MemBudget, PAUSE, Runtime, type Row, type Step } from './runtime.js';
import { memstoreUse } from '../functions/memstore.js';
import { KV_TABLE_OID, type ExecHost } from '../functions/memstore-keyspace.js';

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
  /** Uncorrelated subqueries run ahead of the root (their rows go to rt.prefetched). */
  readonly initPlans: readonly { readonly node: PhysNode; readonly max: number }[];
  /** Relations of an immutable catalog snapshot the plan reads, by OID (never restart a statement). */
  readonly fixed: ReadonlyMap<number, TableState>;
}

/** Restarts before the statement runs over private copies of its tables. */
const RESTARTS = 3;

export function physicalPlan(plan: LogicalPlan, store: Store, fixed: ReadonlyMap<number, TableState> = new Map()): PhysicalPlan {
  const planner = new Planner(store, fixed);
  // Refuses memstore's asynchronous functions (0A000); the key space is read like a table.
  const keySpace = memstoreUse(plan).keySpace;
  const root = planner.plan(optimize(plan), null, null);
  if (keySpace) planner.tables.set(KV_TABLE_OID, 'memstore.kv');
  for (const oid of fixed.keys()) planner.tables.delete(oid);
  const compiled: Compiled = { logical: plan, root, tables: planner.tables, initPlans: planner.initPlans.filter((p) => selfContained(p.node)), fixed };
  return compiled;
}

/**
 * Whether a subquery's rows are the same whenever it runs in the statement: not when it reads the
 * work table of a recursive union it sits in (that changes per iteration, and is empty before),
 * nor a CTE whose plan is printed elsewhere (not visible here to check; left to run in place).
 */
function selfContained(n: PhysNode): boolean {
  if (n instanceof WorkTableOp || (n instanceof CteScanOp && n.children.length === 0)) return false;
  return n.children.every(selfContained) && (n.subplans ?? []).every(selfContained);
}

const RESTART = Symbol('restart');

/**
 * Runs the plan against one consistent state of the store and returns its rows as text-format
 * DataRow bodies. `params` are the Bind values in text form (null = NULL), typed by the bound query.
 * `host` is the engine around the execution, for memstore's functions that need it.
 */
export async function runPlan(p: PhysicalPlan, store: Store, ctx: ExecContext, params: readonly (string | null)[], paramTypes: readonly number[], settings: EvalSettings, limits: ExecLimits, host: ExecHost | null = null): Promise<ExecResult> {
  const c = p as Compiled;
  const started = performance.now();
  const values: Datum[] = params.map((t, i) => (t === null ? null : typeInfo(paramTypes[i] ?? 25).input(t, -1, settings)));
  for (let attempt = 0; ; attempt++) {
    const rt = new Runtime(store, settings, values, ctx.signal, limits.workMemBytes, limits.statementTimeoutMs, attempt >= RESTARTS, started, c.fixed);
    rt.host = host;
    rt.checkInterrupts();
    if (rt.cloned) rt.takeAll(c.tables);
    const rows = await drive(c, rt, ctx.resultFormats ?? null);
    if (rows === RESTART) continue;
    return { kind: 'rows', rows: rows[Symbol.iterator](), tag: (n) => `SELECT ${n}` };
  }
}

/** Lets the event loop run once; false when a table read changed meanwhile (restart). */
async function pause(rt: Runtime): Promise<boolean> {
  rt.sliceEnded();
  await new Promise<void>((resolve) => setImmediate(resolve));
  rt.checkInterrupts();
  if (rt.changed()) return false;
  rt.resumed();
  return true;
}

/**
 * Runs the uncorrelated subqueries ahead, in slices, so that an `IN (SELECT …)` over a large
 * table does not run in one synchronous step when the first row evaluates it (drainSync). The
 * rows are exactly what that evaluation would read (same state of the store, same row limit). A
 * subquery that fails here is left to run, and fail, where PostgreSQL would evaluate it (maybe
 * never: an error must not come from a subquery the statement does not reach); cancel and
 * statement_timeout are the statement's. The cost: a subquery the statement never reaches runs.
 */
async function prefetch(c: Compiled, rt: Runtime): Promise<boolean> {
  for (const { node, max } of c.initPlans) {
    const rows: Row[] = [];
    const it = node.run(rt);
    let failed = false;
    for (;;) {
      let n: IteratorResult<Step, void>;
      try {
        n = it.next();
      } catch {
        rt.checkInterrupts();
        failed = true;
        break;
      }
      if (n.done === true) break;
      if (n.value === PAUSE) {
        if (await pause(rt)) continue;
        it.return(undefined);
        return false;
      }
      rows.push(n.value);
      if (rows.length >= max) {
        it.return(undefined);
        break;
      }
    }
    if (!failed) rt.prefetched.set(node, rows);
  }
  return true;
}

/**
 * The settings a binary result column is printed under: the canonical text pgwire converts to
 * binary (ExecContext.resultFormats), not what the session shows.
 */
function canonical(s: EvalSettings): EvalSettings {
  return { ...s, dateStyle: 'ISO', intervalStyle: 'postgres', extraFloatDigits: Math.max(1, s.extraFloatDigits), byteaOutput: 'hex' };
}

async function drive(c: Compiled, rt: Runtime, formats: Uint8Array | null): Promise<Uint8Array[] | typeof RESTART> {
  const outputs = c.logical.columns.map((col) => typeInfo(col.type));
  const width = outputs.length;
  const forBinary = formats === null ? null : canonical(rt.settings);
  const settings = outputs.map((_, i) => (formats?.[i] === 1 ? forBinary! : rt.settings));
  const mem = new MemBudget(rt, 'the buffered result');
  const out: Uint8Array[] = [];
  const texts = new Array<ColumnInput>(width).fill(null);
  if (c.initPlans.length > 0 && !(await prefetch(c, rt))) return RESTART;
  const it = c.root.run(rt);
  for (;;) {
    const n = it.next();
    if (n.done === true) {
      rt.sliceEnded();
      break;
    }
    const row = n.value;
    if (row === PAUSE) {
      if (await pause(rt)) continue;
      it.return(undefined);
      return RESTART;
    }
    for (let i = 0; i < width; i++) {
      const d = row[i] ?? null;
      texts[i] = d === null ? null : outputs[i]!.output(d, settings[i]!);
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
