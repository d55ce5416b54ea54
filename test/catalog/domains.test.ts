/*
 * A column whose type is a domain is described and computed as the domain's base type, as
 * PostgreSQL does (RowDescription carries int4 for a domain over int4, and `p + 1` is int4
 * arithmetic). Before, the sidecar sent the domain's OID and refused every expression over it.
 * An enum's binary form is its label (enum_send/enum_recv), which the sidecar now sends and
 * reads when the catalog says the type is an enum; a domain column is sent in binary as its base.
 * The primary's answers are the reference.
 */
import type pg from 'pg';
import { serialize } from 'pg-protocol';
import { bind, errorFields, RawClient, type Message } from '../pgwire/support/raw-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const SETUP = `
  CREATE DOMAIN posint AS int CHECK (VALUE > 0);
  CREATE DOMAIN money2 AS numeric(10,2);
  CREATE DOMAIN small_money AS money2;
  CREATE DOMAIN label AS text COLLATE "C";
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE d (id int PRIMARY KEY, p posint, m money2, s small_money, l label, e mood);
  INSERT INTO d VALUES (1, 5, 1.5, 2.25, 'b', 'ok'), (2, 7, NULL, 10, 'a', 'happy'), (3, 1, 3, NULL, 'C', NULL);
`;

let h: CatalogHarness;
let side: pg.Client;
let primary: pg.Client;

beforeAll(async () => {
  h = await startCatalogHarness('catdom', SETUP);
  side = await h.client();
  primary = await h.primary();
});

afterAll(async () => {
  await h?.close();
});

async function answer(c: pg.Client, sql: string): Promise<unknown> {
  try {
    const r = await c.query({ text: sql, rowMode: 'array' });
    return { fields: r.fields.map((f) => [f.name, f.dataTypeID, f.dataTypeModifier]), rows: r.rows };
  } catch (e) {
    return { error: (e as { code?: string }).code };
  }
}

describe('domain columns', () => {
  it.each([
    'SELECT * FROM d ORDER BY id',
    'SELECT * FROM d WHERE id = 2',
    'SELECT p + 1, m * 2, s, l || l, p::text FROM d ORDER BY id',
    'SELECT sum(p), max(m), min(l) FROM d',
    'SELECT l FROM d ORDER BY l',
    'SELECT id FROM d WHERE p > 4 ORDER BY id',
  ])('%s answers as on the primary', async (sql) => {
    expect(await answer(side, sql)).toEqual(await answer(primary, sql));
  });
});

describe('binary results and parameters of domain and enum columns', () => {
  const line = (m: Message): string => (m.code === 'E' ? `E ${errorFields(m).C} ${errorFields(m).M}` : m.code === 'D' ? `D ${m.body.toString('hex')}` : m.code);

  async function binary(c: RawClient, sql: string, params: Buffer[] = []): Promise<string[]> {
    c.send(serialize.parse({ text: sql }), bind({ params, paramFormats: params.map(() => 1), resultFormats: [1] }), serialize.execute({}), serialize.sync());
    return (await c.until('Z')).map(line);
  }

  it("are the primary's bytes", async () => {
    const p = await RawClient.connectUrl(h.db.url);
    const s = await RawClient.connect(h.port, { database: h.db.name });
    try {
      for (const [sql, params] of [
        ['SELECT id, p, m, s, l, e FROM d ORDER BY id', []],
        ['SELECT e FROM d WHERE id = 2', []],
        ['SELECT id FROM d WHERE e = $1 ORDER BY id', [Buffer.from('happy')]],
      ] as const) {
        expect(await binary(s, sql, [...params]), sql).toEqual(await binary(p, sql, [...params]));
      }
    } finally {
      p.end();
      s.end();
    }
  });
});
