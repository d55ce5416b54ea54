/*
 * interval.ts — the interval type (1186): {months, days, micros} kept apart as PostgreSQL does.
 *
 * Input follows DecodeInterval: fields are read right to left so a unit word names the number
 * before it, a bare number before a time is days and a lone bare number is seconds (or the
 * typmod's last field); fractions spill into smaller units (1.5 months = 1 mon 15 days); 'ago'
 * negates; ISO 8601 'P1Y2M3DT4H5M6S' and SQL 'Y-M' / 'D H:M:S' forms; 'infinity' (PG 17).
 * Output follows EncodeInterval for the four IntervalStyles. Order is PostgreSQL's
 * interval_cmp_value: months count 30 days and days 24 hours, so '1 mon' = '30 days'.
 *
 * XXX left out: the ISO 8601 "alternative format" (P0001-02-03T04:05:06) and typmod-directed
 * reading of SQL-standard fields ('1 2' DAY TO HOUR).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum, IntervalValue, OutputSettings } from './datum.js';
import { pad2, rint, secondsText } from './datetime-format.js';
import type { EvalSettings, TypeInfo } from './registry.js';

export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;
export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const IV_NOEND: IntervalValue = { months: INT32_MAX, days: INT32_MAX, micros: INT64_MAX };
export const IV_NOBEGIN: IntervalValue = { months: INT32_MIN, days: INT32_MIN, micros: INT64_MIN };
export const ivIsNoEnd = (v: IntervalValue): boolean => v.months === INT32_MAX && v.days === INT32_MAX && v.micros === INT64_MAX;
export const ivIsNoBegin = (v: IntervalValue): boolean => v.months === INT32_MIN && v.days === INT32_MIN && v.micros === INT64_MIN;
export const ivIsFinite = (v: IntervalValue): boolean => !ivIsNoEnd(v) && !ivIsNoBegin(v);

export function intervalOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.datetime_value_out_of_range, 'interval out of range');
}

/** Checks int32 / int64 field ranges and that a finite value is not an infinity's bit pattern. */
export function makeInterval(months: number, days: number, micros: bigint): IntervalValue {
  if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN || micros > INT64_MAX || micros < INT64_MIN) throw intervalOutOfRange();
  const v = { months, days, micros };
  if (!ivIsFinite(v)) throw intervalOutOfRange();
  return v;
}

// --- input ------------------------------------------------------------------------------------------

const UNITS: ReadonlyMap<string, string> = new Map([
  ...['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds', 'microsecon'].map((u) => [u, 'us'] as const),
  ...['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds', 'millisecon'].map((u) => [u, 'ms'] as const),
  ...['second', 'seconds', 's', 'sec', 'secs'].map((u) => [u, 's'] as const),
  ...['minute', 'minutes', 'm', 'min', 'mins'].map((u) => [u, 'min'] as const),
  ...['hour', 'hours', 'h', 'hr', 'hrs'].map((u) => [u, 'h'] as const),
  ...['day', 'days', 'd'].map((u) => [u, 'd'] as const),
  ...['week', 'weeks', 'w'].map((u) => [u, 'w'] as const),
  ...['month', 'months', 'mon', 'mons'].map((u) => [u, 'mon'] as const),
  ...['year', 'years', 'y', 'yr', 'yrs'].map((u) => [u, 'y'] as const),
  ...['decade', 'decades', 'dec', 'decs'].map((u) => [u, 'dec'] as const),
  ...['century', 'centuries', 'c', 'cent'].map((u) => [u, 'c'] as const),
  ...['millennium', 'millennia', 'millenniums', 'mil', 'mils'].map((u) => [u, 'mil'] as const),
]);

interface Acc {
  months: number;
  days: number;
  micros: number;
}

