/*
 * datetime.ts — date/time arithmetic as PostgreSQL's timestamp.c / date.c compute it: timestamp
 * ± interval (months with end-of-month clamping, then days, then µs; for timestamptz months and
 * days move the local wall clock of the session zone, so '1 day' across a DST change keeps the
 * hour), timestamp differences (justify_hours-like), interval * / float8, justify_*, age,
 * AT TIME ZONE, and the cross-type conversions the casts use.
 *
 * Invariants: timestamps are bigint µs since 2000-01-01; ±infinity stay infinite through
 * arithmetic with finite intervals; results outside PostgreSQL's range raise 22008.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { TS_NOBEGIN, TS_NOEND, type IntervalValue } from '../types/datum.js';
import { daysInMonth } from '../types/datetime-parse.js';
import { dateOf, splitUs, US_PER_DAY_N, ymd } from '../types/datetime-format.js';
import { dateInRange, dateOutOfRange } from '../types/date.js';
import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, intervalOutOfRange, IV_NOBEGIN, IV_NOEND, ivIsFinite, ivIsNoBegin, ivIsNoEnd, makeInterval } from '../types/interval.js';
import type { EvalSettings } from '../types/registry.js';
import { isFiniteTs, localToUtcUs, tsInRange, tsOutOfRange, utcToLocalUs } from '../types/timestamp.js';
import { abbreviationOffset, lookupZone, sessionZone, type Zone } from '../types/timezone.js';

const DAY = US_PER_DAY_N;

export function checkTs(us: bigint): bigint {
  if (!tsInRange(us)) throw tsOutOfRange();
  return us;
}

// --- conversions ------------------------------------------------------------------------------------

export function dateToTimestamp(d: number): bigint {
  if (d === Infinity) return TS_NOEND;
  if (d === -Infinity) return TS_NOBEGIN;
  const us = BigInt(d) * DAY;
  if (!tsInRange(us)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'date out of range for timestamp');
  return us;
}

/**
 * date → timestamp for comparisons: a date beyond the timestamp range sorts after every finite
 * timestamp but before infinity (and symmetrically), as PostgreSQL's date_cmp_timestamp.
 */
export function dateToTimestampForCompare(d: number): bigint {
  if (d === Infinity || d === -Infinity) return d > 0 ? TS_NOEND : TS_NOBEGIN;
  const us = BigInt(d) * DAY;
  return tsInRange(us) ? us : us > 0n ? TS_NOEND - 1n : TS_NOBEGIN + 1n;
}

export function dateToTimestamptzForCompare(d: number, s: EvalSettings): bigint {
  const local = dateToTimestampForCompare(d);
  if (!tsInRange(local)) return local;
  const us = localToUtcUs(local, sessionZone(s.timeZone));
  return tsInRange(us) ? us : us > 0n ? TS_NOEND - 1n : TS_NOBEGIN + 1n;
}

export function dateToTimestamptz(d: number, s: EvalSettings): bigint {
  const local = dateToTimestamp(d);
  if (!isFiniteTs(local)) return local;
  return checkTs(localToUtcUs(local, sessionZone(s.timeZone)));
}

export function timestampToTimestamptz(us: bigint, s: EvalSettings): bigint {
  if (!isFiniteTs(us)) return us;
  return checkTs(localToUtcUs(us, sessionZone(s.timeZone)));
}

export function timestamptzToTimestamp(us: bigint, s: EvalSettings): bigint {
  if (!isFiniteTs(us)) return us;
  return checkTs(utcToLocalUs(us, sessionZone(s.timeZone)));
}

export function timestampToDate(us: bigint): number {
  if (us === TS_NOBEGIN) return -Infinity;
  if (us === TS_NOEND) return Infinity;
  return splitUs(us)[0];
}

export function timestamptzToDate(us: bigint, s: EvalSettings): number {
  return timestampToDate(timestamptzToTimestamp(us, s));
}

/** The µs-into-day of a local timestamp (time cast). */
export function timestampToTime(us: bigint): number {
  return splitUs(us)[1];
}

// --- interval arithmetic --------------------------------------------------------------------------

