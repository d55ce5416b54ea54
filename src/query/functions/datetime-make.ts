/*
 * datetime-make.ts — make_date, make_time, make_timestamp, make_timestamptz, make_interval and
 * to_timestamp(float8), with PostgreSQL's range checks and messages.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { TS_NOBEGIN, TS_NOEND, type Datum } from '../types/datum.js';
import { dateOf, rint, US_PER_DAY_N } from '../types/datetime-format.js';
import { daysInMonth } from '../types/datetime-parse.js';
import { dateInRange } from '../types/date.js';
import { makeInterval } from '../types/interval.js';
import { localToUtcUs, tsInRange } from '../types/timestamp.js';
import { sessionZone } from '../types/timezone.js';
import { zoneArg } from './datetime.js';
import { registerFunc, type CallContext } from './registry.js';

const T = { int4: 23, float8: 701, text: 25, date: 1082, time: 1083, ts: 1114, tstz: 1184, interval: 1186 } as const;
const num = (d: Datum): number => d as number;

/** The date of make_date / make_timestamp: negative years are BC; year 0 and bad fields are 22008. */
function makeDays(y: number, m: number, d: number): number {
  const bad = (): SqlError => new SqlError(SQLSTATE.datetime_field_overflow, `date field value out of range: ${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  if (y === 0) throw bad();
  const year = y < 0 ? y + 1 : y;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(year, m)) throw bad();
  const days = dateOf(year, m, d);
  if (!dateInRange(days)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `date out of range: ${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  return days;
}

/** C's %g (6 significant digits, exponent form outside 1e-4 … 1e6), for messages. */
export function g(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (e < -4 || e >= 6) {
    const [m, ex] = x.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(ex);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const t = x.toFixed(Math.max(0, 5 - e));
  return t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t;
}

function makeTimeUs(h: number, mi: number, sec: number): number {
  const bad = (): SqlError => new SqlError(SQLSTATE.datetime_field_overflow, `time field value out of range: ${h}:${String(mi).padStart(2, '0')}:${sec < 10 ? '0' : ''}${g(sec)}`);
  if (h < 0 || mi < 0 || mi > 59 || !(sec >= 0) || sec > 60 || h > 24) throw bad();
  const us = (h * 60 + mi) * 60e6 + rint(sec * 1e6);
  if (us > 24 * 3600e6) throw bad();
  return us;
}

function makeTimestamp(a: readonly Datum[]): bigint {
  const days = makeDays(num(a[0]!), num(a[1]!), num(a[2]!));
  const us = BigInt(days) * US_PER_DAY_N + BigInt(makeTimeUs(num(a[3]!), num(a[4]!), num(a[5]!)));
  if (!tsInRange(us)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `timestamp out of range: ${num(a[0]!)}-${String(num(a[1]!)).padStart(2, '0')}-${String(num(a[2]!)).padStart(2, '0')} ${num(a[3]!)}:${String(num(a[4]!)).padStart(2, '0')}:${g(num(a[5]!))}`);
  return us;
}

function fn(name: string, args: readonly number[], returns: number, call: (a: readonly Datum[], cx: CallContext) => Datum, volatility: 'i' | 's' = 'i', optional = 0, argNames?: readonly string[], argDefaults?: readonly Datum[]): void {
  registerFunc({ name, kind: 'func', args, returns, strict: true, volatility, call, optional, argNames, argDefaults });
}

// pg_proc.proargnames (named notation: make_interval(days => 10)).
const DATE_NAMES = ['year', 'month', 'day'];
const TIME_NAMES = ['hour', 'min', 'sec'];
const TS_NAMES = ['year', 'month', 'mday', 'hour', 'min', 'sec'];

export function registerDatetimeMake(): void {
  fn('make_date', [T.int4, T.int4, T.int4], T.date, (a) => makeDays(num(a[0]!), num(a[1]!), num(a[2]!)), 'i', 0, DATE_NAMES);
  fn('make_time', [T.int4, T.int4, T.float8], T.time, (a) => makeTimeUs(num(a[0]!), num(a[1]!), num(a[2]!)), 'i', 0, TIME_NAMES);
  fn('make_timestamp', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], T.ts, (a) => makeTimestamp(a), 'i', 0, TS_NAMES);
  fn('make_timestamptz', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], T.tstz, (a, cx) => localToUtcUs(makeTimestamp(a), sessionZone(cx.settings.timeZone)), 's', 0, TS_NAMES);
  fn('make_timestamptz', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8, T.text], T.tstz, (a) => localToUtcUs(makeTimestamp(a), zoneArg(a[6] as string)), 's', 0, [...TS_NAMES, 'timezone']);
  fn(
    'make_interval',
    [T.int4, T.int4, T.int4, T.int4, T.int4, T.int4, T.float8],
    T.interval,
    (a) => {
      const v = (i: number): number => (a.length > i ? num(a[i]!) : 0);
      const secs = v(6);
      if (!Number.isFinite(secs)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'interval out of range');
      const micros = BigInt(rint(secs * 1e6)) + BigInt(v(4)) * 3_600_000_000n + BigInt(v(5)) * 60_000_000n;
      return makeInterval(v(0) * 12 + v(1), v(2) * 7 + v(3), micros);
    },
    'i',
    7,
    ['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'],
    [0, 0, 0, 0, 0, 0, 0],
  );
  fn('to_timestamp', [T.float8], T.tstz, (a) => {
    const x = num(a[0]!);
    if (Number.isNaN(x)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'timestamp cannot be NaN');
    if (x === Infinity) return TS_NOEND;
    if (x === -Infinity) return TS_NOBEGIN;
    const us = rint((x - 946_684_800) * 1e6);
    if (!Number.isFinite(us) || Math.abs(us) > 9.2e18 || !tsInRange(BigInt(us))) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `timestamp out of range: "${g(x)}"`);
    return BigInt(us);
  });
}
