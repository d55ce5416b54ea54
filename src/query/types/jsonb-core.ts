/*
 * jsonb-core.ts — jsonb values (JsonNode, datum.ts) without the registry: construction of objects
 * in storage order, PostgreSQL's output text, btree order and a hash key.
 *
 * Invariants (PostgreSQL's, src/backend/utils/adt/jsonb_util.c):
 *   - an object's keys are unique (the last duplicate wins) and sorted by UTF-8 length, then bytes;
 *     that is also the output order;
 *   - numbers are numeric with their display scale (`1.50` stays `1.50`; `-0` is `0`);
 *   - order: Object > Array > Boolean > Number > String > Null; containers by size first, then
 *     member by member (objects: key 1, value 1, key 2, …). A top-level scalar is a one-element
 *     "raw scalar" array inside PostgreSQL, and compareJsonbContainers lets the element count
 *     override the raw-scalar test (bug #17939, kept for on-disk compatibility): so `1` > `[]`
 *     but `1` < `[5]`. Reproduced here.
 *   - strings compare by code point (the database's default collation must be C: XXX other
 *     collations order jsonb strings by the locale in PostgreSQL).
 */
import { JSON_NULL, PgDecimal, type JsonArray, type JsonNode, type JsonObject, type NumericValue } from './datum.js';

const ZERO = new PgDecimal(0);

/** A JSON number's text as numeric: numeric_in's display scale (fraction digits minus exponent). */
export function numericFromJson(text: string): NumericValue {
  let d = new PgDecimal(text);
  if (d.isZero()) d = ZERO;
  let frac = 0;
  const dot = text.indexOf('.');
  let e = text.indexOf('e');
  if (e < 0) e = text.indexOf('E');
  const mantEnd = e < 0 ? text.length : e;
  if (dot >= 0) frac = mantEnd - dot - 1;
  const exp = e < 0 ? 0 : parseInt(text.slice(e + 1), 10);
  return { d, dscale: Math.max(0, frac - exp) };
}

export function numericText(n: NumericValue): string {
  if (n.d.isNaN()) return 'NaN';
  if (!n.d.isFinite()) return n.d.isNeg() ? '-Infinity' : 'Infinity';
  return n.d.toFixed(n.dscale);
}

export function isNumeric(v: unknown): v is NumericValue {
  return typeof v === 'object' && v !== null && (v as { d?: unknown }).d instanceof PgDecimal;
}

export function isJsonArray(v: JsonNode): v is JsonArray {
  return typeof v === 'object' && (v as JsonArray).kind === 'array';
}

export function isJsonObject(v: JsonNode): v is JsonObject {
  return typeof v === 'object' && (v as JsonObject).kind === 'object';
}

/** UTF-8 byte length. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      // a surrogate pair: 4 bytes for its 2 units
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

/** Code point (= UTF-8 byte) order of two JS strings, which compare by UTF-16 unit otherwise. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** jsonb's storage order of keys: shorter (in bytes) first, then bytewise. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const la = utf8Length(a);
  const lb = utf8Length(b);
  return la !== lb ? la - lb : compareCodePoints(a, b);
}

/** An object from keys/values in input order: sorted into storage order, last duplicate wins. */
export function makeJsonObject(keys: readonly string[], values: readonly JsonNode[]): JsonObject {
  const n = keys.length;
  if (n <= 1) return { kind: 'object', keys, values };
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (compareKeys(keys[i - 1]!, keys[i]!) >= 0) {
      sorted = false;
      break;
    }
  }
  if (sorted) return { kind: 'object', keys, values };
  const idx = Array.from({ length: n }, (_, i) => i);
  // Stable on ties, so among duplicates the last in input order comes last and is kept.
  idx.sort((i, j) => compareKeys(keys[i]!, keys[j]!) || i - j);
  const ks: string[] = [];
  const vs: JsonNode[] = [];
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (k + 1 < n && keys[idx[k + 1]!] === keys[i]) continue;
    ks.push(keys[i]!);
    vs.push(values[i]!);
  }
  return { kind: 'object', keys: ks, values: vs };
}

