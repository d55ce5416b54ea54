/*
 * sidecar.ts — wiring: the store, the dump it resumes from, the follower that fills it, the
 * snapshotter that makes it durable (and, as they land, the pgwire endpoint and HTTP). Start order
 * follows the data flow; stop runs it backwards so nothing is half-done at exit.
 *
 *   start: HTTP listens (/healthz 200, /readyz 503 until the end of start) ─► load newest good
 *          dump ─► follower (replay the change log, resume from slot, or copy afresh) ─► a
 *          checkpoint dump when the log starts from a fresh copy ─► dumps on
 *          ─► pgwire listens (only now: a reader never sees a half-copied table) ─► slot check
 *   stop:  /readyz 503 ─► pgwire stops accepting and closes sessions ─► stop dumps ─► hold the
 *          stream ─► final dump ─► report it to the slot ─► close stream ─► close log ─► HTTP
 *
 * Durability (dumps on): the change log makes each applied transaction durable within a few ms
 * (group fdatasync); store.durableLsn — the slot's flush position — is the newest of the durable
 * dump's LSN and the log's synced position (the log counts once a dump covers its start). With
 * dumps off there is no log either: the flush position is the applied one and a restart copies.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { SourceOptions } from '../replication/connection.js';
import { listDumps, pruneDumps } from '../snapshot/dump.js';
import { loadNewestDump } from '../snapshot/load.js';
import { Snapshotter } from '../snapshot/snapshotter.js';
import { ChangeLog } from '../snapshot/change-log.js';
import { RadixTree } from '../store/art.js';
import { Store } from '../store/store.js';
import { CollationLoader } from './collations.js';
import { compileGenerated } from './generated-columns.js';
import { loadParser } from '../query/parse.js';
import { Follower, type FollowerOptions } from './follower.js';
import { PgWireServer, type PgWireServerOptions } from '../pgwire/server.js';
import { QueryEngine } from '../query/engine.js';
import { VERSION } from '../version.js';
import { ExpirySweeper, type SweeperOptions } from '../store/memstore-sweeper.js';
import { reloadNewestDump, ReloadRefused } from '../snapshot/load.js';
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { checkForgery, type ForgeryState } from './forgery-check.js';
import { assessReadiness, type Readiness, type SidecarPhase } from './health.js';
import { HttpEndpoint } from './http.js';
import { SidecarMetrics } from './metrics.js';
import { SlotWatch } from './slot-watch.js';
import { withSourceClient } from './source-catalog.js';
import { Catalog } from '../catalog/catalog.js';
import { syncWorkerStats, tableHealth } from './table-sync.js';
import { compact, compactionDue, DEFAULT_COMPACTION, type CompactionPolicy } from '../store/compaction.js';

export interface SidecarOptions {
  readonly source: SourceOptions;
  readonly publication: string;
  readonly slot: string;
  readonly id: string;
  readonly log: Logger;
  /** Where dumps live (`<dataDir>/dumps`); required when snapshotInterval > 0. */
  readonly dataDir?: string;
  /** Seconds between dumps; 0 or absent = dumps off (tables are copied afresh at every start). */
  readonly snapshotInterval?: number;
  readonly keepDumps?: number;
  /** First retry after a failed dump (default 1 s), doubling up to the interval. */
  readonly dumpRetryInitialMs?: number;
  readonly follower?: Partial<Pick<FollowerOptions, 'statusIntervalMs' | 'receiveTimeoutMs' | 'reconnectInitialMs' | 'reconnectMaxMs' | 'limits' | 'bootstrapWaitMs' | 'publicationCheckMs'>>;
  /** A peer sidecar's pgwire URL to load the state from when there is no usable dump. */
  readonly bootstrapFrom?: string;
  /** The pgwire endpoint; absent = no read endpoint (tests of the follower alone). */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly maxConnections?: number;
  readonly auth?: PgWireServerOptions['auth'];
  readonly tls?: PgWireServerOptions['tls'];
  /** /metrics, /healthz, /readyz; absent = no HTTP endpoint (metrics are still kept). */
  readonly http?: { readonly host: string; readonly port: number };
  /** /readyz fails beyond this lag (default 16 MiB). */
  readonly readyMaxLagBytes?: number;
  /** /readyz fails after this many dumps failed in a row (default 3). */
  readonly readyMaxDumpFailures?: number;
  /**
   * Checks of this project's other slots (warn when one is inactive longer than inactiveWarnMs);
   * absent = every 60 s, warn after 1 h. intervalMs 0 = only at start; false = no check.
   */
  readonly slotCheck?: { readonly intervalMs: number; readonly inactiveWarnMs: number } | false;
  /** Create the slot as a PostgreSQL 17 failover slot. */
  readonly failoverSlot?: boolean;
  /** The memstore expiry sweeper (memstore-sweeper.ts); defaults: every 1 s, 1000 keys a batch. */
  readonly expiry?: SweeperOptions;
  /** How often to re-check whether memstore ops can be forged on the source (default 5 min; 0 = only at start). */
  readonly forgeryCheckIntervalMs?: number;
  /** When a table's tree is compacted in the background (store/compaction.ts); checked every 30 s. */
  readonly compaction?: CompactionPolicy;
  /** Bytes of an open transaction kept in memory before it spills to a file (default 64 MiB). */
  readonly txnMemoryLimit?: number;
  /** The change log's group-commit delay in ms (default 2). */
  readonly logGroupMs?: number;
  /**
   * Copy the primary's catalog for what is replicated (catalog/), so psql, drivers and ORMs can
   * read pg_catalog. Default: on when there is a pgwire endpoint (`listen`).
   */
  readonly catalog?: boolean;
}

