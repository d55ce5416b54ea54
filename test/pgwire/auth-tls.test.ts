/*
 * SCRAM-SHA-256 with real drivers (node-postgres, postgres.js, psql) and TLS with a self-signed
 * certificate made by openssl at test time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, RawClient, transcript } from './support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { startServer, type TestServer } from './support/server.js';

const run = promisify(execFile);
const users = new Map([
  ['alice', 'correct horse'],
  ['bob', 'pässwörd'],
]);

let dir: string;
let tlsFiles: { key: string; cert: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgwire-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
    timeout: 30_000,
  });
  tlsFiles = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SCRAM-SHA-256', () => {
  let ms: TestServer;
  beforeAll(async () => {
    ms = await startServer({ auth: { method: 'scram-sha-256', users } });
  });
  afterAll(async () => {
    await ms.close();
    expect(ms.problems).toEqual([]);
  });
  const config = (user: string, password: string): pg.ClientConfig => ({ host: '127.0.0.1', port: ms.port, user, password, database: 'memstore' });

  it('node-postgres: right password works; wrong password and unknown user get the same 28P01', async () => {
    for (const [user, password] of users) {
      const c = new pg.Client(config(user, password));
      await c.connect();
      expect((await c.query('select 1')).rows).toEqual([{ '?column?': 1 }]);
      await c.end();
    }
    const wrong = new pg.Client(config('alice', 'battery staple'));
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "alice"' });
    const unknown = new pg.Client(config('mallory', 'correct horse'));
    await expect(unknown.connect()).rejects.toMatchObject({ code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "mallory"' });
    // Refused connections release their slot once their sockets close.
    await waitFor(() => ms.server.connectionCount === 0, 5_000, 'slots to be released');
  });

  it('postgres.js and psql authenticate with SCRAM', async () => {
    const sql = postgres({ host: '127.0.0.1', port: ms.port, user: 'bob', password: 'pässwörd', database: 'memstore' });
    try {
      expect([...(await sql`select ${3}::int4 as n`)]).toEqual([{ n: 3 }]);
    } finally {
      await sql.end();
    }
    const psql = (password: string): Promise<{ stdout: string }> =>
      run('/usr/bin/psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(ms.port), '-U', 'alice', '-d', 'memstore', '-c', 'select 1'], {
        env: { ...process.env, PGPASSWORD: password },
        timeout: 20_000,
      });
    expect((await psql('correct horse')).stdout).toBe('1\n');
    await expect(psql('nope')).rejects.toMatchObject({ stderr: expect.stringContaining('password authentication failed for user "alice"') as unknown });
  });

  it('a malformed SASL exchange is FATAL 08P01; a non-SASL message during authentication too', async () => {
    const c = await RawClient.open(ms.port);
    c.send(serialize.startup({ user: 'alice' }));
    expect((await c.next()).code).toBe('R');
    c.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'garbage'));
    expect(transcript(await c.drainUntilClosed())).toEqual(['E FATAL 08P01 malformed SCRAM message']);

    const d = await RawClient.open(ms.port);
    d.send(serialize.startup({ user: 'alice' }));
    expect((await d.next()).code).toBe('R');
    d.send(serialize.query('select 1'));
    expect(transcript(await d.drainUntilClosed())).toEqual(['E FATAL 08P01 invalid frontend message type 81']);

    const e = await RawClient.open(ms.port);
    e.send(serialize.startup({ user: 'alice' }));
    expect((await e.next()).code).toBe('R');
    e.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-1', 'n,,n=*,r=abc'));
    expect(transcript(await e.drainUntilClosed())).toEqual(['E FATAL 08P01 client selected an invalid SASL authentication mechanism']);
  });

  it('the raw client’s own SCRAM implementation agrees (server signature verified)', async () => {
    const c = await RawClient.connect(ms.port, { user: 'alice', password: 'correct horse' });
    c.send(serialize.query('select 1'));
    expect(transcript(await c.until('Z'))).toEqual(['T ?column?:23:0', 'D 31', 'C SELECT 1', 'Z I']);
    c.end();
  });
});

describe('TLS', () => {
  let ms: TestServer;
  beforeAll(async () => {
    ms = await startServer({ tls: tlsFiles, auth: { method: 'scram-sha-256', users } });
  });
  afterAll(async () => {
    await ms.close();
    expect(ms.problems).toEqual([]);
  });

  it('node-postgres over TLS with SCRAM', async () => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: ms.port,
      user: 'alice',
      password: 'correct horse',
      database: 'memstore',
      ssl: { rejectUnauthorized: false },
    });
    await c.connect();
    try {
      expect((await c.query('select generate_series(1, 1000)')).rowCount).toBe(1000);
      expect(ms.server.connections().filter((i) => i.state !== 'closed').map((i) => i.tls)).toEqual([true]);
    } finally {
      await c.end();
    }
  });

  it('psql with sslmode=require; and sslmode=require against a server without TLS fails', async () => {
    const psql = (port: number): Promise<{ stdout: string }> =>
      run('/usr/bin/psql', ['-X', '-A', '-t', '-c', 'select 1', `host=127.0.0.1 port=${port} user=alice dbname=memstore sslmode=require`], {
        env: { ...process.env, PGPASSWORD: 'correct horse' },
        timeout: 20_000,
      });
    expect((await psql(ms.port)).stdout).toBe('1\n');
    const plain = await startServer({ auth: { method: 'scram-sha-256', users } });
    try {
      await expect(psql(plain.port)).rejects.toMatchObject({ stderr: expect.stringContaining('server does not support SSL') as unknown });
    } finally {
      await plain.close();
    }
  });

  it('postgres.js with ssl: require', async () => {
    const sql = postgres({ host: '127.0.0.1', port: ms.port, user: 'alice', password: 'correct horse', database: 'memstore', ssl: { rejectUnauthorized: false } });
    try {
      expect([...(await sql`select ${1}::int4 as one`)]).toEqual([{ one: 1 }]);
    } finally {
      await sql.end();
    }
  });

  it('refuses plaintext bytes sent right after SSLRequest (08P01)', async () => {
    const c = await RawClient.open(ms.port);
    c.send(Buffer.concat([serialize.requestSsl(), message('Q', Buffer.from('select 1\0'))]));
    expect(transcript(await c.drainUntilClosed())).toEqual(['E FATAL 08P01 received unencrypted data after SSL request']);
  });
});
