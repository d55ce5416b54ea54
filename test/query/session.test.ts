/*
 * Session plumbing on memstore, through node-postgres: SET / SHOW / RESET with PostgreSQL's
 * transaction semantics, transaction blocks and savepoints with their warnings and 25P02, DISCARD,
 * and the session functions drivers and tools call.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('qsession', `CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, v text); INSERT INTO app.t VALUES (1, 'app');
    CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'public');`);
});

afterAll(async () => {
  await h?.close();
});

async function one(c: pg.Client, sql: string, params?: unknown[]): Promise<unknown> {
  const r = await c.query({ text: sql, values: params, rowMode: 'array' });
  return (r.rows[0] as unknown[] | undefined)?.[0];
}

async function code(c: pg.Client, sql: string | pg.QueryConfig): Promise<string> {
  try {
    await c.query(sql);
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'ok';
}

function notices(c: pg.Client): string[] {
  const seen: string[] = [];
  c.on('notice', (n: { severity?: string; code?: string; message?: string }) => {
    seen.push(`${n.severity} ${n.code} ${n.message}`);
  });
  return seen;
}

describe('SET, SHOW, RESET', () => {
  it('sets, shows and resets parameters, validating names and values', async () => {
    const c = await h.client({ application_name: 'session-test' });
    expect(await one(c, 'SHOW application_name')).toBe('session-test');
    await c.query(`SET application_name = 'changed'`);
    expect(await one(c, 'SHOW application_name')).toBe('changed');
    await c.query('SET statement_timeout TO 5000');
    expect(await one(c, `SELECT current_setting('statement_timeout')`)).toBe('5000');
    await c.query('SET SESSION work_mem = $$8MB$$');
    expect(await one(c, 'SHOW work_mem')).toBe('8MB');
    await c.query('RESET work_mem');
    expect(await one(c, 'SHOW work_mem')).toBe('4MB');
    await c.query('SET my.custom = 42');
    expect(await one(c, `SELECT current_setting('my.custom')`)).toBe('42');
    expect(await one(c, `SELECT current_setting('my.other', true)`)).toBeNull();
    await c.query('SET DateStyle = ISO');
    expect((await c.query('SHOW DateStyle')).fields[0]!.name).toBe('DateStyle');
    expect(await one(c, 'SHOW transaction_read_only')).toBe('on');
    expect(await one(c, 'SHOW TRANSACTION ISOLATION LEVEL')).toBe('read committed');
    expect(await one(c, 'SHOW server_version_num')).toBe('170010');
    await c.query('RESET ALL');
    expect(await one(c, 'SHOW application_name')).toBe('session-test');
    // set_config(…, is_local => true) outside a block lasts for its own statement only.
    expect(await one(c, `SELECT set_config('application_name', 'brief', true)`)).toBe('brief');
    expect(await one(c, 'SHOW application_name')).toBe('session-test');
    expect(await one(c, `SELECT set_config('application_name', 'kept', false)`)).toBe('kept');
    expect(await one(c, 'SHOW application_name')).toBe('kept');
    await c.query('RESET application_name');
    expect(await code(c, 'SET nope = 1')).toBe('42704');
    expect(await code(c, 'SHOW nope')).toBe('42704');
    expect(await code(c, `SELECT current_setting('nope')`)).toBe('42704');
    expect(await code(c, 'SET enable_seqscan = maybe')).toBe('22023');
    expect(await code(c, `SET client_min_messages = 'loud'`)).toBe('22023');
    expect(await code(c, 'SET server_version = 1')).toBe('55P02');
    expect(await code(c, `SET log_statement = 'all'`)).toBe('42501');
    // Output settings are honoured now (test/query/output-settings.test.ts compares the output).
    expect(await code(c, `SET DateStyle = 'German'`)).toBe('ok');
    expect(await code(c, 'SET bytea_output = escape')).toBe('ok');
    expect(await code(c, 'RESET ALL')).toBe('ok');
    expect(await code(c, `SET client_encoding = 'LATIN1'`)).toBe('0A000');
    // Accepted (postgres_fdw asks for it); outside a block only a WARNING, as in PostgreSQL.
    expect(await code(c, 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE')).toBe('ok');
    const all = await c.query('SHOW ALL');
    expect(all.fields.map((f) => f.name)).toEqual(['name', 'setting', 'description']);
    expect(all.rows.length).toBeGreaterThan(150);
  });

  it('resolves unqualified tables through search_path and re-plans when it changes', async () => {
    const c = await h.client();
    expect(await one(c, 'SELECT v FROM t WHERE id = 1')).toBe('public');
    await c.query('SET search_path = app, public');
    expect(await one(c, 'SHOW search_path')).toBe('app, public');
    expect(await one(c, 'SELECT v FROM t WHERE id = 1')).toBe('app');
    expect(await one(c, 'SELECT current_schema()')).toBe('app');
    expect(await one(c, `SELECT pg_catalog.set_config('search_path', '', false)`)).toBe('');
    expect(await code(c, 'SELECT v FROM t WHERE id = 1')).toBe('42P01');
    expect(await one(c, 'SELECT v FROM public.t WHERE id = 1')).toBe('public');
    // One simple query: the SELECT sees the path the SET before it made.
    const r = await c.query(`SET search_path TO "$user", public; SELECT v FROM t WHERE id = 1`);
    expect((r as unknown as pg.QueryResult[])[1]!.rows).toEqual([{ v: 'public' }]);
  });
});

describe('transaction blocks', () => {
  it('tracks BEGIN/COMMIT/ROLLBACK with PostgreSQL warnings, and undoes SET on ROLLBACK', async () => {
    const c = await h.client();
    const seen = notices(c);
    await c.query('COMMIT');
    await c.query('BEGIN');
    await c.query('BEGIN');
    await c.query(`SET application_name = 'inside'`);
    await c.query(`SET LOCAL statement_timeout = 7`);
    expect(await one(c, 'SHOW statement_timeout')).toBe('7');
    await c.query('ROLLBACK');
    await c.query('ROLLBACK');
    expect(await one(c, 'SHOW application_name')).toBe('');
    await c.query('START TRANSACTION READ ONLY, ISOLATION LEVEL READ COMMITTED');
    await c.query(`SET application_name = 'kept'`);
    await c.query(`SET LOCAL statement_timeout = 9`);
    const commit = await c.query('END');
    expect(commit.command).toBe('COMMIT');
    expect(await one(c, 'SHOW application_name')).toBe('kept');
    expect(await one(c, 'SHOW statement_timeout')).toBe('0');
    await c.query('SET LOCAL statement_timeout = 9');
    expect(await one(c, 'SHOW statement_timeout')).toBe('0');
    expect(seen).toEqual([
      'WARNING 25P01 there is no transaction in progress',
      'WARNING 25001 there is already a transaction in progress',
      'WARNING 25P01 there is no transaction in progress',
      'WARNING 25P01 SET LOCAL can only be used in transaction blocks',
    ]);
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect(await one(c, 'SHOW transaction_isolation')).toBe('repeatable read');
    await c.query('ROLLBACK');
    await c.query('BEGIN READ WRITE');
    expect(await code(c, 'INSERT INTO t VALUES (2)')).toBe('25006');
    await c.query('ROLLBACK');
  });

  it('fails every statement after an error in a block with 25P02 until ROLLBACK; COMMIT then rolls back', async () => {
    const c = await h.client();
    await c.query('BEGIN');
    expect(await code(c, 'SELECT * FROM nope')).toBe('42P01');
    expect(await code(c, 'SELECT 1')).toBe('25P02');
    expect(await code(c, 'SHOW work_mem')).toBe('25P02');
    expect(await code(c, 'SELECT * FROM nope')).toBe('25P02');
    const r = await c.query('COMMIT');
    expect(r.command).toBe('ROLLBACK');
    expect(await one(c, 'SELECT 1')).toBe('1');
  });

  it('supports savepoints: ROLLBACK TO recovers a failed block and restores settings', async () => {
    const c = await h.client();
    expect(await code(c, 'SAVEPOINT a')).toBe('25P01');
    await c.query('BEGIN');
    await c.query(`SET application_name = 'before'`);
    await c.query('SAVEPOINT a');
    await c.query(`SET application_name = 'after'`);
    expect(await code(c, 'SELECT nope FROM t')).toBe('42703');
    expect(await code(c, 'SELECT 1')).toBe('25P02');
    await c.query('ROLLBACK TO SAVEPOINT a');
    expect(await one(c, 'SHOW application_name')).toBe('before');
    await c.query('SAVEPOINT b');
    await c.query('RELEASE b');
    expect(await code(c, 'RELEASE b')).toBe('3B001');
    expect(await code(c, 'SELECT 1')).toBe('25P02');
    expect(await code(c, 'ROLLBACK TO nope')).toBe('3B001');
    await c.query('ROLLBACK');
    expect(await one(c, 'SHOW application_name')).toBe('');
  });

  it('DISCARD ALL resets the session and is refused inside a block', async () => {
    const c = await h.client();
    await c.query(`SET application_name = 'x'`);
    expect((await c.query('DISCARD ALL')).command).toBe('DISCARD');
    expect(await one(c, 'SHOW application_name')).toBe('');
    await c.query('BEGIN');
    expect(await code(c, 'DISCARD ALL')).toBe('25001');
    await c.query('ROLLBACK');
  });

  it('DISCARD ALL deallocates prepared statements, as poolers expect', async () => {
    const c = await h.client();
    expect((await c.query({ name: 'kept', text: 'SELECT 1 AS one' })).rows).toEqual([{ one: '1' }]);
    expect((await c.query({ name: 'kept', text: 'SELECT 1 AS one' })).rows).toEqual([{ one: '1' }]);
    await c.query('DISCARD ALL');
    // node-postgres remembers it prepared "kept" and sends Bind only: the server no longer has it.
    expect(await code(c, { name: 'kept', text: 'SELECT 1 AS one' })).toBe('26000');
  });
});

describe('session functions', () => {
  it('answers version(), current_user, current_database(), pg_backend_pid() and friends', async () => {
    const c = await h.client();
    const r = await c.query(
      'SELECT version(), current_user, session_user, current_database(), current_schema, pg_backend_pid(), pg_is_in_recovery(), now()',
    );
    const row = r.rows[0] as Record<string, string>;
    expect(row.version).toMatch(/^PostgreSQL 17\.\d+ \(memstore test\) on /);
    expect(row.current_user).toBe('postgres');
    expect(row.session_user).toBe('postgres');
    expect(row.current_database).toBe(h.db.name);
    expect(row.current_schema).toBe('public');
    expect(Number(row.pg_backend_pid)).toBeGreaterThan(0);
    expect(row.pg_is_in_recovery).toBe('t');
    expect(row.now).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$/);
    expect(r.fields.map((f) => f.dataTypeID)).toEqual([25, 19, 19, 19, 19, 23, 16, 1184]);
    expect(await code(c, 'SELECT now() IS NULL')).toBe('ok');
  });
});
