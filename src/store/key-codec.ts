/*-------------------------------------------------------------------------
 *
 * key-codec.ts
 *		Order-preserving byte encodings of primary-key values.
 *
 * pgoutput sends every column as the type's text output (UTF-8 bytes). The store keeps rows in a
 * RadixTree ordered by unsigned byte order (memcmp), so a primary key must be turned into bytes
 * whose byte order is PostgreSQL's order for the column: then `ORDER BY pk`, `pk BETWEEN`,
 * `pk > $1 LIMIT n` and `LIKE 'p%'` are tree walks. A composite key is the concatenation of its
 * columns' encodings; that is correct because every encoding below is prefix-free (no encoding is
 * a proper prefix of another), so the first column decides unless equal, and so on.
 *
 * Encodings (the sidecar's server session runs with TimeZone UTC and DateStyle ISO):
 *   bool                 1 byte: f = 0, t = 1
 *   int2, int4, int8     2/4/8 bytes big-endian with the sign bit flipped (fixed width)
 *   oid                  4 bytes big-endian (oids compare unsigned)
 *   float4, float8       8 bytes: IEEE bits, sign bit flipped for positives, all bits for
 *                        negatives; -0 is 0 and every NaN is one NaN, after +Infinity, as in PG
 *   numeric              tag (-Inf 0, negative 1, zero 2, positive 3, +Inf 4, NaN 5), then for
 *                        non-zero finite values a 3-byte exponent (decimal point position) and the
 *                        significant digits two per byte (1 + 10·d1 + d2), ended by 0x00; for
 *                        negatives the exponent and digit bytes are inverted and the end is 0xFF.
 *                        Leading and trailing zeros are dropped, so values PG calls equal (1.50
 *                        and 1.5, -0 and 0) get the SAME encoding (and a numeric primary key can
 *                        hold only one of them anyway).
 *   text, varchar, name  the UTF-8 bytes, 0x00 escaped as 00 FF, ended by 00 00
 *   bpchar               as text after dropping trailing spaces (bpchar comparison ignores them)
 *   bytea                the `\x…` hex (or legacy escape format) decoded to raw bytes, then as text
 *   uuid                 the 16 raw bytes
 *   date                 4 bytes: Julian day + 1, big-endian; -infinity = 0, infinity = all 1s
 *   timestamp(tz)        8 bytes: UTC seconds since Julian day 0 (44 bits) and microseconds
 *                        (20 bits), + 1, big-endian; -infinity = 0, infinity = all 1s. A
 *                        timestamptz is converted to UTC from whatever offset it carries.
 *   anything else        the text output escaped and ended like text; isOrderedKeyType() = false
 *
 * The ordering `ORDER BY pk` in the sidecar therefore has: PostgreSQL's own order for every type
 * above, except text types, which sort by bytes, i.e. as `COLLATE "C"` (UTF-8 byte order is
 * code point order). A primary on a linguistic collation (en_US, ICU…) sorts text differently:
 * case and accents weigh less, punctuation is mostly ignored ('a-b' vs 'ab', 'B' vs 'a'). Keys
 * are still found exactly; only the order of text keys differs, and the sidecar reports it as C.
 * For the fallback types the order is that of their text, which is not PG's (intervals, arrays…).
 *
 * Speed: this runs for every row in the apply loop. Encoders write into one growing module-level
 * buffer and the result is a single copy of it; integers are parsed by hand, no regexes, no
 * strings, no BigInt; only floats go through a string (Number() is the exact parser). About
 * 80 ns for an int8, 120 ns for a 30-byte text, 190 ns for a timestamptz on the 2-core CI box.
 *
 * Interface
 * ---------
 * encodeKey(typeOids, texts)          composite key: the concatenated column encodings
 * encodeKeyPrefix(typeOid, prefix)    encoding of LIKE 'prefix%' for a text-like first column
 * isOrderedKeyType(typeOid)           whether the encoding keeps PostgreSQL's order
 *
 * The date and timestamp text readers live in key-datetime.ts.
 *
 *-------------------------------------------------------------------------
 */

import { Oid } from '../pg/types.js';
import { copyOut } from './art-slab.js';
import { bad, dateKeyWord, isWord, timestampKeyWords, tsWords } from './key-datetime.js';

/** Types with an order-preserving encoding (isOrderedKeyType). */
const ORDERED = new Set<number>([
  Oid.bool, Oid.bytea, Oid.name, Oid.int8, Oid.int2, Oid.int4, Oid.text, Oid.oid, Oid.float4, Oid.float8,
  Oid.bpchar, Oid.varchar, Oid.date, Oid.timestamp, Oid.timestamptz, Oid.numeric, Oid.uuid,
]);

export function isOrderedKeyType(typeOid: number): boolean {
  return ORDERED.has(typeOid);
}

