/*
 * memstore-sweeper.ts — reclaims the memory of expired memstore keys in the background.
 *
 * Reads already hide an expired key the instant its expiry passes (memstore.ts compares with
 * the wall clock); the sweeper only gives the memory back. Every `intervalMs` it deletes expired
 * keys, soonest first, in batches of `batch`, yielding to the event loop between batches so
 * readers and the stream never wait for more than one batch. After a sweep that removed at
 * least as many keys as are left, it compacts the trees (RadixTree.compact): the slab does not
 * return freed space otherwise, and memstore.memory_usage() would not fall.
 *
 * What may be deleted. The sweeper changes the store outside replication, so it must never
 * delete a key that some replica could still see differently. The one op that reads the state
 * it changes is touch: it extends a key that is alive at the touching transaction's commit time
 * and treats one expired by then as gone. So the sweeper deletes only keys that expired before
 * every transaction still to come could have committed: expiry ≤ the stream clock (the newest
 * commit time applied, or keepalive send time seen while idle — the source's own clock, the same
 * on every replica) minus `marginMs` (commit timestamps are taken a moment before the commit
 * record is written, so the stream may show them slightly out of order), and never later than
 * the local wall clock (so nothing visible to a reader disappears). A key swept here and later
 * loaded again from an older dump carries its expiry with it (it lives in the stored value) and
 * is invisible and swept again: dumps and exactly-once replay stay correct.
 *
 * XXX: the stream clock only moves with transactions and keepalives. On a source with no writes
 * at all, expired keys stay in memory (invisible) until the next commit or keepalive. Right
 * after a start, until the first of those arrives, nothing is swept.
 *
 * Interface:
 *   new ExpirySweeper(store, options)   start() / stop()
 *   sweepNow()                          sweeps everything due, synchronously (tests, shutdown)
 *   horizonMicros()                     the expiry up to which keys may be deleted now
 */
import type { Logger } from '../log.js';
import { nowMicros } from './memstore.js';
import type { Store } from './store.js';
import { unixMicrosFromPg } from '../pg/time.js';


export interface SweeperOptions {
  readonly intervalMs?: number;
  readonly batch?: number;
  readonly marginMs?: number;
  readonly log?: Logger;
}

export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private sinceCompact = 0;
  readonly intervalMs: number;
  readonly batch: number;
  readonly marginMs: number;

  constructor(
    private readonly store: Store,
    private readonly o: SweeperOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? 1000;
    this.batch = o.batch ?? 1000;
    this.marginMs = o.marginMs ?? 2000;
  }

  horizonMicros(): number {
    const clock = this.store.streamClock;
    if (clock === 0n) return 0;
    const stream = unixMicrosFromPg(clock) - this.marginMs * 1000;
    return Math.min(nowMicros(), stream);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.pass();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Sweeps everything due now in one synchronous step; returns the keys deleted. */
  sweepNow(): number {
    let total = 0;
    for (;;) {
      const n = this.one();
      total += n;
      if (n < this.batch) break;
    }
    this.maybeCompact();
    return total;
  }

  private one(): number {
    const horizon = this.horizonMicros();
    if (horizon <= 0) return 0;
    const n = this.store.kv.sweep(horizon, this.batch);
    this.store.counters.memstoreExpired += n;
    this.sinceCompact += n;
    return n;
  }

  private async pass(): Promise<void> {
    this.running = true;
    try {
      let total = 0;
      while (!this.stopped) {
        const n = this.one();
        total += n;
        if (n < this.batch) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (total > 0) this.o.log?.debug('expired memstore keys swept', { keys: total, left: this.store.kv.size });
      this.maybeCompact();
    } catch (err) {
      this.o.log?.error('expiry sweep failed', { error: (err as Error).message });
    } finally {
      this.running = false;
    }
  }

  /** Compacts once at least as many keys were swept as remain (at least half the leaves freed). */
  private maybeCompact(): void {
    const kv = this.store.kv;
    if (this.sinceCompact === 0 || this.sinceCompact < kv.size) return;
    const t0 = performance.now();
    const freed = kv.compact();
    this.o.log?.debug('memstore compacted after expiry', { freed_bytes: freed, ms: +(performance.now() - t0).toFixed(1), keys: kv.size });
    this.sinceCompact = 0;
  }
}
