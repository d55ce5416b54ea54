/*
 * datetime-extract.ts — EXTRACT (numeric, PostgreSQL 14+) and date_part (float8) for timestamp,
 * timestamptz, date, time and interval, field by field as timestamp.c / date.c compute them.
 *
 * Each field yields a Part: an exact integer scaled by 10^scale (milliseconds has scale 3, second
 * and epoch 6, julian the numeric division's scale), ±Infinity for the monotonic fields of an
 * infinite value, or null where PostgreSQL returns NULL. extract turns it into numeric with that
 * scale; date_part into float8 with the same arithmetic PostgreSQL does in double.
 */
import { PgDecimal, type IntervalValue, type NumericValue } from '../types/datum.js';
import { dateOf, dow, splitUs, ymd } from '../types/datetime-format.js';
import { ivIsFinite, ivIsNoEnd } from '../types/interval.js';
import { isFiniteTs, UNIX_EPOCH_US } from '../types/timestamp.js';
import { isoWeek, unitOf, unitsError, unrecognizedUnits } from './datetime-trunc.js';

/** value / 10^scale exactly; `f` is what date_part computes in double when that differs. */
export type Part = { readonly v: bigint; readonly scale: number; readonly f?: number } | number | null;

const MONOTONIC = new Set(['epoch', 'julian', 'year', 'decade', 'century', 'millennium', 'isoyear']);

/** date2j: julian day number of a date (days since 2000 + 2451545). */
const julian = (days: number): number => days + 2_451_545;

function yearPart(unit: string, y: number): number | undefined {
  switch (unit) {
    case 'year':
      return y > 0 ? y : y - 1;
    case 'decade':
      return y >= 0 ? Math.trunc(y / 10) : -Math.trunc((8 - (y - 1)) / 10);
    case 'century':
      return y > 0 ? Math.trunc((y + 99) / 100) : -Math.trunc((99 - (y - 1)) / 100);
    case 'millennium':
      return y > 0 ? Math.trunc((y + 999) / 1000) : -Math.trunc((999 - (y - 1)) / 1000);
    default:
      return undefined;
  }
}

function dateFieldPart(unit: string, days: number): number | undefined {
  const [y, m, d] = ymd(days);
  const yp = yearPart(unit, y);
  if (yp !== undefined) return yp;
  switch (unit) {
    case 'day':
      return d;
    case 'month':
      return m;
    case 'quarter':
      return Math.trunc((m - 1) / 3) + 1;
    case 'week':
      return isoWeek(days)[0];
    case 'isoyear': {
      const iy = isoWeek(days)[1];
      return iy <= 0 ? iy - 1 : iy;
    }
    case 'dow':
      return dow(days);
    case 'isodow':
      return dow(days) === 0 ? 7 : dow(days);
    case 'doy':
      return days - dateOf(y, 1, 1) + 1;
    default:
      return undefined;
  }
}

const int = (n: number | bigint): Part => ({ v: BigInt(n), scale: 0 });

/** Scale of numeric tod / 86400000000 (select_div_scale), for extract(julian). */
function julianDivScale(tod: number): number {
  let weight = 0;
  let first = 0;
  if (tod > 0) {
    weight = Math.floor((String(tod).length - 1) / 4);
    first = Math.floor(tod / 10_000 ** weight);
  }
  let q = weight - 2;
  if (first <= 864) q--;
  return Math.max(16 - q * 4, 0);
}

function timeOfDayPart(unit: string, tod: number): Part | undefined {
  const secUs = tod % 60_000_000;
  switch (unit) {
    case 'microseconds':
      return int(secUs);
    case 'milliseconds':
      return { v: BigInt(secUs), scale: 3, f: Math.floor(secUs / 1e6) * 1000 + (secUs % 1e6) / 1000 };
    case 'second':
      return { v: BigInt(secUs), scale: 6, f: Math.floor(secUs / 1e6) + (secUs % 1e6) / 1e6 };
    case 'minute':
      return int(Math.floor(tod / 60e6) % 60);
    case 'hour':
      return int(Math.floor(tod / 3600e6));
    default:
      return undefined;
  }
}

/**
 * A field of a timestamp: `us` UTC for timestamptz, `offset` its zone offset (seconds east) then,
 * else null for timestamp without time zone.
 */