/** Adds `val` (may be fractional) of a unit, spilling fractions downwards as PostgreSQL does. */
function addUnit(a: Acc, unit: string, val: number): void {
  const whole = Math.trunc(val);
  const frac = val - whole;
  const fractDays = (f: number, scale: number): void => {
    const x = f * scale;
    const d = Math.trunc(x);
    a.days += d;
    a.micros += rint((x - d) * 86_400e6);
  };
  const years = (scale: number): void => {
    a.months += whole * 12 * scale + rint(frac * scale * 12);
  };
  switch (unit) {
    case 'us':
      a.micros += rint(val);
      return;
    case 'ms':
      a.micros += rint(val * 1000);
      return;
    case 's':
      a.micros += rint(val * 1e6);
      return;
    case 'min':
      a.micros += whole * 60e6 + rint(frac * 60e6);
      return;
    case 'h':
      a.micros += whole * 3600e6 + rint(frac * 3600e6);
      return;
    case 'd':
      a.days += whole;
      a.micros += rint(frac * 86_400e6);
      return;
    case 'w':
      a.days += whole * 7;
      fractDays(frac, 7);
      return;
    case 'mon':
      a.months += whole;
      fractDays(frac, 30);
      return;
    case 'y':
      years(1);
      return;
    case 'dec':
      years(10);
      return;
    case 'c':
      years(100);
      return;
    case 'mil':
      years(1000);
      return;
  }
}

/** 'h:m[:s[.f]]' or 'm:s.f' (unsigned) in µs; NaN when malformed. */
function timeMicros(t: string): number {
  const parts = t.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^\d*(\.\d*)?$/.test(p) || p === '' || p === '.')) return NaN;
  if (parts.length === 2 && parts[1]!.includes('.')) return (Number(parts[0]) * 60 + Number(parts[1])) * 1e6;
  if (parts[0]!.includes('.') || parts[1]!.includes('.')) return NaN;
  const sec = parts.length === 3 ? Number(parts[2]) : 0;
  if (Number(parts[1]) > 59 || sec >= 60) return -1;
  return rint((Number(parts[0]) * 3600 + Number(parts[1]) * 60 + sec) * 1e6);
}

function parseIso(t: string, bad: () => SqlError): Acc {
  const a: Acc = { months: 0, days: 0, micros: 0 };
  let i = 1;
  let inTime = false;
  if (t.length === 1) throw bad();
  while (i < t.length) {
    if (t[i] === 'T') {
      if (inTime) throw bad();
      inTime = true;
      i++;
      continue;
    }
    const m = /^[+-]?(\d+(\.\d*)?|\.\d+)/.exec(t.slice(i));
    if (m === null) throw bad();
    i += m[0].length;
    const val = Number(m[0]);
    const u = t[i++];
    if (!inTime) {
      if (u === 'Y') addUnit(a, 'y', val);
      else if (u === 'M') addUnit(a, 'mon', val);
      else if (u === 'W') addUnit(a, 'w', val);
      else if (u === 'D') addUnit(a, 'd', val);
      else throw bad();
    } else if (u === 'H') addUnit(a, 'h', val);
    else if (u === 'M') addUnit(a, 'min', val);
    else if (u === 'S') addUnit(a, 's', val);
    else throw bad();
  }
  return a;
}

/** The unit of a bare number under an interval typmod's field range (DecodeInterval's IGNORE_DTF). */
function bareUnit(typmod: number): string {
  if (typmod < 0) return 's';
  const range = (typmod >> 16) & 0x7fff;
  if (range === RANGE_YEAR) return 'y';
  if (range === RANGE_MONTH || range === (RANGE_YEAR | RANGE_MONTH)) return 'mon';
  if (range === RANGE_DAY) return 'd';
  if (range === RANGE_HOUR || range === (RANGE_DAY | RANGE_HOUR)) return 'h';
  if (range === RANGE_MINUTE || range === (RANGE_HOUR | RANGE_MINUTE) || range === (RANGE_DAY | RANGE_HOUR | RANGE_MINUTE)) return 'min';
  return 's';
}

