/*
 * art-verify.ts — the radix tree's counters (stats) and its full structural check (verify).
 *
 * Both are for tests, debugging and memstore.stats(), never on a hot path: verify() is O(n) and
 * allocates a copy of every key. It checks what the mutation code (art-mutate.ts) promises: keys
 * in order and matching their path, inline prefixes equal to the leaves' bytes, every node with
 * ≥ 2 entries and a child count inside its kind's range, node 48 index and slots consistent, and
 * the size and live-node tallies equal to what is reachable.
 */

import {
  H_COUNT,
  H_PLEN,
  H_PREFIX,
  H_TERM,
  KIND_4,
  KIND_16,
  KIND_48,
  N4_KEYS,
  N48_INDEX,
  N48_SLOT,
  NODE_WORDS,
  NONE,
  PREFIX_INLINE,
  SHRINK_16_AT,
  SHRINK_48_AT,
  SHRINK_256_AT,
  TERM,
  compareBytes,
  nodeBase,
  type TreeCore,
} from './art-node.js';

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
  /** Cursors registered to have their key saved at the next change (bounded; see art.ts). */
  readonly pendingCursors: number;
  readonly memoryUsage: number;
}

export function stats(t: TreeCore): RadixTreeStats {
  const live = t.liveNodes;
  const tr = t.transitions;
  return {
    size: t.count,
    nodes4: live[0]!,
    nodes16: live[1]!,
    nodes48: live[2]!,
    nodes256: live[3]!,
    grow4to16: tr[0]!,
    grow16to48: tr[1]!,
    grow48to256: tr[2]!,
    shrink256to48: tr[3]!,
    shrink48to16: tr[4]!,
    shrink16to4: tr[5]!,
    collapses: tr[6]!,
    nodePoolBytes: t.W.byteLength,
    nodeBytesLive: live.reduce((sum, k, i) => sum + k * NODE_WORDS[i]!, 0) * 4,
    leafSlabBytes: t.slab.bytesHeld,
    leafBytesFree: t.slab.bytesFree,
    pendingCursors: t.pending.length,
    memoryUsage: t.memoryUsage(),
  };
}

/** Walks the whole tree and throws on the first broken invariant. */
export function verify(t: TreeCore): void {
  const seen = [0, 0, 0, 0];
  const path: number[] = [];
  let leaves = 0;
  let prev: Uint8Array | null = null;
  const fail = (msg: string): never => {
    throw new Error(`RadixTree.verify: ${msg} at path [${path.join(',')}]`);
  };
  const visitLeaf = (p: number, exactLength: boolean): void => {
    t.readLeaf(p);
    const key = t.rc.slice(t.rko, t.rko + t.rkl);
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
    const W = t.W;
    const B = t.B;
    const plen = W[n + H_PLEN]!;
    const ml = t.minLeaf(p);
    t.readLeaf(ml);
    const lk = t.rc.slice(t.rko, t.rko + t.rkl);
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
    for (let pos = t.nextPos(n, kind, TERM); pos !== NONE; pos = t.nextPos(n, kind, pos)) {
      const byte = kind === KIND_4 || kind === KIND_16 ? B[((n + N4_KEYS) << 2) + pos]! : pos;
      if (byte <= lastByte) fail('child bytes not increasing');
      lastByte = byte;
      path.push(byte);
      visit(t.childAt(n, kind, pos));
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
  if (t.root !== 0) visit(t.root);
  if (leaves !== t.count) fail(`size ${t.count} but ${leaves} leaves`);
  for (let k = 0; k < 4; k++) if (seen[k] !== t.liveNodes[k]) fail(`kind ${k}: ${seen[k]} reachable, ${t.liveNodes[k]} counted`);
}