const newMap = (): RadixTree => new RadixTree();
/** A periodic dump waits while a transaction of this many bytes or more is being received. */
const DUMP_DEFER_TXN_BYTES = 8 * 1024 * 1024;

export class Sidecar {
  readonly store = new Store(newMap);
  readonly follower: Follower;
  readonly snapshotter: Snapshotter | undefined;
  /** The change log (dumps on only): `<dataDir>/log`. */
  readonly changeLog: ChangeLog | undefined;
  /** Checkpoints (log roll + prune after a dump), one after another. */
  private checkpoints: Promise<void> = Promise.resolve();
  private summary: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private server: PgWireServer | undefined;
  /** Where the pgwire endpoint listens, once it does. */
  address: { host: string; port: number } | undefined;
  /** Where /metrics, /healthz and /readyz are served, once they are. */
  httpAddress: { host: string; port: number } | undefined;
  readonly metrics: SidecarMetrics;
  private http: HttpEndpoint | undefined;
  private slotWatch: SlotWatch | undefined;
  private phase: SidecarPhase = 'starting';
  private readonly startedAt = Date.now();
  /** Reclaims the memory of expired memstore keys. */
  readonly sweeper: ExpirySweeper;
  /** Whether PUBLIC may emit memstore ops by hand on the source (forgery-check.ts). */
  readonly forgery: ForgeryState = { possible: null, checkedAt: null, error: null };
  private forgeryTimer: NodeJS.Timeout | undefined;
  private compactionTimer: NodeJS.Timeout | undefined;
  /** The primary's collations of the held text columns (store.collations). */
  private readonly collations: CollationLoader;
  /** The primary's catalog rows for what the store holds (undefined when not read). */
  readonly catalog: Catalog | undefined;

