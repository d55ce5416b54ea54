/*
 * slot-watch.ts — the running sidecar's look at its siblings' slots: every --slot-check-interval
 * (and once at start) it lists this project's slots on the source and warns about any other than
 * its own that has been inactive longer than --inactive-slot-warn. Such a slot belongs to a
 * sidecar that is gone (scaled down, renamed, crashed for good); PostgreSQL keeps every byte of
 * WAL since its restart_lsn until the slot is dropped, and the disk fills.
 *
 * "This project" = pgoutput slots of the source database whose name starts with `memstore_`
 * (replication/slot.ts listProjectSlots). The warning names the slot, its inactive time and the
 * WAL it holds, and how to drop it (`memstore-sidecar slots drop NAME`); it is repeated once per
 * --inactive-slot-warn period while the slot stays, not at every check.
 *
 * A failed check (source unreachable) is logged at debug level and leaves the last report in
 * place: the follower already reports an unreachable source loudly.
 */
import type { Logger } from '../log.js';
import { formatLsn } from '../lsn.js';
import { sqlClient, type SourceOptions } from '../replication/connection.js';
import { listProjectSlots, type ProjectSlot } from '../replication/slot.js';

export const PROJECT_SLOT_PREFIX = 'memstore_';

export interface SlotWatchOptions {
  readonly source: SourceOptions;
  /** This sidecar's own slot, never reported. */
  readonly ownSlot: string;
  readonly prefix?: string;
  /** 0 = only the check at start. */
  readonly intervalMs: number;
  readonly inactiveWarnMs: number;
  readonly log: Logger;
}

export interface SlotReport {
  /** Other slots of the project inactive longer than the limit. */
  readonly inactive: readonly ProjectSlot[];
  readonly checkedAt: Date | undefined;
}

export class SlotWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastWarned = new Map<string, number>();
  report: SlotReport = { inactive: [], checkedAt: undefined };

  constructor(private readonly o: SlotWatchOptions) {}

  /** Runs a first check in the background, then one every interval. */
  start(): void {
    void this.check();
    if (this.o.intervalMs > 0) {
      this.timer = setInterval(() => void this.check(), this.o.intervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  get inactiveCount(): number {
    return this.report.inactive.length;
  }

  get inactiveRetainedBytes(): number {
    return this.report.inactive.reduce((sum, s) => sum + (s.retainedBytes ?? 0), 0);
  }

  /** One check now (a check already running is awaited instead). */
  check(): Promise<void> {
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const client = sqlClient(this.o.source);
    client.on('error', () => undefined);
    let slots: ProjectSlot[];
    try {
      await client.connect();
      slots = await listProjectSlots(client, this.o.prefix ?? PROJECT_SLOT_PREFIX);
    } catch (err) {
      this.o.log.debug('slot check failed', { error: (err as Error).message });
      return;
    } finally {
      await client.end().catch(() => undefined);
    }
    const now = Date.now();
    const inactive = slots.filter(
      (s) => s.name !== this.o.ownSlot && !s.active && s.inactiveSince !== null && now - s.inactiveSince.getTime() >= this.o.inactiveWarnMs,
    );
    this.report = { inactive, checkedAt: new Date(now) };
    const names = new Set(inactive.map((s) => s.name));
    for (const name of this.lastWarned.keys()) if (!names.has(name)) this.lastWarned.delete(name);
    for (const s of inactive) {
      const warned = this.lastWarned.get(s.name);
      if (warned !== undefined && now - warned < this.o.inactiveWarnMs) continue;
      this.lastWarned.set(s.name, now);
      this.o.log.warn('a replication slot of this project is inactive and holds WAL on the source', {
        slot: s.name,
        inactive_since: s.inactiveSince!.toISOString(),
        inactive_seconds: Math.round((now - s.inactiveSince!.getTime()) / 1000),
        retained_wal_bytes: s.retainedBytes,
        restart_lsn: s.restartLsn === null ? null : formatLsn(s.restartLsn),
        wal_status: s.walStatus,
        hint: `if its sidecar is gone for good: memstore-sidecar slots drop ${s.name} --source …`,
      });
    }
  }
}
