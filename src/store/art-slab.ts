/*
 * art-slab.ts — the byte slab that holds the radix tree's leaves, and the copy-out pages.
 *
 * A leaf record is `varint keyLength, varint valueLength, key bytes, value bytes`, padded to 8
 * bytes. Records live in chunks of 1 MiB (ArrayBuffers, off the V8 heap, so a million keys cost
 * a handful of JS objects instead of a million). A record is addressed by a 31-bit number of
 * 8-byte units: chunk index (14 bits) and offset in the chunk (17 bits); the tree stores that
 * address as `~addr`, a negative Int32, in its child slots.
 *
 * Why chunks and not one doubling ArrayBuffer: memoryUsage() reports capacity, and doubling
 * would hold up to twice the live bytes (at 1M keys of 116 bytes that alone is ~100 bytes per
 * key). Chunks waste at most one partly filled chunk. The first chunk starts at 1 KiB and
 * doubles up to 1 MiB, so the many small trees (one per table) stay small.
 *
 * Freed records go to free lists by size class and are reused by records of the same class:
 * - small (≤ 4 KiB): one class per 8-byte size, so reuse is exact;
 * - medium (≤ 256 KiB): four classes per power of two; a record is rounded up to its class
 *   (≤ 25% internal waste, only for these sizes);
 * - large (> 256 KiB): a dedicated ArrayBuffer of its own, released when the record is freed.
 *   A large record occupies one chunk index (the offset in its buffer may run past 1 MiB,
 *   which is fine: only the record's start is addressed).
 *
 * XXX: 16 GiB of leaf records at most (31-bit unit address); a tree past that throws. A slab
 * never shrinks by itself: RadixTree.compact() moves the live records into a fresh slab and drops
 * this one, and a tree that drops to zero keys releases everything (RadixTree calls reset()).
 *
 * Copy-out pages: a value handed to a caller must stay valid after the slab reuses its space,
 * so it must be a copy. Allocating one small ArrayBuffer per copy costs ~400 ns in V8 (the
 * backing store is malloc'ed and registered with the GC); instead copies are carved out of
 * 8 KiB pages that are never written again once a region is handed out. XXX: a value kept for
 * a long time pins its whole page (≤ 8 KiB); copies above 1 KiB get a buffer of their own.
 */

export const UNIT_SHIFT = 3;
export const CHUNK_UNIT_BITS = 17;
export const CHUNK_BYTES = 1 << (CHUNK_UNIT_BITS + UNIT_SHIFT);
export const OFFSET_MASK = (1 << CHUNK_UNIT_BITS) - 1;
/** 2^31 units of 8 bytes: the address must fit the 31 bits of a negative Int32. */
const MAX_CHUNKS = 1 << (31 - CHUNK_UNIT_BITS);
const FIRST_CHUNK_BYTES = 1024;

const SMALL_MAX_UNITS = 512; // 4 KiB
const LARGE_MIN_UNITS = 32768 + 1; // > 256 KiB
const MEDIUM_BASE_LOG = 9; // medium classes start above 2^9 units
const CLASS_COUNT = SMALL_MAX_UNITS + 1 + (15 - MEDIUM_BASE_LOG) * 4;

const EMPTY = new Uint8Array(0);

/** Units a record of `units` really occupies (its size class). */
export function classUnits(units: number): number {
  if (units <= SMALL_MAX_UNITS || units >= LARGE_MIN_UNITS) return units;
  const k = 31 - Math.clz32(units - 1);
  const step = 1 << (k - 2);
  return (1 << k) + Math.ceil((units - (1 << k)) / step) * step;
}

function classIndex(units: number): number {
  if (units <= SMALL_MAX_UNITS) return units;
  const k = 31 - Math.clz32(units - 1);
  const q = (units - (1 << k)) >>> (k - 2);
  return SMALL_MAX_UNITS + 1 + (k - MEDIUM_BASE_LOG) * 4 + (q - 1);
}

export function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Units of a record holding a key and a value of these lengths (before class rounding). */
export function recordUnits(keyLength: number, valueLength: number): number {
  const bytes = varintLength(keyLength) + varintLength(valueLength) + keyLength + valueLength;
  return (bytes + 7) >>> UNIT_SHIFT;
}

export interface SlabImageMeta {
  readonly chunkLengths: readonly number[];
  readonly bytesHeld: number;
  readonly bytesFree: number;
  readonly hasHeads: boolean;
  readonly current: number;
  readonly currentTop: number;
  readonly freeChunkIndexes: readonly number[];
}

