/*
 * register-datetime.ts — registers the datetime family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { TS_NOBEGIN, TS_NOEND, type Datum, type IntervalValue } from '../types/datum.js';
import { currentDate, dateType } from '../types/date.js';
import { splitUs, US_PER_DAY, US_PER_DAY_N } from '../types/datetime-format.js';
import { intervalKey, intervalType, ivIsFinite } from '../types/interval.js';
import { registerCast, registerType, type CastContext, type EvalSettings } from '../types/registry.js';
import { roundTime, timeType, timetzParts, timetzText, timetzType, wrapDay } from '../types/time.js';
import { isFiniteTs, localToUtcUs, roundUs, timestampType, timestamptzType, tsInRange, utcToLocalUs } from '../types/timestamp.js';
import { sessionZone } from '../types/timezone.js';
import {
  age, dateToTimestampForCompare, dateToTimestamptzForCompare, dateMinusDate, datePlusDays, dateToTimestamp, dateToTimestamptz,
  intervalAdd, intervalDiv, intervalMul, intervalNeg, intervalSub, justifyDays, justifyHours, justifyInterval,
  timestampAtZone, timestampToDate, timestampToTime, timestampToTimestamptz, timestamptzAtZone, timestamptzToDate,
  timestamptzToTimestamp, tsMinusInterval, tsMinusTs, tsPlusInterval, zoneArg, zoneFromInterval,
} from './datetime.js';
import { dateBin, dateTrunc, dateTruncInterval } from './datetime-trunc.js';
import { datePart, intervalPart, partToFloat, partToNumeric, timePart, timestampPart } from './datetime-extract.js';
import { registerDatetimeMake } from './datetime-make.js';
import { registerToChar } from './to-char-time.js';
import { toDate, toTimestamp } from './to-timestamp.js';
import { registerAgg, registerFunc, type CallContext, type FuncDef } from './registry.js';

export const T = { bool: 16, int4: 23, int8: 20, float8: 701, text: 25, numeric: 1700, date: 1082, time: 1083, timetz: 1266, ts: 1114, tstz: 1184, interval: 1186 } as const;

type Call = (a: readonly Datum[], cx: CallContext) => Datum;

export function fn(name: string, args: readonly number[], returns: number, call: Call, volatility: 'i' | 's' | 'v' = 'i', extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind: 'func', args, returns, strict: true, volatility, call, ...extra });
}

function op(name: string, args: readonly number[], returns: number, call: Call, volatility: 'i' | 's' = 'i', extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind: 'op', args, returns, strict: true, volatility, call, ...extra });
}

function cast(source: number, target: number, context: CastContext, convert: (d: Datum, s: EvalSettings) => Datum): void {
  registerCast({ source, target, context, convert });
}

const zoneOf = (cx: CallContext) => sessionZone(cx.settings.timeZone);
const iv = (d: Datum): IntervalValue => d as IntervalValue;
const big = (d: Datum): bigint => d as bigint;
const num = (d: Datum): number => d as number;

function registerCasts(): void {
  cast(T.date, T.ts, 'i', (d) => dateToTimestamp(num(d)));
  cast(T.date, T.tstz, 'i', (d, s) => dateToTimestamptz(num(d), s));
  cast(T.ts, T.tstz, 'i', (d, s) => timestampToTimestamptz(big(d), s));
  cast(T.tstz, T.ts, 'a', (d, s) => timestamptzToTimestamp(big(d), s));
  cast(T.ts, T.date, 'a', (d) => timestampToDate(big(d)));
  cast(T.tstz, T.date, 'a', (d, s) => timestamptzToDate(big(d), s));
  // an infinite timestamp has no time of day: NULL, as PostgreSQL
  cast(T.ts, T.time, 'a', (d) => (isFiniteTs(big(d)) ? timestampToTime(big(d)) : null));
  cast(T.tstz, T.time, 'a', (d, s) => (isFiniteTs(big(d)) ? timestampToTime(timestamptzToTimestamp(big(d), s)) : null));
  cast(T.tstz, T.timetz, 'a', (d, s) => {
    if (!isFiniteTs(big(d))) return null;
    const local = utcToLocalUs(big(d), sessionZone(s.timeZone));
    return timetzText(splitUs(local)[1], Number((local - big(d)) / 1_000_000n));
  });
  cast(T.time, T.interval, 'i', (d) => ({ months: 0, days: 0, micros: BigInt(num(d)) }));
  cast(T.interval, T.time, 'a', (d) => {
    const v = iv(d);
    if (!ivIsFinite(v)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'cannot convert infinite interval to time');
    const r = v.micros % US_PER_DAY_N;
    return Number(r < 0n ? r + US_PER_DAY_N : r);
  });
  cast(T.timetz, T.time, 'a', (d) => timetzParts(d as string)[0]);
  cast(T.time, T.timetz, 'i', (d, s) => {
    const zone = sessionZone(s.timeZone);
    const east = Number((utcToLocalUs(s.transactionStart, zone) - s.transactionStart) / 1_000_000n);
    return timetzText(num(d), east);
  });
}

/** Comparison operators over a key function per side (cross-type comparisons convert first). */
function comparisons(a: number, b: number, ka: (d: Datum, cx: CallContext) => number | bigint, kb: (d: Datum, cx: CallContext) => number | bigint): void {
  const ops: [string, (c: number) => boolean, string, string][] = [
    ['=', (c) => c === 0, '=', '<>'],
    ['<>', (c) => c !== 0, '<>', '='],
    ['<', (c) => c < 0, '>', '>='],
    ['<=', (c) => c <= 0, '>=', '>'],
    ['>', (c) => c > 0, '<', '<='],
    ['>=', (c) => c >= 0, '<=', '<'],
  ];
  for (const [name, test, commutator, negator] of ops) {
    op(name, [a, b], T.bool, (x, cx) => {
      const p = ka(x[0]!, cx);
      const q = kb(x[1]!, cx);
      return test(p < q ? -1 : p > q ? 1 : 0);
    }, a === b ? 'i' : 's', { commutator, negator });
  }
}

