/*
 * slice-clock.ts — when a statement has worked for its time slice and must let the event loop run.
 *
 * One Node process serves every connection and the apply loop; a statement that works longer than
 * SLICE_MS without yielding delays all of them. Another connection's statement waits up to one
 * slice per round trip: a client that sends its next query when the last one's answer arrives
 * gets at most one answer per slice (5 ms allowed only ~190 point reads a second beside a TPC-H
 * query, bench:sql). A yield costs a few µs.
 *
 * over() is called once per unit of work (a row, a comparison, a run sorted) and must be cheap:
 * it reads the clock only every `every` calls, and `every` adapts so that a read comes about
 * every SLICE_MS / 16 whatever a call costs (a key walk's row takes well under a µs, a row that
 * runs a correlated subquery, or a run of 256 items sorted, much more). A fixed count overshoots
 * the slice by what that many expensive calls cost (128 rows of TPC-H Q1 took ~4 ms; 64 sorted
 * runs of 256 texts over 10 ms).
 */

export const SLICE_MS = 2;
/** A slice this long counts as `long` in sliceStats (something did not yield). */
const LONG_SLICE_MS = 10;

/**
 * Slices that ended in a yield (or a statement's end), process-wide: bench and tests see a long
 * synchronous stretch as a large maxMs; `long` counts slices of LONG_SLICE_MS or more. Counting
 * costs one clock read per yield.
 */
export const sliceStats = { slices: 0, totalMs: 0, maxMs: 0, long: 0 };

export function resetSliceStats(): void {
  sliceStats.slices = 0;
  sliceStats.totalMs = 0;
  sliceStats.maxMs = 0;
  sliceStats.long = 0;
}

export class SliceClock {
  /** When the current slice began (performance.now()). */
  start = performance.now();
  private every = 16;
  private countdown = 16;
  private lastCheck = this.start;

  /** True once the slice is used up: the caller yields, then calls restart(). */
  over(): boolean {
    if (--this.countdown > 0) return false;
    const now = performance.now();
    const gap = now - this.lastCheck;
    this.lastCheck = now;
    if (gap > SLICE_MS / 8) this.every = this.every > 1 ? this.every >> 1 : 1;
    else if (gap < SLICE_MS / 32 && this.every < 4096) this.every <<= 1;
    this.countdown = this.every;
    return now - this.start >= SLICE_MS;
  }

  /** The slice ends (the caller yields, or is done): counted in sliceStats. */
  end(): void {
    const ms = performance.now() - this.start;
    sliceStats.slices++;
    sliceStats.totalMs += ms;
    if (ms > sliceStats.maxMs) sliceStats.maxMs = ms;
    if (ms >= LONG_SLICE_MS) sliceStats.long++;
  }

  /** A new slice begins (after the event loop ran). */
  restart(): void {
    this.start = performance.now();
    this.lastCheck = this.start;
    this.countdown = this.every;
  }
}
