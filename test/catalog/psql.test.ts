/*
 * psql (Debian's client, libpq) describing the replicated schema on the sidecar, compared with
 * the same meta-command against the PostgreSQL 17 primary: the output must be identical.
 * `psql -E` against the primary shows the catalog queries each command sends.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const run = promisify(execFile);

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price numeric(10,2), tags text[],
                      created timestamptz DEFAULT now(), code varchar(20) COLLATE "C");
  CREATE TABLE orders (id bigserial PRIMARY KEY, item_id int REFERENCES items(id), qty int CHECK (qty > 0),
                       UNIQUE (item_id, qty));
  CREATE INDEX orders_item ON orders (item_id) WHERE qty > 1;
  CREATE INDEX items_lower ON items (lower(name));
  CREATE SCHEMA app;
  CREATE TABLE app.things (id uuid PRIMARY KEY, body jsonb);
  COMMENT ON TABLE items IS 'the items';
  COMMENT ON COLUMN items.name IS 'its name';
  CREATE FUNCTION public.price_of(item int, fallback numeric DEFAULT 0) RETURNS numeric LANGUAGE sql STABLE
    AS 'SELECT coalesce((SELECT price FROM items WHERE id = item), fallback)';
  CREATE FUNCTION app.total(VARIADIC xs int[]) RETURNS bigint LANGUAGE sql IMMUTABLE RETURN (SELECT sum(x) FROM unnest(xs) x);
  COMMENT ON FUNCTION public.price_of(int, numeric) IS 'an item''s price';
  INSERT INTO items VALUES (1, 'one', 1.5, '{a}', now(), 'c1');
`;

let h: CatalogHarness;

beforeAll(async () => {
  h = await startCatalogHarness('catpsql', SETUP);
});

afterAll(async () => {
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

async function psql(conn: string, ...commands: string[]): Promise<string> {
  const r = await run('/usr/bin/psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-P', 'pager=off', ...commands.flatMap((c) => ['-c', c]), conn]);
  return r.stdout;
}

const sidecar = (): string => `host=127.0.0.1 port=${h.port} dbname=${h.db.name} user=postgres`;

describe('psql meta-commands on the sidecar print what they print on the primary', () => {
  for (const command of ['\\dt', '\\dn', '\\d items', '\\d orders', '\\d+ items', '\\d app.things', '\\di', '\\d orders_item', '\\ds', '\\dT', '\\d', '\\dt app.*', '\\df', '\\df memstore.*', '\\df+ public.*', '\\df app.*', '\\df+ app.*', '\\dfS pg_catalog.array_*', '\\sf public.price_of', '\\dvS pg_catalog.pg_tables']) {
    it(command, async () => {
      const [side, primary] = [await psql(sidecar(), command), await psql(h.db.url, command)];
      expect(side).toBe(primary);
      expect(side.length).toBeGreaterThan(0);
    });
  }

  it('\\du, \\dt+, \\x and \\conninfo run (roles are only the owners and the user; sizes are the store\'s)', async () => {
    const du = await psql(sidecar(), '\\du');
    expect(du).toMatch(/^ postgres +\| Superuser/m);
    const dtPlus = await psql(sidecar(), '\\dt+');
    expect(dtPlus).toMatch(/^ public +\| items +\| table \| postgres \| permanent +\| heap +\| \d+ (bytes|kB) +\| the items/m);
    const x = await psql(sidecar(), '\\x on', "SELECT relname, relkind FROM pg_class WHERE relname = 'items'");
    expect(x).toContain('relname | items');
    expect(await psql(sidecar(), '\\conninfo')).toContain(`port "${h.port}"`);
  });

  it('\\d items shows its columns and primary-key index line', async () => {
    const out = await psql(sidecar(), '\\d items');
    expect(out).toContain(' name    | text                     |           | not null | \'x\'::text');
    expect(out).toContain('"items_pkey" PRIMARY KEY, btree (id)');
  });
});
