/*
 * applier.ts — turns the decoded pgoutput stream into store changes, one whole transaction at a
 * time.
 *
 * Purpose and invariants:
 *   - Begin…Commit is buffered; at Commit the whole transaction is applied in one synchronous
 *     call, so no reader (same event loop) ever sees half of it. appliedLsn moves to the commit's
 *     end LSN in that same step.
 *   - Exactly-once: a transaction whose commit LSN is below store.appliedLsn is already in the
 *     store (a replay after reconnect or restart) and is skipped whole — including its Relation
 *     messages, which describe a shape the store has already moved past.
 *   - A table copied on its own (added to the publication later) has `syncedAt`: its changes in
 *     transactions committed before that point are already in the copy and are skipped.
 *   - A transaction that mentions a table the store has never copied cannot be applied until the
 *     table's rows are copied; commit() then returns the tables to sync and keeps the
 *     transaction, and the pipeline calls commit() again once they are loaded.
 *   - Malformed memstore messages are quarantined (counted, logged with their LSN) and skipped;
 *     the valid changes around them are applied.
 *
 * Relation changes mid-stream (ALTER TABLE ADD/DROP COLUMN, a changed key): stored rows are
 * rewritten into the new shape by column name, re-keyed if the key changed.
 * XXX: a column added with a DEFAULT reads as NULL in rows stored before the ALTER, because the
 * stream never carries those rows again. PostgreSQL keeps the default in pg_attribute.attmissingval;
 * fetching it needs a catalog round trip the synchronous apply step cannot make. Documented in
 * README; a resync (restart without a dump) repairs it.
 *
 * Buffering: the open transaction is kept as the raw pgoutput messages it arrived as (spill.ts:
 * in memory up to --txn-memory-limit, in a temporary file beyond) and decoded as it is applied, so
 * memory is bounded however big the transaction. Relation messages are also kept decoded (they
 * decide whether the transaction needs a table copy first). Once applied, the same messages (Begin
 * through Commit) go to `onApplied` — the change log records exactly what was applied.
 *
 * Left out: REPLICA IDENTITY FULL tables (no unique key in the stream) and tables without a key
 * are reported and skipped, never half-applied.
 */
import { copyBytes } from '../bytes.js';
import { decodePgoutput, type Commit, type PgoutputMessage, type Relation } from '../decode/pgoutput.js';
import { decodeMemstoreOp, DEFAULT_OP_LIMITS, MalformedOp, type OpLimits } from '../decode/memstore-op.js';
import { formatLsn, type Lsn } from '../lsn.js';
import { encodeKey } from '../store/key-codec.js';
import { columnValues, hasUnchanged, reshapeRow, resolveUnchanged } from '../store/row.js';
import { describeKey, type Store, type TableState } from '../store/store.js';
import type { Logger } from '../log.js';
import { unixMicrosFromPg } from '../pg/time.js';
import type { MessageSource } from '../snapshot/change-log.js';
import { TxnBuffer, type SpillOptions } from './spill.js';


export interface ApplierOptions {
  readonly log: Logger;
  readonly limits?: OpLimits;
  /** Where and beyond what size the open transaction spills to a file. */
  readonly spill?: SpillOptions;
  /** Called with each applied transaction's messages, Begin…Commit (the change log). */
  readonly onApplied?: (commit: Commit, messages: MessageSource) => void;
}

/** What commit() reports. */
export type CommitOutcome =
  | { readonly kind: 'applied'; readonly changes: number }
  | { readonly kind: 'skipped' }
  /** These relations must be copied (store.tables filled, syncedAt set) before commit() is retried. */
  | { readonly kind: 'needs-sync'; readonly relations: readonly Relation[] };

export class Applier {
  private readonly buffer: TxnBuffer;
  /** Relation messages of the open transaction, decoded. */
  private relations: Relation[] = [];
  /** The raw Commit message of the transaction being committed (kept across a needs-sync). */
  private commitRaw: Uint8Array | undefined;
  private open = false;
  /** Transactions that went over the memory limit and spilled to a file. */
  spilled = 0;
  private readonly onApplied: ApplierOptions['onApplied'];
  private readonly limits: OpLimits;
  private readonly log: Logger;
  private readonly reported = new Set<number>();

  constructor(private readonly store: Store, options: ApplierOptions) {
    this.log = options.log;
    this.limits = options.limits ?? DEFAULT_OP_LIMITS;
    this.onApplied = options.onApplied;
    this.buffer = new TxnBuffer({ ...options.spill, onSpill: () => this.spilled++ });
  }

