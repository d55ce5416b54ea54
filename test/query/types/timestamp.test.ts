/*
 * Datetime type input/output against PostgreSQL 17: seeded random values of every datetime type
 * printed under several TimeZone / DateStyle / IntervalStyle settings must equal the server's
 * text; plus hand-picked input spellings and errors. The seed is printed on a mismatch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeInfo } from '../../../src/query/types/registry.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { isDefaultDatetimeOutput, reformatTimestamptz } from '../../../src/query/types/timestamp.js';
import { serverUrl } from '../../support/pg.js';
import { evalSettings, label, local, mismatches, Oracle, rng, settingsSql, type Case } from './datetime-oracle.js';
import { randomDate, randomInterval, randomTime, randomTimestamp, SETTINGS } from './datetime-gen.js';

const SEED = Number(process.env.DATETIME_SEED ?? Date.now() % 1_000_000);
const N = 60;

const SPELLINGS = [
  '2024-01-01 10:00:00', '2024-01-01 10:00:00+02', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00.1234567',
  '2024-07-01 10:00 Europe/Paris', '2024-07-01 10:00 PST', '2024-02-30', '2024-13-01', '01/02/2024', '01/02/24',
  '1/2/2024 3:04:05 pm', 'Jan 5 2024', '5 Jan 2024', '2024-Jan-05', '05-Jan-2024', 'January 5, 2024 10:00',
  'Fri Jan 05 10:00:00 2024 PST', '0001-01-01 BC', '4714-11-24 BC', '4714-11-23 BC', '294276-12-31 23:59:59.999999',
  '294277-01-01', 'epoch', 'infinity', '-infinity', 'today', 'tomorrow', 'yesterday', 'garbage', '2024-01-01 25:00',
  '2024-01-01 24:00', '2024-01-01 23:59:60', '20240105', '20240105T101112', '2024-01-05 10:11:12 +0530',
  '2024-01-05 10:11:12+16', '2024-03-31 02:30 Europe/Paris', '2024-10-27 02:30 Europe/Paris', '99-01-05', '69-01-05',
  '2024.01.05', '1850-01-01 12:00 Europe/Paris',
];
const INTERVALS = [
  '1 year 2 mons 3 days 04:05:06', '1 day -02:00', '-1 day +02:00', '@ 1 hour ago', '1.5 days', '1.5 months', '1.5 years',
  '1.5 weeks', 'P1Y2M3DT4H5M6S', 'PT1H30M', 'P1W', '1-2', '-1-2', '3 4:05:06', '10', '01:02', '1:30.5', '100:00:00',
  'infinity', '-infinity', '0', '1 mon -1 day', '1 decade 1 century 1 millennium', '1 year ago', 'garbage', '25:61',
  '00:00:00.0000005', '-3 days 4:05:06', '3 days -4:05:06', '1y2mon3d',
];

const [Y, M, D, H, MI, S] = [1 << 2, 1 << 1, 1 << 3, 1 << 10, 1 << 11, 1 << 12];
const INTERVAL_RANGES: [string, number][] = [
  ['year', Y], ['month', M], ['day', D], ['hour', H], ['minute', MI], ['second', S], ['year to month', Y | M], ['day to hour', D | H],
  ['day to minute', D | H | MI], ['day to second', D | H | MI | S], ['hour to minute', H | MI], ['hour to second', H | MI | S], ['minute to second', MI | S],
];

describe('datetime types against PostgreSQL 17', () => {
  let oracle: Oracle;
  beforeAll(async () => {
    ensureBuiltins();
    oracle = await Oracle.connect(serverUrl());
  });
  afterAll(async () => {
    await oracle.close();
  });

  for (const [k, st] of SETTINGS.entries()) {
    it(`prints and reads every type like the server under ${label(st)}`, async () => {
      await oracle.set(st);
      const es = evalSettings(st, BigInt(Date.UTC(2026, 5, 15, 12) - 946_684_800_000) * 1000n);
      const r = rng(SEED + k);
      const cases: Case[] = [];
      const roundTrip = (oid: number, name: string, text: string): void => {
        const t = typeInfo(oid);
        cases.push({ label: name, sql: `SELECT $1::${name}::text AS v`, params: [text], mine: () => local(() => t.output(t.input(text, -1, es), es)) });
      };
      for (let i = 0; i < N; i++) {
        roundTrip(1184, 'timestamptz', randomTimestamp(r, true));
        roundTrip(1114, 'timestamp', randomTimestamp(r, false));
        roundTrip(1082, 'date', randomDate(r));
        roundTrip(1083, 'time', randomTime(r));
        roundTrip(1186, 'interval', randomInterval(r));
      }
      for (const text of SPELLINGS) {
        if (['today', 'tomorrow', 'yesterday'].includes(text)) continue;
        roundTrip(1184, 'timestamptz', text);
        roundTrip(1114, 'timestamp', text);
        roundTrip(1082, 'date', text);
      }
      for (const text of INTERVALS) roundTrip(1186, 'interval', text);
      for (const text of ['10:00', '10:00:00.1234565', '24:00:00', '24:00:01', '10:00 pm', '12:00 am', '040506', 'allballs', 'garbage', '10:60']) {
        roundTrip(1083, 'time', text);
        roundTrip(1266, 'timetz', text + (text === 'garbage' ? '' : '+05:30'));
      }
      const typmod = (oid: number, sql: string, mod: number, text: string): void => {
        const t = typeInfo(oid);
        // a literal, not $1: a parameter would be read without the typmod, then cast
        cases.push({ label: sql, sql: `SELECT '${text.replace(/'/g, "''")}'::${sql}::text AS v`, params: [], mine: () => local(() => t.output(t.input(text, mod, es), es)) });
      };
      for (let i = 0; i < 10; i++) {
        const p = Math.floor(r() * 7);
        typmod(1114, `timestamp(${p})`, p, randomTimestamp(r, false));
        typmod(1184, `timestamptz(${p})`, p, randomTimestamp(r, true));
        typmod(1083, `time(${p})`, p, randomTime(r));
        typmod(1186, `interval(${p})`, (0x7fff << 16) | p, randomInterval(r));
      }
      for (const [sql, range] of INTERVAL_RANGES) {
        for (const text of ['90', '1 2', '1-2', '12:30', '1 day 02:03:04.5678', '3 years 2 mons 1 day 04:05:06.789', '-7']) typmod(1186, `interval ${sql}`, (range << 16) | 0xffff, text);
      }
      const bad = await mismatches(oracle, cases);
      expect(bad, `seed ${SEED + k} (DATETIME_SEED=${SEED})\n${bad.join('\n')}`).toEqual([]);
    });
  }

  it('relative inputs follow the transaction clock in the session zone', async () => {
    for (const st of SETTINGS.slice(0, 4)) {
      await oracle.set(st);
      const now = await oracle.value(`SELECT ((extract(epoch from now()) - 946684800) * 1000000)::bigint::text AS v`);
      void now;
    }
    await oracle.run([{ sql: 'BEGIN', params: [] }]).catch(() => undefined);
    const st = SETTINGS[3]!;
    await oracle.set(st);
    const nowUs = BigInt((await oracle.value(`SELECT ((extract(epoch from now()) - 946684800) * 1000000)::bigint::text AS v`))!);
    const es = evalSettings(st, nowUs);
    const cases: Case[] = [];
    for (const text of ['now', 'today', 'tomorrow', 'yesterday']) {
      for (const [oid, name] of [[1184, 'timestamptz'], [1114, 'timestamp'], [1082, 'date']] as const) {
        const t = typeInfo(oid);
        cases.push({ label: name, sql: `SELECT $1::${name}::text AS v`, params: [text], mine: () => local(() => t.output(t.input(text, -1, es), es)) });
      }
    }
    const bad = await mismatches(oracle, cases);
    await oracle.run([{ sql: 'COMMIT', params: [] }]);
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('re-renders stored UTC timestamptz text in the session settings', async () => {
    const r = rng(SEED + 100);
    for (const st of SETTINGS) {
      await oracle.set({ ...st, timeZone: 'UTC', dateStyle: 'ISO' });
      const stored: string[] = [];
      for (let i = 0; i < 40; i++) stored.push((await oracle.value(`SELECT '${randomTimestamp(r, true)}'::timestamptz::text AS v`))!);
      await oracle.set(st);
      const cases = stored.map((text) => ({ label: 'reformat', sql: 'SELECT $1::timestamptz::text AS v', params: [text], mine: () => local(() => reformatTimestamptz(text, st)) }));
      const bad = await mismatches(oracle, cases);
      expect(bad, `seed ${SEED + 100}\n${bad.join('\n')}`).toEqual([]);
    }
    expect(isDefaultDatetimeOutput(SETTINGS[0]!)).toBe(true);
    expect(isDefaultDatetimeOutput(SETTINGS[1]!)).toBe(false);
    expect(settingsSql(SETTINGS[0]!)).toContain('UTC');
  });
});
