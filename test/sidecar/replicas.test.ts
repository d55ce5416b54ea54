/*
 * Read replicas on one PostgreSQL 17: sidecar A copies from the primary, B bootstraps from A's
 * pgwire endpoint, C from B's, all while a write workload runs; each must converge to the
 * primary's tables byte for byte and to the memstore keys really committed (which B and C can
 * only have got from their peer: the primary keeps none; the key ops start once A's slot exists).
 * Also: memstore.snapshot() pins COPY at one LSN, a peer that is behind is waited for (and a
 * timeout fails clearly), bad peers fail start-up with a clear error and leave no slot behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { to as copyTo } from 'pg-copy-streams';
import type { ReplicationStream } from '../../src/replication/stream.js';
import { BootstrapError } from '../../src/sidecar/bootstrap.js';
import { expiryOf, jsonOf, NO_EXPIRY } from '../../src/store/memstore.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, memstoreContents, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { startWorkload, WORKLOAD_SCHEMA } from '../support/workload.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
const running: Sidecar[] = [];
const LISTEN = { host: '127.0.0.1', port: 0 };

function peerUrl(s: Sidecar): string {
  return `postgres://memstore@127.0.0.1:${s.address!.port}/${db.name}`;
}

async function replica(name: string, extra: { bootstrapFrom?: string; bootstrapWaitMs?: number } = {}): Promise<Sidecar> {
  const s = await startSidecar(db, {
    slot: `${db.name}_${name}`,
    sidecar: { id: `${db.name}-${name}`, listen: LISTEN, ...(extra.bootstrapFrom !== undefined ? { bootstrapFrom: extra.bootstrapFrom } : {}) },
    ...(extra.bootstrapWaitMs !== undefined ? { follower: { bootstrapWaitMs: extra.bootstrapWaitMs } } : {}),
  });
  running.push(s);
  return s;
}

async function sidecarClient(s: Sidecar): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: peerUrl(s) });
  await c.connect();
  return c;
}

async function copyText(c: pg.Client, sql: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of c.query(copyTo(sql))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function slotExists(name: string): Promise<boolean> {
  const r = await db.client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [name]);
  return r.rowCount === 1;
}

/** The store's memstore keys without expiry as parsed JSON, to compare with what the workload committed. */
function parsedKeys(s: Sidecar): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of s.store.memstore.entries()) {
    if (expiryOf(v) === NO_EXPIRY) out[Buffer.from(k).toString('utf8')] = JSON.parse(Buffer.from(jsonOf(v)).toString('utf8')) as unknown;
  }
  return out;
}

function expiryOfKey(s: Sidecar, key: string): number {
  const v = s.store.memstore.get(Buffer.from(key));
  return v === undefined ? -1 : expiryOf(v);
}

beforeAll(async () => {
  db = await testDatabase('replicas');
  await prepareSource(db, WORKLOAD_SCHEMA);
});

afterAll(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
  await db?.drop();
});

