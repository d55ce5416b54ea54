/*
 * sortInSlices: the same order as Array.prototype.sort (stable, so equal keys keep their input
 * order), and it stops whenever pause() asks, however large the input.
 */
import { describe, expect, it } from 'vitest';
import { sortInSlices } from '../../../src/query/exec/sort-slices.js';

interface Item {
  readonly key: number;
  readonly at: number;
}

/** A deterministic pseudo-random sequence (no Math.random: a failure must reproduce). */
function items(n: number, distinct: number, seed: number): Item[] {
  let x = seed;
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push({ key: x % distinct, at: i });
  }
  return out;
}

const byKey = (a: Item, b: Item): number => a.key - b.key;

describe('sortInSlices', () => {
  for (const [n, distinct] of [
    [0, 1],
    [1, 1],
    [255, 10],
    [256, 3],
    [257, 1000],
    [1000, 7],
    [20_000, 100],
    [33_333, 50_000],
  ] as const) {
    it(`orders ${n} items with ${distinct} distinct keys as Array.prototype.sort does`, () => {
      const input = items(n, distinct, n + distinct);
      const expected = input.slice().sort(byKey);
      const got = input.slice();
      let pauses = 0;
      for (const _ of sortInSlices(got, byKey, () => true)) pauses++;
      expect(got).toEqual(expected);
      // Asked after every step, it stops once per run of 256 sorted and once per comparison while
      // merging (about n per merge pass for keys in random order).
      if (n > 256) expect(pauses).toBeGreaterThanOrEqual(Math.ceil(n / 256) + (n >= 1000 ? n : 0));
    });
  }

  it('does not stop when pause() never asks', () => {
    const got = items(5000, 10, 1);
    const steps = [...sortInSlices(got, byKey, () => false)];
    expect(steps).toHaveLength(0);
    expect(got).toEqual(items(5000, 10, 1).sort(byKey));
  });
});
