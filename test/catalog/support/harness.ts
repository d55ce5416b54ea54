/*
 * A real PostgreSQL 17 primary, an in-process sidecar that copies its catalog (catalog/), and a
 * pgwire server over a QueryEngine reading that catalog: what the catalog tests compare. Clients
 * connect to `url` (the sidecar) and to `db.url` (the primary).
 */
import pg from 'pg';
import { PgWireServer } from '../../../src/pgwire/server.js';
import { QueryEngine } from '../../../src/query/engine.js';
import type { Sidecar } from '../../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { prepareSource, settled, startSidecar } from '../../support/sidecar.js';

export interface CatalogHarness {
  readonly db: TestDatabase;
  readonly sidecar: Sidecar;
  readonly port: number;
  readonly url: string;
  /** Log lines at warn/error from the pgwire server. */
  readonly problems: string[];
  /** A node-postgres client on the sidecar, every value as text (closed by close()). */
  client(): Promise<pg.Client>;
  /** The same on the primary: the reference every answer is compared with (closed by close()). */
  primary(): Promise<pg.Client>;
  /** Caught up, no table being copied, and the catalog re-read for the store's tables. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Text for every type, so results compare as PostgreSQL printed them. */
export const rawTypes: pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };

export async function startCatalogHarness(prefix: string, setupSql: string, publication?: string): Promise<CatalogHarness> {
  const db = await testDatabase(prefix);
  await prepareSource(db, setupSql);
  const sidecar = await startSidecar(db, { sidecar: { catalog: true }, ...(publication !== undefined ? { publication } : {}) });
  await sidecar.catalog!.refreshed();
  const engine = await QueryEngine.create(sidecar.store, { waiters: sidecar.follower.waiters, serverVersion: 'test', catalog: sidecar.catalog! });
  const problems: string[] = [];
  const server = new PgWireServer(engine, {
    host: '127.0.0.1',
    port: 0,
    maxConnections: 20,
    auth: { method: 'trust' },
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') problems.push(`${level}: ${msg} ${JSON.stringify(fields)}`);
    },
  });
  const { port } = await server.listen();
  const url = `postgres://postgres@127.0.0.1:${port}/${db.name}`;
  const clients: pg.Client[] = [];
  return {
    db,
    sidecar,
    port,
    url,
    problems,
    async client() {
      const c = new pg.Client({ connectionString: url, types: rawTypes });
      await c.connect();
      clients.push(c);
      return c;
    },
    async primary() {
      const c = new pg.Client({ connectionString: db.url, types: rawTypes });
      await c.connect();
      clients.push(c);
      return c;
    },
    async settled() {
      await settled(sidecar, db.client);
      await sidecar.catalog!.refreshed();
    },
    async close() {
      for (const c of clients) await c.end().catch(() => undefined);
      await server.close();
      await sidecar.stop();
      await db.drop();
    },
  };
}
