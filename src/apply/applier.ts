/*
 * applier.ts — turns the decoded pgoutput stream into store changes, one whole transaction at a
 * time.
 *
 * Purpose and invariants:
 *   - Begin…Commit is buffered as received, undecoded (apply/spill.ts: in memory up to
 *     --txn-memory-limit, then in a temporary file); at Commit it is decoded and applied whole in
 *     one synchronous call, so no reader (same event loop) ever sees half of it. appliedLsn moves to the commit's
 *     end LSN in that same step.
 *   - Exactly-once: a transaction whose commit LSN is below store.appliedLsn is already in the
 *     store (a replay after reconnect or restart) and is skipped whole — including its Relation
 *     messages, which describe a shape the store has already moved past.
 *   - A table in status 'syncing' (new to the store, or being copied again after DDL) is never
 *     applied to: its changes are held in order with their commit LSN (apply/resync.ts). Once the
 *     sync worker has copied it at consistent point C and appliedLsn ≥ C, swapReady() swaps the
 *     copy in and replays the held changes committed at or after C, in one synchronous step (at
 *     the commit or idle advance that takes appliedLsn past C, or when the copy lands if the
 *     stream is already there). A transaction touching a live and a syncing table applies the
 *     live part at its commit; readers cannot read the syncing table, so nobody sees half of it.
 *   - The stream never waits for a copy.
 *   - Malformed memstore and memstore.ddl messages are quarantined (counted, logged with their
 *     LSN) and skipped; the valid changes around them are applied.
 *
 * Relation changes mid-stream: a pure table rename (same columns, types, typmods, key, identity)
 * renames; any other difference sends the table to 'syncing' (a fresh copy), except a table
 * that loses its key, which is skipped at once. memstore.ddl messages (the event triggers of
 * sql/memstore.sql) do the same for DDL the Relation message cannot show or shows only at the
 * table's next write: renames, table rewrites (ALTER COLUMN TYPE … USING), enum/domain changes,
 * drops (the table leaves the store at that commit: reads get 42P01), new published tables.
 *
 * Left out: REPLICA IDENTITY FULL tables (no unique key in the stream) and tables without a key
 * are reported and skipped, never half-applied.
 */
import { DDL_PREFIX, decodeDdlMessage, MalformedDdl } from '../decode/ddl-message.js';
import { copyBytes } from '../bytes.js';
import { decodePgoutput, type Commit, type PgoutputMessage } from '../decode/pgoutput.js';
import type { MessageSource } from '../frames.js';
import type { Relation } from '../pg/relation.js';
import { decodeMemstoreOp, DEFAULT_OP_LIMITS, MalformedOp, type OpLimits } from '../decode/memstore-op.js';
import { formatLsn, type Lsn } from '../lsn.js';
import { buildRow, columnCount, columnValue, columnValues, hasUnchanged, resolveUnchanged } from '../store/row.js';
import { describeKey, rowKey, streamRelation, tableChanged, unservable, type DdlChange, type PendingChange, type Store, type TableState } from '../store/store.js';
import type { Logger } from '../log.js';
import { unixMicrosFromPg } from '../pg/time.js';
import { ddlRelation, describeChange, keyless, PARTITIONS_MAY_HAVE_CHANGED, placeholderRelation, startResync, TABLE_COMMANDS } from './resync.js';
import { TxnBuffer, type SpillOptions } from './spill.js';
import { applyMemstoreOp } from './memstore-apply.js';
import { mayBeHeld, u32 } from './raw-message.js';

export interface ApplierOptions {
  readonly log: Logger;
  readonly limits?: OpLimits;
  /** The publication followed: a table a memstore.ddl message shows created joins only if in it. */
  readonly publication?: string;
  /** A table entered 'syncing': the sync worker has work. */
  readonly onResync?: () => void;
  /** A copy was swapped in: the contents changed without a transaction (dumps must not reuse files). */
  readonly onSwapped?: () => void;
  /** Where and beyond what size the open transaction spills to a file. */
  readonly spill?: SpillOptions;
  /** Called with each applied transaction's messages, Begin…Commit (the change log). */
  readonly onApplied?: (commit: Commit, messages: MessageSource) => void;
}

