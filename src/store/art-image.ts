/*
 * art-image.ts — whole-tree copies of the radix tree: binary image, clone, slab compaction.
 *
 * All three work on the buffers, not per key, because nothing in the tree is an object per key:
 * an image is the node pool and the slab chunks as they are (loading it is a memcpy), a clone is
 * a copy of those buffers (the dump's pause), and compaction is one ordered pass that rewrites the
 * leaf records into a fresh slab. The node pool keeps its layout in all three, free lists included.
 */

import { LeafSlab, classUnits, CHUNK_UNIT_BITS, OFFSET_MASK, UNIT_SHIFT, type SlabImageMeta } from './art-slab.js';
import { H_TERM, INITIAL_POOL_WORDS, NONE, TERM, TreeCore, copyBytes, nodeBase } from './art-node.js';

/** Version of the image layout and of the key encodings inside it: bump on any change. */
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

export function toImage(t: TreeCore): { meta: TreeImageMeta; buffers: Uint8Array[] } {
  const slab = t.slab.imageState();
  return {
    meta: {
      format: IMAGE_FORMAT,
      root: t.root,
      count: t.count,
      poolTop: t.poolTop,
      freeNodes: [...t.freeNodes],
      liveNodes: [...t.liveNodes],
      slab: slab.meta,
    },
    buffers: [new Uint8Array(t.W.buffer, 0, t.poolTop * 4), ...slab.buffers],
  };
}

export function fromImage(meta: TreeImageMeta, buffers: readonly Uint8Array[]): TreeCore {
  if (meta.format !== IMAGE_FORMAT) throw new RangeError(`tree image format ${meta.format}, expected ${IMAGE_FORMAT}`);
  const t = new TreeCore();
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

/** Same contents and layout, free lists included; the grow/shrink counters start at zero. */
export function cloneCore(t: TreeCore): TreeCore {
  const c = new TreeCore();
  c.W = t.W.slice();
  c.B = new Uint8Array(c.W.buffer);
  c.rc = c.B;
  c.slab = t.slab.clone();
  c.root = t.root;
  c.count = t.count;
  c.poolTop = t.poolTop;
  for (let k = 0; k < 4; k++) {
    c.freeNodes[k] = t.freeNodes[k]!;
    c.liveNodes[k] = t.liveNodes[k]!;
  }
  return c;
}

/** Rewrites every leaf record into a fresh slab in key order (RadixTree.compact()); returns bytes freed. */
export function compactSlab(t: TreeCore): number {
  if (t.count === 0) return 0;
  t.beforeChange();
  const from = t.slab;
  const to = new LeafSlab();
  const before = t.memoryUsage();
  const move = (p: number): number => {
    const addr = ~p;
    const ch = from.chunks[addr >>> CHUNK_UNIT_BITS]!;
    const o = (addr & OFFSET_MASK) << UNIT_SHIFT;
    t.readLeaf(p);
    const bytes = t.rko - o + t.rkl + t.rvl;
    const na = to.alloc(classUnits((bytes + 7) >>> UNIT_SHIFT));
    copyBytes(ch, o, bytes, to.chunks[na >>> CHUNK_UNIT_BITS]!, (na & OFFSET_MASK) << UNIT_SHIFT);
    return ~na;
  };
  if (t.root < 0) {
    t.root = move(t.root);
  } else {
    // Depth-first in key order: the terminal of a node, then its children by byte.
    const W = t.W;
    let nodes = new Int32Array(64);
    let positions = new Int32Array(64);
    let sp = 0;
    nodes[sp] = t.root;
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
      pos = t.nextPos(n, kind, pos);
      if (pos === NONE) {
        sp--;
        continue;
      }
      positions[sp - 1] = pos;
      const slot = t.slotAt(n, kind, pos);
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
  t.slab = to;
  return before - t.memoryUsage();
}