  constructor(private readonly o: SidecarOptions) {
    this.collations = new CollationLoader({ source: o.source, store: this.store, log: o.log });
    const dumps = (o.snapshotInterval ?? 0) > 0;
    if (dumps && !o.dataDir) throw new Error('dumps need a data directory');
    this.snapshotter = dumps
      ? new Snapshotter({
          store: this.store,
          dumpsDir: this.dumpsDir,
          sidecarId: o.id,
          slot: o.slot,
          intervalSeconds: o.snapshotInterval ?? 0,
          keep: o.keepDumps ?? 2,
          log: o.log,
          onDurable: (lsn) => this.dumped(lsn),
          // A transaction this big arriving: its buffer and the dump's clone would add up.
          busy: () => this.follower.openTransactionBytes >= DUMP_DEFER_TXN_BYTES,
          ...(o.dumpRetryInitialMs !== undefined ? { retryInitialMs: o.dumpRetryInitialMs } : {}),
        })
      : undefined;
    this.changeLog = dumps
      ? new ChangeLog({
          dir: path.join(o.dataDir!, 'log'),
          log: o.log,
          onSynced: (lsn) => this.durable(lsn),
          ...(o.logGroupMs !== undefined ? { groupMs: o.logGroupMs } : {}),
        })
      : undefined;
    this.follower = new Follower({
      source: o.source,
      slot: o.slot,
      publication: o.publication,
      store: this.store,
      log: o.log,
      flushMode: dumps ? 'durable' : 'applied',
      onResync: () => {
        this.snapshotter?.invalidate();
        this.store.contentLsn = this.store.appliedLsn; // the copy replaced the contents
        // The change log restarts from the copy and counts once a dump covers it: write one now.
        if (this.phase !== 'starting') void this.snapshotter?.dump('checkpoint after a fresh copy').catch(() => undefined);
      },
      onTableSynced: () => {
        this.snapshotter?.invalidate();
        void this.collations.load();
        this.catalog?.invalidate();
      },
      ...(this.changeLog ? { changeLog: this.changeLog } : {}),
      spill: { ...(o.txnMemoryLimit !== undefined ? { memoryLimit: o.txnMemoryLimit } : {}), ...(o.dataDir !== undefined ? { dir: o.dataDir } : {}) },
      ...(o.failoverSlot ? { failoverSlot: true } : {}),
      ...(o.bootstrapFrom !== undefined ? { bootstrapFrom: o.bootstrapFrom } : {}),
      ...o.follower,
    });
    this.catalog =
      (o.catalog ?? o.listen !== undefined)
        ? new Catalog({ store: this.store, withClient: (fn) => withSourceClient(o.source, fn), log: o.log.child({ component: 'catalog' }) })
        : undefined;
    this.sweeper = new ExpirySweeper(this.store, { log: o.log, ...o.expiry });
    this.metrics = new SidecarMetrics({
      store: this.store,
      followerState: () => this.follower.state,
      serverWalEnd: () => this.follower.serverWalEnd,
      reconnects: () => this.follower.reconnectCount,
      reconnectAttempts: () => this.follower.reconnectAttempts,
      sourceProblem: () => this.follower.problem?.kind,
      snapshot: () => this.snapshotter?.state,
      dumpAgeSeconds: () => (Date.now() - (this.snapshotter?.state.lastAt?.getTime() ?? this.startedAt)) / 1000,
      connections: () => this.server?.connectionCount ?? 0,
      inactiveSlots: () => ({ count: this.slotWatch?.inactiveCount ?? 0, retainedBytes: this.slotWatch?.inactiveRetainedBytes ?? 0 }),
      readiness: () => this.readiness(),
      tableSync: () => this.follower.tableSync.status(),
    });
  }

  /** What /readyz answers (health.ts has the rules). */
  readiness(): Readiness {
    const applied = this.store.appliedLsn;
    const walEnd = this.follower.serverWalEnd;
    const snap = this.snapshotter?.state;
    return assessReadiness({
      phase: this.phase,
      followerState: this.follower.state,
      sourceProblem: this.follower.problem,
      retryInMs: this.follower.retryInMs,
      appliedLsn: formatLsn(applied),
      serverWalEnd: formatLsn(walEnd),
      lagBytes: Number(walEnd > applied ? walEnd - applied : 0n),
      maxLagBytes: this.o.readyMaxLagBytes ?? 16 * 1024 * 1024,
      ...(snap
        ? {
            dumps: {
              consecutiveFailures: snap.consecutiveFailures,
              lastError: snap.lastError,
              lastSuccessAgeSeconds: snap.lastAt ? (Date.now() - snap.lastAt.getTime()) / 1000 : null,
            },
          }
        : {}),
      maxDumpFailures: this.o.readyMaxDumpFailures ?? 3,
      tables: tableHealth(this.store),
    });
  }

  get dumpsDir(): string {
    return path.join(this.o.dataDir ?? '.', 'dumps');
  }