export function intervalIn(text: string, s: Pick<EvalSettings, 'intervalStyle'>, typmod = -1): IntervalValue {
  const bad = (): SqlError => new SqlError(SQLSTATE.invalid_datetime_format, `invalid input syntax for type interval: "${text}"`);
  const overflow = (): SqlError => new SqlError(SQLSTATE.interval_field_overflow, `interval field value out of range: "${text}"`);
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'infinity' || lower === '+infinity') return IV_NOEND;
  if (lower === '-infinity') return IV_NOBEGIN;
  let a: Acc;
  if (trimmed.startsWith('P')) a = parseIso(trimmed, bad);
  else {
    const tokens = lower.replace(/^@/, ' ').replace(/([a-z])(?=[-+\d.])/g, '$1 ').replace(/(\d)(?=[a-z])/g, '$1 ').split(/[\s,]+/).filter((x) => x !== '');
    if (tokens.length === 0) throw bad();
    let ago = false;
    if (tokens[tokens.length - 1] === 'ago') {
      ago = true;
      tokens.pop();
    }
    const forceNeg = s.intervalStyle === 'sql_standard' && tokens[0]!.startsWith('-') && !tokens.slice(1).some((x) => /^[-+]/.test(x));
    a = { months: 0, days: 0, micros: 0 };
    let unit: string | null = null; // unit named by the token to the right
    let implicitDay = false; // a bare number just left of a time is days
    let seen = new Set<string>();
    for (let k = tokens.length - 1; k >= 0; k--) {
      const tok = tokens[k]!;
      const u = UNITS.get(tok);
      if (u !== undefined) {
        if (unit !== null && !implicitDay) throw bad();
        unit = u;
        implicitDay = false;
        continue;
      }
      let sign = 1;
      let body = tok;
      if (body[0] === '-' || body[0] === '+') {
        sign = body[0] === '-' ? -1 : 1;
        body = body.slice(1);
      } else if (forceNeg) sign = -1;
      if (body.includes(':')) {
        if (unit !== null || seen.has('time')) throw bad();
        // under MINUTE TO SECOND, 'a:b' is minutes and seconds
        const us = ((typmod >> 16) & 0x7fff) === (RANGE_MINUTE | RANGE_SECOND) && body.split(':').length === 2 ? timeMicros('0:' + body) : timeMicros(body);
        if (Number.isNaN(us)) throw bad();
        if (us < 0) throw overflow();
        a.micros += sign * us;
        seen.add('time');
        unit = 'd';
        implicitDay = true;
        continue;
      }
      if (/^\d+-\d+$/.test(body)) {
        if (seen.has('ym')) throw bad();
        const [y, m] = body.split('-').map(Number) as [number, number];
        if (m > 11) throw overflow();
        a.months += sign * (y * 12 + m);
        seen.add('ym');
        unit = null;
        continue;
      }
      if (!/^(\d+(\.\d*)?|\.\d+)$/.test(body)) throw bad();
      const uu: string = unit ?? bareUnit(typmod);
      if (seen.has(uu)) throw bad();
      seen.add(uu);
      addUnit(a, uu, sign * Number(body));
      // as DecodeInterval: a bare number left of an hour count is days ('1 2' DAY TO HOUR)
      implicitDay = uu === 'h';
      unit = implicitDay ? 'd' : null;
    }
    if (unit !== null && !implicitDay) throw bad();
    seen = new Set();
    if (ago) a = { months: -a.months, days: -a.days, micros: -a.micros };
  }
  if (!Number.isSafeInteger(a.micros)) throw overflow();
  if (a.months > INT32_MAX || a.months < INT32_MIN || a.days > INT32_MAX || a.days < INT32_MIN) throw overflow();
  return { months: a.months + 0, days: a.days + 0, micros: BigInt(a.micros) };
}

// --- output -----------------------------------------------------------------------------------------

const plural = (v: number | bigint, unit: string): string => `${v} ${unit}${v === 1 || v === 1n ? '' : 's'}`;

