/*
 * follower.ts — keeps the store following the source: slot, initial copy, stream, reconnect.
 *
 *   start ─► check source ─► (no state to resume) drop stale slot, create slot + snapshot,
 *            copy published tables ─► stream from the consistent point ─┐
 *                                   ▲                                   │ connection lost
 *                                   └──── backoff, resume at applied ◄──┘
 *
 * With --bootstrap-from, "copy published tables" is instead: create the slot (no snapshot), load
 * the tables and memstore keys from a peer sidecar at one LSN ≥ its consistent point, and stream
 * from there (bootstrap.ts). Resyncs after a slot lost while running still copy from the source.
 *
 * With the change log on (snapshot/change-log.ts), every applied transaction is appended to it;
 * a restart replays it after the dump through this same decode → apply path (replay.ts). A slot
 * that exists while there is no dump (or the dump is older than the slot's flush) is adopted, not
 * dropped: it may hold memstore ops nobody else has. The tables are copied under a temporary
 * slot's snapshot (changes before that point are skipped for them) and the slot streams from its
 * confirmed flush position, so its memstore ops are applied.
 *
 * The follower is the consumer of the replication stream: each XLogData is decoded and fed to
 * the applier synchronously. A table that must be copied while streaming (new to the store, or
 * changed by DDL) never pauses the stream: it is 'syncing', its changes are held, and the sync
 * worker (table-sync.ts) copies it beside the stream (apply/resync.ts explains the catch-up).
 */
import { Applier, type CommitOutcome } from '../apply/applier.js';
import { resyncRows } from '../apply/resync.js';
import { Backoff, classifySourceError, type SourceProblem } from './backoff.js';
import { copyRows, TableSync } from './table-sync.js';
import { startFromPeer } from './peer-start.js';
import { PartitionWatch } from './partition-watch.js';
import { copyBytes } from '../bytes.js';
import { LsnWaiters } from '../apply/lsn-waiters.js';
import { decodePgoutput, type Commit } from '../decode/pgoutput.js';
import type { OpLimits } from '../decode/memstore-op.js';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { SourceOptions } from '../replication/connection.js';
import { createSlotWithSnapshot, dropSlot } from '../replication/slot.js';
import type { Keepalive, XLogData } from '../replication/protocol.js';
import { ReplicationStream, type StreamConsumer } from '../replication/stream.js';
import { openSnapshot, publishedTables, type PublishedTable } from '../replication/table-copy.js';
import { checkSource, dropUnpublished, hasPublication, inactiveSlot, pendingDrops, readCatalog, withSourceClient } from './source-catalog.js';
import { DEFAULT_COMPACTION } from '../store/compaction.js';
import type { SpillOptions } from '../apply/spill.js';
import type { ChangeLog } from '../snapshot/change-log.js';
import { replayChangeLog } from './replay.js';
import { tableChanged, type Store, type TableState } from '../store/store.js';

