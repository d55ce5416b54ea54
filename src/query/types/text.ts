/*
 * text.ts — the string types: text (25), varchar (1043), bpchar (1042), name (19), "char" (18)
 * and unknown (705), with their order, hashing and typmods, and the string helpers the text
 * functions share (code point length, UTF-8 length, C-locale case mapping).
 *
 * Invariants:
 *   - a string Datum is a JS string holding whole code points (PostgreSQL's text is valid UTF-8
 *     without NUL, so no lone surrogate and no U+0000 ever reaches here from input);
 *   - order is the C collation: UTF-8 byte order, which is code point order. JS compares UTF-16
 *     code units, which puts U+10000.. (surrogate pairs) *below* U+E000..U+FFFF; compareText
 *     corrects that at the first differing unit;
 *   - bpchar keeps its padding in the Datum (as PostgreSQL stores it); its compare, hashKey and
 *     length ignore trailing spaces, as bpchareq / bpcharlen do;
 *   - input ignores the typmod, as PostgreSQL's parser passes -1 to the input function of a
 *     literal: the caller applies applyTypmod afterwards with explicit (truncate) or assignment
 *     (22001) semantics, so `'abc'::varchar(2)` is 'ab';
 *   - "char" is one byte held as a string of one UTF-16 unit 0..255 ('' for the zero byte), so a
 *     byte above 127 is not a character: it prints as \ooo, as charout does.
 *
 * XXX lower/upper/initcap and ILIKE fold ASCII letters only: that is PostgreSQL under the C
 * collation (what the sidecar's text order assumes too). A primary whose database uses another
 * LC_CTYPE folds more letters.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from './datum.js';
import type { TypeInfo } from './registry.js';

export const TEXT = 25;
export const VARCHAR = 1043;
export const BPCHAR = 1042;
export const NAME = 19;
export const CHAR = 18;
export const UNKNOWN = 705;

/** PostgreSQL's VARHDRSZ: varchar(n) and char(n) have typmod n + 4. */
const VARHDRSZ = 4;
/** NAMEDATALEN - 1: a name holds at most 63 bytes. */
const NAME_MAX_BYTES = 63;

const SURROGATE = /[\uD800-\uDFFF]/;

/** True when the string has code points outside the BMP (then code units ≠ characters). */
export function hasAstral(s: string): boolean {
  return SURROGATE.test(s);
}

/** Number of characters (code points), PostgreSQL's length(text). */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Bytes of the UTF-8 encoding. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** UTF-16 offset of the character number `chars` (0-based; clamps to the end). */
export function codeUnitOffset(s: string, chars: number): number {
  let i = 0;
  while (chars > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    chars--;
  }
  return i;
}

/** Maps a UTF-16 unit so that unit order equals code point order (surrogates above U+FFFF's units). */
function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** C-collation order of the first `al` / `bl` code units of a and b. */
function compareUnits(a: string, al: number, b: string, bl: number): number {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? fixup(x) - fixup(y) : x - y;
  }
  return al - bl;
}

/** text order under COLLATE "C" (UTF-8 byte order). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return compareUnits(a, a.length, b, b.length);
}

/** Length without trailing spaces (bpchar's significant part). */
export function bpcharSignificant(s: string): number {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 0x20) n--;
  return n;
}

export function bpcharTrim(s: string): string {
  const n = bpcharSignificant(s);
  return n === s.length ? s : s.slice(0, n);
}

export function compareBpchar(a: string, b: string): number {
  return compareUnits(a, bpcharSignificant(a), b, bpcharSignificant(b));
}

/** ASCII-only case mapping (C locale). */
const UPPER_RUN = /[A-Z]+/g;
const LOWER_RUN = /[a-z]+/g;
const NON_ASCII = /[\u0080-\uffff]/;

export function lowerC(s: string): string {
  return NON_ASCII.test(s) ? s.replace(UPPER_RUN, (m) => m.toLowerCase()) : s.toLowerCase();
}

export function upperC(s: string): string {
  return NON_ASCII.test(s) ? s.replace(LOWER_RUN, (m) => m.toUpperCase()) : s.toUpperCase();
}

/** The first `n` characters of s (n ≥ 0). */
export function leftChars(s: string, n: number): string {
  return s.slice(0, codeUnitOffset(s, n));
}

function tooLong(typeName: string, n: number): SqlError {
  return new SqlError(SQLSTATE.string_data_right_truncation, `value too long for type ${typeName}(${n})`);
}

/** Is s[from..] all spaces? (Excess characters that may be dropped silently.) */
function onlySpacesFrom(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) !== 0x20) return false;
  return true;
}

/** varchar(n) as an assignment (22001 unless the excess is spaces) or explicit cast (truncates). */
export function applyVarcharTypmod(d: Datum, typmod: number, explicit: boolean): Datum {
  if (typmod < VARHDRSZ) return d;
  const s = d as string;
  const max = typmod - VARHDRSZ;
  if (s.length <= max) return s;
  const cut = codeUnitOffset(s, max);
  if (cut === s.length) return s;
  if (!explicit && !onlySpacesFrom(s, cut)) throw tooLong('character varying', max);
  return s.slice(0, cut);
}

