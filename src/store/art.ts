/*-------------------------------------------------------------------------
 *
 * art.ts
 *		Adaptive radix tree over byte-string keys: the store's ordered map.
 *
 * Every table and the memstore namespace are one RadixTree from encoded primary key (see
 * key-codec.ts) to the row bytes as they are served. Point reads, `ORDER BY pk`, ranges, prefix
 * scans (`LIKE 'p%'`) and COPY-out in key order are all walks of this one structure.
 *
 * The structure follows "The Adaptive Radix Tree: ARTful Indexing for Main-Memory Databases"
 * (Leis, Kemper, Neumann, ICDE 2013): one byte of the key per level; inner nodes of four kinds
 * (4, 16, 48 and 256 children) chosen by how many children a node has, grown when full and
 * shrunk when mostly empty; path compression (a node skips a run of bytes every key below it
 * shares); lazy expansion (a key alone in its subtree is a leaf hung as high as possible).
 *
 * Against the obvious alternatives:
 * - A Map (hash) has no order: no ORDER BY, range or prefix without a sort. Its point reads need
 *   fewer cache misses than a walk down 4–9 nodes, and here a lookup also pays to copy the value
 *   out (see below); but callers hold bytes, and turning them into a string key for every call
 *   costs the Map about as much, so point reads come out at 0.5–1.1× a Map (BENCHMARKS.md).
 * - A B-tree (sorted-btree) compares whole keys O(log n) times per lookup through a comparator
 *   call each; the radix tree looks at each key byte about once, and its shape does not depend on
 *   insertion order, so there is no rebalancing. A B-tree's memory use is more predictable: the
 *   radix tree's depends on how keys share prefixes (dense keys are cheap, random ones less so).
 * - A sorted array makes inserts O(n).
 *
 * Keys may be prefixes of other keys (and may be empty): an inner node has, besides its
 * children, one "terminal" slot for the key that ends exactly at that node. Such a key sorts
 * before every key under the node's children, so iteration visits the terminal first.
 *
 * Memory layout. The tree holds a constant number of JS objects whatever its size:
 * - Inner nodes live in one Int32Array pool (W; B is a byte view of the same buffer), addressed
 *   by word offset; each kind has its own free list threaded through freed nodes. Layout, in
 *   32-bit words from the node's base n:
 *     n+0  prefix length (bytes skipped by path compression; int32: keys are < 2 GiB)
 *     n+1  terminal leaf (0 = none)
 *     n+2  number of children (≤ 256)
 *     n+3  first 8 bytes of the prefix (two words)
 *     n+5… kind 4:   4 key bytes (1 word), 4 children            — 10 words
 *          kind 16:  16 key bytes (4 words), 16 children        — 26 words (1 pad)
 *          kind 48:  256-byte index (byte → slot+1), 48 children — 118 words (1 pad)
 *          kind 256: 256 children                                — 262 words (1 pad)
 *   Sizes are even so a node is 8-byte aligned and its pointer can count 8-byte units.
 * - Leaves are records in LeafSlab (art-slab.ts): the whole key and the value, in 1 MiB chunks.
 *   Storing the whole key in the leaf is what lets a node keep only 8 bytes of its compressed
 *   path: a lookup checks those 8 and skips the rest ("hybrid" path compression from the
 *   paper), because the leaf comparison at the end catches any mismatch; inserts, deletes and
 *   seeks that need the skipped bytes read them from any leaf below the node.
 * - A child pointer is one Int32: 0 = empty; > 0 = inner node, (8-byte unit << 2) | kind, so
 *   the kind is known before touching the node; < 0 = leaf, ~(unit address in the slab).
 *   Hence XXX: ≤ 4 GiB of inner nodes and ≤ 16 GiB of leaf records per tree.
 * - The node pool grows by 1.25× (a copy); the slab grows by chunks (no copy).
 * At one million keys this costs 9–35 bytes per key beyond the key and value bytes (dense int8
 * keys the least, URL-like keys with many short branches the most; see BENCHMARKS.md), against
 * 50–70 in Redis and ~230 for a Map of latin1 strings to Uint8Arrays.
 *
 * Leaf records sit in the slab in insertion order, so walking keys that were inserted in random
 * order touches the slab at random (about one cache miss per entry); a tree filled in key order
 * (a dump being loaded, serial keys) scans sequentially and about twice as fast. compact()
 * rewrites the slab in key order (and gives back the space of deleted records); the sidecar
 * calls it when a table is fragmented (src/store/compaction.ts). XXX: compact() is one
 * synchronous pass, not incremental: its pause grows with the tree (BENCHMARKS.md).
 *
 * Values handed out (get, iterators) are copies: the slab reuses freed space, so a view into it
 * could change under a caller that keeps the bytes queued on a socket. Copies come from shared
 * 8 KiB pages (copyOut in art-slab.ts) because one ArrayBuffer per copy is ~4× slower in V8.
 * Callers that write the bytes somewhere anyway use copyValueTo() or a cursor's copyValue(),
 * which allocate nothing.
 *
 * Left out of the paper: SIMD search in node 16 (JS has none; a sorted linear scan with early
 * exit instead); multi-value leaves and values in pointer slots (values are variable-length
 * byte strings); the synchronization of the follow-up paper (ROWEX / optimistic lock coupling).
 * Space freed by deletes is reused by later inserts of the same size class; compact() returns
 * the slab's free space, and a tree that becomes empty releases everything. XXX: the node pool
 * is never compacted (freed nodes stay on its free lists until the tree is empty).
 *
 * Concurrency: none needed. The sidecar is single-threaded and a transaction is applied in one
 * synchronous step, so no reader runs in the middle of a mutation. Readers do run between
 * transactions while they page through results, which is what the iterator rules are for.
 *
 * Iterators under modification. Every mutation bumps a modification counter. An iterator
 * (cursor) remembers the last key it returned; at its next step, if the counter moved, it seeks
 * again to the first key strictly after that key (strictly before, going backwards) instead of
 * trusting its saved path. Therefore an iterator never returns a key twice, never skips a key
 * that existed for the whole iteration, returns keys inserted ahead of its position, does not
 * return keys deleted before it reached them, and returns the value current at the moment of
 * each step. Bounds (lo, hi, prefix) are fixed when the iterator is made. Iterators start lazily:
 * the first next() positions them. A cursor's key()/value() read the entry it stands on and throw
 * if the tree changed since that next() (the entry may be gone); entries() copies at next(), so
 * its results never go stale.
 * Remembering the key costs nothing per step: a cursor that has stepped registers itself once per
 * modification count, and the tree copies the keys of registered cursors just before it changes
 * anything (beforeChange), when their leaves are still intact. The list is emptied at every change
 * and holds cursors weakly, so abandoned cursors are not kept alive. Bounded walks stop at a leaf
 * found by one extra seek
 * (a pointer comparison per step, not a key comparison), redone after a modification.
 *
 * Interface
 * ---------
 * get(key)                 value copy, or undefined
 * has(key)                 whether the key is present
 * copyValueTo(key, t, off) value written into t at off, returns its length or -1: no allocation
 * set(key, value)          insert or replace; true when the key existed
 * delete(key)              true when the key existed
 * clear()                  drop everything and release the memory
 * clone()                  an independent copy (a copy of the buffers: the dump's pause)
 * release()                frees the tree's buffers now (a dump's clone when it is done)
 * compact()                rewrites the leaves in key order into a fresh slab; returns bytes freed
 * size                     number of keys
 * entries(options)         [key, value] copies in order; lo/hi/prefix/reverse (ByteMap)
 * keys(options)            key copies, same options
 * seek(key)                entries from the first key ≥ key
 * cursor(options)          allocation-free walk: next(), key(), value(), copyValue()…
 * memoryUsage()            bytes held: node pool + slab chunks + bookkeeping
 * stats()                  node counts by kind, grow/shrink counts, byte breakdown (debug, tests)
 * verify()                 checks every structural invariant, throws on the first broken one
 *
 * Files
 * -----
 * art.ts          this header, RadixTree (the public class) and point lookups
 * art-node.ts     node layout constants, TreeCore: node pool, leaf records, child positions
 * art-mutate.ts   insert and delete: grow, shrink, collapse, lazy expansion, prefix splits
 * art-cursor.ts   RadixCursor: ordered walks, seeks, re-seek after a change; entry/key iterators
 * art-image.ts    image (toImage/fromImage), clone, compact
 * art-verify.ts   stats() and verify()
 * art-slab.ts     the leaf slab and the copy-out pages
 * Only RadixTree, RadixCursor (its type), compareBytes, IMAGE_FORMAT and the image/stats types
 * leave these files; TreeCore and the helpers are shared among them alone.
 *
 *-------------------------------------------------------------------------
 */

