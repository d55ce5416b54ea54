/*-------------------------------------------------------------------------
 *
 * key-datetime.ts
 *		Readers of date and timestamp text for the key codec (key-codec.ts).
 *
 * pgoutput sends dates and timestamps as their ISO text (the server session runs with DateStyle
 * ISO and TimeZone UTC). These readers turn that text into the key words key-codec.ts writes:
 * a date is its Julian day + 1; a timestamp is (UTC seconds since Julian day 0, microseconds)
 * as one 64-bit number + 1, split into two 32-bit words; -infinity is all zeros, infinity all
 * ones. They are hand-written and keep their state in module variables because they run for
 * every row in the apply loop (no regexes, no strings, no per-call objects).
 *
 * Malformed text raises the codec's RangeError (bad()), shared with key-codec.ts.
 *
 *-------------------------------------------------------------------------
 */

import { Oid } from '../pg/types.js';

export function bad(oid: number, t: Uint8Array): RangeError {
  const shown = Buffer.from(t.buffer, t.byteOffset, Math.min(t.length, 64)).toString('utf8');
  return new RangeError(`key codec: malformed text for type ${oid}: "${shown}"`);
}

/** Matches the ASCII word at t[from…] exactly to the end. */
export function isWord(t: Uint8Array, from: number, word: string): boolean {
  if (t.length - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (t[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** PostgreSQL's date2j(): Julian day of a proleptic Gregorian date (astronomical year). */
function date2j(y: number, m: number, d: number): number {
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.floor(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.floor(y / 4) - century + Math.floor(century / 4);
  julian += Math.floor((7834 * m) / 256) + d;
  return julian;
}

// Parser state shared by the date/time readers (no per-call objects).
let at = 0;

function readNumber(t: Uint8Array, minDigits: number, maxDigits: number, oid: number): number {
  let v = 0;
  let n = 0;
  while (at < t.length && n < maxDigits) {
    const d = t[at]! - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    at++;
    n++;
  }
  if (n < minDigits) throw bad(oid, t);
  return v;
}

function expect(t: Uint8Array, c: number, oid: number): void {
  if (t[at] !== c) throw bad(oid, t);
  at++;
}

/** "-infinity" → -1, "infinity" → 1, otherwise 0. */
function infinity(t: Uint8Array): number {
  if (t[0] === 0x2d) return isWord(t, 1, 'infinity') ? -1 : 0;
  if (t[0] === 0x69) return isWord(t, 0, 'infinity') ? 1 : 0;
  return 0;
}

/** Reads YYYY-MM-DD at `at`, returns the Julian day (BC handled by the caller via the year). */
function readDate(t: Uint8Array, oid: number): number {
  const y = readNumber(t, 4, 9, oid);
  expect(t, 0x2d, oid);
  const m = readNumber(t, 2, 2, oid);
  expect(t, 0x2d, oid);
  const d = readNumber(t, 2, 2, oid);
  if (m < 1 || m > 12 || d < 1 || d > 31) throw bad(oid, t);
  dateYear = y;
  dateMonth = m;
  return d;
}
let dateYear = 0;
let dateMonth = 0;

/** True when the text ends with " BC" (then `len` excludes it). */
function endsWithBC(t: Uint8Array): boolean {
  const n = t.length;
  return n > 3 && t[n - 3] === 0x20 && t[n - 2] === 0x42 && t[n - 1] === 0x43;
}

/** The 4-byte date key word: Julian day + 1; -infinity 0, infinity all ones. */
export function dateKeyWord(t: Uint8Array): number {
  const inf = infinity(t);
  if (inf !== 0) return inf < 0 ? 0 : 0xffffffff;
  at = 0;
  const d = readDate(t, Oid.date);
  const bc = endsWithBC(t);
  if (at !== (bc ? t.length - 3 : t.length)) throw bad(Oid.date, t);
  return date2j(bc ? 1 - dateYear : dateYear, dateMonth, d) + 1;
}

/** The two 4-byte timestamp key words, left in tsWords (no per-call object on the apply path). */
export const tsWords = { hi: 0, lo: 0 };

export function timestampKeyWords(t: Uint8Array, withZone: boolean): void {
  const oid = withZone ? Oid.timestamptz : Oid.timestamp;
  const inf = infinity(t);
  if (inf !== 0) {
    tsWords.hi = tsWords.lo = inf < 0 ? 0 : 0xffffffff;
    return;
  }
  const bc = endsWithBC(t);
  const end = bc ? t.length - 3 : t.length;
  at = 0;
  const day = readDate(t, oid);
  const jd = date2j(bc ? 1 - dateYear : dateYear, dateMonth, day);
  expect(t, 0x20, oid);
  const hh = readNumber(t, 2, 2, oid);
  expect(t, 0x3a, oid);
  const mi = readNumber(t, 2, 2, oid);
  expect(t, 0x3a, oid);
  const ss = readNumber(t, 2, 2, oid);
  let micros = 0;
  if (at < end && t[at] === 0x2e) {
    at++;
    const start = at;
    micros = readNumber(t, 1, 6, oid);
    for (let k = at - start; k < 6; k++) micros *= 10;
  }
  let seconds = jd * 86400 + hh * 3600 + mi * 60 + ss;
  if (withZone) {
    const sign = t[at];
    if (sign !== 0x2b && sign !== 0x2d) throw bad(oid, t);
    at++;
    let offset = readNumber(t, 2, 2, oid) * 3600;
    if (at < end && t[at] === 0x3a) {
      at++;
      offset += readNumber(t, 2, 2, oid) * 60;
      if (at < end && t[at] === 0x3a) {
        at++;
        offset += readNumber(t, 2, 2, oid);
      }
    }
    // Local = UTC + offset.
    seconds -= sign === 0x2b ? offset : -offset;
  }
  if (at !== end || seconds < 0) throw bad(oid, t);
  // seconds < 2^44 (year 294277), micros < 2^20: (seconds, micros) as one 64-bit number, + 1
  // so that the smallest instant stays above -infinity's all-zero encoding.
  tsWords.hi = Math.floor(seconds / 4096);
  tsWords.lo = (seconds % 4096) * 1048576 + micros + 1;
}