export function intervalAdd(a: IntervalValue, b: IntervalValue): IntervalValue {
  const ai = !ivIsFinite(a);
  const bi = !ivIsFinite(b);
  if (ai || bi) {
    if (ai && bi && ivIsNoEnd(a) !== ivIsNoEnd(b)) throw intervalOutOfRange();
    return ai ? a : b;
  }
  return makeInterval(a.months + b.months, a.days + b.days, a.micros + b.micros);
}

export function intervalNeg(a: IntervalValue): IntervalValue {
  if (ivIsNoEnd(a)) return IV_NOBEGIN;
  if (ivIsNoBegin(a)) return IV_NOEND;
  if (a.months === INT32_MIN || a.days === INT32_MIN || a.micros === INT64_MIN) throw intervalOutOfRange();
  return { months: -a.months || 0, days: -a.days || 0, micros: -a.micros };
}

export function intervalSub(a: IntervalValue, b: IntervalValue): IntervalValue {
  const ai = !ivIsFinite(a);
  const bi = !ivIsFinite(b);
  if (ai || bi) {
    if (ai && bi && ivIsNoEnd(a) === ivIsNoEnd(b)) throw intervalOutOfRange();
    return ai ? a : intervalNeg(b);
  }
  return makeInterval(a.months - b.months, a.days - b.days, a.micros - b.micros);
}

const TSROUND = (x: number): number => Math.round(x * 1e6) / 1e6;

