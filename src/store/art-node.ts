/*
 * art-node.ts — the radix tree's node layout, node pool and leaf records (see art.ts).
 *
 * TreeCore is the state behind a RadixTree: the Int32Array node pool (layout in art.ts's header),
 * the leaf slab, the root pointer, the counters, and the leaf decoder. It also holds what every
 * other part needs about one node: find a child, walk positions in order (cursor, compaction,
 * verify), allocate and free nodes and leaves, and the modification count with the cursors to
 * save before a change. RadixTree (art.ts) owns one and shows none of this; mutation
 * (art-mutate.ts), the cursor (art-cursor.ts), images and compaction (art-image.ts) and the
 * checks (art-verify.ts) are module-level functions or classes that take it.
 *
 * Why an internal class rather than module functions over loose arrays: the pool is replaced when
 * it grows, so a helper must re-read it from one owner; a method call on one monomorphic object is
 * what the old single-class tree compiled to, so the hot paths keep their shape (bench:store).
 *
 * Not exported from art.ts: nothing outside src/store/art*.ts may depend on it.
 */

import { LeafSlab, classUnits, recordUnits, CHUNK_UNIT_BITS, OFFSET_MASK, UNIT_SHIFT } from './art-slab.js';

export const KIND_4 = 0;
export const KIND_16 = 1;
export const KIND_48 = 2;
export const KIND_256 = 3;
export const NODE_WORDS: readonly number[] = [10, 26, 118, 262];

// Header words.
export const H_PLEN = 0;
export const H_TERM = 1;
export const H_COUNT = 2;
export const H_PREFIX = 3;
export const PREFIX_INLINE = 8;
// Bodies.
export const N4_KEYS = 5;
export const N4_CHILD = 6;
export const N16_KEYS = 5;
export const N16_CHILD = 9;
export const N48_INDEX = 5;
export const N48_CHILD = 69;
/** N48 child slot s (1-based, as stored in the index) is word n + N48_SLOT + s. */
export const N48_SLOT = N48_CHILD - 1;
export const N256_CHILD = 5;

/*
 * Shrink thresholds sit below the grow points (5, 17, 49) so that a key inserted and deleted
 * at a boundary does not convert the node back and forth.
 */
export const SHRINK_16_AT = 3;
export const SHRINK_48_AT = 12;
export const SHRINK_256_AT = 36;

export const INITIAL_POOL_WORDS = 64;
/** Node pointers count 8-byte units in 29 bits: the pool must stay below 2^30 words. */
const MAX_POOL_WORDS = 1 << 30;
/** Slot "number" of the root pointer, which lives in TreeCore.root and not in the pool. */
export const ROOT_SLOT = -1;
/** Position inside a node: "no position" (NONE) and "the terminal leaf" (TERM). */
export const NONE = -2;
export const TERM = -1;

/** Approximate bytes of the tree's own JS objects, added to memoryUsage(). */
const FIXED_OBJECT_BYTES = 512;

export function nodeBase(p: number): number {
  return (p >>> 2) << 1;
}