function registerComparisons(): void {
  const id = (d: Datum): number | bigint => d as number | bigint;
  const dateKey = (d: Datum): number | bigint => dateToTimestampForCompare(num(d));
  const dateTzKey = (d: Datum, cx: CallContext): number | bigint => dateToTimestamptzForCompare(num(d), cx.settings);
  // out of range after the zone shift: between every finite value and infinity, as PostgreSQL
  const tsTzKey = (d: Datum, cx: CallContext): number | bigint => {
    const us = big(d);
    if (!isFiniteTs(us)) return us;
    const r = localToUtcUs(us, zoneOf(cx));
    return tsInRange(r) ? r : r > 0n ? TS_NOEND - 1n : TS_NOBEGIN + 1n;
  };
  comparisons(T.date, T.date, id, id);
  comparisons(T.time, T.time, id, id);
  comparisons(T.ts, T.ts, id, id);
  comparisons(T.tstz, T.tstz, id, id);
  comparisons(T.interval, T.interval, (d) => intervalKey(iv(d)), (d) => intervalKey(iv(d)));
  comparisons(T.date, T.ts, dateKey, id);
  comparisons(T.ts, T.date, id, dateKey);
  comparisons(T.date, T.tstz, dateTzKey, id);
  comparisons(T.tstz, T.date, id, dateTzKey);
  comparisons(T.ts, T.tstz, tsTzKey, id);
  comparisons(T.tstz, T.ts, id, tsTzKey);
  const tzk = (d: Datum): number | bigint => {
    const [u, o] = timetzParts(d as string);
    return BigInt(u - o * 1e6) * 100_000n - BigInt(o);
  };
  comparisons(T.timetz, T.timetz, tzk, tzk);
}

