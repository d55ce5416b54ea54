/*
 * Every change kind arrives in the store exactly as PostgreSQL 17 holds it: compared with the
 * primary's own COPY output, ordered by key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, memstoreContents, prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';

let db: TestDatabase;
let sidecar: Sidecar;

const SETUP = `
  CREATE TABLE items (id int8 PRIMARY KEY, name text, price numeric(10,2), tags text[], meta jsonb, seen timestamptz, blob bytea);
  CREATE TABLE big (id int PRIMARY KEY, note text, body text);
  ALTER TABLE big ALTER COLUMN body SET STORAGE EXTERNAL;
  CREATE TABLE parent (id int PRIMARY KEY);
  CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id));
  CREATE TABLE other (k text PRIMARY KEY, v int);
  CREATE TABLE composite (b int, a text, v text, PRIMARY KEY (b, a));
  CREATE TABLE nokey (x int, y text);
  CREATE TABLE shape (id int PRIMARY KEY, a text, b text);
  CREATE TABLE toporder (id int PRIMARY KEY, v int);
  INSERT INTO items VALUES (1, 'pre-existing', 9.99, '{a,b}', '{"x": 1}', '2024-01-02 03:04:05.123456+02', '\\x00ff');
`;

beforeAll(async () => {
  db = await testDatabase('changes');
  await prepareSource(db, SETUP);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await db?.drop();
});

describe('replication core against PostgreSQL 17', () => {
  it('starts with the rows that existed before its slot, copied under the slot snapshot', async () => {
    expect(storeCopy(sidecar, 'items')).toBe(await primaryCopy(db.client, 'items', 'id'));
    expect(storeCopy(sidecar, 'items')).toMatch(/^1\tpre-existing\t9.99\t/);
  });

  it('copies existing rows and applies INSERT, UPDATE, DELETE with tricky values', async () => {
    const c = db.client;
    await c.query(`INSERT INTO items VALUES
      (2, E'tab\\there\\nnewline \\\\ backslash', -0.5, '{"with space","q\\"uote"}', '{"nested": {"a": [1, 2.50, null]}}', 'infinity', '\\xdeadbeef'),
      (3, '', 0, '{}', 'null', '1999-12-31 23:59:59+00', ''),
      (4, NULL, NULL, NULL, NULL, NULL, NULL),
      (-9223372036854775808, 'min', 1, NULL, '"ünïcødé ✓"', '0001-01-01 00:00:00+00 BC', '\\x5c')`);
    await c.query(`UPDATE items SET name = 'updated', price = price + 1 WHERE id = 1`);
    await c.query(`DELETE FROM items WHERE id = 3`);
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'items')).toBe(await primaryCopy(c, 'items', 'id'));
    expect(sidecar.store.tableByName('public', 'items')!.rows.size).toBe(4);
  });

  it('moves a row whose primary key changed', async () => {
    const c = db.client;
    await c.query(`INSERT INTO other VALUES ('a', 1), ('b', 2)`);
    await c.query(`UPDATE other SET k = 'z' WHERE k = 'a'`);
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'other')).toBe(await primaryCopy(c, 'other', 'k COLLATE "C"'));
    expect(storeCopy(sidecar, 'other')).toBe('b\t2\nz\t1\n');
  });

  it('keeps an unchanged TOAST value on UPDATE', async () => {
    const c = db.client;
    // Random text does not compress, so with STORAGE EXTERNAL it is stored out of line and an
    // UPDATE of another column sends it as 'u' (unchanged).
    await c.query(`INSERT INTO big SELECT 1, 'first', string_agg(md5(random()::text), '') FROM generate_series(1, 400)`);
    await caughtUp(sidecar, c);
    await c.query(`UPDATE big SET note = 'second' WHERE id = 1`);
    await c.query(`UPDATE big SET id = 2 WHERE id = 1`); // key change with an unchanged TOAST value
    await caughtUp(sidecar, c);
    const copy = storeCopy(sidecar, 'big');
    expect(copy).toBe(await primaryCopy(c, 'big', 'id'));
    expect(copy.startsWith('2\tsecond\t')).toBe(true);
    expect(copy.length).toBeGreaterThan(12_000);
  });

  it('applies TRUNCATE of several tables and TRUNCATE … CASCADE', async () => {
    const c = db.client;
    await c.query(`INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1), (20, 2); INSERT INTO toporder VALUES (1, 1)`);
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 'child')!.rows.size).toBe(2);
    await c.query('TRUNCATE parent CASCADE');
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 'parent')!.rows.size).toBe(0);
    expect(sidecar.store.tableByName('public', 'child')!.rows.size).toBe(0);
    await c.query(`INSERT INTO parent VALUES (3); INSERT INTO toporder VALUES (2, 2)`);
    await c.query('TRUNCATE parent, toporder CASCADE');
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 'parent')!.rows.size).toBe(0);
    expect(sidecar.store.tableByName('public', 'toporder')!.rows.size).toBe(0);
  });

  it('orders a composite key by the key order, not the column order', async () => {
    const c = db.client;
    await c.query(`INSERT INTO composite VALUES (2, 'a', 'x'), (1, 'b', 'y'), (1, 'a', 'z'), (-1, 'zz', 'w'), (1, 'ab', 'v')`);
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'composite')).toBe(await primaryCopy(c, 'composite', 'b, a COLLATE "C"'));
  });

  it('follows ALTER TABLE ADD/DROP COLUMN mid-stream', async () => {
    const c = db.client;
    await c.query(`INSERT INTO shape VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2')`);
    await caughtUp(sidecar, c);
    await c.query('ALTER TABLE shape DROP COLUMN a');
    await c.query('ALTER TABLE shape ADD COLUMN c int');
    await c.query(`INSERT INTO shape VALUES (3, 'b3', 33)`);
    await c.query(`UPDATE shape SET c = 11 WHERE id = 1`);
    // Each ALTER makes the table copied again beside the stream; wait for the copy to be swapped in.
    await settled(sidecar, c);
    expect(storeCopy(sidecar, 'shape')).toBe(await primaryCopy(c, 'shape', 'id'));
    expect(storeCopy(sidecar, 'shape')).toBe('1\tb1\t11\n2\tb2\t\\N\n3\tb3\t33\n');
    const t = sidecar.store.tableByName('public', 'shape')!;
    expect(t.relation.columns.map((col) => col.name)).toEqual(['id', 'b', 'c']);
  });

  it('applies memstore set/delete/clear ops with text and bytea keys', async () => {
    const c = db.client;
    await c.query(`SELECT memstore.set('k1', '{"a": 1.50, "b": [true, null]}')`);
    await c.query(`SELECT memstore.set('\\x6b32'::bytea, '"bytes"')`);
    await c.query(`SELECT memstore.set('k3', '3'); SELECT memstore.delete('k3')`);
    await caughtUp(sidecar, c);
    expect(memstoreContents(sidecar)).toEqual({ k1: '{"a": 1.50, "b": [true, null]}', k2: '"bytes"' });
    await c.query(`SELECT memstore.clear(); SELECT memstore.set('after', '1')`);
    await caughtUp(sidecar, c);
    expect(memstoreContents(sidecar)).toEqual({ after: '1' });
  });

  it('never applies a rolled-back transaction, a rolled-back savepoint, or a rolled-back memstore op', async () => {
    const c = db.client;
    await c.query('BEGIN');
    await c.query(`INSERT INTO other VALUES ('rolled-back', 1)`);
    await c.query(`SELECT memstore.set('rolled-back', '1')`);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`INSERT INTO other VALUES ('kept', 1)`);
    await c.query('SAVEPOINT s');
    await c.query(`INSERT INTO other VALUES ('savepoint', 1)`);
    await c.query(`SELECT memstore.set('savepoint', '1')`);
    await c.query('ROLLBACK TO SAVEPOINT s');
    await c.query(`SELECT memstore.set('kept', '2')`);
    await c.query('COMMIT');
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'other')).toBe(await primaryCopy(c, 'other', 'k COLLATE "C"'));
    expect(storeCopy(sidecar, 'other')).toContain('kept\t1');
    expect(storeCopy(sidecar, 'other')).not.toContain('savepoint');
    const keys = memstoreContents(sidecar);
    expect(keys.kept).toBe('2');
    expect(keys['rolled-back']).toBeUndefined();
    expect(keys.savepoint).toBeUndefined();
  });

  it('applies interleaved transactions in commit order, each whole', async () => {
    const a = new pg.Client({ connectionString: db.url });
    const b = new pg.Client({ connectionString: db.url });
    await a.connect();
    await b.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query(`INSERT INTO toporder VALUES (100, 1)`);
      await b.query(`INSERT INTO toporder VALUES (200, 1)`);
      await a.query(`INSERT INTO toporder VALUES (101, 1)`);
      await b.query(`INSERT INTO toporder VALUES (201, 1)`);
      await b.query('COMMIT');
      await caughtUp(sidecar, db.client);
      const t = sidecar.store.tableByName('public', 'toporder')!;
      // B is in, A (still open) is not, not even partly.
      expect(storeCopy(sidecar, 'toporder')).toBe('200\t1\n201\t1\n');
      await a.query('COMMIT');
      await caughtUp(sidecar, db.client);
      expect(t.rows.size).toBe(4);
      expect(storeCopy(sidecar, 'toporder')).toBe(await primaryCopy(db.client, 'toporder', 'id'));
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('shows a 100k-row transaction all at once', async () => {
    const c = db.client;
    await c.query('TRUNCATE toporder');
    await caughtUp(sidecar, c);
    const t = sidecar.store.tableByName('public', 'toporder')!;
    const sizes = new Set<number>();
    let sampling = true;
    const sample = (): void => {
      sizes.add(t.rows.size);
      if (sampling) setImmediate(sample);
    };
    sample();
    await c.query('INSERT INTO toporder SELECT g, g FROM generate_series(1, 100000) g');
    await caughtUp(sidecar, c, 60_000);
    sampling = false;
    sizes.add(t.rows.size);
    // Every observation is before or after the transaction, never inside it.
    expect([...sizes].sort((x, y) => x - y)).toEqual([0, 100_000]);
    expect(storeCopy(sidecar, 'toporder')).toBe(await primaryCopy(c, 'toporder', 'id'));
  });

  it('reports a table without a primary key and does not apply it', async () => {
    const c = db.client;
    // FOR ALL TABLES publishes it; without a replica identity PostgreSQL refuses UPDATE/DELETE, not INSERT.
    await c.query(`INSERT INTO nokey VALUES (1, 'x')`);
    await caughtUp(sidecar, c);
    const t = sidecar.store.tableByName('public', 'nokey')!;
    expect(t.status).toBe('skipped');
    expect(t.reason).toMatch(/no primary key or replica identity index/);
    expect(t.rows.size).toBe(0);
  });
});