/** Index of key in an object (binary search over storage order), -1 when absent. */
export function objectFind(o: JsonObject, key: string): number {
  const keys = o.keys;
  if (keys.length < 8) return keys.indexOf(key);
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** escape_json(): a JSON string literal as PostgreSQL writes it (non-ASCII kept). */
export function quoteJson(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 34 && c !== 92) continue;
    out += s.slice(chunk, i);
    chunk = i + 1;
    switch (c) {
      case 34:
        out += '\\"';
        break;
      case 92:
        out += '\\\\';
        break;
      case 8:
        out += '\\b';
        break;
      case 12:
        out += '\\f';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      default:
        out += '\\u' + c.toString(16).padStart(4, '0');
    }
  }
  return out + s.slice(chunk) + '"';
}

/** jsonb_out: `{"a": 1, "b": [1, 2]}`. */
export function jsonbText(v: JsonNode): string {
  if (v === JSON_NULL) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteJson(v);
  if (isJsonArray(v)) {
    let out = '[';
    const items = v.items;
    for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ', ') + jsonbText(items[i]!);
    return out + ']';
  }
  if (isJsonObject(v)) {
    let out = '{';
    for (let i = 0; i < v.keys.length; i++) out += (i === 0 ? '' : ', ') + quoteJson(v.keys[i]!) + ': ' + jsonbText(v.values[i]!);
    return out + '}';
  }
  return numericText(v);
}

/** jsonb's type rank in its btree order (jbvNull < jbvString < jbvNumeric < jbvBool < array < object). */
export function jsonRank(v: JsonNode): number {
  if (v === JSON_NULL) return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 3;
  return isJsonArray(v) ? 4 : isJsonObject(v) ? 5 : 2;
}

function compareInner(a: JsonNode, b: JsonNode): number {
  const ra = jsonRank(a);
  const rb = jsonRank(b);
  if (ra !== rb) return ra > rb ? 1 : -1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Math.sign(compareCodePoints(a as string, b as string));
    case 2:
      return (a as NumericValue).d.cmp((b as NumericValue).d);
    case 3:
      return a === b ? 0 : a ? 1 : -1;
    case 4: {
      const x = (a as JsonArray).items;
      const y = (b as JsonArray).items;
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
      for (let i = 0; i < x.length; i++) {
        const c = compareInner(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: {
      const x = a as JsonObject;
      const y = b as JsonObject;
      if (x.keys.length !== y.keys.length) return x.keys.length > y.keys.length ? 1 : -1;
      for (let i = 0; i < x.keys.length; i++) {
        const k = Math.sign(compareCodePoints(x.keys[i]!, y.keys[i]!));
        if (k !== 0) return k;
        const c = compareInner(x.values[i]!, y.values[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

/** jsonb btree order (jsonb_cmp) of two top-level values. */
export function compareJsonb(a: JsonNode, b: JsonNode): number {
  const sa = jsonRank(a) < 4;
  const sb = jsonRank(b) < 4;
  if (sa !== sb && (sa ? isJsonArray(b) : isJsonArray(a))) {
    // raw scalar vs real array: the element counts decide when they differ, else the scalar is less.
    const na = sa ? 1 : (a as JsonArray).items.length;
    const nb = sb ? 1 : (b as JsonArray).items.length;
    if (na !== nb) return na > nb ? 1 : -1;
    return sa ? -1 : 1;
  }
  return compareInner(a, b);
}

/** A text equal for jsonb values equal by compareJsonb (numbers normalised: 1.0 = 1). */
export function jsonbHashKey(v: JsonNode): string {
  if (v === JSON_NULL) return 'n';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'string') return quoteJson(v);
  if (isJsonArray(v)) return '[' + v.items.map(jsonbHashKey).join(',') + ']';
  if (isJsonObject(v)) return '{' + v.keys.map((k, i) => quoteJson(k) + ':' + jsonbHashKey(v.values[i]!)).join(',') + '}';
  return v.d.toString();
}

/** JSON equality (jsonb =). */
export function jsonbEquals(a: JsonNode, b: JsonNode): boolean {
  return compareJsonb(a, b) === 0;
}
