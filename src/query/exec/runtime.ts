/*
 * runtime.ts — the state of one execution of a physical plan, shared by all its operators.
 *
 * Operators are generators of rows (Row = Datum[]) that also yield PAUSE when the statement has
 * worked for about a time slice: the driver (run.ts) then awaits setImmediate so the apply loop
 * and other connections run, and checks cancel, statement_timeout and the consistency of the
 * tables read before resuming. A PAUSE from a child is always forwarded up unchanged.
 *
 * Invariants:
 *   - closures compiled from expressions are per plan; everything that varies per execution
 *     (parameters, settings, outer rows, CTE results, cached uncorrelated subqueries) lives here;
 *   - `outer` is a stack: a correlated subquery or the inner side of a LATERAL join pushes the row
 *     it is evaluated for, synchronously around each pull of the inner side, and pops it again;
 *     ColumnExpr.levelsUp = k reads outer[outer.length - k];
 *   - the tables are read through table(), which records the state each table had: the driver
 *     compares it after every pause (changed() → restart the statement), and in clone mode
 *     every table is read from a private copy taken in one synchronous step.
 *
 * Memory is counted per operator (MemBudget) against work_mem; exceeding it is 53200 with a
 * DETAIL naming the operator (no spilling to disk: XXX).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { ByteMap } from '../../store/byte-map.js';
import type { Store, TableState } from '../../store/store.js';
import { syncingError } from '../select-source.js';
import type { CallContext } from '../functions/registry.js';
import type { Datum } from '../types/datum.js';
import type { EvalSettings } from '../types/registry.js';

export type Row = Datum[];
export const PAUSE: unique symbol = Symbol('pause');
export type Step = Row | typeof PAUSE;
export type Rows = Generator<Step, void, undefined>;

/** How long a statement works before it lets the event loop run. */
const SLICE_MS = 5;

export interface TableRead {
  readonly state: TableState;
  readonly rows: ByteMap;
}

export class Runtime {
  /** Rows of enclosing queries (correlated subqueries, LATERAL). */
  readonly outer: Row[] = [];
  /** Materialised CTEs by id, and the work tables of recursive unions. */
  readonly ctes = new Map<number, Row[]>();
  readonly worktables = new Map<number, Row[]>();
  /** Results of uncorrelated subqueries, by their compiled node. */
  readonly subqueries = new Map<object, unknown>();
  private readonly read = new Map<number, { state: TableState; changes: number; rows: ByteMap }>();
  private ticks = 0;
  private sliceStart = performance.now();
  /** 0 = none */
  readonly deadline: number;

  constructor(
    readonly store: Store,
    readonly settings: EvalSettings,
    readonly params: readonly Datum[],
    readonly signal: AbortSignal,
    readonly workMem: number,
    timeoutMs: number,
    /** Read private copies of the tables (after repeated restarts). */
    readonly cloned: boolean,
    startedAt: number,
    /** Tables that cannot change under the statement (the catalog snapshot's relations), by OID. */
    private readonly fixed: ReadonlyMap<number, TableState> = new Map(),
  ) {
    this.deadline = timeoutMs > 0 ? startedAt + timeoutMs : 0;
  }

