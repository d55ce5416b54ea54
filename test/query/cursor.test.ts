/*
 * SQL cursors on memstore (DECLARE / FETCH / MOVE / CLOSE), compared statement by statement with
 * the PostgreSQL 17 primary running the same scripts: rows, command tags and SQLSTATEs of every
 * FETCH direction, NO SCROLL, lifetime across COMMIT / ROLLBACK / savepoints / WITH HOLD /
 * DISCARD ALL. Then what only the sidecar can show: a cursor keeps its snapshot while transactions
 * are applied between FETCHes, parameters over the extended protocol, and psql's FETCH_COUNT.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTypes, startHarness, type Harness } from './support/harness.js';

const run = promisify(execFile);

let h: Harness;
let sidecar: pg.Client;
let primary: pg.Client;

beforeAll(async () => {
  h = await startHarness('qcursor', `CREATE TABLE t (id int PRIMARY KEY, v text);
    INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 10) g;`);
  sidecar = await h.client();
  primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
  await primary.connect();
});

afterAll(async () => {
  await primary?.end();
  await h?.close();
});

/** One line per statement: its tag and rows, or its SQLSTATE. Goes on after errors. */
async function script(c: pg.Client, statements: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const sql of statements) {
    try {
      const r = await c.query({ text: sql, rowMode: 'array' });
      const tag = `${r.command}${r.rowCount === null ? '' : ' ' + r.rowCount}`;
      out.push(`${sql} → ${tag} ${JSON.stringify(r.rows)}`);
    } catch (e) {
      out.push(`${sql} → ERROR ${(e as { code: string }).code}`);
    }
  }
  return out;
}

/** Runs the script on the primary and on the sidecar; they must answer alike. */
async function sameAsPrimary(statements: readonly string[]): Promise<string[]> {
  const expected = await script(primary, statements);
  const got = await script(sidecar, statements);
  expect(got).toEqual(expected);
  return got;
}

describe('FETCH and MOVE, as PostgreSQL positions a cursor', () => {
  it('walks a SCROLL cursor in every direction', async () => {
    const out = await sameAsPrimary([
      'BEGIN',
      'DECLARE c SCROLL CURSOR FOR SELECT id, v FROM t ORDER BY id',
      'FETCH 3 FROM c',
      'FETCH NEXT FROM c',
      'FETCH PRIOR FROM c',
      'FETCH 0 FROM c',
      'FETCH RELATIVE 0 FROM c',
      'FETCH ABSOLUTE 5 FROM c',
      'FETCH ABSOLUTE -2 FROM c',
      'FETCH LAST FROM c',
      'FETCH NEXT FROM c',
      'FETCH NEXT FROM c',
      'FETCH PRIOR FROM c',
      'MOVE BACKWARD ALL IN c',
      'FETCH FIRST FROM c',
      'FETCH RELATIVE 3 FROM c',
      'FETCH RELATIVE -2 FROM c',
      'FETCH -3 FROM c',
      'FETCH BACKWARD 2 FROM c',
      'FETCH ALL FROM c',
      'FETCH 0 FROM c',
      'MOVE 0 IN c',
      'FETCH BACKWARD ALL FROM c',
      'MOVE FORWARD ALL IN c',
      'MOVE BACKWARD ALL IN c',
      'FETCH ABSOLUTE 0 FROM c',
      'FETCH ABSOLUTE 11 FROM c',
      'FETCH PRIOR FROM c',
      'MOVE RELATIVE -20 IN c',
      'FETCH FORWARD 20 FROM c',
      'MOVE ABSOLUTE 3 IN c',
      'FETCH BACKWARD 1 FROM c',
      'FETCH ABSOLUTE 8 FROM c',
      'FETCH ABSOLUTE 2 FROM c',
      'MOVE LAST IN c',
      'MOVE NEXT IN c',
      'MOVE NEXT IN c',
      'FETCH PRIOR FROM c',
      'FETCH ABSOLUTE -11 FROM c',
      'FETCH RELATIVE 1 FROM c',
      'COMMIT',
    ]);
    expect(out[2]).toBe('FETCH 3 FROM c → FETCH 3 [["1","v1"],["2","v2"],["3","v3"]]');
  });

  it('refuses backward moves on a NO SCROLL cursor, as PostgreSQL does', async () => {
    const noScroll = 'DECLARE c NO SCROLL CURSOR FOR SELECT id FROM t ORDER BY id';
    const scripts = [
      ['MOVE BACKWARD ALL IN c', 'FETCH 2 FROM c', 'FETCH NEXT FROM c', 'FETCH PRIOR FROM c'],
      ['FETCH 2 FROM c', 'FETCH 0 FROM c'],
      ['FETCH ABSOLUTE 4 FROM c', 'FETCH ABSOLUTE 6 FROM c', 'FETCH RELATIVE 2 FROM c', 'FETCH ABSOLUTE 2 FROM c'],
      ['FETCH ALL FROM c', 'MOVE BACKWARD ALL IN c'],
      ['FETCH ABSOLUTE -1 FROM c'],
    ];
    const errors: string[] = [];
    for (const s of scripts) {
      const out = await sameAsPrimary(['BEGIN', noScroll, ...s, 'ROLLBACK']);
      errors.push(out.filter((l) => l.includes('ERROR')).join(';'));
    }
    expect(errors).toEqual([
      'FETCH PRIOR FROM c → ERROR 55000',
      'FETCH 0 FROM c → ERROR 55000',
      'FETCH ABSOLUTE 2 FROM c → ERROR 55000',
      'MOVE BACKWARD ALL IN c → ERROR 55000',
      'FETCH ABSOLUTE -1 FROM c → ERROR 55000',
    ]);
  });

  it('pages an empty result and a filtered one', async () => {
    await sameAsPrimary([
      'BEGIN',
      'DECLARE e SCROLL CURSOR FOR SELECT id FROM t WHERE id > 100',
      'FETCH 5 FROM e',
      'FETCH PRIOR FROM e',
      'FETCH ABSOLUTE -1 FROM e',
      'MOVE BACKWARD ALL IN e',
      'DECLARE f CURSOR FOR SELECT v FROM t WHERE id BETWEEN 4 AND 6 AND v <> $$v5$$',
      'FETCH ALL FROM f',
      'FETCH ALL FROM f',
      'COMMIT',
    ]);
  });
});

