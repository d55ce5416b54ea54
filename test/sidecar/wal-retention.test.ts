/*
 * What the primary keeps for the sidecar, on a PostgreSQL 17 of this test's own (it is stopped at
 * the end, and its max_slot_wal_keep_size is 64MB):
 *   - under a sustained write load the sidecar keeps up with, the WAL the slot holds
 *     (current − confirmed_flush) stays small, and the slot is never invalidated, although far
 *     more than 64MB of WAL goes by (before the change log it held a whole dump interval);
 *   - a slot PostgreSQL invalidated while the sidecar was down (its WAL is gone) means a fresh copy,
 *     memstore keys kept but marked stale, and a loud log line;
 *   - a fast shutdown of the primary (what `pg_ctl stop -m fast` sends) with a sidecar attached
 *     and the default 60 s dump interval finishes within seconds (the walsender waits for the
 *     client's flush confirmation, which now follows the stream).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../../src/pg/embedded.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { installSql } from '../../src/sidecar/embedded-source.js';
import { caughtUp, captured, memstoreContents, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import type { TestDatabase } from '../support/pg.js';
import { waitFor } from '../support/wait.js';

let root: string;
let server: EmbeddedServer | undefined;
let client: pg.Client;
let db: TestDatabase;
const SLOT = 'walret';

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'memstore-walret-'));
  chmodSync(root, 0o755);
  server = await startEmbedded({ dataDir: path.join(root, 'pg'), settings: { max_slot_wal_keep_size: '64MB', fsync: 'off', max_wal_size: '64MB', min_wal_size: '32MB' } });
  client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await installSql(client);
  await client.query(`CREATE TABLE t (id int PRIMARY KEY, v text); CREATE PUBLICATION memstore FOR ALL TABLES`);
  db = { name: 'walret', url: server.url, client, drop: () => Promise.resolve() };
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

function sidecar(): Promise<Sidecar> {
  return startSidecar(db, { slot: SLOT, sidecar: { dataDir: path.join(root, 'sidecar'), snapshotInterval: 60, slotCheck: false } });
}

async function slotRow(): Promise<{ held: number; walStatus: string | null; invalidation: string | null }> {
  const r = await client.query<{ held: string | null; wal_status: string | null; invalidation_reason: string | null }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS held, wal_status, invalidation_reason FROM pg_replication_slots WHERE slot_name = $1`,
    [SLOT],
  );
  const row = r.rows[0]!;
  return { held: Number(row.held ?? 0), walStatus: row.wal_status, invalidation: row.invalidation_reason };
}

describe('WAL the primary keeps for the sidecar', () => {
  it('stays a few MB under a sustained load, and a 64MB max_slot_wal_keep_size never invalidates the slot', async () => {
    const s = await sidecar();
    try {
      const start = (await client.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
      const samples: number[] = [];
      let stop = false;
      const sampler = (async () => {
        const c = new pg.Client({ connectionString: server!.url });
        await c.connect();
        try {
          while (!stop) {
            const r = await c.query<{ held: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS held FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
            samples.push(Number(r.rows[0]!.held));
            await c.query('CHECKPOINT'); // would remove WAL past max_slot_wal_keep_size, invalidating a slot that held it
          }
        } finally {
          await c.end();
        }
      })();
      // ~150 MB of WAL in transactions of 200 rows, paced only by the server.
      let id = 0;
      let bytes = 0;
      while (bytes < 150e6) {
        const r = await client.query<{ l: string }>(
          `INSERT INTO t SELECT g, repeat(md5(g::text), 16) FROM generate_series(${id}, ${id + 199}) g ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v RETURNING pg_current_wal_lsn()::text AS l`,
        );
        id = (id + 200) % 50_000;
        if (id % 2000 === 0) await client.query(`SELECT memstore.set('n', '${id}')`);
        bytes = Number((await client.query<{ d: string }>(`SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d`, [r.rows.at(-1)!.l, start])).rows[0]!.d);
      }
      stop = true;
      await sampler;
      await caughtUp(s, client, 60_000);
      const sorted = [...samples].sort((a, b) => a - b);
      const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(`WAL held by the slot over ${(bytes / 1e6).toFixed(0)} MB of writes: median ${(median / 1e6).toFixed(2)} MB, p99 ${(p99 / 1e6).toFixed(2)} MB, max ${(sorted.at(-1)! / 1e6).toFixed(2)} MB (${samples.length} samples)`);
      const slot = await slotRow();
      expect(slot.invalidation).toBeNull();
      expect(slot.walStatus).not.toBe('lost');
      expect(median).toBeLessThan(4e6);
      expect(p99).toBeLessThan(16e6);
      expect(storeCopy(s, 't')).toBe(await primaryCopy(client, 't', 'id'));
    } finally {
      await s.stop();
    }
  }, 300_000);

  it('copies afresh, keys kept but marked stale, when PostgreSQL invalidated the slot while it was down', async () => {
    const before = memstoreContents(await (async () => {
      const s = await sidecar();
      await client.query(`SELECT memstore.set('kept', '1')`);
      await caughtUp(s, client);
      await s.stop();
      return s;
    })());
    expect(before.kept).toBe('1');
    await client.query(`SELECT memstore.set('while-down', '2')`);
    // More than max_slot_wal_keep_size of WAL while nobody reads the slot, then checkpoints.
    await waitFor(
      async () => {
        await client.query(`INSERT INTO t SELECT g, repeat(md5(g::text), 16) FROM generate_series(1, 20000) g ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v`);
        await client.query('SELECT pg_switch_wal()');
        await client.query('CHECKPOINT');
        return (await slotRow()).invalidation !== null;
      },
      120_000,
      'PostgreSQL to invalidate the slot',
    );
    const s = await sidecar();
    try {
      await caughtUp(s, client);
      expect(storeCopy(s, 't')).toBe(await primaryCopy(client, 't', 'id'));
      expect(s.store.memstoreStale).toMatch(/invalidated/);
      expect(memstoreContents(s).kept).toBe('1');
      expect(captured.some((l) => l.includes('copying the tables afresh') && l.includes('invalidated'))).toBe(true);
      expect(captured.some((l) => l.includes('keeping the existing slot') && l.includes(SLOT))).toBe(false);
    } finally {
      await s.stop();
    }
  }, 300_000);

  it('lets a fast shutdown of the primary finish within seconds with a sidecar attached', async () => {
    const s = await sidecar();
    try {
      await client.query(`INSERT INTO t VALUES (-1, 'last') ON CONFLICT (id) DO NOTHING; SELECT memstore.set('last', '1')`);
      await caughtUp(s, client);
      await client.end();
      const pid = Number(readFileSync(path.join(root, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const t0 = performance.now();
      process.kill(pid, 'SIGINT'); // what pg_ctl stop -m fast sends
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        60_000,
        'the primary to shut down',
      );
      const seconds = (performance.now() - t0) / 1000;
      console.log(`fast shutdown of the primary with a sidecar attached: ${seconds.toFixed(2)} s`);
      expect(seconds).toBeLessThan(5);
    } finally {
      await s.stop();
      server = undefined; // already down
    }
  }, 120_000);
});
