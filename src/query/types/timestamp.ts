/*
 * timestamp.ts — timestamp (1114) and timestamptz (1184): input, output in the session's
 * DateStyle and TimeZone, order, typmod rounding; the fast-path helpers for stored text.
 *
 * Both are bigint µs since 2000-01-01 (UTC for timestamptz); TS_NOBEGIN / TS_NOEND are
 * -infinity / infinity and order below / above every finite value, as in PostgreSQL.
 *
 * The store holds timestamptz as the primary printed it with TimeZone=UTC, DateStyle=ISO
 * ("2024-01-01 10:00:00+00"); reformatTimestamptz re-renders such text for the session.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { TS_NOBEGIN, TS_NOEND, type Datum, type OutputSettings } from './datum.js';
import { dateOf, splitUs, timestampText, TS_END_US, TS_MIN_US, US_PER_DAY_N, US_PER_SEC, ymd, zoneOffset } from './datetime-format.js';
import { checkDate, fastIso, parseDateTime, syntaxError } from './datetime-parse.js';
import type { EvalSettings, TypeInfo } from './registry.js';
import { localToUtc, sessionZone, type Zone } from './timezone.js';

export const UNIX_EPOCH_US = -946_684_800_000_000n;

export function tsOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.datetime_value_out_of_range, 'timestamp out of range');
}

export const isFiniteTs = (us: bigint): boolean => us !== TS_NOBEGIN && us !== TS_NOEND;

/** True when the value lies in PostgreSQL's timestamp range. */
export const tsInRange = (us: bigint): boolean => us >= TS_MIN_US && us < TS_END_US;

/** UTC µs of a local µs (since 2000) in the zone, with PostgreSQL's DST gap/overlap choice. */
export function localToUtcUs(local: bigint, zone: Zone): bigint {
  if (zone.fixed !== null) return local - BigInt(zone.fixed) * US_PER_SEC;
  const [days, tod] = splitUs(local);
  const sec = Math.floor(tod / 1e6);
  const localSec = (days + 10_957) * 86_400 + sec;
  const utcSec = localToUtc(zone, localSec);
  return local - BigInt(localSec - utcSec) * US_PER_SEC;
}

/** Local µs of a UTC timestamp in a zone. */
export function utcToLocalUs(us: bigint, zone: Zone): bigint {
  return us + BigInt(zoneOffset(zone, us)) * US_PER_SEC;
}

/** Midnight (local µs) of the session's current date. */
function localToday(s: EvalSettings): bigint {
  const local = utcToLocalUs(s.transactionStart, sessionZone(s.timeZone));
  return BigInt(splitUs(local)[0]) * US_PER_DAY_N;
}

/** Text → µs (UTC when withZone) with PostgreSQL's rules; typmod applied by the caller. */
export function timestampIn(text: string, withZone: boolean, s: EvalSettings): bigint {
  const f = fastIso(text, dateOf);
  if (f !== null) {
    const local = BigInt(f.days) * US_PER_DAY_N + BigInt(f.micros);
    const us = !withZone ? local : f.offset !== null ? local - BigInt(f.offset) * US_PER_SEC : localToUtcUs(local, sessionZone(s.timeZone));
    if (tsInRange(us)) return us;
  }
  const typeName = withZone ? 'timestamp with time zone' : 'timestamp';
  const p = parseDateTime(text, typeName, s.dateOrder);
  const zone = sessionZone(s.timeZone);
  let local: bigint;
  switch (p.special) {
    case 'infinity':
      return TS_NOEND;
    case '-infinity':
      return TS_NOBEGIN;
    case 'epoch':
      return UNIX_EPOCH_US;
    case 'now':
      return withZone ? s.transactionStart : utcToLocalUs(s.transactionStart, zone);
    case 'today':
    case 'tomorrow':
    case 'yesterday':
      local = localToday(s) + BigInt(p.special === 'today' ? 0 : p.special === 'tomorrow' ? 1 : -1) * US_PER_DAY_N + BigInt(p.micros);
      break;
    case null:
      if (!p.hasDate) throw syntaxError(typeName, text);
      checkDate(p, text);
      local = BigInt(dateOf(p.year, p.month, p.day)) * US_PER_DAY_N + BigInt(p.micros);
  }
  let us = local;
  if (withZone) {
    if (p.tz !== null) us = local - BigInt(p.tz) * US_PER_SEC;
    else us = localToUtcUs(local, p.zone ?? zone);
  }
  if (!tsInRange(us)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `timestamp out of range: "${text}"`);
  return us;
}

const SCALES = [1_000_000n, 100_000n, 10_000n, 1000n, 100n, 10n, 1n];

/** AdjustTimestampForTypmod / AdjustTimeForTypmod: round to `p` fractional digits, halves away from zero. */
export function roundUs(us: bigint, p: number): bigint {
  if (p < 0 || p >= 6) return us;
  const scale = SCALES[p]!;
  const half = scale / 2n;
  return us >= 0n ? ((us + half) / scale) * scale : -(((-us + half) / scale) * scale);
}

