/*
 * datetime-trunc.ts — date_trunc (timestamp, timestamptz in the session or a given zone,
 * interval) and date_bin, with PostgreSQL's unit names, aliases and error messages; ISO weeks.
 *
 * For timestamptz, units of a day and more truncate the local wall clock and place the result in
 * the zone again (it may have another offset, as across DST); smaller units keep the value's offset.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { IntervalValue } from '../types/datum.js';
import { dateOf, splitUs, US_PER_DAY_N, ymd } from '../types/datetime-format.js';
import { ivIsFinite } from '../types/interval.js';
import { isFiniteTs, localToUtcUs, utcToLocalUs } from '../types/timestamp.js';
import type { Zone } from '../types/timezone.js';
import { checkTs } from './datetime.js';

const DAY = US_PER_DAY_N;

export function unitsError(unit: string, typeName: string): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `unit "${unit}" not supported for type ${typeName}`);
}

export function unrecognizedUnits(unit: string, typeName: string): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `unit "${unit}" not recognized for type ${typeName}`);
}

/** PostgreSQL's unit names and aliases (deltatktbl / datetktbl entries date_trunc and extract accept). */
const UNIT_ALIASES: ReadonlyMap<string, string> = new Map([
  ...['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds', 'microsecon'].map((u) => [u, 'microseconds'] as const),
  ...['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds', 'millisecon'].map((u) => [u, 'milliseconds'] as const),
  ...['second', 'seconds', 's', 'sec', 'secs'].map((u) => [u, 'second'] as const),
  ...['minute', 'minutes', 'm', 'min', 'mins'].map((u) => [u, 'minute'] as const),
  ...['hour', 'hours', 'h', 'hr', 'hrs'].map((u) => [u, 'hour'] as const),
  ...['day', 'days', 'd'].map((u) => [u, 'day'] as const),
  ...['week', 'weeks', 'w'].map((u) => [u, 'week'] as const),
  ...['month', 'months', 'mon', 'mons'].map((u) => [u, 'month'] as const),
  ...['quarter', 'qtr'].map((u) => [u, 'quarter'] as const),
  ...['year', 'years', 'y', 'yr', 'yrs'].map((u) => [u, 'year'] as const),
  ...['decade', 'decades', 'dec', 'decs'].map((u) => [u, 'decade'] as const),
  ...['century', 'centuries', 'c', 'cent'].map((u) => [u, 'century'] as const),
  ...['millennium', 'millennia', 'millenniums', 'mil', 'mils'].map((u) => [u, 'millennium'] as const),
  ['epoch', 'epoch'], ['dow', 'dow'], ['isodow', 'isodow'], ['doy', 'doy'], ['isoyear', 'isoyear'],
  ['julian', 'julian'], ['j', 'julian'], ['jd', 'julian'],
  ['timezone', 'timezone'], ['timezone_h', 'timezone_hour'], ['timezone_hour', 'timezone_hour'], ['timezone_m', 'timezone_minute'], ['timezone_minute', 'timezone_minute'],
]);

/** Canonical unit name, or undefined. */
export function unitOf(text: string): string | undefined {
  return UNIT_ALIASES.get(text.toLowerCase());
}

/** ISO week number and ISO year of a date (days since 2000). */
export function isoWeek(days: number): [week: number, isoYear: number] {
  const [y] = ymd(days);
  const isoDow = ((((days + 5) % 7) + 7) % 7) + 1; // Monday = 1
  const thursday = days - isoDow + 4;
  const [ty] = ymd(thursday);
  const jan1 = dateOf(ty, 1, 1);
  void y;
  return [Math.floor((thursday - jan1) / 7) + 1, ty];
}

/** Truncates a local timestamp's fields; null when the unit is not one date_trunc knows. */
function truncLocal(local: bigint, unit: string): bigint | null {
  const [days, tod] = splitUs(local);
  let [y, m, d] = ymd(days);
  let t = tod;
  switch (unit) {
    case 'microseconds':
      return local;
    case 'milliseconds':
      return BigInt(days) * DAY + BigInt(tod - (tod % 1000));
    case 'second':
      return BigInt(days) * DAY + BigInt(tod - (tod % 1_000_000));
    case 'minute':
      return BigInt(days) * DAY + BigInt(tod - (tod % 60_000_000));
    case 'hour':
      return BigInt(days) * DAY + BigInt(tod - (tod % 3_600_000_000));
    case 'day':
      return BigInt(days) * DAY;
    case 'week': {
      const isoDow = ((((days + 5) % 7) + 7) % 7) + 1;
      return BigInt(days - isoDow + 1) * DAY;
    }
    case 'millennium':
      y = y > 0 ? Math.trunc((y + 999) / 1000) * 1000 - 999 : -Math.trunc((999 - (y - 1)) / 1000) * 1000 + 1;
      m = 1;
      d = 1;
      break;
    case 'century':
      y = y > 0 ? Math.trunc((y + 99) / 100) * 100 - 99 : -Math.trunc((99 - (y - 1)) / 100) * 100 + 1;
      m = 1;
      d = 1;
      break;
    case 'decade':
      y = y > 0 ? Math.trunc(y / 10) * 10 : -Math.trunc((8 - (y - 1)) / 10) * 10;
      m = 1;
      d = 1;
      break;
    case 'year':
      m = 1;
      d = 1;
      break;
    case 'quarter':
      m = 3 * Math.trunc((m - 1) / 3) + 1;
      d = 1;
      break;
    case 'month':
      d = 1;
      break;
    default:
      return null;
  }
  t = 0;
  return BigInt(dateOf(y, m, d)) * DAY + BigInt(t);
}

