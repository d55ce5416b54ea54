/*
 * memstore.ts — the memstore key space: key → jsonb value with an optional absolute expiry,
 * and the index the background sweeper reclaims expired keys from.
 *
 * Where the expiry lives. A key with an expiry stores its value as
 *
 *     0x00 ‖ expiry (8 bytes, big-endian µs since 1970-01-01 UTC) ‖ jsonb text
 *
 * and a key without one stores the jsonb text alone, as before expiry existed. JSON text never
 * starts with a 0x00 byte, so the tag is unambiguous; dumps, tree images and clones written
 * before expiry existed load unchanged, and a key without a TTL costs nothing extra. Keeping the
 * expiry inside the value (rather than in a side table) means everything that copies the tree —
 * clone() for dumps, tree images, COPY files — carries expiries with it for free, and a key the
 * sweeper deleted that comes back from an older dump is still expired.
 *
 * A second tree, `byExpiry`, holds `expiry ‖ key` → empty for every key that has an expiry. It is
 * derived data, never dumped: rebuilt from the main tree whenever that tree is replaced (dump
 * load). It costs one extra copy of each expiring key, and buys the sweeper and count() an
 * O(expired) walk from the front instead of a scan of the whole key space.
 *
 * Visibility. Reads pass the wall clock (`nowUs`): a key whose expiry ≤ now is invisible to every
 * read at once, whether or not the sweeper has reached it. Writes that depend on the current
 * state (touch) use the transaction's commit time instead, so every replica decides alike; see
 * memstore-sweeper.ts for why the sweeper never deletes what a later transaction could still see.
 *
 * Interface (nowUs / expUs are µs since the Unix epoch as plain numbers — exact up to 2^53 µs,
 * the year 2255; 0 = no expiry):
 *   get(key, nowUs)                 jsonb text, undefined when absent or expired
 *   lookup(key, nowUs)              {value, expUs} or undefined
 *   set(key, json, expUs)           insert or replace
 *   delete(key) / clear()           remove; true when the key existed
 *   deletePrefix(prefix)            removes every key starting with prefix (a tree walk); count
 *   touch(key, expUs, commitUs)     new expiry for a key alive at commitUs; false otherwise
 *   count(prefix, nowUs)            visible keys (under prefix)
 *   expiredPending(nowUs)           keys expired but not yet swept
 *   sweep(horizonUs, max)           deletes up to max keys with expiry ≤ horizon; count
 *   replace(tree)                   adopts a loaded tree and rebuilds the expiry index
 *   decodeStored(raw)               {json, expUs} of a stored value (dumps, COPY, rows)
 */
import { formatTimestamp, PG_EPOCH_UNIX_US } from '../pg/time.js';
import type { ByteMap, RangeOptions } from './byte-map.js';
import { compact } from './compaction.js';

export const NO_EXPIRY = 0;
const TAG = 0x00;
const HEADER = 9;
const TWO32 = 4294967296;
const EMPTY = new Uint8Array(0);

export function expiryOf(raw: Uint8Array): number {
  if (raw.length < HEADER || raw[0] !== TAG) return NO_EXPIRY;
  return readU64(raw, 1);
}

function readU64(b: Uint8Array, at: number): number {
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return hi * TWO32 + lo;
}

/** The jsonb text of a stored value (a view, no copy). */
export function jsonOf(raw: Uint8Array): Uint8Array {
  return raw.length > 0 && raw[0] === TAG ? raw.subarray(HEADER) : raw;
}

export function decodeStored(raw: Uint8Array): { json: Uint8Array; expUs: number } {
  return { json: jsonOf(raw), expUs: expiryOf(raw) };
}

function writeU64(out: Uint8Array, at: number, n: number): void {
  const hi = Math.floor(n / TWO32);
  const lo = n - hi * TWO32;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

export function encodeStored(json: Uint8Array, expUs: number): Uint8Array {
  if (expUs === NO_EXPIRY) return json;
  const out = new Uint8Array(HEADER + json.length);
  out[0] = TAG;
  writeU64(out, 1, expUs);
  out.set(json, HEADER);
  return out;
}

function indexKey(expUs: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + key.length);
  writeU64(out, 0, expUs);
  out.set(key, 8);
  return out;
}

/** Exclusive upper bound for index keys with expiry ≤ us. */
function indexBound(us: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(out, 0, us + 1);
  return out;
}

export class MemstoreKeys {
  private readonly byExpiry: ByteMap;

  constructor(
    private readonly newMap: () => ByteMap,
    public tree: ByteMap = newMap(),
  ) {
    this.byExpiry = newMap();
    this.rebuildIndex();
  }

  /** Adopts a tree (a loaded dump) and rebuilds the expiry index from it: one walk. */
  replace(tree: ByteMap): void {
    this.tree = tree;
    this.rebuildIndex();
  }

  private rebuildIndex(): void {
    this.byExpiry.clear();
    for (const [k, v] of this.tree.entries()) {
      const exp = expiryOf(v);
      if (exp !== NO_EXPIRY) this.byExpiry.set(indexKey(exp, k), EMPTY);
    }
  }

  /** Keys in the tree, expired-but-unswept ones included. */
  get size(): number {
    return this.tree.size;
  }

  /** Keys that carry an expiry (the sweeper's work list). */
  get expiringSize(): number {
    return this.byExpiry.size;
  }

  lookup(key: Uint8Array, nowUs: number): { value: Uint8Array; expUs: number } | undefined {
    const raw = this.tree.get(key);
    if (raw === undefined) return undefined;
    const expUs = expiryOf(raw);
    if (expUs !== NO_EXPIRY && expUs <= nowUs) return undefined;
    return { value: jsonOf(raw), expUs };
  }