/** interval_mul: fractional months cascade into days and days into seconds, as PostgreSQL. */
export function intervalMul(span: IntervalValue, factor: number): IntervalValue {
  if (Number.isNaN(factor)) throw intervalOutOfRange();
  if (!ivIsFinite(span)) {
    if (factor === 0) throw intervalOutOfRange();
    return factor < 0 ? intervalNeg(span) : span;
  }
  if (!Number.isFinite(factor)) {
    const k = intervalSignKey(span);
    if (k === 0n) throw intervalOutOfRange();
    return (factor > 0) === (k > 0n) ? IV_NOEND : IV_NOBEGIN;
  }
  const monthD = span.months * factor;
  if (!(monthD >= INT32_MIN && monthD <= INT32_MAX)) throw intervalOutOfRange();
  const months = Math.trunc(monthD);
  const dayD = span.days * factor;
  if (!(dayD >= INT32_MIN && dayD <= INT32_MAX)) throw intervalOutOfRange();
  let days = Math.trunc(dayD);
  let monthRemainderDays = (monthD - months) * 30;
  monthRemainderDays = TSROUND(monthRemainderDays);
  let secRemainder = (span.days * factor - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400;
  secRemainder = TSROUND(secRemainder);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const t = Number(span.micros) * factor + secRemainder * 1e6;
  if (!(t < 9.223372036854776e18 && t >= -9.223372036854776e18)) throw intervalOutOfRange();
  return makeInterval(months || 0, days || 0, BigInt(rintBig(Number(span.micros) * factor + secRemainder * 1e6)));
}

function rintBig(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function intervalSignKey(v: IntervalValue): bigint {
  return (BigInt(v.months) * 30n + BigInt(v.days)) * DAY + v.micros;
}

/** interval_div. */
export function intervalDiv(span: IntervalValue, factor: number): IntervalValue {
  if (factor === 0) throw new SqlError(SQLSTATE.division_by_zero, 'division by zero');
  if (Number.isNaN(factor)) throw intervalOutOfRange();
  if (!Number.isFinite(factor)) {
    if (!ivIsFinite(span)) throw intervalOutOfRange();
    return { months: 0, days: 0, micros: 0n };
  }
  if (!ivIsFinite(span)) return (factor > 0) === ivIsNoEnd(span) ? IV_NOEND : IV_NOBEGIN;
  const months = Math.trunc(span.months / factor);
  let days = Math.trunc(span.days / factor);
  let monthRemainderDays = (span.months / factor - months) * 30;
  monthRemainderDays = TSROUND(monthRemainderDays);
  let secRemainder = (span.days / factor - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400;
  secRemainder = TSROUND(secRemainder);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  return makeInterval(months || 0, days || 0, BigInt(rintBig(Number(span.micros) / factor + secRemainder * 1e6)));
}

function tmodulo(t: bigint, unit: bigint): [bigint, bigint] {
  const q = t / unit; // truncates toward zero like C
  return [q, t - q * unit];
}

export function justifyHours(v: IntervalValue): IntervalValue {
  if (!ivIsFinite(v)) return v;
  const [whole, rest] = tmodulo(v.micros, DAY);
  let days = v.days + Number(whole);
  let micros = rest;
  if (days > 0 && micros < 0n) {
    micros += DAY;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= DAY;
    days++;
  }
  return makeInterval(v.months, days, micros);
}

export function justifyDays(v: IntervalValue): IntervalValue {
  if (!ivIsFinite(v)) return v;
  const whole = Math.trunc(v.days / 30);
  let days = v.days - whole * 30;
  let months = v.months + whole;
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return makeInterval(months, days, v.micros);
}

export function justifyInterval(v: IntervalValue): IntervalValue {
  if (!ivIsFinite(v)) return v;
  const [wholeDay, rest] = tmodulo(v.micros, DAY);
  let micros = rest;
  let days = v.days + Number(wholeDay);
  const wholeMonth = Math.trunc(days / 30);
  days -= wholeMonth * 30;
  let months = v.months + wholeMonth;
  if (months > 0 && (days < 0 || (days === 0 && micros < 0n))) {
    days += 30;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && micros > 0n))) {
    days -= 30;
    months++;
  }
  if (days > 0 && micros < 0n) {
    micros += DAY;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= DAY;
    days++;
  }
  return makeInterval(months, days, micros);
}

// --- timestamp ± interval -----------------------------------------------------------------------

/** Adds months (end-of-month clamped) and days to a local timestamp's calendar date. */
function addMonthsDays(local: bigint, months: number, days: number): bigint {
  const [d0, tod] = splitUs(local);
  let d = d0;
  if (months !== 0) {
    let [y, m, dd] = ymd(d);
    m += months;
    if (m > 12) {
      y += Math.trunc((m - 1) / 12);
      m = ((m - 1) % 12) + 1;
    } else if (m < 1) {
      y += Math.trunc(m / 12) - 1;
      m = (m % 12) + 12;
    }
    const dim = daysInMonth(y, m);
    if (dd > dim) dd = dim;
    d = dateOf(y, m, dd);
  }
  d += days;
  return BigInt(d) * DAY + BigInt(tod);
}

/**
 * timestamp + interval; `zone` set for timestamptz (months and days move the wall clock there).
 */
export function tsPlusInterval(us: bigint, span: IntervalValue, zone: Zone | null): bigint {
  if (!ivIsFinite(span)) {
    if (isFiniteTs(us)) return ivIsNoEnd(span) ? TS_NOEND : TS_NOBEGIN;
    if ((us === TS_NOEND) !== ivIsNoEnd(span)) throw tsOutOfRange();
    return us;
  }
  if (!isFiniteTs(us)) return us;
  let r = us;
  if (span.months !== 0 || span.days !== 0) {
    if (zone === null) r = addMonthsDays(r, span.months, span.days);
    else r = localToUtcUs(addMonthsDays(utcToLocalUs(r, zone), span.months, span.days), zone);
    if (!tsInRange(r)) throw tsOutOfRange();
  }
  r += span.micros;
  return checkTs(r);
}

export function tsMinusInterval(us: bigint, span: IntervalValue, zone: Zone | null): bigint {
  return tsPlusInterval(us, intervalNeg(span), zone);
}

/** timestamp - timestamp: days from the µs difference (justify_hours), as PostgreSQL. */
export function tsMinusTs(a: bigint, b: bigint): IntervalValue {
  if (!isFiniteTs(a) || !isFiniteTs(b)) {
    if (a === b) throw intervalOutOfRange();
    if (a === TS_NOEND || b === TS_NOBEGIN) return IV_NOEND;
    return IV_NOBEGIN;
  }
  const diff = a - b;
  if (diff > INT64_MAX || diff < INT64_MIN) throw intervalOutOfRange();
  return justifyHours({ months: 0, days: 0, micros: diff });
}

export function datePlusDays(d: number, n: number): number {
  if (!Number.isFinite(d)) return d;
  const r = d + n;
  if (!dateInRange(r)) throw dateOutOfRange();
  return r;
}

export function dateMinusDate(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'cannot subtract infinite dates');
  return a - b;
}

