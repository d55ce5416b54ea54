/*
 * binary-format.ts — the binary wire format of the types memstore converts, in both directions.
 *
 * What for: rows are stored and handed over in text form (the form pgoutput sends them in). A
 * client may ask, per column, for binary results, and may send parameters in binary. This file
 * converts a column's text bytes into PostgreSQL's binary send format, and a binary parameter into
 * the text PostgreSQL's output function would print, for:
 *   bool int2 int4 int8 oid float4 float8 bytea text varchar bpchar name uuid date timestamp
 *   timestamptz jsonb, and (results only, binary-send.ts) numeric interval time timetz json "char"
 *   and arrays of any of these
 * Any other type stays text-only: binary for it is refused with 0A000 when the portal is bound.
 * The text a binary column is made from is canonical (ExecContext.resultFormats), so the session's
 * DateStyle, IntervalStyle or extra_float_digits never change a binary value.
 *
 * Against the alternative (store binary too, or parse into JS values and re-encode through a
 * general type library): no second copy of the data, no per-value objects; a text client pays
 * nothing. Cost: a binary client pays one parse per value.
 *
 * Left out, on purpose: DateStyle other than ISO on the text side (the source emits ISO), bytea
 * `escape` output is read but never produced, numeric/interval/arrays/json (text only). XXX date and
 * timestamp text with years beyond 9999 parse fine; PostgreSQL's "infinity" forms map to the
 * int32/int64 sentinels as PostgreSQL does.
 *
 * Interface:
 *   TypeOid                           the OIDs above
 *   hasBinaryFormat(oid)              true when binary results/parameters are supported
 *   makeRowEncoder(fields, formats)   null when all columns are text; else rewrites text DataRows
 *   RowEncoder.write(out, body)       one DataRow with the binary columns converted
 *   binaryParamToText(oid, bytes, i)  a binary Bind parameter as text (08P01/22P03/22008/0A000)
 */
import { SqlError } from '../errors.js';
import { civilFromDays, daysFromCivil, formatTimestamp, pad2, PG_EPOCH_DAYS, US_PER_DAY } from '../pg/time.js';
import { elementTypeOf, Oid } from '../pg/types.js';
import { arrayEncoder, arrayReceiveText, receiveText, SEND_ENCODERS, type ColumnEncoder } from './binary-send.js';
import type { FieldDescription } from './engine.js';
import { Backend } from './messages.js';
import type { MessageWriter } from './message-writer.js';
import { decodeUtf8, protocolViolation } from './message-reader.js';
import { SQLSTATE } from './sqlstate.js';

/** Type OIDs by name: the project's one table (src/pg/types.ts), under the name pgwire uses. */
export const TypeOid = Oid;


const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** PostgreSQL's valid ranges (datatype/timestamp.h): 4714-11-24 BC up to the ends below. */
const DATE_MIN = -2_451_545;
const DATE_END = 2_145_031_949;
const TIMESTAMP_MIN = -211_813_488_000_000_000n;
const TIMESTAMP_END = 9_223_371_331_200_000_000n;

// --- text → binary (results) ----------------------------------------------------------------------

function badText(type: string, text: Buffer, start: number, end: number): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, `invalid input syntax for type ${type}: "${text.toString('utf8', start, end)}"`);
}

