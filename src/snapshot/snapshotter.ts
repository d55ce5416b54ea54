/*
 * snapshotter.ts — when dumps are written: every interval when something changed, on demand
 * (memstore.save()), and once more at shutdown. One dump at a time; a request while one runs
 * waits for it and then dumps again if the store moved.
 *
 * A failed dump (directory not writable or not a directory, disk full) is logged and counted
 * (consecutiveFailures feeds memstore.stats() and /readyz), the sidecar keeps serving and applying,
 * and the change log keeps growing (its segments are pruned only after a dump). The dump is retried with backoff — after
 * retryInitialMs, doubling, at most the interval — instead of waiting a whole interval: the WAL
 * the slot holds grows until a dump succeeds. A success resets the count.
 *
 * Left out: telling "full" from "not writable" (both are an error message in lastError), and
 * freeing space (old dumps are pruned only after a new one is durable).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { Store } from '../store/store.js';
import { describeDump, pruneDumps, writeDump, type DumpResult } from './dump.js';
import { MANIFEST_FILE, type Manifest } from './manifest.js';

export interface SnapshotterOptions {
  readonly store: Store;
  readonly dumpsDir: string;
  readonly sidecarId: string;
  readonly slot: string;
  /** Seconds between dumps; 0 = no periodic dumps (save() and the final dump still work). */
  readonly intervalSeconds: number;
  /** How many dumps to keep (≥ 1). */
  readonly keep: number;
  readonly log: Logger;
  /** Called once a dump is durable, with its LSN (the slot's new flush position). */
  readonly onDurable: (lsn: Lsn) => void;
  /** First retry after a failed dump (default 1 s); doubles per failure, capped by retryMaxMs. */
  readonly retryInitialMs?: number;
  /** Longest wait between retries (default: the interval, or 60 s when there is none). */
  readonly retryMaxMs?: number;
  /**
   * True while a periodic dump had better wait (a big transaction is arriving): it is then taken
   * when this turns false, polled every 200 ms, or at the next interval tick at the latest.
   */
  readonly busy?: () => boolean;
}

export interface SnapshotState {
  readonly lastLsn: Lsn;
  readonly lastAt: Date | undefined;
  readonly lastPauseMs: number;
  readonly dumps: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly lastError: string | undefined;
  /** When the next retry of a failed dump is due; undefined when the last dump succeeded. */
  readonly nextRetryAt?: Date | undefined;
}

export class Snapshotter {
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Polls busy() after a deferred periodic dump (deferUntilIdle). */
  private deferTimer: NodeJS.Timeout | undefined;
  private nextRetryAt: Date | undefined;
  private stopped = false;
  private running: Promise<DumpResult | undefined> | undefined;
  private last: { lsn: Lsn; transactions: number; dir: string; manifest: Manifest | undefined } | undefined;
  private stats = { lastAt: undefined as Date | undefined, lastPauseMs: 0, dumps: 0, failures: 0, consecutiveFailures: 0, lastError: undefined as string | undefined };

  constructor(private readonly o: SnapshotterOptions) {}

  /** The dump the store was loaded from: later dumps of an unchanged store can reuse its files. */
  rememberLoaded(lsn: Lsn, dir: string, manifest: Manifest): void {
    this.last = { lsn, transactions: this.o.store.counters.transactions, dir, manifest };
  }

  /** The store changed in a way the transaction count does not show (a resync): dump afresh. */
  invalidate(): void {
    if (this.last) this.last = { ...this.last, transactions: -1, manifest: undefined };
  }

  get state(): SnapshotState {
    return { lastLsn: this.last?.lsn ?? 0n, ...this.stats, nextRetryAt: this.nextRetryAt };
  }

  start(): void {
    if (this.o.intervalSeconds <= 0) return;
    this.timer = setInterval(() => {
      // While failing, the retry schedule (shorter, backing off) decides when to try again.
      if (this.running || this.retryTimer) return;
      // A deferred tick that is still waiting: this one is its deadline.
      const deferred = this.deferTimer !== undefined;
      this.stopDeferring();
      if (!deferred && this.o.busy?.()) {
        this.deferUntilIdle();
        return;
      }
      void this.dumpIfChanged('interval');
    }, this.o.intervalSeconds * 1000);
    this.timer.unref();
  }

