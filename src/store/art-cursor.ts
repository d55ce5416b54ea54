/*
 * art-cursor.ts — ordered walks of the radix tree: RadixCursor and the entry/key iterators.
 *
 * A cursor keeps a stack of (node pointer, position) pairs from the root to the current leaf's
 * parent and steps with TreeCore.nextPos/prevPos; seeks (lo, re-seek after a change) descend
 * comparing compressed paths. The rules for walks over a changing tree (re-seek from the saved
 * last key when the modification count moved; key()/value() throw once the tree changed) are in
 * art.ts's header; the saving itself is TreeCore.beforeChange() calling saveKey() here.
 */

import type { RangeOptions } from './byte-map.js';
import { copyOut } from './art-slab.js';
import { copyBytes as copyRange } from '../bytes.js';
import { H_PLEN, H_PREFIX, H_TERM, NONE, PREFIX_INLINE, TERM, compareBytes, copyBytes, nodeBase, type PendingCursor, type TreeCore } from './art-node.js';

const EMPTY_BYTES = new Uint8Array(0);

/**
 * Node p's compressed path against key from depth: -1 when every key below p sorts before key,
 * 1 when every one sorts after, 0 when the path matches (key continues past it).
 */
function comparePath(t: TreeCore, p: number, key: Uint8Array, depth: number): number {
  const n = nodeBase(p);
  const plen = t.W[n]!;
  if (plen === 0) return 0;
  let src: Uint8Array;
  let so: number;
  if (plen > PREFIX_INLINE) {
    t.readLeaf(t.minLeaf(p));
    src = t.rc;
    so = t.rko + depth;
  } else {
    src = t.B;
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
export class RadixCursor implements PendingCursor {
  private readonly tree: TreeCore;
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

  /** Made by RadixTree.cursor(), which passes its TreeCore. */
  constructor(tree: TreeCore, options?: RangeOptions) {
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
      const r = comparePath(t, p, key, depth);
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
      const r = comparePath(t, p, key, depth);
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

export class EntryIterator implements IterableIterator<[Uint8Array, Uint8Array]> {
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

export class KeyIterator implements IterableIterator<Uint8Array> {
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
