/*
 * sort-slices.ts — a sort that can stop between any two steps, so that sorting a large input does
 * not hold the event loop (Array.prototype.sort of 60k rows by a text column took hundreds of ms
 * in one synchronous call).
 *
 * sortInSlices(items, compare, pause) sorts `items` in place and yields whenever pause() says
 * the time slice is used up; the caller yields PAUSE (executor) or awaits setImmediate (the
 * single-table planner) and resumes the generator. Algorithm: runs of RUN items are sorted with
 * Array.prototype.sort, then merged bottom-up between `items` and one scratch array of the same
 * length, asking pause() once per item merged.
 *
 * Invariant: the order is exactly the one items.sort(compare) gives. Both are stable (ECMAScript
 * requires a stable Array.prototype.sort since 2019, and the merge takes the left item on a tie),
 * and two stable sorts under the same comparator agree. So query results do not change.
 *
 * Left out: a comparator that throws leaves `items` partly sorted (the statement fails anyway).
 */

/** Items sorted by one Array.prototype.sort call: about 100 µs with a cheap comparator. */
const RUN = 256;

export function* sortInSlices<T>(items: T[], compare: (a: T, b: T) => number, pause: () => boolean): Generator<void, void, undefined> {
  const n = items.length;
  if (n <= RUN) {
    items.sort(compare);
    return;
  }
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    const run = items.slice(lo, hi).sort(compare);
    for (let i = 0; i < run.length; i++) items[lo + i] = run[i]!;
    if (pause()) yield;
  }
  let src = items;
  let dst = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Stable: the left run's item goes first unless the right one is strictly smaller.
        dst[k++] = compare(src[j]!, src[i]!) < 0 ? src[j++]! : src[i++]!;
        if (pause()) yield;
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== items) {
    for (let i = 0; i < n; i++) {
      items[i] = src[i]!;
      if ((i & 4095) === 4095 && pause()) yield;
    }
  }
}