export interface FollowerOptions {
  readonly source: SourceOptions;
  readonly slot: string;
  readonly publication: string;
  readonly store: Store;
  readonly log: Logger;
  readonly limits?: OpLimits;
  readonly statusIntervalMs?: number;
  readonly receiveTimeoutMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  /**
   * The store already holds the published tables consistent at store.appliedLsn (loaded from a
   * dump, or prepared by a benchmark): stream from the existing slot instead of copying afresh.
   * When the slot is gone, invalidated, or already past that LSN, the tables are copied afresh
   * from a new slot and the memstore keys are kept but marked possibly stale.
   */
  readonly resume?: boolean;
  /**
   * What the slot may forget: 'applied' (no dumps: the store is rebuilt by a fresh copy at start)
   * or 'durable' (dumps: only what the newest durable dump holds, store.durableLsn).
   */
  readonly flushMode?: 'applied' | 'durable';
  /** Called after the tables were copied afresh while the sidecar was running or resuming. */
  readonly onResync?: (reason: string) => void;
  /** Called when a table copied beside the stream was swapped in (the contents changed). */
  readonly onTableSynced?: () => void;
  /** Create the slot as a PostgreSQL 17 failover slot (kept on standbys that sync slots). */
  readonly failoverSlot?: boolean;
  /**
   * A peer sidecar's pgwire URL: with no state to resume from, load the tables and memstore keys
   * from it instead of copying the tables from the source (sidecar/bootstrap.ts).
   */
  readonly bootstrapFrom?: string;
  /** How long a bootstrap waits for the peer to reach the new slot's consistent point (ms). */
  readonly bootstrapWaitMs?: number;
  /**
   * How often the publication is read back to notice tables taken out of it (pgoutput says
   * nothing when that happens; their rows are then dropped from the store), new in it, renamed
   * or changed by DDL the stream has not shown. Default 10 s; 0 = never.
   */
  readonly publicationCheckMs?: number;
  /** Backoff of the sync worker after a failed copy round (ms; defaults 500 and 30 000). */
  readonly syncBackoffInitialMs?: number;
  readonly syncBackoffMaxMs?: number;
  /** The change log (durable mode only): applied transactions are appended, a resume replays it. */
  readonly changeLog?: ChangeLog;
  /** Where and beyond what size an open transaction spills to a file (apply/spill.ts). */
  readonly spill?: SpillOptions;
}

export type FollowerState = 'idle' | 'syncing' | 'streaming' | 'reconnecting' | 'stopped';

export class Follower implements StreamConsumer {
  state: FollowerState = 'idle';
  readonly waiters: LsnWaiters;
  private readonly applier: Applier;
  private stream: ReplicationStream | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Set while quiesced: the stream runs dry into this queue, nothing more is applied. */
  private blocked: { queue: Uint8Array[] } | undefined;
  /** Copies tables in status 'syncing' beside the stream. */
  readonly tableSync: TableSync;
  private generation = 0;
  private quiesced = false;
  private resuming = false;
  private reconnects = 0;
  private attempts = 0;
  /** Why the stream is not live while reconnecting (undefined while streaming). */
  problem: SourceProblem | undefined;
  /** The newest source error seen (kept after recovery, for stats). */
  lastError: string | undefined;
  /** When the next reconnect attempt starts (epoch ms), while waiting for it. */
  private retryAt: number | undefined;
  /** The server's WAL end as last reported (XLogData and keepalives): lag = this − applied. */
  serverWalEnd: Lsn = 0n;
  private stopWake: (() => void) | undefined;
  private publicationTimer: NodeJS.Timeout | undefined;
  private publicationCheck: Promise<void> | undefined;
  /** Partitions attached to or detached from roots published via the root (partition-watch.ts). */
  private readonly partitions = new PartitionWatch();
  /** Tables found unpublished, dropped from the store once the stream reaches `at`. */
  private unpublished: { oids: readonly number[]; at: Lsn } | undefined;
  /** Replaying the change log: what is applied is already in it. */
  private replaying = false;

