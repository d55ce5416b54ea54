/*
 * art-mutate.ts — insert and delete in the radix tree (see art.ts for the structure).
 *
 * insert() walks down like a lookup, remembering the slot (pool word, or ROOT_SLOT) that holds
 * the current pointer, and changes the tree at the first place the key leaves it:
 * - an empty root: the new leaf becomes the root;
 * - a leaf with another key: lazy expansion undone, a node 4 above both (expandLeaf);
 * - a compressed path that differs: a node 4 with the common part goes above (splitPrefix);
 * - a node without the child: addChild, growing 4→16→48→256 when full;
 * - the key ends at a node: its terminal slot.
 * remove() is the reverse: removeChild shrinks 256→48→16→4 below the SHRINK_* thresholds, and a
 * node 4 left with one entry is replaced by it (collapse), so every node keeps ≥ 2 entries.
 *
 * Invariants kept: child bytes sorted in nodes 4/16; the inline prefix bytes of every node equal
 * its leaves' key bytes; counts and the live-node tallies exact (verify() checks all of them).
 * Every change starts with TreeCore.beforeChange(), which saves the cursors standing on leaves.
 * Allocation may replace the pool (W/B): functions re-read t.W / t.B after allocating.
 */

import {
  KIND_4,
  KIND_16,
  KIND_48,
  H_PLEN,
  H_TERM,
  H_COUNT,
  H_PREFIX,
  PREFIX_INLINE,
  N4_KEYS,
  N4_CHILD,
  N16_KEYS,
  N16_CHILD,
  N48_INDEX,
  N48_CHILD,
  N48_SLOT,
  N256_CHILD,
  SHRINK_16_AT,
  SHRINK_48_AT,
  SHRINK_256_AT,
  ROOT_SLOT,
  KIND_256,
  nodeBase,
  nodePtr,
  type TreeCore,
} from './art-node.js';

const scratch8 = new Uint8Array(PREFIX_INLINE);

/** Insert or replace; true when the key existed. */
export function insert(t: TreeCore, key: Uint8Array, value: Uint8Array): boolean {
  t.beforeChange();
  const kl = key.length;
  let slot = ROOT_SLOT;
  let p = t.root;
  let depth = 0;
  for (;;) {
    if (p === 0) {
      // Only the root can be an empty slot: children and terminals are never 0 when reached.
      t.storeSlot(slot, t.newLeaf(key, value));
      t.count++;
      return false;
    }
    if (p < 0) {
      t.readLeaf(p);
      const ch = t.rc;
      const ko = t.rko;
      const lkl = t.rkl;
      // Bytes before depth were matched on the way down; find where the keys part.
      const lim = kl < lkl ? kl : lkl;
      let i = depth;
      while (i < lim && ch[ko + i] === key[i]) i++;
      if (i === kl && i === lkl) {
        const np = t.replaceValue(p, key, value);
        if (np !== p) t.storeSlot(slot, np);
        return true;
      }
      const oldByte = i < lkl ? ch[ko + i]! : -1;
      expandLeaf(t, slot, p, oldByte, key, value, depth, i);
      t.count++;
      return false;
    }
    const n = nodeBase(p);
    const plen = t.W[n]!;
    if (plen !== 0) {
      const m = prefixMismatch(t, p, n, plen, key, depth);
      if (m < plen) {
        splitPrefix(t, slot, p, n, plen, m, key, value, depth);
        t.count++;
        return false;
      }
      depth += plen;
    }
    if (depth === kl) {
      const term = t.W[n + H_TERM]!;
      if (term === 0) {
        const leaf = t.newLeaf(key, value);
        t.W[n + H_TERM] = leaf;
        t.count++;
        return false;
      }
      const np = t.replaceValue(term, key, value);
      if (np !== term) t.W[n + H_TERM] = np;
      return true;
    }
    const c = key[depth]!;
    const cs = t.findChildSlot(n, p & 3, c);
    if (cs < 0) {
      addChild(t, slot, p, c, t.newLeaf(key, value));
      t.count++;
      return false;
    }
    slot = cs;
    p = t.W[cs]!;
    depth++;
  }
}

