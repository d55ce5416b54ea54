/*
 * store.ts — everything the sidecar holds in memory: one ordered byte map per replicated table,
 * the relation catalog that describes them, and the memstore key namespace.
 *
 * The store is a passive structure: apply/ is its only writer and runs each transaction in one
 * synchronous step, so a reader on the same event loop never sees half a transaction. Readers
 * take `appliedLsn` as the point the contents are consistent at.
 *
 * appliedLsn is an exclusive bound: every transaction whose commit record starts before it is in
 * the store, none after. It is the end LSN of the last applied commit, or the server's reported
 * WAL end when the stream was idle (records never overlap, so this is the same rule as "commit
 * LSN ≤ last applied commit LSN" in DESIGN.md, but it also covers the idle advance).
 */
import type { CollationCatalog } from './collations.js';
import type { DdlRelation } from '../decode/ddl-message.js';
import type { PgoutputMessage } from '../decode/pgoutput.js';
import type { Lsn } from '../lsn.js';
import type { Relation, RelationColumn } from '../pg/relation.js';
import type { ByteMap } from './byte-map.js';
import { encodeKey } from './key-codec.js';
import { MemstoreKeys } from './memstore.js';
import { columnValues } from './row.js';

export type TableStatus =
  /** Rows are applied. */
  | 'live'
  /**
   * Its rows are being copied (initial copy, a table new to the store, or a resync after DDL):
   * reads fail with 55000, its changes wait in `resync.pending` (apply/resync.ts).
   */
  | 'syncing'
  /** Not applied: no primary key or replica identity index, or an unsupported identity. */
  | 'skipped';

export interface TableState {
  relation: Relation;
  status: TableStatus;
  /** Why the table is skipped or syncing; empty otherwise. */
  reason: string;
  /** When the status last changed (ms since 1970), for "syncing since" in stats; 0 = unknown. */
  since?: number;
  /** Set while the table is resynchronized beside the stream (apply/resync.ts). */
  resync?: Resync;
  /**
   * pg_attribute.attnum of each column, from the copy that made the table (empty when unknown):
   * DROP COLUMN a; ADD COLUMN a … keeps names and maybe types, only the attnum tells.
   */
  attnums?: readonly number[];
  /** Column indexes of the key, in key order. */
  keyIndexes: number[];
  keyTypeOids: number[];
  /** Encoded key → DataRow body. */
  readonly rows: ByteMap;
  /**
   * Changes committed before this LSN are already in the rows (they came with the table's copy)
   * and are skipped for this table only. 0 when the table was never copied on its own.
   */
  syncedAt: Lsn;
  /**
   * Key column names in the key's own order (pg_index.indkey), from the catalog at copy time.
   * pgoutput only flags key columns, in column order; a composite key (b, a) must sort by b first.
   */
  keyOrder: readonly string[];
  /**
   * Set when the relation has generated columns (RelationColumn.generated): stream tuples lack
   * them, the applier widens each tuple to the stored layout and computes them. Undefined for
   * every other table (the applier's only per-change cost).
   */
  generated?: GeneratedRows;
  /** Set with status 'skipped' when the rows cannot be made as the primary's (unservable()). */
  unservable?: string;
  /** Why the rows may differ from the source although the table is live (until a fresh copy). */
  stale?: string;
  /**
   * Bumped by every change to the rows or the description (tableChanged): a statement that
   * yielded to the event loop compares it to tell whether the table moved under it (exec/run.ts).
   * Absent = 0. A table replaced whole is a new TableState, which readers detect by identity.
   */
  changes?: number;
}

/**
 * How a table with generated columns turns stream tuples into stored rows (made by the sidecar,
 * sidecar/generated-columns.ts, which compiles the expressions with the query layer).
 */
export interface GeneratedRows {
  /** A tuple of the stream's columns laid out as a stored row, generated columns NULL. */
  widen(tuple: Uint8Array): Uint8Array;
  /** The stored row with its generated columns computed from the others; throws when it cannot. */
  compute(row: Uint8Array): Uint8Array;
}

/** Compiles a table's generated columns; throws an Error saying why it cannot. */
export type GeneratedCompiler = (t: TableState) => GeneratedRows;

/** The relation as pgoutput describes it: without the generated columns. */
export function streamRelation(r: Relation): Relation {
  return r.columns.some((c) => c.generated !== undefined) ? { ...r, columns: r.columns.filter((c) => c.generated === undefined) } : r;
}