/** Fields extract knows that are no units for date_trunc ("not recognized" there). */
const NOT_UNITS = new Set(['dow', 'doy', 'isodow', 'isoyear', 'julian', 'epoch']);

const DAY_OR_MORE = new Set(['day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium']);

/** date_trunc(unit, timestamp) / (unit, timestamptz[, zone]): `zone` null for timestamp. */
export function dateTrunc(unitText: string, us: bigint, zone: Zone | null): bigint {
  const typeName = zone === null ? 'timestamp without time zone' : 'timestamp with time zone';
  // PostgreSQL returns an infinite input before it looks at the unit
  if (!isFiniteTs(us)) return us;
  const unit = unitOf(unitText);
  if (unit === undefined || NOT_UNITS.has(unit)) throw unrecognizedUnits(unitText, typeName);
  if (zone === null) {
    const r = truncLocal(us, unit);
    if (r === null) throw unitsError(unitText, typeName);
    return checkTs(r);
  }
  const offsetUs = utcToLocalUs(us, zone) - us;
  const r = truncLocal(us + offsetUs, unit);
  if (r === null) throw unitsError(unitText, typeName);
  // Below a day the offset of the value itself is kept; from a day up the local midnight is
  // placed again in the zone (it may have another offset).
  return checkTs(DAY_OR_MORE.has(unit) ? localToUtcUs(r, zone) : r - offsetUs);
}

/** date_trunc(unit, interval). */
export function dateTruncInterval(unitText: string, v: IntervalValue): IntervalValue {
  if (!ivIsFinite(v)) return v;
  const unit = unitOf(unitText);
  if (unit === undefined || NOT_UNITS.has(unit)) throw unrecognizedUnits(unitText, 'interval');
  let months = v.months;
  let days = v.days;
  let micros = v.micros;
  const year = Math.trunc(months / 12);
  switch (unit) {
    case 'millennium':
      months = Math.trunc(year / 1000) * 12000;
      days = 0;
      micros = 0n;
      break;
    case 'century':
      months = Math.trunc(year / 100) * 1200;
      days = 0;
      micros = 0n;
      break;
    case 'decade':
      months = Math.trunc(year / 10) * 120;
      days = 0;
      micros = 0n;
      break;
    case 'year':
      months = year * 12;
      days = 0;
      micros = 0n;
      break;
    case 'quarter':
      months = year * 12 + 3 * Math.trunc((months % 12) / 3);
      days = 0;
      micros = 0n;
      break;
    case 'month':
      days = 0;
      micros = 0n;
      break;
    case 'day':
      micros = 0n;
      break;
    case 'hour':
      micros = (micros / 3_600_000_000n) * 3_600_000_000n;
      break;
    case 'minute':
      micros = (micros / 60_000_000n) * 60_000_000n;
      break;
    case 'second':
      micros = (micros / 1_000_000n) * 1_000_000n;
      break;
    case 'milliseconds':
      micros = (micros / 1000n) * 1000n;
      break;
    case 'microseconds':
      break;
    case 'week':
      throw new SqlError(SQLSTATE.feature_not_supported, `unit "${unitText}" not supported for type interval`, { detail: 'Months usually have fractional weeks.' });
    default:
      throw unitsError(unitText, 'interval');
  }
  return { months: months || 0, days, micros };
}

/** date_bin(stride, source, origin). */
export function dateBin(stride: IntervalValue, source: bigint, origin: bigint): bigint {
  if (!isFiniteTs(source)) return source;
  if (!isFiniteTs(origin)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'origin out of range');
  if (!ivIsFinite(stride)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'timestamps cannot be binned into infinite intervals');
  if (stride.months !== 0) throw new SqlError(SQLSTATE.feature_not_supported, 'timestamps cannot be binned into intervals containing months or years');
  const strideUs = BigInt(stride.days) * DAY + stride.micros;
  if (strideUs <= 0n) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'stride must be greater than zero');
  const tmDelta = source - origin;
  let delta = tmDelta - (tmDelta % strideUs);
  if (tmDelta < 0n && tmDelta % strideUs !== 0n) delta -= strideUs;
  return checkTs(origin + delta);
}