/** True when the key existed. */
export function remove(t: TreeCore, key: Uint8Array): boolean {
  const root = t.root;
  if (root === 0) return false;
  if (root < 0) {
    if (!t.leafEquals(root, key)) return false;
    t.beforeChange();
    t.freeLeaf(root);
    t.root = 0;
    t.afterRemove();
    return true;
  }
  const kl = key.length;
  let slot = ROOT_SLOT;
  let p = root;
  let depth = 0;
  for (;;) {
    const W = t.W;
    const n = nodeBase(p);
    const plen = W[n]!;
    if (plen !== 0) {
      if (depth + plen > kl) return false;
      const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
      const pb = (n + H_PREFIX) << 2;
      const B = t.B;
      for (let i = 0; i < m; i++) if (B[pb + i] !== key[depth + i]) return false;
      depth += plen;
    }
    if (depth === kl) {
      const term = W[n + H_TERM]!;
      if (term === 0 || !t.leafEquals(term, key)) return false;
      t.beforeChange();
      t.freeLeaf(term);
      W[n + H_TERM] = 0;
      // Every node keeps ≥ 2 entries; only a node 4 can fall to one.
      if ((p & 3) === KIND_4 && W[n + H_COUNT] === 1) collapse(t, slot, n);
      t.afterRemove();
      return true;
    }
    const c = key[depth]!;
    const cs = t.findChildSlot(n, p & 3, c);
    if (cs < 0) return false;
    const child = W[cs]!;
    if (child < 0) {
      if (!t.leafEquals(child, key)) return false;
      t.beforeChange();
      t.freeLeaf(child);
      removeChild(t, slot, p, n, c, cs);
      t.afterRemove();
      return true;
    }
    slot = cs;
    p = child;
    depth++;
  }
}

function copyHeader(W: Int32Array, from: number, to: number): void {
  W[to + H_PLEN] = W[from + H_PLEN]!;
  W[to + H_TERM] = W[from + H_TERM]!;
  W[to + H_COUNT] = W[from + H_COUNT]!;
  W[to + H_PREFIX] = W[from + H_PREFIX]!;
  W[to + H_PREFIX + 1] = W[from + H_PREFIX + 1]!;
}