describe('replicas bootstrapped from peers', () => {
  it('A from the primary, B from A, C from B, under a write workload: all converge byte for byte', async () => {
    // memstore keys live only in WAL: one committed before A's slot exists is in no stream A
    // reads, so the key ops start once A is up (before, key-6 — set once by the seeded workload
    // in its 10th transaction, deleted in its 370th — went missing on all three sidecars whenever
    // A's slot came after that transaction and the run ended before the delete: under load).
    // The table writes run from the start: A copies the tables while they change.
    const workload = await startWorkload(db.url, { memstore: false });
    let a: Sidecar, b: Sidecar, c: Sidecar;
    try {
      await waitFor(() => workload.stats.transactions >= 20, 30_000, 'the workload to commit 20 transactions', 10);
      a = await replica('a');
      workload.startMemstore();
      // A key with an expiry: its expiry must travel with it (COPY memstore.kv in the pin).
      await db.client.query(`SELECT memstore.set('ttl-key', '{"t": 1}', interval '1 hour')`);
      // Let keys accumulate that only a peer can hand on.
      const until = Date.now() + 1500;
      while (Date.now() < until && workload.stats.transactions < 200) await new Promise((r) => setTimeout(r, 50));
      b = await replica('b', { bootstrapFrom: peerUrl(a) });
      c = await replica('c', { bootstrapFrom: peerUrl(b) });
      const target = workload.stats.transactions + 100;
      // Best effort: the count is asserted below only as more than 200.
      await waitFor(() => workload.stats.transactions >= target, 10_000, 'more transactions', 50).catch(() => undefined);
    } finally {
      await workload.stop();
    }
    expect(workload.stats.transactions).toBeGreaterThan(200);
    expect(workload.keys.size).toBeGreaterThan(10);
    const expectedKeys = Object.fromEntries([...workload.keys].map(([k, v]) => [k, JSON.parse(v) as unknown]));
    const acct = await primaryCopy(db.client, 'acct', 'id');
    const doc = await primaryCopy(db.client, 'doc', 'k COLLATE "C"');
    for (const s of [a, b, c]) {
      await caughtUp(s, db.client);
      expect(storeCopy(s, 'acct')).toBe(acct);
      expect(storeCopy(s, 'doc')).toBe(doc);
      expect(parsedKeys(s)).toEqual(expectedKeys);
      expect(s.store.memstoreStale).toBe('');
    }
    expect(memstoreContents(b)).toEqual(memstoreContents(a));
    expect(memstoreContents(c)).toEqual(memstoreContents(a));
    expect(expiryOfKey(a, 'ttl-key')).toBeGreaterThan(Date.now() * 1000);
    expect(expiryOfKey(c, 'ttl-key')).toBe(expiryOfKey(a, 'ttl-key'));
    // B and C streamed from their own slots after loading: they applied transactions themselves.
    expect(b.store.counters.transactions).toBeGreaterThan(0);
    expect(c.store.counters.transactions).toBeGreaterThan(0);
  });

  it('memstore.snapshot() pins COPY at one LSN for the rest of the block', async () => {
    const a = running[0]!;
    const client = await sidecarClient(a);
    try {
      await expect(client.query('SELECT memstore.snapshot()')).rejects.toMatchObject({ code: '25P01' });
      await client.query('BEGIN');
      const snap = (await client.query<{ s: { lsn: string; tables: { name: string; rows: number }[] } }>('SELECT memstore.snapshot() AS s')).rows[0]!.s;
      const before = await copyText(client, 'COPY acct TO STDOUT');
      const keysBefore = await copyText(client, 'COPY memstore TO STDOUT');
      await db.client.query("INSERT INTO acct VALUES (100001, 1, 'after the pin')");
      await db.client.query("SELECT memstore.set('after-the-pin', '1')");
      await caughtUp(a, db.client);
      expect(await copyText(client, 'COPY acct TO STDOUT')).toBe(before);
      expect(await copyText(client, 'COPY memstore TO STDOUT')).toBe(keysBefore);
      expect(before.split('\n').length - 1).toBe(snap.tables.find((t) => t.name === 'acct')!.rows);
      // A second call in the block describes the same pin.
      expect((await client.query<{ s: { lsn: string } }>('SELECT memstore.snapshot() AS s')).rows[0]!.s.lsn).toBe(snap.lsn);
      expect(await copyText(client, 'COPY memstore.kv TO STDOUT')).toMatch(/\\\\x74746c2d6b6579\t\{"t": 1\}\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00\n/);
      await expect(client.query('COPY (SELECT * FROM acct) TO STDOUT')).rejects.toMatchObject({ code: '0A000' });
      await client.query('ROLLBACK');
      expect(await copyText(client, 'COPY acct TO STDOUT')).toContain('100001\t1\tafter the pin');
      expect(await copyText(client, 'COPY memstore TO STDOUT')).toContain(Buffer.from('after-the-pin').toString('hex'));
    } finally {
      await client.end();
    }
  });

  it('waits for a peer that is behind the new slot, then converges', async () => {
    const a = running[0]!;
    // Hold A's stream (a test-only reach into the follower): A stops applying, the source moves on.
    const stream = (a.follower as unknown as { stream: ReplicationStream }).stream;
    stream.pause();
    let resumedAt = 0;
    const release = setTimeout(() => {
      resumedAt = Date.now();
      stream.resume();
    }, 1500);
    try {
      await db.client.query("INSERT INTO acct VALUES (100002, 2, 'while A is held')");
      // Keys a peer marks possibly stale stay marked on the replica made from it.
      a.store.memstoreStale = 'test: the slot was lost';
      const d = await replica('d', { bootstrapFrom: peerUrl(a) });
      a.store.memstoreStale = '';
      expect(resumedAt).toBeGreaterThan(0);
      expect(d.store.memstoreStale).toMatch(/^copied from peer .*possibly stale: test: the slot was lost$/);
      await caughtUp(d, db.client);
      expect(storeCopy(d, 'acct')).toBe(await primaryCopy(db.client, 'acct', 'id'));
      expect(memstoreContents(d)).toEqual(memstoreContents(a));
      await d.stop();
    } finally {
      clearTimeout(release);
      stream.resume();
    }
  });

  it('fails clearly when the peer does not catch up in time, and drops the slot it made', async () => {
    const a = running[0]!;
    const stream = (a.follower as unknown as { stream: ReplicationStream }).stream;
    stream.pause();
    try {
      await db.client.query("INSERT INTO acct VALUES (100003, 3, 'A never sees this in time')");
      const err = await replica('e', { bootstrapFrom: peerUrl(a), bootstrapWaitMs: 700 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BootstrapError);
      expect((err as Error).message).toMatch(/has not applied the source's WAL up to this sidecar's slot consistent point .* within 700 ms/);
      expect(await slotExists(`${db.name}_e`)).toBe(false);
    } finally {
      stream.resume();
    }
  });

  it('a bad peer URL, or a peer that is not a sidecar, fails start-up with a clear error', async () => {
    const refused = await replica('f', { bootstrapFrom: 'postgres://memstore@127.0.0.1:1/x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(BootstrapError);
    expect((refused as Error).message).toMatch(/cannot connect to the peer sidecar postgres:\/\/memstore@127\.0\.0\.1:1\/x/);
    expect(await slotExists(`${db.name}_f`)).toBe(false);
    // The primary itself has no memstore.wait_lsn(): not a peer.
    const notSidecar = await replica('g', { bootstrapFrom: db.url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(notSidecar).toBeInstanceOf(BootstrapError);
    expect((notSidecar as Error).message).toMatch(/cannot serve a bootstrap \(is it a memstore sidecar\?\)/);
    expect((notSidecar as Error).message).not.toContain(':postgres@'); // password redacted
  });
});