function applyTsTypmod(d: Datum, typmod: number): Datum {
  const us = d as bigint;
  if (typmod < 0 || typmod >= 6 || !isFiniteTs(us)) return us;
  const r = roundUs(us, typmod);
  if (!tsInRange(r)) throw tsOutOfRange();
  return r;
}

function formatTsTypmod(typmod: number, withZone: boolean): string {
  return `timestamp(${typmod}) ${withZone ? 'with' : 'without'} time zone`;
}

export function timestampOut(us: bigint, s: OutputSettings): string {
  if (us === TS_NOEND) return 'infinity';
  if (us === TS_NOBEGIN) return '-infinity';
  return timestampText(us, s, null, '');
}

export function timestamptzOut(us: bigint, s: OutputSettings): string {
  if (us === TS_NOEND) return 'infinity';
  if (us === TS_NOBEGIN) return '-infinity';
  const zone = sessionZone(s.timeZone);
  const offset = zoneOffset(zone, us);
  const abbrev = s.dateStyle === 'ISO' ? '' : zone.fixed !== null ? zone.abbrevAt(0) : zone.abbrevAt(Math.floor(Number(us) / 1e6) + 946_684_800);
  return timestampText(us + BigInt(offset) * US_PER_SEC, s, offset, abbrev);
}

const cmpBig = (a: Datum, b: Datum): number => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);

export const timestampType: TypeInfo = {
  oid: 1114,
  name: 'timestamp',
  sqlName: 'timestamp without time zone',
  category: 'D',
  preferred: false,
  len: 8,
  elem: 0,
  array: 1115,
  input: (text, typmod, s) => applyTsTypmod(timestampIn(text, false, s), typmod),
  output: (d, s) => timestampOut(d as bigint, s),
  compare: cmpBig,
  hashKey: (d) => d as bigint,
  applyTypmod: (d, typmod) => applyTsTypmod(d, typmod),
  formatTypmod: (t) => formatTsTypmod(t, false),
};

export const timestamptzType: TypeInfo = {
  oid: 1184,
  name: 'timestamptz',
  sqlName: 'timestamp with time zone',
  category: 'D',
  preferred: true,
  len: 8,
  elem: 0,
  array: 1185,
  input: (text, typmod, s) => applyTsTypmod(timestampIn(text, true, s), typmod),
  output: (d, s) => timestamptzOut(d as bigint, s),
  compare: cmpBig,
  hashKey: (d) => d as bigint,
  applyTypmod: (d, typmod) => applyTsTypmod(d, typmod),
  formatTypmod: (t) => formatTsTypmod(t, true),
};

/**
 * True when datetime values print exactly as the store holds them (the primary's output under
 * DateStyle ISO, TimeZone UTC, IntervalStyle postgres): stored text may then be copied unchanged.
 */
export function isDefaultDatetimeOutput(s: OutputSettings): boolean {
  if (s.dateStyle !== 'ISO' || s.intervalStyle !== 'postgres') return false;
  const z = sessionZone(s.timeZone);
  return z.fixed === 0;
}

const d2 = (t: string, i: number): number => (t.charCodeAt(i) - 48) * 10 + t.charCodeAt(i + 1) - 48;

/**
 * Stored timestamptz text ("2024-01-01 10:00:00[.f]+00[ BC]", as the primary prints it in UTC)
 * rendered for the session; other spellings go through the full input function.
 */
export function reformatTimestamptz(text: string, s: OutputSettings): string {
  if (isDefaultDatetimeOutput(s)) return text;
  let us: bigint;
  const dash = text.indexOf('-', 4);
  let end = dash + 15; // just after the seconds
  let frac = 0;
  if (text.charCodeAt(end) === 46) {
    const e = end + 1;
    while (end + 1 < text.length && text.charCodeAt(end + 1) >= 48 && text.charCodeAt(end + 1) <= 57) end++;
    frac = Number(text.slice(e, end + 1).padEnd(6, '0'));
    end++;
  }
  const bc = text.endsWith(' BC');
  const canonical = dash >= 4 && text.charCodeAt(dash + 6) === 32 && text.charCodeAt(dash + 9) === 58 && text.slice(end, text.length - (bc ? 3 : 0)) === '+00';
  if (canonical) {
    let y = Number(text.slice(0, dash));
    if (bc) y = 1 - y;
    const days = dateOf(y, d2(text, dash + 1), d2(text, dash + 4));
    const secs = d2(text, dash + 7) * 3600 + d2(text, dash + 10) * 60 + d2(text, dash + 13);
    us = BigInt(days) * US_PER_DAY_N + BigInt(secs * 1_000_000 + frac);
  } else {
    us = timestampIn(text, true, { ...s, timeZone: 'UTC', dateStyle: 'ISO', dateOrder: 'MDY', transactionStart: 0n, statementStart: 0n });
  }
  return timestamptzOut(us, s);
}

/** Year, month, day of a (local) timestamp, for callers doing field arithmetic. */
export function tsFields(local: bigint): { y: number; m: number; d: number; tod: number; days: number } {
  const [days, tod] = splitUs(local);
  const [y, m, d] = ymd(days);
  return { y, m, d, tod, days };
}