function registerArithmetic(): void {
  op('+', [T.date, T.int4], T.date, (a) => datePlusDays(num(a[0]!), num(a[1]!)));
  op('+', [T.int4, T.date], T.date, (a) => datePlusDays(num(a[1]!), num(a[0]!)));
  op('-', [T.date, T.int4], T.date, (a) => datePlusDays(num(a[0]!), -num(a[1]!)));
  op('-', [T.date, T.date], T.int4, (a) => dateMinusDate(num(a[0]!), num(a[1]!)));
  op('+', [T.date, T.interval], T.ts, (a) => tsPlusInterval(dateToTimestamp(num(a[0]!)), iv(a[1]!), null));
  op('+', [T.interval, T.date], T.ts, (a) => tsPlusInterval(dateToTimestamp(num(a[1]!)), iv(a[0]!), null));
  op('-', [T.date, T.interval], T.ts, (a) => tsMinusInterval(dateToTimestamp(num(a[0]!)), iv(a[1]!), null));
  const datePlusTime = (d: number, t: number): bigint => {
    const ts = dateToTimestamp(d);
    return isFiniteTs(ts) ? ts + BigInt(t) : ts;
  };
  op('+', [T.date, T.time], T.ts, (a) => datePlusTime(num(a[0]!), num(a[1]!)));
  op('+', [T.time, T.date], T.ts, (a) => datePlusTime(num(a[1]!), num(a[0]!)));

  const timePlus = (t: number, v: IntervalValue, sign: number): number => {
    if (!ivIsFinite(v)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `cannot ${sign > 0 ? 'add' : 'subtract'} infinite interval to time`);
    return wrapDay(t + sign * Number(v.micros % US_PER_DAY_N));
  };
  op('+', [T.time, T.interval], T.time, (a) => timePlus(num(a[0]!), iv(a[1]!), 1));
  op('+', [T.interval, T.time], T.time, (a) => timePlus(num(a[1]!), iv(a[0]!), 1));
  op('-', [T.time, T.interval], T.time, (a) => timePlus(num(a[0]!), iv(a[1]!), -1));
  op('-', [T.time, T.time], T.interval, (a) => ({ months: 0, days: 0, micros: BigInt(num(a[0]!) - num(a[1]!)) }));

  op('+', [T.ts, T.interval], T.ts, (a) => tsPlusInterval(big(a[0]!), iv(a[1]!), null));
  op('+', [T.interval, T.ts], T.ts, (a) => tsPlusInterval(big(a[1]!), iv(a[0]!), null));
  op('-', [T.ts, T.interval], T.ts, (a) => tsMinusInterval(big(a[0]!), iv(a[1]!), null));
  op('-', [T.ts, T.ts], T.interval, (a) => tsMinusTs(big(a[0]!), big(a[1]!)));
  op('+', [T.tstz, T.interval], T.tstz, (a, cx) => tsPlusInterval(big(a[0]!), iv(a[1]!), zoneOf(cx)), 's');
  op('+', [T.interval, T.tstz], T.tstz, (a, cx) => tsPlusInterval(big(a[1]!), iv(a[0]!), zoneOf(cx)), 's');
  op('-', [T.tstz, T.interval], T.tstz, (a, cx) => tsMinusInterval(big(a[0]!), iv(a[1]!), zoneOf(cx)), 's');
  op('-', [T.tstz, T.tstz], T.interval, (a) => tsMinusTs(big(a[0]!), big(a[1]!)));

  op('+', [T.interval, T.interval], T.interval, (a) => intervalAdd(iv(a[0]!), iv(a[1]!)));
  op('-', [T.interval, T.interval], T.interval, (a) => intervalSub(iv(a[0]!), iv(a[1]!)));
  op('-', [T.interval], T.interval, (a) => intervalNeg(iv(a[0]!)));
  op('+', [T.interval], T.interval, (a) => a[0]!);
  op('*', [T.interval, T.float8], T.interval, (a) => intervalMul(iv(a[0]!), num(a[1]!)));
  op('*', [T.float8, T.interval], T.interval, (a) => intervalMul(iv(a[1]!), num(a[0]!)));
  op('/', [T.interval, T.float8], T.interval, (a) => intervalDiv(iv(a[0]!), num(a[1]!)));
}

function registerClock(): void {
  const now = (_a: readonly Datum[], cx: CallContext): Datum => cx.settings.transactionStart;
  for (const name of ['now', 'transaction_timestamp', 'current_timestamp']) fn(name, [], T.tstz, now, 's');
  fn('statement_timestamp', [], T.tstz, (_a, cx) => cx.settings.statementStart, 's');
  // µs like PostgreSQL's clock (Date.now() has only ms, so clock_timestamp() < now() could happen)
  fn('clock_timestamp', [], T.tstz, () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) - 946_684_800_000_000n, 'v');
  fn('current_timestamp', [T.int4], T.tstz, (a, cx) => roundUs(cx.settings.transactionStart, num(a[0]!)), 's');
  const localNow = (cx: CallContext): bigint => utcToLocalUs(cx.settings.transactionStart, zoneOf(cx));
  fn('localtimestamp', [], T.ts, (_a, cx) => localNow(cx), 's');
  fn('localtimestamp', [T.int4], T.ts, (a, cx) => roundUs(localNow(cx), num(a[0]!)), 's');
  fn('current_date', [], T.date, (_a, cx) => currentDate(cx.settings), 's');
  fn('localtime', [], T.time, (_a, cx) => splitUs(localNow(cx))[1], 's');
  fn('localtime', [T.int4], T.time, (a, cx) => roundTime(splitUs(localNow(cx))[1], num(a[0]!)), 's');
  const currentTime = (cx: CallContext, p: number): Datum => {
    const local = localNow(cx);
    return timetzText(roundTime(splitUs(local)[1], p), Number((local - cx.settings.transactionStart) / 1_000_000n));
  };
  fn('current_time', [], T.timetz, (_a, cx) => currentTime(cx, -1), 's');
  fn('current_time', [T.int4], T.timetz, (a, cx) => currentTime(cx, num(a[0]!)), 's');
}

