/*
 * table-sync.ts — the sync worker: copies tables in status 'syncing' beside the stream, and the
 * one routine that copies a published table's rows into a tree (also used by the initial copy).
 *
 *   idle ─► (tables queued) ─► waiting for a consistent point ─► copying ─► idle
 *                 ▲                      │ error                      │ error
 *                 └──── backoff ◄────────┴────────────────────────────┘
 *
 * One round at a time. A round takes every table queued at its start (status 'syncing' with
 * `resync` and no finished copy), creates ONE temporary slot with an exported snapshot, imports
 * the snapshot, closes the slot, and copies each table into a FRESH tree (never the live one: the
 * stored rows of a table stay untouched until the swap). Tables queued meanwhile wait for the
 * next round. Each finished copy is handed to its TableState with the slot's consistent point C;
 * the applier swaps it in once the stream has reached C (apply/resync.ts, apply/applier.ts).
 * A table the round finds unpublished is handed over as "not published": the swap removes it.
 *
 * CREATE_REPLICATION_SLOT waits for every transaction open on the primary (idle in transaction,
 * prepared): the round then shows 'waiting for a consistent point' in stats and waits — the
 * stream goes on, and no second slot is created meanwhile. A failure (the server refuses, "all
 * replication slots are in use", a connection drop) is logged once per attempt and retried with
 * capped exponential backoff; the tables stay 'syncing' and readable nowhere, never half-copied.
 *
 * A copy outdated by what happened meanwhile is harmless: a table dropped or re-entered 'syncing'
 * (its TableState object replaced) during the round is detected by identity and its copy thrown
 * away; DDL committed after C is in the held changes and re-enters 'syncing' at the swap.
 */
import type pg from 'pg';
import { CopyTextDecoder } from '../decode/copy-text.js';
import type { Logger } from '../log.js';
import { formatLsn } from '../lsn.js';
import type { SourceOptions } from '../replication/connection.js';
import { createSlotWithSnapshot } from '../replication/slot.js';
import { copyTable, openSnapshot, publishedTables, type PublishedTable, type SnapshotCopy } from '../replication/table-copy.js';
import { compact, DEFAULT_COMPACTION } from '../store/compaction.js';
import { rowKey, type Store, type TableState } from '../store/store.js';
import type { TableHealth } from './health.js';

export type SyncWorkerState = 'idle' | 'waiting for a consistent point' | 'copying' | 'backoff' | 'stopped';

export interface TableSyncOptions {
  readonly source: SourceOptions;
  readonly publication: string;
  /** Prefix of the temporary slots' names. */
  readonly slot: string;
  readonly store: Store;
  readonly log: Logger;
  /** Called with copies handed over (synchronously swap what is due: Applier.swapReady). */
  readonly onCopied: () => void;
  /** Called for each fresh copy of a table, before it is handed over (partition baseline). */
  readonly onTableCopied?: (table: PublishedTable, state: TableState) => void;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

export interface SyncWorkerStatus {
  readonly state: SyncWorkerState;
  /** Since when (ms since 1970) the worker is in this state. */
  readonly since: number;
  /** Tables of the round in progress. */
  readonly tables: readonly string[];
  readonly rounds: number;
  readonly tablesCopied: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

export class TableSync {
  private current: SyncWorkerState = 'idle';
  private stateSince = Date.now();
  private round: TableState[] = [];
  private running = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private rounds = 0;
  private copied = 0;
  private failures = 0;
  private consecutive = 0;
  private lastError: string | null = null;
  private abort = new AbortController();
  private snap: SnapshotCopy | undefined;
  private wake: (() => void) | undefined;
  private slotSeq = 0;

  constructor(private readonly o: TableSyncOptions) {}

  status(): SyncWorkerStatus {
    return {
      state: this.current,
      since: this.stateSince,
      tables: this.round.map((t) => `${t.relation.schema}.${t.relation.name}`),
      rounds: this.rounds,
      tablesCopied: this.copied,
      failures: this.failures,
      consecutiveFailures: this.consecutive,
      lastError: this.lastError,
    };
  }

  /** Tables waiting for a round. */
  queued(): TableState[] {
    return [...this.o.store.tables.values()].filter((t) => t.status === 'syncing' && t.resync !== undefined && t.resync.copy === undefined && !this.round.includes(t));
  }