let out = new Uint8Array(256);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= out.length) return;
  let size = out.length * 2;
  while (size < pos + n) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(out.subarray(0, pos));
  out = grown;
}

export function encodeKey(typeOids: readonly number[], texts: readonly Uint8Array[]): Uint8Array {
  if (typeOids.length !== texts.length) {
    throw new RangeError(`encodeKey: ${typeOids.length} key types but ${texts.length} values`);
  }
  pos = 0;
  for (let i = 0; i < typeOids.length; i++) encodeColumn(typeOids[i]!, texts[i]!);
  return result();
}

/**
 * The encoded bytes as a fresh array. Up to 64 bytes V8 keeps a typed array on its heap and
 * slice() is cheap; past that it mallocs a backing store (~400 ns), so longer keys are carved
 * from the shared copy-out pages instead (see art-slab.ts: a kept key pins at most one page).
 */
function result(): Uint8Array {
  return pos <= 64 ? out.slice(0, pos) : copyOut(out, 0, pos);
}

/**
 * The bytes every key whose first column starts with textPrefix begins with (no terminator), for
 * prefix iteration. Text types take the prefix as text; bytea takes it in the column's text form
 * (`\x…`, whole bytes). Types with an unordered fallback encoding take it as text too (a LIKE on
 * their text output). Other ordered types have no byte prefix matching a text prefix: RangeError.
 */
export function encodeKeyPrefix(typeOid: number, textPrefix: Uint8Array): Uint8Array {
  pos = 0;
  switch (typeOid) {
    case Oid.text:
    case Oid.varchar:
    case Oid.bpchar:
    case Oid.name:
      writeEscaped(textPrefix, 0, textPrefix.length);
      break;
    case Oid.bytea:
      writeBytea(textPrefix, false);
      break;
    default:
      if (ORDERED.has(typeOid)) throw new RangeError(`encodeKeyPrefix: type ${typeOid} has no prefix encoding`);
      writeEscaped(textPrefix, 0, textPrefix.length);
  }
  return result();
}

function encodeColumn(oid: number, t: Uint8Array): void {
  switch (oid) {
    case Oid.int8:
      writeInt8(t);
      return;
    case Oid.int4: {
      const v = parseSmallInt(t, -2147483648, 2147483647, oid);
      ensure(4);
      writeU32((v ^ 0x80000000) >>> 0);
      return;
    }
    case Oid.int2: {
      const v = parseSmallInt(t, -32768, 32767, oid) + 32768;
      ensure(2);
      out[pos++] = v >>> 8;
      out[pos++] = v & 0xff;
      return;
    }
    case Oid.oid: {
      ensure(4);
      writeU32(parseSmallInt(t, 0, 4294967295, oid));
      return;
    }
    case Oid.text:
    case Oid.varchar:
    case Oid.name:
      writeEscaped(t, 0, t.length);
      writeTerminator();
      return;
    case Oid.bpchar: {
      let end = t.length;
      while (end > 0 && t[end - 1] === 0x20) end--;
      writeEscaped(t, 0, end);
      writeTerminator();
      return;
    }
    case Oid.bytea:
      writeBytea(t, true);
      return;
    case Oid.uuid:
      writeUuid(t);
      return;
    case Oid.bool:
      if (t.length === 0 || (t[0] !== 0x74 && t[0] !== 0x66)) throw bad(oid, t);
      ensure(1);
      out[pos++] = t[0] === 0x74 ? 1 : 0;
      return;
    case Oid.numeric:
      writeNumeric(t);
      return;
    case Oid.date:
      ensure(4);
      writeU32(dateKeyWord(t));
      return;
    case Oid.timestamp:
      writeTimestamp(t, false);
      return;
    case Oid.timestamptz:
      writeTimestamp(t, true);
      return;
    case Oid.float4:
    case Oid.float8:
      writeFloat(t, oid === Oid.float4);
      return;
    default:
      writeEscaped(t, 0, t.length);
      writeTerminator();
  }
}

function writeU32(v: number): void {
  out[pos++] = v >>> 24;
  out[pos++] = (v >>> 16) & 0xff;
  out[pos++] = (v >>> 8) & 0xff;
  out[pos++] = v & 0xff;
}

// --- text ----------------------------------------------------------------------------------------

function writeEscaped(t: Uint8Array, from: number, to: number): void {
  ensure((to - from) * 2 + 2);
  const o = out;
  let p = pos;
  // Text never holds 0x00 (only bytea can): past a few bytes a native scan and copy beat the loop.
  if (to - from > 16) {
    const z = t.indexOf(0, from);
    if (z < 0 || z >= to) {
      o.set(from === 0 && to === t.length ? t : t.subarray(from, to), p);
      pos = p + (to - from);
      return;
    }
  }
  for (let i = from; i < to; i++) {
    const b = t[i]!;
    o[p++] = b;
    if (b === 0) o[p++] = 0xff;
  }
  pos = p;
}

