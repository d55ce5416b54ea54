/*
 * The embedded PostgreSQL wherever the checkout sits (issue #13): as root, PostgreSQL runs as the
 * OS user `postgres`, which cannot enter a mode-700 directory such as /root. These tests put the
 * data directory, and then a whole copy of the checkout, under a mode-700 directory and start from
 * there. As another user the same starts must work too (nothing is relocated then).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { canEnter, pgBinaries, runningAsRoot } from '../../src/pg/binaries.js';
import { startEmbedded, type EmbeddedServer } from '../../src/pg/embedded.js';
import { waitFor, waitForValue } from '../support/wait.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh mode-700 directory, removed after the test (with a relocated cluster, if any). */
function privateDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function relocatedClusterCleanup(link: string): void {
  cleanups.push(() => {
    try {
      if (lstatSync(link).isSymbolicLink()) rmSync(path.resolve(path.dirname(link), readlinkOf(link)), { recursive: true, force: true });
    } catch {
      // no link: nothing was relocated
    }
  });
}

function readlinkOf(link: string): string {
  return execFileSync('readlink', [link], { encoding: 'utf8' }).trim();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('the embedded PostgreSQL under a mode-700 directory', () => {
  it('starts with its data directory there, keeps its data across restarts (the global-setup path)', async () => {
    const parent = privateDir('memstore-private-');
    const requested = path.join(parent, 'data', 'pg');
    relocatedClusterCleanup(requested);
    const bin = await pgBinaries();
    if (runningAsRoot()) {
      // The premise: the server's OS user cannot reach the requested place.
      expect(canEnter(parent, bin.ids!)).toBe(false);
    }
    let server: EmbeddedServer | undefined = await startEmbedded({ dataDir: requested, settings: { fsync: 'off' } });
    cleanups.push(() => server?.stop());
    await query(server.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES (\'across restarts\')');
    if (runningAsRoot()) {
      // The cluster lives under the pg home, owned by `postgres`; the requested path links to it.
      expect(lstatSync(requested).isSymbolicLink()).toBe(true);
      expect(server.dataDir.startsWith(path.join(bin.home!, 'clusters') + path.sep)).toBe(true);
      expect(statSync(server.dataDir).uid).toBe(bin.ids!.uid);
      expect(statSync(server.dataDir).mode & 0o777).toBe(0o700);
      // The programs run from the staged copy, which the server's user can reach.
      expect(bin.postgres.startsWith(bin.home!)).toBe(true);
      expect(canEnter(path.dirname(bin.postgres), bin.ids!)).toBe(true);
    } else {
      expect(server.dataDir).toBe(requested);
    }
    // The user's own directory keeps its mode.
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const first = server.dataDir;
    await server.stop();
    server = await startEmbedded({ dataDir: requested, settings: { fsync: 'off' } });
    expect(server.dataDir).toBe(first);
    expect(await query<{ v: string }>(server.url, 'SELECT v FROM kept')).toEqual([{ v: 'across restarts' }]);
  });

  it('says why when the server cannot start', async () => {
    const parent = privateDir('memstore-private-');
    const requested = path.join(parent, 'pg');
    relocatedClusterCleanup(requested);
    // Its port is taken: postgres exits at once with FATAL on stderr.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const err = await startEmbedded({ dataDir: requested, port, settings: { fsync: 'off' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited with code 1 while starting/);
    expect((err as Error).message).toMatch(/could not bind IPv4 address "127.0.0.1": Address already in use/);
  });
});

describe('a copy of the checkout under a mode-700 directory', () => {
  /** The tracked (and new, not ignored) files of this checkout, with node_modules hard-linked. */
  function cloneInto(dir: string): string {
    const clone = path.join(dir, 'memstore');
    mkdirSync(clone);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(path.join(REPO, f)));
    execFileSync('cp', ['--parents', '-t', clone, ...files], { cwd: REPO });
    execFileSync('cp', ['-al', path.join(REPO, 'node_modules'), path.join(clone, 'node_modules')]);
    return clone;
  }

  it('`npm start` (the CLI, no --source) becomes ready, locks memstore writes down, and stops on SIGTERM leaving no postgres', async () => {
    const clone = cloneInto(privateDir('memstore-clone-'));
    const dataDir = path.join(clone, '.memstore');
    relocatedClusterCleanup(path.join(dataDir, 'pg'));
    const env = { ...process.env, MEMSTORE_HTTP: '127.0.0.1:0' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-format', 'json', '--snapshot-interval', '0'], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    for (const s of [child.stdout, child.stderr]) s.on('data', (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean)));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let exited = false;
    void exit.then(() => (exited = true));
    cleanups.push(async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await exit;
      }
    });
    const line = (re: RegExp): Promise<string> =>
      waitForValue(() => (exited ? 'exited' : lines.find((l) => re.test(l))), (v) => v !== undefined, 120_000, `a line matching ${re}; output:\n${lines.join('\n')}`).then((v) => {
        if (v === 'exited') throw new Error(`the CLI exited; output:\n${lines.join('\n')}`);
        return v!;
      });
    const primaryUrl = /psql "([^"]+)"/.exec(await line(/primary \(write here\)/))![1]!;
    const readyz = /(http:\/\/\S+\/readyz)/.exec(await line(/health and metrics:/))![1]!;
    await waitFor(async () => (await fetch(readyz)).status === 200, 30_000, '/readyz to answer 200');

    // The sidecar locked the server it owns down: no forgery warning, PUBLIC cannot emit.
    expect((await query<{ f: boolean }>(primaryUrl, 'SELECT memstore.forgery_possible() AS f'))[0]!.f).toBe(false);
    expect(lines.some((l) => /forge/i.test(l))).toBe(false);
    // The printed user (the superuser) still writes memstore keys, and the sidecar applies them.
    await query(primaryUrl, `SELECT memstore.set('greeting', '{"hello": "world"}')`);
    await line(/"msg":"applied"/);

    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0]!, 10);
    expect(isAlive(pid)).toBe(true);
    if (runningAsRoot()) expect(lstatSync(path.join(dataDir, 'pg')).isSymbolicLink()).toBe(true);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  }, 180_000);
});