  /** True about every SLICE_MS of work: the caller yields PAUSE. Cheap enough to call per row. */
  shouldPause(): boolean {
    if ((++this.ticks & 127) !== 0) return false;
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  resumed(): void {
    this.sliceStart = performance.now();
    this.ticks = 0;
  }

  /** Cancel and statement_timeout; for synchronous loops (subqueries, sorts, SRFs). */
  checkInterrupts(): void {
    if (this.signal.aborted) throw this.signal.reason;
    if (this.deadline !== 0 && performance.now() > this.deadline) throw statementTimeout();
  }

  /** Same as checkInterrupts, but only every few calls (per-row loops). */
  tick(): void {
    if ((++this.ticks & 1023) === 0) this.checkInterrupts();
  }

  /** The table as this execution sees it (recorded for the consistency check). */
  table(oid: number, name: string): TableRead {
    const seen = this.read.get(oid);
    if (seen !== undefined) return seen;
    // Not recorded: an immutable snapshot's relation never makes the statement start over.
    const v = this.fixed.get(oid);
    if (v !== undefined) return { state: v, rows: v.rows };
    const state = this.store.tables.get(oid);
    if (state === undefined) throw new SqlError(SQLSTATE.undefined_table, `relation "${name}" does not exist`);
    if (state.status === 'skipped') {
      throw new SqlError(SQLSTATE.feature_not_supported, `relation "${state.relation.schema}.${state.relation.name}" is not replicated by memstore: ${state.reason}`);
    }
    if (state.status === 'syncing') throw syncingError(state);
    const entry = { state, changes: state.changes ?? 0, rows: this.cloned ? state.rows.clone() : state.rows };
    this.read.set(oid, entry);
    return entry;
  }

  /** Takes every table of the statement now, in one synchronous step (clone mode). */
  takeAll(tables: ReadonlyMap<number, string>): void {
    for (const [oid, name] of tables) this.table(oid, name);
  }

  /** Whether a table read so far changed or was replaced since it was first read. */
  changed(): boolean {
    if (this.cloned) return false;
    for (const [oid, r] of this.read) {
      if (this.store.tables.get(oid) !== r.state || (r.state.changes ?? 0) !== r.changes) return true;
    }
    return false;
  }
}

export function statementTimeout(): SqlError {
  return new SqlError(SQLSTATE.query_canceled, 'canceling statement due to statement timeout');
}

/** Bytes held by one operator (sort buffer, hash table, aggregate states), checked against work_mem. */
export class MemBudget {
  private used = 0;
  private rows = 0;
  private perRow = 0;
  constructor(
    private readonly rt: Runtime,
    private readonly operator: string,
  ) {}

  /** Counts a row held by the operator; its size is sampled (every 64th row), not measured each time. */
  addRow(row: Row, extra = 0): void {
    if ((this.rows++ & 63) === 0) this.perRow = rowBytes(row) + extra;
    this.add(this.perRow);
  }

  add(bytes: number): void {
    this.used += bytes;
    if (this.used > this.rt.workMem) {
      throw new SqlError(SQLSTATE.out_of_memory, 'out of memory', {
        detail: `${this.operator} needs more than work_mem (${Math.round(this.rt.workMem / 1024)}kB); memstore does not spill to disk.`,
        hint: 'Raise work_mem for this session, or narrow the query.',
      });
    }
  }
}

/** Approximate heap bytes of a row (array header, one slot per field, payloads of strings/objects). */
export function rowBytes(row: Row): number {
  let n = 16 + 8 * row.length;
  for (let i = 0; i < row.length; i++) {
    const d = row[i];
    if (typeof d === 'string') n += 16 + d.length;
    else if (typeof d === 'object' && d !== null) n += d instanceof Uint8Array ? 64 + d.length : 64;
    else if (typeof d === 'bigint') n += 16;
  }
  return n;
}

/**
 * The CallContext of one call site: argument and result types fixed at compile time, settings and
 * interrupts of the execution that calls it (set just before each synchronous call).
 */
export class CallSite implements CallContext {
  rt: Runtime | null = null;
  constructor(
    readonly argTypes: readonly number[],
    readonly resultType: number,
    private readonly fallback: EvalSettings,
  ) {}

  get settings(): EvalSettings {
    return this.rt === null ? this.fallback : this.rt.settings;
  }

  checkInterrupts(): void {
    this.rt?.checkInterrupts();
  }
}

/** Runs a plan to completion synchronously (subqueries), checking interrupts at its pauses. */
export function drainSync(rows: Rows, rt: Runtime, max = Infinity): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    if (r === PAUSE) {
      rt.checkInterrupts();
      continue;
    }
    out.push(r);
    if (out.length >= max) break;
  }
  return out;
}
