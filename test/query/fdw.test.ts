/*
 * The PostgreSQL 17 primary reading an in-process sidecar through postgres_fdw (shipped with the
 * embedded server): foreign tables over a replicated table and over memstore.kv, with every
 * statement the sidecar receives recorded, so the test shows what postgres_fdw sends (session
 * SETs, START TRANSACTION ISOLATION LEVEL REPEATABLE READ, DECLARE … CURSOR with the pushed-down
 * WHERE, FETCH n, CLOSE, COMMIT / ABORT TRANSACTION) and that the sidecar answers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/pgwire/engine.js';
import { PgWireServer } from '../../src/pgwire/server.js';
import { QueryEngine } from '../../src/query/engine.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, startSidecar } from '../support/sidecar.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let sidecar: Sidecar;
let server: PgWireServer;
/** Every query text the sidecar was asked to prepare, in order. */
const received: string[] = [];
const problems: string[] = [];

const SETUP = `
  CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[], updated timestamptz);
  INSERT INTO items SELECT g, 'item ' || g, g * 1.25, ARRAY['t' || (g % 3)], '2025-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
    FROM generate_series(1, 95) g;
`;

beforeAll(async () => {
  db = await testDatabase('qfdw');
  await prepareSource(db, SETUP);
  sidecar = await startSidecar(db);
  await caughtUp(sidecar, db.client);
  const engine = await QueryEngine.create(sidecar.store, { waiters: sidecar.follower.waiters, serverVersion: 'test' });
  const recording: Engine = {
    prepare: (sql, types, session) => {
      received.push(sql);
      return engine.prepare(sql, types, session);
    },
    initialParameters: (startup) => engine.initialParameters(startup),
  };
  server = new PgWireServer(recording, {
    host: '127.0.0.1',
    port: 0,
    maxConnections: 20,
    auth: { method: 'trust' },
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') problems.push(`${level}: ${msg} ${JSON.stringify(fields)}`);
    },
  });
  const { port } = await server.listen();
  // The primary's side, exactly as README shows it.
  await db.client.query(`
    CREATE EXTENSION postgres_fdw;
    CREATE SERVER memstore_sidecar FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '127.0.0.1', port '${port}', dbname '${db.name}', fetch_size '10');
    CREATE USER MAPPING FOR CURRENT_USER SERVER memstore_sidecar OPTIONS (user 'postgres');
    CREATE SCHEMA cache;
    CREATE FOREIGN TABLE cache.items (id int8, name text, price numeric(10,2), tags text[], updated timestamptz)
      SERVER memstore_sidecar OPTIONS (schema_name 'public', table_name 'items');
    CREATE TABLE orders (order_id int PRIMARY KEY, item_id int8, qty int);
    INSERT INTO orders VALUES (1, 42, 2), (2, 7, 1), (3, 42, 5), (4, 999, 1);
  `);
});

afterAll(async () => {
  await server?.close();
  await sidecar?.stop();
  await db?.drop();
  expect(problems).toEqual([]);
});

/** What the sidecar received while `fn` ran. */
async function recorded<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const from = received.length;
  const result = await fn();
  return { result, sent: received.slice(from) };
}


