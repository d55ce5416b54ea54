/*
 * binary-send.ts — binary send formats of numeric, interval, time, timetz, json, "char" and
 * arrays, made from the type's canonical text output (the form the engine prints a binary column
 * in: DateStyle ISO, IntervalStyle postgres; ExecContext.resultFormats).
 *
 * Each follows the type's send function in PostgreSQL 17 (numeric_send, interval_send,
 * time_send, timetz_send, json_send, charsend, array_send): pgjdbc asks for binary numeric, time,
 * timetz and arrays once a statement is server-prepared, Npgsql for every column.
 *
 *   numeric   int16 ndigits, int16 weight, int16 sign (0 +, 0x4000 -, 0xC000 NaN, 0xD000 +Inf,
 *             0xF000 -Inf), int16 dscale (32 for ±Inf!), then ndigits base-10000 digits; leading and trailing
 *             zero digits stripped, zero has no digits and weight 0 (strip_var).
 *   interval  int64 µs, int32 days, int32 months; ±infinity are all-max / all-min.
 *   time      int64 µs since midnight; timetz adds int32 seconds WEST of UTC.
 *   json      the text; "char" its one byte (charout prints a high byte as \ooo, NUL as '').
 *   array     int32 ndim, int32 has-nulls, uint32 element type, (int32 size, int32 lower bound)
 *             per dimension, then each element as int32 length (-1 NULL) and its binary form.
 *
 * Left out: box (its array delimiter is ';'), composites, ranges, enums and domains (their OIDs
 * are the primary's; the connection refuses binary for them with 0A000 as before).
 *
 * Parameters go the other way (receiveText, arrayReceiveText): the binary form → the text the
 * type's output function prints, checked as the type's recv function checks it.
 *
 * Interface:
 *   SEND_ENCODERS                     type OID → encoder, for the types above but arrays
 *   arrayEncoder(elementOid, enc)     the encoder of an array of that element type
 *   receiveText(oid, bytes)           a binary parameter as text (undefined: not one of these)
 *   arrayReceiveText(elem, bytes, f)  an array parameter as array_out's text
 */
import { SqlError } from '../errors.js';
import type { MessageWriter } from './message-writer.js';
import { SQLSTATE } from './sqlstate.js';

/** Writes int32 length + binary value for a column whose text form is text[start, end). */
export type ColumnEncoder = (out: MessageWriter, text: Buffer, start: number, end: number) => void;

function bad(type: string, t: Buffer, s: number, e: number): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, `invalid input syntax for type ${type}: "${t.toString('utf8', s, e)}"`);
}

function int64(out: MessageWriter, v: number): void {
  if (Number.isSafeInteger(v)) {
    const hi = Math.floor(v / 4294967296);
    out.int32(hi);
    out.uint32(v - hi * 4294967296);
  } else {
    out.int64(BigInt(v));
  }
}

// --- numeric --------------------------------------------------------------------------------------

const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/**
 * NaN and ±Infinity. numeric_send reads their dscale from the short header's bits, which gives
 * 0 for NaN (0xC000) and 32 for the infinities (0xD000, 0xF000 & 0x1F80 = 0x1000, >> 7).
 */
function numericSpecial(out: MessageWriter, sign: number): void {
  out.int32(8);
  out.int16(0);
  out.int16(0);
  out.uint16(sign);
  out.int16((sign & 0x1f80) >> 7);
}

