/*
 * bytea.ts — bytea (17): input in hex (`\x…`) and escape formats, output per bytea_output exactly
 * as byteaout prints, order as memcmp (byteacmp), and the hex / base64 / escape codecs that
 * encode() and decode() share with the type's input and output.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum, OutputSettings } from './datum.js';
import type { TypeInfo } from './registry.js';

export const BYTEA = 17;

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function badHexDigit(s: string, i: number): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `invalid hexadecimal digit: "${String.fromCodePoint(s.codePointAt(i)!)}"`);
}

/** hex_decode: pairs of hex digits, whitespace allowed between pairs. */
export function hexDecode(s: string, from: number): Uint8Array {
  const out = new Uint8Array((s.length - from) >> 1);
  let n = 0;
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
      i++;
      continue;
    }
    const hi = hexValue(c);
    if (hi < 0) throw badHexDigit(s, i);
    i++;
    if (i >= s.length) throw new SqlError(SQLSTATE.invalid_parameter_value, 'invalid hexadecimal data: odd number of digits');
    const lo = hexValue(s.charCodeAt(i));
    if (lo < 0) throw badHexDigit(s, i);
    i++;
    out[n++] = (hi << 4) | lo;
  }
  return n === out.length ? out : out.slice(0, n);
}

export function hexEncode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_PAIRS[b[i]!]!;
  return s;
}

const isOctalDigit = (c: number, max: number): boolean => c >= 0x30 && c <= max;

/** byteain's traditional escape format: `\\` and `\ooo`, other characters as their UTF-8 bytes. */
function escapeInput(s: string): Uint8Array {
  const raw = Buffer.from(s, 'utf8');
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; ) {
    const c = raw[i]!;
    if (c !== 0x5c) {
      out[n++] = c;
      i++;
    } else if (isOctalDigit(raw[i + 1] ?? 0, 0x33) && isOctalDigit(raw[i + 2] ?? 0, 0x37) && isOctalDigit(raw[i + 3] ?? 0, 0x37)) {
      out[n++] = ((raw[i + 1]! - 48) << 6) | ((raw[i + 2]! - 48) << 3) | (raw[i + 3]! - 48);
      i += 4;
    } else if (raw[i + 1] === 0x5c) {
      out[n++] = 0x5c;
      i += 2;
    } else {
      throw new SqlError(SQLSTATE.invalid_text_representation, 'invalid input syntax for type bytea');
    }
  }
  return out.slice(0, n);
}

export function byteaInput(s: string): Uint8Array {
  if (s.length >= 2 && s.charCodeAt(0) === 0x5c && s.charCodeAt(1) === 0x78) return hexDecode(s, 2);
  return escapeInput(s);
}

/** byteaout's escape format: `\\` for backslash, `\ooo` outside 0x20..0x7e. */
export function escapeEncode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c) s += '\\\\';
    else if (c < 0x20 || c > 0x7e) s += '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

export function byteaOutput(d: Datum, s: OutputSettings): string {
  const b = d as Uint8Array;
  return s.byteaOutput === 'escape' ? escapeEncode(b) : '\\x' + hexEncode(b);
}

export function compareBytea(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Concatenation of two byte strings. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function byteaType(): TypeInfo {
  return {
    oid: BYTEA,
    name: 'bytea',
    sqlName: 'bytea',
    category: 'U',
    preferred: false,
    len: -1,
    elem: 0,
    array: 1001,
    input: (t) => byteaInput(t),
    output: byteaOutput,
    compare: (a, b) => compareBytea(a as Uint8Array, b as Uint8Array),
    // latin1 maps each byte to one UTF-16 unit: a faithful, cheap primitive key.
    hashKey: (d) => Buffer.from((d as Uint8Array).buffer, (d as Uint8Array).byteOffset, (d as Uint8Array).length).toString('latin1'),
  };
}
