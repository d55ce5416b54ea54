/*
 * Dumps against a real PostgreSQL 17: loadable by COPY FROM into a table of the same shape,
 * restart resumes exactly, corrupt dumps are passed over, the slot never gets ahead of what is
 * durable (dump or change log) yet follows it closely, and a lost slot means a fresh copy with memstore keys marked stale.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn } from '../../src/lsn.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { dropSlotWhenInactive, testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, captured, memstoreContents, prepareSource, primaryCopy, storeCopy, testLogger } from '../support/sidecar.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let dataDir: string;

const TRICKY = `
  CREATE TABLE tricky (id int PRIMARY KEY, t text, b bytea, j jsonb, a text[], n numeric, ts timestamptz, f float8, u uuid);
  INSERT INTO tricky VALUES
    (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (2, '', '\\x', '{}', '{}', 0, 'epoch', 0, '00000000-0000-0000-0000-000000000000'),
    (3, E'back\\\\slash\\ttab\\nnewline\\rcr', '\\x00ff5c0a', '{"k": "v\\\\\\"q", "n": [1.50, null]}', '{"a b","c\\\\\\"d",NULL}', -123.4500, '2024-02-29 23:59:59.999999+05:30', 1e-300, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (4, 'ünïcødé ✓ 😀', '\\x5c4e', '"\\\\N"', '{"\\\\N"}', 'NaN', 'infinity', 'NaN', NULL),
    (5, E'\\\\N', '\\xdeadbeef', '[1, "two", {"3": 4}]', '{{1,2},{3,4}}', 1e20, '0044-03-15 12:00:00+00 BC', '-Infinity', NULL);
  CREATE TABLE plain (id int8 PRIMARY KEY, v text);
`;

function sidecarWithDumps(slot: string, interval = 3600): Sidecar {
  return new Sidecar({
    source: { url: db.url },
    publication: 'memstore',
    slot,
    id: 'dump-test',
    log: testLogger({ db: db.name }),
    dataDir,
    snapshotInterval: interval,
    keepDumps: 2,
    follower: { statusIntervalMs: 100, reconnectInitialMs: 50 },
  });
}

async function slotState(slot: string): Promise<{ flush: bigint; retained: bigint }> {
  const r = await db.client.query<{ flush: string; retained: string }>(
    `SELECT confirmed_flush_lsn::text AS flush, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return { flush: parseLsn(r.rows[0]!.flush), retained: BigInt(r.rows[0]!.retained) };
}

beforeAll(async () => {
  db = await testDatabase('dump');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-dump-'));
  await prepareSource(db, TRICKY);
});

afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dumps', () => {
  it('writes COPY files that PostgreSQL 17 loads back into exactly the source rows', async () => {
    const s = sidecarWithDumps('dump_a');
    await s.start();
    try {
      await db.client.query(`SELECT memstore.set('k1', '{"x": 1}'), memstore.set('\\x00ff'::bytea, '[true]')`);
      await caughtUp(s, db.client);
      const lsn = await s.save();
      // The newest: a checkpoint dump of the initial copy was written at start.
      const dir = path.join(dataDir, 'dumps', readdirSync(path.join(dataDir, 'dumps')).filter((n) => n.startsWith('dump-')).sort().pop()!);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { lsn: string; relations: { file: string; rows: number; relation: { name: string } }[]; memstore: { rows: number } };
      expect(parseLsn(manifest.lsn)).toBe(lsn);
      const tricky = manifest.relations.find((r) => r.relation.name === 'tricky')!;
      expect(tricky.rows).toBe(5);
      expect(manifest.memstore.rows).toBe(2);
      // Load the file into a fresh table of the same shape with PostgreSQL's own COPY FROM.
      // Temporary tables are not published: loading them does not feed the sidecar.
      await db.client.query('CREATE TEMP TABLE tricky_copy (LIKE tricky INCLUDING ALL)');
      await pipeline(createReadStream(path.join(dir, tricky.file)), db.client.query(copyFrom('COPY tricky_copy FROM STDIN')));
      const diff = await db.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((TABLE tricky EXCEPT ALL TABLE tricky_copy) UNION ALL (TABLE tricky_copy EXCEPT ALL TABLE tricky)) d`);
      expect(diff.rows[0]!.n).toBe(0);
      expect(readFileSync(path.join(dir, tricky.file), 'utf8')).toBe(await primaryCopy(db.client, 'tricky', 'id'));
      await db.client.query('CREATE TEMP TABLE kv_copy (key bytea PRIMARY KEY, value jsonb, expires_at timestamptz)');
      await pipeline(createReadStream(path.join(dir, 'memstore.copy')), db.client.query(copyFrom('COPY kv_copy FROM STDIN')));
      const kv = await db.client.query<{ key: string; value: string }>(`SELECT encode(key, 'hex') AS key, value::text FROM kv_copy ORDER BY key`);
      expect(kv.rows).toEqual([
        { key: '00ff', value: '[true]' },
        { key: '6b31', value: '{"x": 1}' },
      ]);
      await db.client.query('DROP TABLE tricky_copy, kv_copy');
    } finally {
      await s.stop();
    }
  });

  it('resumes from its dump after a restart: changes made while it was down arrive exactly once', async () => {
    const slot = 'dump_a';
    await db.client.query(`INSERT INTO plain SELECT g, 'v' || g FROM generate_series(1, 1000) g`);
    await db.client.query(`UPDATE tricky SET t = 'changed while down' WHERE id = 2`);
    await db.client.query(`SELECT memstore.set('k2', '2'), memstore.delete('k1')`);
    const s = sidecarWithDumps(slot);
    await s.start();
    try {
      expect(captured.some((l) => l.includes('"loaded dump"') && l.includes(db.name))).toBe(true);
      await caughtUp(s, db.client);
      expect(storeCopy(s, 'tricky')).toBe(await primaryCopy(db.client, 'tricky', 'id'));
      expect(storeCopy(s, 'plain')).toBe(await primaryCopy(db.client, 'plain', 'id'));
      expect([...s.store.memstore.entries()].map(([k]) => Buffer.from(k).toString('hex'))).toEqual(['00ff', '6b32']);
      expect(s.store.counters.transactions).toBe(3); // the three transactions since the dump, once each
    } finally {
      await s.stop(); // writes a final dump
    }
  });

  it('never lets the slot pass what is durable, follows the change log within moments, and frees WAL', async () => {
    const slot = 'dump_a';
    const s = sidecarWithDumps(slot);
    await s.start();
    try {
      const before = await slotState(slot);
      expect(before.flush).toBeLessThanOrEqual(s.store.durableLsn);
      await db.client.query('CHECKPOINT');
      const retainedBefore = (await slotState(slot)).retained;
      await db.client.query(`INSERT INTO plain SELECT g, repeat('w', 200) FROM generate_series(2000, 12000) g`);
      await caughtUp(s, db.client);
      // No dump since start (interval 1 h): the change log alone makes the transaction durable.
      const applied = s.store.appliedLsn;
      await waitFor(async () => (await slotState(slot)).flush >= applied, 10_000, 'the slot to follow the change log');
      const held = await slotState(slot);
      expect(held.flush).toBeGreaterThanOrEqual(applied);
      expect(held.flush).toBeLessThanOrEqual(s.store.durableLsn);
      expect(s.store.durableLsn).toBeLessThanOrEqual(s.store.appliedLsn);
      // The WAL of the insert is not held for a dump: after checkpoints the slot retains less.
      const released = async (): Promise<boolean> => {
        if ((await slotState(slot)).retained < retainedBefore + 1_000_000n) return true;
        await db.client.query('CHECKPOINT');
        await db.client.query(`SELECT memstore.set('tick', '1')`);
        return false;
      };
      await waitFor(released, 10_000, 'the slot to release WAL', 50);
      expect((await slotState(slot)).retained).toBeLessThan(retainedBefore + 1_000_000n);
    } finally {
      await s.stop();
    }
  });

  it('passes over a corrupt newest dump and ignores a half-written one', async () => {
    const dumps = path.join(dataDir, 'dumps');
    const names = readdirSync(dumps).filter((n) => n.startsWith('dump-')).sort();
    expect(names.length).toBe(2);
    const newest = path.join(dumps, names[1]!);
    appendFileSync(path.join(newest, 'public.plain.copy'), '999999\tjunk\n');
    // The older dump's image of the same table is damaged too: it must fall back to its COPY file.
    const older = path.join(dumps, names[0]!);
    const art = readFileSync(path.join(older, 'public.plain.art'));
    art[art.length - 1]! ^= 0xff;
    writeFileSync(path.join(older, 'public.plain.art'), art);
    mkdirSync(path.join(dumps, 'tmp-dump-half'));
    writeFileSync(path.join(dumps, 'tmp-dump-half', 'manifest.json'), '{');
    const s = sidecarWithDumps('dump_a');
    await s.start();
    try {
      const log = captured.filter((l) => l.includes(db.name)).join('\n');
      expect(log).toMatch(/dump is unusable; trying an older one/);
      expect(log).toMatch(/public\.plain\.copy (has \d+ bytes|does not match)/);
      expect(log).toMatch(/tree image unusable; loading the COPY file.*public\.plain\.art does not match its sha256/);
      expect(readdirSync(dumps).some((n) => n.startsWith('tmp-'))).toBe(false);
      await caughtUp(s, db.client);
      expect(storeCopy(s, 'plain')).toBe(await primaryCopy(db.client, 'plain', 'id'));
    } finally {
      await s.stop();
    }
  });

  it('copies afresh from a new slot when its slot was dropped, keeping memstore keys marked stale', async () => {
    await dropSlotWhenInactive(db.client, 'dump_a');
    await db.client.query(`DELETE FROM plain WHERE id > 500`);
    const s = sidecarWithDumps('dump_a');
    await s.start();
    try {
      await caughtUp(s, db.client);
      expect(storeCopy(s, 'plain')).toBe(await primaryCopy(db.client, 'plain', 'id'));
      const log = captured.filter((l) => l.includes(db.name)).slice(-12).join('\n');
      expect(s.store.memstoreStale, log).toMatch(/does not exist/);
      expect(memstoreContents(s).k2).toBe('2');
      expect(captured.some((l) => l.includes(db.name) && l.includes('copying the tables afresh'))).toBe(true);
    } finally {
      await s.stop();
    }
  });
});