function writeTerminator(): void {
  ensure(2);
  out[pos++] = 0;
  out[pos++] = 0;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x61 + i] = 10 + i;
  HEX[0x41 + i] = 10 + i;
}

/** bytea text → raw bytes, escaped (and terminated unless encoding a prefix). */
function writeBytea(t: Uint8Array, terminate: boolean): void {
  const len = t.length;
  ensure(len + 2);
  if (len >= 2 && t[0] === 0x5c && t[1] === 0x78) {
    // Hex format: \x then two hex digits per byte.
    if ((len & 1) !== 0) throw bad(Oid.bytea, t);
    for (let i = 2; i < len; i += 2) {
      const h = HEX[t[i]!]!;
      const l = HEX[t[i + 1]!]!;
      if (h < 0 || l < 0) throw bad(Oid.bytea, t);
      const b = (h << 4) | l;
      out[pos++] = b;
      if (b === 0) out[pos++] = 0xff;
    }
  } else {
    // Escape format (bytea_output = escape): \\ is a backslash, \ooo an octal byte.
    for (let i = 0; i < len; ) {
      let b = t[i]!;
      if (b === 0x5c) {
        if (t[i + 1] === 0x5c) {
          i += 2;
        } else {
          const d0 = t[i + 1]! - 0x30;
          const d1 = t[i + 2]! - 0x30;
          const d2 = t[i + 3]! - 0x30;
          if (!(d0 >= 0 && d0 <= 3 && d1 >= 0 && d1 <= 7 && d2 >= 0 && d2 <= 7)) throw bad(Oid.bytea, t);
          b = d0 * 64 + d1 * 8 + d2;
          i += 4;
        }
      } else {
        i++;
      }
      out[pos++] = b;
      if (b === 0) out[pos++] = 0xff;
    }
  }
  if (terminate) writeTerminator();
}

function writeUuid(t: Uint8Array): void {
  ensure(16);
  let nibbles = 0;
  let hi = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === 0x2d) continue;
    const v = HEX[c]!;
    if (v < 0 || nibbles === 32) throw bad(Oid.uuid, t);
    if ((nibbles & 1) === 0) hi = v;
    else out[pos++] = (hi << 4) | v;
    nibbles++;
  }
  if (nibbles !== 32) throw bad(Oid.uuid, t);
}

// --- integers ------------------------------------------------------------------------------------

function parseSmallInt(t: Uint8Array, min: number, max: number, oid: number): number {
  const len = t.length;
  let i = 0;
  let neg = false;
  if (len > 0 && (t[0] === 0x2d || t[0] === 0x2b)) {
    neg = t[0] === 0x2d;
    i = 1;
  }
  if (i === len || len - i > 10) throw bad(oid, t);
  let v = 0;
  for (; i < len; i++) {
    const d = t[i]! - 0x30;
    if (d < 0 || d > 9) throw bad(oid, t);
    v = v * 10 + d;
  }
  if (neg) v = -v;
  if (v < min || v > max) throw bad(oid, t);
  return v;
}

function writeInt8(t: Uint8Array): void {
  const len = t.length;
  let i = 0;
  let neg = false;
  if (len > 0 && (t[0] === 0x2d || t[0] === 0x2b)) {
    neg = t[0] === 0x2d;
    i = 1;
  }
  if (i === len || len - i > 19) throw bad(Oid.int8, t);
  let hi: number;
  let lo: number;
  if (len - i <= 15) {
    // Exact in a double: split the two's complement halves arithmetically.
    let v = 0;
    for (; i < len; i++) {
      const d = t[i]! - 0x30;
      if (d < 0 || d > 9) throw bad(Oid.int8, t);
      v = v * 10 + d;
    }
    if (neg) v = -v;
    hi = Math.floor(v / 4294967296) | 0;
    lo = v >>> 0;
  } else {
    // 16–19 digits: long multiplication in two 32-bit halves (no BigInt on the hot path).
    hi = 0;
    lo = 0;
    for (; i < len; i++) {
      const d = t[i]! - 0x30;
      if (d < 0 || d > 9) throw bad(Oid.int8, t);
      const l = lo * 10 + d;
      const carry = Math.floor(l / 4294967296);
      lo = l - carry * 4294967296;
      hi = hi * 10 + carry;
    }
    if (hi > (neg ? 0x80000000 : 0x7fffffff) || (neg && hi === 0x80000000 && lo !== 0)) throw bad(Oid.int8, t);
    if (neg) {
      if (lo === 0) {
        hi = -hi | 0;
      } else {
        lo = 4294967296 - lo;
        hi = ~hi;
      }
    }
    hi |= 0;
  }
  ensure(8);
  writeU32((hi ^ 0x80000000) >>> 0);
  writeU32(lo >>> 0);
}

