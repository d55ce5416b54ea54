/*
 * SELECT and COPY on memstore (QueryEngine behind PgWireServer, over node-postgres) give the same
 * rows, types and bytes as the PostgreSQL 17 primary it follows. Text keys are compared with the
 * primary's `COLLATE "C"` order (memstore orders text by bytes).
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTypes, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let side: pg.Client;
let primary: pg.Client;

const SETUP = `
  CREATE TABLE acc (aid int PRIMARY KEY, bid int, abalance int, filler char(10));
  INSERT INTO acc SELECT g, g % 7, CASE WHEN g % 13 = 0 THEN NULL ELSE (g * 37) % 1000 - 300 END, 'f' || (g % 100)
    FROM generate_series(1, 2000) g;
  CREATE TABLE txt (k text PRIMARY KEY, n int, f float8, b bool, d date, ts timestamptz, u uuid, note text, bin bytea, num numeric);
  INSERT INTO txt VALUES
    ('', 0, 0, true, '2024-01-01', '2024-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', NULL, '\\x', 0),
    ('a', 1, 1.5, false, '2024-02-29', '2024-02-29 12:30:00.5+02', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', 'x', '\\x00', 1.50),
    ('A', 2, -1e300, NULL, NULL, NULL, NULL, 'tab\there', '\\x5c', -0.001),
    ('a b', 3, 'NaN', true, '0044-03-15 BC', 'infinity', NULL, 'new
line', '\\xdeadbeef', 'NaN'),
    ('ab', 4, 'Infinity', false, 'infinity', '-infinity', NULL, 'back\\slash', NULL, 123456789012345678901234567890),
    ('a%', 5, 1e-300, true, '2000-01-01', '2000-01-01 00:00:00+00', NULL, 'percent', NULL, 2),
    ('a_b', 6, 0.1, NULL, NULL, NULL, NULL, 'under', NULL, 3),
    ('a\\b', 7, -0.0, true, NULL, NULL, NULL, 'back', NULL, 4),
    ('é', 8, 2, false, NULL, NULL, NULL, 'accent', NULL, 5),
    ('日本', 9, 3, true, NULL, NULL, NULL, '日本語', NULL, 6),
    ('z', 10, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('apple', 11, 4.25, true, '2024-05-05', '2024-05-05 05:05:05+00', NULL, 'fruit', NULL, 7),
    ('apricot', 12, 5.5, false, '2024-06-06', '2024-06-06 06:06:06+00', NULL, 'fruit', NULL, 8),
    ('😀', 13, 6, true, NULL, NULL, NULL, 'emoji', NULL, 9);
  CREATE TABLE comp (region text, id int8, v text, PRIMARY KEY (region, id));
  INSERT INTO comp SELECT (ARRAY['eu','us','ap'])[g % 3 + 1], g, 'v' || g FROM generate_series(1, 60) g;
  CREATE TABLE rev (b int, a text, v int, PRIMARY KEY (b, a));
  INSERT INTO rev SELECT g % 4, 'k' || (g % 5), g FROM generate_series(1, 20) g ON CONFLICT DO NOTHING;
  CREATE TABLE nums (n numeric PRIMARY KEY, label text);
  INSERT INTO nums VALUES (1.5, 'one and a half'), (-2, 'minus two'), (0, 'zero'), (100.25, 'hundred'), ('NaN', 'nan'), (1e20, 'big');
  CREATE TABLE smalls (s int2 PRIMARY KEY, v text);
  INSERT INTO smalls SELECT g, 'v' || g FROM generate_series(-5, 5) g;
  CREATE TABLE tsk (t timestamptz PRIMARY KEY, v int);
  INSERT INTO tsk SELECT '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
  CREATE TABLE ukey (u uuid PRIMARY KEY, v int);
  INSERT INTO ukey SELECT md5(g::text)::uuid, g FROM generate_series(1, 30) g;
  CREATE TABLE nokey (x int, y text);
  INSERT INTO nokey VALUES (1, 'a');
  CREATE TABLE evolving (id int PRIMARY KEY, a text);
  INSERT INTO evolving VALUES (1, 'one'), (2, 'two');
`;

beforeAll(async () => {
  h = await startHarness('qselect', SETUP);
  side = await h.client();
  primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
  await primary.connect();
});

afterAll(async () => {
  await primary?.end();
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

type Row = unknown[];

async function both(sidecarSql: string, primarySql: string = sidecarSql, params: unknown[] = []): Promise<{ rows: Row[]; fields: [string, number][] }> {
  const s = await side.query({ text: sidecarSql, values: params, rowMode: 'array' });
  const p = await primary.query({ text: primarySql, values: params, rowMode: 'array' });
  expect(s.rows, sidecarSql).toEqual(p.rows);
  const fields = (r: pg.QueryResult): [string, number][] => r.fields.map((f) => [f.name, f.dataTypeID]);
  expect(fields(s), sidecarSql).toEqual(fields(p));
  expect(s.command).toBe(p.command);
  expect(s.rowCount).toBe(p.rowCount);
  return { rows: s.rows as Row[], fields: fields(s) };
}

describe('point reads and key access', () => {
  it('reads by primary key, with literals and parameters', async () => {
    await both('SELECT * FROM acc WHERE aid = 42');
    await both('SELECT * FROM acc WHERE aid = $1', undefined, [42]);
    await both('SELECT abalance, bid AS b FROM acc WHERE aid = $1', undefined, ['7']);
    await both('SELECT * FROM acc WHERE aid = 999999');
    await both('SELECT * FROM acc WHERE 13 = aid');
    await both('SELECT aid FROM acc WHERE aid = 1.5');
    await both('SELECT aid FROM acc WHERE aid = 5::int8');
    await both(`SELECT * FROM acc WHERE aid = ' 8 '`);
    await both('SELECT * FROM smalls WHERE s = 100000');
    await both('SELECT * FROM acc WHERE aid = $1 AND bid = $2', undefined, [14, 0]);
    await both('SELECT * FROM acc WHERE aid = $1 AND bid = $2', undefined, [14, 1]);
    await both('SELECT * FROM acc WHERE aid = NULL');
  });

  it('shares one plan between texts that differ only in literals', async () => {
    for (const aid of [1, 2, 1999, 77]) await both(`SELECT abalance FROM acc WHERE aid = ${aid}`);
    const before = h.engine.cacheStats();
    for (const aid of [3, 4, 5]) await both(`SELECT abalance FROM acc WHERE aid = ${aid}`);
    expect(h.engine.cacheStats()).toEqual(before);
  });

  it('reads IN lists and = ANY(array) in key order', async () => {
    await both('SELECT * FROM acc WHERE aid IN (5, 3, 1000000, 3, 2000)', 'SELECT * FROM acc WHERE aid IN (5, 3, 1000000, 3, 2000) ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid = ANY($1)', 'SELECT aid FROM acc WHERE aid = ANY($1) ORDER BY aid', [[9, 2, 4, 2]]);
    await both(`SELECT aid FROM acc WHERE aid = ANY('{7,1,NULL}')`, `SELECT aid FROM acc WHERE aid = ANY('{7,1,NULL}') ORDER BY aid`);
    await both('SELECT aid FROM acc WHERE aid = ANY(ARRAY[11, 10])', 'SELECT aid FROM acc WHERE aid = ANY(ARRAY[11, 10]) ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid IN (1, 2, 3) ORDER BY aid DESC');
    await both(`SELECT * FROM txt WHERE k IN ('a', 'z', 'nope', '')`, `SELECT * FROM txt WHERE k IN ('a', 'z', 'nope', '') ORDER BY k COLLATE "C"`);
  });

  it('walks ranges on the first key column, in both directions, with LIMIT and OFFSET', async () => {
    await both('SELECT aid FROM acc WHERE aid > 1990', 'SELECT aid FROM acc WHERE aid > 1990 ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid >= 1990 AND aid < 1995', 'SELECT aid FROM acc WHERE aid >= 1990 AND aid < 1995 ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid BETWEEN 10 AND 20 ORDER BY aid DESC');
    await both('SELECT aid FROM acc WHERE aid <= 3 ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid > 1.5 AND aid < 4.5 ORDER BY aid');
    await both('SELECT aid FROM acc WHERE aid > 10 AND aid < 5');
    await both('SELECT aid FROM acc WHERE aid NOT BETWEEN 3 AND 1998 ORDER BY aid');
    await both('SELECT * FROM acc ORDER BY aid DESC LIMIT 5 OFFSET 3');
    await both('SELECT * FROM acc ORDER BY aid LIMIT $1 OFFSET $2', undefined, [4, 10]);
    await both('SELECT * FROM acc ORDER BY aid LIMIT ALL OFFSET 1995');
    await both('SELECT aid FROM acc ORDER BY 1 DESC FETCH FIRST 2 ROWS ONLY');
    await both('SELECT aid AS x FROM acc ORDER BY x LIMIT 2');
    await both('SELECT aid FROM acc ORDER BY aid LIMIT 0');
    await both('SELECT * FROM smalls WHERE s > -3 AND s <= 40000 ORDER BY s');
    await both('SELECT * FROM smalls WHERE s < -100000');
  });

  it('walks composite keys: fixed leading columns, ranges on the next one, IN on several', async () => {
    await both(`SELECT * FROM comp WHERE region = 'eu' ORDER BY id`);
    await both(`SELECT * FROM comp WHERE region = 'eu' ORDER BY region, id DESC`);
    await both(`SELECT * FROM comp WHERE region = 'eu' AND id > 40 ORDER BY id`);
    await both(`SELECT * FROM comp WHERE region = $1 AND id BETWEEN $2 AND $3 ORDER BY id DESC`, undefined, ['us', 10, 30]);
    await both(`SELECT * FROM comp WHERE region IN ('us', 'eu') AND id IN (3, 4, 5, 6)`, `SELECT * FROM comp WHERE region IN ('us', 'eu') AND id IN (3, 4, 5, 6) ORDER BY region COLLATE "C", id`);
    await both(`SELECT * FROM comp ORDER BY region DESC, id DESC LIMIT 7`, `SELECT * FROM comp ORDER BY region COLLATE "C" DESC, id DESC LIMIT 7`);
    await both(`SELECT * FROM comp WHERE id = 7`);
    await both(`SELECT * FROM rev ORDER BY b, a`, `SELECT * FROM rev ORDER BY b, a COLLATE "C"`);
    await both(`SELECT * FROM rev WHERE b = 2 AND a > 'k2' ORDER BY a`, `SELECT * FROM rev WHERE b = 2 AND a > 'k2' ORDER BY a COLLATE "C"`);
  });

  it('orders text keys by bytes and walks LIKE prefixes', async () => {
    await both('SELECT * FROM txt ORDER BY k', 'SELECT * FROM txt ORDER BY k COLLATE "C"');
    await both('SELECT k FROM txt ORDER BY k DESC LIMIT 4', 'SELECT k FROM txt ORDER BY k COLLATE "C" DESC LIMIT 4');
    await both(`SELECT k FROM txt WHERE k LIKE 'a%' ORDER BY k`, `SELECT k FROM txt WHERE k LIKE 'a%' ORDER BY k COLLATE "C"`);
    await both(`SELECT k FROM txt WHERE k LIKE 'a\\_%' ORDER BY k`, `SELECT k FROM txt WHERE k LIKE 'a\\_%' ORDER BY k COLLATE "C"`);
    await both(`SELECT k FROM txt WHERE k LIKE 'a#%' ESCAPE '#'`);
    await both(`SELECT k FROM txt WHERE k LIKE 'ap%t' ORDER BY k`, `SELECT k FROM txt WHERE k LIKE 'ap%t' ORDER BY k COLLATE "C"`);
    await both(`SELECT k FROM txt WHERE k LIKE $1 ORDER BY k`, `SELECT k FROM txt WHERE k LIKE $1 ORDER BY k COLLATE "C"`, ['a_']);
    await both(`SELECT k FROM txt WHERE k NOT LIKE '%a%' ORDER BY k`, `SELECT k FROM txt WHERE k NOT LIKE '%a%' ORDER BY k COLLATE "C"`);
    await both(`SELECT k FROM txt WHERE k > 'a' AND k < 'b' ORDER BY k`, `SELECT k FROM txt WHERE k COLLATE "C" > 'a' AND k COLLATE "C" < 'b' ORDER BY k COLLATE "C"`);
    await both(`SELECT * FROM txt WHERE k = ''`);
    await both(`SELECT * FROM txt WHERE k = '日本'`);
  });
});

describe('filters with PostgreSQL semantics', () => {
  const ordered = async (where: string, params: unknown[] = []): Promise<void> => {
    await both(`SELECT aid, bid, abalance FROM acc WHERE ${where} ORDER BY aid`, undefined, params);
  };

  it('applies three-valued logic to NULLs', async () => {
    await ordered('abalance > 600 OR bid = 2');
    await ordered('NOT (abalance > -250)');
    await ordered('abalance IS NULL');
    await ordered('abalance IS NOT NULL AND bid <> 3 AND aid < 100');
    await ordered('bid IN (1, NULL) AND aid < 50');
    await ordered('bid NOT IN (1, NULL)');
    await ordered('abalance IS DISTINCT FROM 5 AND aid < 30');
    await ordered('abalance IS NOT DISTINCT FROM NULL');
    await ordered('(abalance > 0) IS UNKNOWN');
    await ordered('(abalance > 0) IS NOT TRUE AND aid < 40');
    await ordered('bid = ANY($1) AND aid < 60', [[1, null]]);
    await ordered('abalance <> ALL(ARRAY[-263, 111]) AND aid < 20');
    await ordered('abalance BETWEEN SYMMETRIC 200 AND -200 AND aid < 100');
  });

  it('compares by type: numbers across widths, text as bytes, floats, dates, uuids, booleans', async () => {
    const t = async (where: string, params: unknown[] = []): Promise<void> => {
      await both(`SELECT k FROM txt WHERE ${where} ORDER BY k`, `SELECT k FROM txt WHERE ${where} ORDER BY k COLLATE "C"`, params);
    };
    await t('n > 5.5');
    await t('f > 0.5');
    await t(`f = 'NaN'`);
    await t('f < 0');
    await t(`f = '-0'`);
    await t('num = 1.5');
    await t('num > 100');
    await t(`d >= '2024-01-01'`);
    await t(`d < '2000-01-01'`);
    await t(`ts > '2024-02-29 10:00:00+00'`);
    await t(`ts = '2024-02-29T10:30:00.5Z'`);
    await t(`u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'`);
    await t(`u = '{A0EEBC999C0B4EF8BB6D6BB9BD380A11}'`);
    await t('b');
    await t('NOT b');
    await t(`b = 'yes'`);
    await t('b IS NOT FALSE');
    await t(`bin = '\\x5c'`);
    await t(`note LIKE '%e%'`);
    await t(`note = $1`, ['fruit']);
    await t(`k::text = 'a'`);
  });

  it('counts with and without conditions', async () => {
    await both('SELECT count(*) FROM acc');
    await both('SELECT count(*) AS n FROM acc WHERE bid = 3');
    await both('SELECT count(abalance) FROM acc');
    await both('SELECT count(*) FROM acc WHERE aid BETWEEN 100 AND 199 AND abalance IS NULL');
    await both('SELECT count(1) FROM txt WHERE k LIKE $1', undefined, ['a%']);
    await both('SELECT count(*) FROM acc LIMIT 0');
  });

  it('sorts by non-key columns like PostgreSQL (NULLS LAST ascending, FIRST descending)', async () => {
    await both('SELECT aid, abalance FROM acc WHERE aid < 60 ORDER BY abalance, aid');
    await both('SELECT aid, abalance FROM acc WHERE aid < 60 ORDER BY abalance DESC, aid');
    await both('SELECT aid, abalance FROM acc WHERE aid < 60 ORDER BY abalance DESC NULLS LAST, aid DESC LIMIT 10 OFFSET 2');
    await both('SELECT k, f FROM txt ORDER BY f NULLS FIRST, k', 'SELECT k, f FROM txt ORDER BY f NULLS FIRST, k COLLATE "C"');
    await both('SELECT k, note FROM txt ORDER BY note, k', 'SELECT k, note FROM txt ORDER BY note COLLATE "C", k COLLATE "C"');
  });

  it('orders by an output column before an input column of the same name, in its own type (SQL92)', async () => {
    // `aid::text` is named aid: ORDER BY aid and ORDER BY 1 sort text, not integers.
    await both('SELECT aid::text FROM acc WHERE aid BETWEEN 1 AND 12 ORDER BY aid');
    await both('SELECT aid::text, bid FROM acc WHERE aid BETWEEN 1 AND 12 ORDER BY 1 DESC');
    await both('SELECT 5 AS aid, abalance FROM acc WHERE aid < 20 ORDER BY aid, abalance NULLS FIRST');
  });

  it('projects columns, aliases, constants, text casts and qualified names', async () => {
    await both('SELECT acc.aid, acc.bid, public.acc.abalance FROM acc WHERE aid = 3');
    await both('SELECT x.aid FROM acc AS x WHERE x.aid = 3');
    await both(`SELECT 1 AS one, 'k' AS k, aid FROM acc WHERE aid = 4`);
    await both('SELECT aid::text, filler::text, bid::varchar FROM acc WHERE aid = 5');
    await both('SELECT b::text FROM txt WHERE k = $1', undefined, ['a']);
    await both('SELECT * FROM nums ORDER BY n');
    await both('SELECT * FROM tsk WHERE t >= $1 AND t < $2 ORDER BY t DESC', undefined, ['2024-01-01 10:00:00+00', '2024-01-02 00:00:00+02']);
    await both('SELECT * FROM ukey ORDER BY u LIMIT 5');
    await both(`SELECT * FROM ukey WHERE u > 'f0000000-0000-0000-0000-000000000000' ORDER BY u`);
  });
});

describe('COPY TO STDOUT', () => {
  async function copyText(client: pg.Client, sql: string): Promise<string> {
    const stream = client.query(copyTo(sql));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  it('is byte-identical to the primary COPY of the same SELECT ordered by the key', async () => {
    expect(await copyText(side, 'COPY acc TO STDOUT')).toBe(await copyText(primary, 'COPY (SELECT * FROM acc ORDER BY aid) TO STDOUT'));
    expect(await copyText(side, 'COPY public.txt TO STDOUT')).toBe(await copyText(primary, 'COPY (SELECT * FROM txt ORDER BY k COLLATE "C") TO STDOUT'));
    expect(await copyText(side, 'COPY comp TO STDOUT WITH (FORMAT text)')).toBe(await copyText(primary, 'COPY (SELECT * FROM comp ORDER BY region COLLATE "C", id) TO STDOUT'));
    expect(await copyText(side, 'COPY nums (label, n) TO STDOUT')).toBe(await copyText(primary, 'COPY (SELECT label, n FROM nums ORDER BY n) TO STDOUT'));
    const q = 'COPY (SELECT aid, filler FROM acc WHERE aid < 10 ORDER BY aid DESC) TO STDOUT';
    expect(await copyText(side, q)).toBe(await copyText(primary, q));
  });

  it('dumps the memstore key space as (key bytea, value jsonb) in key order', async () => {
    await h.db.client.query(`SELECT memstore.set('b:2', '{"n": 2, "s": "tab\\there"}'), memstore.set('a:1', '[1, 2.50]'), memstore.set('\\x00ff'::bytea, 'null')`);
    await h.caughtUp();
    const expected = await copyText(
      primary,
      `COPY (SELECT k, v::jsonb FROM (VALUES (convert_to('b:2', 'UTF8'), '{"n": 2, "s": "tab\\there"}'), (convert_to('a:1', 'UTF8'), '[1, 2.50]'), ('\\x00ff'::bytea, 'null')) AS x(k, v) ORDER BY k) TO STDOUT`,
    );
    expect(await copyText(side, 'COPY memstore TO STDOUT')).toBe(expected);
    const list = await side.query({ text: 'SELECT * FROM memstore.list() ORDER BY key DESC LIMIT 2', rowMode: 'array' });
    expect(list.rows).toEqual([
      ['\\x623a32', '{"n": 2, "s": "tab\\there"}'],
      ['\\x613a31', '[1, 2.50]'],
    ]);
  });
});

describe('plans over a table that changes shape', () => {
  it('re-plans after ALTER TABLE; a prepared statement whose result type changed fails with 0A000', async () => {
    const prepared = { name: 'evolving_star', text: 'SELECT * FROM evolving WHERE id = $1', values: [1], rowMode: 'array' as const };
    expect((await side.query(prepared)).rows).toEqual([['1', 'one']]);
    await h.db.client.query(`ALTER TABLE evolving ADD COLUMN b int`);
    await h.db.client.query(`INSERT INTO evolving VALUES (3, 'three', 33)`);
    await h.caughtUp();
    await both('SELECT * FROM evolving ORDER BY id');
    await both('SELECT a, b FROM evolving WHERE id = 3');
    await expect(side.query(prepared)).rejects.toMatchObject({ code: '0A000', message: 'cached plan must not change result type' });
  });
});
