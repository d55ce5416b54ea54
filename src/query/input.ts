/*
 * input.ts — PostgreSQL's input functions for the types memstore compares, done in TypeScript:
 * a literal or parameter text in, the text PostgreSQL's output function would print for the same
 * value out (or a SqlError with PostgreSQL's SQLSTATE and wording).
 *
 * What for: rows are stored as output text, and keys are encoded from output text (key-codec.ts).
 * A WHERE constant is typed by the column it is compared with, so `aid = ' 42'` must become "42",
 * `u = '{ABCD…}'` a lower-case hyphenated uuid, `ts = '2024-01-05T10:00+02'` a UTC timestamp, and
 * `aid = 'abc'` must fail with 22P02 `invalid input syntax for type integer: "abc"` as on
 * PostgreSQL. Canonical output text is what the key codec and the comparisons in compare.ts read.
 *
 * Covered as PostgreSQL 17 does: int2/int4/int8 (whitespace, sign, `_` separators, 0x/0o/0b),
 * oid (negative values wrap, as strtoul), numeric (exponents, NaN, ±Infinity, display scale kept),
 * float4/float8 (shortest exact output, ±Infinity/NaN spellings, out-of-range errors), bool (all
 * prefixes PostgreSQL accepts), text/varchar/bpchar/name (name truncated to 63 bytes), uuid
 * (braces, upper case, hyphens after any group of four digits), bytea (hex with spaces, escape
 * format), pg_lsn, date/timestamp/timestamptz in ISO forms.
 * XXX date/time input takes ISO 8601 forms only (`YYYY-MM-DD[ |T]HH:MM[:SS[.f]]`, a numeric
 * offset, Z/UTC/GMT, BC, infinity/epoch/now/today/tomorrow/yesterday) and years of 4+ digits;
 * PostgreSQL also reads `Jan 5 2024`, two-digit years and named time zones — those get 22007 here.
 * A timestamptz without an offset is read in the session's TimeZone only when that is UTC.
 *
 * Interface:
 *   inputText(typeOid, text, timeZone)   canonical output text, or throws SqlError
 *   parseArrayLiteral(text)              elements of a PostgreSQL array literal (null = NULL), flat
 *   parseInteger(text, typeOid)          bigint value of an int2/int4/int8/oid input
 *   floatOut(v, single)                  PostgreSQL's float8out/float4out text
 */
import { SqlError } from '../errors.js';
import { formatLsn } from '../lsn.js';
import { civilFromDays, daysFromCivil, US_PER_DAY } from '../pg/time.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { elementTypeOf, Oid, sqlTypeName } from '../pg/types.js';
import { boolIn } from './types/bool.js';
import { floatIn, floatOut } from './types/float.js';
import { int2In, int4In, int8In, invalidInput, isSpace, parseInteger, trimSpace } from './types/int.js';
import { numericIn, numericOut } from './types/numeric.js';
import { ensureBuiltins } from './builtins.js';
import { DEFAULT_OUTPUT } from './types/datum.js';
import { typeInfo } from './types/registry.js';

export { floatIn, floatOut, invalidInput, parseInteger };

function notConvertible(typeOid: number): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `memstore cannot read values of type ${sqlTypeName(typeOid)}`, {
    hint: 'Comparisons and casts work for integer, numeric, float, text, varchar, char, name, boolean, uuid, bytea, date, timestamp, timestamptz, oid and pg_lsn.',
  });
}

const trim = trimSpace;

export function inputText(typeOid: number, text: string, timeZone = 'UTC'): string {
  switch (typeOid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
      return intIn(text, typeOid);
    case Oid.oid:
      return String(parseInteger(text, Oid.oid));
    case Oid.numeric:
      return numericText(text);
    case Oid.float4:
    case Oid.float8:
      return floatOut(floatIn(text, typeOid), typeOid === Oid.float4);
    case Oid.bool:
      return boolText(text);
    case Oid.text:
    case Oid.varchar:
    case Oid.bpchar:
    case Oid.unknown:
      return text;
    case Oid.name:
      return truncateName(text);
    case Oid.uuid:
      return uuidIn(text);
    case Oid.bytea:
      return byteaIn(text);
    case Oid.pg_lsn:
      return lsnIn(text);
    case Oid.date:
      return dateIn(text);
    case Oid.timestamp:
      return timestampIn(text, false, timeZone);
    case Oid.timestamptz:
      return timestampIn(text, true, timeZone);
    default:
      // Arrays are read element by element where they are used (= ANY); keep the text.
      if (elementTypeOf(typeOid) !== 0) return text;
      throw notConvertible(typeOid);
  }
}

