/*
 * A key value stored out of line (TOAST). When an UPDATE leaves such a key alone, PostgreSQL sends
 * the old key tuple ('K', the key values in full) and the new tuple with the key column as 'u'
 * (unchanged TOAST value, not sent): the key must come from the old key tuple. Before, the apply
 * step threw and the stream stalled in a reconnect loop.
 *
 * A btree entry holds at most 2704 bytes, and SET STORAGE EXTERNAL reaches the primary key's index
 * too (no compression there either), so keys are ~2500 bytes: under the index limit, over the
 * heap's ~2 KB TOAST threshold. STORAGE EXTERNAL moves any such value out of line; under the
 * default storage only an incompressible (random) one is moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';

let db: TestDatabase;
let sidecar: Sidecar;

const SETUP = `
  CREATE TABLE tk (k text PRIMARY KEY, v int, note text);
  ALTER TABLE tk ALTER COLUMN k SET STORAGE EXTERNAL;
  CREATE TABLE tr (k text PRIMARY KEY, v int);
  CREATE TABLE tb (k bytea PRIMARY KEY, v int);
  CREATE TABLE tc (a int, b text, v int, PRIMARY KEY (a, b));
  CREATE TABLE tick (id int PRIMARY KEY, at int);
  -- ~2500 random characters: incompressible, so the heap stores the value out of line.
  CREATE FUNCTION rnd_text(n int) RETURNS text LANGUAGE sql AS
    $$ SELECT string_agg(chr(33 + floor(random() * 94)::int), '') FROM generate_series(1, n) $$;
  INSERT INTO tk VALUES (repeat('pre-existing key ', 150), 1, 'copied');
  INSERT INTO tr VALUES (rnd_text(2500), 1);
`;

beforeAll(async () => {
  db = await testDatabase('toastkey');
  await prepareSource(db, SETUP);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await db?.drop();
});

async function expectSame(table: string, orderBy: string): Promise<void> {
  expect(storeCopy(sidecar, table)).toBe(await primaryCopy(db.client, table, orderBy));
}

/** The stream is alive: a write made after everything else is applied. */
async function expectStreaming(n: number): Promise<void> {
  await db.client.query('INSERT INTO tick VALUES ($1, $1)', [n]);
  await caughtUp(sidecar, db.client, 15_000);
  expect(storeCopy(sidecar, 'tick')).toContain(`${n}\t${n}\n`);
}

describe('a key stored out of line (TOAST)', () => {
  it('is stored out of line on the primary (the premise of these tests)', async () => {
    const r = await db.client.query<{ t: string }>(
      `SELECT 'tk' AS t FROM tk WHERE pg_column_toast_chunk_id(k) IS NOT NULL
       UNION ALL SELECT 'tr' FROM tr WHERE pg_column_toast_chunk_id(k) IS NOT NULL`,
    );
    expect(r.rows.map((row) => row.t)).toEqual(['tk', 'tr']);
  });

  it('applies an UPDATE of another column of a row copied at start (text key, STORAGE EXTERNAL)', async () => {
    await db.client.query(`UPDATE tk SET v = 2, note = 'updated' WHERE v = 1`);
    await expectStreaming(1);
    await expectSame('tk', 'k COLLATE "C"');
    expect(storeCopy(sidecar, 'tk')).toMatch(/\t2\tupdated\n$/);
  });

  it('applies UPDATE, key change and DELETE of streamed rows (text key, STORAGE EXTERNAL)', async () => {
    const c = db.client;
    await c.query(`INSERT INTO tk SELECT repeat(i::text || ' streamed ', 200), i, 'new' FROM generate_series(10, 14) i`);
    await c.query(`UPDATE tk SET note = 'touched' WHERE v IN (10, 11, 12)`);
    await c.query(`UPDATE tk SET k = k || ' moved', note = 'moved' WHERE v = 11`);
    await c.query(`DELETE FROM tk WHERE v IN (12, 13)`);
    await expectStreaming(2);
    await expectSame('tk', 'k COLLATE "C"');
    expect(sidecar.store.tableByName('public', 'tk')!.rows.size).toBe(4);
  });

  it('applies UPDATE and DELETE with an incompressible text key', async () => {
    const c = db.client;
    await c.query(`INSERT INTO tr SELECT rnd_text(2500), i FROM generate_series(2, 5) i`);
    await c.query(`UPDATE tr SET v = v * 100 WHERE v IN (1, 2, 3)`);
    await c.query(`DELETE FROM tr WHERE v IN (300, 4)`);
    await expectStreaming(3);
    await expectSame('tr', 'k COLLATE "C"');
    expect(sidecar.store.tableByName('public', 'tr')!.rows.size).toBe(3);
  });

  it('applies UPDATE and DELETE with a bytea key', async () => {
    const c = db.client;
    await c.query(`INSERT INTO tb SELECT convert_to(rnd_text(2500), 'SQL_ASCII'), i FROM generate_series(1, 4) i`);
    await c.query(`UPDATE tb SET v = v + 10 WHERE v < 3`);
    await c.query(`DELETE FROM tb WHERE v = 3`);
    await expectStreaming(4);
    await expectSame('tb', 'k');
    expect(sidecar.store.tableByName('public', 'tb')!.rows.size).toBe(3);
  });

  it('applies UPDATE and DELETE with a composite key of which one part is out of line', async () => {
    const c = db.client;
    await c.query(`INSERT INTO tc SELECT i % 2, rnd_text(2500), i FROM generate_series(1, 6) i`);
    await c.query(`UPDATE tc SET v = v + 100 WHERE v <= 3`);
    await c.query(`UPDATE tc SET a = 7 WHERE v = 4`); // the other key part changes
    await c.query(`DELETE FROM tc WHERE v IN (5, 101)`);
    await expectStreaming(5);
    await expectSame('tc', 'a, b COLLATE "C"');
    expect(sidecar.store.tableByName('public', 'tc')!.rows.size).toBe(4);
  });
});