describe('cursor lifetime and errors', () => {
  it('needs a block unless WITH HOLD; names are unique; unknown names are 34000', async () => {
    const out = await sameAsPrimary([
      'DECLARE c CURSOR FOR SELECT id FROM t',
      'FETCH 1 FROM nope',
      'CLOSE nope',
      'BEGIN',
      'DECLARE c CURSOR FOR SELECT id FROM t ORDER BY id',
      'DECLARE c CURSOR FOR SELECT id FROM t',
      'ROLLBACK',
      'BEGIN',
      'DECLARE c CURSOR FOR SELECT id FROM t ORDER BY id',
      'DECLARE d CURSOR FOR SELECT v FROM t ORDER BY id',
      'FETCH 1 FROM d',
      'CLOSE d',
      'FETCH 1 FROM d',
      'ROLLBACK',
      'BEGIN',
      'DECLARE c CURSOR FOR SELECT id FROM t ORDER BY id',
      'DECLARE d CURSOR FOR SELECT v FROM t ORDER BY id',
      'CLOSE ALL',
      'FETCH 1 FROM c',
      'COMMIT',
      'FETCH 1 FROM c',
    ]);
    expect(out[0]).toBe('DECLARE c CURSOR FOR SELECT id FROM t → ERROR 25P01');
    expect(out[1]).toBe('FETCH 1 FROM nope → ERROR 34000');
    expect(out[5]).toBe('DECLARE c CURSOR FOR SELECT id FROM t → ERROR 42P03');
  });

  it('closes cursors at COMMIT and ROLLBACK, keeps committed WITH HOLD ones, follows savepoints', async () => {
    await sameAsPrimary([
      'BEGIN',
      'DECLARE c CURSOR FOR SELECT id FROM t ORDER BY id',
      'DECLARE held CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id',
      'FETCH 2 FROM held',
      'COMMIT',
      'FETCH 1 FROM c',
      'FETCH 1 FROM held',
      'BEGIN',
      'DECLARE held2 CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id',
      'ROLLBACK',
      'FETCH 1 FROM held2',
      'FETCH 1 FROM held',
      'BEGIN',
      'DECLARE a CURSOR FOR SELECT id FROM t ORDER BY id',
      'SAVEPOINT s1',
      'DECLARE b CURSOR FOR SELECT id FROM t ORDER BY id',
      'SAVEPOINT s2',
      'DECLARE b2 CURSOR FOR SELECT id FROM t ORDER BY id',
      'RELEASE SAVEPOINT s2',
      'FETCH 1 FROM a',
      'ROLLBACK TO SAVEPOINT s1',
      'FETCH 1 FROM b',
      'ROLLBACK TO SAVEPOINT s1',
      'FETCH 1 FROM b2',
      'ROLLBACK TO SAVEPOINT s1',
      'FETCH 1 FROM a',
      'SELECT nope FROM t',
      'FETCH 1 FROM a',
      'ROLLBACK',
      'DECLARE out_of_block CURSOR WITH HOLD FOR SELECT v FROM t WHERE id = 9',
      'FETCH ALL FROM out_of_block',
      'CLOSE held',
      'DISCARD ALL',
      'FETCH ALL FROM out_of_block',
    ]);
  });

  it('accepts every isolation level postgres_fdw and drivers ask for', async () => {
    await sameAsPrimary([
      'START TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      'SHOW transaction_isolation',
      'COMMIT TRANSACTION',
      'START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE',
      'SHOW transaction_isolation',
      'ABORT TRANSACTION',
      'BEGIN READ ONLY',
      'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      'SHOW transaction_isolation',
      'COMMIT',
      'SHOW transaction_isolation',
    ]);
  });
});

