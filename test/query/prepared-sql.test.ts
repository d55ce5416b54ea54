/*
 * PREPARE / EXECUTE / DEALLOCATE as SQL, unbound parameters in a simple query (42P02) and
 * statement_timeout on memstore, each compared with what the PostgreSQL 17 primary answers to the
 * same statements in its own session.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTypes, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let side: pg.Client;

beforeAll(async () => {
  h = await startHarness('qprep', `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5) g;`);
  side = await h.client({ types: rawTypes });
});

afterAll(async () => {
  await h?.close();
});

type Outcome = { tag: string | null; rows: unknown[] } | { code: string; message: string };

async function outcome(c: pg.Client, sql: string): Promise<Outcome> {
  try {
    const r = await c.query({ text: sql, rowMode: 'array', types: rawTypes });
    return { tag: r.command, rows: r.rows };
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
}

describe('SQL-level prepared statements', () => {
  it('answers PREPARE, EXECUTE and DEALLOCATE as the primary does, errors included', async () => {
    const primary = h.db.client;
    await primary.query('DEALLOCATE ALL');
    const script = [
      'PREPARE byid(int) AS SELECT id, v FROM t WHERE id = $1',
      'EXECUTE byid(3)',
      'EXECUTE byid(42)',
      'PREPARE byid(int) AS SELECT 1',
      'EXECUTE byid',
      'EXECUTE nope(1)',
      'PREPARE two(int, int) AS SELECT id FROM t WHERE id BETWEEN $1 AND $2 ORDER BY id',
      'EXECUTE two(2, 4)',
      'DEALLOCATE byid',
      'EXECUTE byid(3)',
      'DEALLOCATE byid',
      'DEALLOCATE ALL',
      'EXECUTE two(1, 2)',
    ];
    for (const sql of script) {
      const [p, s] = [await outcome(primary, sql), await outcome(side, sql)];
      if ('code' in p) expect(s, sql).toMatchObject({ code: p.code, message: p.message });
      else expect(s, sql).toEqual(p);
    }
  });

  it('fails a simple query that uses $1 with 42P02 like the primary', async () => {
    const p = await outcome(h.db.client, 'SELECT $1');
    expect(p).toMatchObject({ code: '42P02' });
    expect(await outcome(side, 'SELECT id FROM t WHERE id = $1')).toMatchObject({ code: '42P02', message: 'there is no parameter $1' });
  });

  it('enforces statement_timeout on a statement that waits (57014)', async () => {
    const c = await h.client();
    await c.query('SET statement_timeout = 200');
    const err = await c.query(`SELECT memstore.wait_lsn('FFFFFFFF/0')`).then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    expect(err).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    // The session is usable afterwards, and a statement within the limit runs.
    expect((await c.query('SELECT v FROM t WHERE id = 1')).rows).toEqual([{ v: 'v1' }]);
    await c.end();
  });
});
