/*
 * Who may read, as the command line decides it: SCRAM credentials, TLS files, the connection
 * limit, and the rule that a listener reachable from other hosts needs a password or an explicit
 * --allow-trust. Unit tests of the parsed configuration, then the process itself refusing to
 * start (exit 2) before it touches any source.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, parseConfig, type Config } from '../../src/cli/config.js';

const parse = (argv: string[], env: Record<string, string> = {}): Config => {
  const c = parseConfig(argv, env);
  if (c === 'help') throw new Error('help');
  return c;
};

describe('access settings', () => {
  it('defaults: loopback listener, trust, 100 connections, no TLS', () => {
    const c = parse([]);
    expect(c.listen.host).toBe('127.0.0.1');
    expect(c.auth).toBeUndefined();
    expect(c.tls).toBeUndefined();
    expect(c.maxConnections).toBe(100);
    expect(c.allowTrust).toBe(false);
  });

  it('takes credentials, TLS files and the limit from flags and the environment; flags win', () => {
    const env = {
      MEMSTORE_USER: 'envuser',
      MEMSTORE_PASSWORD: 'envpass',
      MEMSTORE_TLS_CERT: '/etc/memstore/cert.pem',
      MEMSTORE_TLS_KEY: '/etc/memstore/key.pem',
      MEMSTORE_MAX_CONNECTIONS: '7',
    };
    expect(parse([], env)).toMatchObject({
      auth: { user: 'envuser', password: 'envpass' },
      tls: { certFile: '/etc/memstore/cert.pem', keyFile: '/etc/memstore/key.pem' },
      maxConnections: 7,
    });
    const f = parse(['--user', 'app', '--password', 'secret', '--max-connections', '1000'], env);
    expect(f.auth).toEqual({ user: 'app', password: 'secret' });
    expect(f.maxConnections).toBe(1000);
    // The --password-file flag wins over MEMSTORE_PASSWORD; two flags (or two variables) are ambiguous.
    expect(parse(['--password-file', 'pw.txt'], env).auth).toEqual({ user: 'envuser', passwordFile: path.resolve('pw.txt') });
    expect(() => parse(['--password', 'a', '--password-file', 'pw.txt'], env)).toThrow(/--password or --password-file, not both/);
    expect(() => parse([], { ...env, MEMSTORE_PASSWORD_FILE: 'pw.txt' })).toThrow(/--password or --password-file, not both/);
    const pf = parse(['--user', 'app', '--password-file', 'pw.txt']);
    expect(pf.auth).toEqual({ user: 'app', passwordFile: path.resolve('pw.txt') });
  });

  it('refuses half-given credentials and TLS pairs, and a bad limit', () => {
    expect(() => parse(['--user', 'app'])).toThrow(/--user needs --password or --password-file/);
    expect(() => parse(['--password', 'x'])).toThrow(/need --user/);
    expect(() => parse(['--tls-cert', 'c.pem'])).toThrow(/--tls-cert and --tls-key go together/);
    expect(() => parse(['--tls-key', 'k.pem'])).toThrow(/--tls-cert and --tls-key go together/);
    for (const bad of ['0', '-1', '1.5', 'many']) expect(() => parse([`--max-connections=${bad}`])).toThrow(/--max-connections must be a whole number/);
    expect(() => parse([], { MEMSTORE_ALLOW_TRUST: 'maybe' })).toThrow(ConfigError);
  });

  it('a non-loopback listener needs SCRAM credentials or --allow-trust', () => {
    for (const listen of ['0.0.0.0:6433', '[::]:6433', '10.1.2.3:6433', 'db.example:6433', '[fe80::1]:6433']) {
      expect(() => parse(['--listen', listen]), listen).toThrow(/accepts connections from other hosts, and no password is set/);
      expect(parse(['--listen', listen, '--allow-trust']).allowTrust).toBe(true);
      expect(parse(['--listen', listen], { MEMSTORE_ALLOW_TRUST: '1' }).allowTrust).toBe(true);
      expect(parse(['--listen', listen, '--user', 'u', '--password', 'p']).auth).toEqual({ user: 'u', password: 'p' });
    }
    // An explicit "false" in the environment does not open the door.
    expect(() => parse(['--listen', '0.0.0.0:1'], { MEMSTORE_ALLOW_TRUST: 'false' })).toThrow(/no password is set/);
    for (const listen of ['127.0.0.1:1', '127.0.0.2:1', 'localhost:1', '[::1]:1']) expect(parse(['--listen', listen]).auth, listen).toBeUndefined();
  });

  it('knows the loopback addresses', () => {
    expect(['127.0.0.1', '127.255.0.9', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.1', '128.0.0.1', '::ffff:10.0.0.1', 'localhost.evil.example', '1270.0.0.1'].some(isLoopback)).toBe(false);
  });
});

describe('memstore-sidecar refuses to start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-access-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI; the source URL points nowhere, so reaching the source would fail with exit 1. */
  async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--source', 'postgres://nobody@127.0.0.1:1/none', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, output };
  }

  it('exits 2 on 0.0.0.0 without a password, naming the way out', async () => {
    const r = await run(['--listen', '0.0.0.0:0']);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/--listen 0\.0\.0\.0 accepts connections from other hosts, and no password is set: give --user .*or --allow-trust/);
  });

  it('exits 2 when the password file or a TLS file cannot be read, or the password is empty', async () => {
    const missing = await run(['--user', 'u', '--password-file', path.join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/cannot read --password-file .*nope/);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    const e = await run(['--user', 'u', '--password-file', empty]);
    expect(e.code).toBe(2);
    expect(e.output).toMatch(/the password is empty/);
    const tls = await run(['--tls-cert', path.join(dir, 'c.pem'), '--tls-key', path.join(dir, 'k.pem')]);
    expect(tls.code).toBe(2);
    expect(tls.output).toMatch(/cannot read --tls-cert/);
  });

  it('with --allow-trust (or credentials) it gets past the check and on to the source (exit 1: unreachable)', async () => {
    const trust = await run(['--listen', '0.0.0.0:0', '--allow-trust', '--log-format', 'json']);
    expect(trust.code).toBe(1);
    expect(trust.output).not.toMatch(/no password is set/);
    const pw = path.join(dir, 'pw');
    writeFileSync(pw, 's3cret\nignored second line\n');
    const creds = await run(['--listen', '0.0.0.0:0', '--log-format', 'json'], { MEMSTORE_USER: 'app', MEMSTORE_PASSWORD_FILE: pw });
    expect(creds.code).toBe(1);
    expect(creds.output).not.toMatch(/no password is set/);
  });
});
