/*
 * Real clients introspecting the sidecar, compared with the same program against the PostgreSQL
 * 17 primary: SQLAlchemy (Debian's python3-sqlalchemy over psycopg2) `inspect()` — table names,
 * columns with types, nullability, defaults and comments, primary keys, foreign keys, indexes,
 * unique and check constraints — and `MetaData.reflect()`, and pandas (python3-pandas)
 * `read_sql` / `read_sql_table`; pgjdbc (Debian's libpostgresql-jdbc-java, `java File.java`): a
 * prepared select through getObject and ResultSetMetaData, DatabaseMetaData's getTables /
 * getColumns / getSchemas / getPrimaryKeys / getImportedKeys / getIndexInfo. .ci/run installs them: a missing
 * one fails here, never skips.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogHarness, type CatalogHarness } from './support/harness.js';

const run = promisify(execFile);
const python = '/usr/bin/python3';
const support = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support');
const script = path.join(support, 'sqlalchemy_check.py');
const JDBC_JAR = '/usr/share/java/postgresql.jar';

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', price numeric(10,2) CHECK (price >= 0), tags text[],
                      created timestamptz DEFAULT now(), code varchar(20) UNIQUE, flag boolean, body jsonb);
  CREATE TABLE orders (id bigserial PRIMARY KEY, item_id int NOT NULL REFERENCES items(id) ON DELETE CASCADE, qty int,
                       at date, UNIQUE (item_id, qty));
  CREATE INDEX orders_item ON orders (item_id) WHERE qty > 1;
  CREATE INDEX items_lower ON items (lower(name));
  CREATE SCHEMA app;
  CREATE TABLE app.pairs (a int, b int, note text, PRIMARY KEY (a, b));
  CREATE TABLE app.refs (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int, b int, item int REFERENCES public.items(id),
                         FOREIGN KEY (a, b) REFERENCES app.pairs (a, b));
  COMMENT ON TABLE items IS 'the items';
  COMMENT ON COLUMN items.name IS 'its name';
  INSERT INTO items VALUES (1, 'one', 1.5, '{a,b}', '2024-01-02 03:04:05+00', 'c1', true, '{"k": 1}'),
                           (2, 'two', NULL, NULL, NULL, NULL, NULL, NULL), (3, 'three', 3, '{}', now(), 'c3', false, '[]');
`;

let h: CatalogHarness;

beforeAll(async () => {
  h = await startCatalogHarness('catclients', SETUP);
});

afterAll(async () => {
  await h?.close();
  expect(h?.problems ?? []).toEqual([]);
});

async function reflect(url: string): Promise<unknown> {
  const r = await run(python, [script, url, 'public,app', 'pandas'], { timeout: 120_000 });
  return JSON.parse(r.stdout) as unknown;
}

describe('SQLAlchemy and pandas', () => {
  it('inspect(), MetaData.reflect() and read_sql see on the sidecar what they see on the primary', async () => {
    const probe = spawnSync(python, ['-c', 'import sqlalchemy, psycopg2, pandas'], { encoding: 'utf8' });
    expect(probe.status, `${python} cannot import sqlalchemy, psycopg2 and pandas (apt-get install python3-sqlalchemy python3-pandas): ${probe.stderr}`).toBe(0);
    const primaryUrl = h.db.url.replace(/^postgres:/, 'postgresql:');
    const sidecarUrl = `postgresql://postgres@127.0.0.1:${h.port}/${h.db.name}`;
    const [side, primary] = [await reflect(sidecarUrl), await reflect(primaryUrl)];
    expect(side).toEqual(primary);
    // Not vacuous: the reflection found the tables, keys and rows.
    const p = primary as { public: { tables: string[]; orders: { fks: unknown[] } }; app: { tables: string[] }; pandas: { rows: unknown[] } };
    expect(p.public.tables.sort()).toEqual(['items', 'orders']);
    expect(p.app.tables.sort()).toEqual(['pairs', 'refs']);
    expect(p.public.orders.fks).toHaveLength(1);
    expect(p.pandas.rows).toHaveLength(3);
  });
});

describe('pgjdbc', () => {
  it('a prepared select, ResultSetMetaData and DatabaseMetaData answer as on the primary', async () => {
    const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
    expect(probe.status, `java is missing (apt-get install default-jre-headless): ${probe.stderr}`).toBe(0);
    expect(spawnSync('test', ['-f', JDBC_JAR]).status, `${JDBC_JAR} is missing (apt-get install libpostgresql-jdbc-java)`).toBe(0);
    const check = async (url: string): Promise<string> =>
      (await run('java', ['-cp', JDBC_JAR, path.join(support, 'JdbcCheck.java'), url], { timeout: 180_000 })).stdout;
    const side = await check(`jdbc:postgresql://127.0.0.1:${h.port}/${h.db.name}?user=postgres`);
    const u = new URL(h.db.url);
    const primary = await check(`jdbc:postgresql://${u.host}${u.pathname}?user=${u.username}&password=${decodeURIComponent(u.password)}`);
    expect(side).toBe(primary);
    expect(primary).toContain('table | TABLE_SCHEM=public | TABLE_NAME=items | TABLE_TYPE=TABLE | REMARKS=the items');
    expect(primary).toContain('meta | body | jsonb | 1111 | nullable=1 | table=items');
    expect(primary).toContain('pk | TABLE_NAME=items | COLUMN_NAME=id | KEY_SEQ=1 | PK_NAME=items_pkey');
    expect(primary).toContain('fk | PKTABLE_NAME=items | PKCOLUMN_NAME=id | FKTABLE_NAME=orders');
    expect(primary).toContain('index | TABLE_NAME=items | NON_UNIQUE=t | INDEX_NAME=items_lower');
    expect(primary).toMatch(/^row \| Integer:1 \| String:one/m);
  });
});
