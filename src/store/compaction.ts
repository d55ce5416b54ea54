/*
 * compaction.ts — when the sidecar rewrites a tree's leaf slab (RadixTree.compact()).
 *
 * Two things degrade a radix tree that lives for days: space freed by deletes (and by swept
 * memstore expiries) stays in its slab, and rows inserted in random key order sit in the slab in
 * insertion order, so ordered walks (ORDER BY pk, COPY out, peer bootstrap) pay about one cache
 * miss per row. compact() fixes both, but it is one synchronous pass: every reader on the event
 * loop waits for it (0.6–1.8 s per million rows on the 2-core bench machine, BENCHMARKS.md). Hence two moments:
 *
 * - right after a table's own copy, before the table goes live: nobody reads it yet, so the pause
 *   costs readers nothing (up to afterCopyMaxKeys: the pass holds both slabs at once);
 * - in the background, a tree whose slab is mostly free space (fragmentation ≥ minFreeFraction
 *   and ≥ minFreeBytes), and only if it is small enough that the pause stays bounded (maxKeys).
 *   A tree above maxKeys keeps its free space for reuse by later inserts; XXX: an incremental
 *   compaction (moving a key range per step) would lift that limit and is not built.
 */
import { RadixTree } from './art.js';
import type { ByteMap } from './byte-map.js';

export interface CompactionPolicy {
  /** Compact when at least this fraction of the slab is free space… */
  readonly minFreeFraction: number;
  /** …and at least this many bytes are free (small trees are not worth a pass). */
  readonly minFreeBytes: number;
  /** Larger trees are not compacted in the background: the pause would be too long. */
  readonly maxKeys: number;
  /**
   * Larger tables are not compacted after their copy either: the pass holds the old and the new
   * slab at once, so it needs the table's leaf bytes twice.
   */
  readonly afterCopyMaxKeys: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = {
  minFreeFraction: 0.3,
  minFreeBytes: 4 * 1024 * 1024,
  maxKeys: 100_000,
  afterCopyMaxKeys: 2_000_000,
};

export interface CompactionResult {
  readonly keys: number;
  readonly bytesFreed: number;
  readonly ms: number;
}

/** Whether a background compaction of this map is due under the policy. */
export function compactionDue(map: ByteMap, policy: CompactionPolicy = DEFAULT_COMPACTION): boolean {
  if (!(map instanceof RadixTree) || map.size === 0 || map.size > policy.maxKeys) return false;
  const { leafSlabBytes: held, leafBytesFree: free } = map.stats();
  return free >= policy.minFreeBytes && free >= held * policy.minFreeFraction;
}

/** Compacts the map (a RadixTree; other maps are left alone) and reports what it took. */
export function compact(map: ByteMap): CompactionResult | undefined {
  if (!(map instanceof RadixTree) || map.size === 0) return undefined;
  const t0 = process.hrtime.bigint();
  const bytesFreed = map.compact();
  return { keys: map.size, bytesFreed, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
