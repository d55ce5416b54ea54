/*
 * select-source.ts — the FROM items of the single-table planner (select.ts): a replicated table,
 * the memstore key space (`memstore.list()`), and its `memstore.kv` view; and the name lookup
 * that finds a table through the search_path.
 *
 * Interface:
 *   Source / ColumnInfo              what select.ts plans over
 *   tableSource / memstoreSource / kvSource
 *   resolveTable(ctx, env, rv)       42P01 / 0A000 (not replicated) as PostgreSQL words them
 *   syncingError / skippedError      55000 for a table being copied, 0A000 for one not held
 */
import type { RangeVar } from 'libpg-query';
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { ByteMap } from '../store/byte-map.js';
import { encodeKey, encodeKeyPrefix } from '../store/key-codec.js';
import { buildRow } from '../store/row.js';
import type { Relation } from '../pg/relation.js';
import type { TableState } from '../store/store.js';
import { expiryOf, formatTimestamptz, jsonOf, NO_EXPIRY, nowMicros, type MemstoreKeys } from '../store/memstore.js';
import { isCollatable } from './bind/collate.js';
import { tableCollationProblem } from './types/collation.js';
import { isTextType } from './compare.js';
import { positionOf, undefinedTable } from './errors.js';
import { byteaBytes } from './input.js';
import { type EngineEnv } from './plan.js';
import { searchPath } from './scalar.js';
import { Oid } from '../pg/types.js';
import { at, type BuildContext } from './values.js';

// --- sources --------------------------------------------------------------------------------------

export interface ColumnInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
  readonly attnum: number;
}

export interface Source {
  /** Name for messages and qualification (alias, else the relation or function name). */
  readonly refName: string;
  readonly tableOid: number;
  readonly columns: readonly ColumnInfo[];
  readonly keyIndexes: readonly number[];
  readonly keyTypes: readonly number[];
  readonly map: ByteMap;
  /** Tree-key bytes of one key column's canonical text (of `valueType`). */
  encodeKeyPart(pos: number, text: string, valueType: number): Uint8Array;
  /** Tree-key bytes every key whose column `pos` starts with `prefix` starts with; null if none. */
  encodePrefix(pos: number, prefix: string): Uint8Array | null;
  /** Builds the row from a tree entry; null when the stored value is the row. */
  readonly rowOf: ((key: Uint8Array, value: Uint8Array) => Uint8Array) | null;
  /** Throws when the source cannot be read now (skipped or still copying). */
  check(): void;
  /** False when the table was replaced or re-described since planning. */
  valid(): boolean;
}

export const FLOAT_TYPES = new Set<number>([Oid.float4, Oid.float8]);

export function tableSource(env: EngineEnv, t: TableState, refName: string): Source {
  const rel: Relation = t.relation;
  const collations = env.store.collations;
  const problem = tableCollationProblem(collations, rel, isCollatable);
  if (problem !== undefined) throw problem;
  const oid = rel.oid;
  const keyTypes = [...t.keyTypeOids];
  const single = [0];
  return {
    refName,
    tableOid: oid,
    columns: rel.columns.map((c, i) => {
      // A domain column is described by its base type, as PostgreSQL does.
      const base = c.typeOid >= 16384 ? env.catalog?.current?.domainBase(c.typeOid) : undefined;
      return base === undefined
        ? { name: c.name, typeOid: c.typeOid, typeMod: c.typeMod, attnum: i + 1 }
        : { name: c.name, typeOid: base.type, typeMod: c.typeMod !== -1 ? c.typeMod : base.typmod, attnum: i + 1 };
    }),
    keyIndexes: [...t.keyIndexes],
    keyTypes,
    map: t.rows,
    encodeKeyPart(pos, text, vtype) {
      const keyType = keyTypes[pos]!;
      let b = Buffer.from(text, 'utf8');
      if (FLOAT_TYPES.has(keyType)) {
        single[0] = vtype === Oid.float4 ? Oid.float4 : Oid.float8;
        return encodeKey(single, [b]);
      }
      if (vtype === Oid.bpchar && keyType !== Oid.bpchar) b = Buffer.from(text.replace(/ +$/, ''), 'utf8');
      single[0] = keyType;
      return encodeKey(single, [b]);
    },
    encodePrefix(pos, prefix) {
      const keyType = keyTypes[pos]!;
      if (!isTextType(keyType)) return null;
      const p = keyType === Oid.bpchar ? prefix.replace(/ +$/, '') : prefix;
      if (p === '') return null;
      return encodeKeyPrefix(keyType, Buffer.from(p, 'utf8'));
    },
    rowOf: null,
    check() {
      if (t.status === 'skipped') {
        throw new SqlError(SQLSTATE.feature_not_supported, `relation "${rel.schema}.${rel.name}" is not replicated by memstore: ${t.reason}`);
      }
      if (t.status === 'syncing') throw syncingError(t);
    },
    valid: () => env.store.tables.get(oid) === t && t.relation === rel && env.store.collations === collations,
  };
}

/**
 * 55000 for a table being copied: what the copy is for and since when, so a client (and its
 * operator) can tell a start-up copy from a resync after DDL stuck behind an open transaction.
 */
