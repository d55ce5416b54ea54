/*
 * Text order follows the primary's collations (issue #14: "for other collations either the same
 * order as the primary or a clear error, never a silently different order"), in a database whose
 * DEFAULT collation is ICU, so every text column, literal and parameter is linguistic: ORDER BY,
 * comparisons, min/max, a text primary key (no key walk, no range walk in byte order), the fast
 * point read, collations checked on demand, nondeterministic ones and case mapping refused.
 * Every answer is compared with the primary's.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { diffQuery, DiffSessions, showOutcome, type DiffQuery } from '../support/diff.js';
import { caughtUp } from '../support/sidecar.js';
import { waitForValue } from '../support/wait.js';

const NAMES = ['apple', 'Apple', 'APPLE', 'banana', 'Banana', 'éclair', 'eclair', 'Eclair', 'co-op', 'coop', 'co op', 'zebra', 'Zebra', 'ß', 'ss', 'résumé', 'resume', '日本', 'x', 'Ünïcödé', '100%', '', ' a', 'a-b', 'ab', 'a b', 'i', 'I', 'ı', 'İ'];

let h: Harness;
let sessions: DiffSessions;
let sidecar: pg.Client;

beforeAll(async () => {
  const values = NAMES.map((n, i) => `(${i + 1}, '${n.replace(/'/g, "''")}', '${n.replace(/'/g, "''")}')`).join(', ');
  h = await startHarness(
    'coll',
    `CREATE TABLE names (id int PRIMARY KEY, name text, code text COLLATE "C");
     INSERT INTO names VALUES ${values};
     CREATE TABLE tkeys (k text PRIMARY KEY, n int);
     INSERT INTO tkeys SELECT name, id FROM names;`,
    `TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'`,
  );
  await h.caughtUp();
  sessions = new DiffSessions(h.db.url, h.url, []);
  sidecar = new pg.Client({ connectionString: h.url });
  await sidecar.connect();
}, 120_000);

afterAll(async () => {
  await sidecar?.end();
  await sessions?.close();
  await h?.close();
});

const ORDERED: readonly string[] = [
  'SELECT id, name FROM names ORDER BY name, id',
  'SELECT id, name FROM names ORDER BY name DESC, id',
  'SELECT id, code FROM names ORDER BY code, id',
  'SELECT id, name FROM names ORDER BY name COLLATE "C", id',
  "SELECT id FROM names WHERE name < 'b' ORDER BY id",
  "SELECT id FROM names WHERE name BETWEEN 'a' AND 'E' ORDER BY id",
  "SELECT id FROM names WHERE code < 'b' ORDER BY id",
  'SELECT k, n FROM tkeys ORDER BY k',
  'SELECT k, n FROM tkeys ORDER BY k DESC LIMIT 5',
  "SELECT k FROM tkeys WHERE k > 'b' ORDER BY k",
  "SELECT k FROM tkeys WHERE k >= 'E' AND k < 'z' ORDER BY n",
  "SELECT k, n FROM tkeys WHERE k = 'éclair'",
  'SELECT min(name), max(name), min(code), max(code) FROM names',
  "SELECT 'a' < 'B', 'é' < 'f', 'Z' > 'a', 'a' < 'B' COLLATE \"C\"",
  "SELECT id, greatest(name, 'm') FROM names ORDER BY id",
  'SELECT id, name, rank() OVER (ORDER BY name) FROM names ORDER BY id',
  "SELECT string_agg(name, '|' ORDER BY name, id) FROM names",
  'SELECT n.name, t.n FROM names n JOIN tkeys t ON t.k = n.name ORDER BY n.name, n.id',
  'SELECT id, upper(name), lower(name), upper(code) FROM names WHERE id <> 6 ORDER BY id',
  "SELECT id FROM names WHERE name ILIKE 'É%' OR name ILIKE '%SS' OR name NOT ILIKE '%i%' ORDER BY id",
  'SELECT upper(name COLLATE "tr-x-icu"), lower(name COLLATE "tr-x-icu") FROM names ORDER BY id',
];

describe('a database whose default collation is ICU "en"', () => {
  it('orders and compares text as the primary does', async () => {
    const bad: string[] = [];
    for (const sql of ORDERED) {
      const q: DiffQuery = { sql, ordered: sql.includes('ORDER BY') };
      const o = await diffQuery(sessions, q);
      if (o.verdict !== 'OK') bad.push(showOutcome(o));
    }
    expect(bad).toEqual([]);
  });

  it('serves a point read on a text key with the parameter as the primary matches it', async () => {
    for (const k of ['éclair', 'Eclair', 'ß', 'nope']) {
      const p = await h.db.client.query('SELECT k, n FROM tkeys WHERE k = $1', [k]);
      const s = await sidecar.query('SELECT k, n FROM tkeys WHERE k = $1', [k]);
      expect(s.rows).toEqual(p.rows);
    }
  });

  it('never walks a text key in byte order for a linguistic ORDER BY (EXPLAIN shows a sort)', async () => {
    const plan = (await sidecar.query('EXPLAIN SELECT k FROM tkeys ORDER BY k')).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Sort/);
    const c = (await sidecar.query('EXPLAIN SELECT k FROM tkeys ORDER BY k COLLATE "C"')).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(c).not.toMatch(/Sort/);
  });

  it('refuses what it would map or classify as "C" does on non-ASCII text (initcap, regular expressions), and answers ASCII as the primary', async () => {
    await expect(sidecar.query('SELECT initcap(name) FROM names WHERE id = 6')).rejects.toMatchObject({ code: '0A000' });
    await expect(sidecar.query("SELECT name ~* '^É' FROM names WHERE id = 6")).rejects.toMatchObject({ code: '0A000' });
    for (const sql of ['SELECT initcap(name), name ~* \'^AP\' FROM names WHERE id = 1', 'SELECT initcap(code) FROM names WHERE id = 6']) {
      const p = await h.db.client.query(sql);
      const s = await sidecar.query(sql);
      expect(s.rows).toEqual(p.rows);
    }
  });

  it('checks a collation no column uses when a query first needs it: 0A000, then the primary\'s order', async () => {
    const sql = 'SELECT id FROM names ORDER BY name COLLATE "sv-x-icu", id';
    const first = await sidecar.query(sql).then(() => 'answered', (e: { code?: string }) => e.code);
    expect(first).toBe('0A000');
    const rows = await waitForValue(
      () => sidecar.query(sql).then((r) => r.rows as unknown[], () => undefined),
      (r) => r !== undefined,
      20_000,
      'the check of sv-x-icu',
    );
    expect(rows).toEqual((await h.db.client.query(sql)).rows);
  });

  it('refuses a table with a nondeterministic collation column, and a nondeterministic COLLATE', async () => {
    await h.db.client.query(`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`);
    await h.db.client.query(`CREATE TABLE nd (id int PRIMARY KEY, t text COLLATE ci); INSERT INTO nd VALUES (1, 'a'), (2, 'A')`);
    await caughtUp(h.sidecar, h.db.client);
    const r = await waitForValue(
      () => sidecar.query('SELECT count(*) FROM nd WHERE t = $1', ['a']).then(() => 'answered', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`),
      (v) => !v.includes('not read the collation') && !v.includes('does not exist') && !v.includes('being copied') && !v.includes('55000'),
      20_000,
      'the collations of nd',
    );
    expect(r).toMatch(/^0A000: .*nondeterministic collation "ci"/);
    await expect(sidecar.query(`SELECT 'a' = 'A' COLLATE ci`)).rejects.toMatchObject({ code: '0A000' });
  });

  it('reads the collations of a table created later, then orders it as the primary', async () => {
    await h.db.client.query(`CREATE TABLE later (id int PRIMARY KEY, w text COLLATE "de-x-icu"); INSERT INTO later SELECT id, name FROM names`);
    await caughtUp(h.sidecar, h.db.client);
    const sql = 'SELECT id, w FROM later ORDER BY w, id';
    const rows = await waitForValue(
      () => sidecar.query(sql).then((r) => r.rows as unknown[], () => undefined),
      (r) => r !== undefined,
      20_000,
      'the collations of later',
    );
    expect(rows).toEqual((await h.db.client.query(sql)).rows);
  });
});