/** What commit() reports. */
export type CommitOutcome =
  | { readonly kind: 'applied'; readonly changes: number }
  | { readonly kind: 'skipped' };

export class Applier {
  /** The open transaction's messages as received (raw), decoded only when it is applied. */
  private readonly buffer: TxnBuffer;
  /** The raw Commit message of the transaction being committed (for the change log). */
  private commitRaw: Uint8Array | undefined;
  private open = false;
  /** Relations the open transaction changes (applyRelation ignores other unknown ones). */
  private changed = new Set<number>();
  /** Transactions that went over the memory limit and spilled to a file. */
  spilled = 0;
  private readonly onApplied: ApplierOptions['onApplied'];
  private readonly limits: OpLimits;
  private readonly log: Logger;
  private readonly reported = new Set<number>();
  private readonly publication: string | undefined;
  private readonly onResync: () => void;
  private readonly onSwapped: () => void;
  /** Smallest consistent point of a copy waiting for the stream (recomputed by swapReady). */
  private nextSwapAt: Lsn | undefined;
  /** The end LSN of the transaction being applied (undefined between transactions). */
  private applying: Lsn | undefined;
  /**
   * Per table oid, the stream position at which the stream last changed the table's description
   * or presence (rename, resync, skip, drop, swap): a catalog read begun before it may describe
   * the table as it was before (noteCatalog).
   */
  private readonly describedAt = new Map<number, Lsn>();

  constructor(private readonly store: Store, options: ApplierOptions) {
    this.log = options.log;
    this.limits = options.limits ?? DEFAULT_OP_LIMITS;
    this.publication = options.publication;
    this.onResync = options.onResync ?? (() => undefined);
    this.onSwapped = options.onSwapped ?? (() => undefined);
    this.onApplied = options.onApplied;
    this.buffer = new TxnBuffer({ ...options.spill, onSpill: () => this.spilled++ });
  }

  /** A transaction is open (Begin seen, Commit not yet). */
  get inTransaction(): boolean {
    return this.open;
  }

  /** Bytes of the open transaction's messages received so far (in memory or spilled); 0 between transactions. */
  get openBytes(): number {
    return this.open ? this.buffer.bytes : 0;
  }

  /** Forget a partly received transaction (the connection dropped; the server resends it). */
  reset(): void {
    this.clear();
  }

  private clear(): void {
    this.buffer.clear();
    this.changed.clear();
    this.commitRaw = undefined;
    this.open = false;
  }

  /**
   * An INSERT, UPDATE, DELETE or TRUNCATE inside the open transaction, kept undecoded until the
   * transaction is applied (the caller checked the tag byte and inTransaction). Only the relation
   * oids are read now (pgoutput without streaming: the oid follows the tag; TRUNCATE has a count
   * and an options byte first).
   */
  bufferRaw(raw: Uint8Array): void {
    if (raw[0] === 0x54 /* T */) {
      const n = u32(raw, 1);
      for (let i = 0; i < n; i++) this.changed.add(u32(raw, 6 + 4 * i));
    } else {
      this.changed.add(u32(raw, 1));
    }
    this.buffer.push(raw);
  }