// --- integers, numeric, floats, bool: the type files own them ----------------------------------

function intIn(text: string, typeOid: number): string {
  return String(typeOid === Oid.int2 ? int2In(text) : typeOid === Oid.int4 ? int4In(text) : int8In(text));
}

function numericText(text: string): string {
  return numericOut(numericIn(text));
}

// --- bool, name, uuid, bytea, pg_lsn ---------------------------------------------------------------

function boolText(text: string): string {
  return boolIn(text) ? 't' : 'f';
}

function truncateName(text: string): string {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= 63) return text;
  let end = 63;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.toString('utf8', 0, end);
}

function uuidIn(text: string): string {
  let s = text;
  let braces = false;
  if (s.startsWith('{')) {
    braces = true;
    s = s.slice(1);
  }
  let hex = '';
  let i = 0;
  for (; i < s.length && hex.length < 32; i++) {
    const c = s[i]!;
    if (/[0-9a-fA-F]/.test(c)) {
      hex += c;
      if (hex.length % 4 === 0 && hex.length < 32 && s[i + 1] === '-') i++;
    } else {
      break;
    }
  }
  if (hex.length !== 32) throw invalidInput(Oid.uuid, text);
  if (braces) {
    if (s[i] !== '}') throw invalidInput(Oid.uuid, text);
    i++;
  }
  if (i !== s.length) throw invalidInput(Oid.uuid, text);
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** bytea input (hex or escape format) → raw bytes. */
export function byteaBytes(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const out: number[] = [];
    let i = 2;
    while (i < text.length) {
      const c = text[i]!;
      if (isSpace(c.charCodeAt(0))) {
        i++;
        continue;
      }
      const hi = parseInt(c, 16);
      if (Number.isNaN(hi)) throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid hexadecimal digit: "${c}"`);
      if (i + 1 >= text.length) throw new SqlError(SQLSTATE.invalid_parameter_value, 'invalid hexadecimal data: odd number of digits');
      const c2 = text[i + 1]!;
      const lo = parseInt(c2, 16);
      if (Number.isNaN(lo)) throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid hexadecimal digit: "${c2}"`);
      out.push(hi * 16 + lo);
      i += 2;
    }
    return Buffer.from(out);
  }
  const src = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < src.length; ) {
    const b = src[i]!;
    if (b !== 0x5c) {
      out.push(b);
      i++;
      continue;
    }
    if (src[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 2;
      continue;
    }
    const d0 = (src[i + 1] ?? 0) - 0x30;
    const d1 = (src[i + 2] ?? 0) - 0x30;
    const d2 = (src[i + 3] ?? 0) - 0x30;
    if (!(d0 >= 0 && d0 <= 3 && d1 >= 0 && d1 <= 7 && d2 >= 0 && d2 <= 7)) throw invalidInput(Oid.bytea, text);
    out.push(d0 * 64 + d1 * 8 + d2);
    i += 4;
  }
  return Buffer.from(out);
}

function byteaIn(text: string): string {
  return '\\x' + byteaBytes(text).toString('hex');
}

const LSN_RE = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function lsnValue(text: string): bigint {
  const m = LSN_RE.exec(text);
  if (m === null) throw invalidInput(Oid.pg_lsn, text);
  return (BigInt('0x' + m[1]!) << 32n) | BigInt('0x' + m[2]!);
}

function lsnIn(text: string): string {
  return formatLsn(lsnValue(text));
}

// --- dates and times ------------------------------------------------------------------------------

const DATETIME_RE =
  /^([0-9]{4,})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|\s+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]*))?)?)?\s*(Z|z|UTC|utc|GMT|gmt|[+-][0-9]{1,2}(?::?[0-9]{2}(?::?[0-9]{2})?)?)?(?:\s+(BC|AD|bc|ad))?$/;

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'zulu', 'universal', 'etc/universal', 'uct', 'etc/uct', 'gmt0', 'etc/gmt0', 'greenwich', 'etc/greenwich', '+00', '+00:00', '0']);

