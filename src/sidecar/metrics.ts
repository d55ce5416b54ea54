/*
 * metrics.ts — the sidecar's Prometheus metrics (prom-client), one Registry per sidecar so that
 * several sidecars in one process (tests, benchmarks) keep separate numbers.
 *
 * Nearly everything is read at scrape time from counters the sidecar keeps anyway (store
 * counters, follower positions, snapshotter state, the slot check): the apply loop and the read
 * path do no metric work. The one exception is query latency, which must be observed per query;
 * prom-client's Histogram.observe costs ~300 ns (a closure and label hashing per call), a few
 * percent of a point read, so queries are counted in a plain Float64Array here (~20 ns) and
 * exported as a histogram through a small Metric object of our own (QueryLatency below).
 *
 * Interface:
 *   new SidecarMetrics(source)    registers every metric on a fresh Registry
 *   registry                      what /metrics serves (registry.metrics(), registry.contentType)
 *   observeQuery(seconds)         one finished statement (the pgwire hook)
 *   METRIC_NAMES                  the documented list (README "Metrics"; the tests check both)
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Store, TableStatus } from '../store/store.js';
import type { SnapshotState } from '../snapshot/snapshotter.js';
import { SOURCE_PROBLEM_KINDS, type SourceProblemKind } from './backoff.js';
import type { FollowerState } from './follower.js';
import type { Readiness } from './health.js';
import { oldestSyncSeconds, type SyncWorkerState, type SyncWorkerStatus } from './table-sync.js';
import { unixMicrosFromPg } from '../pg/time.js';

/** What the metrics read at scrape time. */
export interface MetricsSource {
  readonly store: Store;
  followerState(): FollowerState;
  serverWalEnd(): bigint;
  reconnects(): number;
  reconnectAttempts(): number;
  /** What keeps the stream down, while reconnecting. */
  sourceProblem(): SourceProblemKind | undefined;
  /** Undefined when dumps are off. */
  snapshot(): SnapshotState | undefined;
  /** Seconds since the newest durable dump (or since start when none was written yet). */
  dumpAgeSeconds(): number;
  connections(): number;
  inactiveSlots(): { readonly count: number; readonly retainedBytes: number };
  readiness(): Readiness;
  /** The sync worker (tables copied beside the stream); absent in tools that have none. */
  tableSync?(): SyncWorkerStatus;
}

const SYNC_STATES: Record<SyncWorkerState, true> = { idle: true, 'waiting for a consistent point': true, copying: true, backoff: true, stopped: true };
const TABLE_STATUSES: Record<TableStatus, true> = { live: true, syncing: true, skipped: true };

/** A Record, so that a state added to FollowerState fails to compile here until it is listed. */
const STATES: Record<FollowerState, true> = { idle: true, syncing: true, streaming: true, reconnecting: true, stopped: true };
export const FOLLOWER_STATES = Object.keys(STATES) as readonly FollowerState[];

/** Upper bounds (seconds) of the query latency buckets: 50 µs … 10 s. */
export const QUERY_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric this module defines, with its type (prom-client default process and nodejs metrics aside). */
export const METRIC_NAMES = {
  memstore_applied_lsn: 'gauge',
  memstore_durable_lsn: 'gauge',
  memstore_source_wal_end_lsn: 'gauge',
  memstore_lag_bytes: 'gauge',
  memstore_lag_seconds: 'gauge',
  memstore_transactions_applied_total: 'counter',
  memstore_transactions_skipped_total: 'counter',
  memstore_changes_applied_total: 'counter',
  memstore_ops_applied_total: 'counter',
  memstore_quarantined_messages_total: 'counter',
  memstore_table_rows: 'gauge',
  memstore_keys: 'gauge',
  memstore_keys_bytes: 'gauge',
  memstore_store_bytes: 'gauge',
  memstore_pgwire_connections: 'gauge',
  memstore_query_duration_seconds: 'histogram',
  memstore_follower_state: 'gauge',
  memstore_ready: 'gauge',
  memstore_reconnects_total: 'counter',
  memstore_reconnect_attempts_total: 'counter',
  memstore_source_problem: 'gauge',
  memstore_dumps_written_total: 'counter',
  memstore_dump_failures_total: 'counter',
  memstore_dump_consecutive_failures: 'gauge',
  memstore_dump_last_lsn: 'gauge',
  memstore_dump_age_seconds: 'gauge',
  memstore_inactive_slots: 'gauge',
  memstore_inactive_slots_retained_bytes: 'gauge',
  memstore_tables: 'gauge',
  memstore_table_sync_oldest_seconds: 'gauge',
  memstore_table_sync_state: 'gauge',
  memstore_table_sync_failures_total: 'counter',
  memstore_table_syncs_total: 'counter',
} as const;