// --- floats --------------------------------------------------------------------------------------

const f64 = new DataView(new ArrayBuffer(8));

function writeFloat(t: Uint8Array, single: boolean): void {
  if (t.length === 0) throw bad(single ? Oid.float4 : Oid.float8, t);
  let v = Number(String.fromCharCode.apply(null, t as unknown as number[]));
  if (Number.isNaN(v)) {
    // "NaN" is the only text that should get here; anything else is malformed.
    if (!(t.length === 3 && t[0] === 0x4e && t[1] === 0x61 && t[2] === 0x4e)) throw bad(single ? Oid.float4 : Oid.float8, t);
    v = NaN;
  }
  if (single) v = Math.fround(v);
  if (v === 0) v = 0; // -0 sorts with 0 in PG
  f64.setFloat64(0, v); // canonical NaN when v is NaN
  let hi = f64.getUint32(0);
  let lo = f64.getUint32(4);
  if (hi >>> 31 !== 0) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  ensure(8);
  writeU32(hi);
  writeU32(lo);
}

// --- numeric -------------------------------------------------------------------------------------

const NUMERIC_NEG_INF = 0;
const NUMERIC_NEG = 1;
const NUMERIC_ZERO = 2;
const NUMERIC_POS = 3;
const NUMERIC_POS_INF = 4;
const NUMERIC_NAN = 5;
const EXPONENT_BIAS = 0x800000;

function writeNumeric(t: Uint8Array): void {
  const len = t.length;
  let i = 0;
  let neg = false;
  if (len > 0 && (t[0] === 0x2d || t[0] === 0x2b)) {
    neg = t[0] === 0x2d;
    i = 1;
  }
  ensure(1);
  const c0 = t[i];
  if (c0 === 0x4e /* N */) {
    if (!isWord(t, i, 'NaN')) throw bad(Oid.numeric, t);
    out[pos++] = NUMERIC_NAN;
    return;
  }
  if (c0 === 0x49 /* I */) {
    if (!isWord(t, i, 'Infinity')) throw bad(Oid.numeric, t);
    out[pos++] = neg ? NUMERIC_NEG_INF : NUMERIC_POS_INF;
    return;
  }
  // Integer part [intStart, intEnd), fraction [fracStart, len) when there is a point.
  const intStart = i;
  while (i < len && t[i]! >= 0x30 && t[i]! <= 0x39) i++;
  const intEnd = i;
  let fracStart = len;
  if (i < len) {
    if (t[i] !== 0x2e) throw bad(Oid.numeric, t);
    fracStart = ++i;
    while (i < len && t[i]! >= 0x30 && t[i]! <= 0x39) i++;
    if (i !== len) throw bad(Oid.numeric, t);
  }
  if (intEnd === intStart && fracStart >= len) throw bad(Oid.numeric, t);
  // First significant digit, and the exponent: value = 0.DDD × 10^exponent.
  let first = intStart;
  while (first < intEnd && t[first] === 0x30) first++;
  let exponent: number;
  if (first < intEnd) {
    exponent = intEnd - first;
  } else {
    first = fracStart;
    while (first < len && t[first] === 0x30) first++;
    if (first >= len) {
      out[pos++] = NUMERIC_ZERO;
      return;
    }
    exponent = -(first - fracStart);
  }
  // Last significant digit (trailing zeros do not change the value).
  let last = len - 1;
  while (t[last] === 0x30 || t[last] === 0x2e) last--;
  const digitsMax = last - first + 1;
  ensure(4 + ((digitsMax + 1) >>> 1) + 1);
  const e = exponent + EXPONENT_BIAS;
  const flip = neg ? 0xff : 0;
  out[pos++] = neg ? NUMERIC_NEG : NUMERIC_POS;
  out[pos++] = ((e >>> 16) & 0xff) ^ flip;
  out[pos++] = ((e >>> 8) & 0xff) ^ flip;
  out[pos++] = (e & 0xff) ^ flip;
  let half = -1;
  for (let j = first; j <= last; j++) {
    const c = t[j]!;
    if (c === 0x2e) continue;
    const d = c - 0x30;
    if (half < 0) {
      half = d;
    } else {
      out[pos++] = (1 + half * 10 + d) ^ flip;
      half = -1;
    }
  }
  if (half >= 0) out[pos++] = (1 + half * 10) ^ flip;
  out[pos++] = flip;
}

// --- dates and times (text readers in key-datetime.ts) -------------------------------------------

function writeTimestamp(t: Uint8Array, withZone: boolean): void {
  ensure(8);
  timestampKeyWords(t, withZone);
  writeU32(tsWords.hi);
  writeU32(tsWords.lo);
}