export function timestampPart(unitText: string, us: bigint, offset: number | null): Part {
  const typeName = offset === null ? 'timestamp without time zone' : 'timestamp with time zone';
  const unit = unitOf(unitText);
  if (unit === undefined) throw unrecognizedUnits(unitText, typeName);
  if (!isFiniteTs(us)) {
    if (MONOTONIC.has(unit)) return us > 0n ? Infinity : -Infinity;
    return null;
  }
  if (unit === 'epoch') return { v: us - UNIX_EPOCH_US, scale: 6 };
  const local = offset === null ? us : us + BigInt(offset) * 1_000_000n;
  const [days, tod] = splitUs(local);
  const t = timeOfDayPart(unit, tod);
  if (t !== undefined) return t;
  const dp = dateFieldPart(unit, days);
  if (dp !== undefined) return int(dp);
  if (unit === 'julian') {
    const scale = julianDivScale(tod);
    const frac = new PgDecimal(tod).div(86_400_000_000).toDecimalPlaces(scale);
    const v = BigInt(new PgDecimal(julian(days)).plus(frac).times(new PgDecimal(10).pow(scale)).toFixed(0));
    return { v, scale, f: julian(days) + tod / 86_400_000_000 };
  }
  if (offset !== null) {
    if (unit === 'timezone') return int(offset);
    if (unit === 'timezone_hour') return int(Math.trunc(offset / 3600));
    if (unit === 'timezone_minute') return int(Math.trunc(offset / 60) % 60);
  }
  throw unitsError(unitText, typeName);
}

/** extract(field from date): integers only; time-of-day fields are errors. */
export function datePart(unitText: string, days: number): Part {
  const unit = unitOf(unitText);
  if (unit === undefined) throw unrecognizedUnits(unitText, 'date');
  if (!Number.isFinite(days)) {
    if (MONOTONIC.has(unit)) return days;
    if (['day', 'month', 'quarter', 'week', 'dow', 'isodow', 'doy'].includes(unit)) return null;
    throw unitsError(unitText, 'date');
  }
  if (unit === 'epoch') return int(BigInt(days + 10_957) * 86_400n);
  if (unit === 'julian') return int(julian(days));
  const dp = dateFieldPart(unit, days);
  if (dp === undefined) throw unitsError(unitText, 'date');
  return int(dp);
}

export function timePart(unitText: string, tod: number): Part {
  const unit = unitOf(unitText);
  if (unit === undefined) throw unrecognizedUnits(unitText, 'time without time zone');
  if (unit === 'epoch') return { v: BigInt(tod), scale: 6 };
  const t = timeOfDayPart(unit, tod);
  if (t === undefined) throw unitsError(unitText, 'time without time zone');
  return t;
}

export function intervalPart(unitText: string, v: IntervalValue): Part {
  const unit = unitOf(unitText);
  if (unit === undefined) throw unrecognizedUnits(unitText, 'interval');
  if (!ivIsFinite(v)) {
    if (['epoch', 'hour', 'day', 'year', 'decade', 'century', 'millennium'].includes(unit)) return ivIsNoEnd(v) ? Infinity : -Infinity;
    if (['microseconds', 'milliseconds', 'second', 'minute', 'month', 'quarter'].includes(unit)) return null;
    throw unitsError(unitText, 'interval');
  }
  const year = Math.trunc(v.months / 12);
  const mon = v.months % 12;
  const hour = v.micros / 3_600_000_000n;
  const rest = Number(v.micros - hour * 3_600_000_000n);
  const min = Math.trunc(rest / 60e6);
  const secUs = rest - min * 60e6;
  switch (unit) {
    case 'microseconds':
      return int(secUs);
    case 'milliseconds':
      return { v: BigInt(secUs), scale: 3, f: Math.trunc(secUs / 1e6) * 1000 + (secUs % 1e6) / 1000 };
    case 'second':
      return { v: BigInt(secUs), scale: 6, f: Math.trunc(secUs / 1e6) + (secUs % 1e6) / 1e6 };
    case 'minute':
      return int(min);
    case 'hour':
      return int(hour);
    case 'day':
      return int(v.days);
    case 'month':
      return int(mon);
    case 'quarter':
      return int(Math.trunc(mon / 3) + 1);
    case 'year':
      return int(year);
    case 'decade':
      return int(Math.trunc(year / 10));
    case 'century':
      return int(Math.trunc(year / 100));
    case 'millennium':
      return int(Math.trunc(year / 1000));
    case 'epoch': {
      const secs = 31_557_600n * BigInt(year) + 2_592_000n * BigInt(mon) + 86_400n * BigInt(v.days);
      const f = Number(v.micros) / 1e6 + 31_557_600 * year + 2_592_000 * mon + 86_400 * v.days;
      return { v: v.micros + secs * 1_000_000n, scale: 6, f };
    }
    default:
      throw unitsError(unitText, 'interval');
  }
}

export function partToNumeric(p: Part): NumericValue | null {
  if (p === null) return null;
  if (typeof p === 'number') return { d: new PgDecimal(p), dscale: 0 };
  const d = p.scale === 0 ? new PgDecimal(p.v.toString()) : new PgDecimal(p.v.toString()).div(new PgDecimal(10).pow(p.scale));
  return { d, dscale: p.scale };
}

export function partToFloat(p: Part): number | null {
  if (p === null) return null;
  if (typeof p === 'number') return p;
  if (p.f !== undefined) return p.f;
  return p.scale === 0 ? Number(p.v) : Number(p.v) / 10 ** p.scale;
}