  /**
   * Feeds one decoded message and the bytes it was decoded from. Returns a CommitOutcome for a
   * Commit, undefined otherwise.
   */
  handle(msg: PgoutputMessage, raw: Uint8Array): CommitOutcome | undefined {
    switch (msg.tag) {
      case 'begin':
        this.clear();
        this.open = true;
        this.buffer.push(raw);
        return undefined;
      case 'commit':
        this.commitRaw = copyBytes(raw);
        return this.commit(msg);
      case 'message':
        if (!msg.transactional) {
          if (msg.prefix === 'memstore' || msg.prefix === DDL_PREFIX) {
            this.quarantine(msg.lsn, `non-transactional ${msg.prefix} message (memstore.sql emits transactional ones)`);
          }
          return undefined;
        }
        if (msg.prefix !== 'memstore' && msg.prefix !== DDL_PREFIX) return undefined;
        this.buffer.push(raw);
        return undefined;
      case 'type':
      case 'origin':
        return undefined;
      case 'relation':
        this.buffer.push(raw);
        return undefined;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        this.bufferRaw(raw);
        return undefined;
    }
  }

  /** Applies the buffered transaction, then swaps in the copies its commit made due. */
  commit(commit: Commit): CommitOutcome {
    const store = this.store;
    if (commit.commitLsn < store.appliedLsn) {
      this.log.debug('skipped transaction already applied', { commit_lsn: formatLsn(commit.commitLsn), applied: formatLsn(store.appliedLsn) });
      this.clear();
      store.counters.skippedTransactions++;
      return { kind: 'skipped' };
    }
    let changes = 0;
    const commitUs = unixMicrosFromPg(commit.commitTime);
    // A change held for a syncing table outlives this call: it must not be a view into the
    // spill file's reused window, nor pin a whole in-memory arena of the buffer (spill.ts).
    const spilled = this.buffer.spilled;
    this.applying = commit.endLsn;
    this.buffer.forEach((raw) => {
      const own = spilled || mayBeHeld(this.store, raw) ? copyBytes(raw) : raw;
      changes += this.applyOne(decodePgoutput(own), commit.commitLsn, commitUs);
    });
    this.applying = undefined;
    store.appliedLsn = commit.endLsn;
    store.contentLsn = commit.endLsn;
    store.lastCommitTime = commit.commitTime;
    if (commit.commitTime > store.streamClock) store.streamClock = commit.commitTime;
    store.counters.transactions++;
    store.counters.changes += changes;
    if (this.onApplied) {
      const buffer = this.buffer;
      const last = this.commitRaw ?? encodeCommit(commit);
      this.onApplied(commit, { bytes: buffer.bytes + 4 + last.length, forEach: (fn) => (buffer.forEach(fn), fn(last)) });
    }
    this.clear();
    this.swapDue();
    return { kind: 'applied', changes };
  }


  /**
   * Idle-slot advance: the server says everything before walEnd was decoded and sent. Its send
   * time (µs since 2000, the source's clock) moves the stream clock the expiry sweeper follows.
   */
  advanceIdle(walEnd: Lsn, sendTime?: bigint): boolean {
    if (this.open || walEnd < this.store.appliedLsn) return false;
    if (sendTime !== undefined && sendTime > this.store.streamClock) this.store.streamClock = sendTime;
    if (walEnd === this.store.appliedLsn) return false;
    this.log.debug('idle advance', { from: formatLsn(this.store.appliedLsn), to: formatLsn(walEnd) });
    this.store.appliedLsn = walEnd;
    this.swapDue();
    return true;
  }

  /**
   * Swaps in every finished copy whose consistent point the stream has reached, replaying the
   * changes held since. Synchronous: call between transactions (after a commit, an idle advance,
   * or when the sync worker hands over a copy). True when a table became readable.
   */
  swapReady(): boolean {
    const applied = this.store.appliedLsn;
    const due: TableState[] = [];
    let next: Lsn | undefined;
    for (const t of this.store.tables.values()) {
      const at = t.resync?.copy?.at;
      if (at === undefined) continue;
      if (applied >= at) due.push(t);
      else if (next === undefined || at < next) next = at;
    }
    this.nextSwapAt = next;
    for (const t of due) this.swap(t);
    if (due.length > 0) this.onSwapped();
    return due.length > 0;
  }

