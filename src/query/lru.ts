/*
 * lru.ts — a bounded cache that forgets entries not used recently (the plan caches).
 *
 * Two generations instead of a strict LRU list: new and recently used entries live in `young`;
 * when young holds capacity/2 entries it becomes `old` and the previous old generation is
 * dropped. A hit in young costs one Map lookup (a strict LRU would delete and re-insert on every
 * hit, hashing the key three times — measurable on the simple-protocol hot path); a hit in old
 * moves the entry to young. Anything used within the last capacity/2 insertions survives; at
 * most `capacity` entries are held.
 *
 * Interface:
 *   new Lru(capacity)   get(key), set(key, value), delete(key), clear(), size
 */
export class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.set(key, o);
    }
    return o;
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
