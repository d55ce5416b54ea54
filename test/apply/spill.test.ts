/*
 * A transaction bigger than --txn-memory-limit, against PostgreSQL 17: its messages spill to a
 * temporary file (counted in memstore.stats()), it is applied whole — a reader sampling the table
 * between event-loop turns sees none of it or all of it — and the result equals the primary. The
 * change log records it, so a restart replays it from the log (no dump since).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, captured, memstoreContents, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';

let db: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  db = await testDatabase('spill');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-spill-'));
  await prepareSource(db, `CREATE TABLE big (id int PRIMARY KEY, v text)`);
});

afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a transaction over the memory limit', () => {
  it('spills to a file, applies all at once, equals the primary, and replays from the change log', async () => {
    const options = { slot: `spill_${db.name}`, sidecar: { dataDir, snapshotInterval: 3600, txnMemoryLimit: 256 * 1024, slotCheck: false as const } };
    const s = await startSidecar(db, options);
    const sizes = new Set<number>();
    let sampling = true;
    try {
      const t = s.store.tableByName('public', 'big')!;
      const sample = (): void => {
        sizes.add(t.rows.size);
        if (sampling) setImmediate(sample);
      };
      sample();
      await db.client.query(`BEGIN; INSERT INTO big SELECT g, repeat('x', 100) || g FROM generate_series(1, 30000) g; SELECT memstore.set('big-done', 'true'); COMMIT;`);
      await caughtUp(s, db.client, 60_000);
      sampling = false;
      sizes.add(t.rows.size);
      expect(s.follower.spilledTransactions).toBe(1);
      expect((s.stats() as { spilled_transactions: number }).spilled_transactions).toBe(1);
      expect([...sizes].sort((a, b) => a - b)).toEqual([0, 30000]);
      expect(storeCopy(s, 'big')).toBe(await primaryCopy(db.client, 'big', 'id'));
      expect(memstoreContents(s)['big-done']).toBe('true');
    } finally {
      sampling = false;
      await s.stop();
    }
  }, 120_000);

  it('replays the spilled transaction from the change log after a restart', async () => {
    // The previous sidecar's final dump covers everything; update in a big transaction again and
    // restart from the log without a dump in between.
    const options = { slot: `spill_${db.name}`, sidecar: { dataDir, snapshotInterval: 3600, txnMemoryLimit: 256 * 1024, slotCheck: false as const } };
    const s = await startSidecar(db, options);
    await db.client.query(`UPDATE big SET v = v || '!' WHERE id % 3 = 0`);
    await caughtUp(s, db.client, 60_000);
    expect(s.follower.spilledTransactions).toBe(1);
    await s.changeLog!.flush();
    // A crash, as far as the disk is concerned: the stream and the log close without a final dump.
    await s.snapshotter!.stop();
    s.sweeper.stop();
    await s.follower.stop();
    await s.changeLog!.close();
    const again = await startSidecar(db, options);
    try {
      expect(captured.some((l) => l.includes('"replayed the change log"') && l.includes(db.name))).toBe(true);
      await caughtUp(again, db.client, 60_000);
      expect(storeCopy(again, 'big')).toBe(await primaryCopy(db.client, 'big', 'id'));
      expect(again.store.counters.transactions).toBe(1); // the update, from the log, once
    } finally {
      await again.stop();
    }
  }, 120_000);
});