  async start(): Promise<void> {
    // First, so /healthz answers (and /readyz says why not yet) during a long initial copy.
    if (this.o.http) {
      this.http = new HttpEndpoint({ ...this.o.http, registry: this.metrics.registry, readiness: () => this.readiness(), log: this.o.log });
      this.httpAddress = await this.http.listen();
    }
    // Generated columns are compiled with the SQL parser when a table is loaded or copied.
    await loadParser();
    this.store.generatedCompiler = (t) => compileGenerated(this.store, t);
    let resume = false;
    if (this.snapshotter) {
      await mkdir(this.dumpsDir, { recursive: true });
      await pruneDumps(this.dumpsDir, this.o.keepDumps ?? 2, true);
      await this.changeLog!.load();
      const loaded = await loadNewestDump(this.store, this.dumpsDir, newMap, this.o.log);
      if (loaded) {
        this.snapshotter.rememberLoaded(loaded.lsn, loaded.dir, loaded.manifest);
        this.changeLog!.noteDump(loaded.lsn);
        resume = true;
      } else {
        if (this.o.bootstrapFrom === undefined) this.o.log.info('no usable dump: the tables are copied from the source and memstore keys start empty', { dumps: this.dumpsDir });
        else this.o.log.info('no usable dump: the tables and memstore keys are loaded from the peer', { dumps: this.dumpsDir });
      }
    }
    await this.follower.start({ resume });
    // Before any query: text is ordered by the primary's collations, or refused (collations.ts).
    await this.collations.load();
    if (this.snapshotter && this.changeLog?.needsCheckpoint) {
      // The log starts from a fresh copy no dump holds: until one does, only a dump is durable.
      await this.snapshotter.dump('checkpoint of a fresh copy').catch(() => undefined); // logged; retried by the interval
    }
    this.snapshotter?.start();
    // In the background: pg_catalog answers 55000 until the first read lands (catalog.ts).
    this.catalog?.start();
    this.sweeper.start();
    await this.checkForgery();
    const every = this.o.forgeryCheckIntervalMs ?? 300_000;
    if (every > 0) {
      this.forgeryTimer = setInterval(() => void this.checkForgery(), every);
      this.forgeryTimer.unref();
    }
    this.startSummary();
    this.compactionTimer = setInterval(() => this.compactTables(), 30_000);
    this.compactionTimer.unref();
    if (this.o.listen) {
      const engine = await QueryEngine.create(this.store, {
        waiters: this.follower.waiters,
        stats: () => this.stats(),
        ...(this.snapshotter ? { save: () => this.save(), load: () => this.load() } : {}),
        serverVersion: VERSION,
        ...(this.catalog ? { catalog: this.catalog } : {}),
      });
      const pgLog = this.o.log.child({ component: 'pgwire' });
      this.server = new PgWireServer(engine, {
        host: this.o.listen.host,
        port: this.o.listen.port,
        maxConnections: this.o.maxConnections ?? 100,
        auth: this.o.auth ?? { method: 'trust' },
        ...(this.o.tls ? { tls: this.o.tls } : {}),
        log: (level, msg, fields) => pgLog[level](msg, fields),
        observeQuery: (seconds) => this.metrics.observeQuery(seconds),
      });
      this.address = await this.server.listen();
    }
    if (this.o.slotCheck !== false) {
      this.slotWatch = new SlotWatch({
        source: this.o.source,
        ownSlot: this.o.slot,
        intervalMs: this.o.slotCheck?.intervalMs ?? 60_000,
        inactiveWarnMs: this.o.slotCheck?.inactiveWarnMs ?? 3_600_000,
        log: this.o.log,
      });
      this.slotWatch.start();
    }
    if (this.phase === 'starting') this.phase = 'running';
  }

  /** Runs the check of this project's other slots now (tests; the timer runs it periodically). */
  async checkSlots(): Promise<void> {
    await this.slotWatch?.check();
  }

  /** What memstore.stats() adds to the store's own counters. */
  stats(): Record<string, unknown> {
    const s = this.store;
    const snap = this.snapshotter?.state;
    return {
      sidecar_id: this.o.id,
      slot: this.o.slot,
      follower_state: this.follower.state,
      server_wal_end: formatLsn(this.follower.serverWalEnd),
      lag_bytes: Number(this.follower.serverWalEnd > s.appliedLsn ? this.follower.serverWalEnd - s.appliedLsn : 0n),
      reconnects: this.follower.reconnectCount,
      reconnect_attempts: this.follower.reconnectAttempts,
      source_problem: this.follower.problem?.kind ?? null,
      last_error: this.follower.lastError ?? null,
      retry_in_ms: this.follower.retryInMs === undefined ? null : Math.round(this.follower.retryInMs),
      table_sync: syncWorkerStats(this.follower.tableSync.status()),
      memstore_stale: s.memstoreStale || null,
      dumps: snap
        ? {
            last_lsn: formatLsn(snap.lastLsn),
            last_at: snap.lastAt?.toISOString() ?? null,
            last_pause_ms: +snap.lastPauseMs.toFixed(2),
            written: snap.dumps,
            failures: snap.failures,
            consecutive_failures: snap.consecutiveFailures,
            last_error: snap.lastError ?? null,
            next_retry_at: snap.nextRetryAt?.toISOString() ?? null,
          }
        : null,
      connections: this.server?.connectionCount ?? 0,
      forgery_possible: this.forgery.possible,
      spilled_transactions: this.follower.spilledTransactions,
      change_log: this.changeLog
        ? {
            written_lsn: formatLsn(this.changeLog.writtenLsn),
            synced_lsn: formatLsn(this.changeLog.syncedLsn),
            records: this.changeLog.stats.records,
            bytes: this.changeLog.stats.bytes,
            syncs: this.changeLog.stats.syncs,
            segments: this.changeLog.segmentFiles().length,
            failed: this.changeLog.failed ?? null,
          }
        : null,
    };
  }

  /** Re-checks whether memstore ops can be forged on the source (start-up and a timer run it). */
  async checkForgery(): Promise<boolean | null> {
    await checkForgery(this.o.source, this.forgery, this.o.log);
    return this.forgery.possible;
  }

