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
 *-------------------------------------------------------------------------
 */

import type { ByteMap, RangeOptions } from './byte-map.js';
import { LeafSlab, classUnits, copyOut, recordUnits, CHUNK_UNIT_BITS, OFFSET_MASK, UNIT_SHIFT, type SlabImageMeta } from './art-slab.js';
import { copyBytes as copyRange } from '../bytes.js';

const KIND_4 = 0;
const KIND_16 = 1;
const KIND_48 = 2;
const KIND_256 = 3;
const NODE_WORDS: readonly number[] = [10, 26, 118, 262];

// Header words.
const H_PLEN = 0;
const H_TERM = 1;
const H_COUNT = 2;
const H_PREFIX = 3;
const PREFIX_INLINE = 8;
// Bodies.
const N4_KEYS = 5;
const N4_CHILD = 6;
const N16_KEYS = 5;
const N16_CHILD = 9;
const N48_INDEX = 5;
const N48_CHILD = 69;
/** N48 child slot s (1-based, as stored in the index) is word n + N48_SLOT + s. */
const N48_SLOT = N48_CHILD - 1;
const N256_CHILD = 5;

/*
 * Shrink thresholds sit below the grow points (5, 17, 49) so that a key inserted and deleted
 * at a boundary does not convert the node back and forth.
 */
const SHRINK_16_AT = 3;
const SHRINK_48_AT = 12;
const SHRINK_256_AT = 36;

const INITIAL_POOL_WORDS = 64;
/** Node pointers count 8-byte units in 29 bits: the pool must stay below 2^30 words. */
const MAX_POOL_WORDS = 1 << 30;
const ROOT_SLOT = -1;
/** Iterator position: "no position" (NONE) and "the terminal leaf" (TERM). */
const NONE = -2;
const TERM = -1;

/** Approximate bytes of the tree's own JS objects, added to memoryUsage(). */
const FIXED_OBJECT_BYTES = 512;

const scratch8 = new Uint8Array(PREFIX_INLINE);
const EMPTY_BYTES = new Uint8Array(0);

function nodeBase(p: number): number {
  return (p >>> 2) << 1;
}

function nodePtr(n: number, kind: number): number {
  return ((n >>> 1) << 2) | kind;
}

/** memcmp order, shorter prefix first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const al = a.length;
  const bl = b.length;
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

export interface RadixTreeStats {
  readonly size: number;
  readonly nodes4: number;
  readonly nodes16: number;
  readonly nodes48: number;
  readonly nodes256: number;
  readonly grow4to16: number;
  readonly grow16to48: number;
  readonly grow48to256: number;
  readonly shrink256to48: number;
  readonly shrink48to16: number;
  readonly shrink16to4: number;
  /** Node 4 replaced by its only child or its terminal leaf after a delete. */
  readonly collapses: number;
  /** Capacity of the node pool, bytes. */
  readonly nodePoolBytes: number;
  /** Node pool bytes in use by live nodes. */
  readonly nodeBytesLive: number;
  /** Capacity of the leaf slab, bytes. */
  readonly leafSlabBytes: number;
  /** Slab bytes on free lists. */
  readonly leafBytesFree: number;
  /** Cursors registered to have their key saved at the next change (bounded; see the header). */
  readonly pendingCursors: number;
  readonly memoryUsage: number;
}

/** Version of toImage()'s layout and of the key encodings inside it: bump on any change. */
export const IMAGE_FORMAT = 1;

export interface TreeImageMeta {
  readonly format: number;
  readonly root: number;
  readonly count: number;
  readonly poolTop: number;
  readonly freeNodes: readonly number[];
  readonly liveNodes: readonly number[];
  readonly slab: SlabImageMeta;
}

export class RadixTree implements ByteMap {
  /** @internal Node pool, 32-bit words. Replaced when the pool grows: re-read after allocating. */
  W = new Int32Array(INITIAL_POOL_WORDS);
  /** @internal Byte view of the node pool. */
  B = new Uint8Array(this.W.buffer);
  /** @internal Leaf records. */
  slab = new LeafSlab();
  /** @internal Root pointer (0, node or leaf). */
  root = 0;
  /** @internal Bumped by every mutation; iterators compare it. */
  modCount = 0;
  /**
   * @internal Cursors whose current key must be saved before the next change. Held weakly and
   * pruned as the list grows: a table that is read but never written would otherwise keep every
   * cursor that ever stepped on it.
   */
  readonly pending: WeakRef<RadixCursor>[] = [];
  private pendingLimit = 64;

  private count = 0;
  private poolTop = 2; // word 0–1 unused: pointer 0 means empty
  private readonly freeNodes = [0, 0, 0, 0];
  private readonly liveNodes = [0, 0, 0, 0];
  private readonly transitions = [0, 0, 0, 0, 0, 0, 0];

  // Leaf decoded by readLeaf(): its chunk, key offset/length, value length (value follows key).
  /** @internal */ rc: Uint8Array = this.B;
  /** @internal */ rko = 0;
  /** @internal */ rkl = 0;
  /** @internal */ rvl = 0;

