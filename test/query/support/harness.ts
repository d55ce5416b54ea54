/*
 * A real PostgreSQL 17 source, an in-process sidecar following it, and memstore's pgwire server
 * over the QueryEngine: what every test/query file starts with. Clients connect to `url` (the
 * sidecar) and compare with `db.client` / `db.url` (the primary).
 */
import pg from 'pg';
import { LsnWaiters } from '../../../src/apply/lsn-waiters.js';
import type { Lsn } from '../../../src/lsn.js';
import { PgWireServer } from '../../../src/pgwire/server.js';
import { QueryEngine, type QueryEngineOptions } from '../../../src/query/engine.js';
import type { Sidecar } from '../../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { prepareSource, settled, startSidecar } from '../../support/sidecar.js';

export interface Harness {
  readonly db: TestDatabase;
  readonly sidecar: Sidecar;
  readonly engine: QueryEngine;
  readonly server: PgWireServer;
  readonly port: number;
  /** Connection URL of the sidecar's pgwire endpoint. */
  readonly url: string;
  /** Log lines at warn/error from the pgwire server. */
  readonly problems: string[];
  /** Resolves with the target LSN each time a memstore.wait_lsn() starts waiting. */
  nextWait(): Promise<Lsn>;
  /** A node-postgres client on the sidecar (closed by close()). */
  client(config?: pg.ClientConfig): Promise<pg.Client>;
  /** Waits until the sidecar applied everything committed on the primary. */
  caughtUp(): Promise<void>;
  /** Another pgwire server on the same sidecar with other engine options. */
  extraServer(options: Partial<QueryEngineOptions>): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** Text for every type, so results compare as PostgreSQL printed them. */
export const rawTypes: pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };

/** LsnWaiters that tells the test when a wait starts (cancel tests need that, not a sleep). */
class TappedWaiters extends LsnWaiters {
  readonly listeners: ((lsn: Lsn) => void)[] = [];
  constructor(private readonly inner: LsnWaiters) {
    super(() => 0n);
  }
  override wait(lsn: Lsn, timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const p = this.inner.wait(lsn, timeoutMs, signal);
    for (const l of this.listeners.splice(0)) l(lsn);
    return p;
  }
}

/** `dbOptions`: extra CREATE DATABASE options (a database default collation, …). */
export async function startHarness(prefix: string, setupSql: string, dbOptions = ''): Promise<Harness> {
  const db = await testDatabase(prefix, dbOptions);
  await prepareSource(db, setupSql);
  const sidecar = await startSidecar(db);
  const waiters = new TappedWaiters(sidecar.follower.waiters);
  const engine = await QueryEngine.create(sidecar.store, { waiters, serverVersion: 'test' });
  const problems: string[] = [];
  const servers: PgWireServer[] = [];
  const clients: pg.Client[] = [];
  const serve = async (e: QueryEngine): Promise<{ server: PgWireServer; port: number }> => {
    const server = new PgWireServer(e, {
      host: '127.0.0.1',
      port: 0,
      maxConnections: 50,
      auth: { method: 'trust' },
      log: (level, msg, fields) => {
        if (level === 'warn' || level === 'error') problems.push(`${level}: ${msg} ${JSON.stringify(fields)}`);
        if (process.env.MEMSTORE_TEST_LOG === '1') process.stderr.write(`${level}: ${msg} ${JSON.stringify(fields)}\n`);
      },
    });
    const { port } = await server.listen();
    servers.push(server);
    return { server, port };
  };
  const { server, port } = await serve(engine);
  const urlFor = (p: number): string => `postgres://postgres@127.0.0.1:${p}/${db.name}`;
  return {
    db,
    sidecar,
    engine,
    server,
    port,
    url: urlFor(port),
    problems,
    nextWait: () => new Promise((resolve) => waiters.listeners.push(resolve)),
    async client(config = {}) {
      const c = new pg.Client({ connectionString: urlFor(port), types: rawTypes, ...config });
      await c.connect();
      clients.push(c);
      return c;
    },
    // Caught up and no table being copied (DDL in a test makes a table copied again).
    caughtUp: () => settled(sidecar, db.client),
    async extraServer(options) {
      const e = await QueryEngine.create(sidecar.store, { waiters, ...options });
      const s = await serve(e);
      return { url: urlFor(s.port), close: () => s.server.close() };
    },
    async close() {
      for (const c of clients) await c.end().catch(() => undefined);
      for (const s of servers) await s.close();
      await sidecar.stop();
      await db.drop();
    },
  };
}