  /**
   * memstore.load(): the newest dump replaces the store's contents, allowed only when nothing was
   * applied since it (snapshot/load.ts, reloadNewestDump, says why); resolves with its LSN.
   */
  async load(): Promise<Lsn> {
    if (!this.snapshotter) throw new Error('dumps are off (--snapshot-interval 0)');
    try {
      const r = await reloadNewestDump(this.store, this.dumpsDir, newMap, this.o.log);
      this.snapshotter.invalidate();
      return r.lsn;
    } catch (err) {
      if (err instanceof ReloadRefused) throw new SqlError(SQLSTATE.object_not_in_prerequisite_state, err.message);
      throw err;
    }
  }

  /** Writes a dump now and makes it the slot's flush position; resolves with its LSN. */
  async save(reason = 'memstore.save()'): Promise<Lsn> {
    if (!this.snapshotter) throw new Error('dumps are off (--snapshot-interval 0)');
    return (await this.snapshotter.dump(reason)).lsn;
  }

  /** A durable position from the change log (after a sync) or a dump: report it to the slot. */
  private durable(lsn: Lsn): void {
    if (lsn > this.store.durableLsn) {
      this.store.durableLsn = lsn;
      this.follower.sendStatus();
    }
  }

  /** A dump is durable: it is a checkpoint of the change log (roll, prune, maybe start counting). */
  private dumped(lsn: Lsn): void {
    const log = this.changeLog;
    if (log) {
      const applied = this.store.appliedLsn;
      this.checkpoints = this.checkpoints
        .then(async () => {
          // Keep the log back to the oldest dump kept: a fall-back to it replays completely.
          const kept = (await listDumps(this.dumpsDir)).slice(0, this.o.keepDumps ?? 2);
          await log.checkpoint(lsn, applied, kept.length > 0 ? kept[kept.length - 1]!.lsn : lsn);
        })
        .catch((err: unknown) => this.o.log.error('change log checkpoint failed', { error: (err as Error).message }));
    }
    this.durable(lsn);
  }

  /**
   * Compacts the tables whose trees are mostly free space (deletes leave it in the slab), within
   * the policy's size bound: each is one synchronous pause (store/compaction.ts). Returns how
   * many were compacted. The memstore keys are the expiry sweeper's to compact.
   */
  compactTables(): number {
    const policy = this.o.compaction ?? DEFAULT_COMPACTION;
    let n = 0;
    for (const t of this.store.tables.values()) {
      if (t.status !== 'live' || !compactionDue(t.rows, policy)) continue;
      const r = compact(t.rows);
      if (!r) continue;
      n++;
      this.o.log.info('compacted table', { table: `${t.relation.schema}.${t.relation.name}`, rows: r.keys, freed_mb: +(r.bytesFreed / 1e6).toFixed(1), pause_ms: +r.ms.toFixed(1) });
    }
    return n;
  }

  /** Every few seconds, one line of what was applied since the last one (only when something was). */
  private startSummary(): void {
    let last = { ...this.store.counters };
    this.summary = setInterval(() => {
      const c = this.store.counters;
      if (c.transactions === last.transactions && c.quarantined === last.quarantined) return;
      this.o.log.info('applied', {
        transactions: c.transactions - last.transactions,
        changes: c.changes - last.changes,
        memstore_ops: c.memstoreOps - last.memstoreOps,
        quarantined: c.quarantined - last.quarantined,
        applied_lsn: formatLsn(this.store.appliedLsn),
        tables: Object.fromEntries([...this.store.tables.values()].map((t) => [`${t.relation.schema}.${t.relation.name}`, t.status === 'live' ? t.rows.size : t.status])),
        memstore_keys: this.store.memstore.size,
      });
      last = { ...c };
    }, 2000);
    this.summary.unref();
  }

  /** Graceful stop: a final dump (when dumps are on) that the slot is told about, then close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.phase = 'stopping';
      if (this.summary) clearInterval(this.summary);
      if (this.forgeryTimer) clearInterval(this.forgeryTimer);
      if (this.compactionTimer) clearInterval(this.compactionTimer);
      this.sweeper.stop();
      await this.slotWatch?.stop();
      await this.server?.close();
      await this.catalog?.stop();
      if (this.snapshotter) {
        await this.snapshotter.stop();
        this.follower.quiesce();
        await this.snapshotter.dump('shutdown').catch(() => undefined); // logged by the snapshotter
      }
      await this.follower.stop();
      await this.checkpoints;
      await this.changeLog?.close();
      await this.http?.close();
    })();
    return this.stopping;
  }
}