type Name = keyof typeof METRIC_NAMES;


/**
 * Seconds the sidecar is behind: while the server's reported WAL end is past the applied LSN, the
 * age of the last applied transaction's commit; 0 when caught up (or when no commit was applied
 * since start). After a long idle period it overstates for the moment between the server
 * reporting new WAL and its first transaction being applied.
 */
export function lagSeconds(store: Store, serverWalEnd: bigint, nowMs: number): number {
  if (serverWalEnd <= store.appliedLsn || store.lastCommitTime === 0n) return 0;
  return Math.max(0, (nowMs * 1000 - unixMicrosFromPg(store.lastCommitTime)) / 1e6);
}

/**
 * Query latency as a Prometheus histogram, counted without prom-client's per-call cost. It
 * implements the part of prom-client's Metric that Registry uses (name, help, type, get, reset);
 * test/sidecar/http.test.ts parses the exposition, so a change in prom-client's contract fails there.
 */
class QueryLatency {
  readonly name = 'memstore_query_duration_seconds';
  readonly help = 'Time from a statement starting to run until its result was written (simple and extended protocol), seconds';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts = new Float64Array(QUERY_BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < QUERY_BUCKETS.length && seconds > QUERY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] }> {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    let cumulative = 0;
    QUERY_BUCKETS.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ value: cumulative, labels: { le }, metricName: `${this.name}_bucket` });
    });
    values.push({ value: this.count, labels: { le: '+Inf' }, metricName: `${this.name}_bucket` });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly latency = new QueryLatency();

  constructor(private readonly s: MetricsSource) {
    const r = [this.registry];
    const gauge = (name: Name, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(read());
        },
      });
    };
    const counter = (name: Name, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers: r,
        collect() {
          // The value is kept elsewhere; a counter has no set(), so start from 0 each scrape.
          this.reset();
          this.inc(read());
        },
      });
    };
    const store = s.store;

    gauge('memstore_applied_lsn', 'LSN up to which every transaction is applied (exclusive), as a number', () => Number(store.appliedLsn));
    gauge('memstore_durable_lsn', 'newest LSN durable on disk, by dump or change log (the slot flush position), as a number (0: none)', () => Number(store.durableLsn));
    gauge('memstore_source_wal_end_lsn', "The source's WAL end as last reported on the stream, as a number", () => Number(s.serverWalEnd()));
    gauge('memstore_lag_bytes', 'Source WAL end minus applied LSN, bytes', () => Number(this.lagBytes()));
    gauge('memstore_lag_seconds', 'While behind: seconds since the commit of the last applied transaction; 0 when caught up', () =>
      lagSeconds(store, s.serverWalEnd(), Date.now()),
    );
    counter('memstore_transactions_applied_total', 'Transactions applied', () => store.counters.transactions);
    counter('memstore_transactions_skipped_total', 'Transactions received again after a reconnect and skipped (already applied)', () => store.counters.skippedTransactions);
    counter('memstore_changes_applied_total', 'Row changes applied (insert, update, delete, truncate)', () => store.counters.changes);
    counter('memstore_ops_applied_total', 'memstore key operations applied (set, delete, clear)', () => store.counters.memstoreOps);
    counter('memstore_quarantined_messages_total', 'Malformed memstore messages skipped and logged', () => store.counters.quarantined);
    new Gauge({
      name: 'memstore_table_rows',
      help: 'Rows held per followed table (status: live, syncing, skipped)',
      labelNames: ['schema', 'table', 'status'],
      registers: r,
      collect() {
        this.reset();
        for (const t of store.tables.values()) {
          this.set({ schema: t.relation.schema, table: t.relation.name, status: t.status }, t.status === 'skipped' ? 0 : t.rows.size);
        }
      },
    });
    gauge('memstore_keys', 'memstore keys held', () => store.memstore.size);
    gauge('memstore_keys_bytes', 'Memory held by the memstore key tree, bytes', () => store.memstore.memoryUsage());
    gauge('memstore_store_bytes', 'Memory held by all trees (tables and memstore keys), bytes', () => store.memoryUsage());
    gauge('memstore_pgwire_connections', 'Reader connections holding a slot', () => s.connections());
    this.registry.registerMetric(this.latency as unknown as Metric);
    new Gauge({
      name: 'memstore_follower_state',
      help: 'The replication follower state (1 for the current one)',
      labelNames: ['state'],
      registers: r,
      collect() {
        const now = s.followerState();
        for (const state of FOLLOWER_STATES) this.set({ state }, state === now ? 1 : 0);
      },
    });
    gauge('memstore_ready', '1 when /readyz answers 200', () => (s.readiness().ready ? 1 : 0));
    counter('memstore_reconnects_total', 'Replication reconnects after a lost stream', () => s.reconnects());
    counter('memstore_reconnect_attempts_total', 'Reconnect attempts, failed ones included (paced by a capped exponential backoff)', () => s.reconnectAttempts());
    new Gauge({
      name: 'memstore_source_problem',
      help: 'What keeps the replication stream down (1 for the current problem; all 0 while streaming)',
      labelNames: ['kind'],
      registers: r,
      collect() {
        const now = s.sourceProblem();
        for (const kind of SOURCE_PROBLEM_KINDS) this.set({ kind }, kind === now ? 1 : 0);
      },
    });
    counter('memstore_dumps_written_total', 'Durable dumps written', () => s.snapshot()?.dumps ?? 0);
    counter('memstore_dump_failures_total', 'Dumps that failed', () => s.snapshot()?.failures ?? 0);
    gauge('memstore_dump_consecutive_failures', 'Dumps failed in a row since the last good one (readiness fails at --ready-max-dump-failures)', () =>
      s.snapshot()?.consecutiveFailures ?? 0,
    );
    gauge('memstore_dump_last_lsn', 'LSN of the newest dump written or loaded, as a number (0: none)', () => Number(s.snapshot()?.lastLsn ?? 0n));
    gauge('memstore_dump_age_seconds', 'Seconds since the newest durable dump was written (since start when none yet; 0 when dumps are off)', () =>
      s.snapshot() ? s.dumpAgeSeconds() : 0,
    );
    gauge('memstore_inactive_slots', 'Other slots of this project inactive longer than --inactive-slot-warn (they hold WAL)', () => s.inactiveSlots().count);
    gauge('memstore_inactive_slots_retained_bytes', 'WAL held on the source by those inactive slots, bytes', () => s.inactiveSlots().retainedBytes);
    new Gauge({
      name: 'memstore_tables',
      help: 'Followed tables by status (live; syncing: being copied, reads fail with 55000; skipped: no usable key)',
      labelNames: ['status'],
      registers: r,
      collect() {
        const n: Record<string, number> = { live: 0, syncing: 0, skipped: 0 };
        for (const t of store.tables.values()) n[t.status]!++;
        for (const status of Object.keys(TABLE_STATUSES)) this.set({ status }, n[status]!);
      },
    });
    gauge('memstore_table_sync_oldest_seconds', 'Seconds the longest-syncing table has been syncing (0: none)', () => oldestSyncSeconds(store));
    new Gauge({
      name: 'memstore_table_sync_state',
      help: 'The table sync worker state (1 for the current one; "waiting for a consistent point" = behind a transaction open on the primary)',
      labelNames: ['state'],
      registers: r,
      collect() {
        const now = s.tableSync?.().state ?? 'idle';
        for (const state of Object.keys(SYNC_STATES)) this.set({ state }, state === now ? 1 : 0);
      },
    });
    counter('memstore_table_sync_failures_total', 'Table sync rounds that failed (retried with backoff)', () => s.tableSync?.().failures ?? 0);
    counter('memstore_table_syncs_total', 'Tables copied beside the stream', () => s.tableSync?.().tablesCopied ?? 0);
    collectDefaultMetrics({ register: this.registry });
  }

  observeQuery(seconds: number): void {
    this.latency.observe(seconds);
  }

  private lagBytes(): bigint {
    const end = this.s.serverWalEnd();
    const applied = this.s.store.appliedLsn;
    return end > applied ? end - applied : 0n;
  }
}