function registerParts(): void {
  const tzOffset = (us: bigint, cx: CallContext): number => (isFiniteTs(us) ? Number((utcToLocalUs(us, zoneOf(cx)) - us) / 1_000_000n) : 0);
  const str = (d: Datum | undefined): string => d as string;
  fn('extract', [T.text, T.ts], T.numeric, (a) => partToNumeric(timestampPart(str(a[0]), big(a[1]!), null)));
  fn('extract', [T.text, T.tstz], T.numeric, (a, cx) => partToNumeric(timestampPart(str(a[0]), big(a[1]!), tzOffset(big(a[1]!), cx))), 's');
  fn('extract', [T.text, T.date], T.numeric, (a) => partToNumeric(datePart(str(a[0]), num(a[1]!))));
  fn('extract', [T.text, T.time], T.numeric, (a) => partToNumeric(timePart(str(a[0]), num(a[1]!))));
  fn('extract', [T.text, T.interval], T.numeric, (a) => partToNumeric(intervalPart(str(a[0]), iv(a[1]!))));
  fn('date_part', [T.text, T.ts], T.float8, (a) => partToFloat(timestampPart(str(a[0]), big(a[1]!), null)));
  fn('date_part', [T.text, T.tstz], T.float8, (a, cx) => partToFloat(timestampPart(str(a[0]), big(a[1]!), tzOffset(big(a[1]!), cx))), 's');
  fn('date_part', [T.text, T.date], T.float8, (a) => partToFloat(timestampPart(str(a[0]), dateToTimestamp(num(a[1]!)), null)));
  fn('date_part', [T.text, T.time], T.float8, (a) => partToFloat(timePart(str(a[0]), num(a[1]!))));
  fn('date_part', [T.text, T.interval], T.float8, (a) => partToFloat(intervalPart(str(a[0]), iv(a[1]!))));

  fn('date_trunc', [T.text, T.ts], T.ts, (a) => dateTrunc(str(a[0]), big(a[1]!), null));
  fn('date_trunc', [T.text, T.tstz], T.tstz, (a, cx) => dateTrunc(str(a[0]), big(a[1]!), zoneOf(cx)), 's');
  fn('date_trunc', [T.text, T.tstz, T.text], T.tstz, (a) => (isFiniteTs(big(a[1]!)) ? dateTrunc(str(a[0]), big(a[1]!), zoneArg(str(a[2]))) : a[1]!));
  fn('date_trunc', [T.text, T.interval], T.interval, (a) => dateTruncInterval(str(a[0]), iv(a[1]!)));
  fn('date_bin', [T.interval, T.ts, T.ts], T.ts, (a) => dateBin(iv(a[0]!), big(a[1]!), big(a[2]!)));
  fn('date_bin', [T.interval, T.tstz, T.tstz], T.tstz, (a) => dateBin(iv(a[0]!), big(a[1]!), big(a[2]!)));

  // an infinite value is returned before the zone is looked at, as PostgreSQL does
  fn('timezone', [T.text, T.tstz], T.ts, (a) => (isFiniteTs(big(a[1]!)) ? timestamptzAtZone(big(a[1]!), zoneArg(str(a[0]))) : a[1]!));
  fn('timezone', [T.text, T.ts], T.tstz, (a) => (isFiniteTs(big(a[1]!)) ? timestampAtZone(big(a[1]!), zoneArg(str(a[0]))) : a[1]!));
  fn('timezone', [T.interval, T.tstz], T.ts, (a) => timestamptzAtZone(big(a[1]!), zoneFromInterval(iv(a[0]!))));
  fn('timezone', [T.interval, T.ts], T.tstz, (a) => timestampAtZone(big(a[1]!), zoneFromInterval(iv(a[0]!))));
  // x AT LOCAL (PostgreSQL 17)
  fn('timezone', [T.tstz], T.ts, (a, cx) => timestamptzAtZone(big(a[0]!), zoneOf(cx)), 's');
  fn('timezone', [T.ts], T.tstz, (a, cx) => timestampAtZone(big(a[0]!), zoneOf(cx)), 's');

  fn('age', [T.ts, T.ts], T.interval, (a) => age(big(a[0]!), big(a[1]!)));
  fn('age', [T.tstz, T.tstz], T.interval, (a, cx) => age(timestamptzToTimestamp(big(a[0]!), cx.settings), timestamptzToTimestamp(big(a[1]!), cx.settings)), 's');
  fn('age', [T.ts], T.interval, (a, cx) => age(BigInt(currentDate(cx.settings)) * US_PER_DAY_N, big(a[0]!)), 's');
  fn('age', [T.tstz], T.interval, (a, cx) => age(BigInt(currentDate(cx.settings)) * US_PER_DAY_N, timestamptzToTimestamp(big(a[0]!), cx.settings)), 's');
  fn('justify_days', [T.interval], T.interval, (a) => justifyDays(iv(a[0]!)));
  fn('justify_hours', [T.interval], T.interval, (a) => justifyHours(iv(a[0]!)));
  fn('justify_interval', [T.interval], T.interval, (a) => justifyInterval(iv(a[0]!)));

  fn('isfinite', [T.date], T.bool, (a) => Number.isFinite(num(a[0]!)));
  fn('isfinite', [T.ts], T.bool, (a) => isFiniteTs(big(a[0]!)));
  fn('isfinite', [T.tstz], T.bool, (a) => isFiniteTs(big(a[0]!)));
  fn('isfinite', [T.interval], T.bool, (a) => ivIsFinite(iv(a[0]!)));
}