  /*
   * A periodic dump while a big transaction arrives would hold the store's clone and the
   * transaction's buffer at once (issue #13's RSS bound: 1M-row DELETE peaked at 424 MB against
   * 384 when the 60 s tick fell in it). The slot's flush follows the change log, not the dumps,
   * so waiting costs no WAL on the primary.
   */
  private deferUntilIdle(): void {
    this.deferTimer = setInterval(() => {
      if (this.stopped || this.o.busy?.()) return;
      this.stopDeferring();
      if (this.running || this.retryTimer) return;
      void this.dumpIfChanged('interval');
    }, 200);
    this.deferTimer.unref();
  }

  private stopDeferring(): void {
    if (this.deferTimer) clearInterval(this.deferTimer);
    this.deferTimer = undefined;
  }

  /** True when the store holds something the newest dump does not. */
  private changed(): boolean {
    const s = this.o.store;
    return !this.last || this.last.transactions !== s.counters.transactions || this.last.lsn !== s.appliedLsn;
  }

  private async dumpIfChanged(reason: string): Promise<void> {
    if (!this.changed()) return;
    await this.dump(reason).catch(() => undefined); // logged in dump()
  }

  /** Writes a dump now (waiting for one in progress first); resolves with its LSN. */
  async dump(reason: string): Promise<DumpResult> {
    while (this.running) await this.running.catch(() => undefined);
    const p = this.runDump(reason);
    this.running = p;
    try {
      const r = await p;
      if (!r) throw new Error('dump skipped');
      return r;
    } finally {
      this.running = undefined;
    }
  }

  private async runDump(reason: string): Promise<DumpResult | undefined> {
    const { store, log } = this.o;
    const unchanged = this.last !== undefined && this.last.transactions === store.counters.transactions;
    let reuse: { dir: string; manifest: Manifest } | undefined;
    if (unchanged && this.last) {
      const manifest = this.last.manifest ?? (await readManifest(this.last.dir));
      if (manifest) reuse = { dir: this.last.dir, manifest };
    }
    const transactions = store.counters.transactions;
    try {
      const r = await writeDump(store, {
        dumpsDir: this.o.dumpsDir,
        sidecarId: this.o.sidecarId,
        slot: this.o.slot,
        ...(reuse ? { reuse } : {}),
      });
      this.last = { lsn: r.lsn, transactions, dir: r.dir, manifest: undefined };
      this.stats.lastAt = new Date();
      this.stats.lastPauseMs = r.pauseMs;
      this.stats.dumps++;
      if (this.stats.consecutiveFailures > 0) log.info('dumps work again', { after_failures: this.stats.consecutiveFailures });
      this.stats.consecutiveFailures = 0;
      this.stats.lastError = undefined;
      this.cancelRetry();
      log.info('dump written', { reason, ...describeDump(r) });
      this.o.onDurable(r.lsn);
      const removed = await pruneDumps(this.o.dumpsDir, this.o.keep);
      if (removed.length > 0) log.debug('old dumps removed', { removed });
      return r;
    } catch (err) {
      this.stats.failures++;
      this.stats.consecutiveFailures++;
      this.stats.lastError = (err as Error).message;
      const retryMs = this.scheduleRetry();
      log.error('dump failed; the change log grows (or, if it failed too, the slot keeps the WAL) until a dump succeeds', {
        reason,
        error: (err as Error).message,
        consecutive_failures: this.stats.consecutiveFailures,
        last_good_lsn: this.last ? formatLsn(this.last.lsn) : null,
        ...(retryMs !== undefined ? { retry_in_ms: retryMs } : {}),
      });
      throw err;
    }
  }

  /** Arms the next retry (periodic dumps only); returns its delay. */
  private scheduleRetry(): number | undefined {
    if (this.stopped || this.o.intervalSeconds <= 0 || this.timer === undefined) return undefined;
    const max = this.o.retryMaxMs ?? (this.o.intervalSeconds > 0 ? this.o.intervalSeconds * 1000 : 60_000);
    const delay = Math.min(max, (this.o.retryInitialMs ?? 1000) * 2 ** Math.min(this.stats.consecutiveFailures - 1, 30));
    this.cancelRetry();
    this.nextRetryAt = new Date(Date.now() + delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running || this.stopped) return;
      void this.dump('retry after a failed dump').catch(() => undefined); // logged in runDump()
    }, delay);
    this.retryTimer.unref();
    return delay;
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextRetryAt = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry();
    this.stopDeferring();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.running) await this.running.catch(() => undefined);
  }
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}
