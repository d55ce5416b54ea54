/*
 * datetime-format.ts — PostgreSQL's date/time output (EncodeDateOnly, EncodeTimeOnly,
 * EncodeDateTime, EncodeTimezone of datetime.c) under DateStyle, and the calendar arithmetic the
 * datetime types share: days since 2000-01-01 ↔ civil dates, µs ↔ fields, session-zone offsets.
 *
 * Invariants: a date is days since 2000-01-01 (number), a timestamp µs since 2000-01-01 (bigint);
 * years are astronomical (1 BC = 0) inside and printed as `<1-y> BC`.
 */
import { civilFromDays, daysFromCivil, PG_EPOCH_DAYS } from '../../pg/time.js';
import type { OutputSettings } from './datum.js';
import { sessionZone, type Zone } from './timezone.js';

export const US_PER_SEC = 1_000_000n;
export const US_PER_DAY_N = 86_400_000_000n;
export const US_PER_DAY = 86_400_000_000;
/** PostgreSQL's range: 4714-11-24 BC (julian day 0) to 5874897-12-31 for dates; timestamps end in 294276. */
export const DATE_MIN = -2_451_545; // 4714-11-24 BC
export const DATE_END = 2_147_483_494 - 2_451_545; // first day after 5874897-12-31
export const TS_MIN_US = -211_813_488_000_000_000n; // 4714-11-24 00:00 BC
export const TS_END_US = 9_223_371_331_200_000_000n; // 294277-01-01 00:00

export const MONTH_ABBR = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const DAY_ABBR = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** [year, month, day] (astronomical year) of a date (days since 2000-01-01). */
export function ymd(days: number): [number, number, number] {
  return civilFromDays(days + PG_EPOCH_DAYS);
}

/** Days since 2000-01-01 of an astronomical year, month, day. */
export function dateOf(y: number, m: number, d: number): number {
  return daysFromCivil(y, m, d) - PG_EPOCH_DAYS;
}

/** Day of week, 0 = Sunday. */
export function dow(days: number): number {
  return (((days + 6) % 7) + 7) % 7;
}

/** Splits µs since 2000 into [days, µs into the day] with floor semantics. */
export function splitUs(us: bigint): [number, number] {
  let days = us / US_PER_DAY_N;
  let rest = us - days * US_PER_DAY_N;
  if (rest < 0n) {
    days -= 1n;
    rest += US_PER_DAY_N;
  }
  return [Number(days), Number(rest)];
}

/** C's rint: round half to even (PostgreSQL rounds fractional input with it). */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));
const pad4 = (n: number): string => (n < 1000 ? String(n).padStart(4, '0') : String(n));

/** Seconds with PostgreSQL's fraction: `05`, `05.5`, `05.123456`. */
export function secondsText(secUs: number, zeroPad: boolean): string {
  const sec = Math.floor(secUs / 1e6);
  const frac = secUs - sec * 1e6;
  let t = zeroPad ? pad2(sec) : String(sec);
  if (frac !== 0) {
    let f = String(frac).padStart(6, '0');
    let e = f.length;
    while (f.charCodeAt(e - 1) === 48) e--;
    f = f.slice(0, e);
    t += '.' + f;
  }
  return t;
}

/** `HH:MM:SS[.f]` of µs into a day (hours may reach 24). */
export function timeText(us: number): string {
  const h = Math.floor(us / 3_600_000_000);
  const m = Math.floor(us / 60_000_000) % 60;
  return pad2(h) + ':' + pad2(m) + ':' + secondsText(us % 60_000_000, true);
}

/** EncodeTimezone: `+HH`, `+HH:MM`, `+HH:MM:SS` of an offset in seconds east. */
export function offsetText(east: number): string {
  const a = Math.abs(east);
  const h = Math.floor(a / 3600);
  const m = Math.floor(a / 60) % 60;
  const s = a % 60;
  let t = (east >= 0 ? '+' : '-') + pad2(h);
  if (s !== 0) t += ':' + pad2(m) + ':' + pad2(s);
  else if (m !== 0) t += ':' + pad2(m);
  return t;
}

const yearText = (y: number): string => pad4(y > 0 ? y : 1 - y);

/** EncodeDateOnly. */
export function dateText(days: number, s: OutputSettings): string {
  if (days === Infinity) return 'infinity';
  if (days === -Infinity) return '-infinity';
  const [y, m, d] = ymd(days);
  let t: string;
  switch (s.dateStyle) {
    case 'ISO':
      t = yearText(y) + '-' + pad2(m) + '-' + pad2(d);
      break;
    case 'SQL':
      t = (s.dateOrder === 'DMY' ? pad2(d) + '/' + pad2(m) : pad2(m) + '/' + pad2(d)) + '/' + yearText(y);
      break;
    case 'German':
      t = pad2(d) + '.' + pad2(m) + '.' + yearText(y);
      break;
    case 'Postgres':
      t = (s.dateOrder === 'DMY' ? pad2(d) + '-' + pad2(m) : pad2(m) + '-' + pad2(d)) + '-' + yearText(y);
  }
  return y <= 0 ? t + ' BC' : t;
}

/**
 * EncodeDateTime of a local timestamp (µs since 2000 in local time). `zone` null for timestamp
 * without time zone; else the offset (seconds east) and the abbreviation to print.
 */
export function timestampText(local: bigint, s: OutputSettings, offset: number | null, abbrev: string): string {
  const [days, tod] = splitUs(local);
  const [y, m, d] = ymd(days);
  const time = Math.floor(tod / 60_000_000);
  const hm = pad2(Math.floor(time / 60)) + ':' + pad2(time % 60) + ':' + secondsText(tod % 60_000_000, true);
  let t: string;
  switch (s.dateStyle) {
    case 'ISO':
      t = yearText(y) + '-' + pad2(m) + '-' + pad2(d) + ' ' + hm;
      if (offset !== null) t += offsetText(offset);
      break;
    case 'SQL':
    case 'German':
      t = s.dateStyle === 'German' ? pad2(d) + '.' + pad2(m) + '.' : s.dateOrder === 'DMY' ? pad2(d) + '/' + pad2(m) + '/' : pad2(m) + '/' + pad2(d) + '/';
      t += yearText(y) + ' ' + hm;
      // PostgreSQL prints the zone's abbreviation, even an empty one ('+03:00' as TimeZone)
      if (offset !== null) t += ' ' + abbrev;
      break;
    case 'Postgres': {
      t = DAY_ABBR[dow(days)]! + (s.dateOrder === 'DMY' ? ' ' + pad2(d) + ' ' + MONTH_ABBR[m - 1]! : ' ' + MONTH_ABBR[m - 1]! + ' ' + pad2(d));
      t += ' ' + hm + ' ' + yearText(y);
      if (offset !== null) t += ' ' + abbrev;
    }
  }
  return y <= 0 ? t + ' BC' : t;
}

/** Unix seconds of a timestamp (µs since 2000, UTC). */
export function unixSec(us: bigint): number {
  return Math.floor(Number(us) / 1e6) + PG_EPOCH_DAYS * 86_400;
}

/** Offset (seconds east) of the zone at a UTC timestamp. */
export function zoneOffset(zone: Zone, us: bigint): number {
  return zone.fixed ?? zone.offsetAt(unixSec(us));
}

/** Local µs since 2000 of a UTC timestamp in the session zone. */
export function toLocal(us: bigint, s: OutputSettings): bigint {
  return us + BigInt(zoneOffset(sessionZone(s.timeZone), us)) * US_PER_SEC;
}