export function nodePtr(n: number, kind: number): number {
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

/** Short copies by hand: TypedArray.set needs a subarray view, which costs more than 32 bytes. */
export function copyBytes(src: Uint8Array, so: number, len: number, dst: Uint8Array, d: number): void {
  if (len <= 32) {
    for (let i = 0; i < len; i++) dst[d + i] = src[so + i]!;
  } else if (so === 0 && len === src.length) {
    dst.set(src, d);
  } else {
    dst.set(src.subarray(so, so + len), d);
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

/** What the tree asks of a cursor that stands on a leaf when it is about to change (art-cursor.ts). */
export interface PendingCursor {
  /** Copies the current key aside. */
  saveKey(): void;
  /** Whether the cursor stands on an entry (a finished one needs no saving). */
  onEntry(): boolean;
}

export class TreeCore {
  /** Node pool, 32-bit words. Replaced when the pool grows: re-read after allocating. */
  W = new Int32Array(INITIAL_POOL_WORDS);
  /** Byte view of the node pool. */
  B = new Uint8Array(this.W.buffer);
  slab = new LeafSlab();
  /** Root pointer (0, node or leaf). */
  root = 0;
  count = 0;
  poolTop = 2; // word 0–1 unused: pointer 0 means empty
  readonly freeNodes = [0, 0, 0, 0];
  readonly liveNodes = [0, 0, 0, 0];
  /** grow 4→16, 16→48, 48→256, shrink 256→48, 48→16, 16→4, collapses (RadixTreeStats). */
  readonly transitions = [0, 0, 0, 0, 0, 0, 0];
  /** Bumped by every mutation; cursors compare it. */
  modCount = 0;
  /**
   * Cursors whose current key must be saved before the next change. Held weakly and pruned as
   * the list grows: a table that is read but never written would otherwise keep every cursor
   * that ever stepped on it.
   */
  readonly pending: WeakRef<PendingCursor>[] = [];
  private pendingLimit = 64;

  // Leaf decoded by readLeaf(): its chunk, key offset/length, value length (value follows key).
  rc: Uint8Array = this.B;
  rko = 0;
  rkl = 0;
  rvl = 0;
  /** Result flag of lowerBound(): whether the position found holds exactly the byte asked. */
  exact = false;

  // ---------------------------------------------------------------------------------------------
  // Leaves

  /** Decodes leaf p into rc (chunk), rko (key offset), rkl, rvl. */
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

  /** Compares leaf p's key with key (memcmp order). */
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

  leafEquals(p: number, key: Uint8Array): boolean {
    this.readLeaf(p);
    const kl = key.length;
    if (this.rkl !== kl) return false;
    const ch = this.rc;
    const ko = this.rko;
    for (let i = 0; i < kl; i++) if (ch[ko + i] !== key[i]) return false;
    return true;
  }

  /** The smallest leaf under p (the terminal, else the first child, downwards). */
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

  newLeaf(key: Uint8Array, value: Uint8Array): number {
    const units = classUnits(recordUnits(key.length, value.length));
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
  replaceValue(p: number, key: Uint8Array, value: Uint8Array): number {
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

  freeLeaf(p: number): void {
    this.readLeaf(p);
    this.slab.free(~p, classUnits(recordUnits(this.rkl, this.rvl)));
  }

  // ---------------------------------------------------------------------------------------------
  // Node pool

  allocNode(kind: number): number {
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

  freeNode(n: number, kind: number): void {
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

  /** Drops every node and leaf and releases the memory (clear(), or the last key deleted). */
  resetStorage(): void {
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

  /** Writes pointer p into a child slot (a pool word) or, for ROOT_SLOT, the root. */
  storeSlot(slot: number, p: number): void {
    if (slot === ROOT_SLOT) this.root = p;
    else this.W[slot] = p;
  }

  memoryUsage(): number {
    return this.W.byteLength + this.slab.bytesHeld + this.slab.overheadBytes() + FIXED_OBJECT_BYTES;
  }

  // ---------------------------------------------------------------------------------------------
  // Children. A position inside a node is an index for kinds 4/16, a byte for 48/256, TERM for
  // the terminal leaf, NONE for "there is none".

  /** Word index of the child slot for byte c, or -1. */
  findChildSlot(n: number, kind: number, c: number): number {
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

  /** Word index of the child slot at a position (see childAt). */
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

  /** First child position after pos (pos may be TERM), or NONE. */
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

  /** Last child position before pos (pos = 256 means from the end), or NONE. */
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
   * Position of the first child whose byte is ≥ c (or NONE); `exact` tells whether it is = c.
   * Kinds 4/16 search the sorted key bytes; 48/256 look the byte up.
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

  /** Position of the last child whose byte is < c, or NONE. */
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

  // ---------------------------------------------------------------------------------------------
  // Changes and the cursors standing on leaves

  /**
   * Called before anything is changed. Cursors that stand on a leaf have not copied its key
   * (that would cost every step); they are saved here, while the leaf is still intact, so they
   * can seek past it after the change. The list is emptied at every change, so a cursor that
   * is dropped half-way is forgotten at the next one.
   */
  beforeChange(): void {
    this.modCount++;
    const pending = this.pending;
    if (pending.length !== 0) {
      for (let i = 0; i < pending.length; i++) pending[i]!.deref()?.saveKey();
      pending.length = 0;
      this.pendingLimit = 64;
    }
  }

  /** A cursor moved to a leaf: it needs saveKey() before the next change. */
  register(c: PendingCursor): void {
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

  /** One key fewer; an empty tree gives all its memory back (otherwise only compact() does). */
  afterRemove(): void {
    this.count--;
    if (this.count === 0) this.resetStorage();
  }
}
