/*
 * text.ts — the string functions on characters: length, case, substr/position, trim, pad,
 * left/right, replace, split_part, repeat, reverse, ascii/chr, translate, initcap, overlay,
 * string_to_array, starts_with. Positions and lengths count characters (code points), as
 * PostgreSQL does in UTF-8; a JS string's surrogate pairs are never split.
 *
 * Errors follow PostgreSQL's texts (negative substring length 22011, split_part field 0 22023,
 * chr 54000, results over 1 GB 54000).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { ArrayValue, Datum } from '../types/datum.js';
import { charLength, codeUnitOffset, hasAstral, lowerC, upperC } from '../types/text.js';

/** PostgreSQL's MaxAllocSize: no text value may reach 1 GB. */
const MAX_BYTES = 0x3fffffff;

export function lengthTooLarge(): SqlError {
  return new SqlError(SQLSTATE.program_limit_exceeded, 'requested length too large');
}

function negativeLength(): SqlError {
  return new SqlError('22011', 'negative substring length not allowed');
}

/** substr(s, start[, count]) with PostgreSQL's clamping of out-of-range starts. */
export function substrText(s: string, start: number, count: number | null): string {
  if (count !== null && count < 0) throw negativeLength();
  // Characters [start, start + count) intersected with [1, len].
  let from = start - 1;
  const to = count === null ? Infinity : start - 1 + count;
  if (from < 0) from = 0;
  if (to <= from) return '';
  if (!hasAstral(s)) return s.slice(from, to === Infinity ? undefined : to);
  const a = codeUnitOffset(s, from);
  return to === Infinity ? s.slice(a) : s.slice(a, a + codeUnitOffset(s.slice(a), to - from));
}

/** strpos / position: 1-based character index of the first occurrence, 0 when none. */
export function strpos(s: string, sub: string): number {
  const i = s.indexOf(sub);
  if (i <= 0) return i + 1;
  return hasAstral(s) ? charLength(s.slice(0, i)) + 1 : i + 1;
}

function charSet(chars: string): Set<string> | string {
  return hasAstral(chars) ? new Set(Array.from(chars)) : chars;
}

function inSet(set: Set<string> | string, c: string): boolean {
  return typeof set === 'string' ? set.includes(c) : set.has(c);
}

