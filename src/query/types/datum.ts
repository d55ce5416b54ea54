/*
 * datum.ts — how the executor holds one SQL value in memory, per PostgreSQL type.
 *
 * The store keeps rows as DataRow bytes in text format (what pgoutput sends). The executor decodes
 * the columns a query touches into Datums with the type's input function (registry.ts), computes
 * on Datums, and encodes the output columns back to text with the type's output function, which
 * reproduces PostgreSQL's exact formatting under the session's settings (OutputSettings).
 *
 * A Datum carries no type tag: the bound expression that produced it knows its type (bind/bound.ts),
 * and every operation is chosen for its argument types at bind time, as in PostgreSQL. SQL NULL is
 * JS `null` for every type (never `undefined`).
 *
 * Representation per type (the one list; type files must follow it):
 *   bool                                  boolean
 *   int2, int4, oid, regclass, regtype…   number (an integer within the type's range)
 *   int8                                  bigint
 *   float4, float8                        number (float4 rounded through Math.fround)
 *   numeric                               NumericValue (exact; NaN and ±Infinity included)
 *   text, varchar, bpchar, name, "char"   string (bpchar keeps its padding, as PostgreSQL stores it)
 *   json                                  string (the text exactly as stored)
 *   jsonb                                 JsonNode (JSON null is JSON_NULL, not JS null)
 *   bytea                                 Uint8Array
 *   uuid                                  string, canonical lower-case 8-4-4-4-12
 *   date                                  number: days since 2000-01-01; ±Infinity for ±infinity
 *   time                                  number: microseconds since midnight
 *   timestamp, timestamptz                bigint: microseconds since 2000-01-01 00:00 (UTC for tz);
 *                                         TS_NOBEGIN / TS_NOEND for -infinity / infinity
 *   interval                              IntervalValue
 *   arrays (any element type)             ArrayValue
 *   record (ROW(…))                       RecordValue
 *   any other type (inet, money, point…)  string: the primary's canonical output text. Equality of
 *                                         two such strings is equality of the values (output is
 *                                         canonical); ordering and arithmetic are 0A000.
 */
import { Decimal } from 'decimal.js';

/**
 * decimal.js is configured once for the whole executor: enough significant digits for
 * PostgreSQL's numeric results (NUMERIC_MAX_DISPLAY_SCALE is 1000, integer parts up to 131072
 * digits are out of scope: XXX), and ROUND_HALF_UP, which is how numeric rounds (away from zero
 * on a tie). Code that needs another rounding passes it explicitly.
 */
export const PgDecimal = Decimal.clone({ precision: 1100, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -9e15, toExpPos: 9e15 });
export type PgDecimal = InstanceType<typeof PgDecimal>;

/** A numeric value: exact value plus the display scale PostgreSQL keeps (`1.50` has dscale 2). */
export interface NumericValue {
  readonly d: PgDecimal;
  /** Digits after the decimal point in the text form (pg's dscale); 0 for NaN and ±Infinity. */
  readonly dscale: number;
}

/** PostgreSQL's interval: three fields kept apart, never normalised into each other. */
export interface IntervalValue {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

/** PostgreSQL's DT_NOBEGIN / DT_NOEND: timestamp -infinity / infinity. */
export const TS_NOBEGIN = -(2n ** 63n);
export const TS_NOEND = 2n ** 63n - 1n;

/**
 * An array of any dimensionality, elements in row-major order. `dims` are the lengths per
 * dimension and `lbounds` the lower bounds (1 unless the text said `[0:2]={…}`); an empty array
 * has dims = lbounds = []. `elemType` is the element type's OID.
 */
export interface ArrayValue {
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly lbounds: readonly number[];
  readonly items: readonly Datum[];
}

/** ROW(a, b, …) or a whole-row reference; `types` are the fields' type OIDs. */
export interface RecordValue {
  readonly types: readonly number[];
  readonly fields: readonly Datum[];
  /**
   * ROW(…) of a field with a collation other than its type's default: each field's collation
   * (pg_collation OID, 0 for none) and its order (undefined: the type's), as the tuple descriptor
   * of PostgreSQL's row carries attcollation for record_cmp. Absent: every field has its type's default.
   */
  readonly collations?: readonly number[];
  readonly orders?: readonly (((a: Datum, b: Datum) => number) | undefined)[];
}

/** JSON null inside a jsonb value (distinct from SQL NULL, which is JS null). */
export const JSON_NULL: unique symbol = Symbol('json null');
/**
 * A jsonb node. Numbers are numeric (jsonb keeps them exactly: `1.50` prints `1.50`). Objects are
 * JsonObject: keys unique, in jsonb's storage order (shorter key first, then bytewise), which is
 * also its output order.
 */
export type JsonNode = typeof JSON_NULL | boolean | string | NumericValue | JsonArray | JsonObject;
export interface JsonArray {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}
export interface JsonObject {
  readonly kind: 'object';
  readonly keys: readonly string[];
  readonly values: readonly JsonNode[];
}

/** JsonNode already covers boolean, string and NumericValue. */
export type Datum = null | number | bigint | Uint8Array | IntervalValue | ArrayValue | RecordValue | JsonNode;

/**
 * Session settings that change how values print or parse, read once per statement from the
 * session's parameters (settings.ts normalises their spelling).
 */
export interface OutputSettings {
  /** IANA zone name or a fixed offset as PostgreSQL accepts it ('UTC', 'Europe/Paris', '<+03>-03'). */
  readonly timeZone: string;
  /** Output style part of DateStyle. */
  readonly dateStyle: 'ISO' | 'Postgres' | 'SQL' | 'German';
  /** Field order part of DateStyle (input of ambiguous dates, and SQL/Postgres output). */
  readonly dateOrder: 'MDY' | 'DMY' | 'YMD';
  readonly intervalStyle: 'postgres' | 'postgres_verbose' | 'sql_standard' | 'iso_8601';
  /** -15..3; 1 (the default) and above print the shortest exact form. */
  readonly extraFloatDigits: number;
  readonly byteaOutput: 'hex' | 'escape';
}

export const DEFAULT_OUTPUT: OutputSettings = {
  timeZone: 'UTC',
  dateStyle: 'ISO',
  dateOrder: 'MDY',
  intervalStyle: 'postgres',
  extraFloatDigits: 1,
  byteaOutput: 'hex',
};
