/*
 * Logical decoding from a physical standby (PostgreSQL 16+): a separate PostgreSQL 17 primary and
 * a hot standby made from a base backup (test/support/standby.ts). The publication, tables and
 * memstore functions are created on the primary (the standby is read-only and replays them); the
 * sidecar follows a slot on the standby, copies the tables from it, and the writes made on the
 * primary reach the sidecar through the standby's replay.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSql } from '../../src/sidecar/embedded-source.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { captured, memstoreContents, primaryCopy, storeCopy, testLogger } from '../support/sidecar.js';
import { Sidecar as SidecarClass } from '../../src/sidecar/sidecar.js';
import { hurryStandbySnapshots, onDatabase, startPrimaryAndStandby, type StandbyPair } from '../support/standby.js';
import { parseLsn } from '../../src/lsn.js';
import { waitFor, waitForValue } from '../support/wait.js';

let pair: StandbyPair | undefined;
let primary: pg.Client;
let standby: pg.Client;
let sidecar: Sidecar | undefined;

beforeAll(async () => {
  pair = await startPrimaryAndStandby(async (url) => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE app');
    } finally {
      await admin.end();
    }
    const c = new pg.Client({ connectionString: onDatabase(url, 'app') });
    await c.connect();
    try {
      await installSql(c);
      await c.query(`
        CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), at timestamptz);
        INSERT INTO items SELECT g, 'item ' || g, g * 1.5, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour' FROM generate_series(1, 500) g;
        CREATE PUBLICATION memstore FOR TABLE items;
        SELECT memstore.set('before-backup', '{"k": 1}');`);
    } finally {
      await c.end();
    }
  });
  primary = new pg.Client({ connectionString: onDatabase(pair.primaryUrl, 'app') });
  await primary.connect();
  standby = new pg.Client({ connectionString: onDatabase(pair.standbyUrl, 'app') });
  await standby.connect();
}, 90_000);

afterAll(async () => {
  await sidecar?.stop().catch(() => undefined);
  await primary?.end().catch(() => undefined);
  await standby?.end().catch(() => undefined);
  await pair?.stop();
});

/** Waits until the sidecar has applied everything committed on the primary so far. */
async function caughtUpWithPrimary(s: Sidecar): Promise<void> {
  const lsn = (await primary.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
  await s.follower.waiters.wait(parseLsn(lsn), 30_000);
}

describe('a sidecar following a physical standby', () => {
  it('copies from the standby and applies the primary\'s later writes through its replay', async () => {
    expect((await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r).toBe(true);
    const stopHurry = hurryStandbySnapshots(pair!.primaryUrl);
    try {
      sidecar = new SidecarClass({
        source: { url: onDatabase(pair!.standbyUrl, 'app'), applicationName: 'memstore-test' },
        publication: 'memstore',
        slot: 'memstore_on_standby',
        id: 'standby-test',
        log: testLogger({ test: 'standby' }),
        follower: { statusIntervalMs: 100, reconnectInitialMs: 50, reconnectMaxMs: 500, receiveTimeoutMs: 10_000, publicationCheckMs: 200 },
      });
      await sidecar.start();
    } finally {
      await stopHurry();
    }
    // The slot lives on the standby, not on the primary.
    expect((await standby.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'memstore_on_standby'`)).rowCount).toBe(1);
    expect((await primary.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'memstore_on_standby'`)).rowCount).toBe(0);
    expect(storeCopy(sidecar, 'items')).toBe(await primaryCopy(primary, 'items', 'id'));

    await primary.query(`INSERT INTO items SELECT g, 'late ' || g, g, now() FROM generate_series(501, 800) g`);
    await primary.query(`UPDATE items SET price = price * 2 WHERE id % 7 = 0`);
    await primary.query(`DELETE FROM items WHERE id % 11 = 0`);
    await primary.query(`BEGIN; SELECT memstore.set('from-primary', '{"via": "standby"}'); UPDATE items SET name = 'with a key' WHERE id = 1; COMMIT`);
    await caughtUpWithPrimary(sidecar);
    expect(storeCopy(sidecar, 'items')).toBe(await primaryCopy(primary, 'items', 'id'));
    expect(memstoreContents(sidecar)).toEqual({ 'from-primary': '{"via": "standby"}' });
    // A memstore key set before the sidecar's slot existed is not in the stream (no dump to load).
    expect(sidecar.store.tables.size).toBe(1);
    // The standby's slot is told what was applied, so it does not pin the standby's WAL.
    const applied = sidecar.store.appliedLsn;
    const confirmedFlush = async (): Promise<bigint> => {
      const r = await standby.query<{ l: string | null }>(`SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = 'memstore_on_standby'`);
      return r.rows[0]?.l ? parseLsn(r.rows[0].l) : 0n;
    };
    const confirmed = await waitForValue(confirmedFlush, (l) => l >= applied, 10_000, 'the standby slot to confirm what was applied', 50);
    expect(confirmed).toBeGreaterThanOrEqual(applied);
  });

  it('notices a table taken out of the publication, reading the publication back on the standby', async () => {
    await primary.query('ALTER PUBLICATION memstore DROP TABLE items');
    const gone = async (): Promise<boolean> => {
      if (sidecar!.store.tableByName('public', 'items') === undefined) return true;
      // Moves the stream past the check point (the table leaves the store in stream order).
      await primary.query(`SELECT memstore.set('tick', '1')`);
      await caughtUpWithPrimary(sidecar!);
      return false;
    };
    await waitFor(gone, 20_000, 'items to leave the store', 100);
    expect(sidecar!.store.tableByName('public', 'items')).toBeUndefined();
    // pg_current_wal_lsn() fails during recovery: the check must use the replay position there.
    expect(captured.filter((l) => l.includes('reading the publication back failed'))).toEqual([]);
  });
});
