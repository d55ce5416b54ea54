/*
 * registry.ts — the one type registry: per type OID, text input, text output with PostgreSQL's
 * exact formatting, ordering and hashing; and the cast table (pg_cast) between them.
 *
 * Every other part of the executor learns about a type only from here: the binder (categories,
 * preferred types, implicit casts for overload resolution), the operators (compare for sorts and
 * merge, hashKey for hash joins, aggregates and DISTINCT), the scan (input of stored text) and
 * the result writer (output). Type families register themselves from their own files (int.ts,
 * numeric.ts, datetime.ts, text.ts, jsonb.ts, array.ts, …) through builtins.ts.
 *
 * Invariants:
 *   - output(input(t)) is the text PostgreSQL 17 prints for the same value under the same
 *     settings. The store's bytes are the primary's output under the default settings, so a column
 *     that is only passed through may be copied without a round trip when settings are default.
 *   - compare is PostgreSQL's btree order for the type (text: C collation, i.e. UTF-8 byte order,
 *     which is code point order); it never sees NULL (operators order NULLs themselves).
 *   - a === b by compare ⇒ hashKey(a) === hashKey(b) (hash tables rely on it). Keys are primitives
 *     so a JS Map can hold them.
 *
 * Interface:
 *   TypeInfo, CastDef                    what a type and a cast provide
 *   registerType(info) / typeInfo(oid)   the registry (unknown OIDs get an opaque text type)
 *   registerCast(def) / findCast(s, t)   pg_cast; I/O conversion casts are made on demand
 *   registerCastResolver(fn)             derived casts (array → array element-wise)
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { sqlTypeName, typeName, typeSize } from '../../pg/types.js';
import type { Datum, OutputSettings } from './datum.js';
import type { CatalogSnapshot } from '../../catalog/snapshot.js';

/** The catalog one execution reads (regclass names, pg_table_is_visible, …), with the session's path. */
export interface CatalogContext {
  readonly snapshot: CatalogSnapshot;
  /** The session's search_path as listed ("$user" resolved); pg_catalog is searched first unless listed. */
  readonly searchPath: readonly string[];
  readonly user: string;
  /** Bytes the store holds for a replicated table (its tree); undefined for other relations. */
  readonly relationSize: (oid: number) => number | undefined;
}

/** What an evaluation may read besides its arguments: output settings and the transaction clock. */
export interface EvalSettings extends OutputSettings {
  /** now() / CURRENT_TIMESTAMP: start of the transaction, µs since 2000-01-01 UTC. */
  readonly transactionStart: bigint;
  /** statement_timestamp(). */
  readonly statementStart: bigint;
  /** The copied catalog, when the sidecar reads one; absent at plan time (constant folding). */
  readonly catalog?: CatalogContext;
  /** The session an execution runs for (current_schema(), current_database()); absent at plan time. */
  readonly session?: SessionContext;
}

export interface SessionContext {
  /** search_path as listed ("$user" resolved). */
  readonly searchPath: readonly string[];
  readonly user: string;
  readonly database: string;
  /** Whether the schema exists (for the first existing schema of the path). */
  schemaExists(name: string): boolean;
}