/**
 * (s1, e1) OVERLAPS (s2, e2): PostgreSQL's overlaps_timestamp, NULL rules included (so not
 * strict); the second item of a pair may be an interval (end = start + interval).
 */
function registerOverlaps(): void {
  const overlaps = (a: readonly Datum[], cmp: (x: Datum, y: Datum) => number): Datum => {
    let ts1: Datum = a[0] ?? null;
    let te1: Datum = a[1] ?? null;
    let ts2: Datum = a[2] ?? null;
    let te2: Datum = a[3] ?? null;
    const gt = (x: Datum, y: Datum): boolean => cmp(x, y) > 0;
    const lt = (x: Datum, y: Datum): boolean => cmp(x, y) < 0;
    if (ts1 === null) {
      if (te1 === null) return null;
      ts1 = te1;
      te1 = null;
    } else if (te1 !== null && gt(ts1, te1)) [ts1, te1] = [te1, ts1];
    if (ts2 === null) {
      if (te2 === null) return null;
      ts2 = te2;
      te2 = null;
    } else if (te2 !== null && gt(ts2, te2)) [ts2, te2] = [te2, ts2];
    if (gt(ts1, ts2)) {
      if (te2 === null) return null;
      if (lt(ts1, te2)) return true;
      if (te1 === null) return null;
      return false;
    } else if (lt(ts1, ts2)) {
      if (te1 === null) return null;
      if (lt(ts2, te1)) return true;
      if (te2 === null) return null;
      return false;
    }
    if (te1 === null || te2 === null) return null;
    return true;
  };
  const cmpNum = (x: Datum, y: Datum): number => ((x as number | bigint) < (y as number | bigint) ? -1 : (x as number | bigint) > (y as number | bigint) ? 1 : 0);
  for (const t of [T.ts, T.tstz, T.date, T.time]) {
    const toTs = (d: Datum): Datum => (t === T.date && d !== null ? dateToTimestamp(num(d)) : d);
    const ret = T.bool;
    registerFunc({ name: 'overlaps', kind: 'func', args: [t, t, t, t], returns: ret, strict: false, volatility: 'i', call: (a) => overlaps(a.map(toTs), cmpNum) });
  }
  for (const t of [T.ts, T.tstz]) {
    const plus = (s: Datum, v: Datum, cx: CallContext): Datum => (s === null || v === null ? null : tsPlusInterval(big(s), iv(v), t === T.tstz ? zoneOf(cx) : null));
    registerFunc({ name: 'overlaps', kind: 'func', args: [t, T.interval, t, T.interval], returns: T.bool, strict: false, volatility: t === T.tstz ? 's' : 'i', call: (a, cx) => overlaps([a[0]!, plus(a[0]!, a[1]!, cx), a[2]!, plus(a[2]!, a[3]!, cx)], cmpNum) });
    registerFunc({ name: 'overlaps', kind: 'func', args: [t, t, t, T.interval], returns: T.bool, strict: false, volatility: t === T.tstz ? 's' : 'i', call: (a, cx) => overlaps([a[0]!, a[1]!, a[2]!, plus(a[2]!, a[3]!, cx)], cmpNum) });
    registerFunc({ name: 'overlaps', kind: 'func', args: [t, T.interval, t, t], returns: T.bool, strict: false, volatility: t === T.tstz ? 's' : 'i', call: (a, cx) => overlaps([a[0]!, plus(a[0]!, a[1]!, cx), a[2]!, a[3]!], cmpNum) });
  }
}

