/*
 * Real clients against memstore's pgwire (constant engine): node-postgres, postgres.js, and
 * Debian's psql 15 (libpq) as a child process.
 */
import { execFile } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { field } from '../support/constant-engine.js';
import { TypeOid } from '../../src/pgwire/binary-format.js';
import { startServer, type TestServer } from './support/server.js';

const run = promisify(execFile);

let ms: TestServer;

beforeAll(async () => {
  ms = await startServer(
    {},
    {
      fixtures: new Map([
        [
          'select * from people',
          {
            fields: [field('id', TypeOid.int8), field('name', TypeOid.text), field('born', TypeOid.date), field('tags', TypeOid.jsonb)],
            rows: [
              ['1', 'Ada', '1815-12-10', '{"math": true}'],
              ['2', 'Grace', '1906-12-09', null],
            ],
          },
        ],
      ]),
    },
  );
});

afterAll(async () => {
  await ms.close();
  expect(ms.problems).toEqual([]);
});

const clientConfig = (): pg.ClientConfig => ({ host: '127.0.0.1', port: ms.port, user: 'app', database: 'memstore' });

describe('node-postgres', () => {
  it('runs simple and parameterised queries and reports SQLSTATEs', async () => {
    const c = new pg.Client({ ...clientConfig(), application_name: 'drivers-test' });
    await c.connect();
    try {
      expect((await c.query('select 1')).rows).toEqual([{ '?column?': 1 }]);
      const r = await c.query('select $1::int4 as a, $2::text as b, $3::int8 as c', [42, 'héllo', '9007199254740993']);
      expect(r.rows).toEqual([{ a: 42, b: 'héllo', c: '9007199254740993' }]);
      expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
        ['a', 23],
        ['b', 25],
        ['c', 20],
      ]);
      const people = await c.query('SELECT * FROM people');
      expect(people.rows).toEqual([
        { id: '1', name: 'Ada', born: new Date(1815, 11, 10), tags: { math: true } },
        { id: '2', name: 'Grace', born: new Date(1906, 11, 9), tags: null },
      ]);
      expect(people.command).toBe('SELECT');
      expect(people.rowCount).toBe(2);
      await expect(c.query('select 1/0')).rejects.toMatchObject({ code: '22012', message: 'division by zero', severity: 'ERROR' });
      await expect(c.query('insert into t values (1)')).rejects.toMatchObject({ code: '25006' });
      await expect(c.query('selekt 1')).rejects.toMatchObject({ code: '42601', position: '1' });
      await expect(c.query({ text: "select raise_error('22023', 'bad value')" })).rejects.toMatchObject({ code: '22023', message: 'bad value' });
      await expect(c.query({ text: 'select 2', values: ['x'] })).rejects.toMatchObject({
        code: '08P01',
        message: 'bind message supplies 1 parameters, but prepared statement "" requires 0',
      });
      // The connection is fine after errors.
      expect((await c.query('select $1::text as t', ['ok'])).rows).toEqual([{ t: 'ok' }]);
      expect((await c.query('show application_name')).rows).toEqual([{ application_name: 'drivers-test' }]);
    } finally {
      await c.end();
    }
  });

  it('sees server parameters, SET/SHOW, transactions and notices', async () => {
    const c = new pg.Client(clientConfig());
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}`));
    await c.connect();
    try {
      // BackendKeyData arrived.
      expect((c as unknown as { processID: number }).processID).toBeGreaterThan(0);
      expect((await c.query('show server_version')).rows[0]).toEqual({ server_version: '17.10 (memstore)' });
      expect((await c.query("select current_setting('timezone')")).rows[0]).toEqual({ current_setting: 'UTC' });
      await c.query("SET application_name = 'renamed'");
      expect((await c.query('show application_name')).rows[0]).toEqual({ application_name: 'renamed' });
      await c.query('BEGIN');
      await expect(c.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
      await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      await c.query('ROLLBACK');
      await c.query('COMMIT');
      expect(notices).toEqual(['WARNING 25P01 there is no transaction in progress']);
    } finally {
      await c.end();
    }
  });

  it('reads binary results when the client asks for binary (values that survive pg’s text decoding)', async () => {
    // pg decodes every DataRow field as UTF-8 before handing binary columns to its parsers, so
    // only values whose binary form is valid UTF-8 round-trip through pg; the full type matrix is
    // tested with a raw client in binary-format.test.ts.
    const config: pg.ClientConfig & { binary: boolean } = { ...clientConfig(), binary: true };
    const c = new pg.Client(config);
    await c.connect();
    try {
      const r = await c.query('select $1::int4 as a, $2::int2 as b, $3::bool as c, $4::text as d, $5::int8 as e', [42, 7, true, 'abc', 5]);
      expect(r.rows).toEqual([{ a: 42, b: 7, c: true, d: 'abc', e: '5' }]);
      expect(r.fields.map((f) => f.format)).toEqual(['binary', 'binary', 'binary', 'binary', 'binary']);
      await expect(c.query('select $1::inet as n', ['10.0.0.1'])).rejects.toMatchObject({ code: '0A000' });
      expect((await c.query('select 1')).rows).toEqual([{ '?column?': 1 }]);
    } finally {
      await c.end();
    }
  });

  it('COPY … TO STDOUT arrives as a copy-out result', async () => {
    const c = new pg.Client(clientConfig());
    await c.connect();
    try {
      // pg without pg-copy-streams emits the CopyData messages on its connection and resolves at
      // CommandComplete; a raw client checks the exact bytes in protocol.test.ts.
      const copied = await new Promise<string>((resolve, reject) => {
        const chunks: string[] = [];
        const conn = (c as unknown as { connection: EventEmitter }).connection;
        conn.on('copyData', (m: { chunk: Buffer }) => chunks.push(m.chunk.toString('utf8')));
        c.query('copy t to stdout').then(() => resolve(chunks.join('')), reject);
      });
      expect(copied).toBe('1\tone\n2\ttwo\n3\t\\N\n');
    } finally {
      await c.end();
    }
  });
});

describe('postgres.js', () => {
  it('connects with its array-type fetch, runs prepared and unsafe queries, reports SQLSTATEs', async () => {
    const sql = postgres({ host: '127.0.0.1', port: ms.port, user: 'app', database: 'memstore', onnotice: () => undefined });
    try {
      expect(await sql`select 1`).toEqual([{ '?column?': 1 }]);
      const rows = await sql`select ${5}::int4 as x, ${'y'}::text as y`;
      expect([...rows]).toEqual([{ x: 5, y: 'y' }]);
      expect(rows.count).toBe(1);
      expect(rows.command).toBe('SELECT');
      // Named statements are reused: the second run skips Parse/Describe.
      for (let i = 0; i < 3; i++) expect([...(await sql`select ${i}::int4 as i`)]).toEqual([{ i }]);
      expect([...(await sql.unsafe('select generate_series(1, 3)'))]).toEqual([{ generate_series: 1 }, { generate_series: 2 }, { generate_series: 3 }]);
      await expect(sql`select 1/0`).rejects.toMatchObject({ code: '22012' });
      await expect(sql.unsafe('delete from t')).rejects.toMatchObject({ code: '25006' });
      const people = await sql`SELECT * FROM people`;
      expect(people.map((p) => p.name as string)).toEqual(['Ada', 'Grace']);
      const cursorRows: number[] = [];
      await sql`select generate_series(1, 10)`.cursor(4, (batch) => {
        for (const r of batch) cursorRows.push(r.generate_series as number);
      });
      expect(cursorRows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await sql.end();
    }
  });

  it('works with fetch_types disabled and in a transaction', async () => {
    const sql = postgres({ host: '127.0.0.1', port: ms.port, user: 'app', database: 'memstore', fetch_types: false, prepare: false });
    try {
      const r = await sql.begin(async (tx) => [...(await tx`select ${7}::int4 as n`)]);
      expect(r).toEqual([{ n: 7 }]);
    } finally {
      await sql.end();
    }
  });
});

describe('psql (libpq 15)', () => {
  const psql = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> =>
    run('/usr/bin/psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(ms.port), '-U', 'app', '-d', 'memstore', ...args], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...env },
      timeout: 20_000,
    });

  it('select 1', async () => {
    expect((await psql(['-c', 'select 1'])).stdout).toBe('1\n');
  });

  it('several commands, an error with its SQLSTATE, and COPY to stdout', async () => {
    const out = await psql(['-c', 'select generate_series(1, 3)', '-c', 'copy t to stdout', '-c', 'show TimeZone']);
    expect(out.stdout).toBe('1\n2\n3\n1\tone\n2\ttwo\n3\t\\N\nUTC\n');
    await expect(psql(['-v', 'VERBOSITY=verbose', '-c', 'select 1/0'])).rejects.toMatchObject({
      stderr: expect.stringContaining('ERROR:  22012: division by zero') as unknown,
    });
  });
});
