/*
 * A slot that still holds WAL is never dropped with dumps on (PostgreSQL 17): the sidecar's data
 * directory is lost while it is down (no dump, no change log), memstore ops are committed
 * meanwhile; at restart the slot is kept — the tables are copied beside it and the ops it holds
 * are applied — and the keys are flagged stale because ops it had already confirmed are gone.
 * Also when only the change log is lost: the slot's flush is then past the surviving dump; the
 * dump's keys are loaded, the slot's ops applied on top, and the keys flagged stale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn } from '../../src/lsn.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, captured, memstoreContents, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  db = await testDatabase('adopt');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-adopt-'));
  await prepareSource(db, `CREATE TABLE a (id int PRIMARY KEY, v text); INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 100) g;`);
});

afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function confirmedFlush(slot: string): Promise<bigint> {
  const r = await db.client.query<{ f: string }>('SELECT confirmed_flush_lsn::text AS f FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return parseLsn(r.rows[0]!.f);
}

describe('slot adoption', () => {
  it('keeps the slot and applies the memstore ops it holds when the data directory is gone', async () => {
    const slot = `adopt_${db.name}`;
    const options = { slot, sidecar: { dataDir, snapshotInterval: 3600, slotCheck: false as const } };
    const first = await startSidecar(db, options);
    await db.client.query(`SELECT memstore.set('confirmed', '1')`);
    await caughtUp(first, db.client);
    const applied = first.store.appliedLsn;
    await waitFor(async () => (await confirmedFlush(slot)) >= applied, 10_000, 'the slot to confirm the change log');
    // Down without a final dump, and the data directory lost with it.
    await first.snapshotter!.stop();
    first.sweeper.stop();
    await first.follower.stop();
    await first.changeLog!.close();
    rmSync(dataDir, { recursive: true, force: true });
    await db.client.query(`SELECT memstore.set('while-down', '2'); UPDATE a SET v = 'changed' WHERE id = 7`);
    const before = captured.length;
    const s = await startSidecar(db, options);
    try {
      await caughtUp(s, db.client);
      const log = captured.slice(before).filter((l) => l.includes(db.name));
      expect(log.some((l) => l.includes('keeping the existing slot'))).toBe(true);
      expect(log.some((l) => l.includes('dropping the existing slot') || l.includes('created replication slot'))).toBe(false);
      expect(memstoreContents(s)['while-down']).toBe('2'); // only the slot had it
      expect(memstoreContents(s).confirmed).toBeUndefined(); // confirmed before: gone with the directory
      expect(s.store.memstoreStale).toMatch(/missing/);
      expect(storeCopy(s, 'a')).toBe(await primaryCopy(db.client, 'a', 'id'));
      // And it is durable again: a checkpoint dump was written, the slot follows the log.
      await db.client.query(`SELECT memstore.set('after', '3')`);
      await caughtUp(s, db.client);
      const now = s.store.appliedLsn;
      await waitFor(async () => (await confirmedFlush(slot)) >= now, 10_000, 'the slot to follow the change log again');
    } finally {
      await s.stop();
    }
  }, 120_000);

  it("keeps the slot when the dump survives but the change log is gone: the dump's keys, then the slot's ops", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-adopt-log-'));
    const slot = `adopt_log_${db.name}`;
    const options = { slot, sidecar: { dataDir: dir, snapshotInterval: 3600, slotCheck: false as const } };
    try {
      const first = await startSidecar(db, options);
      await db.client.query(`SELECT memstore.set('in-dump', '1')`);
      await caughtUp(first, db.client);
      const dumped = await first.snapshotter!.dump('test');
      await db.client.query(`SELECT memstore.set('log-only', '2'); SELECT memstore.set('in-dump', '10')`);
      await caughtUp(first, db.client);
      const applied = first.store.appliedLsn;
      expect(dumped.lsn).toBeLessThan(applied);
      // The slot confirms what the log synced: past the dump, so its WAL before that is gone.
      await waitFor(async () => (await confirmedFlush(slot)) >= applied, 10_000, 'the slot to confirm the change log');
      await first.snapshotter!.stop();
      first.sweeper.stop();
      await first.follower.stop();
      await first.changeLog!.close();
      rmSync(path.join(dir, 'log'), { recursive: true, force: true });
      await db.client.query(`SELECT memstore.set('while-down', '3'); UPDATE a SET v = 'changed again' WHERE id = 8`);
      const before = captured.length;
      const s = await startSidecar(db, options);
      try {
        await caughtUp(s, db.client);
        const log = captured.slice(before).filter((l) => l.includes(db.name));
        expect(log.some((l) => l.includes('keeping the existing slot') && l.includes('past the dump'))).toBe(true);
        expect(log.some((l) => l.includes('dropping the existing slot') || l.includes('created replication slot'))).toBe(false);
        const keys = memstoreContents(s);
        expect(keys['while-down']).toBe('3'); // only the slot had it
        expect(keys['log-only']).toBeUndefined(); // only the lost log had it
        expect(keys['in-dump']).toBe('1'); // the dump's value; its later overwrite went with the log
        expect(s.store.memstoreStale).toMatch(/missing/);
        expect(storeCopy(s, 'a')).toBe(await primaryCopy(db.client, 'a', 'id'));
      } finally {
        await s.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