// --- age ------------------------------------------------------------------------------------------

/** age(a, b) on local timestamps: field-wise difference, borrowing from the earlier month's length. */
export function age(a: bigint, b: bigint): IntervalValue {
  if (!isFiniteTs(a) || !isFiniteTs(b)) {
    if (a === b) throw intervalOutOfRange();
    return a === TS_NOEND || b === TS_NOBEGIN ? IV_NOEND : IV_NOBEGIN;
  }
  const [d1, t1] = splitUs(a);
  const [d2, t2] = splitUs(b);
  const [y1, m1, dd1] = ymd(d1);
  const [y2, m2, dd2] = ymd(d2);
  let fsec = (t1 % 1_000_000) - (t2 % 1_000_000);
  let sec = (Math.floor(t1 / 1e6) % 60) - (Math.floor(t2 / 1e6) % 60);
  let min = (Math.floor(t1 / 6e7) % 60) - (Math.floor(t2 / 6e7) % 60);
  let hour = Math.floor(t1 / 3.6e9) - Math.floor(t2 / 3.6e9);
  let mday = dd1 - dd2;
  let mon = m1 - m2;
  let year = y1 - y2;
  const neg = a < b;
  if (neg) {
    fsec = -fsec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  while (fsec < 0) {
    fsec += 1e6;
    sec--;
  }
  while (sec < 0) {
    sec += 60;
    min--;
  }
  while (min < 0) {
    min += 60;
    hour--;
  }
  while (hour < 0) {
    hour += 24;
    mday--;
  }
  while (mday < 0) {
    mday += neg ? daysInMonth(y1, m1) : daysInMonth(y2, m2);
    mon--;
  }
  while (mon < 0) {
    mon += 12;
    year--;
  }
  if (neg) {
    fsec = -fsec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  const micros = BigInt(((hour * 60 + min) * 60 + sec) * 1e6 + fsec);
  return makeInterval(year * 12 + mon || 0, mday || 0, micros);
}

// --- AT TIME ZONE -----------------------------------------------------------------------------------

/** A zone named in timezone(zone, ts): abbreviation first, then a zone name or POSIX spec. */
export function zoneArg(name: string): Zone {
  const ab = abbreviationOffset(name.toLowerCase());
  if (ab !== undefined) return { fixed: ab, offsetAt: () => ab, abbrevAt: () => name };
  // A bare number here is a POSIX spec (west positive), unlike the TimeZone setting.
  if (/^[+-]?\d+(:\d+){0,2}$/.test(name)) {
    const z = lookupZone('<x>' + (name.startsWith('-') || name.startsWith('+') ? name : name));
    if (z !== null) return z;
  }
  const z = lookupZone(name);
  if (z === null) throw new SqlError(SQLSTATE.invalid_parameter_value, `time zone "${name}" not recognized`);
  return z;
}

/** A zone given as an interval (AT TIME ZONE INTERVAL '+05:00'): seconds east. */
export function zoneFromInterval(v: IntervalValue): Zone {
  if (v.months !== 0 || v.days !== 0) throw new SqlError(SQLSTATE.invalid_parameter_value, 'interval time zone "' + '' + '" must not include months or days');
  const east = Number(v.micros / 1_000_000n);
  return { fixed: east, offsetAt: () => east, abbrevAt: () => '' };
}

/** timezone(zone, timestamptz) → timestamp: the wall clock in that zone. */
export function timestamptzAtZone(us: bigint, zone: Zone): bigint {
  if (!isFiniteTs(us)) return us;
  return checkTs(utcToLocalUs(us, zone));
}

/** timezone(zone, timestamp) → timestamptz: the wall clock read in that zone. */
export function timestampAtZone(us: bigint, zone: Zone): bigint {
  if (!isFiniteTs(us)) return us;
  return checkTs(localToUtcUs(us, zone));
}