/** Inserts (c → child) into a node 4 or 16 with room, keeping the key bytes sorted. */
function insertSorted(t: TreeCore, n: number, keysWord: number, childWord: number, c: number, child: number): void {
  const W = t.W;
  const B = t.B;
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
function addChild(t: TreeCore, slot: number, p: number, c: number, child: number): void {
  const n = nodeBase(p);
  const cnt = t.W[n + H_COUNT]!;
  switch (p & 3) {
    case KIND_4: {
      if (cnt < 4) {
        insertSorted(t, n, N4_KEYS, N4_CHILD, c, child);
        return;
      }
      const m = t.allocNode(KIND_16);
      const W = t.W;
      copyHeader(W, n, m);
      W[m + N16_KEYS] = W[n + N4_KEYS]!;
      for (let i = 0; i < 4; i++) W[m + N16_CHILD + i] = W[n + N4_CHILD + i]!;
      t.freeNode(n, KIND_4);
      insertSorted(t, m, N16_KEYS, N16_CHILD, c, child);
      t.storeSlot(slot, nodePtr(m, KIND_16));
      t.transitions[0]!++;
      return;
    }
    case KIND_16: {
      if (cnt < 16) {
        insertSorted(t, n, N16_KEYS, N16_CHILD, c, child);
        return;
      }
      const m = t.allocNode(KIND_48);
      const W = t.W;
      const B = t.B;
      copyHeader(W, n, m);
      const kb = (n + N16_KEYS) << 2;
      const ib = (m + N48_INDEX) << 2;
      for (let i = 0; i < 16; i++) {
        B[ib + B[kb + i]!] = i + 1;
        W[m + N48_CHILD + i] = W[n + N16_CHILD + i]!;
      }
      B[ib + c] = 17;
      W[m + N48_CHILD + 16] = child;
      W[m + H_COUNT] = 17;
      t.freeNode(n, KIND_16);
      t.storeSlot(slot, nodePtr(m, KIND_48));
      t.transitions[1]!++;
      return;
    }
    case KIND_48: {
      const W = t.W;
      if (cnt < 48) {
        let s = 0;
        while (W[n + N48_CHILD + s] !== 0) s++;
        t.B[((n + N48_INDEX) << 2) + c] = s + 1;
        W[n + N48_CHILD + s] = child;
        W[n + H_COUNT] = cnt + 1;
        return;
      }
      const m = t.allocNode(KIND_256);
      const W2 = t.W;
      const B = t.B;
      copyHeader(W2, n, m);
      const ib = (n + N48_INDEX) << 2;
      for (let b = 0; b < 256; b++) {
        const s = B[ib + b]!;
        if (s !== 0) W2[m + N256_CHILD + b] = W2[n + N48_SLOT + s]!;
      }
      W2[m + N256_CHILD + c] = child;
      W2[m + H_COUNT] = 49;
      t.freeNode(n, KIND_48);
      t.storeSlot(slot, nodePtr(m, KIND_256));
      t.transitions[2]!++;
      return;
    }
    default:
      t.W[n + N256_CHILD + c] = child;
      t.W[n + H_COUNT] = cnt + 1;
  }
}

/**
 * Removes the child (byte c, in word cs) from node p held in slot, shrinking the node when it
 * falls below its kind's threshold, or replacing a node 4 left with one entry.
 */
function removeChild(t: TreeCore, slot: number, p: number, n: number, c: number, cs: number): void {
  const W = t.W;
  const B = t.B;
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
        collapse(t, slot, n);
      } else if (cnt === 0) {
        // Only the terminal is left: that leaf takes the node's place (lazy expansion).
        t.storeSlot(slot, W[n + H_TERM]!);
        t.freeNode(n, KIND_4);
        t.transitions[6]!++;
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
      const m = t.allocNode(KIND_4);
      const W2 = t.W;
      copyHeader(W2, n, m);
      W2[m + N4_KEYS] = W2[n + N16_KEYS]!;
      for (let i = 0; i < cnt; i++) W2[m + N4_CHILD + i] = W2[n + N16_CHILD + i]!;
      t.freeNode(n, KIND_16);
      t.storeSlot(slot, nodePtr(m, KIND_4));
      t.transitions[5]!++;
      return;
    }
    case KIND_48: {
      B[((n + N48_INDEX) << 2) + c] = 0;
      W[cs] = 0;
      W[n + H_COUNT] = cnt;
      if (cnt > SHRINK_48_AT) return;
      const m = t.allocNode(KIND_16);
      const W2 = t.W;
      const B2 = t.B;
      copyHeader(W2, n, m);
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
      t.freeNode(n, KIND_48);
      t.storeSlot(slot, nodePtr(m, KIND_16));
      t.transitions[4]!++;
      return;
    }
    default: {
      W[cs] = 0;
      W[n + H_COUNT] = cnt;
      if (cnt > SHRINK_256_AT) return;
      const m = t.allocNode(KIND_48);
      const W2 = t.W;
      const B2 = t.B;
      copyHeader(W2, n, m);
      const ib = (m + N48_INDEX) << 2;
      let j = 0;
      for (let b = 0; b < 256; b++) {
        const ch = W2[n + N256_CHILD + b]!;
        if (ch === 0) continue;
        B2[ib + b] = j + 1;
        W2[m + N48_CHILD + j] = ch;
        j++;
      }
      t.freeNode(n, KIND_256);
      t.storeSlot(slot, nodePtr(m, KIND_48));
      t.transitions[3]!++;
    }
  }
}

