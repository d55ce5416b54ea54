/*
 * memstore-keyspace.ts — the memstore key space as one executor statement sees it: the view its
 * memstore functions (memstore.ts) and its memstore.kv scans read, and the test that tells the
 * driver (exec/run.ts) the key space moved under a statement that yielded to the event loop.
 *
 * One view per statement. A Runtime takes the view at its first read of the key space: the tree
 * (the live one, or a private clone when the statement runs over copies, run.ts) and one clock
 * reading `nowUs`, against which every expiry is compared for the whole statement — so a key
 * cannot vanish between two rows of one result because its expiry passed meanwhile. The live
 * tree moves when an op is applied (counters.memstoreOps), when the sweeper deletes expired keys
 * (counters.memstoreExpired: a key expired by the wall clock may still be visible at `nowUs`), and
 * when a dump is loaded (store.kv.tree is replaced); `moved()` compares exactly those.
 *
 * memstore.kv in executor plans is a scan of a table whose OID is KV_TABLE_OID (0: no catalog
 * relation, which is also what RowDescription reports for its columns, as on the old path). The
 * scan operators address rows by the key codec's encoding of the bytea key (key-codec.ts: 00
 * escaped as 00 FF, ended by 00 00), while the memstore tree holds raw key bytes; kvRows() is the
 * ByteMap that translates, so lookups, key ranges and key lookup joins work unchanged. Its values
 * are DataRow bodies (key as \x hex, value's jsonb text, expires_at in UTC or NULL).
 *
 * Interface:
 *   KeySpace                          get / count / entries of visible keys at the view's clock
 *   takeKeySpace(store, clone)        the view a statement reads (clone: a private copy)
 *   StatementAccess                   what a CallContext offers memstore's functions
 *   KV_TABLE_OID, kvTableState(), kvRows(space)   memstore.kv for the scan operators
 */
import type { SessionState } from '../../pgwire/engine.js';
import type { ByteMap, RangeOptions } from '../../store/byte-map.js';
import { expiryOf, formatTimestamptz, jsonOf, NO_EXPIRY, nowMicros, type MemstoreKeys } from '../../store/memstore.js';
import { buildRow } from '../../store/row.js';
import type { Store, TableState } from '../../store/store.js';
import { Oid } from '../../pg/types.js';
import type { EngineEnv } from '../plan.js';

/** The visible keys of one tree at one instant (µs since 1970, memstore.ts). */
export class KeySpace {
  constructor(
    readonly tree: ByteMap,
    readonly nowUs: number,
    /** The live keys with their expiry index (fast whole count), or null for a clone. */
    private readonly live: MemstoreKeys | null,
  ) {}

  /** The stored value (memstore.ts layout) of a visible key. */
  get(key: Uint8Array): Uint8Array | undefined {
    const raw = this.tree.get(key);
    if (raw === undefined) return undefined;
    const exp = expiryOf(raw);
    return exp !== NO_EXPIRY && exp <= this.nowUs ? undefined : raw;
  }

  count(prefix: Uint8Array | null): number {
    if (this.live !== null) return this.live.count(prefix, this.nowUs);
    let n = 0;
    for (const _ of this.entries(prefix === null || prefix.length === 0 ? undefined : { prefix })) n++;
    return n;
  }

  /** Visible [key, stored value] pairs in key order. */
  *entries(options?: RangeOptions): Generator<[Uint8Array, Uint8Array]> {
    const now = this.nowUs;
    for (const e of this.tree.entries(options)) {
      const exp = expiryOf(e[1]);
      if (exp === NO_EXPIRY || exp > now) yield e;
    }
  }
}

/** A statement's key space with what it was taken from, for moved(). */
export interface KeySpaceRead {
  readonly space: KeySpace;
  readonly tree: ByteMap;
  readonly version: number;
}

function version(store: Store): number {
  return store.counters.memstoreOps + store.counters.memstoreExpired;
}

export function takeKeySpace(store: Store, clone: boolean): KeySpaceRead {
  const kv = store.kv;
  const tree = kv.tree;
  const space = clone ? new KeySpace(tree.clone(), nowMicros(), null) : new KeySpace(tree, nowMicros(), kv);
  return { space, tree, version: version(store) };
}

/** Whether the live key space changed since `read` was taken (a clone never moves). */
export function keySpaceMoved(store: Store, read: KeySpaceRead): boolean {
  return store.kv.tree !== read.tree || version(store) !== read.version;
}

/** The sidecar around an execution: what memstore.stats() and memstore.snapshot() need. */
export interface ExecHost {
  readonly env: EngineEnv;
  readonly session: SessionState;
}