  constructor(private readonly o: FollowerOptions) {
    this.waiters = new LsnWaiters(() => o.store.appliedLsn);
    this.applier = new Applier(o.store, {
      log: o.log,
      publication: o.publication,
      onResync: () => this.tableSync.kick(),
      onSwapped: () => this.o.onTableSynced?.(),
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.spill ? { spill: o.spill } : {}),
      ...(o.changeLog ? { onApplied: (c, messages) => (this.replaying ? undefined : o.changeLog!.appendTransaction(c.commitLsn, c.endLsn, messages)) } : {}),
    });
    this.tableSync = new TableSync({
      source: o.source,
      publication: o.publication,
      slot: o.slot,
      store: o.store,
      log: o.log,
      onCopied: () => {
        if (this.applier.swapReady()) this.waiters.notify();
      },
      onTableCopied: (table, state) => this.partitions.copied(table, state),
      ...(o.syncBackoffInitialMs !== undefined ? { backoffInitialMs: o.syncBackoffInitialMs } : {}),
      ...(o.syncBackoffMaxMs !== undefined ? { backoffMaxMs: o.syncBackoffMaxMs } : {}),
    });
  }

  /** Transactions that spilled to a file because they outgrew the memory limit. */
  get spilledTransactions(): number {
    return this.applier.spilled;
  }

  /** Bytes of the transaction being received, 0 between transactions. */
  get openTransactionBytes(): number {
    return this.applier.openBytes;
  }

  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Reconnect attempts made, successful or not. */
  get reconnectAttempts(): number {
    return this.attempts;
  }

  /** Milliseconds until the next reconnect attempt, while waiting for one. */
  get retryInMs(): number | undefined {
    return this.retryAt === undefined ? undefined : Math.max(0, this.retryAt - Date.now());
  }

  /** Resolves once the store holds the initial copy (or resumes a dump) and the stream is live. */
  async start(options: { resume?: boolean } = {}): Promise<void> {
    this.resuming = options.resume ?? this.o.resume ?? false;
    await checkSource(this.o.source, this.o.publication, this.o.log);
    const changeLog = this.o.changeLog;
    if (this.resuming && changeLog) await this.replay(changeLog);
    const problem = this.resuming ? await this.slotProblem() : 'there is no dump to resume from';
    if (problem !== undefined) {
      if (this.o.bootstrapFrom !== undefined) await this.bootstrap(this.o.bootstrapFrom, problem);
      else if (!(await this.adoptSlot(problem))) await this.initialSync(problem);
    }
    // After a fresh copy the log starts anew (and counts once a dump covers it).
    await changeLog?.begin(this.o.store.appliedLsn, problem !== undefined);
    await this.connect();
    this.loop = this.follow();
    this.tableSync.kick();
    this.startPublicationCheck();
  }

  /** Why the slot cannot replay from store.appliedLsn, or undefined when it can. */
  private slotProblem(): Promise<string | undefined> {
    return withSourceClient(this.o.source, async (client) => {
      const slot = await inactiveSlot(client, this.o.slot);
      const applied = this.o.store.appliedLsn;
      if (!slot) return `replication slot "${this.o.slot}" does not exist (dropped?)`;
      if (slot.walStatus === 'lost' || slot.invalidationReason) {
        return `replication slot "${this.o.slot}" was invalidated by PostgreSQL (${slot.invalidationReason ?? 'wal_status = lost'}): the WAL since the dump is gone`;
      }
      if (slot.plugin !== 'pgoutput') return `replication slot "${this.o.slot}" uses plugin ${slot.plugin}, not pgoutput`;
      if (slot.confirmedFlushLsn > applied) {
        return `replication slot "${this.o.slot}" is at ${formatLsn(slot.confirmedFlushLsn)}, past the dump's ${formatLsn(applied)}: it no longer holds the changes in between`;
      }
      // Tables dropped or taken out of the publication since the dump: nothing in the stream
      // would ever say so, so forget them now.
      const tables = await publishedTables(client, this.o.publication);
      const published = new Set(tables.map((t) => t.relation.oid));
      for (const [oid, t] of this.o.store.tables) {
        if (!published.has(oid)) {
          this.o.store.tables.delete(oid);
          this.o.log.info('table from the dump is no longer published; dropped from the store', { table: `${t.relation.schema}.${t.relation.name}` });
        }
      }
      // Tables the dump left out (they were being copied) or published since, and DDL while the
      // sidecar was down: copied again beside the stream (Applier.noteCatalog).
      for (const t of tables) this.applier.noteCatalog(t.relation, t.keyOrder, t.attnums);
      return undefined;
    });
  }

  /** Applies the change log's records after the loaded dump, through the stream's own path. */
  private async replay(changeLog: ChangeLog): Promise<void> {
    this.replaying = true;
    try {
      await replayChangeLog(changeLog, this.o.store, this.o.log, this.applier, (m) => this.process(m));
    } finally {
      this.replaying = false;
      this.applier.reset();
    }
  }

  /**
   * With dumps on, a slot this sidecar cannot resume exactly (no dump, or its flush is past the
   * dump) may still hold memstore ops that exist nowhere else: stream it instead of dropping it.
   * Returns false when the slot is gone or unusable (then the caller copies afresh).
   */
  private async adoptSlot(reason: string): Promise<boolean> {
    if (this.o.flushMode !== 'durable') return false;
    const { store, log, slot } = this.o;
    const info = await withSourceClient(this.o.source, (client) => inactiveSlot(client, slot));
    if (!info || info.walStatus === 'lost' || info.invalidationReason || info.plugin !== 'pgoutput') return false;
    this.state = 'syncing';
    const dumpLsn = this.resuming ? store.appliedLsn : undefined;
    log.warn('keeping the existing slot: it may hold memstore ops nobody else has; the tables are copied afresh beside it', {
      slot,
      reason,
      confirmed_flush: formatLsn(info.confirmedFlushLsn),
    });
    const created = await createSlotWithSnapshot(this.o.source, `${slot}_adopt_${process.pid}`, { temporary: true });
    store.tables.clear();
    this.unpublished = undefined;
    try {
      await this.copyTables(created.snapshotName, created.consistentPoint);
    } finally {
      await created.close();
    }
    store.appliedLsn = info.confirmedFlushLsn;
    store.contentLsn = created.consistentPoint;
    store.durableLsn = 0n;
    // The slot confirms nothing before a first dump covers its start (the log's first segment
    // then starts where the slot was created): only then are no ops missing from it.
    const firstLog = this.o.changeLog?.firstSegmentStart;
    const complete = dumpLsn === undefined ? firstLog === info.confirmedFlushLsn && store.memstore.size === 0 : dumpLsn >= info.confirmedFlushLsn;
    if (!complete) {
      store.memstoreStale = `memstore ops committed before ${formatLsn(info.confirmedFlushLsn)} that were not in a dump are missing (${reason})`;
      log.warn('memstore keys are possibly stale', { reason: store.memstoreStale });
    }
    if (this.resuming) this.o.onResync?.(reason);
    return true;
  }

  /** Lets the stream run dry into a queue: nothing more is applied until stop(). */
  quiesce(): void {
    this.quiesced = true;
    this.blocked ??= { queue: [] };
    this.stream?.pause();
  }

  /** Reports the current positions to the slot now (after a durable dump). */
  sendStatus(): void {
    this.stream?.sendStatus(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.stopWake?.();
    if (this.publicationTimer) clearInterval(this.publicationTimer);
    await this.publicationCheck;
    await this.tableSync.stop();
    await this.stream?.stop();
    await this.loop?.catch(() => undefined);
    this.waiters.rejectAll(new Error('the sidecar is shutting down'));
  }

  // --- start-up -------------------------------------------------------------------------------

  /** No state to resume from: a fresh slot and a full copy of the tables. */
  private async initialSync(reason: string): Promise<void> {
    this.state = 'syncing';
    const { store, log, slot } = this.o;
    const resync = this.resuming || store.tables.size > 0;
    if (resync) log.warn('copying the tables afresh from a new slot', { reason });
    await withSourceClient(this.o.source, async (client) => {
      if (await inactiveSlot(client, slot)) {
        log.info('dropping the existing slot: the tables are copied afresh', { slot, reason });
        await dropSlot(client, slot);
      }
    });
    const created = await createSlotWithSnapshot(this.o.source, slot, { failover: this.o.failoverSlot ?? false });
    log.info('created replication slot', { slot, consistent_point: formatLsn(created.consistentPoint) });
    store.tables.clear();
    this.unpublished = undefined;
    try {
      await this.copyTables(created.snapshotName);
    } catch (err) {
      // A slot nobody will stream from pins WAL: do not leave it behind.
      await created.close().catch(() => undefined);
      await this.dropCreatedSlot().catch((e: unknown) => log.warn('could not drop the slot after the copy failed', { slot, error: (e as Error).message }));
      throw err;
    }
    await created.close();
    store.appliedLsn = created.consistentPoint;
    store.durableLsn = 0n;
    if (store.memstore.size > 0) {
      store.memstoreStale = `memstore keys come from a dump older than the new slot; ops committed between the dump and ${formatLsn(created.consistentPoint)} are missing (${reason})`;
      log.warn('memstore keys kept from the dump are possibly stale', { reason });
    } else if (!resync) {
      log.info('memstore keys start empty: there is no dump to load', { slot });
    }
    if (resync) this.o.onResync?.(reason);
    // A resync while streaming: the log restarts from the copy (start() does it at start-up).
    if (this.loop) await this.o.changeLog?.begin(store.appliedLsn, true);
  }

  /** Drops this sidecar's slot once the connection that created it has let go of it. */
  private dropCreatedSlot(): Promise<void> {
    return withSourceClient(this.o.source, async (client) => {
      if (await inactiveSlot(client, this.o.slot, 5_000)) await dropSlot(client, this.o.slot);
    });
  }

  /** No state to resume from, and a peer to load it from (peer-start.ts). */
  private async bootstrap(peerUrl: string, reason: string): Promise<void> {
    this.state = 'syncing';
    const resync = this.resuming || this.o.store.tables.size > 0;
    this.unpublished = undefined;
    await startFromPeer({ ...this.o, noteCatalog: (relation, keyOrder, attnums) => this.applier.noteCatalog(relation, keyOrder, attnums) }, peerUrl, reason);
    if (resync) this.o.onResync?.(reason);
  }

  /**
   * Copies the publication's tables under a snapshot into the store (initial copy). `syncedAt`:
   * the snapshot's consistent point when the stream will start before it (an adopted slot), so
   * the tables skip the changes their copy already holds.
   */
  private async copyTables(snapshotName: string, syncedAt: Lsn = 0n): Promise<void> {
    const { log } = this.o;
    const snap = await openSnapshot(this.o.source, snapshotName);
    try {
      for (const table of await publishedTables(snap.client, this.o.publication)) {
        const t = this.tableFor(table);
        t.attnums = table.attnums;
        t.syncedAt = syncedAt;
        if (t.status !== 'live') {
          log.warn('table not applied', { table: qualified(table), reason: t.reason });
          continue;
        }
        t.status = 'syncing';
        // Nobody reads the table yet: lay the rows out in key order (compaction.ts).
        await copyRows(snap.client, table, t, log, DEFAULT_COMPACTION.afterCopyMaxKeys);
        t.status = 'live';
      }
    } finally {
      await snap.close();
    }
  }

  private tableFor(table: PublishedTable): TableState {
    const existing = this.o.store.tables.get(table.relation.oid);
    if (existing) {
      existing.rows.clear();
      tableChanged(existing);
    }
    const t = existing ?? this.o.store.createTable(table.relation, table.keyOrder);
    if (existing) this.o.store.prepareGenerated(t);
    this.partitions.copied(table, t);
    return t;
  }

  // --- the periodic catalog check (source-catalog.ts says what it is for and what it misses) ---
  private startPublicationCheck(): void {
    const every = this.o.publicationCheckMs ?? 10_000;
    if (every <= 0) return;
    const run = (): void => {
      if (this.publicationCheck || this.unpublished || this.state !== 'streaming' || this.stopped) return;
      this.publicationCheck = this.checkPublication()
        .catch((err: unknown) => this.o.log.warn('reading the publication back failed; retrying at the next check', { error: (err as Error).message }))
        .finally(() => (this.publicationCheck = undefined));
    };
    this.publicationTimer = setInterval(run, every);
    this.publicationTimer.unref();
    run();
  }

  /** Runs the catalog check now (tests; the timer runs it periodically). */
  async checkCatalog(): Promise<void> {
    await this.publicationCheck;
    await this.checkPublication();
  }

  private async checkPublication(): Promise<void> {
    const source = { ...this.o.source, applicationName: `${this.o.source.applicationName ?? 'memstore'} (publication check)` };
    const read = await readCatalog(source, this.o.publication, this.o.store, this.partitions, this.o.log, (t, what) => {
      if (!resyncRows(this.o.store, t, `resynchronizing: ${what}`)) return;
      this.o.log.info('table is copied again beside the stream', { table: `${t.relation.schema}.${t.relation.name}`, reason: what });
      this.tableSync.kick();
    });
    if (!read || this.stopped || this.state !== 'streaming') return;
    this.unpublished = pendingDrops(this.unpublished, read);
    for (const t of read.tables) this.applier.noteCatalog(t.relation, t.keyOrder, t.attnums, read.from);
    this.dropUnpublishedIfPassed();
  }

  /** Drops the unpublished tables now if the stream has passed their point between transactions. */
  private dropUnpublishedIfPassed(): void {
    if (this.unpublished && !this.applier.inTransaction && !this.blocked && this.o.store.appliedLsn >= this.unpublished.at) this.dropUnpublished();
  }

  private dropUnpublished(): void {
    const { oids, at } = this.unpublished!;
    this.unpublished = undefined;
    dropUnpublished(this.o.store, oids, at, this.o.publication, this.o.log);
  }

  // --- streaming ------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.generation++;
    this.blocked = this.quiesced ? { queue: [] } : undefined;
    this.applier.reset();
    const stream = new ReplicationStream({
      source: this.o.source,
      slot: this.o.slot,
      publication: this.o.publication,
      startLsn: this.o.store.appliedLsn,
      consumer: this,
      ...(this.o.statusIntervalMs !== undefined ? { statusIntervalMs: this.o.statusIntervalMs } : {}),
      ...(this.o.receiveTimeoutMs !== undefined ? { receiveTimeoutMs: this.o.receiveTimeoutMs } : {}),
    });
    this.stream = stream;
    await stream.start();
    this.state = 'streaming';
    this.o.log.info('streaming', { slot: this.o.slot, from: formatLsn(this.o.store.appliedLsn), proto_version: stream.protoVersion });
  }

  /*
   * The reconnect loop. Each attempt waits its backoff step first (backoff.ts), then: after a lost
   * slot, copies afresh (and keeps doing so on every attempt until one copy completes); after a
   * missing publication, asks the source whether it exists again — if not, the attempt fails
   * without opening a stream; if it was re-created, the changes made while it did not exist cannot
   * be decoded through this slot (PostgreSQL 17 looks the publication up as of each change), so it
   * copies afresh from a new slot too.
   */
  private async follow(): Promise<void> {
    const backoff = new Backoff({ initialMs: this.o.reconnectInitialMs ?? 200, maxMs: this.o.reconnectMaxMs ?? 30_000 });
    while (!this.stopped) {
      const connectedAt = Date.now();
      const appliedBefore = this.o.store.counters.transactions;
      const err = await this.stream!.ended;
      if (this.stopped) return;
      if (this.o.store.counters.transactions > appliedBefore || Date.now() - connectedAt >= backoff.maxMs) backoff.reset();
      this.state = 'reconnecting';
      let problem = classifySourceError(err?.message ?? 'the server ended the stream');
      this.o.log.warn('replication connection lost; reconnecting', {
        error: problem.error,
        problem: problem.kind,
        applied: formatLsn(this.o.store.appliedLsn),
        // A bug of ours (not a network or server error) needs its stack in the log.
        ...(err instanceof TypeError || err instanceof RangeError ? { stack: err.stack } : {}),
      });
      let resync: string | undefined;
      for (;;) {
        this.problem = problem;
        this.lastError = problem.error;
        const delay = backoff.next();
        this.retryAt = Date.now() + delay;
        await this.sleep(delay);
        this.retryAt = undefined;
        if (this.stopped) return;
        this.attempts++;
        try {
          if (problem.kind === 'slot_lost') resync ??= `the slot was lost while streaming: ${problem.error}`;
          if (problem.kind === 'publication_missing' && resync === undefined) {
            if (!(await withSourceClient(this.o.source, (c) => hasPublication(c, this.o.publication)))) throw new Error(problem.error);
            resync = `publication "${this.o.publication}" was re-created: the slot cannot decode the changes made while it did not exist`;
          }
          if (resync !== undefined) await this.initialSync(resync);
          resync = undefined;
          await this.connect();
          this.problem = undefined;
          this.reconnects++;
          break;
        } catch (e) {
          problem = classifySourceError((e as Error).message);
          this.o.log.warn('reconnect failed', { error: problem.error, problem: problem.kind, attempt: this.attempts });
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.stopWake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  onXLogData(msg: XLogData): void {
    this.serverWalEnd = msg.walEnd > this.serverWalEnd ? msg.walEnd : this.serverWalEnd;
    if (this.blocked) {
      this.blocked.queue.push(copyBytes(msg.data));
      return;
    }
    this.process(msg.data);
  }

  onKeepalive(msg: Keepalive): void {
    if (msg.walEnd > this.serverWalEnd) this.serverWalEnd = msg.walEnd;
    if (this.blocked) return;
    // Idle: everything before walEnd is decoded, so the unpublished tables' last changes are in.
    if (this.unpublished && !this.applier.inTransaction && msg.walEnd >= this.unpublished.at) this.dropUnpublished();
    if (this.applier.advanceIdle(msg.walEnd, msg.sendTime)) {
      this.o.changeLog?.appendAdvance(this.o.store.appliedLsn);
      this.waiters.notify();
    }
  }

  positions(): { write: Lsn; flush: Lsn } {
    const s = this.o.store;
    // Without dumps, the store is rebuilt from a fresh copy at start, so nothing older is needed.
    // With dumps, 0 (no dump yet) is an invalid position the server ignores: the slot stays.
    return { write: s.appliedLsn, flush: this.o.flushMode === 'durable' ? s.durableLsn : s.appliedLsn };
  }

  private process(data: Uint8Array): void {
    // Row changes are kept undecoded until their transaction applies (apply/spill.ts).
    if (ROW_CHANGE.has(data[0]!) && this.applier.inTransaction) {
      this.applier.bufferRaw(data);
      return;
    }
    const msg = decodePgoutput(data);
    // The first transaction that commits at or after the point the publication was read without
    // these tables: every change to them committed before is applied; drop them before it.
    if (msg.tag === 'begin' && this.unpublished && msg.finalLsn >= this.unpublished.at) this.dropUnpublished();
    const outcome = this.applier.handle(msg, data);
    if (outcome && msg.tag === 'commit') this.afterCommit(outcome, msg);
  }

  private afterCommit(outcome: CommitOutcome, commit: Commit): void {
    this.dropUnpublishedIfPassed();
    if (outcome.kind === 'applied') {
      this.o.log.debug('applied transaction', { commit_lsn: formatLsn(commit.commitLsn), changes: outcome.changes });
    }
    this.waiters.notify();
  }
}

/** pgoutput Insert (I), Update (U), Delete (D), Truncate (T). */
const ROW_CHANGE = new Set([0x49, 0x55, 0x44, 0x54]);

function qualified(t: PublishedTable): string {
  return `${t.relation.schema}.${t.relation.name}`;
}
