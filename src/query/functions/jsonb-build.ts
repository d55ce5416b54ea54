/*
 * jsonb-build.ts — SQL values of any type as json / jsonb (to_json, to_jsonb, the build functions
 * and the aggregates), following jsonb.c / json.c's type categories:
 *   int2/4/8, float4/8, numeric   a JSON number when the output text is one, else a string
 *                                 ("NaN", "Infinity"); jsonb keeps numeric's text (1e+20 becomes
 *                                 100000000000000000000), json keeps the output text;
 *   bool                          true / false;
 *   date, timestamp, timestamptz  ISO 8601 as JSON writes it ("2024-01-01T10:00:00+00:00"),
 *                                 whatever DateStyle says;
 *   json, jsonb                   embedded as they are;
 *   arrays                        JSON arrays (nested per dimension); records: objects f1, f2, …;
 *   anything else                 a string of the type's output text.
 * Output text of json (not jsonb) differs per function as in PostgreSQL: to_json writes arrays and
 * records without spaces, json_build_object writes `"a" : 1`, json_agg `[1, 2]`.
 * XXX: composite types with named fields are not known here (records print f1, f2, …).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { JSON_NULL, type ArrayValue, type Datum, type JsonNode, type OutputSettings, type RecordValue } from '../types/datum.js';
import { parseJsonb } from '../types/json-parse.js';
import { jsonbText, makeJsonObject, numericFromJson, quoteJson } from '../types/jsonb-core.js';
import { typeInfo } from '../types/registry.js';

const NUMBER_TYPES = new Set([20, 21, 23, 700, 701, 1700]);
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const JSON = 114;
const JSONB = 3802;
const BOOL = 16;
const RECORD = 2249;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const isoSettings = new WeakMap<OutputSettings, OutputSettings>();
function iso(s: OutputSettings): OutputSettings {
  if (s.dateStyle === 'ISO') return s;
  let t = isoSettings.get(s);
  if (t === undefined) {
    t = { ...s, dateStyle: 'ISO' };
    isoSettings.set(s, t);
  }
  return t;
}

const TZ_SUFFIX = /([+-]\d\d)(:\d\d)?(:\d\d)?( BC)?$/;

/** JsonEncodeDateTime: ISO output with a 'T', and a zone always as ±hh:mm[:ss]. */
function jsonDateTime(type: number, d: Datum, s: OutputSettings): string {
  const t = typeInfo(type).output(d, iso(s));
  if (type === DATE || t === 'infinity' || t === '-infinity') return t;
  const sp = t.indexOf(' ');
  let out = sp < 0 ? t : t.slice(0, sp) + 'T' + t.slice(sp + 1);
  if (type === TIMESTAMPTZ) out = out.replace(TZ_SUFFIX, (_m, h: string, m: string | undefined, sec: string | undefined, bc: string | undefined) => h + (m ?? ':00') + (sec ?? '') + (bc ?? ''));
  return out;
}

function isArray(d: Datum, type: number): d is ArrayValue {
  return typeInfo(type).category === 'A' && typeof d === 'object' && d !== null && 'dims' in d;
}

function isRecord(d: Datum): d is RecordValue {
  return typeof d === 'object' && d !== null && 'fields' in d && 'types' in d;
}

/** Visits an array's items per dimension. */
function nest<T>(a: ArrayValue, leaf: (d: Datum) => T, group: (xs: T[]) => T): T {
  if (a.dims.length === 0) return group([]);
  let k = 0;
  const walk = (depth: number): T => {
    const xs: T[] = [];
    for (let i = 0; i < a.dims[depth]!; i++) xs.push(depth + 1 < a.dims.length ? walk(depth + 1) : leaf(a.items[k++]!));
    return group(xs);
  };
  return walk(0);
}

/** to_jsonb of a value of the given type (SQL NULL becomes JSON null). */
export function toJsonb(d: Datum, type: number, s: OutputSettings): JsonNode {
  if (d === null) return JSON_NULL;
  if (type === JSONB) return d as JsonNode;
  if (type === JSON) return parseJsonb(d as string);
  if (type === BOOL) return d as boolean;
  if (NUMBER_TYPES.has(type)) {
    const t = typeInfo(type).output(d, s);
    return JSON_NUMBER.test(t) ? numericFromJson(t) : t;
  }
  if (type === DATE || type === TIMESTAMP || type === TIMESTAMPTZ) return jsonDateTime(type, d, s);
  if (isArray(d, type)) return nest<JsonNode>(d, (x) => toJsonb(x, d.elemType, s), (items) => ({ kind: 'array', items }));
  if (isRecord(d)) return makeJsonObject(d.fields.map((_, i) => `f${i + 1}`), d.fields.map((f, i) => toJsonb(f, d.types[i]!, s)));
  return typeInfo(type).output(d, s);
}

