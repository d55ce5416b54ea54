/*
 * A real PostgreSQL 17 primary and a whole in-process Sidecar following it, with dumps in a
 * temporary directory and the pgwire endpoint on a free port: what the memstore API tests start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Sidecar, type SidecarOptions } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, settled, testLogger } from '../support/sidecar.js';

export interface MemstoreRig {
  readonly db: TestDatabase;
  sidecar: Sidecar;
  readonly dataDir: string;
  /** A client on the sidecar that returns every value as PostgreSQL's text. */
  client(): Promise<pg.Client>;
  caughtUp(): Promise<void>;
  /** Stops the sidecar and starts a new one on the same slot and dumps. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const raw: pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };

export async function startRig(prefix: string, setupSql = '', extra: Partial<SidecarOptions> = {}): Promise<MemstoreRig> {
  const db = await testDatabase(prefix);
  await prepareSource(db, setupSql);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `memstore-${prefix}-`));
  const make = (): Sidecar =>
    new Sidecar({
      source: { url: db.url, applicationName: 'memstore-test' },
      publication: 'memstore',
      slot: `memstore_${db.name}`,
      id: db.name,
      log: testLogger({ db: db.name }),
      dataDir,
      snapshotInterval: 3600,
      listen: { host: '127.0.0.1', port: 0 },
      slotCheck: false,
      follower: { statusIntervalMs: 100, reconnectInitialMs: 50, reconnectMaxMs: 500, receiveTimeoutMs: 10_000 },
      expiry: { intervalMs: 50, batch: 500, marginMs: 0 },
      ...extra,
    });
  const clients: pg.Client[] = [];
  const rig: MemstoreRig = {
    db,
    sidecar: make(),
    dataDir,
    async client() {
      const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${rig.sidecar.address!.port}/${db.name}`, types: raw });
      await c.connect();
      clients.push(c);
      return c;
    },
    // Caught up and no table being copied (DDL in a test makes a table copied again).
    caughtUp: () => settled(rig.sidecar, db.client),
    async restart() {
      for (const c of clients.splice(0)) await c.end().catch(() => undefined);
      await rig.sidecar.stop();
      rig.sidecar = make();
      await rig.sidecar.start();
    },
    async close() {
      for (const c of clients) await c.end().catch(() => undefined);
      await rig.sidecar.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await rig.sidecar.start();
  return rig;
}
