import { describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/store/art.js';
import { compact, compactionDue, type CompactionPolicy } from '../../src/store/compaction.js';

const policy: CompactionPolicy = { minFreeFraction: 0.3, minFreeBytes: 64 * 1024, maxKeys: 50_000, afterCopyMaxKeys: 50_000 };

function filled(n: number): RadixTree {
  const t = new RadixTree();
  for (let i = 0; i < n; i++) t.set(new TextEncoder().encode(`key-${i}`), new Uint8Array(100));
  return t;
}

describe('compaction policy', () => {
  it('is due once enough of the slab is free, and compacting clears it', () => {
    const t = filled(20_000);
    expect(compactionDue(t, policy)).toBe(false);
    for (let i = 0; i < 5_000; i++) t.delete(new TextEncoder().encode(`key-${i}`));
    expect(compactionDue(t, policy)).toBe(false); // a quarter free: below 0.3
    for (let i = 5_000; i < 10_000; i++) t.delete(new TextEncoder().encode(`key-${i}`));
    expect(compactionDue(t, policy)).toBe(true);
    const before = t.memoryUsage();
    const r = compact(t)!;
    expect(r.keys).toBe(10_000);
    expect(r.bytesFreed).toBe(before - t.memoryUsage());
    expect(r.bytesFreed).toBeGreaterThan(10_000 * 100);
    expect(compactionDue(t, policy)).toBe(false);
  });

  it('leaves trees above maxKeys alone (the pause would be too long)', () => {
    const t = filled(60_000);
    for (let i = 0; i < 40_000; i++) t.delete(new TextEncoder().encode(`key-${i}`));
    expect(t.size).toBe(20_000);
    expect(compactionDue(t, { ...policy, maxKeys: 10_000 })).toBe(false);
    expect(compactionDue(t, policy)).toBe(true);
  });

  it('does nothing for an empty tree', () => {
    expect(compact(new RadixTree())).toBeUndefined();
    expect(compactionDue(new RadixTree(), policy)).toBe(false);
  });
});