/** Notes a change of the table's rows or description for readers spanning event-loop turns. */
export function tableChanged(t: TableState): void {
  t.changes = (t.changes ?? 0) + 1;
}

/** A change of a syncing table, held until its copy is swapped in. */
export interface PendingChange {
  readonly msg: PgoutputMessage | DdlChange;
  /** Commit LSN of the change's transaction: below the copy's consistent point = in the copy. */
  readonly commitLsn: Lsn;
  readonly commitUs: number;
}

/** One relation of a memstore.ddl message (decode/ddl-message.ts), as a pending change. */
export interface DdlChange {
  readonly tag: 'ddl';
  readonly command: string;
  readonly relation: DdlRelation;
}

export type ResyncPhase = 'queued' | 'waiting for a consistent point' | 'copying' | 'waiting for the stream' | 'retrying';

export interface Resync {
  /** Changes since the table entered 'syncing', in stream order. Bounded by the copy's duration. */
  readonly pending: PendingChange[];
  /** The finished copy (undefined state: not published at `at`), waiting for appliedLsn ≥ at. */
  copy?: { readonly state: TableState | undefined; readonly at: Lsn };
  /** What the sync worker is doing for this table (stats). */
  phase: ResyncPhase;
}

export interface StoreCounters {
  transactions: number;
  changes: number;
  skippedTransactions: number;
  memstoreOps: number;
  quarantined: number;
  /** memstore ops applied, by kind. */
  memstoreOpsByKind: Record<MemstoreOpKind, number>;
  /** memstore keys deleted by the expiry sweeper. */
  memstoreExpired: number;
}

export type MemstoreOpKind = 'set' | 'delete' | 'clear' | 'set_many' | 'delete_prefix' | 'touch';

export class Store {
  readonly tables = new Map<number, TableState>();
  /**
   * The primary's collations of the held text columns (collations.ts), set by the sidecar;
   * undefined for a store no primary described (all text in C order).
   */
  collations: CollationCatalog | undefined;
  /** The memstore key space with its expiry index (memstore.ts). */
  readonly kv: MemstoreKeys;
  /**
   * Why the memstore keys may be stale: they came from a dump, but the slot that would have
   * carried the ops since was lost, so ops committed in between are missing. Empty when fresh.
   */
  memstoreStale = '';
  /** Compiles generated columns (set by the sidecar); without it such tables are not served. */
  generatedCompiler: GeneratedCompiler | undefined;
  appliedLsn: Lsn = 0n;
  /** Newest LSN durable on disk, by a dump or the change log (0 when none): the slot's flush. */
  durableLsn: Lsn = 0n;
  /** Commit time (µs since 2000-01-01) of the last applied transaction. */
  lastCommitTime = 0n;
  /**
   * The source's clock as the stream has shown it (µs since 2000-01-01): the newest applied
   * commit time, or the send time of a keepalive received with no transaction open. Every later
   * transaction commits at about this time or after; the expiry sweeper relies on that.
   */
  streamClock = 0n;
  /**
   * End LSN of the last transaction that changed the contents (or the point of a fresh copy):
   * a dump at or after it holds the same data as the store (idle advances change nothing).
   */
  contentLsn: Lsn = 0n;
  readonly counters: StoreCounters = {
    transactions: 0,
    changes: 0,
    skippedTransactions: 0,
    memstoreOps: 0,
    quarantined: 0,
    memstoreOpsByKind: { set: 0, delete: 0, clear: 0, set_many: 0, delete_prefix: 0, touch: 0 },
    memstoreExpired: 0,
  };

  constructor(private readonly newMap: () => ByteMap) {
    this.kv = new MemstoreKeys(newMap);
  }

  /**
   * The memstore tree itself (key → stored value, see memstore.ts for the value's layout).
   * Replaced whole when a dump is loaded; assigning it rebuilds the expiry index.
   */
  get memstore(): ByteMap {
    return this.kv.tree;
  }

  set memstore(tree: ByteMap) {
    this.kv.replace(tree);
  }

  createTable(relation: Relation, keyOrder: readonly string[] = []): TableState {
    const state = this.newTableState(relation, keyOrder);
    this.tables.set(relation.oid, state);
    return state;
  }

  /** A fresh, empty tree of the store's kind. */
  emptyTree(): ByteMap {
    return this.newMap();
  }

