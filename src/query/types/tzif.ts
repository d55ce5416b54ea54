/*
 * tzif.ts — PostgreSQL's own time zone database, read from the TZif files the embedded server
 * ships (`share/postgresql/timezone/<Area>/<City>`, RFC 8536), so that offsets and abbreviations
 * are exactly the primary's: the same tzdata release, LMT and historical offsets included, and
 * the abbreviations PostgreSQL prints in Postgres / SQL / German DateStyle and to_char's TZ (ICU,
 * which Intl uses, has its own tzdata version and spells most abbreviations "GMT+1").
 *
 * A file holds transition instants with an index into local time types (offset, isdst,
 * abbreviation) and, for instants after the last transition (files are "slim"), a POSIX TZ rule
 * such as `CET-1CEST,M3.5.0,M10.5.0/3`, evaluated here.
 *
 * Invariants: offsets are seconds east of UTC; before the first transition the first type
 * applies (RFC 8536 §3.2); zones are read once and cached.
 *
 * Left out: leap-second records (PostgreSQL's files have none); the version-1 data block (only the
 * 64-bit block of version 2+ files is read).
 *
 * Interface:
 *   tzifZone(name)          offsets and abbreviations of a named zone, null when no such file
 *   parsePosixTz(text)      a POSIX TZ rule (also what `SET TimeZone = 'EST5EDT'` names)
 *   posixLocal(rule, sec)   offset and abbreviation of a rule at a UTC instant
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pgNativeDir } from '../../pg/binaries.js';
import { civilFromDays } from '../../pg/time.js';

export interface LocalType {
  readonly offset: number;
  readonly isDst: boolean;
  readonly abbrev: string;
}

export interface TzifZone {
  readonly transitions: Float64Array;
  readonly typeIndex: Uint8Array;
  readonly types: readonly LocalType[];
  readonly rule: PosixRule | null;
}

interface RuleDate {
  readonly kind: 'J' | 'n' | 'M';
  /** J: 1..365 (no Feb 29); n: 0..365; M: month, week (1..5, 5 = last), weekday (0 = Sunday). */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Seconds after local midnight (may be negative or beyond 24 h). */
  readonly time: number;
}

export interface PosixRule {
  readonly std: LocalType;
  readonly dst: LocalType | null;
  readonly start: RuleDate | null;
  readonly end: RuleDate | null;
}

let tzDir: string | null | undefined;

/** Where the embedded PostgreSQL's timezone directory is, or null when the package is absent. */
function timezoneDir(): string | null {
  if (tzDir !== undefined) return tzDir;
  tzDir = null;
  const native = pgNativeDir();
  const dir = native === null ? null : path.join(native, 'share', 'postgresql', 'timezone');
  if (dir !== null && existsSync(dir)) tzDir = dir;
  return tzDir;
}

const cache = new Map<string, TzifZone | null>();

/** The zone's TZif data; null for a name that is not a file there (or a path-like trick). */
export function tzifZone(name: string): TzifZone | null {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let z: TzifZone | null = null;
  const dir = timezoneDir();
  if (dir !== null && /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) {
    const file = path.join(dir, name);
    try {
      z = readTzif(readFileSync(file));
    } catch {
      z = null;
    }
  }
  if (cache.size > 1000) cache.clear();
  cache.set(name, z);
  return z;
}

export function readTzif(buf: Buffer): TzifZone {
  if (buf.toString('latin1', 0, 4) !== 'TZif') throw new Error('not a TZif file');
  const version = buf[4]!;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => buf.readUInt32BE(at + 20 + 4 * i));
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0) as [number, number, number, number, number, number];
  let at = 44;
  let wide = false;
  if (version >= 0x32) {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at) as [number, number, number, number, number, number];
    at += 44;
    wide = true;
  }
  const transitions = new Float64Array(timecnt);
  for (let i = 0; i < timecnt; i++) transitions[i] = wide ? Number(buf.readBigInt64BE(at + 8 * i)) : buf.readInt32BE(at + 4 * i);
  at += timecnt * (wide ? 8 : 4);
  const typeIndex = new Uint8Array(buf.subarray(at, at + timecnt));
  at += timecnt;
  const raw: { offset: number; isDst: boolean; idx: number }[] = [];
  for (let i = 0; i < typecnt; i++) raw.push({ offset: buf.readInt32BE(at + 6 * i), isDst: buf[at + 6 * i + 4] === 1, idx: buf[at + 6 * i + 5]! });
  at += typecnt * 6;
  const chars = buf.subarray(at, at + charcnt);
  const abbrevAt = (i: number): string => {
    let e = i;
    while (e < chars.length && chars[e] !== 0) e++;
    return chars.toString('latin1', i, e);
  };
  const types = raw.map((t) => ({ offset: t.offset, isDst: t.isDst, abbrev: abbrevAt(t.idx) }));
  at += charcnt + leap * (wide ? 12 : 8) + isstd + isut;
  let rule: PosixRule | null = null;
  if (wide && buf[at] === 0x0a) {
    const end = buf.indexOf(0x0a, at + 1);
    const text = buf.toString('latin1', at + 1, end < 0 ? buf.length : end);
    if (text !== '') rule = parsePosixTz(text);
  }
  return { transitions, typeIndex, types, rule };
}