/** Parses a decimal integer of at most 15 digits from bytes (the int2/int4/oid path). */
function parseSmallInt(text: Buffer, start: number, end: number, type: string): number {
  let i = start;
  let neg = false;
  if (text[i] === 0x2d /* - */) {
    neg = true;
    i++;
  }
  if (i >= end || end - i > 15) throw badText(type, text, start, end);
  let v = 0;
  for (; i < end; i++) {
    const d = text[i]! - 0x30;
    if (d < 0 || d > 9) throw badText(type, text, start, end);
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function writeInt64Number(out: MessageWriter, v: number): void {
  const hi = Math.floor(v / 4294967296);
  out.int32(hi);
  out.uint32(v - hi * 4294967296);
}

const encodeInt2: ColumnEncoder = (out, t, s, e) => {
  const v = parseSmallInt(t, s, e, 'smallint');
  if (v < -32768 || v > 32767) throw badText('smallint', t, s, e);
  out.int32(2);
  out.int16(v);
};

const encodeInt4: ColumnEncoder = (out, t, s, e) => {
  const v = parseSmallInt(t, s, e, 'integer');
  if (v < INT32_MIN || v > INT32_MAX) throw badText('integer', t, s, e);
  out.int32(4);
  out.int32(v);
};

const encodeOid: ColumnEncoder = (out, t, s, e) => {
  const v = parseSmallInt(t, s, e, 'oid');
  if (v < INT32_MIN || v > 4294967295) throw badText('oid', t, s, e);
  out.int32(4);
  out.uint32(v);
};

const encodeInt8: ColumnEncoder = (out, t, s, e) => {
  out.int32(8);
  if (e - s <= 15) {
    writeInt64Number(out, parseSmallInt(t, s, e, 'bigint'));
    return;
  }
  const str = t.toString('latin1', s, e);
  if (!/^-?\d+$/.test(str)) throw badText('bigint', t, s, e);
  const v = BigInt(str);
  if (v < INT64_MIN || v > INT64_MAX) throw badText('bigint', t, s, e);
  out.int64(v);
};

function parseFloatText(t: Buffer, s: number, e: number, type: string): number {
  const str = t.toString('latin1', s, e);
  const v = Number(str);
  if (Number.isNaN(v) && str !== 'NaN') throw badText(type, t, s, e);
  if (str.trim() === '') throw badText(type, t, s, e);
  return v;
}

const encodeFloat4: ColumnEncoder = (out, t, s, e) => {
  out.int32(4);
  out.float32(parseFloatText(t, s, e, 'real'));
};

const encodeFloat8: ColumnEncoder = (out, t, s, e) => {
  out.int32(8);
  out.float64(parseFloatText(t, s, e, 'double precision'));
};

const BOOL_WORDS: ReadonlyMap<string, number> = new Map([
  ['true', 1], ['yes', 1], ['on', 1], ['1', 1], ['false', 0], ['no', 0], ['off', 0], ['0', 0],
]);

const encodeBool: ColumnEncoder = (out, t, s, e) => {
  // PostgreSQL prints 't' / 'f'; the other spellings of boolin are accepted too.
  const c = e - s === 1 ? t[s] : -1;
  let v: number | undefined = c === 0x74 /* t */ ? 1 : c === 0x66 /* f */ ? 0 : undefined;
  v ??= BOOL_WORDS.get(t.toString('latin1', s, e).trim().toLowerCase());
  if (v === undefined) throw badText('boolean', t, s, e);
  out.int32(1);
  out.int8(v);
};

/** text, varchar, bpchar, name, unknown: the binary form is the UTF-8 bytes. */
const encodeTextLike: ColumnEncoder = (out, t, s, e) => {
  out.int32(e - s);
  out.bytes(t, s, e);
};

const encodeJsonb: ColumnEncoder = (out, t, s, e) => {
  out.int32(e - s + 1);
  out.int8(1);
  out.bytes(t, s, e);
};

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const encodeBytea: ColumnEncoder = (out, t, s, e) => {
  if (e - s >= 2 && t[s] === 0x5c && t[s + 1] === 0x78) {
    // hex format: \x0a1b...
    if ((e - s) % 2 !== 0) throw badText('bytea', t, s, e);
    const n = (e - s - 2) / 2;
    const bytes = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      const hi = hexValue(t[s + 2 + 2 * i]!);
      const lo = hexValue(t[s + 3 + 2 * i]!);
      if (hi < 0 || lo < 0) throw badText('bytea', t, s, e);
      bytes[i] = (hi << 4) | lo;
    }
    out.int32(n);
    out.bytes(bytes);
    return;
  }
  // escape format: \\ and \ooo; everything else is literal.
  const bytes: number[] = [];
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (c !== 0x5c) {
      bytes.push(c);
    } else if (i + 1 < e && t[i + 1] === 0x5c) {
      bytes.push(0x5c);
      i++;
    } else if (i + 3 < e) {
      const a = t[i + 1]! - 0x30;
      const b = t[i + 2]! - 0x30;
      const c2 = t[i + 3]! - 0x30;
      if (a < 0 || a > 3 || b < 0 || b > 7 || c2 < 0 || c2 > 7) throw badText('bytea', t, s, e);
      bytes.push(a * 64 + b * 8 + c2);
      i += 3;
    } else {
      throw badText('bytea', t, s, e);
    }
  }
  out.int32(bytes.length);
  out.bytes(Uint8Array.from(bytes));
};