  /** swapReady() when a copy may be due: the apply step stays O(1) while none is. */
  private swapDue(): void {
    if (this.nextSwapAt !== undefined && this.store.appliedLsn >= this.nextSwapAt) this.swapReady();
  }

  private swap(t: TableState): void {
    const store = this.store;
    const oid = t.relation.oid;
    if (store.tables.get(oid) !== t) return;
    const { state, at } = t.resync!.copy!;
    // Changes committed before the consistent point are in the copy.
    const later = t.resync!.pending.filter((p) => p.commitLsn >= at);
    const waitedMs = Date.now() - (t.since ?? Date.now());
    this.described(oid);
    if (state === undefined) {
      store.tables.delete(oid);
      this.log.info('table is not in the publication any more; removed from the store', { table: qualified(t.relation), consistent_point: formatLsn(at) });
      if (later.length > 0) {
        startResync(store, t.relation, 'changes arrived after a copy found it unpublished', later);
        this.onResync();
      }
      return;
    }
    state.syncedAt = at;
    state.since = Date.now();
    store.tables.set(oid, state);
    store.contentLsn = store.appliedLsn;
    this.log.info('table synchronized', { table: qualified(state.relation), status: state.status, rows: state.rows.size, consistent_point: formatLsn(at), replayed: later.length, after_ms: waitedMs, reason: t.reason });
    for (const p of later) {
      if (p.msg.tag === 'ddl') this.applyDdlRelation(p.msg, p.commitLsn, p.commitUs);
      else this.applyOne(p.msg, p.commitLsn, p.commitUs);
    }
  }

  /** Holds a change of a syncing table until its copy is swapped in. */
  private hold(t: TableState, msg: PendingChange['msg'], commitLsn: Lsn, commitUs: number): void {
    (t.resync ??= { pending: [], phase: 'queued' }).pending.push({ msg, commitLsn, commitUs });
  }

  /** The stream changed the table's description or presence here (see describedAt). */
  private described(oid: number): void {
    this.describedAt.set(oid, this.applying ?? this.store.appliedLsn);
  }

  private resync(relation: Relation, reason: string, keyOrder: readonly string[] = []): void {
    this.described(relation.oid);
    startResync(this.store, relation, reason, [], keyOrder);
    this.log.info('table is copied again beside the stream', { table: qualified(relation), reason });
    this.onResync();
  }

  private applyOne(msg: PgoutputMessage, commitLsn: Lsn, commitUs: number): number {
    switch (msg.tag) {
      case 'relation': {
        const t = this.store.tables.get(msg.relation.oid);
        if (t?.status === 'syncing') this.hold(t, msg, commitLsn, commitUs);
        else this.applyRelation(msg.relation);
        return 0;
      }
      case 'insert': {
        const t = this.liveTable(msg.relationOid, msg, commitLsn, commitUs);
        if (!t) return 0;
        const row = t.generated === undefined ? msg.newTuple : this.generate(t, t.generated.widen(msg.newTuple));
        if (row === undefined) return 0;
        t.rows.set(rowKey(t, row), row);
        tableChanged(t);
        return 1;
      }
      case 'update': {
        const t = this.liveTable(msg.relationOid, msg, commitLsn, commitUs);
        if (!t) return 0;
        const gen = t.generated;
        let row = gen === undefined ? msg.newTuple : gen.widen(msg.newTuple);
        if (msg.keyTuple) {
          // The key changed, or part of it is stored out of line (PostgreSQL then sends the old
          // key whole, and the new tuple marks that part unchanged): unchanged TOAST values come
          // from the old key tuple and the old row, and the row moves if its key did.
          const keyTuple = gen === undefined ? msg.keyTuple : gen.widen(msg.keyTuple);
          const oldKey = rowKey(t, keyTuple);
          const old = t.rows.get(oldKey);
          t.rows.delete(oldKey);
          if (hasUnchanged(row)) row = resolveUpdate(t.keyIndexes, row, keyTuple, old);
        } else if (hasUnchanged(row)) {
          row = resolveUnchanged(row, t.rows.get(rowKey(t, row)));
        }
        if (gen !== undefined) {
          const computed = this.generate(t, row);
          if (computed === undefined) return 0;
          row = computed;
        }
        t.rows.set(rowKey(t, row), row);
        tableChanged(t);
        return 1;
      }
      case 'delete': {
        const t = this.liveTable(msg.relationOid, msg, commitLsn, commitUs);
        if (!t) return 0;
        const tuple = msg.keyTuple ?? msg.oldTuple;
        if (tuple) t.rows.delete(rowKey(t, t.generated === undefined ? tuple : t.generated.widen(tuple)));
        tableChanged(t);
        return 1;
      }
      case 'truncate': {
        let n = 0;
        for (const oid of msg.relationOids) {
          const t = this.liveTable(oid, { ...msg, relationOids: [oid] }, commitLsn, commitUs);
          if (!t) continue;
          t.rows.clear();
          tableChanged(t);
          n++;
        }
        return n;
      }
      case 'message':
        if (msg.prefix === DDL_PREFIX) return this.applyDdl(msg.content, msg.lsn, commitLsn, commitUs);
        return this.applyMemstore(msg.content, msg.lsn, commitUs);
      case 'begin':
      case 'commit':
      case 'type':
      case 'origin':
        return 0;
    }
  }

