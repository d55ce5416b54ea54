/*
 * bytea.ts — functions over bytes: encode / decode (hex, base64, escape: PostgreSQL's encode.c
 * rules, including base64's line break every 76 characters and its lenient decoder), md5 / sha*,
 * get_byte / set_byte / get_bit / set_bit, convert_from / convert_to (UTF8 only), the bytea
 * forms of substr, position and trim; and the uuid functions.
 */
import { encodingByName } from '../../pg/encodings.js';
import { createHash } from 'node:crypto';
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import { hexDecode, hexEncode } from '../types/bytea.js';

const enc = new TextEncoder();

export function utf8Bytes(s: string): Uint8Array {
  return enc.encode(s);
}

function unrecognized(name: string): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `unrecognized encoding: "${name}"`);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;

/**
 * pg_base64_encode: a newline each time a line of 76 characters fills with whole groups, also
 * after the last one (the padded final group is written after the loop that adds newlines).
 */
function base64Encode(b: Uint8Array): string {
  const plain = Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
  let out = '';
  for (let i = 0; i < plain.length; i += 76) {
    const line = plain.slice(i, i + 76);
    out += line;
    if (line.length === 76 && !line.endsWith('=')) out += '\n';
  }
  return out;
}

function base64Decode(s: string): Uint8Array {
  const out: number[] = [];
  let buf = 0;
  let pos = 0;
  let end = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    let b: number;
    if (c === 0x3d) {
      if (end === 0) {
        if (pos === 2) end = 1;
        else if (pos === 3) end = 2;
        else throw new SqlError(SQLSTATE.invalid_parameter_value, 'unexpected "=" while decoding base64 sequence');
      }
      b = 0;
    } else {
      b = c > 0 && c < 127 ? B64_LOOKUP[c]! : -1;
      if (b < 0) throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid symbol "${String.fromCodePoint(s.codePointAt(i)!)}" found while decoding base64 sequence`);
    }
    buf = (buf << 6) + b;
    pos++;
    if (pos === 4) {
      out.push((buf >> 16) & 255);
      if (end === 0 || end > 1) out.push((buf >> 8) & 255);
      if (end === 0 || end > 2) out.push(buf & 255);
      buf = 0;
      pos = 0;
    }
  }
  if (pos !== 0) {
    throw new SqlError(SQLSTATE.invalid_parameter_value, 'invalid base64 end sequence', { hint: 'Input data is missing padding, is truncated, or is otherwise corrupted.' });
  }
  return Uint8Array.from(out);
}

/** encode(…, 'escape'): NUL and high-bit bytes as \ooo, backslash doubled, the rest raw. */
function escapeEncode(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0 || c >= 0x80) s += '\\' + c.toString(8).padStart(3, '0');
    else if (c === 0x5c) s += '\\\\';
    else s += String.fromCharCode(c);
  }
  return s;
}

function escapeDecode(s: string): Uint8Array {
  const raw = utf8Bytes(s);
  const out: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const c = raw[i]!;
    if (c !== 0x5c) {
      out.push(c);
      i++;
    } else if (i + 3 < raw.length && raw[i + 1]! >= 0x30 && raw[i + 1]! <= 0x33 && raw[i + 2]! >= 0x30 && raw[i + 2]! <= 0x37 && raw[i + 3]! >= 0x30 && raw[i + 3]! <= 0x37) {
      out.push(((raw[i + 1]! - 48) << 6) | ((raw[i + 2]! - 48) << 3) | (raw[i + 3]! - 48));
      i += 4;
    } else if (i + 1 < raw.length && raw[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 2;
    } else {
      throw new SqlError(SQLSTATE.invalid_text_representation, 'invalid input syntax for type bytea');
    }
  }
  return Uint8Array.from(out);
}

export function encode(b: Uint8Array, format: string): string {
  switch (format.toLowerCase()) {
    case 'hex':
      return hexEncode(b);
    case 'base64':
      return base64Encode(b);
    case 'escape':
      return escapeEncode(b);
    default:
      throw unrecognized(format);
  }
}

export function decode(s: string, format: string): Uint8Array {
  switch (format.toLowerCase()) {
    case 'hex':
      return hexDecode(s, 0);
    case 'base64':
      return base64Decode(s);
    case 'escape':
      return escapeDecode(s);
    default:
      throw unrecognized(format);
  }
}

export function md5Hex(b: Uint8Array | string): string {
  return createHash('md5').update(b).digest('hex');
}

export function sha(alg: 'sha224' | 'sha256' | 'sha384' | 'sha512', b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(alg).update(b).digest());
}

function indexOutOfRange(n: number | bigint, max: number | bigint): SqlError {
  return new SqlError(SQLSTATE.array_subscript_error, `index ${n} out of valid range, 0..${max}`);
}

export function getByte(b: Uint8Array, n: number): number {
  if (n < 0 || n >= b.length) throw indexOutOfRange(n, b.length - 1);
  return b[n]!;
}

export function setByte(b: Uint8Array, n: number, v: number): Uint8Array {
  if (n < 0 || n >= b.length) throw indexOutOfRange(n, b.length - 1);
  const out = b.slice();
  out[n] = v & 0xff;
  return out;
}

export function getBit(b: Uint8Array, n: bigint): number {
  if (n < 0n || n >= BigInt(b.length) * 8n) throw indexOutOfRange(n, BigInt(b.length) * 8n - 1n);
  const i = Number(n);
  return (b[i >> 3]! >> (i & 7)) & 1;
}

export function setBit(b: Uint8Array, n: bigint, v: number): Uint8Array {
  if (n < 0n || n >= BigInt(b.length) * 8n) throw indexOutOfRange(n, BigInt(b.length) * 8n - 1n);
  if (v !== 0 && v !== 1) throw new SqlError(SQLSTATE.invalid_parameter_value, 'new bit must be 0 or 1');
  const i = Number(n);
  const out = b.slice();
  out[i >> 3] = v === 1 ? out[i >> 3]! | (1 << (i & 7)) : out[i >> 3]! & ~(1 << (i & 7));
  return out;
}

/** substr on bytes, with text's clamping rules. */
export function substrBytes(b: Uint8Array, start: number, count: number | null): Uint8Array {
  if (count !== null && count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const from = Math.max(0, start - 1);
  const to = count === null ? b.length : Math.min(b.length, Math.max(0, start - 1 + count));
  return to <= from ? new Uint8Array(0) : b.slice(from, to);
}

export function positionBytes(b: Uint8Array, sub: Uint8Array): number {
  if (sub.length === 0) return 1;
  return Buffer.from(b.buffer, b.byteOffset, b.length).indexOf(Buffer.from(sub.buffer, sub.byteOffset, sub.length)) + 1;
}

export function trimBytes(b: Uint8Array, set: Uint8Array, left: boolean, right: boolean): Uint8Array {
  if (b.length === 0 || set.length === 0) return b;
  let a = 0;
  let z = b.length;
  if (left) while (a < z && set.includes(b[a]!)) a++;
  if (right) while (z > a && set.includes(b[z - 1]!)) z--;
  return b.slice(a, z);
}

// --- encodings --------------------------------------------------------------------------------------

function checkEncoding(name: string, which: 'source' | 'destination'): void {
  const enc = encodingByName(name);
  if (enc === 'UTF8') return;
  if (enc !== null) throw notSupported(`memstore supports only UTF8 in conversions, not "${name}"`);
  throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid ${which} encoding name "${name}"`);
}