const encodeUuid: ColumnEncoder = (out, t, s, e) => {
  const bytes = Buffer.allocUnsafe(16);
  let n = 0;
  let hi = -1;
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (c === 0x2d /* - */ || c === 0x7b /* { */ || c === 0x7d /* } */) continue;
    const v = hexValue(c);
    if (v < 0 || n >= 16) throw badText('uuid', t, s, e);
    if (hi < 0) hi = v;
    else {
      bytes[n++] = (hi << 4) | v;
      hi = -1;
    }
  }
  if (n !== 16 || hi >= 0) throw badText('uuid', t, s, e);
  out.int32(16);
  out.bytes(bytes);
};

const DATE_RE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIMESTAMP_RE = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::(\d\d)(?::(\d\d))?)?)?( BC)?$/;

function pgDays(yearText: string, month: string, day: string, bc: string | undefined): number {
  const y = Number(yearText);
  return daysFromCivil(bc === undefined ? y : 1 - y, Number(month), Number(day)) - PG_EPOCH_DAYS;
}

const encodeDate: ColumnEncoder = (out, t, s, e) => {
  const str = t.toString('latin1', s, e);
  out.int32(4);
  if (str === 'infinity') return out.int32(INT32_MAX);
  if (str === '-infinity') return out.int32(INT32_MIN);
  const m = DATE_RE.exec(str);
  if (m === null) throw badText('date', t, s, e);
  out.int32(pgDays(m[1]!, m[2]!, m[3]!, m[4]));
};

function encodeTimestampText(out: MessageWriter, t: Buffer, s: number, e: number, withZone: boolean): void {
  const type = withZone ? 'timestamp with time zone' : 'timestamp without time zone';
  const str = t.toString('latin1', s, e);
  out.int32(8);
  if (str === 'infinity') return out.int64(INT64_MAX);
  if (str === '-infinity') return out.int64(INT64_MIN);
  const m = TIMESTAMP_RE.exec(str);
  if (m === null || (m[8] !== undefined) !== withZone) throw badText(type, t, s, e);
  const days = pgDays(m[1]!, m[2]!, m[3]!, m[12]);
  let secs = Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  if (m[8] !== undefined) {
    const off = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    secs -= m[8] === '+' ? off : -off;
  }
  const frac = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  const rest = secs * 1_000_000 + frac;
  const us = days * US_PER_DAY + rest;
  if (Number.isSafeInteger(us)) writeInt64Number(out, us);
  else out.int64(BigInt(days) * BigInt(US_PER_DAY) + BigInt(rest));
}

const encodeTimestamp: ColumnEncoder = (out, t, s, e) => encodeTimestampText(out, t, s, e, false);
const encodeTimestamptz: ColumnEncoder = (out, t, s, e) => encodeTimestampText(out, t, s, e, true);

const ENCODERS: ReadonlyMap<number, ColumnEncoder> = new Map<number, ColumnEncoder>([
  [TypeOid.bool, encodeBool],
  [TypeOid.bytea, encodeBytea],
  [TypeOid.name, encodeTextLike],
  [TypeOid.int8, encodeInt8],
  [TypeOid.int2, encodeInt2],
  [TypeOid.int4, encodeInt4],
  [TypeOid.text, encodeTextLike],
  [TypeOid.oid, encodeOid],
  [TypeOid.unknown, encodeTextLike],
  [TypeOid.float4, encodeFloat4],
  [TypeOid.float8, encodeFloat8],
  [TypeOid.bpchar, encodeTextLike],
  [TypeOid.varchar, encodeTextLike],
  [TypeOid.date, encodeDate],
  [TypeOid.timestamp, encodeTimestamp],
  [TypeOid.timestamptz, encodeTimestamptz],
  [TypeOid.uuid, encodeUuid],
  [TypeOid.jsonb, encodeJsonb],
  ...SEND_ENCODERS,
]);