const encodeNumeric: ColumnEncoder = (out, t, s, e) => {
  const str = t.toString('latin1', s, e);
  if (str === 'NaN') return numericSpecial(out, NUMERIC_NAN);
  if (str === 'Infinity') return numericSpecial(out, NUMERIC_PINF);
  if (str === '-Infinity') return numericSpecial(out, NUMERIC_NINF);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(str);
  if (m === null) throw bad('numeric', t, s, e);
  const intPart = m[2]!;
  const frac = m[3] ?? '';
  const dscale = frac.length;
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  const all = intPadded + fracPadded;
  const digits: number[] = [];
  for (let i = 0; i < all.length; i += 4) digits.push(Number(all.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < digits.length && digits[first] === 0) {
    first++;
    weight--;
  }
  let last = digits.length;
  while (last > first && digits[last - 1] === 0) last--;
  const kept = digits.slice(first, last);
  if (kept.length === 0) weight = 0;
  const negative = m[1] === '-' && kept.length > 0;
  out.int32(8 + 2 * kept.length);
  out.int16(kept.length);
  out.int16(weight);
  out.uint16(negative ? NUMERIC_NEG : 0);
  out.int16(dscale);
  for (const d of kept) out.int16(d);
};

// --- interval, time, timetz ----------------------------------------------------------------------

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** "HH:MM:SS[.ffffff]" (hours may be any length) → µs; null when not that shape. */
function clockMicros(str: string): number | null {
  const m = /^(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(str);
  if (m === null) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
}

const UNITS: Readonly<Record<string, 'y' | 'm' | 'd'>> = { year: 'y', years: 'y', mon: 'm', mons: 'm', day: 'd', days: 'd' };

const encodeInterval: ColumnEncoder = (out, t, s, e) => {
  const str = t.toString('latin1', s, e);
  out.int32(16);
  if (str === 'infinity' || str === '-infinity') {
    const pos = str === 'infinity';
    out.int64(pos ? 9223372036854775807n : -9223372036854775808n);
    out.int32(pos ? INT32_MAX : INT32_MIN);
    out.int32(pos ? INT32_MAX : INT32_MIN);
    return;
  }
  const words = str.split(' ');
  let months = 0;
  let days = 0;
  let micros = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const unit = UNITS[words[i + 1] ?? ''];
    if (unit !== undefined && /^-?\d+$/.test(w)) {
      const n = Number(w);
      if (unit === 'y') months += n * 12;
      else if (unit === 'm') months += n;
      else days += n;
      i++;
      continue;
    }
    const neg = w.startsWith('-');
    const us = clockMicros(neg || w.startsWith('+') ? w.slice(1) : w);
    if (us === null || i !== words.length - 1) throw bad('interval', t, s, e);
    micros = neg ? -us : us;
  }
  int64(out, micros);
  out.int32(days);
  out.int32(months);
};

const encodeTime: ColumnEncoder = (out, t, s, e) => {
  const us = clockMicros(t.toString('latin1', s, e));
  if (us === null) throw bad('time without time zone', t, s, e);
  out.int32(8);
  int64(out, us);
};

const encodeTimetz: ColumnEncoder = (out, t, s, e) => {
  const str = t.toString('latin1', s, e);
  const m = /^([\d:.]+)([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/.exec(str);
  const us = m === null ? null : clockMicros(m[1]!);
  if (m === null || us === null) throw bad('time with time zone', t, s, e);
  const east = Number(m[3]) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0);
  out.int32(12);
  int64(out, us);
  // timetz keeps the zone as seconds west of Greenwich.
  out.int32(m[2] === '+' ? -east : east);
};

// --- json, "char" ----------------------------------------------------------------------------------

const encodeText: ColumnEncoder = (out, t, s, e) => {
  out.int32(e - s);
  out.bytes(t, s, e);
};

const encodeChar: ColumnEncoder = (out, t, s, e) => {
  let b: number;
  if (e === s) b = 0;
  else if (e - s === 1) b = t[s]!;
  else if (e - s === 4 && t[s] === 0x5c) b = parseInt(t.toString('latin1', s + 1, e), 8);
  else throw bad('"char"', t, s, e);
  out.int32(1);
  out.int8(b);
};

export const SEND_ENCODERS: ReadonlyMap<number, ColumnEncoder> = new Map<number, ColumnEncoder>([
  [1700, encodeNumeric],
  [1186, encodeInterval],
  [1083, encodeTime],
  [1266, encodeTimetz],
  [114, encodeText],
  [18, encodeChar],
]);

// --- arrays ----------------------------------------------------------------------------------------

interface ParsedArray {
  dims: number[];
  lower: number[];
  /** Elements in row-major order: [start, end) into `text`, or null for NULL. */
  elements: ({ text: Buffer; start: number; end: number } | null)[];
}

/** Parses array_out's text (with a `[lb:ub]=` prefix when a lower bound is not 1). */
function parseArray(t: Buffer, s: number, e: number, type: string): ParsedArray {
  let p = s;
  const lower: number[] = [];
  const explicit: number[] = [];
  if (t[p] === 0x5b /* [ */) {
    const eq = t.indexOf(0x3d /* = */, p);
    if (eq < 0 || eq >= e) throw bad(type, t, s, e);
    for (const m of t.toString('latin1', p, eq).matchAll(/\[(-?\d+):(-?\d+)\]/g)) {
      lower.push(Number(m[1]));
      explicit.push(Number(m[2]) - Number(m[1]) + 1);
    }
    p = eq + 1;
  }
  const dims: number[] = [];
  const counts: number[] = [];
  const elements: ParsedArray['elements'] = [];
  let depth = 0;
  let maxDepth = 0;
  while (p < e) {
    const c = t[p]!;
    if (c === 0x7b /* { */) {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      counts[depth - 1] = 0;
      p++;
    } else if (c === 0x7d /* } */) {
      const n = counts[depth - 1]!;
      if (dims[depth - 1] === undefined) dims[depth - 1] = n;
      depth--;
      if (depth > 0) counts[depth - 1]!++;
      p++;
    } else if (c === 0x2c /* , */) {
      p++;
    } else if (c === 0x22 /* " */) {
      const bytes: number[] = [];
      p++;
      while (p < e && t[p] !== 0x22) {
        if (t[p] === 0x5c) p++;
        bytes.push(t[p]!);
        p++;
      }
      p++;
      const b = Buffer.from(bytes);
      elements.push({ text: b, start: 0, end: b.length });
      counts[depth - 1]!++;
    } else {
      let q = p;
      while (q < e && t[q] !== 0x2c && t[q] !== 0x7d) q++;
      const word = t.toString('latin1', p, q);
      elements.push(word.toUpperCase() === 'NULL' ? null : { text: t, start: p, end: q });
      counts[depth - 1]!++;
      p = q;
    }
  }
  if (depth !== 0) throw bad(type, t, s, e);
  if (elements.length === 0) return { dims: [], lower: [], elements };
  if (explicit.length > 0 && explicit.length !== dims.length) throw bad(type, t, s, e);
  return { dims: dims.slice(0, maxDepth), lower: dims.map((_, i) => lower[i] ?? 1), elements };
}

export function arrayEncoder(elementOid: number, element: ColumnEncoder): ColumnEncoder {
  return (out, t, s, e) => {
    const a = parseArray(t, s, e, 'array');
    const token = out.reserve32();
    out.int32(a.dims.length);
    out.int32(a.elements.some((x) => x === null) ? 1 : 0);
    out.uint32(elementOid);
    a.dims.forEach((d, i) => {
      out.int32(d);
      out.int32(a.lower[i]!);
    });
    for (const x of a.elements) {
      if (x === null) out.int32(-1);
      else element(out, x.text, x.start, x.end);
    }
    out.patchLength(token);
  };
}

// --- receive: a binary parameter → the text PostgreSQL prints for it -------------------------------

function binaryError(message: string): SqlError {
  return new SqlError(SQLSTATE.invalid_binary_representation, message);
}

/** numeric_recv, then numeric_out: digits beyond dscale are truncated away, -0 prints as 0. */
function numericText(b: Buffer): string {
  const n = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (n < 0 || n > 1000 + 1000) throw binaryError('invalid length in external "numeric" value');
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  if (sign !== 0 && sign !== NUMERIC_NEG) throw binaryError('invalid sign in external "numeric" value');
  if ((dscale & 0x3fff) !== dscale) throw binaryError('invalid scale in external "numeric" value');
  if (b.length < 8 + 2 * n) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
  let intDigits = '';
  let fracDigits = '';
  for (let k = 0; k < n; k++) {
    const d = b.readInt16BE(8 + 2 * k);
    if (d < 0 || d >= 10000) throw binaryError('invalid digit in external "numeric" value');
    const group = String(d).padStart(4, '0');
    const pos = weight - k; // ≥ 0: integer group
    if (pos >= 0) intDigits += group;
    else fracDigits = fracDigits.padEnd(4 * (-pos - 1), '0') + group;
  }
  if (weight >= n) intDigits += '0000'.repeat(weight - n + 1);
  intDigits = intDigits.replace(/^0+/, '') || '0';
  const frac = fracDigits.padEnd(dscale, '0').slice(0, dscale);
  const zero = /^0*$/.test(intDigits + frac);
  const neg = sign === NUMERIC_NEG && !zero;
  return (neg ? '-' : '') + intDigits + (dscale > 0 ? '.' + frac : '');
}

const US_PER_HOUR = 3_600_000_000n;

function clockText(us: bigint, withHours = true): string {
  const abs = us < 0n ? -us : us;
  const h = abs / US_PER_HOUR;
  const m = (abs / 60_000_000n) % 60n;
  const sec = (abs / 1_000_000n) % 60n;
  const f = abs % 1_000_000n;
  const two = (v: bigint): string => String(v).padStart(2, '0');
  let s = `${withHours ? two(h) + ':' : ''}${two(m)}:${two(sec)}`;
  if (f !== 0n) s += '.' + String(f).padStart(6, '0').replace(/0+$/, '');
  return s;
}

/** interval_out in IntervalStyle postgres (EncodeInterval, AddPostgresIntPart). */
function intervalText(b: Buffer): string {
  const time = b.readBigInt64BE(0);
  const day = b.readInt32BE(8);
  const month = b.readInt32BE(12);
  if (time === 9223372036854775807n && day === INT32_MAX && month === INT32_MAX) return 'infinity';
  if (time === -9223372036854775808n && day === INT32_MIN && month === INT32_MIN) return '-infinity';
  let out = '';
  let isZero = true;
  let isBefore = false;
  const part = (value: number, unit: string): void => {
    if (value === 0) return;
    out += `${isZero ? '' : ' '}${isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`;
    isBefore = value < 0;
    isZero = false;
  };
  part(Math.trunc(month / 12), 'year');
  part(month % 12, 'mon');
  part(day, 'day');
  if (isZero || time !== 0n) {
    const minus = time < 0n;
    out += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${clockText(time)}`;
  }
  return out;
}

const US_PER_DAY_BIG = 86_400_000_000n;

function timeText(us: bigint): string {
  if (us < 0n || us > US_PER_DAY_BIG) throw new SqlError(SQLSTATE.datetime_field_overflow, 'time out of range');
  return clockText(us);
}

/** Seconds WEST of Greenwich → "+HH[:MM[:SS]]" as timetz_out prints the offset. */
function zoneText(west: number): string {
  const east = -west;
  const abs = Math.abs(east);
  const h = Math.floor(abs / 3600);
  const m = Math.floor(abs / 60) % 60;
  const s = abs % 60;
  let z = `${east >= 0 ? '+' : '-'}${String(h).padStart(2, '0')}`;
  if (m !== 0 || s !== 0) z += ':' + String(m).padStart(2, '0');
  if (s !== 0) z += ':' + String(s).padStart(2, '0');
  return z;
}

/** charout: a high byte as \ooo, NUL as ''. */
function charText(c: number): string {
  if (c === 0) return '';
  if (c >= 0x80) return '\\' + c.toString(8).padStart(3, '0');
  return String.fromCharCode(c);
}

/** array_out's quoting of one element. */
function arrayElement(s: string): string {
  if (s === '' || /[{}",\\\s]/.test(s) || s.toUpperCase() === 'NULL') return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
  return s;
}

/**
 * A binary parameter of the types above as the text PostgreSQL's output function prints;
 * undefined when the type is none of them.
 */
export function receiveText(typeOid: number, b: Buffer): string | undefined {
  const need = (n: number): void => {
    if (b.length < n) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
  };
  switch (typeOid) {
    case 1700:
      need(8);
      return numericText(b);
    case 1186:
      need(16);
      return intervalText(b);
    case 1083:
      need(8);
      return timeText(b.readBigInt64BE(0));
    case 1266: {
      need(12);
      const west = b.readInt32BE(8);
      if (west <= -(15 * 3600 + 59 * 60 + 60) || west >= 15 * 3600 + 59 * 60 + 60) throw new SqlError(SQLSTATE.invalid_time_zone_displacement_value, 'time zone displacement out of range');
      return timeText(b.readBigInt64BE(0)) + zoneText(west);
    }
    case 114:
      return b.toString('utf8');
    case 18:
      need(1);
      return charText(b[0]!);
    default:
      return undefined;
  }
}

/** array_recv then array_out: `elementOid` is the type the parameter's array type holds. */
export function arrayReceiveText(elementOid: number, b: Buffer, element: (elementOid: number, b: Buffer) => string): string {
  if (b.length < 12) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
  const ndim = b.readInt32BE(0);
  const flags = b.readInt32BE(4);
  const elemType = b.readUInt32BE(8);
  if (ndim < 0 || ndim > 6) throw binaryError(`invalid number of dimensions: ${ndim}`);
  if (flags !== 0 && flags !== 1) throw binaryError('invalid array flags');
  if (elemType !== elementOid) throw new SqlError(SQLSTATE.datatype_mismatch, `binary data has array element type ${elemType} instead of expected ${elementOid}`);
  let p = 12;
  const dims: number[] = [];
  const lower: number[] = [];
  for (let d = 0; d < ndim; d++) {
    if (b.length < p + 8) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
    dims.push(b.readInt32BE(p));
    lower.push(b.readInt32BE(p + 4));
    p += 8;
  }
  const total = dims.reduce((a, x) => a * x, ndim === 0 ? 0 : 1);
  const items: string[] = [];
  for (let k = 0; k < total; k++) {
    if (b.length < p + 4) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
    const len = b.readInt32BE(p);
    p += 4;
    if (len < 0) {
      items.push('NULL');
      continue;
    }
    if (b.length < p + len) throw new SqlError(SQLSTATE.protocol_violation, 'insufficient data left in message');
    items.push(arrayElement(element(elementOid, b.subarray(p, p + len))));
    p += len;
  }
  if (total === 0) return '{}';
  let k = 0;
  const nest = (d: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < dims[d]!; i++) parts.push(d === dims.length - 1 ? items[k++]! : nest(d + 1));
    return '{' + parts.join(',') + '}';
  };
  const prefix = lower.some((l) => l !== 1) ? dims.map((n, i) => `[${lower[i]}:${lower[i]! + n - 1}]`).join('') + '=' : '';
  return prefix + nest(0);
}
