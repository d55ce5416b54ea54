/*
 * Issue #14: a heavy query never stalls other connections. One Node process serves every
 * connection, so a statement works in time slices and lets the event loop run between them
 * (query/exec/slice-clock.ts). These tests check that a point read on another connection is
 * answered while the heavy statement is still working, with no timing assertion: the heavy
 * statement must have yielded (sliceStats) and still yield several times after the read.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceStats } from '../../src/query/exec/slice-clock.js';
import { deadline, waitFor } from '../support/wait.js';
import { rawTypes, startHarness, type Harness } from './support/harness.js';

const BIG = 150_000;
const SETUP = `
  CREATE TABLE big (id int PRIMARY KEY, s text NOT NULL);
  INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, ${BIG}) g;
  CREATE TABLE one (id int PRIMARY KEY, v text NOT NULL);
  INSERT INTO one VALUES (1, 'x');
`;

let h: Harness;
let heavy: pg.Client;
let light: pg.Client;

beforeAll(async () => {
  h = await startHarness('qinterleave', SETUP);
  heavy = await h.client();
  light = await h.client();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/**
 * Runs `sql` on the heavy connection; once it has yielded to the event loop, a point read on the
 * other connection. Returns the heavy result and how the statement stood when the read came back.
 */
async function readDuring(sql: string): Promise<{ heavyRows: Record<string, unknown>[]; doneAtRead: boolean; slicesAfterRead: number }> {
  const start = sliceStats.slices;
  let done = false;
  const running = heavy.query(sql).then((r) => {
    done = true;
    return r;
  });
  await waitFor(() => done || sliceStats.slices > start, 30_000, 'the heavy statement to yield once');
  const read = await deadline(light.query('SELECT v FROM one WHERE id = 1'), 30_000, 'the point read');
  expect(read.rows).toEqual([{ v: 'x' }]);
  const atRead = sliceStats.slices;
  const doneAtRead = done;
  const r = await deadline(running, 120_000, 'the heavy statement');
  return { heavyRows: r.rows as Record<string, unknown>[], doneAtRead, slicesAfterRead: sliceStats.slices - atRead };
}

describe('a heavy statement and a point read on another connection', () => {
  it('IN (SELECT …) over a large table: the subquery runs ahead in slices, not inside the first row', async () => {
    // In the select list (in WHERE it would become a semi join: logical/decorrelate.ts).
    const sql = `SELECT v || '0' IN (SELECT s || 'x' FROM big) AS hit FROM one`;
    const plan = (await heavy.query(`EXPLAIN ${sql}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/Join/);
    const r = await readDuring(sql);
    expect(r.heavyRows).toEqual([{ hit: 'f' }]);
    expect(r.doneAtRead).toBe(false);
    expect(r.slicesAfterRead).toBeGreaterThanOrEqual(3);
  });
});

describe('uncorrelated subqueries run ahead', () => {
  it('fail only when the statement reaches them, as in PostgreSQL', async () => {
    // No row of `one` has id 2: PostgreSQL never evaluates the subquery, so no division by zero.
    const unreached = `SELECT id FROM one WHERE id = 2 AND v = (SELECT (1 / (id - id))::text FROM big LIMIT 1)`;
    expect((await heavy.query(unreached)).rows).toEqual([]);
    const reached = `SELECT id FROM one WHERE v = (SELECT (1 / (id - id))::text FROM big LIMIT 1)`;
    await expect(heavy.query(reached)).rejects.toMatchObject({ code: '22012' });
  });

  it('give the rows evaluated in place would: EXISTS, scalar, IN, nested', async () => {
    const sql = `SELECT id,
        EXISTS (SELECT 1 FROM big WHERE s < '1') AS e,
        (SELECT max(s) FROM big WHERE id <= 10) AS m,
        v IN (SELECT 'x' FROM big WHERE id IN (SELECT id FROM big WHERE id < 3)) AS i
      FROM one`;
    const side = (await heavy.query(sql)).rows;
    const primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
    await primary.connect();
    try {
      expect(side).toEqual((await primary.query(sql)).rows);
    } finally {
      await primary.end();
    }
  });
});