export function intervalOut(v: IntervalValue, s: OutputSettings): string {
  if (ivIsNoEnd(v)) return 'infinity';
  if (ivIsNoBegin(v)) return '-infinity';
  const year = Math.trunc(v.months / 12);
  const mon = v.months % 12 || 0;
  const mday = v.days;
  const t = v.micros;
  const hour = t / 3_600_000_000n;
  const rest = Number(t - hour * 3_600_000_000n);
  const min = Math.trunc(rest / 60e6);
  const secUs = rest - min * 60e6; // signed µs of seconds
  const secNeg = secUs < 0;
  const absSec = Math.abs(secUs);
  const neg = (x: number | bigint): boolean => x < 0;
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  switch (s.intervalStyle) {
    case 'iso_8601': {
      if (year === 0 && mon === 0 && mday === 0 && t === 0n) return 'PT0S';
      let r = 'P';
      if (year !== 0) r += `${year}Y`;
      if (mon !== 0) r += `${mon}M`;
      if (mday !== 0) r += `${mday}D`;
      if (t !== 0n) r += 'T';
      if (hour !== 0n) r += `${hour}H`;
      if (min !== 0) r += `${min}M`;
      if (secUs !== 0) r += (secNeg ? '-' : '') + secondsText(absSec, false) + 'S';
      return r;
    }
    case 'sql_standard': {
      const hasNeg = year < 0 || mon < 0 || mday < 0 || t < 0n;
      const hasPos = year > 0 || mon > 0 || mday > 0 || t > 0n;
      const hasYM = year !== 0 || mon !== 0;
      const hasDT = mday !== 0 || t !== 0n;
      const std = !(hasNeg && hasPos) && !(hasYM && hasDT);
      if (!hasNeg && !hasPos) return '0';
      const hms = (h: bigint, m: number, sUs: number): string => `${abs(h)}:${pad2(Math.abs(m))}:${secondsText(Math.abs(sUs), true)}`;
      if (!std) {
        const ys = year < 0 || mon < 0 ? '-' : '+';
        const ds = mday < 0 ? '-' : '+';
        const ts = t < 0n ? '-' : '+';
        return `${ys}${Math.abs(year)}-${Math.abs(mon)} ${ds}${Math.abs(mday)} ${ts}${hms(hour, min, secUs)}`;
      }
      const sign = hasNeg ? '-' : '';
      if (hasYM) return `${sign}${Math.abs(year)}-${Math.abs(mon)}`;
      if (mday !== 0) return `${sign}${Math.abs(mday)} ${hms(hour, min, secUs)}`;
      return sign + hms(hour, min, secUs);
    }
    case 'postgres_verbose': {
      let r = '@';
      let isZero = true;
      let isBefore = false;
      const part = (value: number | bigint, unit: string): void => {
        if (value === 0 || value === 0n) return;
        let val = value;
        if (isZero) {
          isBefore = neg(val);
          if (neg(val)) val = -val;
        } else if (isBefore) val = -val;
        r += ' ' + plural(val, unit);
        isZero = false;
      };
      part(year, 'year');
      part(mon, 'mon');
      part(mday, 'day');
      part(hour, 'hour');
      part(min, 'min');
      if (secUs !== 0) {
        r += ' ';
        if (secNeg) {
          if (isZero) isBefore = true;
          else if (!isBefore) r += '-';
        } else if (isBefore) r += '-';
        r += secondsText(absSec, false) + (absSec === 1e6 ? ' sec' : ' secs');
        isZero = false;
      }
      if (isZero) r += ' 0';
      if (isBefore) r += ' ago';
      return r;
    }
    case 'postgres': {
      let r = '';
      let isZero = true;
      let isBefore = false;
      const part = (value: number, unit: string): void => {
        if (value === 0) return;
        r += `${isZero ? '' : ' '}${isBefore && value > 0 ? '+' : ''}${plural(value, unit)}`;
        isBefore = value < 0;
        isZero = false;
      };
      part(year, 'year');
      part(mon, 'mon');
      part(mday, 'day');
      if (isZero || t !== 0n) {
        const minus = t < 0n;
        r += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${String(abs(hour)).padStart(2, '0')}:${pad2(Math.abs(min))}:${secondsText(absSec, true)}`;
      }
      return r;
    }
  }
}

// --- order, typmod --------------------------------------------------------------------------------

/** interval_cmp_value: one 128-bit-safe bigint (months as 30 days, days as 24 hours). */
export function intervalKey(v: IntervalValue): bigint {
  return (BigInt(v.months) * 30n + BigInt(v.days)) * 86_400_000_000n + v.micros;
}

function intervalCmp(a: Datum, b: Datum): number {
  const x = intervalKey(a as IntervalValue);
  const y = intervalKey(b as IntervalValue);
  return x < y ? -1 : x > y ? 1 : 0;
}

const RANGE_YEAR = 1 << 2;
const RANGE_MONTH = 1 << 1;
const RANGE_DAY = 1 << 3;
const RANGE_HOUR = 1 << 10;
const RANGE_MINUTE = 1 << 11;
const RANGE_SECOND = 1 << 12;
const FULL_RANGE = 0x7fff;

const roundScales = [1_000_000n, 100_000n, 10_000n, 1000n, 100n, 10n, 1n];

/** AdjustIntervalForTypmod: truncate to the declared fields, round seconds to the precision. */
export function applyIntervalTypmod(d: Datum, typmod: number): Datum {
  const v = d as IntervalValue;
  if (typmod < 0 || !ivIsFinite(v)) return v;
  const range = (typmod >> 16) & 0x7fff;
  const precision = typmod & 0xffff;
  let { months, days, micros } = v;
  const truncTo = (unit: bigint): void => {
    micros = (micros / unit) * unit;
  };
  if (range !== FULL_RANGE) {
    if (range === RANGE_YEAR) {
      months = Math.trunc(months / 12) * 12;
      days = 0;
      micros = 0n;
    } else if (range === RANGE_MONTH || range === (RANGE_YEAR | RANGE_MONTH)) {
      days = 0;
      micros = 0n;
    } else if (range === RANGE_DAY) micros = 0n;
    else if (range === RANGE_HOUR || range === (RANGE_DAY | RANGE_HOUR)) truncTo(3_600_000_000n);
    else if (range === RANGE_MINUTE || range === (RANGE_DAY | RANGE_HOUR | RANGE_MINUTE) || range === (RANGE_HOUR | RANGE_MINUTE)) truncTo(60_000_000n);
  }
  if (precision !== 0xffff && precision < 6 && (range & RANGE_SECOND) !== 0 || (precision !== 0xffff && precision < 6 && range === FULL_RANGE)) {
    const sc = roundScales[precision]!;
    micros = micros >= 0n ? ((micros + sc / 2n) / sc) * sc : -(((-micros + sc / 2n) / sc) * sc);
  }
  return { months, days, micros };
}

const FIELD_NAMES: ReadonlyMap<number, string> = new Map([
  [RANGE_YEAR, 'year'], [RANGE_MONTH, 'month'], [RANGE_DAY, 'day'], [RANGE_HOUR, 'hour'], [RANGE_MINUTE, 'minute'], [RANGE_SECOND, 'second'],
  [RANGE_YEAR | RANGE_MONTH, 'year to month'], [RANGE_DAY | RANGE_HOUR, 'day to hour'], [RANGE_DAY | RANGE_HOUR | RANGE_MINUTE, 'day to minute'],
  [RANGE_DAY | RANGE_HOUR | RANGE_MINUTE | RANGE_SECOND, 'day to second'], [RANGE_HOUR | RANGE_MINUTE, 'hour to minute'],
  [RANGE_HOUR | RANGE_MINUTE | RANGE_SECOND, 'hour to second'], [RANGE_MINUTE | RANGE_SECOND, 'minute to second'],
]);

function formatIntervalTypmod(typmod: number): string {
  const range = (typmod >> 16) & 0x7fff;
  const precision = typmod & 0xffff;
  let r = 'interval';
  const f = FIELD_NAMES.get(range);
  if (f !== undefined && range !== FULL_RANGE) r += ' ' + f;
  if (precision !== 0xffff) r += `(${precision})`;
  return r;
}

export const intervalType: TypeInfo = {
  oid: 1186,
  name: 'interval',
  sqlName: 'interval',
  category: 'T',
  preferred: true,
  len: 16,
  elem: 0,
  array: 1187,
  input: (text, typmod, s) => applyIntervalTypmod(intervalIn(text, s, typmod), typmod),
  output: (d, s) => intervalOut(d as IntervalValue, s),
  compare: intervalCmp,
  hashKey: (d) => intervalKey(d as IntervalValue),
  applyTypmod: (d, typmod) => applyIntervalTypmod(d, typmod),
  formatTypmod: formatIntervalTypmod,
};