/** A copy in a fresh ArrayBuffer (offset 0), so that wider typed arrays can view it. */
export function copyAligned(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/** At most this many bytes per buffer of a clone (a typed array's length is bounded). */
const CLONE_SEGMENT = 1 << 30;

/** Copies of `chunks` laid out in as few buffers as CLONE_SEGMENT allows (see LeafSlab.clone). */
function cloneChunks(chunks: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = new Array<Uint8Array>(chunks.length);
  let i = 0;
  while (i < chunks.length) {
    let end = i;
    let bytes = 0;
    while (end < chunks.length && (end === i || bytes + chunks[end]!.length <= CLONE_SEGMENT)) bytes += chunks[end++]!.length;
    const segment = new Uint8Array(bytes);
    for (let at = 0; i < end; i++) {
      const ch = chunks[i]!;
      if (ch.length === 0) {
        out[i] = EMPTY;
        continue;
      }
      const copy = segment.subarray(at, at + ch.length);
      copy.set(ch);
      out[i] = copy;
      at += ch.length;
    }
  }
  return out;
}

export class LeafSlab {
  /** Chunk index → bytes. Read directly by the tree's hot paths. */
  chunks: Uint8Array[] = [];
  /** Bytes of all chunks: what the slab really holds. */
  bytesHeld = 0;
  /** Bytes sitting on free lists (reusable, but held). */
  bytesFree = 0;
  /** Free-list heads by class: unit address + 1, 0 = empty. Allocated with the first chunk. */
  private heads: Uint32Array | null = null;
  private current = -1;
  private currentTop = 0;
  private freeChunkIndexes: number[] = [];

  reset(): void {
    this.chunks = [];
    this.bytesHeld = 0;
    this.bytesFree = 0;
    this.heads = null;
    this.current = -1;
    this.currentTop = 0;
    this.freeChunkIndexes = [];
  }

  /**
   * An independent copy: every chunk copied, free lists and all (they live in the chunks).
   *
   * The copies are views into a few large buffers (CLONE_SEGMENT bytes each), not one 1 MiB
   * buffer per chunk. Clones are short-lived (a dump, a pinned snapshot, a long query) and as big
   * as the tree: glibc's malloc serves 1 MiB requests from its heap once its dynamic mmap
   * threshold has risen past them (it does after the first such block is freed), and memory
   * freed there is kept by the process, so every dump used to leave the store's size again in
   * RSS (issue #13, bench:apply's RSS part). Requests above 32 MiB are always mmap'ed and go
   * back to the system when the clone is collected. Chunk offsets stay 8-byte aligned (chunk
   * lengths are multiples of 8).
   */
  clone(): LeafSlab {
    const c = new LeafSlab();
    c.chunks = cloneChunks(this.chunks);
    c.bytesHeld = this.bytesHeld;
    c.bytesFree = this.bytesFree;
    c.heads = this.heads === null ? null : this.heads.slice();
    c.current = this.current;
    c.currentTop = this.currentTop;
    c.freeChunkIndexes = this.freeChunkIndexes.slice();
    return c;
  }

  /** The ArrayBuffers behind the chunks and the free-list heads (each once). */
  buffers(): ArrayBufferLike[] {
    const out = new Set<ArrayBufferLike>();
    if (this.heads !== null) out.add(this.heads.buffer);
    for (const ch of this.chunks) if (ch.length > 0) out.add(ch.buffer);
    return [...out];
  }

  /** The slab's state for a tree image (see RadixTree.toImage): scalars and its buffers. */
  imageState(): { meta: SlabImageMeta; buffers: Uint8Array[] } {
    const heads = this.heads === null ? new Uint8Array(0) : new Uint8Array(this.heads.buffer, this.heads.byteOffset, this.heads.byteLength);
    return {
      meta: {
        chunkLengths: this.chunks.map((c) => c.length),
        bytesHeld: this.bytesHeld,
        bytesFree: this.bytesFree,
        hasHeads: this.heads !== null,
        current: this.current,
        currentTop: this.currentTop,
        freeChunkIndexes: this.freeChunkIndexes,
      },
      buffers: [heads, ...this.chunks],
    };
  }

  /** Rebuilds a slab from imageState(); `buffers` are copied (the caller's may be one big file). */
  static fromImage(meta: SlabImageMeta, buffers: readonly Uint8Array[]): LeafSlab {
    const s = new LeafSlab();
    const heads = buffers[0]!;
    s.heads = meta.hasHeads ? new Uint32Array(copyAligned(heads).buffer) : null;
    s.chunks = meta.chunkLengths.map((len, i) => {
      const b = buffers[i + 1]!;
      if (b.length !== len) throw new RangeError('tree image: chunk length mismatch');
      return len === 0 ? EMPTY : copyAligned(b);
    });
    s.bytesHeld = meta.bytesHeld;
    s.bytesFree = meta.bytesFree;
    s.current = meta.current;
    s.currentTop = meta.currentTop;
    s.freeChunkIndexes = [...meta.freeChunkIndexes];
    return s;
  }

  /** Bookkeeping bytes beyond the chunks (free-list heads, the chunk table). */
  overheadBytes(): number {
    return (this.heads === null ? 0 : this.heads.byteLength) + this.chunks.length * 8;
  }

  /** Allocates `units` (already a class size, see classUnits) and returns the unit address. */
  alloc(units: number): number {
    if (units >= LARGE_MIN_UNITS) return this.allocLarge(units);
    const heads = this.heads;
    if (heads !== null) {
      const ci = classIndex(units);
      const h = heads[ci]!;
      if (h !== 0) {
        const addr = h - 1;
        const c = this.chunks[addr >>> CHUNK_UNIT_BITS]!;
        const o = (addr & OFFSET_MASK) << UNIT_SHIFT;
        heads[ci] = (c[o]! | (c[o + 1]! << 8) | (c[o + 2]! << 16) | (c[o + 3]! << 24)) >>> 0;
        this.bytesFree -= units << UNIT_SHIFT;
        return addr;
      }
    }
    const bytes = units << UNIT_SHIFT;
    let chunk = this.current < 0 ? EMPTY : this.chunks[this.current]!;
    if (this.currentTop + bytes > chunk.length) {
      if (this.current >= 0 && chunk.length < CHUNK_BYTES && this.currentTop + bytes <= CHUNK_BYTES) {
        // Still the small first chunk: grow it in place (addresses are chunk-relative).
        let size = chunk.length * 2;
        while (size < this.currentTop + bytes) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(chunk);
        this.chunks[this.current] = grown;
        this.bytesHeld += size - chunk.length;
        chunk = grown;
      } else {
        // Free-list heads come with the first chunk, so memoryUsage() does not rise on a delete.
        if (this.heads === null) this.heads = new Uint32Array(CLASS_COUNT);
        this.retireTail();
        const size = this.chunks.length === 0 && bytes <= FIRST_CHUNK_BYTES ? FIRST_CHUNK_BYTES : CHUNK_BYTES;
        this.current = this.newChunkIndex();
        chunk = new Uint8Array(size);
        this.chunks[this.current] = chunk;
        this.bytesHeld += size;
        this.currentTop = 0;
      }
    }
    const addr = (this.current << CHUNK_UNIT_BITS) | (this.currentTop >>> UNIT_SHIFT);
    this.currentTop += bytes;
    return addr;
  }

  free(addr: number, units: number): void {
    if (units >= LARGE_MIN_UNITS) {
      const idx = addr >>> CHUNK_UNIT_BITS;
      this.bytesHeld -= this.chunks[idx]!.length;
      this.chunks[idx] = EMPTY;
      this.freeChunkIndexes.push(idx);
      return;
    }
    let heads = this.heads;
    if (heads === null) heads = this.heads = new Uint32Array(CLASS_COUNT);
    const ci = classIndex(units);
    const c = this.chunks[addr >>> CHUNK_UNIT_BITS]!;
    const o = (addr & OFFSET_MASK) << UNIT_SHIFT;
    const next = heads[ci]!;
    c[o] = next & 0xff;
    c[o + 1] = (next >>> 8) & 0xff;
    c[o + 2] = (next >>> 16) & 0xff;
    c[o + 3] = next >>> 24;
    heads[ci] = addr + 1;
    this.bytesFree += units << UNIT_SHIFT;
  }

  private allocLarge(units: number): number {
    const idx = this.newChunkIndex();
    const bytes = units << UNIT_SHIFT;
    this.chunks[idx] = new Uint8Array(bytes);
    this.bytesHeld += bytes;
    return idx << CHUNK_UNIT_BITS;
  }

  private newChunkIndex(): number {
    const reused = this.freeChunkIndexes.pop();
    if (reused !== undefined) return reused;
    const idx = this.chunks.length;
    if (idx >= MAX_CHUNKS) throw new RangeError('RadixTree: leaf slab is full (16 GiB of records)');
    this.chunks.push(EMPTY);
    return idx;
  }

  /** Puts the unused end of the current chunk on the free lists before a new chunk starts. */
  private retireTail(): void {
    if (this.current < 0) return;
    const len = this.chunks[this.current]!.length;
    let units = (len - this.currentTop) >>> UNIT_SHIFT;
    let addr = (this.current << CHUNK_UNIT_BITS) | (this.currentTop >>> UNIT_SHIFT);
    while (units > 0) {
      const u = units > SMALL_MAX_UNITS ? SMALL_MAX_UNITS : units;
      this.free(addr, u);
      addr += u;
      units -= u;
    }
    this.currentTop = len;
  }
}

const PAGE_BYTES = 8192;
const PAGE_MAX_ITEM = 1024;
let page = new ArrayBuffer(PAGE_BYTES);
let pageBytes = new Uint8Array(page);
let pageTop = 0;

/** A fresh copy of src[off, off+len) that no later write touches (see the header). */
export function copyOut(src: Uint8Array, off: number, len: number): Uint8Array {
  if (len > PAGE_MAX_ITEM) return src.slice(off, off + len);
  if (pageTop + len > PAGE_BYTES) {
    page = new ArrayBuffer(PAGE_BYTES);
    pageBytes = new Uint8Array(page);
    pageTop = 0;
  }
  const out = new Uint8Array(page, pageTop, len);
  if (len <= 32) {
    const pb = pageBytes;
    const top = pageTop;
    for (let i = 0; i < len; i++) pb[top + i] = src[off + i]!;
  } else {
    pageBytes.set(src.subarray(off, off + len), pageTop);
  }
  pageTop += len;
  return out;
}
