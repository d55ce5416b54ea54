/*
 * One PostgreSQL 17 for the whole test run: the embedded server from npm by default, an existing
 * server with PG_URL, or a Docker `postgres:17` through testcontainers with MEMSTORE_TEST_PG=docker
 * (where an engine runs). Test files get its URL through `inject('pgUrl')` and make their own
 * database (test/support/pg.ts). The server is stopped in teardown; a server orphaned by a killed
 * run is stopped by the next run (stopOrphan on the same directory).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, stopOrphan } from '../../src/pg/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

const ROOT = path.join(os.tmpdir(), 'memstore-test');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Sidecar processes the tests spawn serve /metrics on a free port, not all on 9433 at once
  // (test files run in parallel). The test workers and their children inherit this.
  process.env.MEMSTORE_HTTP ??= '127.0.0.1:0';
  if (process.env.PG_URL) {
    project.provide('pgUrl', process.env.PG_URL);
    return () => Promise.resolve();
  }
  if (process.env.MEMSTORE_TEST_PG === 'docker') {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('postgres:17')
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
      .withCommand(['postgres', '-c', 'wal_level=logical', '-c', 'max_replication_slots=64', '-c', 'max_wal_senders=64', '-c', 'max_connections=300'])
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    project.provide('pgUrl', `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`);
    return async () => {
      await container.stop();
    };
  }
  mkdirSync(ROOT, { recursive: true, mode: 0o755 });
  // Directories of earlier runs whose runner was killed: stop their servers, then remove them.
  await cleanStale();
  const dir = mkdtempSync(path.join(ROOT, 'run-'));
  // mkdtemp makes 0700; the server runs as the `postgres` OS user when we are root.
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  let server: Awaited<ReturnType<typeof startEmbedded>>;
  try {
    server = await startEmbedded({
      dataDir: path.join(dir, 'pg'),
      settings: { fsync: 'off', full_page_writes: 'off', wal_sender_timeout: '30s' },
    });
  } catch (err) {
    // Said first and plainly: vitest reports a failed global setup after "No test files found".
    process.stderr.write(`\ntest setup: the embedded PostgreSQL 17 did not start: ${err instanceof Error ? err.message : String(err)}\n\n`);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  project.provide('pgUrl', server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

async function cleanStale(): Promise<void> {
  for (const name of readdirSync(ROOT)) {
    const dir = path.join(ROOT, name);
    // A directory belongs to a live run while the vitest that made it (owner.pid) is alive,
    // including the instant before its owner.pid is written (a fresh directory is left alone).
    const ownerFile = path.join(dir, 'owner.pid');
    if (!existsSync(ownerFile)) {
      if (Date.now() - statSync(dir).mtimeMs < 60_000) continue;
    } else {
      const owner = Number.parseInt(readFileSync(ownerFile, 'utf8'), 10);
      if (Number.isFinite(owner) && isAlive(owner)) continue;
    }
    await stopOrphan(path.join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
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
