/*
 * DDL while the sidecar follows the primary (PostgreSQL 17): every kind ends with the store equal
 * to the primary's own COPY output AND the stream still applying another table's writes. The
 * first suite has the memstore.ddl event triggers installed and the periodic catalog check off;
 * the second has no triggers and relies on the catalog check alone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';
import { waitFor, waitForValue } from '../support/wait.js';

const BASE = `
  CREATE TABLE beat (id int PRIMARY KEY);
  CREATE TABLE t_other (id int PRIMARY KEY, v text);
  CREATE TABLE t_add (id int PRIMARY KEY, a text);
  INSERT INTO t_add VALUES (1, 'one'), (2, 'two'), (3, 'three');
  CREATE TABLE t_ren (id int PRIMARY KEY, a text, b text);
  INSERT INTO t_ren VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2');
  CREATE TABLE t_type (id int PRIMARY KEY, n numeric, ts timestamp, m int, j text);
  INSERT INTO t_type VALUES (1, 1.5, '2024-01-02 03:04:05', 3, '{"b": 1, "a": [2]}'), (2, 2, '1999-12-31 23:59:59', -4, '[]');
  CREATE TYPE mood AS ENUM ('sad', 'ok');
  CREATE DOMAIN moody AS mood;
  CREATE TABLE t_enum (id int PRIMARY KEY, m mood, ms mood[], d moody);
  INSERT INTO t_enum VALUES (1, 'ok', '{ok,sad}', 'ok'), (2, 'sad', '{}', NULL);
  CREATE TABLE t_full (id int PRIMARY KEY, v text);
  INSERT INTO t_full VALUES (1, 'x'), (2, 'y');
  CREATE TABLE t_move (id int PRIMARY KEY, v text);
  INSERT INTO t_move VALUES (1, 'kept');
  CREATE TABLE t_drop (id int PRIMARY KEY);
  INSERT INTO t_drop VALUES (1);
`;

/** The sidecar and the primary agree on `table`, and a write to `beat` is still applied. */
async function agree(s: Sidecar, c: pg.Client, table: string, orderBy = 'id'): Promise<void> {
  await settled(s, c);
  expect(storeCopy(s, table)).toBe(await primaryCopy(c, table, orderBy));
  const r = await c.query<{ n: number }>('INSERT INTO beat SELECT coalesce(max(id), 0) + 1 FROM beat RETURNING id AS n');
  await caughtUp(s, c);
  expect(storeCopy(s, 'beat')).toContain(`${r.rows[0]!.n}\n`);
}

async function reader(s: Sidecar, db: TestDatabase): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: `postgres://memstore@127.0.0.1:${s.address!.port}/${db.name}` });
  await c.connect();
  return c;
}