  /**
   * The row with its generated columns computed, or undefined when the evaluation raised: the
   * primary committed the row, so memstore cannot make it as the primary did and stops serving
   * the table (until a fresh copy) rather than hold a wrong or missing value.
   */
  private generate(t: TableState, row: Uint8Array): Uint8Array | undefined {
    try {
      return t.generated!.compute(row);
    } catch (err) {
      unservable(t, `${qualified(t.relation)}: computing its generated columns failed where the primary did not: ${(err as Error).message}`);
      this.log.error('table no longer served', { table: qualified(t.relation), reason: t.reason });
      return undefined;
    }
  }

  /** One memstore op; `commitUs` (µs since 1970) is its transaction's commit time. */
  private applyMemstore(content: Uint8Array, lsn: Lsn, commitUs: number): number {
    let op;
    try {
      op = decodeMemstoreOp(content, this.limits);
    } catch (err) {
      if (err instanceof MalformedOp) {
        this.quarantine(lsn, err.message);
        return 0;
      }
      throw err;
    }
    applyMemstoreOp(this.store.kv, op, commitUs);
    this.store.counters.memstoreOps++;
    this.store.counters.memstoreOpsByKind[op.op]++;
    return 1;
  }

  private quarantine(lsn: Lsn, reason: string): void {
    this.store.counters.quarantined++;
    this.log.warn('memstore message quarantined', { lsn: formatLsn(lsn), reason });
  }

  /** The table to apply `msg` to, or undefined when it is held (syncing) or not applied. */
  private liveTable(oid: number, msg: PgoutputMessage, commitLsn: Lsn, commitUs: number): TableState | undefined {
    let t = this.store.tables.get(oid);
    if (!t) {
      // The walsender sent this relation's description before the store forgot the table (it
      // was dropped from the store, e.g. unpublished, then published again): copy it afresh.
      this.resync(placeholderRelation(oid, '', `relation ${oid}`), 'a change arrived for a table the store did not hold');
      t = this.store.tables.get(oid)!;
    }
    if (t.status === 'syncing') {
      this.hold(t, msg, commitLsn, commitUs);
      return undefined;
    }
    if (t.status !== 'live') {
      if (t.status === 'skipped' && !this.reported.has(oid)) {
        this.reported.add(oid);
        this.log.warn('table not applied', { table: `${t.relation.schema}.${t.relation.name}`, reason: t.reason });
      }
      return undefined;
    }
    if (commitLsn < t.syncedAt) return undefined;
    return t;
  }