/** The encoder of a type: a scalar above, or an array of one (built once per array type). */
const arrayEncoders = new Map<number, ColumnEncoder | null>();
function encoderOf(typeOid: number): ColumnEncoder | undefined {
  const scalar = ENCODERS.get(typeOid);
  if (scalar !== undefined) return scalar;
  let a = arrayEncoders.get(typeOid);
  if (a === undefined) {
    const elem = elementTypeOf(typeOid);
    const enc = elem === 0 ? undefined : ENCODERS.get(elem);
    a = enc === undefined ? null : arrayEncoder(elem, enc);
    arrayEncoders.set(typeOid, a);
  }
  return a ?? undefined;
}

export function hasBinaryFormat(typeOid: number): boolean {
  return encoderOf(typeOid) !== undefined;
}

export interface RowEncoder {
  /** Writes one DataRow ('D'), converting the binary columns of a text DataRow body. */
  write(out: MessageWriter, body: Uint8Array): void;
}

/**
 * Returns an encoder for the result formats of a portal, or null when every column is text (the
 * DataRow bodies then go out as they are). Throws 0A000 for binary on a type without support.
 */
export function makeRowEncoder(fields: readonly FieldDescription[], formats: Uint8Array | null, alias?: (typeOid: number) => number | undefined): RowEncoder | null {
  if (formats === null) return null;
  const encoders: (ColumnEncoder | null)[] = [];
  let any = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (formats[i] !== 1) {
      encoders.push(null);
      continue;
    }
    let enc = encoderOf(f.typeOid);
    if (enc === undefined && alias !== undefined) {
      const other = alias(f.typeOid);
      if (other !== undefined) enc = encoderOf(other);
    }
    if (enc === undefined) {
      throw new SqlError(SQLSTATE.feature_not_supported, `binary output format is not supported for type ${f.typeOid} of column "${f.name}"`, {
        hint: 'Request text format for this column; memstore sends binary for bool, "char", int2/4/8, oid, float4/8, numeric, bytea, text types, json(b), uuid, date, time(tz), timestamp(tz), interval and arrays of these.',
      });
    }
    encoders.push(enc);
    any = true;
  }
  if (!any) return null;
  return {
    write(out, body) {
      const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const n = b.readInt16BE(0);
      if (n !== encoders.length) {
        throw new Error(`engine produced a DataRow with ${n} columns for a RowDescription of ${encoders.length}`);
      }
      out.begin(Backend.DataRow);
      out.int16(n);
      let p = 2;
      for (let i = 0; i < n; i++) {
        const len = b.readInt32BE(p);
        p += 4;
        if (len < 0) {
          out.int32(-1);
          continue;
        }
        const enc = encoders[i];
        if (enc === null || enc === undefined) {
          out.int32(len);
          out.bytes(b, p, p + len);
        } else {
          enc(out, b, p, p + len);
        }
        p += len;
      }
      out.end();
    },
  };
}

// --- binary → text (parameters) -----------------------------------------------------------------


function formatDate(pgDays: number): string {
  const [y, m, d] = civilFromDays(pgDays + PG_EPOCH_DAYS);
  const bc = y <= 0;
  const year = String(bc ? 1 - y : y).padStart(4, '0');
  return `${year}-${pad2(m)}-${pad2(d)}${bc ? ' BC' : ''}`;
}