async function tempSlots(c: pg.Client): Promise<number> {
  // A slot still waiting for its consistent point is 'ephemeral' (temporary = false): match by name.
  const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE '%\\_sync\\_%'`);
  return r.rows[0]!.n;
}

describe('DDL with the memstore.ddl event triggers', () => {
  let db: TestDatabase;
  let s: Sidecar;
  let c: pg.Client;

  beforeAll(async () => {
    db = await testDatabase('ddl');
    await prepareSource(db, `${BASE}
      CREATE PUBLICATION memstore FOR TABLE beat, t_other, t_add, t_ren, t_type, t_enum, t_full, t_move, t_drop;`);
    c = db.client;
    // The catalog check off: what is seen here is seen through the stream alone.
    s = await startSidecar(db, { follower: { publicationCheckMs: 0 }, sidecar: { listen: { host: '127.0.0.1', port: 0 } } });
  });

  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('installs its three event triggers', async () => {
    const r = await c.query<{ evtname: string }>(`SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'memstore%' ORDER BY 1`);
    expect(r.rows.map((row) => row.evtname)).toEqual(['memstore_ddl_drop', 'memstore_ddl_notify', 'memstore_ddl_rewrite']);
  });

  it('ADD COLUMN … DEFAULT: existing rows read the default, with no write after it', async () => {
    await c.query('ALTER TABLE t_add ADD COLUMN d int DEFAULT 7');
    await agree(s, c, 't_add');
    expect(storeCopy(s, 't_add')).toBe('1\tone\t7\n2\ttwo\t7\n3\tthree\t7\n');
  });

  it('RENAME COLUMN, swapped names, DROP + ADD of a column with the same name', async () => {
    await c.query('ALTER TABLE t_ren RENAME COLUMN b TO bb');
    await c.query(`UPDATE t_ren SET a = 'a1+' WHERE id = 1`);
    await agree(s, c, 't_ren');
    await c.query('BEGIN; ALTER TABLE t_ren RENAME COLUMN a TO tmp; ALTER TABLE t_ren RENAME COLUMN bb TO a; ALTER TABLE t_ren RENAME COLUMN tmp TO bb; COMMIT');
    await c.query(`INSERT INTO t_ren VALUES (3, 'a3', 'b3')`);
    await agree(s, c, 't_ren');
    await c.query('ALTER TABLE t_ren DROP COLUMN a');
    await c.query('ALTER TABLE t_ren ADD COLUMN a text');
    await c.query(`INSERT INTO t_ren VALUES (4, 'b4', 'a4')`);
    await agree(s, c, 't_ren');
    expect(storeCopy(s, 't_ren')).toContain('4\tb4\ta4\n');
  });

  it('ALTER COLUMN TYPE that changes the text: typmod, timestamptz, USING with the same type, jsonb', async () => {
    await c.query('ALTER TABLE t_type ALTER COLUMN n TYPE numeric(10,2)');
    await agree(s, c, 't_type');
    await c.query('ALTER TABLE t_type ALTER COLUMN ts TYPE timestamptz');
    await agree(s, c, 't_type');
    await c.query('ALTER TABLE t_type ALTER COLUMN m TYPE int USING m * 100');
    await agree(s, c, 't_type');
    await c.query('ALTER TABLE t_type ALTER COLUMN j TYPE jsonb USING j::jsonb');
    await agree(s, c, 't_type');
    expect(storeCopy(s, 't_type')).toContain('1\t1.50\t');
    expect(storeCopy(s, 't_type')).toContain('\t300\t{"a": [2], "b": 1}\n');
  });

  it('ALTER TYPE … RENAME VALUE reaches columns of the enum, its array and a domain over it', async () => {
    await c.query(`ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'`);
    await agree(s, c, 't_enum');
    expect(storeCopy(s, 't_enum')).toBe('1\tfine\t{fine,sad}\tfine\n2\tsad\t{}\t\\N\n');
  });

  it('a table written while REPLICA IDENTITY FULL, then set back to DEFAULT', async () => {
    await c.query('ALTER TABLE t_full REPLICA IDENTITY FULL');
    await c.query(`UPDATE t_full SET v = 'changed while full'; INSERT INTO t_full VALUES (3, 'z')`);
    await settled(s, c);
    expect(s.store.tableByName('public', 't_full')!.status).toBe('skipped');
    await c.query('ALTER TABLE t_full REPLICA IDENTITY DEFAULT');
    await agree(s, c, 't_full');
    expect(s.store.tableByName('public', 't_full')!.status).toBe('live');
  });

  it('a table loaded before it has a key, then ALTER TABLE ADD PRIMARY KEY', async () => {
    await c.query(`CREATE TABLE t_late_key (id int, v text);
      INSERT INTO t_late_key SELECT g, 'v' || g FROM generate_series(1, 2000) g;
      ALTER PUBLICATION memstore ADD TABLE t_late_key`);
    await settled(s, c);
    expect(s.store.tableByName('public', 't_late_key')!.status).toBe('skipped');
    await c.query('ALTER TABLE t_late_key ADD PRIMARY KEY (id)');
    await agree(s, c, 't_late_key');
    expect(s.store.tableByName('public', 't_late_key')!.rows.size).toBe(2000);
  });

  it('CREATE TABLE + INSERT, then ALTER right away, then more writes', async () => {
    await c.query(`CREATE TABLE t_quick (id int PRIMARY KEY, v text); ALTER PUBLICATION memstore ADD TABLE t_quick`);
    await c.query(`INSERT INTO t_quick SELECT g, 'v' || g FROM generate_series(1, 500) g`);
    await c.query('ALTER TABLE t_quick ADD COLUMN w int DEFAULT 1');
    await c.query(`INSERT INTO t_quick VALUES (501, 'new', 2); UPDATE t_quick SET v = 'upd' WHERE id % 7 = 0`);
    await agree(s, c, 't_quick');
  });

  it('RENAME TABLE and SET SCHEMA with no write after them, then a write', async () => {
    const before = s.store.tableByName('public', 't_move')!;
    await c.query('ALTER TABLE t_move RENAME TO t_moved');
    await caughtUp(s, c);
    expect(s.store.tableByName('public', 't_move')).toBeUndefined();
    expect(s.store.tableByName('public', 't_moved')).toBe(before); // a pure rename: no copy
    await c.query('CREATE SCHEMA other; ALTER TABLE t_moved SET SCHEMA other');
    await caughtUp(s, c);
    expect(s.store.tableByName('other', 't_moved')?.status).toBe('live');
    await c.query(`INSERT INTO other.t_moved VALUES (2, 'after')`);
    await agree(s, c, 'other.t_moved');
  });

  it('DROP TABLE: gone from the store at its commit; reads get 42P01', async () => {
    await c.query('DROP TABLE t_drop');
    await caughtUp(s, c);
    expect(s.store.tableByName('public', 't_drop')).toBeUndefined();
    const r = await reader(s, db);
    try {
      await expect(r.query('SELECT * FROM t_drop')).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await r.end();
    }
    await agree(s, c, 'beat');
  });

  it('a table added to the publication and never written is copied', async () => {
    await c.query(`CREATE TABLE t_quiet (id int PRIMARY KEY, v text); INSERT INTO t_quiet VALUES (1, 'q')`);
    await c.query('ALTER PUBLICATION memstore ADD TABLE t_quiet');
    await agree(s, c, 't_quiet');
  });

  it('a malformed memstore.ddl message is quarantined; the stream goes on', async () => {
    const before = s.store.counters.quarantined;
    await c.query(`SELECT pg_logical_emit_message(true, 'memstore.ddl', '{"v":1,"tag":"ALTER TABLE","relations":[{"oid":-1}]}')`);
    await caughtUp(s, c);
    expect(s.store.counters.quarantined).toBe(before + 1);
    await agree(s, c, 'beat');
  });

  it('a new table while a transaction is open on the primary: the rest streams, the table waits, one temporary slot', async () => {
    const idle = new pg.Client({ connectionString: db.url });
    await idle.connect();
    const r = await reader(s, db);
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT txid_current()');
      await c.query(`CREATE TABLE t_blocked (id int PRIMARY KEY, v text);
        INSERT INTO t_blocked SELECT g, 'b' || g FROM generate_series(1, 100) g;
        ALTER PUBLICATION memstore ADD TABLE t_blocked`);
      await caughtUp(s, c);
      await waitFor(() => s.follower.tableSync.status().state === 'waiting for a consistent point', 10_000, 'the sync to wait for a consistent point');
      await waitForValue(() => tempSlots(c), (n) => n === 1, 10_000, 'the temporary slot being created');
      // Everything else keeps streaming.
      await c.query(`INSERT INTO t_other VALUES (10, 'while blocked')`);
      await caughtUp(s, c);
      expect(storeCopy(s, 't_other')).toContain('10\twhile blocked\n');
      // Reads of the waiting table fail loudly, naming it and why.
      const err = await r.query('SELECT * FROM t_blocked').then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('55000');
      expect(err?.message).toMatch(/t_blocked.*new in the publication.*waiting for a consistent point/);
      const stats = JSON.parse((await r.query<{ s: string }>('SELECT memstore.stats()::text AS s')).rows[0]!.s) as {
        tables: Record<string, { status: string; sync?: string }>;
        table_sync: { state: string };
      };
      expect(stats.tables['public.t_blocked']).toMatchObject({ status: 'syncing', sync: 'waiting for a consistent point' });
      expect(stats.table_sync.state).toBe('waiting for a consistent point');
      const ready = s.readiness();
      expect(ready.ready).toBe(true);
      expect(ready.body.tables_syncing).toEqual([expect.objectContaining({ table: 'public.t_blocked', phase: 'waiting for a consistent point' })]);
      // A second new table queues for the next round: still one temporary slot.
      await c.query(`CREATE TABLE t_blocked2 (id int PRIMARY KEY); INSERT INTO t_blocked2 VALUES (1); ALTER PUBLICATION memstore ADD TABLE t_blocked2`);
      await caughtUp(s, c);
      expect(s.store.tableByName('public', 't_blocked2')?.status).toBe('syncing');
      expect(await tempSlots(c)).toBe(1);
      await idle.query('COMMIT');
      await agree(s, c, 't_blocked');
      await agree(s, c, 't_blocked2');
      await waitForValue(() => tempSlots(c), (n) => n === 0, 10_000, 'the temporary slot to go');
    } finally {
      await idle.end().catch(() => undefined);
      await r.end();
    }
  });
});