function utf8SeqLength(lead: number): number {
  return (lead & 0x80) === 0 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without NUL, else 22021 naming the offending bytes as PostgreSQL does. */
export function utf8Text(b: Uint8Array): string {
  if (!b.includes(0)) {
    try {
      return strictDecoder.decode(b);
    } catch {
      // fall through to find the bad sequence
    }
  }
  for (let i = 0; i < b.length; ) {
    const l = utf8SeqLength(b[i]!);
    let ok = b[i] !== 0 && !(b[i]! >= 0x80 && l === 1);
    if (ok && l > 1) {
      try {
        strictDecoder.decode(b.subarray(i, i + l));
        ok = i + l <= b.length;
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      const bytes = Array.from(b.subarray(i, Math.min(i + l, b.length, i + 8)), (x) => '0x' + x.toString(16).padStart(2, '0'));
      throw new SqlError(SQLSTATE.character_not_in_repertoire, `invalid byte sequence for encoding "UTF8": ${bytes.join(' ')}`);
    }
    i += l;
  }
  return strictDecoder.decode(b);
}

export function convertFrom(b: Uint8Array, encoding: string): string {
  checkEncoding(encoding, 'source');
  return utf8Text(b);
}

export function convertTo(s: string, encoding: string): Uint8Array {
  checkEncoding(encoding, 'destination');
  return utf8Bytes(s);
}

// --- uuid -----------------------------------------------------------------------------------------

/** uuid_extract_version: the version nibble of an RFC 9562 (variant 10xx) uuid, else NULL. */
export function uuidVersion(u: string): number | null {
  const variant = parseInt(u[19]!, 16);
  if ((variant & 0xc) !== 0x8) return null;
  return parseInt(u[14]!, 16);
}

/** Microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch). */
const PG_EPOCH_US = 946684800000000n;
/** 100 ns intervals from 1582-10-15 (the Gregorian epoch of v1 uuids) to 1970-01-01. */
const GREGORIAN_OFFSET = 122192928000000000n;

/** uuid_extract_timestamp for v1 uuids (PostgreSQL 17 reads no other version), as µs since 2000-01-01 (timestamptz). */
export function uuidTimestamp(u: string): bigint | null {
  const version = uuidVersion(u);
  const hex = u.replaceAll('-', '');
  if (version === 1) {
    const ticks = (BigInt('0x' + hex.slice(13, 16)) << 48n) | (BigInt('0x' + hex.slice(8, 12)) << 32n) | BigInt('0x' + hex.slice(0, 8));
    return (ticks - GREGORIAN_OFFSET) / 10n - PG_EPOCH_US;
  }
  return null;
}
