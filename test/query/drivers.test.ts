/*
 * Real clients against memstore's SQL engine, each as its users run it: postgres.js (with its
 * array-type fetch at connect, prepared statements), psql (libpq, Debian's 15), Python psycopg2
 * (implicit BEGIN, client-side interpolation, copy_expert) and pgbench (-M simple, extended and
 * prepared), with results and SQLSTATEs compared to the PostgreSQL 17 primary.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const run = promisify(execFile);

let h: Harness;
let dir: string;

const SETUP = `
  CREATE TABLE accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));
  INSERT INTO accounts SELECT g, (g - 1) / 100 + 1, g % 1000, '' FROM generate_series(1, 1000) g;
  CREATE TABLE notes (id int8 PRIMARY KEY, body text, tags text[], at timestamptz);
  INSERT INTO notes VALUES (1, 'hello', '{a,b}', '2024-01-01 00:00:00+00'), (2, E'tab\\there', NULL, NULL), (3, 'naïve', '{}', 'infinity');
`;

beforeAll(async () => {
  h = await startHarness('qdrivers', SETUP);
  dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-drivers-'));
});

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(h?.problems ?? []).toEqual([]);
});

function connArgs(): string {
  return `host=127.0.0.1 port=${h.port} dbname=${h.db.name} user=postgres`;
}

describe('postgres.js', () => {
  it('connects with its type fetch, runs prepared and simple queries, arrays and errors', async () => {
    const sql = postgres(h.url, { max: 1, onnotice: () => undefined });
    const primary = postgres(h.db.url, { max: 1, onnotice: () => undefined });
    try {
      const q = (s: ReturnType<typeof postgres>) => s`SELECT aid, abalance FROM accounts WHERE aid = ${7}`;
      expect(await q(sql)).toEqual(await q(primary));
      const arr = (s: ReturnType<typeof postgres>) => s`SELECT aid FROM accounts WHERE aid = ANY(${[5, 3, 9]}) ORDER BY aid`;
      expect(await arr(sql)).toEqual(await arr(primary));
      const notes = (s: ReturnType<typeof postgres>) => s`SELECT * FROM notes WHERE id >= ${2} ORDER BY id`;
      expect(await notes(sql)).toEqual(await notes(primary));
      const range = (s: ReturnType<typeof postgres>) => s`SELECT count(*) FROM accounts WHERE aid BETWEEN ${100} AND ${199} AND bid = ${2}`;
      expect(await range(sql)).toEqual(await range(primary));
      expect(await sql.unsafe('SELECT 1 AS one; SELECT 2 AS two')).toEqual([[{ one: 1 }], [{ two: 2 }]]);
      await expect(sql`SELECT * FROM nope`).rejects.toMatchObject({ code: '42P01' });
      await expect(sql`SELECT * FROM accounts WHERE aid = ${'x'}`).rejects.toMatchObject({ code: '22P02' });
      await expect(sql`INSERT INTO accounts VALUES (0)`).rejects.toMatchObject({ code: '25006' });
      const rows = await sql.begin(async (tx) => {
        await tx`SET LOCAL statement_timeout = 1000`;
        return tx`SELECT abalance FROM accounts WHERE aid = ${42}`;
      });
      expect(rows).toEqual([{ abalance: 42 }]);
      // Parameter types are inferred from the columns they are compared with (ParameterDescription).
      const described = await sql`SELECT aid FROM accounts WHERE aid = ${1} AND bid = ANY(${[1]}) LIMIT ${1}`.describe();
      expect(described.types).toEqual([23, 1007, 20]);
      expect(described.columns.map((col) => [col.name, col.type, col.table])).toEqual([['aid', 23, expect.any(Number) as unknown]]);
      await sql`SET application_name = 'pgjs'`;
      expect(sql.parameters.application_name).toBe('pgjs');
    } finally {
      await sql.end();
      await primary.end();
    }
  });
});

describe('psql', () => {
  it('runs -c commands, multi-statement strings, \\copy and reports errors', async () => {
    const psql = (...args: string[]) => run('/usr/bin/psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args, connArgs()]);
    expect((await psql('-c', 'select aid, abalance from accounts where aid in (3, 1) order by aid')).stdout).toBe('1|1\n3|3\n');
    expect((await psql('-c', 'show server_version_num')).stdout).toBe('170010\n');
    expect((await psql('-c', 'begin; select count(*) from accounts; commit')).stdout).toBe('BEGIN\n1000\nCOMMIT\n');
    const out = path.join(dir, 'notes.copy');
    await psql('-c', `\\copy notes to '${out}'`);
    const primaryCopy = await run('/usr/bin/psql', ['-X', '-A', '-t', '-c', 'copy (select * from notes order by id) to stdout', h.db.url]);
    expect(readFileSync(out, 'utf8')).toBe(primaryCopy.stdout);
    const bad = await psql('-c', 'select * from nope').then(
      () => null,
      (e: { stderr: string; code: number }) => e,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toContain('ERROR:  relation "nope" does not exist');
  });
});

describe('psycopg2', () => {
  const python = '/usr/bin/python3';

  it('queries with implicit transactions, parameters, copy_expert and error codes', async () => {
    // CI installs python3-psycopg2 (.ci/run): a missing driver fails here instead of skipping.
    const probe = spawnSync(python, ['-c', 'import psycopg2'], { encoding: 'utf8' });
    expect(probe.status, `${python} cannot import psycopg2 (apt-get install python3-psycopg2): ${probe.stderr}`).toBe(0);
    const script = path.join(dir, 'check.py');
    writeFileSync(
      script,
      `
import io, json, sys, psycopg2
out = {}
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
cur.execute("SELECT aid, abalance FROM accounts WHERE aid = %s", (42,))
out["row"] = cur.fetchall()
cur.execute("SELECT aid FROM accounts WHERE aid IN %s ORDER BY aid DESC LIMIT %s", ((5, 6, 7), 2))
out["in"] = cur.fetchall()
cur.execute("SELECT body, at::text FROM notes WHERE id = %(id)s", {"id": 3})
r = cur.fetchone()
out["note"] = [r[0], str(r[1])]
out["status_in_tx"] = conn.get_transaction_status()
try:
    cur.execute("SELECT * FROM nope")
except psycopg2.Error as e:
    out["error"] = e.pgcode
try:
    cur.execute("SELECT 1")
except psycopg2.Error as e:
    out["aborted"] = e.pgcode
conn.rollback()
buf = io.StringIO()
cur.copy_expert("COPY notes TO STDOUT", buf)
out["copy"] = buf.getvalue()
conn.rollback()
conn.autocommit = True
cur.execute("SHOW transaction_read_only")
out["ro"] = cur.fetchone()[0]
conn.close()
print(json.dumps(out))
`,
    );
    const { stdout } = await run(python, [script, connArgs()]);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    const primaryCopy = await run('/usr/bin/psql', ['-X', '-A', '-t', '-c', 'copy (select * from notes order by id) to stdout', h.db.url]);
    expect(out).toEqual({
      row: [[42, 42]],
      in: [[7], [6]],
      note: ['naïve', 'infinity'],
      status_in_tx: 2, // psycopg2.extensions.TRANSACTION_STATUS_INTRANS: it sent BEGIN itself
      error: '42P01',
      aborted: '25P02',
      copy: primaryCopy.stdout,
      ro: 'on',
    });
  });
});

describe('pgbench', () => {
  for (const mode of ['simple', 'extended', 'prepared']) {
    it(`runs a point-select script with -M ${mode} and no failed transactions`, async () => {
      const script = path.join(dir, `select-${mode}.sql`);
      writeFileSync(script, '\\set aid random(1, 1000)\nSELECT abalance FROM accounts WHERE aid = :aid;\n');
      const { stdout } = await run('/usr/bin/pgbench', ['-n', '-M', mode, '-f', script, '-c', '2', '-t', '300', connArgs()]);
      expect(stdout).toMatch(/number of transactions actually processed: 600\/600/);
      expect(stdout).toMatch(/number of failed transactions: 0 \(0\.000%\)/);
    });
  }
});