describe('DDL without the event triggers (periodic catalog check)', () => {
  let db: TestDatabase;
  let s: Sidecar;
  let c: pg.Client;

  beforeAll(async () => {
    db = await testDatabase('ddlcheck');
    await prepareSource(db, BASE);
    c = db.client;
    await c.query('DROP EVENT TRIGGER memstore_ddl_notify; DROP EVENT TRIGGER memstore_ddl_drop; DROP EVENT TRIGGER memstore_ddl_rewrite');
    s = await startSidecar(db, { follower: { publicationCheckMs: 100 } });
  });

  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  /** Waits until the table named `table` is held by a TableState other than `old`, then settles. */
  async function replaced(table: string, old: unknown): Promise<void> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
    await waitFor(() => s.store.tableByName(schema!, name!) !== old && s.store.tableByName(schema!, name!) !== undefined, 10_000, `${table} to be copied again`);
    await settled(s, c);
  }

  it('ADD COLUMN … DEFAULT with no write after it', async () => {
    const old = s.store.tableByName('public', 't_add');
    await c.query('ALTER TABLE t_add ADD COLUMN d int DEFAULT 7');
    await replaced('t_add', old);
    await agree(s, c, 't_add');
  });

  it('DROP COLUMN a; ADD COLUMN a text (same name and type: only attnum differs)', async () => {
    const old = s.store.tableByName('public', 't_ren');
    await c.query('ALTER TABLE t_ren DROP COLUMN a; ALTER TABLE t_ren ADD COLUMN a text');
    await replaced('t_ren', old);
    await agree(s, c, 't_ren');
  });

  it('RENAME TABLE with no write; a new table; DROP TABLE', async () => {
    await c.query('ALTER TABLE t_move RENAME TO t_moved');
    await waitFor(() => s.store.tableByName('public', 't_moved') !== undefined, 10_000, 'the rename');
    await agree(s, c, 't_moved');
    await c.query(`CREATE TABLE t_new (id int PRIMARY KEY, v text); INSERT INTO t_new VALUES (1, 'n')`);
    await waitFor(() => s.store.tableByName('public', 't_new') !== undefined, 10_000, 'the new table');
    await agree(s, c, 't_new');
    await c.query('DROP TABLE t_drop');
    await waitFor(() => s.store.tableByName('public', 't_drop') === undefined, 10_000, 'the drop');
    await agree(s, c, 'beat');
  });

  it('ALTER COLUMN TYPE changing the description (numeric → numeric(10,2))', async () => {
    const old = s.store.tableByName('public', 't_type');
    await c.query('ALTER TABLE t_type ALTER COLUMN n TYPE numeric(10,2)');
    await replaced('t_type', old);
    await agree(s, c, 't_type');
  });
});