  /** A table state with a fresh, empty tree, not (yet) in `tables`. */
  newTableState(relation: Relation, keyOrder: readonly string[] = []): TableState {
    const state: TableState = {
      relation,
      status: 'live',
      reason: '',
      since: Date.now(),
      keyIndexes: [],
      keyTypeOids: [],
      rows: this.newMap(),
      syncedAt: 0n,
      keyOrder,
    };
    describeKey(state, relation);
    this.prepareGenerated(state);
    return state;
  }

  /**
   * Gives a table with generated columns its compiled expressions (TableState.generated), or
   * marks it not served with the reason: its rows would miss those values or hold wrong ones.
   */
  prepareGenerated(state: TableState): void {
    state.generated = undefined;
    if (!state.relation.columns.some((c) => c.generated !== undefined) || state.status === 'skipped') return;
    const qualified = `${state.relation.schema}.${state.relation.name}`;
    if (this.generatedCompiler === undefined) {
      unservable(state, `${qualified} has generated columns and nothing here computes them`);
      return;
    }
    try {
      state.generated = this.generatedCompiler(state);
    } catch (err) {
      unservable(state, `${qualified}: its generated columns cannot be computed as the primary does: ${(err as Error).message}`);
    }
  }

  tableByName(schema: string, name: string): TableState | undefined {
    for (const t of this.tables.values()) {
      if (t.relation.name === name && t.relation.schema === schema) return t;
    }
    return undefined;
  }

  memoryUsage(): number {
    let total = this.kv.memoryUsage();
    for (const t of this.tables.values()) total += t.rows.memoryUsage();
    return total;
  }
}

/**
 * The tree key of a row of this table: its key columns' values, order-preserving encoded. The
 * one spelling of row → key for apply, initial copy, peer bootstrap and dump load. A key column
 * that is NULL or an unchanged-TOAST marker cannot be keyed; only a decoded change can carry
 * one (copied rows come from NOT NULL key columns), hence the wording.
 */
export function rowKey(t: TableState, row: Uint8Array): Uint8Array {
  const values = columnValues(row, t.keyIndexes);
  for (let i = 0; i < values.length; i++) {
    if (!values[i]) {
      throw new Error(`${t.relation.schema}.${t.relation.name}: key column ${t.relation.columns[t.keyIndexes[i]!]?.name} is NULL or unchanged in a change`);
    }
  }
  return encodeKey(t.keyTypeOids, values as Uint8Array[]);
}

/**
 * Sets the key columns from a Relation message and decides whether the table can be applied:
 * only a key that identifies rows (the primary key under REPLICA IDENTITY DEFAULT, or a replica
 * identity index) can. FULL identity marks every column as "key", which is not unique.
 */
export function describeKey(state: TableState, relation: Relation): void {
  tableChanged(state);
  state.relation = relation;
  const keyIndexes: number[] = [];
  relation.columns.forEach((c: RelationColumn, i) => {
    if (c.isKey) keyIndexes.push(i);
  });
  const flagged = keyIndexes.map((i) => relation.columns[i]!.name);
  if (state.keyOrder.length === flagged.length && state.keyOrder.every((n) => flagged.includes(n))) {
    keyIndexes.sort((a, b) => state.keyOrder.indexOf(relation.columns[a]!.name) - state.keyOrder.indexOf(relation.columns[b]!.name));
  }
  state.keyIndexes = keyIndexes;
  state.keyTypeOids = keyIndexes.map((i) => relation.columns[i]!.typeOid);
  const qualified = `${relation.schema}.${relation.name}`;
  if (relation.replicaIdentity === 'full') {
    skip(state, `${qualified} has REPLICA IDENTITY FULL; memstore needs a primary key or a replica identity index to key its rows`);
  } else if (relation.replicaIdentity === 'nothing' || keyIndexes.length === 0) {
    skip(state, `${qualified} has no primary key or replica identity index; its changes are not applied`);
  } else if (state.status === 'skipped' && state.unservable === undefined) {
    state.status = 'live';
    state.reason = '';
  }
}

/**
 * The table cannot be served as the primary stores it (a generated column memstore cannot
 * compute, or computed where the primary did not fail): skipped until a fresh copy replaces the
 * state; describeKey does not bring it back.
 */
export function unservable(state: TableState, reason: string): void {
  skip(state, reason);
  state.unservable = reason;
  state.generated = undefined;
}

function skip(state: TableState, reason: string): void {
  tableChanged(state);
  state.status = 'skipped';
  state.reason = reason;
  state.rows.clear();
}