  /** There may be new work: start a round unless one runs. */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run().finally(() => {
      this.running = false;
      if (!this.stopped && this.queued().length > 0) this.kick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.snap?.client.end().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.setState('stopped');
  }

  private setState(s: SyncWorkerState): void {
    if (s !== this.current) this.stateSince = Date.now();
    this.current = s;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.queued();
      if (batch.length === 0) break;
      try {
        await this.copyRound(batch);
        this.consecutive = 0;
      } catch (err) {
        this.round = [];
        if (this.stopped) break;
        this.failures++;
        this.consecutive++;
        this.lastError = (err as Error).message;
        const initial = this.o.backoffInitialMs ?? 500;
        const delay = Math.min(initial * 2 ** (this.consecutive - 1), this.o.backoffMaxMs ?? 30_000);
        for (const t of batch) if (t.resync) t.resync.phase = 'retrying';
        this.setState('backoff');
        this.o.log.warn('table sync failed; retrying', {
          tables: batch.map((t) => `${t.relation.schema}.${t.relation.name}`),
          error: this.lastError,
          attempt: this.consecutive,
          retry_in_ms: delay,
        });
        await this.sleep(delay);
      }
    }
    this.round = [];
    if (!this.stopped) this.setState('idle');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async copyRound(batch: TableState[]): Promise<void> {
    const { store, log } = this.o;
    this.round = batch;
    this.rounds++;
    for (const t of batch) t.resync!.phase = 'waiting for a consistent point';
    this.setState('waiting for a consistent point');
    const names = batch.map((t) => `${t.relation.schema}.${t.relation.name}`);
    log.info('copying tables beside the stream', { tables: names });
    const name = `${this.o.slot}_sync_${++this.slotSeq}_${process.pid}`.slice(0, 63);
    const created = await createSlotWithSnapshot(this.o.source, name, { temporary: true, signal: this.abort.signal });
    let snap: SnapshotCopy;
    try {
      snap = await openSnapshot(this.o.source, created.snapshotName);
    } finally {
      // Imported (or failed): the slot has done its job; it would only hold WAL and xmin back.
      await created.close().catch(() => undefined);
    }
    this.snap = snap;
    const results = new Map<TableState, TableState | undefined>();
    try {
      this.setState('copying');
      for (const t of batch) t.resync!.phase = 'copying';
      const published = new Map((await publishedTables(snap.client, this.o.publication, batch.map((t) => t.relation.oid))).map((p) => [p.relation.oid, p]));
      for (const t of batch) {
        if (this.stopped) return;
        if (store.tables.get(t.relation.oid) !== t) continue; // dropped or replaced meanwhile
        const table = published.get(t.relation.oid);
        if (table === undefined) {
          results.set(t, undefined);
          continue;
        }
        const fresh = store.newTableState(table.relation, table.keyOrder);
        fresh.attnums = table.attnums;
        if (fresh.status === 'live') await copyRows(snap.client, table, fresh, log, DEFAULT_COMPACTION.maxKeys);
        this.o.onTableCopied?.(table, fresh);
        results.set(t, fresh);
      }
    } finally {
      this.snap = undefined;
      await snap.close().catch(() => undefined);
    }
    for (const [t, fresh] of results) {
      if (store.tables.get(t.relation.oid) !== t || !t.resync) continue;
      t.resync.copy = { state: fresh, at: created.consistentPoint };
      t.resync.phase = 'waiting for the stream';
      this.copied++;
    }
    log.info('tables copied; swapped in once the stream reaches the consistent point', { tables: names, consistent_point: formatLsn(created.consistentPoint), applied: formatLsn(store.appliedLsn) });
    this.round = [];
    this.o.onCopied();
  }
}

/**
 * Copies one published table's rows (COPY text) into `t.rows` under the snapshot `client` sees.
 * Rows come in heap order; up to `compactMaxKeys` rows they are laid out in key order after.
 */
export async function copyRows(client: pg.Client, table: PublishedTable, t: TableState, log: Logger, compactMaxKeys: number): Promise<void> {
  const name = `${table.relation.schema}.${table.relation.name}`;
  const started = performance.now();
  const decoder = new CopyTextDecoder((row) => {
    t.rows.set(rowKey(t, row), row);
  });
  let bytes = 0;
  let lastLog = started;
  await copyTable(client, table, (chunk) => {
    bytes += chunk.length;
    decoder.push(chunk);
    const now = performance.now();
    if (now - lastLog > 2000) {
      lastLog = now;
      log.info('copying table', { table: name, rows: decoder.rows, rows_per_s: Math.round(decoder.rows / ((now - started) / 1000)) });
    }
  });
  decoder.end();
  const compacted = decoder.rows <= compactMaxKeys ? compact(t.rows) : undefined;
  const secs = (performance.now() - started) / 1000;
  log.info('copied table', {
    table: name,
    rows: decoder.rows,
    mb: +(bytes / 1e6).toFixed(1),
    seconds: +secs.toFixed(2),
    rows_per_s: Math.round(decoder.rows / Math.max(secs, 1e-6)),
    ...(compacted ? { compact_ms: +compacted.ms.toFixed(1) } : {}),
  });
}

/** The tables that are not live, for /readyz and memstore.stats(). */
export function tableHealth(store: Store): TableHealth[] {
  const out: TableHealth[] = [];
  for (const t of store.tables.values()) {
    if (t.status === 'live') continue;
    out.push({
      table: `${t.relation.schema}.${t.relation.name}`,
      status: t.status,
      reason: t.reason,
      since: t.since ? new Date(t.since).toISOString() : null,
      ...(t.status === 'syncing' && t.resync ? { phase: t.resync.phase } : {}),
    });
  }
  return out;
}

/** How long the oldest syncing table has been syncing (seconds; 0 when none). */
export function oldestSyncSeconds(store: Store, now = Date.now()): number {
  let oldest = now;
  for (const t of store.tables.values()) if (t.status === 'syncing' && t.since && t.since < oldest) oldest = t.since;
  return (now - oldest) / 1000;
}

/** The worker's status as memstore.stats() shows it. */
export function syncWorkerStats(s: SyncWorkerStatus): Record<string, unknown> {
  return {
    state: s.state,
    since: new Date(s.since).toISOString(),
    tables: s.tables,
    rounds: s.rounds,
    tables_copied: s.tablesCopied,
    failures: s.failures,
    consecutive_failures: s.consecutiveFailures,
    last_error: s.lastError,
  };
}
