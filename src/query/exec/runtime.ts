/*
 * runtime.ts — the state of one execution of a physical plan, shared by all its operators.
 *
 * Operators are generators of rows (Row = Datum[]) that also yield PAUSE when the statement has
 * worked for about a time slice (slice-clock.ts): the driver (run.ts) then awaits setImmediate
 * so the apply loop and other connections run, and checks cancel, statement_timeout and the
 * consistency of the tables read before resuming. A PAUSE from a child is always forwarded up unchanged.
 *
 * Invariants:
 *   - closures compiled from expressions are per plan; everything that varies per execution
 *     (parameters, settings, outer rows, CTE results, cached uncorrelated subqueries) lives here;
 *   - `outer` is a stack: a correlated subquery or the inner side of a LATERAL join pushes the row
 *     it is evaluated for, synchronously around each pull of the inner side, and pops it again;
 *     ColumnExpr.levelsUp = k reads outer[outer.length - k];
 *   - the tables are read through table(), which records the state each table had: the driver
 *     compares it after every pause (changed() → restart the statement), and in clone mode
 *     every table is read from a private copy taken in one synchronous step;
 *   - the memstore key space is read the same way, through keySpace() (memstore's functions) and
 *     table(KV_TABLE_OID) (memstore.kv scans): one view per execution, with one clock for
 *     expiries (functions/memstore-keyspace.ts); it is "table" KV_TABLE_OID for takeAll().
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
import { keySpaceMoved, kvRows, kvTableState, KV_TABLE_OID, takeKeySpace, type ExecHost, type KeySpace, type KeySpaceRead, type StatementAccess } from '../functions/memstore-keyspace.js';
import type { Datum } from '../types/datum.js';
import type { EvalSettings } from '../types/registry.js';
import { SliceClock } from './slice-clock.js';

export type Row = Datum[];
export const PAUSE: unique symbol = Symbol('pause');
export type Step = Row | typeof PAUSE;
export type Rows = Generator<Step, void, undefined>;

export interface TableRead {
  readonly state: TableState;
  readonly rows: ByteMap;
}

export class Runtime implements StatementAccess {
  /** Rows of enclosing queries (correlated subqueries, LATERAL). */
  readonly outer: Row[] = [];
  /** Materialised CTEs by id, and the work tables of recursive unions. */
  readonly ctes = new Map<number, Row[]>();
  readonly worktables = new Map<number, Row[]>();
  /** Results of uncorrelated subqueries, by their compiled node. */
  readonly subqueries = new Map<object, unknown>();
  /** Rows of uncorrelated subqueries the driver ran ahead (run.ts), by their plan node. */
  readonly prefetched = new Map<object, Row[]>();
  private readonly read = new Map<number, { state: TableState; changes: number; rows: ByteMap }>();
  private keys: KeySpaceRead | null = null;
  private kv: TableRead | null = null;
  /** The engine and session around this execution (memstore.stats(), snapshot()); set by runPlan. */
  host: ExecHost | null = null;
  private ticks = 0;
  private readonly slice = new SliceClock();
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
    return this.slice.over();
  }

  resumed(): void {
    this.slice.restart();
    this.ticks = 0;
  }

  /** The statement stops working for now (a PAUSE, or its end): the slice is counted. */
  sliceEnded(): void {
    this.slice.end();
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
    if (oid === KV_TABLE_OID) return (this.kv ??= { state: kvTableState(this.store), rows: kvRows(this.keySpace()) });
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

  /** The memstore key space as this execution sees it (taken at the first read). */
  keySpace(): KeySpace {
    this.keys ??= takeKeySpace(this.store, this.cloned);
    return this.keys.space;
  }

  /** Whether a table (or the key space) read so far changed or was replaced since it was first read. */
  changed(): boolean {
    if (this.cloned) return false;
    if (this.keys !== null && keySpaceMoved(this.store, this.keys)) return true;
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
  /** The text order of a collation-sensitive call (undefined: bytes). */
  textOrder: ((a: string, b: string) => number) | undefined = undefined;
  constructor(
    readonly argTypes: readonly number[],
    readonly resultType: number,
    private readonly fallback: EvalSettings,
  ) {}

  get settings(): EvalSettings {
    return this.rt === null ? this.fallback : this.rt.settings;
  }

  get statement(): StatementAccess | null {
    return this.rt;
  }

  checkInterrupts(): void {
    this.rt?.checkInterrupts();
  }
}

/** site with the text order of its call's input collation (aggregates: min/max order by it). */
export function orderedSite(site: CallSite, order: ((a: string, b: string) => number) | undefined): CallSite {
  site.textOrder = order;
  return site;
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