/** What a CallContext offers memstore's functions (the Runtime of the execution implements it). */
export interface StatementAccess {
  keySpace(): KeySpace;
  /** null when a plan runs without an engine around it (executor unit tests). */
  readonly host: ExecHost | null;
}

// --- memstore.kv -----------------------------------------------------------------------------------

/** memstore.kv's table OID in plans: none (see the header). */
export const KV_TABLE_OID = 0;
export const KV_COLUMNS = [
  { name: 'key', type: Oid.bytea },
  { name: 'value', type: Oid.jsonb },
  { name: 'expires_at', type: Oid.timestamptz },
] as const;

let kvState: TableState | undefined;

/** A TableState describing memstore.kv, for the scan operators' shape checks; it holds no rows. */
export function kvTableState(store: Store): TableState {
  kvState ??= store.newTableState({
    oid: KV_TABLE_OID,
    schema: 'memstore',
    name: 'kv',
    replicaIdentity: 'default',
    columns: KV_COLUMNS.map((c, i) => ({ name: c.name, typeOid: c.type, typeMod: -1, isKey: i === 0 })),
  });
  return kvState;
}

const HEX = '0123456789abcdef';

function hexText(key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + key.length * 2);
  out[0] = 0x5c;
  out[1] = 0x78;
  for (let i = 0; i < key.length; i++) {
    out[2 + i * 2] = HEX.charCodeAt(key[i]! >> 4);
    out[3 + i * 2] = HEX.charCodeAt(key[i]! & 15);
  }
  return out;
}

/** The DataRow body of one memstore.kv row. */
export function kvRow(key: Uint8Array, stored: Uint8Array): Uint8Array {
  const exp = expiryOf(stored);
  return buildRow([hexText(key), jsonOf(stored), exp === NO_EXPIRY ? null : Buffer.from(formatTimestamptz(exp), 'latin1')]);
}

/** The key codec's encoding of a raw bytea key (escaped, terminated). */
export function encodeRawKey(raw: Uint8Array): Uint8Array {
  let zeros = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] === 0) zeros++;
  const out = new Uint8Array(raw.length + zeros + 2);
  let p = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    out[p++] = b;
    if (b === 0) out[p++] = 0xff;
  }
  return out; // the last two bytes stay 00 00: the terminator
}

/**
 * The raw key of an encoded bytea key, or of a bound the key walk made from one: `enc(x)` is x,
 * `enc(x) ‖ 00` (the bound just past x, key-access.ts) is x ‖ 00, the raw key right after x.
 * null for bytes that are neither (no exact raw counterpart: the caller walks more, never less).
 */
export function decodeRawKey(enc: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(enc.length);
  let p = 0;
  for (let i = 0; i < enc.length; i++) {
    const b = enc[i]!;
    if (b !== 0) {
      out[p++] = b;
      continue;
    }
    const next = enc[i + 1];
    if (next === 0xff) {
      out[p++] = 0;
      i++;
      continue;
    }
    if (next !== 0) return null;
    const rest = enc.length - (i + 2);
    if (rest === 0) return out.subarray(0, p);
    if (rest === 1 && enc[i + 2] === 0) {
      out[p++] = 0;
      return out.subarray(0, p);
    }
    return null;
  }
  return null;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** memstore.kv as the scan operators read a table: encoded keys → kv rows, read-only. */
export function kvRows(space: KeySpace): ByteMap {
  const readOnly = (): never => {
    throw new Error('memstore.kv is read-only');
  };
  return {
    get(key) {
      const raw = decodeRawKey(key);
      if (raw === null) return undefined;
      const v = space.get(raw);
      return v === undefined ? undefined : kvRow(raw, v);
    },
    *entries(options) {
      const raw: { lo?: Uint8Array; hi?: Uint8Array; reverse?: boolean } = {};
      if (options?.lo !== undefined) {
        const lo = decodeRawKey(options.lo);
        if (lo !== null) raw.lo = lo;
      }
      if (options?.hi !== undefined) {
        const hi = decodeRawKey(options.hi);
        if (hi !== null) raw.hi = hi;
      }
      if (options?.reverse === true) raw.reverse = true;
      const prefix = options?.prefix;
      for (const [k, v] of space.entries(raw)) {
        const enc = encodeRawKey(k);
        if (prefix !== undefined && !startsWith(enc, prefix)) continue;
        yield [enc, kvRow(k, v)];
      }
    },
    get size() {
      return space.count(null);
    },
    set: readOnly,
    delete: readOnly,
    clear: readOnly,
    clone: readOnly,
    memoryUsage: () => space.tree.memoryUsage(),
  };
}