describe('what a cursor reads', () => {
  it('keeps the rows of its DECLARE while transactions are applied between FETCHes', async () => {
    // The same story on both sides: declare, read a little, change the table on the primary
    // (another connection), read the rest.
    const writer = h.db.client;
    const story = async (c: pg.Client, apply: () => Promise<void>): Promise<unknown[]> => {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await c.query('DECLARE c CURSOR FOR SELECT id, v FROM t ORDER BY id');
      const first = (await c.query({ text: 'FETCH 3 FROM c', rowMode: 'array' })).rows;
      await apply();
      const rest = (await c.query({ text: 'FETCH ALL FROM c', rowMode: 'array' })).rows;
      await c.query('COMMIT');
      return [...first, ...rest];
    };
    const before = (await primary.query({ text: 'SELECT id, v FROM t ORDER BY id', rowMode: 'array' })).rows;
    const onPrimary = await story(primary, async () => {
      await writer.query(`UPDATE t SET v = v || '-a' WHERE id IN (2, 8); DELETE FROM t WHERE id = 9; INSERT INTO t VALUES (11, 'v11')`);
    });
    expect(onPrimary).toEqual(before);
    // Undo on the primary, then the same on the sidecar with the change applied in the middle.
    await writer.query(`UPDATE t SET v = 'v' || id; INSERT INTO t VALUES (9, 'v9'); DELETE FROM t WHERE id = 11`);
    await h.caughtUp();
    const onSidecar = await story(sidecar, async () => {
      await writer.query(`UPDATE t SET v = v || '-b' WHERE id IN (2, 8); DELETE FROM t WHERE id = 9; INSERT INTO t VALUES (11, 'v11')`);
      await h.caughtUp();
      // The change is applied: a plain SELECT in another session sees it.
      const other = await h.client();
      expect((await other.query(`SELECT v FROM t WHERE id = 8`)).rows).toEqual([{ v: 'v8-b' }]);
    });
    expect(onSidecar).toEqual(before);
    const now = (await sidecar.query({ text: 'SELECT id, v FROM t ORDER BY id', rowMode: 'array' })).rows;
    expect(now).toEqual((await primary.query({ text: 'SELECT id, v FROM t ORDER BY id', rowMode: 'array' })).rows);
    expect(now).not.toEqual(before);
    await writer.query(`UPDATE t SET v = 'v' || id; INSERT INTO t VALUES (9, 'v9'); DELETE FROM t WHERE id = 11`);
    await h.caughtUp();
  });

  it('takes parameters over the extended protocol and serves a prepared FETCH', async () => {
    await sidecar.query('BEGIN');
    await sidecar.query('DECLARE p CURSOR FOR SELECT id, v FROM t WHERE id >= $1::int ORDER BY id', [7]);
    const fetch = { name: 'fetch2', text: 'FETCH 2 FROM p', values: [] as unknown[], rowMode: 'array' as const };
    expect((await sidecar.query(fetch)).rows).toEqual([['7', 'v7'], ['8', 'v8']]);
    const again = await sidecar.query(fetch);
    expect(again.rows).toEqual([['9', 'v9'], ['10', 'v10']]);
    expect(again.command).toBe('FETCH');
    expect((await sidecar.query(fetch)).rowCount).toBe(0);
    await sidecar.query('COMMIT');
    await expect(sidecar.query(fetch)).rejects.toMatchObject({ code: '34000' });
  });

  it("serves psql's FETCH_COUNT (DECLARE … NO SCROLL CURSOR, FETCH FORWARD n, CLOSE)", async () => {
    const psql = (conn: string) => run('/usr/bin/psql', ['-X', '-A', '-v', 'ON_ERROR_STOP=1', '-v', 'FETCH_COUNT=3', '-c', 'SELECT id, v FROM t ORDER BY id', conn], { timeout: 20_000 });
    const expected = await psql(h.db.url);
    const got = await psql(`host=127.0.0.1 port=${h.port} dbname=${h.db.name} user=postgres`);
    expect(got.stdout).toBe(expected.stdout);
    expect(got.stdout).toContain('10|v10');
  });
});
