/*
 * The memstore-sidecar process against a real PostgreSQL 17: starts, follows, exits 0 on
 * SIGTERM; refuses a bad command line with exit 2 and a missing publication with exit 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSql } from '../../src/sidecar/embedded-source.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase('cli');
  await installSql(db.client);
  await db.client.query('CREATE TABLE kv (k text PRIMARY KEY, v text); CREATE PUBLICATION memstore FOR TABLE kv');
});

afterAll(async () => {
  await db?.drop();
});

interface Run {
  lines: string[];
  exit: Promise<number | null>;
  waitFor(re: RegExp, ms?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) w.resolve(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines,
    exit,
    kill: (s) => child.kill(s),
    waitFor(re, ms = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms:\n${lines.join('\n')}`)), ms);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
  };
}

describe('memstore-sidecar', () => {
  it('follows the source, logs what it applied, and exits 0 on SIGTERM', async () => {
    const r = run(['--source', db.url, '--slot', `cli_${db.name}`, '--log-format', 'json', '--id', 'cli-test', '--listen', '127.0.0.1:0', '--snapshot-interval', '0']);
    await r.waitFor(/"msg":"ready"/);
    // stdout and stderr are separate pipes: wait for the printed connection lines themselves.
    expect(await r.waitFor(/primary \(write here\)/)).toContain(`psql "${db.url}"`);
    const readLine = await r.waitFor(/sidecar \(read here\)/);
    const readUrl = /psql "([^"]+)"/.exec(readLine)![1]!;
    await db.client.query(`INSERT INTO kv VALUES ('a', 'b')`);
    const applied = await r.waitFor(/"msg":"applied"/);
    expect(JSON.parse(applied)).toMatchObject({ transactions: 1, changes: 1, tables: { 'public.kv': 1 }, id: 'cli-test' });
    // What a newcomer does next: the printed psql command reads the row from the sidecar.
    // public.kv: connected as user "memstore", search_path "$user", public finds memstore.kv first.
    const out = execFileSync('psql', ['-X', '-A', '-t', '-c', 'SELECT k, v FROM public.kv', readUrl], { encoding: 'utf8' });
    expect(out.trim()).toBe('a|b');
    // The printed health address answers (MEMSTORE_HTTP=127.0.0.1:0 from the test setup).
    const healthLine = await r.waitFor(/health and metrics:/);
    const readyz = /(http:\/\/\S+\/readyz)/.exec(healthLine)![1]!;
    const ready = await fetch(readyz);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', follower_state: 'streaming' });
    const metrics = await (await fetch(readyz.replace('/readyz', '/metrics'))).text();
    expect(metrics).toMatch(/^memstore_table_rows\{schema="public",table="kv",status="live"\} 1$/m);
    r.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(r.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('exits 2 on a bad command line', async () => {
    const r = run(['--listen', 'nonsense']);
    expect(await r.exit).toBe(2);
    expect(r.lines.join('\n')).toMatch(/--listen must be HOST:PORT/);
  });

  it('exits 1 with a clear message when the publication does not exist', async () => {
    const r = run(['--source', db.url, '--publication', 'nope', '--slot', 'cli_nope', '--log-format', 'json', '--listen', '127.0.0.1:0']);
    expect(await r.exit).toBe(1);
    expect(r.lines.join('\n')).toMatch(/publication \\"nope\\" does not exist on the source/);
  });
});