/** char(n): pad with spaces to n characters; longer: 22001 unless explicit or only spaces beyond n. */
export function applyBpcharTypmod(d: Datum, typmod: number, explicit: boolean): Datum {
  if (typmod < VARHDRSZ) return d;
  const s = d as string;
  const max = typmod - VARHDRSZ;
  const len = charLength(s);
  if (len <= max) return len === max ? s : s + ' '.repeat(max - len);
  const cut = codeUnitOffset(s, max);
  if (!explicit && !onlySpacesFrom(s, cut)) throw tooLong('character', max);
  return s.slice(0, cut);
}

/** name: at most 63 bytes, cut at a character boundary (pg_mbcliplen). */
export function toName(s: string): string {
  if (s.length <= NAME_MAX_BYTES / 3 || utf8Length(s) <= NAME_MAX_BYTES) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.codePointAt(i)!;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (bytes + w > NAME_MAX_BYTES) break;
    bytes += w;
    i += c >= 0x10000 ? 2 : 1;
  }
  return s.slice(0, i);
}

// --- "char" ---------------------------------------------------------------------------------------

const isOctal = (c: number): boolean => c >= 0x30 && c <= 0x37;

/** charin / text_char: `\ooo` (exactly four bytes) is an octal byte, else the first byte of the UTF-8 text. */
export function charFromText(s: string): string {
  if (s.length === 4 && s.charCodeAt(0) === 0x5c && isOctal(s.charCodeAt(1)) && isOctal(s.charCodeAt(2)) && isOctal(s.charCodeAt(3))) {
    const b = (((s.charCodeAt(1) - 48) << 6) + ((s.charCodeAt(2) - 48) << 3) + (s.charCodeAt(3) - 48)) & 0xff;
    return b === 0 ? '' : String.fromCharCode(b);
  }
  if (s.length === 0) return '';
  const c = s.charCodeAt(0);
  if (c < 0x80) return s[0]!;
  return String.fromCharCode(Buffer.from(s.slice(0, 2), 'utf8')[0]!);
}

/** charout / char_text: the byte, or \ooo when it is not ASCII. */
export function charToText(d: string): string {
  if (d === '') return '';
  const b = d.charCodeAt(0);
  if (b < 0x80) return d;
  return '\\' + b.toString(8).padStart(3, '0');
}

/** "char" as a signed byte (char → int4). */
export function charToInt(d: string): number {
  const b = d === '' ? 0 : d.charCodeAt(0);
  return b >= 128 ? b - 256 : b;
}

export function intToChar(n: number): string {
  if (n < -128 || n > 127) throw new SqlError(SQLSTATE.numeric_value_out_of_range, '"char" out of range');
  const b = n & 0xff;
  return b === 0 ? '' : String.fromCharCode(b);
}

export function compareChar(a: Datum, b: Datum): number {
  const x = (a as string) === '' ? 0 : (a as string).charCodeAt(0);
  const y = (b as string) === '' ? 0 : (b as string).charCodeAt(0);
  return x - y;
}

// --- the types ------------------------------------------------------------------------------------

const identity = (s: string): string => s;
const asString = (d: Datum): string => d as string;

function stringType(oid: number, name: string, sqlName: string, over: Partial<TypeInfo>): TypeInfo {
  return {
    oid,
    name,
    sqlName,
    category: 'S',
    preferred: false,
    len: -1,
    elem: 0,
    array: 0,
    input: identity,
    output: asString,
    compare: (a, b) => compareText(a as string, b as string),
    hashKey: asString,
    ...over,
  };
}

export function textTypes(): TypeInfo[] {
  return [
    stringType(TEXT, 'text', 'text', { preferred: true, array: 1009 }),
    stringType(VARCHAR, 'varchar', 'character varying', {
      array: 1015,
      applyTypmod: applyVarcharTypmod,
      formatTypmod: (typmod) => (typmod >= VARHDRSZ ? `character varying(${typmod - VARHDRSZ})` : 'character varying'),
    }),
    stringType(BPCHAR, 'bpchar', 'character', {
      array: 1014,
      compare: (a, b) => compareBpchar(a as string, b as string),
      hashKey: (d) => bpcharTrim(d as string),
      applyTypmod: applyBpcharTypmod,
      formatTypmod: (typmod) => (typmod >= VARHDRSZ ? `character(${typmod - VARHDRSZ})` : 'bpchar'),
    }),
    stringType(NAME, 'name', 'name', { len: 64, array: 1003, input: (t) => toName(t) }),
    stringType(CHAR, 'char', '"char"', {
      category: 'Z',
      len: 1,
      array: 1002,
      input: (t) => charFromText(t),
      output: (d) => charToText(d as string),
      compare: compareChar,
    }),
    stringType(UNKNOWN, 'unknown', 'unknown', { category: 'X', len: -2 }),
  ];
}
