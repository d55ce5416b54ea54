/*
 * Access to a real memstore-sidecar process, configured only through its command line:
 * SCRAM-SHA-256 from --user/--password-file, TLS from --tls-cert/--tls-key (a CA and a server
 * certificate made by openssl at test time), --max-connections. Checked with node-postgres and
 * psql: wrong passwords are refused alike for existing and unknown users, verify-full works with
 * the right CA and fails with a wrong one or a wrong host name, the limit gives 53300 and frees up,
 * and reading from the sidecar never runs anything on the primary.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSql } from '../../src/sidecar/embedded-source.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { waitForValue } from '../support/wait.js';

const run = promisify(execFile);
const USER = 'reader';
const PASSWORD = 'correct horse battery';

let db: TestDatabase;
let dir: string;
let child: ChildProcess;
let port: number;
let ca: string;
let otherCa: string;
const lines: string[] = [];

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 30_000 });
}

/** A CA, a server certificate it signed for localhost/127.0.0.1, and an unrelated second CA. */
async function makeCertificates(): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=memstore test CA']);
  await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  await openssl(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=memstore test CA']);
  ca = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  otherCa = readFileSync(path.join(dir, 'other.pem'), 'utf8');
}

/** The sidecar's first log line matching `re`; fails at once if it exited, with its log on failure. */
async function waitForLine(re: RegExp, ms = 60_000): Promise<string> {
  const probe = (): string | undefined => {
    if (child.exitCode !== null) throw new Error(`the sidecar exited (${child.exitCode})`);
    return lines.find((x) => re.test(x));
  };
  try {
    return (await waitForValue(probe, (l) => l !== undefined, ms, `a line matching ${re}`, 25))!;
  } catch (err) {
    throw new Error(`no line matching ${re} (${(err as Error).message}):\n${lines.join('\n')}`);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgwire-access-'));
  await makeCertificates();
  writeFileSync(path.join(dir, 'password'), PASSWORD + '\n');
  db = await testDatabase('access');
  await installSql(db.client);
  await db.client.query(`CREATE TABLE kv (k int PRIMARY KEY, v text);
    INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 1000) g;
    CREATE PUBLICATION memstore FOR TABLE kv`);
  child = spawn(
    process.execPath,
    [
      '--import', 'tsx', 'src/cli/main.ts',
      '--source', db.url,
      '--slot', `access_${db.name}`,
      '--id', `access-${db.name}`,
      '--listen', '127.0.0.1:0',
      '--user', USER,
      '--password-file', path.join(dir, 'password'),
      '--tls-cert', path.join(dir, 'server.pem'),
      '--tls-key', path.join(dir, 'server.key'),
      '--max-connections', '3',
      '--snapshot-interval', '0',
      '--data-dir', dir,
      '--log-format', 'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const onData = (chunk: Buffer): void => {
    for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const readLine = await waitForLine(/sidecar \(read here\)/);
  port = Number(/:(\d+)\//.exec(readLine)![1]);
  expect(readLine).toContain(`postgres://${USER}@127.0.0.1:${port}/`);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (over: Partial<pg.ClientConfig> = {}): pg.ClientConfig => ({
  host: '127.0.0.1',
  port,
  user: USER,
  password: PASSWORD,
  database: db.name,
  ssl: { ca, servername: 'localhost', rejectUnauthorized: true },
  ...over,
});

async function connectError(c: pg.ClientConfig): Promise<Error & { code?: string; severity?: string }> {
  const client = new pg.Client(c);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return err as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error('connected, but should not have');
}

/** Retries connecting until it works (a closed connection frees its slot a moment later). */
async function connectWithin(c: pg.ClientConfig, ms: number): Promise<pg.Client> {
  const attempt = async (): Promise<pg.Client | '53300'> => {
    const client = new pg.Client(c);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if ((err as { code?: string }).code !== '53300') throw err;
      return '53300';
    }
  };
  return (await waitForValue(attempt, (v) => v !== '53300', ms, 'a connection slot')) as pg.Client;
}

describe('memstore-sidecar --user/--password-file/--tls-cert/--tls-key/--max-connections', () => {
  it('SCRAM: the right password reads; a wrong one and an unknown user get the same 28P01', async () => {
    const ok = new pg.Client(config());
    await ok.connect();
    expect((await ok.query('SELECT v FROM kv WHERE k = 7')).rows).toEqual([{ v: 'v7' }]);
    await ok.end();

    const wrong = await connectError(config({ password: 'Correct horse battery' }));
    const unknown = await connectError(config({ user: 'nobody', password: PASSWORD }));
    expect(wrong).toMatchObject({ code: '28P01', severity: 'FATAL', message: `password authentication failed for user "${USER}"` });
    expect(unknown).toMatchObject({ code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "nobody"' });
    // Nothing but the name the client gave differs between the two answers.
    expect(wrong.message.replace(USER, 'X')).toBe(unknown.message.replace('nobody', 'X'));
    expect(Object.keys(wrong).sort()).toEqual(Object.keys(unknown).sort());
  });

  it('TLS verify-full: node-postgres with the CA works; a wrong CA or host name fails verification', async () => {
    const c = new pg.Client(config());
    await c.connect();
    try {
      const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM kv');
      expect(r.rows).toEqual([{ n: '1000' }]);
      // The socket really is TLS, verified against our CA.
      const socket = (c as unknown as { connection: { stream: { encrypted?: boolean; authorized?: boolean } } }).connection.stream;
      expect(socket.encrypted).toBe(true);
      expect(socket.authorized).toBe(true);
    } finally {
      await c.end();
    }
    const wrongCa = await connectError(config({ ssl: { ca: otherCa, servername: 'localhost', rejectUnauthorized: true } }));
    expect(wrongCa.message).toMatch(/certificate|signature/i);
    expect((wrongCa as { code?: string }).code).not.toBe('28P01'); // refused before any password was sent
    const wrongName = await connectError(config({ ssl: { ca, servername: 'db.example', rejectUnauthorized: true } }));
    expect(wrongName.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
  });

  it('psql: sslmode=verify-full with sslrootcert works; with a wrong root certificate it fails', async () => {
    const psql = (root: string): Promise<{ stdout: string }> =>
      run('psql', ['-X', '-A', '-t', '-c', 'SELECT v FROM kv WHERE k = 42', `host=localhost port=${port} user=${USER} dbname=${db.name} sslmode=verify-full sslrootcert=${root}`], {
        env: { ...process.env, PGPASSWORD: PASSWORD },
        timeout: 20_000,
      });
    expect((await psql(path.join(dir, 'ca.pem'))).stdout).toBe('v42\n');
    await expect(psql(path.join(dir, 'other.pem'))).rejects.toMatchObject({ stderr: expect.stringMatching(/certificate verify failed/) as unknown });
  });

  it('--max-connections 3: the fourth gets 53300; once one closes the next gets in', async () => {
    const held: pg.Client[] = [];
    for (let i = 0; i < 3; i++) held.push(await connectWithin(config(), 5_000));
    try {
      const refused = await connectError(config());
      expect(refused).toMatchObject({ code: '53300', severity: 'FATAL', message: 'sorry, too many clients already' });
      await held.shift()!.end();
      const next = await connectWithin(config(), 5_000);
      held.push(next);
      expect((await next.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('1,000 reads on the sidecar run nothing on the primary: only the walsender is connected', async () => {
    // The sidecar's application name on the primary; its periodic publication check (every 10 s,
    // a short session of its own) is named "… (publication check)" and is not a reader's query.
    const app = `memstore access-${db.name}`;
    const observe = async (): Promise<{ backend_type: string; query: string }[]> =>
      (await db.client.query<{ backend_type: string; query: string }>('SELECT backend_type, query FROM pg_stat_activity WHERE application_name = $1', [app])).rows;
    const reader = await connectWithin(config(), 5_000);
    const samples: { backend_type: string; query: string }[][] = [];
    try {
      for (let i = 1; i <= 1000; i++) {
        const r = await reader.query('SELECT v FROM kv WHERE k = $1', [i]);
        expect(r.rows[0]).toEqual({ v: `v${i}` });
        if (i % 50 === 0) samples.push(await observe());
      }
    } finally {
      await reader.end();
    }
    expect(samples).toHaveLength(20);
    // Every sample: exactly one backend of the sidecar, its walsender, still in START_REPLICATION
    // (a reader's query forwarded on any connection of the sidecar would show up here).
    for (const s of samples) {
      expect(s).toHaveLength(1);
      expect(s[0]!.backend_type).toBe('walsender');
      expect(s[0]!.query).toMatch(/^START_REPLICATION SLOT/);
    }
  });
});