async function rows(sql: string): Promise<unknown[][]> {
  return (await db.client.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
}

async function failure(sql: string): Promise<{ code: string; message: string }> {
  try {
    await db.client.query(sql);
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('a foreign table over a replicated table', () => {
  it('reads every row through several FETCHes, identical to the primary', async () => {
    const { result, sent } = await recorded(() => rows('SELECT * FROM cache.items ORDER BY id'));
    expect(result).toEqual(await rows('SELECT * FROM items ORDER BY id'));
    expect(result).toHaveLength(95);
    // The first use opens the connection: postgres_fdw's session setup.
    expect(sent.slice(0, 5)).toEqual([
      'SET search_path = pg_catalog',
      `SET timezone = 'GMT'`,
      'SET datestyle = ISO',
      'SET intervalstyle = postgres',
      'SET extra_float_digits = 3',
    ]);
    expect(sent.slice(5, 7)).toEqual([
      'START TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      // The ORDER BY is pushed down too: memstore walks the key in order.
      'DECLARE c1 CURSOR FOR\nSELECT id, name, price, tags, updated FROM public.items ORDER BY id ASC NULLS LAST',
    ]);
    // fetch_size 10: ten full batches, then the short one that ends the scan.
    expect(sent.filter((s) => s === 'FETCH 10 FROM c1')).toHaveLength(10);
    expect(sent.slice(-2)).toEqual(['CLOSE c1', 'COMMIT TRANSACTION']);
  });

  it('pushes a key lookup down: EXPLAIN VERBOSE shows it and the sidecar receives it', async () => {
    const plan = (await rows('EXPLAIN VERBOSE SELECT name, price FROM cache.items WHERE id = 42')).map((r) => String(r[0]));
    expect(plan.some((l) => l.includes('Remote SQL: SELECT name, price FROM public.items WHERE ((id = 42))'))).toBe(true);
    const { result, sent } = await recorded(() => rows('SELECT name, price FROM cache.items WHERE id = 42'));
    expect(result).toEqual([['item 42', '52.50']]);
    expect(sent).toContain('DECLARE c1 CURSOR FOR\nSELECT name, price FROM public.items WHERE ((id = 42))');
    // Other pushed-down shapes: an IN list (sent as `= ANY ('{…}'::bigint[])`), LIKE (sent as
    // `~~`), a key range with ORDER BY, a count.
    const { result: list, sent: listSent } = await recorded(() => rows('SELECT id FROM cache.items WHERE id IN (3, 5, 999) ORDER BY id'));
    expect(list).toEqual([['3'], ['5']]);
    expect(listSent).toContain(`DECLARE c1 CURSOR FOR\nSELECT id FROM public.items WHERE ((id = ANY ('{3,5,999}'::bigint[])))`);
    const { result: like, sent: likeSent } = await recorded(() => rows(`SELECT id FROM cache.items WHERE name LIKE 'item 9%' ORDER BY id`));
    expect(like).toEqual(await rows(`SELECT id FROM items WHERE name LIKE 'item 9%' ORDER BY id`));
    expect(like).toHaveLength(7);
    expect(likeSent).toContain(`DECLARE c1 CURSOR FOR\nSELECT id FROM public.items WHERE ((name ~~ 'item 9%'))`);
    expect(await rows('SELECT id FROM cache.items WHERE id BETWEEN 90 AND 200 ORDER BY id')).toEqual([['90'], ['91'], ['92'], ['93'], ['94'], ['95']]);
    const { result: count, sent: countSent } = await recorded(() => rows('SELECT count(*) FROM cache.items'));
    expect(count).toEqual([['95']]);
    expect(countSent).toContain('DECLARE c1 CURSOR FOR\nSELECT count(*) FROM public.items');
  });

  it('joins with a local table, also as a parameterised scan ($1 over the extended protocol)', async () => {
    const expected = await rows('SELECT o.order_id, i.name FROM orders o JOIN items i ON i.id = o.item_id ORDER BY o.order_id');
    expect(expected).toEqual([[1, 'item 42'], [2, 'item 7'], [3, 'item 42']]);
    expect(await rows('SELECT o.order_id, i.name FROM orders o JOIN cache.items i ON i.id = o.item_id ORDER BY o.order_id')).toEqual(expected);
    // A LATERAL subquery forces one remote scan per outer row, with the key as a parameter:
    // postgres_fdw re-declares the cursor for a new value and rewinds it (MOVE BACKWARD ALL) for
    // a repeated one.
    const { result, sent } = await recorded(() =>
      rows(`SELECT o.order_id, x.name FROM orders o, LATERAL (SELECT name FROM cache.items i WHERE i.id = o.item_id OFFSET 0) x ORDER BY o.order_id`),
    );
    expect(result).toEqual(expected);
    const declares = sent.filter((s) => s.startsWith('DECLARE'));
    expect(declares[0]).toBe('DECLARE c1 CURSOR FOR\nSELECT name FROM public.items WHERE ((id = $1::bigint))');
  });

  it('follows the primary: a committed change is visible through the foreign table once applied', async () => {
    await db.client.query(`UPDATE items SET name = 'renamed' WHERE id = 3`);
    await caughtUp(sidecar, db.client);
    expect(await rows('SELECT name FROM cache.items WHERE id = 3')).toEqual([['renamed']]);
  });

  it('opens SERIALIZABLE remote transactions when the local one is', async () => {
    const { sent } = await recorded(async () => {
      await db.client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      try {
        expect(await rows('SELECT id FROM cache.items WHERE id = 1')).toEqual([['1']]);
        expect(await rows('SELECT id FROM cache.items WHERE id = 2')).toEqual([['2']]);
      } finally {
        await db.client.query('COMMIT');
      }
    });
    expect(sent.filter((s) => s.startsWith('START'))).toEqual(['START TRANSACTION ISOLATION LEVEL SERIALIZABLE']);
    // Two scans in one remote transaction: two cursors, each closed after use.
    expect(sent.filter((s) => s.startsWith('CLOSE'))).toHaveLength(2);
  });

  it("reports the sidecar's error: a column it lacks is 42703, a write is 25006; the connection lives on", async () => {
    await db.client.query(`CREATE FOREIGN TABLE cache.bad_items (id int8, colour text) SERVER memstore_sidecar OPTIONS (schema_name 'public', table_name 'items')`);
    const { result: err, sent } = await recorded(() => failure('SELECT * FROM cache.bad_items'));
    expect(err.code).toBe('42703');
    expect(err.message).toMatch(/column "colour" does not exist/);
    // The primary reports the error before its abort callback rolls the remote transaction back.
    await waitFor(() => received.at(-1) === 'ABORT TRANSACTION', 10_000, 'the primary to send ABORT TRANSACTION');
    expect(sent[0]).toBe('START TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const write = await failure(`INSERT INTO cache.items (id, name) VALUES (1000, 'no')`);
    expect(write.code).toBe('25006');
    expect(await rows('SELECT name FROM cache.items WHERE id = 1')).toEqual([['item 1']]);
  });
});

describe('what postgres_fdw pushes down that memstore does not answer', () => {
  it('fails with the sidecar\'s 0A000; a subquery with OFFSET 0 keeps the work on the primary', async () => {
    // Aggregates other than count(*) and joins of two foreign tables on the same server are sent
    // to the sidecar whole.
    expect((await failure('SELECT sum(price) FROM cache.items')).code).toBe('0A000');
    expect((await failure('SELECT a.id FROM cache.items a JOIN cache.items b ON b.id = a.id + 1 WHERE a.id = 3')).code).toBe('0A000');
    expect(await rows('SELECT sum(price) FROM (SELECT price FROM cache.items OFFSET 0) s')).toEqual(await rows('SELECT sum(price) FROM items'));
    expect(await rows('SELECT a.id, b.id FROM (SELECT id FROM cache.items WHERE id = 3 OFFSET 0) a JOIN (SELECT id FROM cache.items OFFSET 0) b ON b.id = a.id + 1')).toEqual([['3', '4']]);
  });
});

describe('a foreign table over memstore.kv', () => {
  it('reads memstore keys, with the key lookup pushed down', async () => {
    await db.client.query(`SELECT memstore.set('fdw:a', '{"n": 1}'), memstore.set('fdw:b', '[true]'), memstore.set('other', '"x"')`);
    await caughtUp(sidecar, db.client);
    await db.client.query(`CREATE FOREIGN TABLE memstore_kv (key bytea, value jsonb, expires_at timestamptz)
      SERVER memstore_sidecar OPTIONS (schema_name 'memstore', table_name 'kv')`);
    expect(await rows(`SELECT convert_from(key, 'UTF8'), value, expires_at FROM memstore_kv ORDER BY key`)).toEqual([
      ['fdw:a', { n: 1 }, null],
      ['fdw:b', [true], null],
      ['other', 'x', null],
    ]);
    const { result, sent } = await recorded(() => rows(`SELECT value FROM memstore_kv WHERE key = '\\x6664773a62'`));
    expect(result).toEqual([[[true]]]);
    // A text key written as bytea: its UTF-8 bytes, as memstore.set(text, …) stores them.
    const { result: byText, sent: byTextSent } = await recorded(() => rows(`SELECT value FROM memstore_kv WHERE key = 'fdw:a'::bytea`));
    expect(byText).toEqual([[{ n: 1 }]]);
    expect(byTextSent.filter((s) => s.startsWith('DECLARE'))).toEqual([`DECLARE c1 CURSOR FOR\nSELECT value FROM memstore.kv WHERE ((key = E'\\\\x6664773a61'))`]);
    expect(sent.filter((s) => s.startsWith('DECLARE'))).toEqual([`DECLARE c1 CURSOR FOR\nSELECT value FROM memstore.kv WHERE ((key = E'\\\\x6664773a62'))`]);
    // Joined with a local table of wanted keys.
    await db.client.query(`CREATE TABLE wanted (k text); INSERT INTO wanted VALUES ('fdw:a'), ('missing')`);
    expect(await rows(`SELECT w.k, m.value FROM wanted w LEFT JOIN memstore_kv m ON m.key = convert_to(w.k, 'UTF8') ORDER BY w.k`)).toEqual([
      ['fdw:a', { n: 1 }],
      ['missing', null],
    ]);
  });
});