export function isUtcZone(name: string): boolean {
  return UTC_NAMES.has(name.trim().toLowerCase());
}

interface DateTime {
  /** Days since 1970-01-01. */
  days: number;
  /** Microseconds into the day, UTC for timestamptz. */
  micros: number;
  /** ±1 for infinity, 0 otherwise. */
  infinite: number;
}

function fieldOverflow(text: string): SqlError {
  return new SqlError(SQLSTATE.datetime_field_overflow, `date/time field value out of range: "${text}"`);
}

function datetimeSyntax(typeOid: number, text: string): SqlError {
  return new SqlError(SQLSTATE.invalid_datetime_format, `invalid input syntax for type ${sqlTypeName(typeOid)}: "${text}"`);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

const MIN_DAYS = daysFromCivil(-4713, 11, 24);

function parseDateTime(text: string, typeOid: number, timeZone: string): DateTime {
  const s = trim(text);
  const lower = s.toLowerCase();
  const nowMs = Date.now();
  const todayDays = Math.floor(nowMs / 86_400_000);
  switch (lower) {
    case 'infinity':
    case '+infinity':
      return { days: 0, micros: 0, infinite: 1 };
    case '-infinity':
      return { days: 0, micros: 0, infinite: -1 };
    case 'epoch':
      return { days: 0, micros: 0, infinite: 0 };
    case 'now':
      return { days: todayDays, micros: (nowMs - todayDays * 86_400_000) * 1000, infinite: 0 };
    case 'today':
      return { days: todayDays, micros: 0, infinite: 0 };
    case 'tomorrow':
      return { days: todayDays + 1, micros: 0, infinite: 0 };
    case 'yesterday':
      return { days: todayDays - 1, micros: 0, infinite: 0 };
  }
  const m = DATETIME_RE.exec(s);
  if (m === null) throw datetimeSyntax(typeOid, text);
  let year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const bc = m[9] !== undefined && m[9].toLowerCase() === 'bc';
  if (bc) {
    if (year === 0) throw fieldOverflow(text);
    year = 1 - year;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw fieldOverflow(text);
  let micros = 0;
  if (m[4] !== undefined) {
    const hh = Number(m[4]);
    const mi = Number(m[5]);
    const ss = m[6] === undefined ? 0 : Number(m[6]);
    let frac = 0;
    if (m[7] !== undefined && m[7] !== '') frac = Math.round(Number('0.' + m[7]) * 1e6);
    if (hh > 24 || mi > 59 || ss > 60 || (hh === 24 && (mi !== 0 || ss !== 0 || frac !== 0))) throw fieldOverflow(text);
    micros = ((hh * 60 + mi) * 60 + ss) * 1e6 + frac;
  }
  let days = daysFromCivil(year, month, day);
  if (typeOid === Oid.timestamptz) {
    let offsetSeconds = 0;
    const zone = m[8];
    if (zone === undefined) {
      if (!isUtcZone(timeZone)) {
        throw new SqlError(
          SQLSTATE.feature_not_supported,
          `memstore reads timestamp with time zone input without an explicit offset only when TimeZone is UTC (it is "${timeZone}")`,
          { hint: 'Add an offset such as +00 or Z to the value.' },
        );
      }
    } else if (/^[+-]/.test(zone)) {
      const digits = zone.slice(1).replace(/:/g, '');
      const hh = Number(digits.length <= 2 ? digits : digits.slice(0, digits.length % 2 === 0 ? 2 : 1));
      const rest = digits.length <= 2 ? '' : digits.slice(digits.length % 2 === 0 ? 2 : 1);
      const mi = rest.length >= 2 ? Number(rest.slice(0, 2)) : 0;
      const ss = rest.length >= 4 ? Number(rest.slice(2, 4)) : 0;
      if (hh > 15 || mi > 59 || ss > 59) throw new SqlError(SQLSTATE.invalid_datetime_format, `time zone displacement out of range: "${text}"`);
      offsetSeconds = (zone[0] === '-' ? -1 : 1) * (hh * 3600 + mi * 60 + ss);
    }
    micros -= offsetSeconds * 1e6;
  }
  if (micros < 0 || micros >= US_PER_DAY) {
    const shift = Math.floor(micros / US_PER_DAY);
    days += shift;
    micros -= shift * US_PER_DAY;
  }
  // PostgreSQL's ranges: 4714-11-24 BC up to 5874897 (date) / 294276 (timestamps) AD.
  if (days < MIN_DAYS || year > (typeOid === Oid.date ? 5874897 : 294276)) {
    throw new SqlError(SQLSTATE.datetime_value_out_of_range, `${typeOid === Oid.date ? 'date' : 'timestamp'} out of range: "${text}"`);
  }
  return { days, micros, infinite: 0 };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate(days: number): { text: string; bc: boolean } {
  const [y, mo, d] = civilFromDays(days);
  const bc = y <= 0;
  return { text: `${pad(bc ? 1 - y : y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`, bc };
}

function dateIn(text: string): string {
  const dt = parseDateTime(text, Oid.date, 'UTC');
  if (dt.infinite !== 0) return dt.infinite > 0 ? 'infinity' : '-infinity';
  const f = formatDate(dt.days);
  return f.bc ? f.text + ' BC' : f.text;
}

/** ISO date-led input reads the same under every DateStyle; only its zone-less form needs TimeZone. */
const ISO_LED = /^\s*\d{4,}-\d\d-\d\d/;

function timestampIn(text: string, withZone: boolean, timeZone: string): string {
  const typeOid = withZone ? Oid.timestamptz : Oid.timestamp;
  if (withZone && !isUtcZone(timeZone) && ISO_LED.test(text)) {
    // The datetime family reads the text in the session's zone; printed as stored (UTC, +00).
    ensureBuiltins();
    const info = typeInfo(Oid.timestamptz);
    return info.output(info.input(text, -1, { ...DEFAULT_OUTPUT, timeZone, transactionStart: 0n, statementStart: 0n }), DEFAULT_OUTPUT);
  }
  const dt = parseDateTime(text, typeOid, timeZone);
  if (dt.infinite !== 0) return dt.infinite > 0 ? 'infinity' : '-infinity';
  const f = formatDate(dt.days);
  const secs = Math.floor(dt.micros / 1e6);
  const us = dt.micros - secs * 1e6;
  let t = `${f.text} ${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  if (us > 0) t += '.' + pad(us, 6).replace(/0+$/, '');
  if (withZone) t += '+00';
  return f.bc ? t + ' BC' : t;
}

// --- arrays ---------------------------------------------------------------------------------------

function malformedArray(text: string, detail: string): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, `malformed array literal: "${text}"`, { detail });
}

/**
 * The elements of an array literal (`{1,2,NULL,"a b"}`, nested braces flattened in order, an
 * optional `[1:3]=` dimension prefix), as text; null for an unquoted NULL.
 */
export function parseArrayLiteral(text: string): (string | null)[] {
  let s = trim(text);
  if (s.startsWith('[')) {
    const eq = s.indexOf('=');
    if (eq < 0) throw malformedArray(text, 'Missing "=" after array dimensions.');
    s = trim(s.slice(eq + 1));
  }
  if (!s.startsWith('{')) throw malformedArray(text, 'Array value must start with "{" or dimension information.');
  const out: (string | null)[] = [];
  let depth = 0;
  let i = 0;
  let expectElement = true;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '{') {
      depth++;
      i++;
      expectElement = true;
      continue;
    }
    if (c === '}') {
      depth--;
      i++;
      expectElement = false;
      if (depth === 0) break;
      continue;
    }
    if (c === ',') {
      i++;
      expectElement = true;
      continue;
    }
    if (isSpace(c.charCodeAt(0))) {
      i++;
      continue;
    }
    if (!expectElement) throw malformedArray(text, 'Unexpected array element.');
    if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
        i++;
      }
      if (i >= s.length) throw malformedArray(text, 'Unexpected end of input.');
      i++;
      out.push(v);
    } else {
      let v = '';
      let quotedChars = false;
      while (i < s.length && s[i] !== ',' && s[i] !== '}' && s[i] !== '{' && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) {
          i++;
          quotedChars = true;
        }
        v += s[i];
        i++;
      }
      v = v.replace(/[\s]+$/, '');
      out.push(!quotedChars && v.toLowerCase() === 'null' ? null : v);
    }
    expectElement = false;
  }
  if (depth !== 0) throw malformedArray(text, 'Unexpected end of input.');
  if (trim(s.slice(i)) !== '') throw malformedArray(text, 'Junk after closing right brace.');
  return out;
}

