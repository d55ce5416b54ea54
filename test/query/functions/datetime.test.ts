/*
 * Datetime functions and operators against PostgreSQL 17: the registered FuncDefs are called on
 * seeded random arguments under several session settings and their output text compared with the
 * server's for the same expression (`SELECT <expr>::text`). The seed is printed on a mismatch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { serverUrl } from '../../support/pg.js';
import { aggsNamed, funcsNamed } from '../../../src/query/functions/registry.js';
import type { Datum } from '../../../src/query/types/datum.js';
import { typeInfo } from '../../../src/query/types/registry.js';
import { callText, castText, evalSettings, label, local, mismatches, Oracle, rng, sqlType, type Case } from '../types/datetime-oracle.js';
import { randomDate, randomInterval, randomTime, randomTimestamp, recentTimestamptz, SETTINGS } from '../types/datetime-gen.js';

const SEED = Number(process.env.DATETIME_SEED ?? Date.now() % 1_000_000);
const N = 25;

const TS_FIELDS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'quarter', 'year', 'decade', 'century', 'millennium', 'dow', 'isodow', 'doy', 'week', 'isoyear', 'epoch', 'julian', 'timezone', 'timezone_hour', 'timezone_minute', 'bogus'];
const IV_FIELDS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium', 'epoch', 'dow'];
const TRUNC_UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium', 'dow'];
const ZONES = ['America/New_York', 'UTC', 'PST', '+05', '-03:30', 'Asia/Kathmandu', 'Europe/London', 'nowhere/zone'];
const TO_CHAR_FORMATS = [
  'YYYY-MM-DD HH24:MI:SS.US', 'Day, DD Month YYYY', 'FMDay, FMDD FMMonth YYYY', 'DY dy Dy MON mon Mon', 'HH12:MI AM pm a.m. P.M.',
  'YYYY YYY YY Y Y,YYY IYYY IW ID', 'DDD D WW W Q J', 'DDth DDTH FMDDth Mon', 'CC BC AD b.c. a.d.', 'TZ tz OF TZH:TZM',
  '"quoted" YYYY \\"x', 'MS US FF1 FF3 FF6 SSSS SSSSS', 'RM rm FMRM', 'HH HH12 HH24 MI SS', 'MONTH month Month',
];
const TO_TIMESTAMP: [string, string][] = [
  ['2024-01-05 10:11:12', 'YYYY-MM-DD HH24:MI:SS'], ['05 Jan 2024', 'DD Mon YYYY'], ['January 5, 2024', 'Month DD, YYYY'],
  ['2024-13-05', 'YYYY-MM-DD'], ['20240105', 'YYYYMMDD'], ['10:30 PM 2024/01/05', 'HH12:MI AM YYYY/MM/DD'],
  ['2024-01-05 10:11:12.345', 'YYYY-MM-DD HH24:MI:SS.MS'], ['2024-01-05 10:11:12 +05:30', 'YYYY-MM-DD HH24:MI:SS TZH:TZM'],
  ['0044-03-15 BC', 'YYYY-MM-DD BC'], ['2024-02-30', 'YYYY-MM-DD'], ['xx', 'Mon'], ['2451545', 'J'], ['24-1-5', 'YY-MM-DD'],
];
const T = { int4: 23, float8: 701, text: 25, date: 1082, time: 1083, ts: 1114, tstz: 1184, interval: 1186 };

describe('datetime functions against PostgreSQL 17', () => {
  let oracle: Oracle;
  beforeAll(async () => {
    ensureBuiltins();
    oracle = await Oracle.connect(serverUrl());
  });
  afterAll(async () => {
    await oracle.close();
  });

  for (const [k, st] of SETTINGS.entries()) {
    it(`computes like the server under ${label(st)}`, async () => {
      await oracle.set(st);
      const es = evalSettings(st, BigInt(Date.UTC(2026, 5, 15, 12) - 946_684_800_000) * 1000n);
      const r = rng(SEED + 1000 + k);
      const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
      const cases: Case[] = [];
      const f = (name: string, argTypes: number[], args: string[], sqlName = name): void => {
        const casts = args.map((_, i) => `$${i + 1}::${sqlType(argTypes[i]!)}`);
        cases.push({ label: `${name}(${argTypes.map(sqlType).join(', ')})`, sql: `SELECT ${sqlName}(${casts.join(', ')})::text AS v`, params: args, mine: () => callText(name, 'func', argTypes, args, es) });
      };
      const o = (sym: string, argTypes: number[], args: string[]): void => {
        const casts = args.map((_, i) => `$${i + 1}::${sqlType(argTypes[i]!)}`);
        const sql = casts.length === 1 ? `SELECT (${sym} ${casts[0]})::text AS v` : `SELECT (${casts[0]} ${sym} ${casts[1]})::text AS v`;
        cases.push({ label: `${sym} (${argTypes.map(sqlType).join(', ')})`, sql, params: args, mine: () => callText(sym, 'op', argTypes, args, es) });
      };
      const c = (from: number, to: number, arg: string): void => {
        cases.push({ label: `${sqlType(from)}::${sqlType(to)}`, sql: `SELECT $1::${sqlType(from)}::${sqlType(to)}::text AS v`, params: [arg], mine: () => castText(from, to, arg, es) });
      };
      for (let i = 0; i < N; i++) {
        const ts = randomTimestamp(r, false);
        const tstz = randomTimestamp(r, true);
        const d = randomDate(r);
        const tm = randomTime(r);
        const iv = randomInterval(r);
        const iv2 = randomInterval(r);
        const tfield = pick(TS_FIELDS);
        f('extract', [T.text, T.ts], [tfield, ts], 'pg_catalog.extract');
        f('extract', [T.text, T.tstz], [pick(TS_FIELDS), tstz], 'pg_catalog.extract');
        f('extract', [T.text, T.date], [pick(TS_FIELDS), d], 'pg_catalog.extract');
        f('extract', [T.text, T.time], [pick(TS_FIELDS), tm], 'pg_catalog.extract');
        f('extract', [T.text, T.interval], [pick(IV_FIELDS), iv], 'pg_catalog.extract');
        f('date_part', [T.text, T.ts], [pick(TS_FIELDS), ts]);
        f('date_part', [T.text, T.tstz], [pick(TS_FIELDS), tstz]);
        f('date_part', [T.text, T.date], [pick(TS_FIELDS), d]);
        f('date_part', [T.text, T.interval], [pick(IV_FIELDS), iv]);
        f('date_trunc', [T.text, T.ts], [pick(TRUNC_UNITS), ts]);
        f('date_trunc', [T.text, T.tstz], [pick(TRUNC_UNITS), tstz]);
        f('date_trunc', [T.text, T.tstz, T.text], [pick(TRUNC_UNITS), tstz, pick(ZONES)]);
        f('date_trunc', [T.text, T.interval], [pick(TRUNC_UNITS), iv]);
        f('timezone', [T.text, T.tstz], [pick(ZONES), tstz]);
        f('timezone', [T.text, T.ts], [pick(ZONES), ts]);
        f('age', [T.ts, T.ts], [ts, randomTimestamp(r, false)]);
        f('age', [T.tstz, T.tstz], [tstz, randomTimestamp(r, true)]);
        f('justify_days', [T.interval], [iv]);
        f('justify_hours', [T.interval], [iv]);
        f('justify_interval', [T.interval], [iv]);
        f('isfinite', [T.interval], [iv]);
        f('isfinite', [T.tstz], [tstz]);
        o('+', [T.ts, T.interval], [ts, iv]);
        o('-', [T.ts, T.interval], [ts, iv]);
        o('+', [T.tstz, T.interval], [tstz, iv]);
        o('-', [T.tstz, T.interval], [tstz, iv]);
        o('-', [T.ts, T.ts], [ts, randomTimestamp(r, false)]);
        o('-', [T.tstz, T.tstz], [tstz, randomTimestamp(r, true)]);
        o('+', [T.date, T.int4], [d, String(Math.floor(r() * 20000) - 10000)]);
        o('-', [T.date, T.date], [d, randomDate(r)]);
        o('+', [T.date, T.interval], [d, iv]);
        o('+', [T.date, T.time], [d, tm]);
        o('+', [T.time, T.interval], [tm, iv]);
        o('-', [T.time, T.time], [tm, randomTime(r)]);
        o('+', [T.interval, T.interval], [iv, iv2]);
        o('-', [T.interval, T.interval], [iv, iv2]);
        o('-', [T.interval], [iv]);
        o('*', [T.interval, T.float8], [iv, pick(['2', '0.5', '-1.5', '3.7', '1e-3', '0'])]);
        o('/', [T.interval, T.float8], [iv, pick(['2', '0.5', '-1.5', '3.7', '7', '0'])]);
        o('<', [T.date, T.tstz], [d, tstz]);
        o('=', [T.ts, T.tstz], [ts, tstz]);
        o('>=', [T.interval, T.interval], [iv, iv2]);
        c(T.tstz, T.date, tstz);
        c(T.tstz, T.ts, tstz);
        c(T.ts, T.tstz, ts);
        c(T.date, T.tstz, d);
        c(T.tstz, T.time, tstz);
        c(T.interval, T.time, iv);
        c(T.time, T.interval, tm);
      }
      for (let i = 0; i < N; i++) {
        const fmt = pick(TO_CHAR_FORMATS);
        f('to_char', [T.ts, T.text], [randomTimestamp(r, false), fmt]);
        f('to_char', [T.tstz, T.text], [randomTimestamp(r, true), pick(TO_CHAR_FORMATS.filter((x) => !x.startsWith('TZ')))]);
        // zone names only where ICU knows tzdata's abbreviations (see timezone.ts)
        f('to_char', [T.tstz, T.text], [recentTimestamptz(r), 'TZ tz OF TZH:TZM']);
        f('to_char', [T.interval, T.text], [randomInterval(r), pick(['HH24:MI:SS', 'YYYY MM DD HH MI SS MS US', 'FMDD "days" HH24 "h"', 'Y,YYY CC'])]);
      }
      for (let i = 0; i < N; i++) {
        const args = [randomTimestamp(r, false), randomTimestamp(r, false), randomTimestamp(r, false), randomTimestamp(r, false)].map((x) => (r() < 0.1 ? null : x));
        cases.push({ label: 'overlaps(timestamp x4)', sql: 'SELECT (($1::timestamp, $2::timestamp) OVERLAPS ($3::timestamp, $4::timestamp))::text AS v', params: args, mine: () => callText('overlaps', 'func', [T.ts, T.ts, T.ts, T.ts], args, es) });
        const d = [randomTimestamp(r, true), randomInterval(r), randomTimestamp(r, true), randomTimestamp(r, true)];
        cases.push({ label: 'overlaps(timestamptz, interval, timestamptz, timestamptz)', sql: 'SELECT (($1::timestamptz, $2::interval) OVERLAPS ($3::timestamptz, $4::timestamptz))::text AS v', params: d, mine: () => callText('overlaps', 'func', [T.tstz, T.interval, T.tstz, T.tstz], d, es) });
      }
      for (const [text, fmt] of TO_TIMESTAMP) {
        f('to_timestamp', [T.text, T.text], [text, fmt]);
        f('to_date', [T.text, T.text], [text, fmt]);
      }
      for (const [y, m, dd] of [[2024, 2, 29], [2023, 2, 29], [-44, 3, 15], [0, 1, 1], [2024, 13, 1]]) {
        f('make_date', [T.int4, T.int4, T.int4], [String(y), String(m), String(dd)]);
        f('make_timestamp', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], [String(y), String(m), String(dd), '10', '30', '15.5']);
        f('make_timestamptz', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], [String(y), String(m), String(dd), '2', '30', '0']);
      }
      f('make_time', [T.int4, T.int4, T.float8], ['25', '0', '0']);
      f('make_time', [T.int4, T.int4, T.float8], ['23', '59', '59.9999999']);
      f('make_interval', [T.int4, T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], ['1', '2', '3', '4', '5', '6', '7.5']);
      for (const x of ['0', '1700000000.123456', '-1e10', 'Infinity', 'NaN', '1e20']) f('to_timestamp', [T.float8], [x]);
      const bad = await mismatches(oracle, cases);
      expect(bad, `seed ${SEED + 1000 + k} (DATETIME_SEED=${SEED})\n${bad.join('\n')}`).toEqual([]);
    });
  }

  it('generate_series, date_bin and the interval aggregates match the server', async () => {
    const st = SETTINGS[1]!;
    await oracle.set(st);
    const es = evalSettings(st, 0n);
    const r = rng(SEED + 2000);
    const cx = { settings: es, argTypes: [], resultType: 0, checkInterrupts: () => undefined };
    const cases: Case[] = [];
    for (let i = 0; i < 20; i++) {
      const start = recentTimestamptz(r);
      const stop = recentTimestamptz(r);
      const step = pick(r, ['1 month', '-1 month', '7 days', '1 day 3 hours', '-10 days', '1 year 1 day', '3 months 1 hour']);
      const zoned = r() < 0.5;
      const t = zoned ? T.tstz : T.ts;
      const name = zoned ? 'timestamptz' : 'timestamp';
      const args = [zoned ? start : start.slice(0, -3), zoned ? stop : stop.slice(0, -3), step];
      cases.push({
        label: `generate_series(${name})`,
        sql: `SELECT string_agg(g::text, ',') AS v FROM generate_series($1::${name}, $2::${name}, $3::interval) g`,
        params: args,
        mine: () =>
          local(() => {
            const def = funcsNamed('generate_series', 'func').find((d) => d.args[0] === t)!;
            const vals: Datum[] = [typeInfo(t).input(args[0]!, -1, es), typeInfo(t).input(args[1]!, -1, es), typeInfo(T.interval).input(args[2]!, -1, es)];
            const out = [...def.set!(vals, cx)].map((v) => typeInfo(t).output(v, es));
            return out.length === 0 ? null : out.join(',');
          }),
      });
      const stride = pick(r, ['15 minutes', '1 day', '7 days 12 hours', '1 hour', '0 days']);
      f2(cases, es, 'date_bin', [T.interval, T.ts, T.ts], [stride, randomTimestamp(r, false), pick(r, ['2000-01-01', '2024-03-31 02:17', '1900-05-05 05:05:05.5'])]);
      const ivs = Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomInterval(r)).filter((x) => !x.includes('infinity'));
      for (const agg of ['sum', 'avg']) {
        cases.push({
          label: `${agg}(interval)`,
          sql: `SELECT ${agg}(x)::text AS v FROM unnest($1::interval[]) x`,
          params: [`{${ivs.map((x) => `"${x}"`).join(',')}}`],
          mine: () =>
            local(() => {
              const def = aggsNamed(agg).find((d) => d.args[0] === T.interval)!;
              let state = def.init(cx);
              for (const x of ivs) state = def.step(state, [typeInfo(T.interval).input(x, -1, es)], cx);
              const v = def.final(state, cx);
              return v === null ? null : typeInfo(T.interval).output(v, es);
            }),
        });
      }
    }
    const bad = await mismatches(oracle, cases);
    expect(bad, `seed ${SEED + 2000}\n${bad.join('\n')}`).toEqual([]);
  });
});

function pick<X>(r: () => number, xs: readonly X[]): X {
  return xs[Math.floor(r() * xs.length)]!;
}

function f2(cases: Case[], es: ReturnType<typeof evalSettings>, name: string, argTypes: number[], args: string[]): void {
  const casts = args.map((_, i) => `$${i + 1}::${sqlType(argTypes[i]!)}`);
  cases.push({ label: `${name}(${argTypes.map(sqlType).join(', ')})`, sql: `SELECT ${name}(${casts.join(', ')})::text AS v`, params: args, mine: () => callText(name, 'func', argTypes, args, es) });
}
