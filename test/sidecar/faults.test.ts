/*
 * Faults of the source while the stream is busy: the walsender killed, and the whole PostgreSQL
 * 17 server restarted. Nothing lost (the store equals the primary) and nothing applied twice
 * (the number of applied transactions equals the number committed).
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/pg/embedded.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, withDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { TRANSFER_SCHEMA, transferWorkload } from '../support/workload.js';
import { waitFor } from '../support/wait.js';

const SETUP = TRANSFER_SCHEMA;

/** Small transactions that move money between accounts; returns how many committed. */
function workload(url: string, txns: number, seed: number): Promise<number> {
  return transferWorkload(url, txns, seed, { accounts: 500, spread: 97, memstoreEvery: 50 });
}

describe('faults of the source', () => {
  let db: TestDatabase | undefined;
  let sidecar: Sidecar | undefined;

  afterAll(async () => {
    await sidecar?.stop();
    await db?.drop();
  });

  it('loses nothing and duplicates nothing when the walsender is killed mid-stream', async () => {
    db = await testDatabase('walsender');
    await prepareSource(db, SETUP);
    sidecar = await startSidecar(db);
    const s = sidecar;
    await caughtUp(s, db.client);
    const before = s.store.counters.transactions;
    const killer = new pg.Client({ connectionString: db.url });
    await killer.connect();
    let kills = 0;
    const running = workload(db.url, 3000, 1);
    let done = false;
    void running.finally(() => (done = true));
    // Kill the walsender whenever it is back, three times, while the workload runs.
    while (!done && kills < 3) {
      const r = await killer.query(
        `SELECT pg_terminate_backend(active_pid) AS ok FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
        [`memstore_${db.name}`],
      );
      if (r.rows.length > 0) {
        kills++;
        const reconnects = s.follower.reconnectCount;
        // Wait (with a deadline) until the follower is streaming again before the next kill.
        await waitFor(() => s.follower.reconnectCount > reconnects, 20_000, 'the follower to reconnect');
        expect(s.follower.reconnectCount).toBeGreaterThan(reconnects);
      }
      await new Promise((r2) => setTimeout(r2, 50)); // pacing between kill attempts, not synchronisation
    }
    const committed = await running;
    await killer.end();
    await caughtUp(s, db.client);
    expect(kills).toBe(3);
    expect(storeCopy(s, 'acct')).toBe(await primaryCopy(db.client, 'acct', 'id'));
    expect(s.store.counters.transactions - before).toBe(committed);
    expect(Buffer.from(s.store.memstore.get(Buffer.from('last-1'))!).toString()).toBe('2999');
    console.log(`walsender killed ${kills}×: ${committed} committed, ${s.store.counters.transactions - before} applied, ${s.store.counters.skippedTransactions} replayed-and-skipped`);
  });

  it('loses nothing and duplicates nothing when the server restarts mid-stream', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-restart-'));
    chmodSync(dir, 0o755);
    const server = await startEmbedded({ dataDir: path.join(dir, 'pg'), settings: { fsync: 'off' } });
    let side: Sidecar | undefined;
    try {
      const url = withDatabase(server.url, 'postgres');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const fake: TestDatabase = { url, name: 'postgres', client, drop: () => Promise.resolve() };
      await prepareSource(fake, SETUP);
      side = await startSidecar(fake);
      await caughtUp(side, client);
      const before = side.store.counters.transactions;
      const first = await workload(url, 1500, 2);
      await client.end();
      // Restart while the sidecar is (most likely) still receiving the first batch.
      await server.stop();
      const again = await startEmbedded({ dataDir: path.join(dir, 'pg'), port: server.port, settings: { fsync: 'off' } });
      const second = await workload(url, 1500, 3);
      const c2 = new pg.Client({ connectionString: url });
      await c2.connect();
      try {
        await caughtUp(side, c2, 60_000);
        expect(storeCopy(side, 'acct')).toBe(await primaryCopy(c2, 'acct', 'id'));
        expect(side.store.counters.transactions - before).toBe(first + second);
        expect(side.follower.reconnectCount).toBeGreaterThanOrEqual(1);
      } finally {
        await c2.end();
        await side.stop();
        side = undefined;
        await again.stop();
      }
    } finally {
      await side?.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
