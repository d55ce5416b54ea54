/*
 * Generated (STORED) columns: PostgreSQL 17's pgoutput does not send them and the sidecar cannot
 * compute them, so they are left out — loudly: a warning per table naming them, and
 * memstore.stats() lists them under the table. The other columns are followed as usual.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';

let db: TestDatabase;
let sidecar: Sidecar;
let reader: pg.Client;

const SETUP = `
  CREATE TABLE gen (id int PRIMARY KEY, a int, twice int GENERATED ALWAYS AS (a * 2) STORED, b text,
                    shout text GENERATED ALWAYS AS (upper(b)) STORED);
  CREATE TABLE plain (id int PRIMARY KEY, v text);
  INSERT INTO gen (id, a, b) VALUES (1, 10, 'x');
`;

beforeAll(async () => {
  db = await testDatabase('gencols');
  await prepareSource(db, SETUP);
  sidecar = await startSidecar(db, { sidecar: { listen: { host: '127.0.0.1', port: 0 } } });
  reader = new pg.Client({ host: '127.0.0.1', port: sidecar.address!.port, user: 'reader', database: db.name });
  await reader.connect();
});

afterAll(async () => {
  await reader?.end();
  await sidecar?.stop();
  await db?.drop();
});

describe('generated columns', () => {
  it('are named in a warning for their table', () => {
    const lines = captured
      .filter((l) => l.includes(`"db":"${db.name}"`) && l.includes('generated columns are not served'))
      .map((l) => JSON.parse(l) as { table: string; columns: string[]; level: unknown });
    expect(lines.map((l) => [l.table, l.columns])).toEqual([['public.gen', ['twice', 'shout']]]);
  });

  it('are listed per table in memstore.stats()', async () => {
    const r = await reader.query<{ s: { tables: Record<string, { generated_columns_missing?: string[] }> } }>('SELECT memstore.stats() AS s');
    const tables = r.rows[0]!.s.tables;
    expect(tables['public.gen']!.generated_columns_missing).toEqual(['twice', 'shout']);
    expect(tables['public.plain']!.generated_columns_missing).toBeUndefined();
  });

  it('leave the other columns followed as on the primary', async () => {
    const c = db.client;
    await c.query(`INSERT INTO gen (id, a, b) VALUES (2, 20, 'y'); UPDATE gen SET a = 11 WHERE id = 1`);
    await caughtUp(sidecar, c);
    expect(storeCopy(sidecar, 'gen')).toBe(await primaryCopy(c, '(SELECT id, a, b FROM gen) g', 'id'));
    const r = await reader.query('SELECT * FROM gen ORDER BY id');
    expect(r.fields.map((f) => f.name)).toEqual(['id', 'a', 'b']);
  });
});