import type { ByteMap, RangeOptions } from './byte-map.js';
import { copyOut } from './art-slab.js';
import { H_COUNT, H_PREFIX, H_TERM, KIND_4, KIND_16, KIND_48, N4_CHILD, N4_KEYS, N16_CHILD, N16_KEYS, N48_INDEX, N48_SLOT, N256_CHILD, PREFIX_INLINE, TreeCore, copyBytes, nodeBase } from './art-node.js';
import { insert, remove } from './art-mutate.js';
import { EntryIterator, KeyIterator, RadixCursor } from './art-cursor.js';
import { cloneCore, compactSlab, fromImage, toImage, type TreeImageMeta } from './art-image.js';
import { releaseBuffers } from './release.js';
import { stats, verify, type RadixTreeStats } from './art-verify.js';

export { compareBytes } from './art-node.js';
export { IMAGE_FORMAT, type TreeImageMeta } from './art-image.js';
export type { RadixTreeStats } from './art-verify.js';
export type { RadixCursor } from './art-cursor.js';

export class RadixTree implements ByteMap {
  /** Everything the tree holds (art-node.ts); replaced only by clone() and fromImage() on a new tree. */
  private t = new TreeCore();

  get size(): number {
    return this.t.count;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  get(key: Uint8Array): Uint8Array | undefined {
    const t = this.t;
    if (findLeaf(t, key) === 0) return undefined;
    return copyOut(t.rc, t.rko + t.rkl, t.rvl);
  }

  has(key: Uint8Array): boolean {
    return findLeaf(this.t, key) !== 0;
  }

  /** Writes the value into target at offset; returns its length, or -1 when the key is absent. */
  copyValueTo(key: Uint8Array, target: Uint8Array, offset: number): number {
    const t = this.t;
    if (findLeaf(t, key) === 0) return -1;
    const len = t.rvl;
    copyBytes(t.rc, t.rko + t.rkl, len, target, offset);
    return len;
  }

  // ---------------------------------------------------------------------------------------------
  // Writes (art-mutate.ts)

  set(key: Uint8Array, value: Uint8Array): boolean {
    return insert(this.t, key, value);
  }

  delete(key: Uint8Array): boolean {
    return remove(this.t, key);
  }

  clear(): void {
    this.t.beforeChange();
    this.t.resetStorage();
  }

  // ---------------------------------------------------------------------------------------------
  // Whole-tree copies (art-image.ts)

  /**
   * A binary image of the tree: its scalars (JSON-able) and its buffers, to be written as they
   * are. Loading an image is a copy of buffers, no per-key work, which is what makes a restart
   * from a dump fast. The image is only meaningful to this layout and key codec: readers check
   * IMAGE_FORMAT and fall back to the COPY files otherwise.
   */
  toImage(): { meta: TreeImageMeta; buffers: Uint8Array[] } {
    return toImage(this.t);
  }

  static fromImage(meta: TreeImageMeta, buffers: readonly Uint8Array[]): RadixTree {
    const tree = new RadixTree();
    tree.t = fromImage(meta, buffers);
    return tree;
  }

  /**
   * An independent tree with the same contents, for a dump taken while applying goes on. Nothing
   * in the tree is an object per key, so this is a copy of the node pool and of the slab chunks
   * (memoryUsage() bytes, at memcpy speed) and the clone has the same layout, free lists included.
   */
  clone(): RadixTree {
    const tree = new RadixTree();
    tree.t = cloneCore(this.t);
    return tree;
  }

  /**
   * Frees the tree's memory now rather than at V8's next full GC (release.ts): its buffers are
   * detached and handed back, and the tree is left empty. Only for a tree whose memory nothing
   * else views — a dump's own clone once its files are written; keys and values handed out by
   * reads are copies, so they stay valid.
   */
  release(): void {
    const buffers = [this.t.W.buffer, ...this.t.slab.buffers()];
    this.clear();
    releaseBuffers(buffers);
  }

  /**
   * Rewrites every leaf record into a fresh slab, in key order, and drops the old slab. Two
   * things come of it: space freed by deletes goes back (the slab never returns it otherwise,
   * so memoryUsage() falls after mass deletes or expiry), and an ordered walk afterwards reads
   * the slab front to back instead of one cache miss per entry (a table filled in random key
   * order scans about twice as fast once compacted; BENCHMARKS.md).
   * Cost: one pass over the tree and one copy of the leaf bytes, in one synchronous step (the
   * caller's pause: 0.6–1.8 s per million 116-byte records in bench:store); the old and the new
   * slab coexist meanwhile.
   * The node pool is left as it is (freed nodes stay on its free lists). It counts as a
   * modification: open cursors re-seek from their last key. Returns the bytes released.
   */
  compact(): number {
    return compactSlab(this.t);
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration (art-cursor.ts)

  entries(options?: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    return new EntryIterator(this.cursor(options));
  }

  keys(options?: RangeOptions): IterableIterator<Uint8Array> {
    return new KeyIterator(this.cursor(options));
  }

  /** Entries from the first key ≥ key, in order. */
  seek(key: Uint8Array): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries({ lo: key });
  }

  cursor(options?: RangeOptions): RadixCursor {
    return new RadixCursor(this.t, options);
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries();
  }

  // ---------------------------------------------------------------------------------------------
  // Accounting and checks (art-verify.ts)

  memoryUsage(): number {
    return this.t.memoryUsage();
  }

  stats(): RadixTreeStats {
    return stats(this.t);
  }

  /** Walks the whole tree and throws on the first broken invariant. For tests; O(n). */
  verify(): void {
    verify(this.t);
  }
}

/**
 * The leaf holding key (then decoded into t.rc/rko/rkl/rvl), or 0. Checks only the inline bytes
 * of compressed paths; the final whole-key comparison catches the skipped ones.
 */
function findLeaf(t: TreeCore, key: Uint8Array): number {
  const W = t.W;
  const B = t.B;
  const kl = key.length;
  let p = t.root;
  let depth = 0;
  while (p > 0) {
    const n = nodeBase(p);
    const plen = W[n]!;
    if (plen !== 0) {
      if (depth + plen > kl) return 0;
      const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
      const pb = (n + H_PREFIX) << 2;
      for (let i = 0; i < m; i++) if (B[pb + i] !== key[depth + i]) return 0;
      depth += plen;
    }
    if (depth === kl) {
      p = W[n + H_TERM]!;
      break;
    }
    const c = key[depth++]!;
    switch (p & 3) {
      case KIND_4: {
        const kb = (n + N4_KEYS) << 2;
        const cnt = W[n + H_COUNT]!;
        p = 0;
        for (let i = 0; i < cnt; i++) {
          if (B[kb + i] === c) {
            p = W[n + N4_CHILD + i]!;
            break;
          }
        }
        break;
      }
      case KIND_16: {
        const kb = (n + N16_KEYS) << 2;
        const cnt = W[n + H_COUNT]!;
        p = 0;
        for (let i = 0; i < cnt; i++) {
          const b = B[kb + i]!;
          if (b >= c) {
            if (b === c) p = W[n + N16_CHILD + i]!;
            break;
          }
        }
        break;
      }
      case KIND_48: {
        const s = B[((n + N48_INDEX) << 2) + c]!;
        p = s === 0 ? 0 : W[n + N48_SLOT + s]!;
        break;
      }
      default:
        p = W[n + N256_CHILD + c]!;
    }
  }
  if (p === 0) return 0;
  t.readLeaf(p);
  if (t.rkl !== kl) return 0;
  const ch = t.rc;
  const ko = t.rko;
  for (let i = 0; i < kl; i++) if (ch[ko + i] !== key[i]) return 0;
  return p;
}