function registerSeries(): void {
  const series = (zoned: boolean) =>
    function* (a: readonly Datum[], cx: CallContext): Iterable<Datum> {
      const start = big(a[0]!);
      const stop = big(a[1]!);
      const step = iv(a[2]!);
      const zone = zoned ? zoneOf(cx) : null;
      const k = intervalKey(step);
      if (k === 0n) throw new SqlError(SQLSTATE.invalid_parameter_value, 'step size cannot equal zero');
      if (!ivIsFinite(step)) throw new SqlError(SQLSTATE.invalid_parameter_value, 'step size cannot be infinite');
      let n = 0;
      for (let cur = start; k > 0n ? cur <= stop : cur >= stop; cur = tsPlusInterval(cur, step, zone)) {
        if ((++n & 1023) === 0) cx.checkInterrupts();
        yield cur;
        if (cur === TS_NOEND || cur === TS_NOBEGIN) return;
      }
    };
  registerFunc({ name: 'generate_series', kind: 'func', args: [T.ts, T.ts, T.interval], returns: T.ts, strict: true, volatility: 'i', set: series(false) });
  registerFunc({ name: 'generate_series', kind: 'func', args: [T.tstz, T.tstz, T.interval], returns: T.tstz, strict: true, volatility: 's', set: series(true) });
}

function registerIntervalAggs(): void {
  interface SumState {
    sum: IntervalValue | null;
    n: number;
  }
  registerAgg<SumState>({
    name: 'sum',
    args: [T.interval],
    returns: T.interval,
    strict: true,
    init: () => ({ sum: null, n: 0 }),
    step: (st, a) => {
      st.sum = st.sum === null ? iv(a[0]!) : intervalAdd(st.sum, iv(a[0]!));
      st.n++;
      return st;
    },
    final: (st) => st.sum,
  });
  registerAgg<SumState>({
    name: 'avg',
    args: [T.interval],
    returns: T.interval,
    strict: true,
    init: () => ({ sum: null, n: 0 }),
    step: (st, a) => {
      st.sum = st.sum === null ? iv(a[0]!) : intervalAdd(st.sum, iv(a[0]!));
      st.n++;
      return st;
    },
    final: (st) => (st.sum === null ? null : intervalDiv(st.sum, st.n)),
    inverse: (st, a) => {
      st.sum = intervalSub(st.sum!, iv(a[0]!));
      st.n--;
      return st;
    },
  });
}

export function registerDatetime(): void {
  for (const t of [dateType, timeType, timetzType, timestampType, timestamptzType, intervalType]) registerType(t);
  registerCasts();
  registerComparisons();
  registerArithmetic();
  registerClock();
  registerParts();
  registerSeries();
  registerOverlaps();
  registerIntervalAggs();
  registerDatetimeMake();
  registerToChar();
  fn('to_timestamp', [T.text, T.text], T.tstz, (a, cx) => toTimestamp(a[0] as string, a[1] as string, cx.settings), 's');
  fn('to_date', [T.text, T.text], T.date, (a) => toDate(a[0] as string, a[1] as string), 's');
  void US_PER_DAY;
}