  /** A transaction is open (Begin seen, Commit not yet). */
  get inTransaction(): boolean {
    return this.open;
  }

  /** Forget a partly received transaction (the connection dropped; the server resends it). */
  reset(): void {
    this.clear();
  }

  private clear(): void {
    this.buffer.clear();
    this.relations = [];
    this.commitRaw = undefined;
    this.open = false;
  }

  /**
   * An INSERT, UPDATE, DELETE or TRUNCATE inside the open transaction, kept undecoded until the
   * transaction is applied (the caller checked the tag byte and inTransaction).
   */
  bufferRaw(raw: Uint8Array): void {
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
          if (msg.prefix === 'memstore') {
            this.quarantine(msg.lsn, 'non-transactional memstore message (the SQL functions emit transactional ones)');
          }
          return undefined;
        }
        if (msg.prefix !== 'memstore') return undefined;
        this.buffer.push(raw);
        return undefined;
      case 'type':
      case 'origin':
        return undefined;
      case 'relation':
        this.relations.push(msg.relation);
        this.buffer.push(raw);
        return undefined;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        this.buffer.push(raw);
        return undefined;
    }
  }

  /**
   * Applies the buffered transaction. Returns needs-sync (and keeps the transaction) when it
   * touches a table the store has not copied; call again after the copy.
   */
  commit(commit: Commit): CommitOutcome {
    const store = this.store;
    if (commit.commitLsn < store.appliedLsn) {
      this.log.debug('skipped transaction already applied', { commit_lsn: formatLsn(commit.commitLsn), applied: formatLsn(store.appliedLsn) });
      this.clear();
      store.counters.skippedTransactions++;
      return { kind: 'skipped' };
    }
    const unknown = this.unknownRelations();
    if (unknown.length > 0) return { kind: 'needs-sync', relations: unknown };

    let changes = 0;
    const commitUs = unixMicrosFromPg(commit.commitTime);
    this.buffer.forEach((raw) => {
      changes += this.applyOne(decodePgoutput(raw), commit.commitLsn, commitUs);
    });
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
    return true;
  }

  /** Relations in the buffered transaction whose rows the store has never copied. */
  private unknownRelations(): Relation[] {
    return this.relations.filter((r) => !this.store.tables.has(r.oid));
  }

  private applyOne(msg: PgoutputMessage, commitLsn: Lsn, commitUs: number): number {
    switch (msg.tag) {
      case 'relation':
        this.applyRelation(msg.relation);
        return 0;
      case 'insert': {
        const t = this.liveTable(msg.relationOid, commitLsn);
        if (!t) return 0;
        t.rows.set(this.keyOf(t, msg.newTuple), msg.newTuple);
        return 1;
      }
      case 'update': {
        const t = this.liveTable(msg.relationOid, commitLsn);
        if (!t) return 0;
        const newKey = this.keyOf(t, msg.newTuple);
        let row = msg.newTuple;
        if (msg.keyTuple) {
          // The key changed: the row moves. Unchanged TOAST values come from the old row.
          const oldKey = this.keyOf(t, msg.keyTuple);
          const old = t.rows.get(oldKey);
          t.rows.delete(oldKey);
          if (hasUnchanged(row)) row = resolveUnchanged(row, old);
        } else if (hasUnchanged(row)) {
          row = resolveUnchanged(row, t.rows.get(newKey));
        }
        t.rows.set(newKey, row);
        return 1;
      }
      case 'delete': {
        const t = this.liveTable(msg.relationOid, commitLsn);
        if (!t) return 0;
        const tuple = msg.keyTuple ?? msg.oldTuple;
        if (tuple) t.rows.delete(this.keyOf(t, tuple));
        return 1;
      }
      case 'truncate': {
        let n = 0;
        for (const oid of msg.relationOids) {
          const t = this.liveTable(oid, commitLsn);
          if (!t) continue;
          t.rows.clear();
          n++;
        }
        return n;
      }
      case 'message':
        return this.applyMemstore(msg.content, msg.lsn, commitUs);
      case 'begin':
      case 'commit':
      case 'type':
      case 'origin':
        return 0;
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
    const kv = this.store.kv;
    switch (op.op) {
      case 'set':
        kv.set(op.key, op.value, op.exp);
        break;
      case 'delete':
        kv.delete(op.key);
        break;
      case 'clear':
        kv.clear();
        break;
      case 'touch':
        kv.touch(op.key, op.exp, commitUs);
        break;
      case 'set_many':
        for (const item of op.items) kv.set(item.key, item.value, item.exp);
        break;
      case 'delete_prefix':
        kv.deletePrefix(op.prefix);
        break;
    }
    this.store.counters.memstoreOps++;
    this.store.counters.memstoreOpsByKind[op.op]++;
    return 1;
  }

  private quarantine(lsn: Lsn, reason: string): void {
    this.store.counters.quarantined++;
    this.log.warn('memstore message quarantined', { lsn: formatLsn(lsn), reason });
  }

  private liveTable(oid: number, commitLsn: Lsn): TableState | undefined {
    const t = this.store.tables.get(oid);
    if (!t) {
      // Cannot happen: unknownRelations() holds such a transaction back. Refuse to guess.
      throw new Error(`change for relation ${oid} without a Relation message`);
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

  private keyOf(t: TableState, tuple: Uint8Array): Uint8Array {
    const values = columnValues(tuple, t.keyIndexes);
    for (let i = 0; i < values.length; i++) {
      if (!values[i]) {
        throw new Error(`${t.relation.schema}.${t.relation.name}: key column ${t.relation.columns[t.keyIndexes[i]!]?.name} is NULL or unchanged in a change`);
      }
    }
    return encodeKey(t.keyTypeOids, values as Uint8Array[]);
  }

  /** A Relation message for a table the store has: follow a changed shape or key. */
  private applyRelation(next: Relation): void {
    const t = this.store.tables.get(next.oid);
    if (!t) return; // held back by unknownRelations(); cannot happen here
    const prev = t.relation;
    const sameShape =
      prev.columns.length === next.columns.length &&
      prev.columns.every((c, i) => {
        const n = next.columns[i]!;
        return c.name === n.name && c.typeOid === n.typeOid && c.typeMod === n.typeMod && c.isKey === n.isKey;
      }) &&
      prev.replicaIdentity === next.replicaIdentity;
    if (sameShape) {
      if (prev.schema !== next.schema || prev.name !== next.name) t.relation = next; // renamed
      return;
    }
    const wasLive = t.status === 'live';
    const oldKeyIndexes = t.keyIndexes.join(',');
    describeKey(t, next);
    if (t.status !== 'live') {
      if (wasLive) this.log.warn('table no longer applied', { table: `${next.schema}.${next.name}`, reason: t.reason });
      return;
    }
    // Map new columns to old ones by name; new ones are NULL in stored rows (see XXX above).
    const sources = next.columns.map((c) => prev.columns.findIndex((p) => p.name === c.name));
    const identity = sources.every((s, i) => s === i) && sources.length === prev.columns.length;
    const rekey = oldKeyIndexes !== t.keyIndexes.join(',') || next.columns.some((c, i) => c.isKey && prev.columns[sources[i]!]?.typeOid !== c.typeOid);
    if (identity && !rekey) return;
    const entries = [...t.rows.entries()];
    if (rekey) t.rows.clear();
    const fills = next.columns.map(() => null);
    for (const [key, row] of entries) {
      const shaped = identity ? row : reshapeRow(row, sources, fills);
      t.rows.set(rekey ? this.keyOf(t, shaped) : key, shaped);
    }
    this.log.info('table shape changed; stored rows rewritten', {
      table: `${next.schema}.${next.name}`,
      rows: entries.length,
      columns: next.columns.map((c) => c.name),
    });
  }
}

/** Count of tables the store applies, for status output. */
export function describeTables(store: Store): { table: string; status: string; rows: number; reason: string }[] {
  return [...store.tables.values()].map((t) => ({
    table: `${t.relation.schema}.${t.relation.name}`,
    status: t.status,
    rows: t.rows.size,
    reason: t.reason,
  }));
}

/** A pgoutput Commit message (flags 0), for a commit that came without its bytes. */
function encodeCommit(commit: Commit): Uint8Array {
  const b = Buffer.alloc(26);
  b.writeUInt8(0x43, 0); // C
  b.writeUInt8(0, 1);
  b.writeBigUInt64BE(commit.commitLsn, 2);
  b.writeBigUInt64BE(commit.endLsn, 10);
  b.writeBigInt64BE(commit.commitTime, 18);
  return b;
}
