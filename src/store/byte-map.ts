/*
 * byte-map.ts — the ordered byte-key map every part of the store is built on.
 *
 * Keys and values are byte strings. Order is unsigned lexicographic byte order (memcmp, shorter
 * prefix first), which is why the key codec encodes primary keys into order-preserving bytes:
 * `ORDER BY pk`, ranges and prefixes then become walks of one ordered structure.
 *
 * Values handed out by get() and by iterators stay valid and unchanged after later mutations of
 * the map: callers (the pgwire layer) may keep them queued on a socket while transactions apply.
 */

export interface RangeOptions {
  /** Inclusive lower bound. */
  readonly lo?: Uint8Array;
  /** Exclusive upper bound. */
  readonly hi?: Uint8Array;
  /** Only keys starting with these bytes (combined with lo/hi when both are given). */
  readonly prefix?: Uint8Array;
  /** Walk from the largest key down. */
  readonly reverse?: boolean;
}

export interface ByteMap {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Returns true when the key existed (its value was replaced). */
  set(key: Uint8Array, value: Uint8Array): boolean;
  /** Returns true when the key existed. */
  delete(key: Uint8Array): boolean;
  clear(): void;
  readonly size: number;
  /** Entries in key order (or reverse), restricted by the options. */
  entries(options?: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]>;
  /** Bytes held by the structure: keys, values and its own bookkeeping. */
  memoryUsage(): number;
  /**
   * An independent copy with the same contents, taken in one synchronous step. Dumps use it to
   * hold a consistent image while transactions go on applying to the original; its cost (a copy
   * of the map's memory) is the dump's whole pause.
   */
  clone(): ByteMap;
}