/** btrim/ltrim/rtrim with a set of characters. */
export function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  if (chars === ' ') {
    let a = 0;
    let b = s.length;
    if (left) while (a < b && s.charCodeAt(a) === 0x20) a++;
    if (right) while (b > a && s.charCodeAt(b - 1) === 0x20) b--;
    return s.slice(a, b);
  }
  if (chars === '' || s === '') return s;
  const set = charSet(chars);
  const cs = hasAstral(s) ? Array.from(s) : null;
  if (cs === null) {
    let a = 0;
    let b = s.length;
    if (left) while (a < b && inSet(set, s[a]!)) a++;
    if (right) while (b > a && inSet(set, s[b - 1]!)) b--;
    return s.slice(a, b);
  }
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && inSet(set, cs[a]!)) a++;
  if (right) while (b > a && inSet(set, cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

/** lpad / rpad: truncate to len characters, or fill (the fill repeats and is cut). */
export function pad(s: string, len: number, fill: string, left: boolean): string {
  if (len <= 0) return '';
  const slen = charLength(s);
  if (slen >= len) return substrText(s, 1, len);
  if (fill === '') return s;
  const need = len - slen;
  if (need * 4 > MAX_BYTES) throw lengthTooLarge();
  const flen = charLength(fill);
  let f = fill.repeat(Math.floor(need / flen)) + substrText(fill, 1, need % flen);
  if (f.length > need * 2) f = substrText(f, 1, need);
  return left ? f + s : s + f;
}

export function leftText(s: string, n: number): string {
  if (n >= 0) return substrText(s, 1, n);
  const len = charLength(s);
  return substrText(s, 1, Math.max(0, len + n));
}

export function rightText(s: string, n: number): string {
  const len = charLength(s);
  if (n >= 0) return substrText(s, Math.max(1, len - n + 1), null);
  return substrText(s, 1 - n, null);
}

export function replaceText(s: string, from: string, to: string): string {
  if (from === '' || s === '') return s;
  return s.split(from).join(to);
}

export function splitPart(s: string, delim: string, n: number): string {
  if (n === 0) throw new SqlError(SQLSTATE.invalid_parameter_value, 'field position must not be zero');
  if (s === '') return '';
  if (delim === '') return n === 1 || n === -1 ? s : '';
  const parts = s.split(delim);
  const i = n > 0 ? n - 1 : parts.length + n;
  return i >= 0 && i < parts.length ? parts[i]! : '';
}

export function repeatText(s: string, n: number): string {
  if (n <= 0 || s === '') return '';
  if (s.length * n * 3 > MAX_BYTES || s.length * n > 0x1fffffe8 / 2) throw lengthTooLarge();
  return s.repeat(n);
}

export function reverseText(s: string): string {
  if (!hasAstral(s)) {
    let r = '';
    for (let i = s.length - 1; i >= 0; i--) r += s[i]!;
    return r;
  }
  return Array.from(s).reverse().join('');
}

export function ascii(s: string): number {
  return s === '' ? 0 : s.codePointAt(0)!;
}

export function chr(n: number): string {
  if (n < 0) throw new SqlError(SQLSTATE.invalid_parameter_value, 'character number must be positive');
  if (n === 0) throw new SqlError(SQLSTATE.program_limit_exceeded, 'null character not permitted');
  if (n > 0x10ffff) throw new SqlError(SQLSTATE.program_limit_exceeded, `requested character too large for encoding: ${n}`);
  if (n >= 0xd800 && n <= 0xdfff) throw new SqlError(SQLSTATE.program_limit_exceeded, `requested character not valid for encoding: ${n}`);
  return String.fromCodePoint(n);
}

export function translate(s: string, from: string, to: string): string {
  const f = Array.from(from);
  const t = Array.from(to);
  const map = new Map<string, string | null>();
  for (let i = 0; i < f.length; i++) if (!map.has(f[i]!)) map.set(f[i]!, i < t.length ? t[i]! : null);
  let out = '';
  for (const c of s) {
    const m = map.get(c);
    if (m === undefined) out += c;
    else if (m !== null) out += m;
  }
  return out;
}

const isAlnumAscii = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** initcap in the C locale: ASCII letters after a non-alphanumeric are upper-cased, others lowered. */
export function initcap(s: string): string {
  let out = '';
  let prevAlnum = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) out += prevAlnum ? String.fromCharCode(c + 32) : s[i];
    else if (c >= 0x61 && c <= 0x7a) out += prevAlnum ? s[i] : String.fromCharCode(c - 32);
    else out += s[i];
    prevAlnum = isAlnumAscii(c);
  }
  return out;
}

/** overlay(s placing r from start [for count]). */
export function overlay(s: string, r: string, start: number, count: number | null): string {
  const n = count ?? charLength(r);
  if (start <= 0) throw negativeLength();
  if (start + n > 2147483647 || start + n < -2147483648) throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'integer out of range');
  return substrText(s, 1, start - 1) + r + substrText(s, start + n, null);
}

/** A one-dimensional text[] (empty: no dimensions, as PostgreSQL's '{}'). */
export function textArray(items: Datum[], elemType = 25): ArrayValue {
  return items.length === 0 ? { elemType, dims: [], lbounds: [], items } : { elemType, dims: [items.length], lbounds: [1], items };
}

/** string_to_array / string_to_table's elements (null delimiter: one element per character). */
export function stringToElements(s: string, delim: string | null, nullStr: string | null): (string | null)[] {
  if (s === '') return [];
  let parts: string[];
  if (delim === null) parts = Array.from(s);
  else if (delim === '') parts = [s];
  else parts = s.split(delim);
  return nullStr === null ? parts : parts.map((p) => (p === nullStr ? null : p));
}

export { lowerC as lower, upperC as upper };