export function syncingError(t: TableState): SqlError {
  const rel = t.relation;
  const why = t.reason === '' ? 'is still being copied from the primary' : `is being copied from the primary: ${t.reason}`;
  const since = t.since ? ` (since ${new Date(t.since).toISOString()}${t.resync ? `, ${t.resync.phase}` : ''})` : '';
  return new SqlError(SQLSTATE.object_not_in_prerequisite_state, `relation "${rel.schema}.${rel.name}" ${why}${since}`, {
    hint: 'Retry once the copy is done (memstore.stats() lists tables being synchronized).',
  });
}

const HEX_PREFIX = Buffer.from('\\x');

/**
 * The memstore tree as readers see it: expired keys are absent (compared with the wall clock at
 * each get() and when each walk starts), values keep their stored form (memstore.ts) for rowOf.
 */
function visibleKeys(kv: MemstoreKeys): ByteMap {
  const readOnlyMap = (): never => {
    throw new Error('the memstore read view is read-only');
  };
  return {
    get(key) {
      const raw = kv.tree.get(key);
      if (raw === undefined) return undefined;
      const exp = expiryOf(raw);
      return exp !== NO_EXPIRY && exp <= nowMicros() ? undefined : raw;
    },
    set: readOnlyMap,
    delete: readOnlyMap,
    clear: readOnlyMap,
    clone: readOnlyMap,
    get size() {
      return kv.count(null, nowMicros());
    },
    entries: (options) => kv.visibleEntries(options, nowMicros()),
    memoryUsage: () => kv.memoryUsage(),
  };
}

function hexKey(key: Uint8Array): Buffer {
  return Buffer.concat([HEX_PREFIX, Buffer.from(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex'))]);
}

/** The memstore key space as a table: (key bytea, value jsonb), ordered by key bytes. */
export function memstoreSource(env: EngineEnv, refName: string): Source {
  return {
    refName,
    tableOid: 0,
    columns: [
      { name: 'key', typeOid: Oid.bytea, typeMod: -1, attnum: 0 },
      { name: 'value', typeOid: Oid.jsonb, typeMod: -1, attnum: 0 },
    ],
    keyIndexes: [0],
    keyTypes: [Oid.bytea],
    map: visibleKeys(env.store.kv),
    encodeKeyPart: (_pos, text) => byteaBytes(text),
    encodePrefix: (_pos, prefix) => (prefix === '' ? null : Buffer.from(prefix, 'latin1')),
    rowOf: (key, value) => buildRow([hexKey(key), jsonOf(value)]),
    check: () => undefined,
    valid: () => true,
  };
}

/** OID reported for memstore.kv in RowDescription: none (it is no catalog relation). */
export const KV_RELATION = { schema: 'memstore', name: 'kv' } as const;

/**
 * memstore.kv: the key space as a relation (key bytea, value jsonb, expires_at timestamptz),
 * NULL expires_at for keys without expiry. Keys are tree seeks (`key = $1`, IN, ranges,
 * `key LIKE 'p%'`), ORDER BY key a walk; expires_at is printed in UTC, as every stored value.
 */
export function kvSource(env: EngineEnv, refName: string): Source {
  return {
    ...memstoreSource(env, refName),
    columns: [
      { name: 'key', typeOid: Oid.bytea, typeMod: -1, attnum: 1 },
      { name: 'value', typeOid: Oid.jsonb, typeMod: -1, attnum: 2 },
      { name: 'expires_at', typeOid: Oid.timestamptz, typeMod: -1, attnum: 3 },
    ],
    rowOf: (key, value) => {
      const exp = expiryOf(value);
      return buildRow([hexKey(key), jsonOf(value), exp === NO_EXPIRY ? null : Buffer.from(formatTimestamptz(exp), 'latin1')]);
    },
  };
}

export function isKvRelation(ctx: BuildContext, rv: RangeVar): boolean {
  if (rv.relname !== KV_RELATION.name) return false;
  if (rv.schemaname !== undefined) return rv.schemaname === KV_RELATION.schema && (rv.catalogname === undefined || rv.catalogname === ctx.session.database);
  return searchPath(ctx).includes(KV_RELATION.schema);
}


export function resolveTable(ctx: BuildContext, env: EngineEnv, rv: RangeVar): { table: TableState; schema: string; pathDependent: boolean } {
  const name = rv.relname ?? '';
  const written = rv.schemaname !== undefined ? `${rv.schemaname}.${name}` : name;
  let table: TableState | undefined;
  let schema = rv.schemaname ?? '';
  if (rv.schemaname !== undefined) {
    table = env.store.tableByName(rv.schemaname, name);
  } else {
    for (const s of searchPath(ctx)) {
      table = env.store.tableByName(s, name);
      if (table !== undefined) {
        schema = s;
        break;
      }
    }
  }
  if (table === undefined) throw undefinedTable(written, at(ctx, rv.location));
  if (table.status === 'skipped') throw skippedError(table, positionAt(ctx, rv.location));
  return { table, schema, pathDependent: rv.schemaname === undefined };
}

export function positionAt(ctx: BuildContext, location: number | undefined): { position?: number } {
  const position = positionOf(ctx.sql, location);
  return position === undefined ? {} : { position };
}

/** 0A000 for a published table memstore does not hold (no key, unsupported type, …). */
export function skippedError(table: TableState, at: { position?: number } = {}): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `relation "${table.relation.schema}.${table.relation.name}" is not replicated by memstore: ${table.reason}`, at);
}