/**
 * Node 4 n (in slot) has one child and no terminal: path compression says it must go. A leaf
 * child simply moves up; a node child takes n's prefix + the byte + its own prefix.
 */
function collapse(t: TreeCore, slot: number, n: number): void {
  const W = t.W;
  const B = t.B;
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
  t.storeSlot(slot, child);
  t.freeNode(n, KIND_4);
  t.transitions[6]!++;
}

/**
 * First position in [0, plen) where node n's compressed path and key (from depth) differ,
 * or plen when the whole path matches. Reads past the inline bytes from a leaf below.
 */
function prefixMismatch(t: TreeCore, p: number, n: number, plen: number, key: Uint8Array, depth: number): number {
  const kl = key.length;
  const B = t.B;
  const pb = (n + H_PREFIX) << 2;
  const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
  for (let i = 0; i < m; i++) {
    if (depth + i >= kl || B[pb + i] !== key[depth + i]) return i;
  }
  if (plen <= PREFIX_INLINE) return plen;
  t.readLeaf(t.minLeaf(p));
  const ch = t.rc;
  const base = t.rko + depth;
  for (let i = PREFIX_INLINE; i < plen; i++) {
    if (depth + i >= kl || ch[base + i] !== key[depth + i]) return i;
  }
  return plen;
}

/** Lazy expansion undone: leaf p (in slot) and the new key part at byte i; a node 4 above both. */
function expandLeaf(t: TreeCore, slot: number, p: number, oldByte: number, key: Uint8Array, value: Uint8Array, depth: number, i: number): void {
  const leaf = t.newLeaf(key, value);
  const x = t.allocNode(KIND_4);
  const W = t.W;
  const B = t.B;
  const plen = i - depth;
  W[x + H_PLEN] = plen;
  const pb = (x + H_PREFIX) << 2;
  const m = plen < PREFIX_INLINE ? plen : PREFIX_INLINE;
  for (let j = 0; j < m; j++) B[pb + j] = key[depth + j]!;
  if (i === key.length) W[x + H_TERM] = leaf;
  else insertSorted(t, x, N4_KEYS, N4_CHILD, key[i]!, leaf);
  if (oldByte < 0) W[x + H_TERM] = p;
  else insertSorted(t, x, N4_KEYS, N4_CHILD, oldByte, p);
  t.storeSlot(slot, nodePtr(x, KIND_4));
}

/** Node p's path and key differ at m: a node 4 with the common part goes above p. */
function splitPrefix(t: TreeCore, slot: number, p: number, n: number, plen: number, m: number, key: Uint8Array, value: Uint8Array, depth: number): void {
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
  const oldByte = src[so + m]!;
  const rest = plen - m - 1;
  const keep = rest < PREFIX_INLINE ? rest : PREFIX_INLINE;
  for (let j = 0; j < keep; j++) scratch8[j] = src[so + m + 1 + j]!;
  // Allocations below may move the pool or the slab: src is not used past this point.
  const leaf = t.newLeaf(key, value);
  const x = t.allocNode(KIND_4);
  const W = t.W;
  const B = t.B;
  W[n + H_PLEN] = rest;
  const pn = (n + H_PREFIX) << 2;
  for (let j = 0; j < keep; j++) B[pn + j] = scratch8[j]!;
  W[x + H_PLEN] = m;
  const px = (x + H_PREFIX) << 2;
  const mm = m < PREFIX_INLINE ? m : PREFIX_INLINE;
  for (let j = 0; j < mm; j++) B[px + j] = key[depth + j]!;
  insertSorted(t, x, N4_KEYS, N4_CHILD, oldByte, p);
  if (depth + m === key.length) W[x + H_TERM] = leaf;
  else insertSorted(t, x, N4_KEYS, N4_CHILD, key[depth + m]!, leaf);
  t.storeSlot(slot, nodePtr(x, KIND_4));
}
