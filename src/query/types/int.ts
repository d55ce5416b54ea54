/*
 * int.ts — int2, int4, int8 and oid: input with PostgreSQL 16+'s syntax (whitespace, sign, `_`
 * separators, 0x/0o/0b prefixes), output, btree order, hashing, and the range checks every
 * integer operation shares.
 *
 * Datums (datum.ts): int2/int4/oid are JS numbers (always integral, never -0), int8 is a bigint.
 * The fast paths never allocate a bigint for int2/int4: a plain decimal of up to 9 digits is read
 * with a char-code loop, anything else goes through parseInteger.
 *
 * Interface:
 *   parseInteger(text, oid)        bigint value of an integer input, range-checked (22P02 / 22003)
 *   int2In / int4In / int8In / oidIn
 *   checkInt2 / checkInt4 / checkInt8   result range checks with PostgreSQL's messages
 *   INT2_TYPE, INT4_TYPE, INT8_TYPE, OID_TYPE   TypeInfo entries (registered by register-numeric.ts)
 */
import { SqlError } from '../../errors.js';
import { Oid, sqlTypeName } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from './datum.js';
import type { TypeInfo } from './registry.js';

export function invalidInput(typeOid: number, text: string): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, `invalid input syntax for type ${sqlTypeName(typeOid)}: "${text}"`);
}

function valueOutOfRange(typeOid: number, text: string): SqlError {
  return new SqlError(SQLSTATE.numeric_value_out_of_range, `value "${text}" is out of range for type ${sqlTypeName(typeOid)}`);
}

export const smallintOutOfRange = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'smallint out of range');
export const integerOutOfRange = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'integer out of range');
export const bigintOutOfRange = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'bigint out of range');
export const divisionByZero = (): SqlError => new SqlError(SQLSTATE.division_by_zero, 'division by zero');

export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

export function checkInt2(v: number): number {
  if (v < -32768 || v > 32767) throw smallintOutOfRange();
  return v;
}

export function checkInt4(v: number): number {
  if (v < -2147483648 || v > 2147483647) throw integerOutOfRange();
  return v;
}

export function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX) throw bigintOutOfRange();
  return v;
}

/** PostgreSQL's isspace() set for input trimming. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const INT_RANGE: ReadonlyMap<number, readonly [bigint, bigint]> = new Map([
  [Oid.int2, [-32768n, 32767n]],
  [Oid.int4, [-2147483648n, 2147483647n]],
  [Oid.int8, [INT8_MIN, INT8_MAX]],
  [Oid.oid, [-2147483648n, 4294967295n]],
]);

const DEC_DIGITS = /^[0-9](?:_?[0-9])*$/;
const HEX_DIGITS = /^(?:_?[0-9a-fA-F])+$/;
const OCT_DIGITS = /^(?:_?[0-7])+$/;
const BIN_DIGITS = /^(?:_?[01])+$/;

/** The value of an integer input (PostgreSQL 16+ syntax), range-checked for the type; oid wraps negatives. */
export function parseInteger(text: string, typeOid: number): bigint {
  const s = trimSpace(text);
  let i = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    i = 1;
  }
  let body = s.slice(i);
  let prefix = '';
  let re = DEC_DIGITS;
  if (body.length > 2 && body[0] === '0') {
    const p = body[1]!.toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      prefix = '0' + p;
      re = p === 'x' ? HEX_DIGITS : p === 'o' ? OCT_DIGITS : BIN_DIGITS;
      body = body.slice(2);
    }
  }
  if (!re.test(body)) throw invalidInput(typeOid, text);
  let v = BigInt(prefix + body.replace(/_/g, ''));
  if (neg) v = -v;
  const range = INT_RANGE.get(typeOid)!;
  if (v < range[0] || v > range[1]) throw valueOutOfRange(typeOid, text);
  if (typeOid === Oid.oid && v < 0n) v += 4294967296n;
  return v;
}

/** A plain `-?[0-9]{1,9}` decimal as a number, or undefined (then parseInteger decides). */
function plainSmall(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 10) return undefined;
  let i = 0;
  let neg = false;
  if (text.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return undefined;
  } else if (n > 9) return undefined;
  if (n - i > 9) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return neg ? -v || 0 : v;
}

export function int2In(text: string): number {
  const v = plainSmall(text);
  if (v !== undefined) {
    if (v < -32768 || v > 32767) throw valueOutOfRange(Oid.int2, text);
    return v;
  }
  return Number(parseInteger(text, Oid.int2));
}

export function int4In(text: string): number {
  return plainSmall(text) ?? Number(parseInteger(text, Oid.int4));
}

export function int8In(text: string): bigint {
  const v = plainSmall(text);
  return v !== undefined ? BigInt(v) : parseInteger(text, Oid.int8);
}

const OID_RE = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t\n\v\f\r]*$/;

/** oidin: strtoul with base 0 (0x hex, leading-0 octal), negatives wrap as int32 does. */
export function oidIn(text: string): number {
  // A leading zero means octal to strtoul.
  const v = text.length > 1 && text.charCodeAt(0) === 48 ? undefined : plainSmall(text);
  if (v !== undefined && v >= 0) return v;
  const m = OID_RE.exec(text);
  if (m === null) throw invalidInput(Oid.oid, text);
  const body = m[2]!;
  let n = body.length > 1 && body[0] === '0' && body[1] !== 'x' && body[1] !== 'X' ? BigInt('0o' + body.slice(1)) : BigInt(body);
  if (m[1] === '-') n = -n;
  if (n > 4294967295n || n < -2147483648n) throw valueOutOfRange(Oid.oid, text);
  return Number(n < 0n ? n + 4294967296n : n);
}

const numOut = (d: Datum): string => (d as number).toString();
const numCompare = (a: Datum, b: Datum): number => (a as number) - (b as number);
const numHash = (d: Datum): number => d as number;

function intType(oid: number, name: string, len: number, array: number, input: (t: string) => Datum, preferred = false): TypeInfo {
  return {
    oid,
    name,
    sqlName: sqlTypeName(oid),
    category: 'N',
    preferred,
    len,
    elem: 0,
    array,
    input,
    output: numOut,
    compare: numCompare,
    hashKey: numHash,
  };
}

export const INT2_TYPE = intType(Oid.int2, 'int2', 2, 1005, int2In);
export const INT4_TYPE = intType(Oid.int4, 'int4', 4, 1007, int4In);
export const OID_TYPE = intType(Oid.oid, 'oid', 4, 1028, oidIn, true);
export const INT8_TYPE: TypeInfo = {
  ...intType(Oid.int8, 'int8', 8, 1016, int8In),
  output: (d) => (d as bigint).toString(),
  compare: (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0),
  hashKey: (d) => d as bigint,
};