/** to_json's text of a value of the given type. */
export function toJson(d: Datum, type: number, s: OutputSettings): string {
  if (d === null) return 'null';
  if (type === JSON) return d as string;
  if (type === JSONB) return jsonbText(d as JsonNode);
  if (type === BOOL) return d ? 'true' : 'false';
  if (NUMBER_TYPES.has(type)) {
    const t = typeInfo(type).output(d, s);
    return JSON_NUMBER.test(t) ? t : quoteJson(t);
  }
  if (type === DATE || type === TIMESTAMP || type === TIMESTAMPTZ) return quoteJson(jsonDateTime(type, d, s));
  if (isArray(d, type)) return nest<string>(d, (x) => toJson(x, d.elemType, s), (xs) => '[' + xs.join(',') + ']');
  if (isRecord(d)) return '{' + d.fields.map((f, i) => `"f${i + 1}":` + toJson(f, d.types[i]!, s)).join(',') + '}';
  return quoteJson(typeInfo(type).output(d, s));
}

/** An object key from a value (build_object, object_agg): scalars only, as text. */
export function jsonKey(d: Datum, type: number, s: OutputSettings, argPos: number, fn: string): string {
  if (d === null) {
    // PostgreSQL 17 raises these with two codes: 22023 in jsonb.c, 22004 in json.c.
    const code = fn.startsWith('jsonb') ? SQLSTATE.invalid_parameter_value : SQLSTATE.null_value_not_allowed;
    throw new SqlError(code, fn.endsWith('_agg') ? 'field name must not be null' : `argument ${argPos}: key must not be null`);
  }
  const t = typeInfo(type);
  if (t.category === 'A' || type === JSON || type === JSONB || type === RECORD || isRecord(d)) {
    throw new SqlError(SQLSTATE.invalid_parameter_value, 'key value must be scalar, not array, composite, or json');
  }
  if (type === BOOL) return d ? 'true' : 'false';
  if (type === DATE || type === TIMESTAMP || type === TIMESTAMPTZ) return jsonDateTime(type, d, s);
  return t.output(d, s);
}

function pairsCheck(n: number, fn: string): void {
  if (n % 2 !== 0) {
    throw new SqlError(SQLSTATE.invalid_parameter_value, 'argument list must have even number of elements', { hint: `The arguments of ${fn}() must consist of alternating keys and values.` });
  }
}

export function jsonbBuildObject(args: readonly Datum[], types: readonly number[], s: OutputSettings): JsonNode {
  pairsCheck(args.length, 'jsonb_build_object');
  const keys: string[] = [];
  const values: JsonNode[] = [];
  for (let i = 0; i < args.length; i += 2) {
    keys.push(jsonKey(args[i]!, types[i]!, s, i + 1, 'jsonb_build_object'));
    values.push(toJsonb(args[i + 1]!, types[i + 1]!, s));
  }
  return makeJsonObject(keys, values);
}

export function jsonBuildObject(args: readonly Datum[], types: readonly number[], s: OutputSettings): string {
  pairsCheck(args.length, 'json_build_object');
  const parts: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    parts.push(quoteJson(jsonKey(args[i]!, types[i]!, s, i + 1, 'json_build_object')) + ' : ' + toJson(args[i + 1]!, types[i + 1]!, s));
  }
  return '{' + parts.join(', ') + '}';
}

export function jsonbBuildArray(args: readonly Datum[], types: readonly number[], s: OutputSettings): JsonNode {
  return { kind: 'array', items: args.map((a, i) => toJsonb(a, types[i]!, s)) };
}

export function jsonBuildArray(args: readonly Datum[], types: readonly number[], s: OutputSettings): string {
  return '[' + args.map((a, i) => toJson(a, types[i]!, s)).join(', ') + ']';
}