  /** A Relation message for a table not syncing: rename, resync, skip, or start following it. */
  private applyRelation(next: Relation): void {
    const t = this.store.tables.get(next.oid);
    if (!t) {
      // With publish_via_partition_root, pgoutput also describes the leaf partition a change went
      // to, besides the root it is published as: a leaf the transaction does not change itself is
      // no table of the stream's (copying it would serve an empty table).
      if (this.changed?.has(next.oid)) this.resync(next, 'new in the publication');
      return;
    }
    const change = describeChange(streamRelation(t.relation), next);
    if (change === undefined) {
      if (t.relation.schema !== next.schema || t.relation.name !== next.name) {
        this.log.info('table renamed', { from: qualified(t.relation), to: qualified(next) });
        this.described(next.oid);
        describeKey(t, { ...t.relation, schema: next.schema, name: next.name });
      }
      return;
    }
    this.reshape(t, next, `resynchronizing after ALTER TABLE: ${change}`);
  }

  /** The table's description changed: skip it at once if it lost its key, else copy it again. */
  private reshape(t: TableState, next: Relation, reason: string, keyOrder: readonly string[] = []): void {
    if (keyless(next)) {
      this.described(next.oid);
      const skipped = this.store.newTableState(next, keyOrder);
      this.store.tables.set(next.oid, skipped);
      if (t.status === 'live') this.log.warn('table no longer applied', { table: qualified(next), reason: skipped.reason });
      return;
    }
    this.resync(next, reason, keyOrder);
  }

  /**
   * The periodic catalog check (sidecar/follower.ts) read this description of a published table:
   * act on what the stream has not shown — a new table, a rename or a changed shape with no write
   * since, DDL on a server without the event triggers. The catalog may be ahead of the stream;
   * a resync started early is still exact (its copy is consistent after the DDL). It may also be
   * behind: read from `readFrom` on, it may miss what the stream changed after that point (a
   * rename, an identity, a drop), and such a table is left to the next check.
   */
  noteCatalog(relation: Relation, keyOrder: readonly string[], attnums: readonly number[], readFrom?: Lsn): void {
    const streamAt = this.describedAt.get(relation.oid);
    if (readFrom !== undefined && streamAt !== undefined && streamAt > readFrom) {
      this.log.debug('catalog check: the stream changed the table after the read began; left to the next check', { oid: relation.oid, read_from: formatLsn(readFrom), changed_at: formatLsn(streamAt) });
      return;
    }
    const t = this.store.tables.get(relation.oid);
    if (!t) {
      this.resync(relation, 'new in the publication (catalog check)', keyOrder);
      return;
    }
    if (t.status === 'syncing') return;
    const storeKey = t.keyIndexes.map((i) => t.relation.columns[i]!.name);
    let what = describeChange(t.relation, relation, storeKey, keyOrder);
    if (what === undefined && t.attnums !== undefined && t.attnums.length > 0 && t.attnums.join(',') !== attnums.join(',')) what = 'columns dropped and added again';
    if (what !== undefined) {
      this.reshape(t, relation, `resynchronizing after ALTER TABLE (seen by the catalog check): ${what}`, keyOrder);
      return;
    }
    if (t.relation.schema !== relation.schema || t.relation.name !== relation.name) {
      this.log.info('table renamed (catalog check)', { from: qualified(t.relation), to: qualified(relation) });
      describeKey(t, { ...t.relation, schema: relation.schema, name: relation.name });
    }
  }