  get size(): number {
    return this.count;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  get(key: Uint8Array): Uint8Array | undefined {
    const p = this.findLeaf(key);
    if (p === 0) return undefined;
    return copyOut(this.rc, this.rko + this.rkl, this.rvl);
  }

  has(key: Uint8Array): boolean {
    return this.findLeaf(key) !== 0;
  }

  /** Writes the value into target at offset; returns its length, or -1 when the key is absent. */
  copyValueTo(key: Uint8Array, target: Uint8Array, offset: number): number {
    const p = this.findLeaf(key);
    if (p === 0) return -1;
    const len = this.rvl;
    copyBytes(this.rc, this.rko + this.rkl, len, target, offset);
    return len;
  }

  /**
   * The leaf holding key (then decoded into rc/rko/rkl/rvl), or 0. Checks only the inline bytes
   * of compressed paths; the final whole-key comparison catches the skipped ones.
   */
  private findLeaf(key: Uint8Array): number {
    const W = this.W;
    const B = this.B;
    const kl = key.length;
    let p = this.root;
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
    this.readLeaf(p);
    if (this.rkl !== kl) return 0;
    const ch = this.rc;
    const ko = this.rko;
    for (let i = 0; i < kl; i++) if (ch[ko + i] !== key[i]) return 0;
    return p;
  }

  /** @internal Decodes leaf p into rc (chunk), rko (key offset), rkl, rvl. */
  readLeaf(p: number): void {
    const addr = ~p;
    const ch = this.slab.chunks[addr >>> CHUNK_UNIT_BITS]!;
    let o = (addr & OFFSET_MASK) << UNIT_SHIFT;
    let b = ch[o++]!;
    let kl = b & 0x7f;
    for (let shift = 7; b > 0x7f; shift += 7) {
      b = ch[o++]!;
      kl += (b & 0x7f) * 2 ** shift;
    }
    b = ch[o++]!;
    let vl = b & 0x7f;
    for (let shift = 7; b > 0x7f; shift += 7) {
      b = ch[o++]!;
      vl += (b & 0x7f) * 2 ** shift;
    }
    this.rc = ch;
    this.rko = o;
    this.rkl = kl;
    this.rvl = vl;
  }

  /** @internal Compares leaf p's key with key (memcmp order). */
  compareLeaf(p: number, key: Uint8Array): number {
    this.readLeaf(p);
    const ch = this.rc;
    const ko = this.rko;
    const al = this.rkl;
    const bl = key.length;
    const n = al < bl ? al : bl;
    for (let i = 0; i < n; i++) {
      const d = ch[ko + i]! - key[i]!;
      if (d !== 0) return d;
    }
    return al - bl;
  }

  private leafEquals(p: number, key: Uint8Array): boolean {
    this.readLeaf(p);
    const kl = key.length;
    if (this.rkl !== kl) return false;
    const ch = this.rc;
    const ko = this.rko;
    for (let i = 0; i < kl; i++) if (ch[ko + i] !== key[i]) return false;
    return true;
  }

  /** @internal The smallest leaf under p (the terminal, else the first child, downwards). */
  minLeaf(p: number): number {
    const W = this.W;
    while (p > 0) {
      const n = nodeBase(p);
      const t = W[n + H_TERM]!;
      if (t !== 0) return t;
      const kind = p & 3;
      p = this.childAt(n, kind, this.nextPos(n, kind, TERM));
    }
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  set(key: Uint8Array, value: Uint8Array): boolean {
    this.beforeChange();
    const kl = key.length;
    let slot = ROOT_SLOT;
    let p = this.root;
    let depth = 0;
    for (;;) {
      if (p === 0) {
        // Only the root can be an empty slot: children and terminals are never 0 when reached.
        this.storeSlot(slot, this.newLeaf(key, value));
        this.count++;
        return false;
      }
      if (p < 0) {
        this.readLeaf(p);
        const ch = this.rc;
        const ko = this.rko;
        const lkl = this.rkl;
        // Bytes before depth were matched on the way down; find where the keys part.
        const lim = kl < lkl ? kl : lkl;
        let i = depth;
        while (i < lim && ch[ko + i] === key[i]) i++;
        if (i === kl && i === lkl) {
          const np = this.replaceValue(p, key, value);
          if (np !== p) this.storeSlot(slot, np);
          return true;
        }
        const oldByte = i < lkl ? ch[ko + i]! : -1;
        this.expandLeaf(slot, p, oldByte, key, value, depth, i);
        this.count++;
        return false;
      }
      const n = nodeBase(p);
      const plen = this.W[n]!;
      if (plen !== 0) {
        const m = this.prefixMismatch(p, n, plen, key, depth);
        if (m < plen) {
          this.splitPrefix(slot, p, n, plen, m, key, value, depth);
          this.count++;
          return false;
        }
        depth += plen;
      }
      if (depth === kl) {
        const t = this.W[n + H_TERM]!;
        if (t === 0) {
          const leaf = this.newLeaf(key, value);
          this.W[n + H_TERM] = leaf;
          this.count++;
          return false;
        }
        const np = this.replaceValue(t, key, value);
        if (np !== t) this.W[n + H_TERM] = np;
        return true;
      }
      const c = key[depth]!;
      const cs = this.findChildSlot(n, p & 3, c);
      if (cs < 0) {
        this.addChild(slot, p, c, this.newLeaf(key, value));
        this.count++;
        return false;
      }
      slot = cs;
      p = this.W[cs]!;
      depth++;
    }
  }

  delete(key: Uint8Array): boolean {
    const root = this.root;
    if (root === 0) return false;
    if (root < 0) {
      if (!this.leafEquals(root, key)) return false;
      this.beforeChange();
      this.freeLeaf(root);
      this.root = 0;
      this.afterRemove();
      return true;
    }
    const kl = key.length;
    let slot = ROOT_SLOT;
    let p = root;
    let depth = 0;
    for (;;) {
      const W = this.W;
      const n = nodeBase(p);
      const plen = W[n]!;
      if (plen !== 0) {
        if (depth + plen > kl) return false;
        const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
        const pb = (n + H_PREFIX) << 2;
        const B = this.B;
        for (let i = 0; i < m; i++) if (B[pb + i] !== key[depth + i]) return false;
        depth += plen;
      }
      if (depth === kl) {
        const t = W[n + H_TERM]!;
        if (t === 0 || !this.leafEquals(t, key)) return false;
        this.beforeChange();
        this.freeLeaf(t);
        W[n + H_TERM] = 0;
        // Every node keeps ≥ 2 entries; only a node 4 can fall to one.
        if ((p & 3) === KIND_4 && W[n + H_COUNT] === 1) this.collapse(slot, n);
        this.afterRemove();
        return true;
      }
      const c = key[depth]!;
      const cs = this.findChildSlot(n, p & 3, c);
      if (cs < 0) return false;
      const child = W[cs]!;
      if (child < 0) {
        if (!this.leafEquals(child, key)) return false;
        this.beforeChange();
        this.freeLeaf(child);
        this.removeChild(slot, p, n, c, cs);
        this.afterRemove();
        return true;
      }
      slot = cs;
      p = child;
      depth++;
    }
  }

  clear(): void {
    this.beforeChange();
    this.resetStorage();
  }

  /**
   * An independent tree with the same contents, for a dump taken while applying goes on. Nothing
   * in the tree is an object per key, so this is a copy of the node pool and of the slab chunks
   * (memoryUsage() bytes, at memcpy speed) and the clone has the same layout, free lists included.
   */
  /**
   * A binary image of the tree: its scalars (JSON-able) and its buffers, to be written as they
   * are. Loading an image is a copy of buffers, no per-key work, which is what makes a restart
   * from a dump fast. The image is only meaningful to this layout and key codec: readers check
   * IMAGE_FORMAT and fall back to the COPY files otherwise.
   */
  toImage(): { meta: TreeImageMeta; buffers: Uint8Array[] } {
    const slab = this.slab.imageState();
    return {
      meta: {
        format: IMAGE_FORMAT,
        root: this.root,
        count: this.count,
        poolTop: this.poolTop,
        freeNodes: [...this.freeNodes],
        liveNodes: [...this.liveNodes],
        slab: slab.meta,
      },
      buffers: [new Uint8Array(this.W.buffer, 0, this.poolTop * 4), ...slab.buffers],
    };
  }

  static fromImage(meta: TreeImageMeta, buffers: readonly Uint8Array[]): RadixTree {
    if (meta.format !== IMAGE_FORMAT) throw new RangeError(`tree image format ${meta.format}, expected ${IMAGE_FORMAT}`);
    const t = new RadixTree();
    const pool = buffers[0]!;
    if (pool.length !== meta.poolTop * 4) throw new RangeError('tree image: node pool length mismatch');
    const words = Math.max(INITIAL_POOL_WORDS, meta.poolTop);
    t.W = new Int32Array(words);
    t.B = new Uint8Array(t.W.buffer);
    t.B.set(pool);
    t.rc = t.B;
    t.slab = LeafSlab.fromImage(meta.slab, buffers.slice(1));
    t.root = meta.root;
    t.count = meta.count;
    t.poolTop = meta.poolTop;
    for (let k = 0; k < 4; k++) {
      t.freeNodes[k] = meta.freeNodes[k]!;
      t.liveNodes[k] = meta.liveNodes[k]!;
    }
    return t;
  }

  clone(): RadixTree {
    const c = new RadixTree();
    c.W = this.W.slice();
    c.B = new Uint8Array(c.W.buffer);
    c.rc = c.B;
    c.slab = this.slab.clone();
    c.root = this.root;
    c.count = this.count;
    c.poolTop = this.poolTop;
    for (let k = 0; k < 4; k++) {
      c.freeNodes[k] = this.freeNodes[k]!;
      c.liveNodes[k] = this.liveNodes[k]!;
    }
    return c;
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
    if (this.count === 0) return 0;
    this.beforeChange();
    const from = this.slab;
    const to = new LeafSlab();
    const before = this.memoryUsage();
    const move = (p: number): number => {
      const addr = ~p;
      const ch = from.chunks[addr >>> CHUNK_UNIT_BITS]!;
      const o = (addr & OFFSET_MASK) << UNIT_SHIFT;
      this.readLeaf(p);
      const bytes = this.rko - o + this.rkl + this.rvl;
      const na = to.alloc(classUnits((bytes + 7) >>> UNIT_SHIFT));
      copyBytes(ch, o, bytes, to.chunks[na >>> CHUNK_UNIT_BITS]!, (na & OFFSET_MASK) << UNIT_SHIFT);
      return ~na;
    };
    if (this.root < 0) {
      this.root = move(this.root);
    } else {
      // Depth-first in key order: the terminal of a node, then its children by byte.
      const W = this.W;
      let nodes = new Int32Array(64);
      let positions = new Int32Array(64);
      let sp = 0;
      nodes[sp] = this.root;
      positions[sp++] = NONE - 1; // "terminal not yet visited"
      while (sp > 0) {
        const p = nodes[sp - 1]!;
        const n = nodeBase(p);
        const kind = p & 3;
        let pos = positions[sp - 1]!;
        if (pos === NONE - 1) {
          const term = W[n + H_TERM]!;
          if (term !== 0) W[n + H_TERM] = move(term);
          pos = TERM;
        }
        pos = this.nextPos(n, kind, pos);
        if (pos === NONE) {
          sp--;
          continue;
        }
        positions[sp - 1] = pos;
        const slot = this.slotAt(n, kind, pos);
        const child = W[slot]!;
        if (child < 0) {
          W[slot] = move(child);
          continue;
        }
        if (sp === nodes.length) {
          const grownNodes = new Int32Array(sp * 2);
          grownNodes.set(nodes);
          nodes = grownNodes;
          const grownPositions = new Int32Array(sp * 2);
          grownPositions.set(positions);
          positions = grownPositions;
        }
        nodes[sp] = child;
        positions[sp++] = NONE - 1;
      }
    }
    this.slab = to;
    return before - this.memoryUsage();
  }

  /** @internal Word index of the child slot at a position (see childAt). */
  slotAt(n: number, kind: number, pos: number): number {
    switch (kind) {
      case KIND_4:
        return n + N4_CHILD + pos;
      case KIND_16:
        return n + N16_CHILD + pos;
      case KIND_48:
        return n + N48_SLOT + this.B[((n + N48_INDEX) << 2) + pos]!;
      default:
        return n + N256_CHILD + pos;
    }
  }

  /**
   * Called before anything is changed. Cursors that stand on a leaf have not copied its key
   * (that would cost every step); they are saved here, while the leaf is still intact, so they
   * can seek past it after the change. The list is emptied at every change, so a cursor that
   * is dropped half-way is forgotten at the next one.
   */
  private beforeChange(): void {
    this.modCount++;
    const pending = this.pending;
    if (pending.length !== 0) {
      for (let i = 0; i < pending.length; i++) pending[i]!.deref()?.saveKey();
      pending.length = 0;
      this.pendingLimit = 64;
    }
  }

  /** @internal A cursor moved to a leaf: it needs saveKey() before the next change. */
  register(c: RadixCursor): void {
    const pending = this.pending;
    if (pending.length >= this.pendingLimit) {
      let j = 0;
      for (let i = 0; i < pending.length; i++) {
        const r = pending[i]!;
        if (r.deref()?.onEntry() === true) pending[j++] = r;
      }
      pending.length = j;
      this.pendingLimit = Math.max(64, j * 2);
    }
    pending.push(new WeakRef(c));
  }

  private afterRemove(): void {
    this.count--;
    // An empty tree gives all its memory back (otherwise only compact() does).
    if (this.count === 0) this.resetStorage();
  }

  private resetStorage(): void {
    this.W = new Int32Array(INITIAL_POOL_WORDS);
    this.B = new Uint8Array(this.W.buffer);
    this.rc = this.B;
    this.poolTop = 2;
    this.freeNodes.fill(0);
    this.liveNodes.fill(0);
    this.slab.reset();
    this.root = 0;
    this.count = 0;
  }

  private storeSlot(slot: number, p: number): void {
    if (slot === ROOT_SLOT) this.root = p;
    else this.W[slot] = p;
  }

  // ---------------------------------------------------------------------------------------------
  // Leaves

  private newLeaf(key: Uint8Array, value: Uint8Array): number {
    const kl = key.length;
    const vl = value.length;
    const units = classUnits(recordUnits(kl, vl));
    const addr = this.slab.alloc(units);
    this.writeRecord(addr, key, value);
    return ~addr;
  }

  private writeRecord(addr: number, key: Uint8Array, value: Uint8Array): void {
    const ch = this.slab.chunks[addr >>> CHUNK_UNIT_BITS]!;
    let o = (addr & OFFSET_MASK) << UNIT_SHIFT;
    o = writeVarint(ch, o, key.length);
    o = writeVarint(ch, o, value.length);
    copyBytes(key, 0, key.length, ch, o);
    copyBytes(value, 0, value.length, ch, o + key.length);
  }

  /** Replaces leaf p's value; rewrites in place when the size class is unchanged. */
  private replaceValue(p: number, key: Uint8Array, value: Uint8Array): number {
    this.readLeaf(p);
    const oldUnits = classUnits(recordUnits(this.rkl, this.rvl));
    const newUnits = classUnits(recordUnits(key.length, value.length));
    if (oldUnits === newUnits) {
      this.writeRecord(~p, key, value);
      return p;
    }
    this.slab.free(~p, oldUnits);
    return this.newLeaf(key, value);
  }

  private freeLeaf(p: number): void {
    this.readLeaf(p);
    this.slab.free(~p, classUnits(recordUnits(this.rkl, this.rvl)));
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  private allocNode(kind: number): number {
    const size = NODE_WORDS[kind]!;
    let n = this.freeNodes[kind]!;
    if (n !== 0) {
      this.freeNodes[kind] = this.W[n]!;
    } else {
      n = this.poolTop;
      if (n + size > this.W.length) this.growPool(n + size);
      this.poolTop = n + size;
    }
    this.W.fill(0, n, n + size);
    this.liveNodes[kind]!++;
    return n;
  }

  private freeNode(n: number, kind: number): void {
    this.W[n] = this.freeNodes[kind]!;
    this.freeNodes[kind] = n;
    this.liveNodes[kind]!--;
  }

  private growPool(need: number): void {
    if (need > MAX_POOL_WORDS) throw new RangeError('RadixTree: node pool is full (4 GiB)');
    // 1.25×: capacity is what memoryUsage() reports, so slack costs; copying stays amortized O(1).
    let cap = Math.max(need, Math.floor(this.W.length * 1.25));
    cap = Math.min(MAX_POOL_WORDS, (cap + 1) & ~1);
    const grown = new Int32Array(cap);
    grown.set(this.W.subarray(0, this.poolTop));
    this.W = grown;
    this.B = new Uint8Array(grown.buffer);
  }

  private copyHeader(from: number, to: number): void {
    const W = this.W;
    W[to + H_PLEN] = W[from + H_PLEN]!;
    W[to + H_TERM] = W[from + H_TERM]!;
    W[to + H_COUNT] = W[from + H_COUNT]!;
    W[to + H_PREFIX] = W[from + H_PREFIX]!;
    W[to + H_PREFIX + 1] = W[from + H_PREFIX + 1]!;
  }

  /** Word index of the child slot for byte c, or -1. */
  private findChildSlot(n: number, kind: number, c: number): number {
    const W = this.W;
    const B = this.B;
    switch (kind) {
      case KIND_4: {
        const kb = (n + N4_KEYS) << 2;
        const cnt = W[n + H_COUNT]!;
        for (let i = 0; i < cnt; i++) if (B[kb + i] === c) return n + N4_CHILD + i;
        return -1;
      }
      case KIND_16: {
        const kb = (n + N16_KEYS) << 2;
        const cnt = W[n + H_COUNT]!;
        for (let i = 0; i < cnt; i++) {
          const b = B[kb + i]!;
          if (b >= c) return b === c ? n + N16_CHILD + i : -1;
        }
        return -1;
      }
      case KIND_48: {
        const s = B[((n + N48_INDEX) << 2) + c]!;
        return s === 0 ? -1 : n + N48_SLOT + s;
      }
      default:
        return W[n + N256_CHILD + c] === 0 ? -1 : n + N256_CHILD + c;
    }
  }

  /** Inserts (c → child) into a node 4 or 16 with room, keeping the key bytes sorted. */
  private insertSorted(n: number, keysWord: number, childWord: number, c: number, child: number): void {
    const W = this.W;
    const B = this.B;
    const kb = (n + keysWord) << 2;
    const cnt = W[n + H_COUNT]!;
    let i = 0;
    while (i < cnt && B[kb + i]! < c) i++;
    for (let j = cnt; j > i; j--) {
      B[kb + j] = B[kb + j - 1]!;
      W[n + childWord + j] = W[n + childWord + j - 1]!;
    }
    B[kb + i] = c;
    W[n + childWord + i] = child;
    W[n + H_COUNT] = cnt + 1;
  }

  /** Adds child under byte c to node p (held in slot), growing the node when it is full. */
  private addChild(slot: number, p: number, c: number, child: number): void {
    const n = nodeBase(p);
    const cnt = this.W[n + H_COUNT]!;
    switch (p & 3) {
      case KIND_4: {
        if (cnt < 4) {
          this.insertSorted(n, N4_KEYS, N4_CHILD, c, child);
          return;
        }
        const m = this.allocNode(KIND_16);
        const W = this.W;
        this.copyHeader(n, m);
        W[m + N16_KEYS] = W[n + N4_KEYS]!;
        for (let i = 0; i < 4; i++) W[m + N16_CHILD + i] = W[n + N4_CHILD + i]!;
        this.freeNode(n, KIND_4);
        this.insertSorted(m, N16_KEYS, N16_CHILD, c, child);
        this.storeSlot(slot, nodePtr(m, KIND_16));
        this.transitions[0]!++;
        return;
      }
      case KIND_16: {
        if (cnt < 16) {
          this.insertSorted(n, N16_KEYS, N16_CHILD, c, child);
          return;
        }
        const m = this.allocNode(KIND_48);
        const W = this.W;
        const B = this.B;
        this.copyHeader(n, m);
        const kb = (n + N16_KEYS) << 2;
        const ib = (m + N48_INDEX) << 2;
        for (let i = 0; i < 16; i++) {
          B[ib + B[kb + i]!] = i + 1;
          W[m + N48_CHILD + i] = W[n + N16_CHILD + i]!;
        }
        B[ib + c] = 17;
        W[m + N48_CHILD + 16] = child;
        W[m + H_COUNT] = 17;
        this.freeNode(n, KIND_16);
        this.storeSlot(slot, nodePtr(m, KIND_48));
        this.transitions[1]!++;
        return;
      }
      case KIND_48: {
        const W = this.W;
        if (cnt < 48) {
          let s = 0;
          while (W[n + N48_CHILD + s] !== 0) s++;
          this.B[((n + N48_INDEX) << 2) + c] = s + 1;
          W[n + N48_CHILD + s] = child;
          W[n + H_COUNT] = cnt + 1;
          return;
        }
        const m = this.allocNode(KIND_256);
        const W2 = this.W;
        const B = this.B;
        this.copyHeader(n, m);
        const ib = (n + N48_INDEX) << 2;
        for (let b = 0; b < 256; b++) {
          const s = B[ib + b]!;
          if (s !== 0) W2[m + N256_CHILD + b] = W2[n + N48_SLOT + s]!;
        }
        W2[m + N256_CHILD + c] = child;
        W2[m + H_COUNT] = 49;
        this.freeNode(n, KIND_48);
        this.storeSlot(slot, nodePtr(m, KIND_256));
        this.transitions[2]!++;
        return;
      }
      default:
        this.W[n + N256_CHILD + c] = child;
        this.W[n + H_COUNT] = cnt + 1;
    }
  }

  /**
   * Removes the child (byte c, in word cs) from node p held in slot, shrinking the node when it
   * falls below its kind's threshold, or replacing a node 4 left with one entry.
   */
  private removeChild(slot: number, p: number, n: number, c: number, cs: number): void {
    const W = this.W;
    const B = this.B;
    const cnt = W[n + H_COUNT]! - 1;
    switch (p & 3) {
      case KIND_4: {
        const kb = (n + N4_KEYS) << 2;
        for (let i = cs - (n + N4_CHILD); i < cnt; i++) {
          B[kb + i] = B[kb + i + 1]!;
          W[n + N4_CHILD + i] = W[n + N4_CHILD + i + 1]!;
        }
        W[n + N4_CHILD + cnt] = 0;
        W[n + H_COUNT] = cnt;
        if (cnt === 1 && W[n + H_TERM] === 0) {
          this.collapse(slot, n);
        } else if (cnt === 0) {
          // Only the terminal is left: that leaf takes the node's place (lazy expansion).
          this.storeSlot(slot, W[n + H_TERM]!);
          this.freeNode(n, KIND_4);
          this.transitions[6]!++;
        }
        return;
      }
      case KIND_16: {
        const kb = (n + N16_KEYS) << 2;
        for (let i = cs - (n + N16_CHILD); i < cnt; i++) {
          B[kb + i] = B[kb + i + 1]!;
          W[n + N16_CHILD + i] = W[n + N16_CHILD + i + 1]!;
        }
        W[n + N16_CHILD + cnt] = 0;
        W[n + H_COUNT] = cnt;
        if (cnt > SHRINK_16_AT) return;
        const m = this.allocNode(KIND_4);
        const W2 = this.W;
        this.copyHeader(n, m);
        W2[m + N4_KEYS] = W2[n + N16_KEYS]!;
        for (let i = 0; i < cnt; i++) W2[m + N4_CHILD + i] = W2[n + N16_CHILD + i]!;
        this.freeNode(n, KIND_16);
        this.storeSlot(slot, nodePtr(m, KIND_4));
        this.transitions[5]!++;
        return;
      }
      case KIND_48: {
        B[((n + N48_INDEX) << 2) + c] = 0;
        W[cs] = 0;
        W[n + H_COUNT] = cnt;
        if (cnt > SHRINK_48_AT) return;
        const m = this.allocNode(KIND_16);
        const W2 = this.W;
        const B2 = this.B;
        this.copyHeader(n, m);
        const ib = (n + N48_INDEX) << 2;
        const kb = (m + N16_KEYS) << 2;
        let j = 0;
        for (let b = 0; b < 256; b++) {
          const s = B2[ib + b]!;
          if (s === 0) continue;
          B2[kb + j] = b;
          W2[m + N16_CHILD + j] = W2[n + N48_SLOT + s]!;
          j++;
        }
        this.freeNode(n, KIND_48);
        this.storeSlot(slot, nodePtr(m, KIND_16));
        this.transitions[4]!++;
        return;
      }
      default: {
        W[cs] = 0;
        W[n + H_COUNT] = cnt;
        if (cnt > SHRINK_256_AT) return;
        const m = this.allocNode(KIND_48);
        const W2 = this.W;
        const B2 = this.B;
        this.copyHeader(n, m);
        const ib = (m + N48_INDEX) << 2;
        let j = 0;
        for (let b = 0; b < 256; b++) {
          const ch = W2[n + N256_CHILD + b]!;
          if (ch === 0) continue;
          B2[ib + b] = j + 1;
          W2[m + N48_CHILD + j] = ch;
          j++;
        }
        this.freeNode(n, KIND_256);
        this.storeSlot(slot, nodePtr(m, KIND_48));
        this.transitions[3]!++;
      }
    }
  }

  /**
   * Node 4 n (in slot) has one child and no terminal: path compression says it must go. A leaf
   * child simply moves up; a node child takes n's prefix + the byte + its own prefix.
   */
  private collapse(slot: number, n: number): void {
    const W = this.W;
    const B = this.B;
    const b = B[(n + N4_KEYS) << 2]!;
    const child = W[n + N4_CHILD]!;
    if (child > 0) {
      const cn = nodeBase(child);
      const plen = W[n + H_PLEN]!;
      const newLen = plen + 1 + W[cn + H_PLEN]!;
      const m = newLen < PREFIX_INLINE ? newLen : PREFIX_INLINE;
      const pn = (n + H_PREFIX) << 2;
      const pc = (cn + H_PREFIX) << 2;
      // The child's inline bytes are enough: at most 8 - plen - 1 of them are needed.
      for (let j = 0; j < m; j++) scratch8[j] = j < plen ? B[pn + j]! : j === plen ? b : B[pc + j - plen - 1]!;
      for (let j = 0; j < m; j++) B[pc + j] = scratch8[j]!;
      W[cn + H_PLEN] = newLen;
    }
    this.storeSlot(slot, child);
    this.freeNode(n, KIND_4);
    this.transitions[6]!++;
  }

  /**
   * First position in [0, plen) where node n's compressed path and key (from depth) differ,
   * or plen when the whole path matches. Reads past the inline bytes from a leaf below.
   */
  private prefixMismatch(p: number, n: number, plen: number, key: Uint8Array, depth: number): number {
    const kl = key.length;
    const B = this.B;
    const pb = (n + H_PREFIX) << 2;
    const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
    for (let i = 0; i < m; i++) {
      if (depth + i >= kl || B[pb + i] !== key[depth + i]) return i;
    }
    if (plen <= PREFIX_INLINE) return plen;
    this.readLeaf(this.minLeaf(p));
    const ch = this.rc;
    const base = this.rko + depth;
    for (let i = PREFIX_INLINE; i < plen; i++) {
      if (depth + i >= kl || ch[base + i] !== key[depth + i]) return i;
    }
    return plen;
  }

  /** Lazy expansion undone: leaf p (in slot) and the new key part at byte i; a node 4 above both. */
  private expandLeaf(slot: number, p: number, oldByte: number, key: Uint8Array, value: Uint8Array, depth: number, i: number): void {
    const leaf = this.newLeaf(key, value);
    const x = this.allocNode(KIND_4);
    const W = this.W;
    const B = this.B;
    const plen = i - depth;
    W[x + H_PLEN] = plen;
    const pb = (x + H_PREFIX) << 2;
    const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
    for (let j = 0; j < m; j++) B[pb + j] = key[depth + j]!;
    if (i === key.length) W[x + H_TERM] = leaf;
    else this.insertSorted(x, N4_KEYS, N4_CHILD, key[i]!, leaf);
    if (oldByte < 0) W[x + H_TERM] = p;
    else this.insertSorted(x, N4_KEYS, N4_CHILD, oldByte, p);
    this.storeSlot(slot, nodePtr(x, KIND_4));
  }

  /** Node p's path and key differ at m: a node 4 with the common part goes above p. */
  private splitPrefix(slot: number, p: number, n: number, plen: number, m: number, key: Uint8Array, value: Uint8Array, depth: number): void {
    let src: Uint8Array;
    let so: number;
    if (plen > PREFIX_INLINE) {
      this.readLeaf(this.minLeaf(p));
      src = this.rc;
      so = this.rko + depth;
    } else {
      src = this.B;
      so = (n + H_PREFIX) << 2;
    }
    const oldByte = src[so + m]!;
    const rest = plen - m - 1;
    const keep = rest < PREFIX_INLINE ? rest : PREFIX_INLINE;
    for (let j = 0; j < keep; j++) scratch8[j] = src[so + m + 1 + j]!;
    // Allocations below may move the pool or the slab: src is not used past this point.
    const leaf = this.newLeaf(key, value);
    const x = this.allocNode(KIND_4);
    const W = this.W;
    const B = this.B;
    W[n + H_PLEN] = rest;
    const pn = (n + H_PREFIX) << 2;
    for (let j = 0; j < keep; j++) B[pn + j] = scratch8[j]!;
    W[x + H_PLEN] = m;
    const px = (x + H_PREFIX) << 2;
    const mm = m < PREFIX_INLINE ? m : PREFIX_INLINE;
    for (let j = 0; j < mm; j++) B[px + j] = key[depth + j]!;
    this.insertSorted(x, N4_KEYS, N4_CHILD, oldByte, p);
    if (depth + m === key.length) W[x + H_TERM] = leaf;
    else this.insertSorted(x, N4_KEYS, N4_CHILD, key[depth + m]!, leaf);
    this.storeSlot(slot, nodePtr(x, KIND_4));
  }

  // ---------------------------------------------------------------------------------------------
  // Positions inside a node, for iteration: an index for kinds 4/16, a byte for 48/256, TERM for
  // the terminal leaf, NONE for "there is none".

  /** @internal */
  childAt(n: number, kind: number, pos: number): number {
    switch (kind) {
      case KIND_4:
        return this.W[n + N4_CHILD + pos]!;
      case KIND_16:
        return this.W[n + N16_CHILD + pos]!;
      case KIND_48:
        return this.W[n + N48_SLOT + this.B[((n + N48_INDEX) << 2) + pos]!]!;
      default:
        return this.W[n + N256_CHILD + pos]!;
    }
  }

  /** @internal First child position after pos (pos may be TERM), or NONE. */
  nextPos(n: number, kind: number, pos: number): number {
    switch (kind) {
      case KIND_4:
      case KIND_16: {
        const next = pos < 0 ? 0 : pos + 1;
        return next < this.W[n + H_COUNT]! ? next : NONE;
      }
      case KIND_48: {
        const B = this.B;
        const ib = (n + N48_INDEX) << 2;
        for (let b = pos + 1; b < 256; b++) if (B[ib + b] !== 0) return b;
        return NONE;
      }
      default: {
        const W = this.W;
        const cb = n + N256_CHILD;
        for (let b = pos + 1; b < 256; b++) if (W[cb + b] !== 0) return b;
        return NONE;
      }
    }
  }

  /** @internal Last child position before pos (pos = 256 means from the end), or NONE. */
  prevPos(n: number, kind: number, pos: number): number {
    switch (kind) {
      case KIND_4:
      case KIND_16: {
        const cnt = this.W[n + H_COUNT]!;
        const prev = (pos > cnt ? cnt : pos) - 1;
        return prev >= 0 ? prev : NONE;
      }
      case KIND_48: {
        const B = this.B;
        const ib = (n + N48_INDEX) << 2;
        for (let b = pos - 1; b >= 0; b--) if (B[ib + b] !== 0) return b;
        return NONE;
      }
      default: {
        const W = this.W;
        const cb = n + N256_CHILD;
        for (let b = pos - 1; b >= 0; b--) if (W[cb + b] !== 0) return b;
        return NONE;
      }
    }
  }

  /**
   * @internal Position of the first child whose byte is ≥ c (or NONE); `exact` tells whether it
   * is = c. Kinds 4/16 search the sorted key bytes; 48/256 look the byte up.
   */
  lowerBound(n: number, kind: number, c: number): number {
    const W = this.W;
    const B = this.B;
    switch (kind) {
      case KIND_4:
      case KIND_16: {
        const kb = (n + (kind === KIND_4 ? N4_KEYS : N16_KEYS)) << 2;
        const cnt = W[n + H_COUNT]!;
        for (let i = 0; i < cnt; i++) {
          const b = B[kb + i]!;
          if (b >= c) {
            this.exact = b === c;
            return i;
          }
        }
        this.exact = false;
        return NONE;
      }
      case KIND_48:
        if (B[((n + N48_INDEX) << 2) + c] !== 0) {
          this.exact = true;
          return c;
        }
        this.exact = false;
        return this.nextPos(n, kind, c);
      default:
        if (W[n + N256_CHILD + c] !== 0) {
          this.exact = true;
          return c;
        }
        this.exact = false;
        return this.nextPos(n, kind, c);
    }
  }
  /** @internal Result flag of lowerBound(). */
  exact = false;

  /** @internal Position of the last child whose byte is < c, or NONE. */
  lastBelow(n: number, kind: number, c: number): number {
    switch (kind) {
      case KIND_4:
      case KIND_16: {
        const B = this.B;
        const kb = (n + (kind === KIND_4 ? N4_KEYS : N16_KEYS)) << 2;
        let i = this.W[n + H_COUNT]! - 1;
        while (i >= 0 && B[kb + i]! >= c) i--;
        return i >= 0 ? i : NONE;
      }
      default:
        return this.prevPos(n, kind, c);
    }
  }

  /**
   * @internal Node p's compressed path against key from depth: -1 when every key below p sorts
   * before key, 1 when every one sorts after, 0 when the path matches (key continues past it).
   */
  comparePath(p: number, key: Uint8Array, depth: number): number {
    const n = nodeBase(p);
    const plen = this.W[n]!;
    if (plen === 0) return 0;
    let src: Uint8Array;
    let so: number;
    if (plen > PREFIX_INLINE) {
      this.readLeaf(this.minLeaf(p));
      src = this.rc;
      so = this.rko + depth;
    } else {
      src = this.B;
      so = (n + H_PREFIX) << 2;
    }
    const kl = key.length;
    for (let i = 0; i < plen; i++) {
      // The key ends inside the path: it is a proper prefix of every key below, so smaller.
      if (depth + i >= kl) return 1;
      const d = src[so + i]! - key[depth + i]!;
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration

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
    return new RadixCursor(this, options);
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries();
  }

  // ---------------------------------------------------------------------------------------------
  // Accounting and checks

  memoryUsage(): number {
    return this.W.byteLength + this.slab.bytesHeld + this.slab.overheadBytes() + FIXED_OBJECT_BYTES;
  }

  stats(): RadixTreeStats {
    const live = this.liveNodes;
    const t = this.transitions;
    return {
      size: this.count,
      nodes4: live[0]!,
      nodes16: live[1]!,
      nodes48: live[2]!,
      nodes256: live[3]!,
      grow4to16: t[0]!,
      grow16to48: t[1]!,
      grow48to256: t[2]!,
      shrink256to48: t[3]!,
      shrink48to16: t[4]!,
      shrink16to4: t[5]!,
      collapses: t[6]!,
      nodePoolBytes: this.W.byteLength,
      nodeBytesLive: live.reduce((sum, k, i) => sum + k * NODE_WORDS[i]!, 0) * 4,
      leafSlabBytes: this.slab.bytesHeld,
      leafBytesFree: this.slab.bytesFree,
      pendingCursors: this.pending.length,
      memoryUsage: this.memoryUsage(),
    };
  }

  /** Walks the whole tree and throws on the first broken invariant. For tests; O(n). */
  verify(): void {
    const seen = [0, 0, 0, 0];
    const path: number[] = [];
    let leaves = 0;
    let prev: Uint8Array | null = null;
    const fail = (msg: string): never => {
      throw new Error(`RadixTree.verify: ${msg} at path [${path.join(',')}]`);
    };
    const visitLeaf = (p: number, exactLength: boolean): void => {
      this.readLeaf(p);
      const key = this.rc.slice(this.rko, this.rko + this.rkl);
      if (exactLength ? key.length !== path.length : key.length <= path.length - 1) fail('leaf key length does not fit its place');
      for (let i = 0; i < path.length && i < key.length; i++) if (key[i] !== path[i]) fail('leaf key does not match its path');
      if (prev !== null && compareBytes(prev, key) >= 0) fail('keys out of order');
      prev = key;
      leaves++;
    };
    const visit = (p: number): void => {
      if (p < 0) {
        visitLeaf(p, false);
        return;
      }
      if (p === 0) fail('empty child pointer');
      const n = nodeBase(p);
      const kind = p & 3;
      seen[kind]!++;
      const W = this.W;
      const B = this.B;
      const plen = W[n + H_PLEN]!;
      const ml = this.minLeaf(p);
      this.readLeaf(ml);
      const lk = this.rc.slice(this.rko, this.rko + this.rkl);
      if (lk.length < path.length + plen) fail('min leaf shorter than the path');
      for (let i = 0; i < plen && i < PREFIX_INLINE; i++) {
        if (B[((n + H_PREFIX) << 2) + i] !== lk[path.length + i]) fail('inline prefix differs from the leaves');
      }
      const depth0 = path.length;
      for (let i = 0; i < plen; i++) path.push(lk[depth0 + i]!);
      const cnt = W[n + H_COUNT]!;
      const term = W[n + H_TERM]!;
      if (cnt + (term !== 0 ? 1 : 0) < 2) fail('node with fewer than two entries');
      const min = [1, SHRINK_16_AT + 1, SHRINK_48_AT + 1, SHRINK_256_AT + 1][kind]!;
      const max = [4, 16, 48, 256][kind]!;
      if (cnt < min || cnt > max) fail(`kind ${kind} with ${cnt} children`);
      if (term !== 0) {
        if (term > 0) fail('terminal is not a leaf');
        visitLeaf(term, true);
      }
      let found = 0;
      let lastByte = -1;
      for (let pos = this.nextPos(n, kind, TERM); pos !== NONE; pos = this.nextPos(n, kind, pos)) {
        const byte = kind === KIND_4 || kind === KIND_16 ? B[((n + N4_KEYS) << 2) + pos]! : pos;
        if (byte <= lastByte) fail('child bytes not increasing');
        lastByte = byte;
        path.push(byte);
        visit(this.childAt(n, kind, pos));
        path.pop();
        found++;
      }
      if (found !== cnt) fail(`count ${cnt} but ${found} children`);
      if (kind === KIND_48) {
        const used = new Set<number>();
        for (let b = 0; b < 256; b++) {
          const s = B[((n + N48_INDEX) << 2) + b]!;
          if (s === 0) continue;
          if (s > 48 || used.has(s)) fail('node 48 index broken');
          used.add(s);
        }
        for (let s = 1; s <= 48; s++) if ((W[n + N48_SLOT + s] !== 0) !== used.has(s)) fail('node 48 slot/index mismatch');
      }
      path.length = depth0;
    };
    if (this.root !== 0) visit(this.root);
    if (leaves !== this.count) fail(`size ${this.count} but ${leaves} leaves`);
    for (let k = 0; k < 4; k++) if (seen[k] !== this.liveNodes[k]) fail(`kind ${k}: ${seen[k]} reachable, ${this.liveNodes[k]} counted`);
  }
}

function writeVarint(ch: Uint8Array, o: number, v: number): number {
  while (v > 0x7f) {
    ch[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  ch[o++] = v;
  return o;
}

/** Short copies by hand: TypedArray.set needs a subarray view, which costs more than 32 bytes. */
function copyBytes(src: Uint8Array, so: number, len: number, dst: Uint8Array, d: number): void {
  if (len <= 32) {
    for (let i = 0; i < len; i++) dst[d + i] = src[so + i]!;
  } else if (so === 0 && len === src.length) {
    dst.set(src, d);
  } else {
    dst.set(src.subarray(so, so + len), d);
  }
}

/** The smallest key greater than every key starting with prefix, or undefined (all 0xff). */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const out = copyRange(prefix, 0, end);
  out[end - 1]!++;
  return out;
}

/**
 * A walk over a key range. next() moves to the next entry and returns false at the end; key(),
 * value() and the copy methods read the entry moved to (see the file header for what happens
 * when the tree changes in between).
 */
export class RadixCursor {
  private readonly tree: RadixTree;
  private readonly reverse: boolean;
  private readonly lo: Uint8Array | undefined;
  private readonly hi: Uint8Array | undefined;
  /** Pairs (node pointer, position) from the root down to the current leaf's parent. */
  private stack = new Int32Array(64);
  private sp = 0;
  private leaf = 0;
  /**
   * The leaf where a bounded walk ends (first leaf ≥ hi forward, last leaf < lo backward; 0 =
   * the end of the tree): comparing pointers per step instead of keys. Found by a second seek
   * when the walk starts or re-seeks.
   */
  private stop = 0;
  private mod = 0;
  private state = 0; // 0 not started, 1 on an entry, 2 done
  // The current leaf, decoded once per step: chunk, key offset and length, value length.
  private ch: Uint8Array = EMPTY_BYTES;
  private ko = 0;
  private kl = 0;
  private vl = 0;
  /** modCount at which this cursor last joined tree.pending. */
  private registered = -1;
  /** Copy of the current key, made by saveKey() just before the tree changes. */
  private last = new Uint8Array(32);
  private lastLen = 0;

  constructor(tree: RadixTree, options?: RangeOptions) {
    this.tree = tree;
    this.reverse = options?.reverse === true;
    let lo: Uint8Array | undefined = options?.lo ? copyRange(options.lo) : undefined;
    let hi: Uint8Array | undefined = options?.hi ? copyRange(options.hi) : undefined;
    const prefix = options?.prefix;
    if (prefix !== undefined) {
      if (lo === undefined || compareBytes(lo, prefix) < 0) lo = copyRange(prefix);
      const end = prefixEnd(prefix);
      if (end !== undefined && (hi === undefined || compareBytes(end, hi) < 0)) hi = end;
    }
    this.lo = lo;
    this.hi = hi;
    if (lo !== undefined && hi !== undefined && compareBytes(lo, hi) >= 0) this.state = 2;
  }

  next(): boolean {
    if (this.state === 2) return false;
    const t = this.tree;
    let leaf: number;
    if (this.state === 0) {
      this.findStop();
      this.sp = 0;
      if (this.reverse) leaf = this.hi === undefined ? this.descendLast(t.root) : this.seekBelow(this.hi);
      else leaf = this.lo === undefined ? this.descendFirst(t.root) : this.seekAtLeast(this.lo, false);
    } else if (t.modCount !== this.mod) {
      this.findStop();
      const last = this.last.subarray(0, this.lastLen);
      leaf = this.reverse ? this.seekBelow(last) : this.seekAtLeast(last, true);
    } else {
      leaf = this.reverse ? this.stepBack() : this.stepForward();
    }
    const mod = t.modCount;
    this.mod = mod;
    if (leaf === this.stop || leaf === 0) return this.finish();
    t.readLeaf(leaf);
    this.ch = t.rc;
    this.ko = t.rko;
    this.kl = t.rkl;
    this.vl = t.rvl;
    this.leaf = leaf;
    this.state = 1;
    if (this.registered !== mod) {
      this.registered = mod;
      t.register(this);
    }
    return true;
  }

  /** @internal Whether the cursor stands on an entry (a finished one needs no saving). */
  onEntry(): boolean {
    return this.state === 1;
  }

  private findStop(): void {
    if (this.reverse) this.stop = this.lo === undefined ? 0 : this.seekBelow(this.lo);
    else this.stop = this.hi === undefined ? 0 : this.seekAtLeast(this.hi, false);
  }

  /** @internal Copies the current key aside (the tree is about to change). */
  saveKey(): void {
    if (this.state !== 1) return;
    const t = this.tree;
    t.readLeaf(this.leaf);
    const kl = t.rkl;
    if (kl > this.last.length) this.last = new Uint8Array(Math.max(kl, this.last.length * 2));
    copyBytes(t.rc, t.rko, kl, this.last, 0);
    this.lastLen = kl;
  }

  get keyLength(): number {
    this.check();
    return this.kl;
  }

  get valueLength(): number {
    this.check();
    return this.vl;
  }

  /** A copy of the current key. */
  key(): Uint8Array {
    this.check();
    return copyOut(this.ch, this.ko, this.kl);
  }

  /** A copy of the current value. */
  value(): Uint8Array {
    this.check();
    return copyOut(this.ch, this.ko + this.kl, this.vl);
  }

  /** @internal Copies of the current key and value. */
  entry(): [Uint8Array, Uint8Array] {
    this.check();
    const ch = this.ch;
    const ko = this.ko;
    const kl = this.kl;
    return [copyOut(ch, ko, kl), copyOut(ch, ko + kl, this.vl)];
  }

  /** @internal The current leaf's slab address (tests check the layout compact() makes). */
  leafAddress(): number {
    this.check();
    return ~this.leaf;
  }

  /** Writes the current key into target at offset; returns its length. */
  copyKey(target: Uint8Array, offset: number): number {
    this.check();
    copyBytes(this.ch, this.ko, this.kl, target, offset);
    return this.kl;
  }

  /** Writes the current value into target at offset; returns its length. */
  copyValue(target: Uint8Array, offset: number): number {
    this.check();
    copyBytes(this.ch, this.ko + this.kl, this.vl, target, offset);
    return this.vl;
  }

  private check(): void {
    if (this.state !== 1) throw new Error('RadixCursor: no current entry (call next() first)');
    if (this.tree.modCount !== this.mod) throw new Error('RadixCursor: the tree changed since next(); the entry may be gone');
  }

  private finish(): boolean {
    this.state = 2;
    this.leaf = 0;
    this.ch = EMPTY_BYTES;
    this.sp = 0;
    return false;
  }

  private push(p: number, pos: number): void {
    if (this.sp + 2 > this.stack.length) {
      const grown = new Int32Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.sp] = p;
    this.stack[this.sp + 1] = pos;
    this.sp += 2;
  }

  /** Leftmost leaf under p, pushing the path. */
  private descendFirst(p: number): number {
    const t = this.tree;
    while (p > 0) {
      const n = nodeBase(p);
      const term = t.W[n + H_TERM]!;
      if (term !== 0) {
        this.push(p, TERM);
        return term;
      }
      const kind = p & 3;
      const pos = t.nextPos(n, kind, TERM);
      this.push(p, pos);
      p = t.childAt(n, kind, pos);
    }
    return p;
  }

  /** Rightmost leaf under p, pushing the path. */
  private descendLast(p: number): number {
    const t = this.tree;
    while (p > 0) {
      const n = nodeBase(p);
      const kind = p & 3;
      const pos = t.prevPos(n, kind, 256);
      if (pos === NONE) {
        this.push(p, TERM);
        return t.W[n + H_TERM]!;
      }
      this.push(p, pos);
      p = t.childAt(n, kind, pos);
    }
    return p;
  }

  private stepForward(): number {
    const t = this.tree;
    const stack = this.stack;
    while (this.sp > 0) {
      const p = stack[this.sp - 2]!;
      const n = nodeBase(p);
      const kind = p & 3;
      const pos = t.nextPos(n, kind, stack[this.sp - 1]!);
      if (pos !== NONE) {
        stack[this.sp - 1] = pos;
        return this.descendFirst(t.childAt(n, kind, pos));
      }
      this.sp -= 2;
    }
    return 0;
  }

  private stepBack(): number {
    const t = this.tree;
    const stack = this.stack;
    while (this.sp > 0) {
      const p = stack[this.sp - 2]!;
      const cur = stack[this.sp - 1]!;
      if (cur !== TERM) {
        const n = nodeBase(p);
        const kind = p & 3;
        const pos = t.prevPos(n, kind, cur);
        if (pos !== NONE) {
          stack[this.sp - 1] = pos;
          return this.descendLast(t.childAt(n, kind, pos));
        }
        const term = t.W[n + H_TERM]!;
        if (term !== 0) {
          stack[this.sp - 1] = TERM;
          return term;
        }
      }
      this.sp -= 2;
    }
    return 0;
  }

  /** First leaf with key ≥ key (> key when strict), building the stack. */
  private seekAtLeast(key: Uint8Array, strict: boolean): number {
    const t = this.tree;
    this.sp = 0;
    const kl = key.length;
    let p = t.root;
    let depth = 0;
    for (;;) {
      if (p === 0) return 0;
      if (p < 0) {
        const cmp = t.compareLeaf(p, key);
        if (cmp > 0 || (cmp === 0 && !strict)) return p;
        return this.stepForward();
      }
      const r = t.comparePath(p, key, depth);
      if (r > 0) return this.descendFirst(p);
      if (r < 0) return this.stepForward();
      const n = nodeBase(p);
      depth += t.W[n + H_PLEN]!;
      const kind = p & 3;
      if (depth === kl) {
        const term = t.W[n + H_TERM]!;
        if (term !== 0 && strict) {
          // The terminal is key itself: start after it.
          this.push(p, TERM);
          return this.stepForward();
        }
        return this.descendFirst(p);
      }
      // Any terminal here is a proper prefix of key, so smaller: only children can qualify.
      const pos = t.lowerBound(n, kind, key[depth]!);
      if (pos === NONE) return this.stepForward();
      this.push(p, pos);
      if (!t.exact) return this.descendFirst(t.childAt(n, kind, pos));
      p = t.childAt(n, kind, pos);
      depth++;
    }
  }

  /** Last leaf with key < key, building the stack. */
  private seekBelow(key: Uint8Array): number {
    const t = this.tree;
    this.sp = 0;
    const kl = key.length;
    let p = t.root;
    let depth = 0;
    for (;;) {
      if (p === 0) return 0;
      if (p < 0) {
        if (t.compareLeaf(p, key) < 0) return p;
        return this.stepBack();
      }
      const r = t.comparePath(p, key, depth);
      if (r < 0) return this.descendLast(p);
      if (r > 0) return this.stepBack();
      const n = nodeBase(p);
      depth += t.W[n + H_PLEN]!;
      const kind = p & 3;
      // At the end of key, the terminal equals key and children are greater: nothing here.
      if (depth === kl) return this.stepBack();
      const c = key[depth]!;
      const pos = t.lowerBound(n, kind, c);
      if (pos !== NONE && t.exact) {
        this.push(p, pos);
        p = t.childAt(n, kind, pos);
        depth++;
        continue;
      }
      const below = t.lastBelow(n, kind, c);
      if (below !== NONE) {
        this.push(p, below);
        return this.descendLast(t.childAt(n, kind, below));
      }
      const term = t.W[n + H_TERM]!;
      if (term !== 0) {
        this.push(p, TERM);
        return term;
      }
      return this.stepBack();
    }
  }
}

class EntryIterator implements IterableIterator<[Uint8Array, Uint8Array]> {
  constructor(private readonly c: RadixCursor) {}

  next(): IteratorResult<[Uint8Array, Uint8Array]> {
    const c = this.c;
    if (!c.next()) return { done: true, value: undefined };
    return { done: false, value: c.entry() };
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this;
  }
}

class KeyIterator implements IterableIterator<Uint8Array> {
  constructor(private readonly c: RadixCursor) {}

  next(): IteratorResult<Uint8Array> {
    const c = this.c;
    if (!c.next()) return { done: true, value: undefined };
    return { done: false, value: c.key() };
  }

  [Symbol.iterator](): IterableIterator<Uint8Array> {
    return this;
  }
}