export interface TypeInfo {
  readonly oid: number;
  /** pg_type.typname ("int4"). */
  readonly name: string;
  /** format_type() spelling ("integer"), for messages. */
  readonly sqlName: string;
  /** pg_type.typcategory: 'N' numeric, 'S' string, 'B' boolean, 'D' datetime, 'T' timespan, 'A' array, 'U' user, … */
  readonly category: string;
  /** pg_type.typispreferred (text, float8, timestamptz, interval, bool, oid are preferred). */
  readonly preferred: boolean;
  /** pg_type.typlen. */
  readonly len: number;
  /** Element type for arrays, else 0. */
  readonly elem: number;
  /** The array type of this type, 0 when none. */
  readonly array: number;
  /** Text → Datum. Throws SqlError 22P02 / 22003 / 22007 / 22008 … as PostgreSQL does. */
  input(text: string, typmod: number, s: EvalSettings): Datum;
  /** Datum (never null) → text exactly as PostgreSQL prints it under the settings. */
  output(d: Datum, s: OutputSettings): string;
  /** btree order; absent when the type has none here (sorting it is 0A000). */
  readonly compare?: (a: Datum, b: Datum) => number;
  /** A primitive equal for equal values; absent when the type cannot be hashed here. */
  readonly hashKey?: (d: Datum) => string | number | bigint | boolean;
  /** Applies a typmod (varchar(n), numeric(p,s), timestamp(p)) as an implicit/assignment coercion does. */
  readonly applyTypmod?: (d: Datum, typmod: number, explicit: boolean) => Datum;
  /** format_type with a typmod ("character varying(20)", "numeric(10,2)"). */
  readonly formatTypmod?: (typmod: number) => string;
}

/** pg_cast.castcontext: implicit, assignment, explicit only. */
export type CastContext = 'i' | 'a' | 'e';

export interface CastDef {
  readonly source: number;
  readonly target: number;
  readonly context: CastContext;
  /** Converts a non-null value; the target typmod is applied afterwards by the caller. */
  readonly convert: (d: Datum, s: EvalSettings) => Datum;
}

const types = new Map<number, TypeInfo>();
const casts = new Map<string, CastDef>();
const castResolvers: ((source: number, target: number) => CastDef | undefined)[] = [];

export function registerType(info: TypeInfo): void {
  types.set(info.oid, info);
}

export function hasType(oid: number): boolean {
  return types.has(oid);
}

/**
 * The registered type, or an opaque one for OIDs no family registered (inet, money, a user's
 * composite): its values are the primary's text, equality works, ordering does not.
 */
export function typeInfo(oid: number): TypeInfo {
  let t = types.get(oid);
  if (t === undefined) {
    t = opaqueType(oid);
    types.set(oid, t);
  }
  return t;
}

function opaqueType(oid: number): TypeInfo {
  return {
    oid,
    name: typeName(oid),
    sqlName: sqlTypeName(oid),
    category: 'U',
    preferred: false,
    len: typeSize(oid),
    elem: 0,
    array: 0,
    input: (text) => text,
    output: (d) => d as string,
    hashKey: (d) => d as string,
  };
}

export function registerCast(def: CastDef): void {
  casts.set(`${def.source}>${def.target}`, def);
}

/**
 * A family whose casts are derived rather than listed (arrays: element by element, as PostgreSQL's
 * array coercion) answers findCast for pairs no registered cast covers.
 */
export function registerCastResolver(resolve: (source: number, target: number) => CastDef | undefined): void {
  castResolvers.push(resolve);
}

/**
 * The cast from source to target: a registered one, else one a cast resolver derives, else PostgreSQL's automatic I/O conversion
 * (to a string type: assignment; from a string type: explicit), else undefined. Same type → an
 * identity cast with context 'i'.
 */
export function findCast(source: number, target: number): CastDef | undefined {
  if (source === target) return { source, target, context: 'i', convert: (d) => d };
  const c = casts.get(`${source}>${target}`);
  if (c !== undefined) return c;
  for (const resolve of castResolvers) {
    const r = resolve(source, target);
    if (r !== undefined) return r;
  }
  const from = typeInfo(source);
  const to = typeInfo(target);
  if (to.category === 'S') return { source, target, context: 'a', convert: (d, s) => to.input(from.output(d, s), -1, s) };
  if (from.category === 'S') return { source, target, context: 'e', convert: (d, s) => to.input(d as string, -1, s) };
  return undefined;
}

export function cannotCoerce(source: number, target: number): SqlError {
  return new SqlError(SQLSTATE.cannot_coerce, `cannot cast type ${typeInfo(source).sqlName} to ${typeInfo(target).sqlName}`);
}