/** Offset and abbreviation at a UTC instant (unix seconds). */
export function tzifLocal(z: TzifZone, sec: number): LocalType {
  const t = z.transitions;
  if (t.length === 0 || sec < t[0]!) {
    if (t.length === 0 && z.rule !== null) return posixLocal(z.rule, sec);
    return z.types[0]!;
  }
  if (sec >= t[t.length - 1]! && z.rule !== null) return posixLocal(z.rule, sec);
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid]! <= sec) lo = mid;
    else hi = mid - 1;
  }
  return z.types[z.typeIndex[lo]!]!;
}

// --- POSIX TZ rules -----------------------------------------------------------------------------

/** Parses `std offset [dst [offset] [,start[/time],end[/time]]]`; null when malformed. */
export function parsePosixTz(text: string): PosixRule | null {
  let i = 0;
  const name = (): string | null => {
    if (text[i] === '<') {
      const e = text.indexOf('>', i);
      if (e < 0) return null;
      const n = text.slice(i + 1, e);
      i = e + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(text.slice(i));
    if (m === null) return null;
    i += m[0].length;
    return m[0];
  };
  const hms = (signed: boolean): number | null => {
    const m = (signed ? /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/ : /^()(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/).exec(text.slice(i));
    if (m === null) return null;
    i += m[0].length;
    const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -v : v;
  };
  const stdName = name();
  if (stdName === null) return null;
  const stdWest = hms(true);
  if (stdWest === null) return null;
  const std: LocalType = { offset: -stdWest, isDst: false, abbrev: stdName };
  if (i >= text.length) return { std, dst: null, start: null, end: null };
  const dstName = name();
  if (dstName === null) return null;
  let dstOffset = std.offset + 3600;
  if (text[i] !== ',' && i < text.length) {
    const w = hms(true);
    if (w === null) return null;
    dstOffset = -w;
  }
  const dst: LocalType = { offset: dstOffset, isDst: true, abbrev: dstName };
  const date = (): RuleDate | null => {
    if (text[i] !== ',') return null;
    i++;
    let d: Omit<RuleDate, 'time'>;
    let m: RegExpExecArray | null;
    if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(text.slice(i))) !== null) d = { kind: 'M', a: Number(m[1]), b: Number(m[2]), c: Number(m[3]) };
    else if ((m = /^J(\d{1,3})/.exec(text.slice(i))) !== null) d = { kind: 'J', a: Number(m[1]), b: 0, c: 0 };
    else if ((m = /^(\d{1,3})/.exec(text.slice(i))) !== null) d = { kind: 'n', a: Number(m[1]), b: 0, c: 0 };
    else return null;
    i += m[0].length;
    let time = 7200;
    if (text[i] === '/') {
      i++;
      const t = hms(true);
      if (t === null) return null;
      time = t;
    }
    return { ...d, time };
  };
  // Without rules, POSIX's default is the US rule; tzdata files always spell their rules out.
  const start = date() ?? { kind: 'M' as const, a: 3, b: 2, c: 0, time: 7200 };
  const end = date() ?? { kind: 'M' as const, a: 11, b: 1, c: 0, time: 7200 };
  return { std, dst, start, end };
}

const DAY = 86_400;

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Unix day of a rule date in a year. */
function ruleDay(r: RuleDate, year: number): number {
  const jan1 = daysFromCivil(year, 1, 1);
  if (r.kind === 'J') return jan1 + r.a - 1 + (isLeap(year) && r.a >= 60 ? 1 : 0);
  if (r.kind === 'n') return jan1 + r.a;
  const first = daysFromCivil(year, r.a, 1);
  const dow = (((first + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  let day = first + ((r.c - dow + 7) % 7) + (r.b - 1) * 7;
  const nextMonth = r.a === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, r.a + 1, 1);
  while (day >= nextMonth) day -= 7;
  return day;
}

export function posixLocal(rule: PosixRule, sec: number): LocalType {
  const { std, dst, start, end } = rule;
  if (dst === null || start === null || end === null) return std;
  const year = civilFromDays(Math.floor((sec + std.offset) / DAY))[0];
  // Transition instants in UTC: the start is given in standard time, the end in daylight time.
  const begins = ruleDay(start, year) * DAY + start.time - std.offset;
  const ends = ruleDay(end, year) * DAY + end.time - dst.offset;
  const inDst = begins < ends ? sec >= begins && sec < ends : !(sec >= ends && sec < begins);
  return inDst ? dst : std;
}
