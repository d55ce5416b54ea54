/*
 * Session settings that change how values print (TimeZone in its several spellings, DateStyle,
 * IntervalStyle, extra_float_digits, bytea_output) give the same text on memstore as on the
 * PostgreSQL 17 primary: through the stored-bytes fast path (point reads, key walks), COPY TO
 * STDOUT, and the executor. Before, timestamptz always printed `+00` whatever TimeZone said.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTypes, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let side: pg.Client;
let primary: pg.Client;

const SETUP = `
  CREATE TABLE vals (id int PRIMARY KEY, tz timestamptz, ts timestamp, d date, iv interval, f4 float4, f8 float8, b bytea, tza timestamptz[], n numeric);
  INSERT INTO vals VALUES
    (1, '2024-03-31 00:30:00+00', '2024-03-31 02:30:00', '2024-03-31', '1 year 2 mons 3 days 04:05:06.5', 1.1, 0.1, '\\x00ff5c27', '{"2024-07-01 12:00:00+00","1999-12-31 23:59:59.999+00"}', 1.50),
    (2, '1900-01-01 00:00:00+00', '0044-03-15 12:00:00 BC', '0044-03-15 BC', '-3 days -00:00:01', 3.4028235e38, 1e300, '\\x', NULL, -0.001),
    (3, 'infinity', '-infinity', 'infinity', '00:00:00', 'NaN', '-Infinity', 'abc\\\\def', '{}', 'NaN'),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (5, '2024-10-27 01:30:00+00', '2024-02-29 23:59:59.123456', '2024-02-29', '-1 mons +2 days -03:00:00', -0.0, 123456789.125, '\\xdeadbeef', '{"2024-10-27 00:59:59+00"}', 1e20);
`;

beforeAll(async () => {
  h = await startHarness('qoutset', SETUP);
  side = await h.client({ types: rawTypes });
  primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
  await primary.connect();
});

afterAll(async () => {
  await primary?.end();
  await h?.close();
});

async function copyText(c: pg.Client, sql: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of c.query(copyTo(sql))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function answer(c: pg.Client, sql: string): Promise<unknown> {
  try {
    const r = await c.query({ text: sql, rowMode: 'array' });
    return r.rows;
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
}

const SETTINGS: readonly string[][] = [
  [`SET TimeZone = 'Europe/Paris'`],
  [`SET TimeZone = 'America/St_Johns'`, `SET DateStyle = 'Postgres, MDY'`],
  [`SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE`],
  [`SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE`],
  [`SET TIME ZONE -7`, `SET DateStyle = German`],
  [`SET TimeZone = 'UTC+3'`, `SET DateStyle = 'SQL, DMY'`],
  [`SET TimeZone = 'Asia/Kolkata'`, `SET IntervalStyle = 'iso_8601'`],
  [`SET IntervalStyle = 'sql_standard'`, `SET extra_float_digits = 0`],
  [`SET IntervalStyle = 'postgres_verbose'`, `SET extra_float_digits = -3`, `SET bytea_output = 'escape'`],
  [`SET TimeZone = 'Mars/Olympus'`],
  [`SET DateStyle = 'ISO, SQL'`],
  [`SET extra_float_digits = 4`],
];

const READS = [
  'SELECT * FROM vals WHERE id = 1',
  'SELECT * FROM vals WHERE id = 5',
  'SELECT * FROM vals ORDER BY id',
  'SELECT id, tz, d FROM vals WHERE id BETWEEN 2 AND 4 ORDER BY id DESC',
  'SELECT id, tz + interval \'1 hour\', d + 1, iv * 2, f8 / 3, f4::float8, tza[1], n FROM vals ORDER BY id',
  'SELECT date_trunc(\'day\', tz), extract(hour FROM tz), tz::date, tz::timestamp FROM vals WHERE id IN (1, 5) ORDER BY id',
];

describe('output settings', () => {
  it('print every type as the primary does, on the fast path, COPY and the executor', async () => {
    for (const settings of SETTINGS) {
      for (const sql of ['RESET ALL', ...settings]) {
        const p = await answer(primary, sql);
        expect(await answer(side, sql), sql).toEqual(p);
        expect(await answer(side, 'SHOW ALL').then((r) => (Array.isArray(r) ? r.length > 0 : r)), 'SHOW ALL').toBe(true);
      }
      for (const show of ['SHOW TimeZone', 'SHOW DateStyle', 'SHOW IntervalStyle', 'SHOW extra_float_digits', 'SHOW bytea_output']) {
        expect(await answer(side, show), `${settings.join('; ')}; ${show}`).toEqual(await answer(primary, show));
      }
      for (const sql of READS) {
        expect(await answer(side, sql), `${settings.join('; ')}; ${sql}`).toEqual(await answer(primary, sql));
      }
      expect(await copyText(side, 'COPY vals TO STDOUT'), `${settings.join('; ')}; COPY`).toBe(await copyText(primary, 'COPY (SELECT * FROM vals ORDER BY id) TO STDOUT'));
    }
  });
});