describe('dumps while a table is being copied', () => {
  let db: TestDatabase;
  let s: Sidecar | undefined;
  let dataDir: string;

  beforeAll(async () => {
    db = await testDatabase('ddldump');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-ddldump-'));
    await prepareSource(db, BASE);
  });

  afterAll(async () => {
    await s?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (): Promise<Sidecar> =>
    startSidecar(db, { slot: 'ddldump', follower: { publicationCheckMs: 0 }, sidecar: { dataDir, snapshotInterval: 3600, keepDumps: 2 } });

  it('leaves the syncing table out of the dump; a restart from that dump copies it', async () => {
    const c = db.client;
    s = await start();
    const idle = new pg.Client({ connectionString: db.url });
    await idle.connect();
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT txid_current()');
      await c.query('ALTER TABLE t_add ADD COLUMN d int DEFAULT 7');
      await caughtUp(s, c);
      await waitFor(() => s!.follower.tableSync.status().state === 'waiting for a consistent point', 10_000, 'the copy to wait');
      await s.save();
      const dumps = readdirSync(path.join(dataDir, 'dumps')).filter((d) => d.startsWith('dump-')).sort();
      const manifest = JSON.parse(readFileSync(path.join(dataDir, 'dumps', dumps.at(-1)!, 'manifest.json'), 'utf8')) as { relations: { relation: { name: string } }[] };
      expect(manifest.relations.map((r) => r.relation.name)).not.toContain('t_add');
      expect(manifest.relations.map((r) => r.relation.name)).toContain('t_ren');
      // Stopping cancels the slot creation that waits: no walsender or slot is left behind.
      await s.stop();
      s = undefined;
      await waitForValue(() => tempSlots(c), (n) => n === 0, 10_000, 'the waiting slot to go');
    } finally {
      await idle.query('COMMIT').catch(() => undefined);
      await idle.end();
    }
    s = await start();
    expect(captured.some((l) => l.includes('"loaded dump"') && l.includes(db.name))).toBe(true);
    await agree(s, c, 't_add');
    await agree(s, c, 't_ren');
  });
});