  /** One memstore.ddl message (sql/memstore.sql event triggers), at its transaction's commit. */
  private applyDdl(content: Uint8Array, lsn: Lsn, commitLsn: Lsn, commitUs: number): number {
    let ddl;
    try {
      ddl = decodeDdlMessage(content);
    } catch (err) {
      if (err instanceof MalformedDdl) {
        this.quarantine(lsn, err.message);
        return 0;
      }
      throw err;
    }
    for (const relation of ddl.relations) this.applyDdlRelation({ tag: 'ddl', command: ddl.tag, relation }, commitLsn, commitUs);
    return 0;
  }

  private applyDdlRelation(change: DdlChange, commitLsn: Lsn, commitUs: number): void {
    const store = this.store;
    const rel = change.relation;
    const t = store.tables.get(rel.oid);
    if (rel.dropped) {
      if (t) {
        store.tables.delete(rel.oid);
        this.described(rel.oid);
        this.log.info('table dropped on the primary; removed from the store', { table: qualified(t.relation), command: change.command });
      }
      return;
    }
    if (!t) {
      if (this.publication !== undefined && rel.publications?.includes(this.publication)) {
        this.resync(placeholderRelation(rel.oid, rel.schema, rel.name), `new in the publication (${change.command})`);
      }
      return;
    }
    if (t.status === 'syncing') {
      this.hold(t, change, commitLsn, commitUs);
      return;
    }
    const shown = ddlRelation(rel);
    const storeKey = t.keyIndexes.map((i) => t.relation.columns[i]!.name);
    // A command on the table itself changes its rows' text only by a rewrite or a new description;
    // any other (ALTER TYPE … RENAME VALUE, ALTER DOMAIN, …) may change it with neither.
    const what = rel.rewrite
      ? `${change.command} rewrote the table`
      : shown === undefined || !TABLE_COMMANDS.has(change.command)
        ? change.command
        : (describeChange(streamRelation(t.relation), shown, storeKey, rel.key ?? []) ?? (rel.partitioned && change.command === 'ALTER TABLE' ? PARTITIONS_MAY_HAVE_CHANGED : undefined));
    if (what !== undefined) {
      this.reshape(t, { ...(shown ?? t.relation), schema: rel.schema, name: rel.name }, `resynchronizing after ${what.startsWith(change.command) ? what : `${change.command}: ${what}`}`, rel.key ?? t.keyOrder);
      return;
    }
    if (t.relation.schema !== rel.schema || t.relation.name !== rel.name) {
      this.described(rel.oid);
      this.log.info('table renamed', { from: qualified(t.relation), to: `${rel.schema}.${rel.name}` });
      describeKey(t, { ...t.relation, schema: rel.schema, name: rel.name });
    }
  }
}

function qualified(r: Relation): string {
  return `${r.schema}.${r.name}`;
}

/**
 * An UPDATE's new tuple with its unchanged-TOAST markers resolved: key columns from the old key
 * tuple (always whole: PostgreSQL detoasts it), the others from the stored row.
 */
function resolveUpdate(keyIndexes: readonly number[], next: Uint8Array, keyTuple: Uint8Array, stored: Uint8Array | undefined): Uint8Array {
  const keyValues = columnValues(keyTuple, keyIndexes);
  const n = columnCount(next);
  const values = new Array<Uint8Array | null>(n);
  for (let i = 0; i < n; i++) {
    const v = columnValue(next, i);
    if (v !== undefined) values[i] = v;
    else if (keyIndexes.includes(i)) values[i] = keyValues[keyIndexes.indexOf(i)] ?? null;
    else values[i] = stored ? (columnValue(stored, i) ?? null) : null;
  }
  return buildRow(values);
}

/** A Commit message for a transaction whose own was not kept (the change log needs one). */
function encodeCommit(commit: Commit): Uint8Array {
  const b = Buffer.alloc(26);
  b.writeUInt8(0x43, 0); // C
  b.writeUInt8(0, 1);
  b.writeBigUInt64BE(commit.commitLsn, 2);
  b.writeBigUInt64BE(commit.endLsn, 10);
  b.writeBigInt64BE(commit.commitTime, 18);
  return b;
}