  get(key: Uint8Array, nowUs: number): Uint8Array | undefined {
    return this.lookup(key, nowUs)?.value;
  }

  set(key: Uint8Array, json: Uint8Array, expUs: number): void {
    // The old value only matters for its index entry: with no expiring keys, skip reading it.
    if (this.byExpiry.size !== 0) {
      const old = this.tree.get(key);
      if (old !== undefined) this.unindex(key, old);
    }
    this.tree.set(key, encodeStored(json, expUs));
    if (expUs !== NO_EXPIRY) this.byExpiry.set(indexKey(expUs, key), EMPTY);
  }

  delete(key: Uint8Array): boolean {
    if (this.byExpiry.size === 0) return this.tree.delete(key);
    const old = this.tree.get(key);
    if (old === undefined) return false;
    this.unindex(key, old);
    this.tree.delete(key);
    return true;
  }

  clear(): void {
    this.tree.clear();
    this.byExpiry.clear();
  }

  /** Deletes every key that starts with `prefix`; returns how many. */
  deletePrefix(prefix: Uint8Array): number {
    if (prefix.length === 0) {
      const n = this.tree.size;
      this.clear();
      return n;
    }
    // Collect first: deleting under a live iterator is allowed but re-seeks at every step.
    const doomed: [Uint8Array, Uint8Array][] = [...this.tree.entries({ prefix })];
    for (const [k, v] of doomed) {
      this.unindex(k, v);
      this.tree.delete(k);
    }
    return doomed.length;
  }

  /**
   * Gives a key a new expiry (0 = none) when it exists and had not expired by `commitUs`, the
   * touching transaction's commit time; a key already expired then is deleted (it is gone on
   * every replica from that transaction on, swept or not). Returns whether the key was touched.
   */
  touch(key: Uint8Array, expUs: number, commitUs: number): boolean {
    const raw = this.tree.get(key);
    if (raw === undefined) return false;
    const old = expiryOf(raw);
    if (old !== NO_EXPIRY && old <= commitUs) {
      this.delete(key);
      return false;
    }
    if (old === expUs) return true;
    this.set(key, jsonOf(raw), expUs);
    return true;
  }

  /** Visible keys, under `prefix` when given. */
  count(prefix: Uint8Array | null, nowUs: number): number {
    if (prefix === null || prefix.length === 0) return this.tree.size - this.expiredPending(nowUs);
    let n = 0;
    for (const [, v] of this.tree.entries({ prefix })) {
      const exp = expiryOf(v);
      if (exp === NO_EXPIRY || exp > nowUs) n++;
    }
    return n;
  }

  /** Keys whose expiry has passed but that are still in the tree. */
  expiredPending(nowUs: number): number {
    let n = 0;
    for (const _ of this.byExpiry.entries({ hi: indexBound(nowUs) })) n++;
    return n;
  }

  /** Deletes up to `max` keys with expiry ≤ horizonUs, soonest first; returns how many. */
  sweep(horizonUs: number, max: number): number {
    const due: Uint8Array[] = [];
    for (const [k] of this.byExpiry.entries({ hi: indexBound(horizonUs) })) {
      due.push(k);
      if (due.length >= max) break;
    }
    for (const k of due) {
      this.byExpiry.delete(k);
      const key = k.subarray(8);
      const raw = this.tree.get(key);
      // The index entry names this expiry; the key itself may since carry another one (cannot
      // happen while set/touch keep the index exact, but a stale entry must not delete a live key).
      if (raw !== undefined && expiryOf(raw) === readU64(k, 0)) this.tree.delete(key);
    }
    return due.length;
  }

  /** Visible entries [key, stored value] in key order; the caller decodes with jsonOf/expiryOf. */
  *visibleEntries(options: RangeOptions | undefined, nowUs: number): Generator<[Uint8Array, Uint8Array]> {
    for (const e of this.tree.entries(options)) {
      const exp = expiryOf(e[1]);
      if (exp === NO_EXPIRY || exp > nowUs) yield e;
    }
  }

  memoryUsage(): number {
    return this.tree.memoryUsage() + this.byExpiry.memoryUsage();
  }

  /** Gives freed slab space back (compaction.ts); bytes released. */
  compact(): number {
    return (compact(this.tree)?.bytesFreed ?? 0) + (compact(this.byExpiry)?.bytesFreed ?? 0);
  }

  private unindex(key: Uint8Array, raw: Uint8Array): void {
    const exp = expiryOf(raw);
    if (exp !== NO_EXPIRY) this.byExpiry.delete(indexKey(exp, key));
  }
}

/** µs since the Unix epoch, now. */
export function nowMicros(): number {
  return Date.now() * 1000;
}

/** PostgreSQL's timestamptz output (ISO, UTC) of µs since the Unix epoch. */
export function formatTimestamptz(us: number): string {
  return formatTimestamp(BigInt(us - PG_EPOCH_UNIX_US), true);
}

/** Reads formatTimestamptz's output back (and any offset PostgreSQL prints); NaN when not one. */
export function parseTimestamptz(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2}){0,2})$/.exec(text);
  if (!m) return NaN;
  let offset = m[4]!;
  if (/^[+-]\d{2}$/.test(offset)) offset += ':00';
  else if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  else if (/^[+-]\d{2}:\d{2}:\d{2}$/.test(offset)) return NaN; // seconds in an offset: not produced for UTC
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  if (Number.isNaN(ms)) return NaN;
  return ms * 1000 + Number((m[3] ?? '').padEnd(6, '0') || '0');
}
