/*
 * Binary result columns, compared byte for byte with the primary's (issue #15: pgjdbc asks for
 * binary numeric, time, timetz and arrays once a statement is server-prepared; Npgsql asks for
 * binary for every column). Each query runs through Parse/Bind(all results binary)/Execute on
 * both servers, under several session settings: a binary value must not depend on DateStyle,
 * IntervalStyle, extra_float_digits or bytea_output (it once did: a float8 under
 * extra_float_digits = 0 was sent rounded). Enums and domains are refused (0A000), not converted.
 */
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bind, errorFields, RawClient, type Message } from '../pgwire/support/raw-client.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let primary: RawClient;
let sidecar: RawClient;

const SETUP = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE v (id int PRIMARY KEY, n numeric, n2 numeric(12,3), f8 float8, f4 float4, at timestamptz, ts timestamp, d date,
  t time, tz timetz, iv interval, b bytea, j json, jb jsonb, c "char", m mood, p posint, ia int4[], ta text[], na numeric[],
  ba bool[], i2 int2, i8 int8, u uuid, vc varchar(10), bp char(3), nm name, o oid);
INSERT INTO v VALUES
  (1, 0, 1.5, 0.1, 1.1, '2024-01-02 03:04:05.123456+00', '2024-01-02 03:04:05', '2024-02-29', '12:34:56.789', '12:34:56+05:30', '1 year 2 mons 3 days 04:05:06.789',
   '\\x00ff', '{"a": [1, 2]}', '{"b": null}', 'x', 'ok', 7, '{1,NULL,-3}', '{a,NULL,"b c"}', '{1.5,NaN,-0.001}', '{t,f}', -32768, 9223372036854775807,
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'abc', 'ab', 'nm', 4294967295),
  (2, -123456789.000012345, -0.001, -1e300, 'NaN', 'infinity', '-infinity', 'infinity', '00:00:00', '23:59:59.999999-12', '-1 days -00:00:01',
   '\\x', '[]', '[1, "x"]', '', 'sad', 1, '{}', '{}', '{}', '{}', 0, -1, NULL, '', '', '', 0),
  (3, 'NaN', 99999.999, 'Infinity', '-Infinity', '1999-12-31 23:59:59.999999+00', '0001-01-01 00:00:00 BC', '0001-01-01 BC', '24:00:00', '00:00:00+00', '0',
   '\\xdeadbeef', 'null', '"s"', 'é', 'happy', 2147483647, '{{1,2},{3,4}}', '{{a,b},{c,d}}', '{{1},{2}}', '{NULL}', 1, 1, NULL, NULL, NULL, NULL, NULL),
  (4, 1e-20, 0, 5e-324, 3.4028235e38, '2024-06-01 12:00:00+02', '2024-06-01 12:00:00', '2000-01-01', '00:00:00.000001', '12:00:00+14', '1000000 years',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, 'Infinity', NULL, -0.0, -0.0, NULL, NULL, NULL, NULL, NULL, '-178000000 years', NULL, NULL, NULL, NULL, NULL, NULL, '[0:2]={7,8,9}', NULL,
   '{Infinity,-Infinity}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

const SETTINGS: readonly string[] = [
  '',
  "SET DateStyle = 'German, DMY'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 0; SET bytea_output = 'escape'; SET TimeZone = 'Asia/Kolkata'",
  "SET DateStyle = 'SQL, MDY'; SET IntervalStyle = 'sql_standard'; SET extra_float_digits = -15; SET TimeZone = 'America/St_Johns'",
];

const QUERIES: readonly string[] = [
  'SELECT id, n, n2, f8, f4, at, ts, d, t, tz, iv, b, j, jb, c, ia, ta, na, ba, i2, i8, u, vc, bp, nm, o FROM v ORDER BY id',
  'SELECT id, n, n2, f8, f4, at, ts, d, t, tz, iv, b, j, jb, c, ia, ta, na, ba, i2, i8, u, vc, bp, nm, o FROM v WHERE id = 1',
  'SELECT id, n * 2, n2 / 7, f8 * 3, sum(n) OVER (), t + interval \'1 hour\', iv * 2, ia || 5, array_agg(id) OVER () FROM v WHERE id < 5 ORDER BY id',
  "SELECT 1.50::numeric, 0.000001::numeric, 123456789012345678901234567890.123::numeric, (-1)::numeric(10,4), 'NaN'::numeric, 10::numeric ^ 20",
  "SELECT ARRAY[1.5, NULL]::numeric[], ARRAY[[true]], ARRAY['2024-01-01'::date], ARRAY[interval '1 day'], ARRAY['x'::bytea], ARRAY[]::int[], ARRAY[now() - now()]",
  "SELECT json_build_object('a', 1), to_json('x'::text), json_agg(n ORDER BY id) FROM v",
];

function line(m: Message): string {
  if (m.code === 'E') {
    const f = errorFields(m);
    return `E ${f.C} ${f.M}`;
  }
  if (m.code === 'D') return `D ${m.body.toString('hex')}`;
  if (m.code === 'T') return 'T';
  return m.code;
}

async function run(c: RawClient, pre: string, sql: string): Promise<string[]> {
  if (pre !== '') {
    c.send(serialize.query(pre));
    await c.until('Z');
  }
  c.send(serialize.parse({ text: sql }), bind({ resultFormats: [1] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
  const out = (await c.until('Z')).map(line);
  c.send(serialize.query('RESET ALL'));
  await c.until('Z');
  return out;
}

beforeAll(async () => {
  h = await startHarness('binres', SETUP);
  await h.caughtUp();
  primary = await RawClient.connectUrl(h.db.url);
  sidecar = await RawClient.connect(h.port, { database: h.db.name });
}, 120_000);

afterAll(async () => {
  primary?.end();
  sidecar?.end();
  await h?.close();
});

describe('binary result columns', () => {
  it('are the primary bytes, whatever the session settings', async () => {
    const bad: string[] = [];
    for (const pre of SETTINGS) {
      for (const sql of QUERIES) {
        const [p, s] = [await run(primary, pre, sql), await run(sidecar, pre, sql)];
        const k = p.findIndex((m, i) => m !== s[i]);
        if (k >= 0 || p.length !== s.length) bad.push(`${pre} | ${sql}\n  message ${k}\n  primary: ${(p[k] ?? '').slice(0, 1200)}\n  sidecar: ${(s[k] ?? '').slice(0, 1200)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('refuses binary for a type it cannot convert (an enum, without the catalog), loudly, before any row', async () => {
    const s = await run(sidecar, '', 'SELECT m FROM v ORDER BY id');
    expect(s.find((m) => m.startsWith('E'))).toMatch(/^E 0A000 binary output format is not supported/);
  });
});

/** The primary's binary form of each value, sent back as a binary parameter to both servers. */
const PARAMS: readonly [string, string][] = [
  ['numeric', "VALUES (0::numeric), (1.50), (-0.001), (123456789012345678901234567890.123), ('NaN'), ('Infinity'), ('-Infinity'), (1e-20), (10000), (-0.00)"],
  ['interval', "VALUES ('1 year 2 mons 3 days 04:05:06.789'::interval), ('-1 days -00:00:01'), ('0'), ('1 day -02:00'), ('-1 mons +3 days'), ('1000000 years'), ('infinity'), ('-infinity'), ('-178000000 years'), ('00:00:00.000001')"],
  ['time', "VALUES ('12:34:56.789'::time), ('00:00:00'), ('24:00:00'), ('23:59:59.999999')"],
  ['timetz', "VALUES ('12:34:56+05:30'::timetz), ('23:59:59.999999-12'), ('00:00:00+00'), ('12:00:00+14'), ('01:02:03-03:30:15')"],
  ['json', "VALUES ('{\"a\": [1, 2]}'::json), ('null'), ('\"é\"')"],
  ['"char"', "VALUES ('x'::\"char\"), (''), ('é')"],
  ['int4[]', "VALUES ('{1,NULL,-3}'::int4[]), ('{}'), ('{{1,2},{3,4}}'), ('[0:2]={7,8,9}'), ('{NULL}')"],
  ['text[]', "VALUES ('{a,NULL,\"b c\",\"\",\"NULL\",\"x\\\\\\\"y\",\"{}\"}'::text[]), ('{{a,b},{c,d}}')"],
  ['numeric[]', "VALUES ('{1.5,NaN,-0.001,Infinity}'::numeric[])"],
  ['timestamptz[]', "VALUES ('{\"2024-01-02 03:04:05+00\",infinity}'::timestamptz[])"],
  ['bool[]', "VALUES ('{t,f,NULL}'::bool[])"],
  ['interval[]', "VALUES ('{\"1 day\",\"-00:00:01\"}'::interval[])"],
];

async function binaryValues(sql: string): Promise<Buffer[]> {
  primary.send(serialize.parse({ text: sql }), bind({ resultFormats: [1] }), serialize.execute({}), serialize.sync());
  return (await primary.until('Z')).filter((m) => m.code === 'D').map((m) => {
    const len = m.body.readInt32BE(2);
    return m.body.subarray(6, 6 + len);
  });
}

async function asText(c: RawClient, type: string, value: Buffer): Promise<string[]> {
  c.send(serialize.parse({ text: `SELECT $1::${type}::text` }), bind({ paramFormats: [1], params: [value] }), serialize.execute({}), serialize.sync());
  return (await c.until('Z')).filter((m) => m.code === 'D' || m.code === 'E').map((m) => (m.code === 'E' ? line(m) : m.body.toString('utf8', 6)));
}

describe('binary parameters', () => {
  it('read as the primary reads them (its own binary values sent back)', async () => {
    const bad: string[] = [];
    let n = 0;
    for (const [type, values] of PARAMS) {
      for (const v of await binaryValues(values)) {
        n++;
        const [p, s] = [await asText(primary, type, v), await asText(sidecar, type, v)];
        if (JSON.stringify(p) !== JSON.stringify(s)) bad.push(`${type} ${v.toString('hex')}: primary ${p.join(' ')} sidecar ${s.join(' ')}`);
      }
    }
    expect(n).toBeGreaterThan(40);
    expect(bad).toEqual([]);
  });
});