/** Shortest text that reads back as the same float4 (PostgreSQL's float4out with extra_float_digits=1). */
function float4Text(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function float8Text(v: number): string {
  if (v === 0 && Object.is(v, -0)) return '-0';
  return String(v);
}

const HEX = '0123456789abcdef';

function hex(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/** Bytes each fixed-width binary parameter must have. */
const FIXED_LENGTH: ReadonlyMap<number, number> = new Map([
  [TypeOid.bool, 1],
  [TypeOid.int2, 2],
  [TypeOid.int4, 4],
  [TypeOid.oid, 4],
  [TypeOid.float4, 4],
  [TypeOid.date, 4],
  [TypeOid.int8, 8],
  [TypeOid.float8, 8],
  [TypeOid.timestamp, 8],
  [TypeOid.timestamptz, 8],
  [TypeOid.uuid, 16],
]);

/**
 * Converts a binary Bind parameter (index i, 0-based) of the given type to the text PostgreSQL
 * would print for it. Too few bytes: 08P01 "insufficient data left in message"; too many: 22P03
 * "incorrect binary data format in bind parameter N" — both as PostgreSQL's receive functions
 * report them. Type 0 (unspecified) and the text types read the bytes as UTF-8 text, like
 * PostgreSQL's unknown/text receive functions.
 */
export function binaryParamToText(typeOid: number, b: Buffer, i: number, alias?: (typeOid: number) => number | undefined): string {
  if (typeOid >= 16384 && alias !== undefined) {
    const other = alias(typeOid);
    if (other !== undefined) typeOid = other;
  }
  const fixed = FIXED_LENGTH.get(typeOid);
  if (fixed !== undefined) {
    if (b.length < fixed) throw protocolViolation('insufficient data left in message', false);
    if (b.length > fixed) {
      throw new SqlError(SQLSTATE.invalid_binary_representation, `incorrect binary data format in bind parameter ${i + 1}`);
    }
  }
  switch (typeOid) {
    case TypeOid.bool:
      return b[0] !== 0 ? 't' : 'f';
    case TypeOid.int2:
      return String(b.readInt16BE(0));
    case TypeOid.int4:
      return String(b.readInt32BE(0));
    case TypeOid.oid:
      return String(b.readUInt32BE(0));
    case TypeOid.int8:
      return String(b.readBigInt64BE(0));
    case TypeOid.float4:
      return float4Text(b.readFloatBE(0));
    case TypeOid.float8:
      return float8Text(b.readDoubleBE(0));
    case TypeOid.date: {
      const d = b.readInt32BE(0);
      if (d === INT32_MAX) return 'infinity';
      if (d === INT32_MIN) return '-infinity';
      if (d < DATE_MIN || d >= DATE_END) throw new SqlError(SQLSTATE.datetime_field_overflow, 'date out of range');
      return formatDate(d);
    }
    case TypeOid.timestamp:
    case TypeOid.timestamptz: {
      const us = b.readBigInt64BE(0);
      if (us === INT64_MAX) return 'infinity';
      if (us === INT64_MIN) return '-infinity';
      if (us < TIMESTAMP_MIN || us >= TIMESTAMP_END) throw new SqlError(SQLSTATE.datetime_field_overflow, 'timestamp out of range');
      return formatTimestamp(us, typeOid === TypeOid.timestamptz);
    }
    case TypeOid.uuid: {
      const h = hex(b);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case TypeOid.bytea:
      return '\\x' + hex(b);
    case TypeOid.jsonb: {
      if (b.length < 1) throw protocolViolation('insufficient data left in message', false);
      if (b[0] !== 1) throw new SqlError(SQLSTATE.invalid_binary_representation, `unsupported jsonb version number ${b[0]}`);
      return decodeUtf8(b, 1, b.length);
    }
    case 0:
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
    case TypeOid.name:
    case TypeOid.unknown:
      return decodeUtf8(b, 0, b.length);
    default: {
      const other = receiveText(typeOid, b);
      if (other !== undefined) return other;
      const elem = elementTypeOf(typeOid);
      if (elem !== 0 && (FIXED_LENGTH.has(elem) || receivable(elem) || elem === TypeOid.jsonb)) {
        return arrayReceiveText(elem, b, (e, v) => binaryParamToText(e, v, i));
      }
      throw new SqlError(SQLSTATE.feature_not_supported, `binary format is not supported for parameter $${i + 1} of type ${typeOid}`, {
        hint: 'Send this parameter in text format.',
      });
    }
  }
}

/** Element types whose binary parameters arrays may hold. */
function receivable(oid: number): boolean {
  switch (oid) {
    case TypeOid.bytea:
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.bpchar:
    case TypeOid.name:
    case 1700:
    case 1186:
    case 1083:
    case 1266:
    case 114:
    case 18:
      return true;
    default:
      return false;
  }
}
