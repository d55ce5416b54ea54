/*
 * Parse → bind → physical plan → run over rows replicated from a real PostgreSQL 17, compared
 * with what PostgreSQL prints for the same query (text of every value; order where ORDER BY fixes
 * it, else as sorted multisets). Exercises the executor's operators through the real binder and
 * type families, without the pgwire engine's routing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BindCatalog, CatalogTable } from '../../../src/query/bind/context.js';
import { bindQuery } from '../../../src/query/bind/query.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { explainPlan, physicalPlan, runPlan } from '../../../src/query/exec/run.js';
import { FALLBACK_SETTINGS } from '../../../src/query/exec/physical.js';
import { loadParser, parseSql } from '../../../src/query/parse.js';
import type { Store } from '../../../src/store/store.js';
import { columnCount, columnValue } from '../../../src/store/row.js';
import { rawTypes, startHarness, type Harness } from '../support/harness.js';
import { context, LIMITS } from './support.js';

const SETUP = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text, credit numeric(10,2));
  CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(12,2), qty int, note text, placed date);
  CREATE TABLE items (order_id int, line int, sku text, price int, PRIMARY KEY (order_id, line));
  INSERT INTO customers SELECT i, 'c' || i, (ARRAY['Paris','Lyon',NULL,'Nice'])[1 + i % 4], (i * 37 % 1000) / 10.0 FROM generate_series(1, 60) i;
  INSERT INTO orders SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + i % 70 END, (i * 7919 % 100000) / 100.0, i % 9, CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' || (i % 13) END, DATE '2024-01-01' + (i % 400) FROM generate_series(1, 500) i;
  INSERT INTO items SELECT o, l, 'sku' || ((o * l) % 17), (o * 31 + l * 7) % 200 FROM generate_series(1, 500) o, generate_series(1, 1 + o % 4) l;
`;

const QUERIES: readonly string[] = [
  'SELECT id, name FROM customers WHERE id = 7',
  'SELECT id, name, city FROM customers WHERE id BETWEEN 10 AND 14 ORDER BY id',
  'SELECT id FROM customers ORDER BY id DESC LIMIT 5',
  'SELECT id, qty FROM orders WHERE qty > 6 AND note IS NULL ORDER BY id LIMIT 10',
  'SELECT city, count(*), count(city), min(name), max(id) FROM customers GROUP BY city',
  'SELECT count(*) FROM orders',
  'SELECT count(DISTINCT qty), count(*) FILTER (WHERE qty > 3) FROM orders',
  'SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id < 5 ORDER BY o.id',
  'SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.id <= 30',
  'SELECT c.id, o.id FROM customers c FULL JOIN orders o ON o.customer_id = c.id AND o.qty = 1 WHERE c.id IS NULL OR o.id IS NULL',
  'SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.qty = 8)',
  'SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)',
  'SELECT id FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE qty = 2)',
  'SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM orders WHERE qty = 2)',
  'SELECT id, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS n FROM customers c ORDER BY n DESC, id LIMIT 7',
  'SELECT o.id, i.line, i.sku FROM orders o JOIN items i ON i.order_id = o.id WHERE o.id < 4 ORDER BY 1, 2',
  'SELECT i.sku, count(*), min(i.price), max(i.price) FROM items i JOIN orders o ON o.id = i.order_id GROUP BY i.sku ORDER BY i.sku',
  'SELECT qty, count(*) FROM orders GROUP BY ROLLUP (qty) ORDER BY qty NULLS FIRST',
  'SELECT DISTINCT qty FROM orders ORDER BY qty',
  'SELECT DISTINCT ON (qty) qty, id FROM orders ORDER BY qty, id DESC',
  'SELECT id FROM customers WHERE id < 5 UNION SELECT customer_id FROM orders WHERE id < 5',
  'SELECT qty FROM orders INTERSECT ALL SELECT qty FROM orders WHERE id < 20',
  'SELECT qty FROM orders EXCEPT SELECT qty FROM orders WHERE id < 20',
  'WITH big AS (SELECT id, qty FROM orders WHERE qty > 7) SELECT count(*) FROM big a JOIN big b ON a.id = b.id',
  'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT count(*), max(x) FROM n',
  'SELECT id, qty, row_number() OVER (PARTITION BY qty ORDER BY id), rank() OVER (ORDER BY qty) FROM orders WHERE id <= 40',
  'SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), lag(id) OVER (ORDER BY id), lead(id, 2, -1) OVER (ORDER BY id) FROM customers',
  'SELECT id, first_value(id) OVER w, last_value(id) OVER w, ntile(3) OVER w FROM customers WINDOW w AS (PARTITION BY city ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)',
  'SELECT x FROM (VALUES (1), (NULL), (3)) v(x) WHERE x IS DISTINCT FROM 3',
  'SELECT id, CASE WHEN qty > 4 THEN \'big\' WHEN qty IS NULL THEN \'none\' ELSE \'small\' END, COALESCE(note, \'-\') FROM orders WHERE id < 12 ORDER BY id',
  'SELECT id FROM orders WHERE id = ANY (ARRAY[3, 5, 700]) ORDER BY id',
  'SELECT mode() WITHIN GROUP (ORDER BY qty), percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM orders',
  'SELECT bool_and(qty > 0), bool_or(qty > 7), every(id > 0) FROM orders',
  'SELECT c.id, x.n FROM customers c, LATERAL (SELECT count(*) AS n FROM orders o WHERE o.customer_id = c.id) x WHERE c.id < 6 ORDER BY c.id',
  'SELECT city, max(credit) FROM customers GROUP BY city HAVING count(*) > 14 ORDER BY city',
  'SELECT o.id FROM orders o WHERE o.amount > (SELECT min(amount) + 500 FROM orders) AND o.id < 50 ORDER BY o.id',
  'SELECT id FROM orders o WHERE amount > (SELECT avg(amount) FROM orders p WHERE p.customer_id = o.customer_id) ORDER BY id',
  'SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.price > 190) ORDER BY id',
  "SELECT count(*) FROM orders o, customers c WHERE (o.customer_id = c.id AND o.qty = 1) OR (o.customer_id = c.id AND c.city = 'Paris')",
];

function catalogOf(store: Store): BindCatalog {
  const byName = new Map<string, CatalogTable>();
  for (const t of store.tables.values()) {
    const rel = t.relation;
    byName.set(`${rel.schema}.${rel.name}`, {
      oid: rel.oid,
      schema: rel.schema,
      name: rel.name,
      columns: rel.columns.map((c, i) => ({ name: c.name, type: c.typeOid, typmod: c.typeMod, attnum: i + 1 })),
      keyColumns: [...t.keyIndexes],
    });
  }
  return { searchPath: ['pg_catalog', 'public'], table: (schema, name) => byName.get(`${schema ?? 'public'}.${name}`) };
}

async function sidecarRows(store: Store, sql: string): Promise<(string | null)[][]> {
  const stmt = parseSql(sql)[0]!.stmt!;
  const bound = bindQuery(stmt, { sql, paramTypes: [], catalog: catalogOf(store) });
  const plan = physicalPlan(bound.plan, store);
  const res = await runPlan(plan, store, context(), [], bound.paramTypes, FALLBACK_SETTINGS, LIMITS);
  if (res.kind !== 'rows') throw new Error('not rows');
  const out: (string | null)[][] = [];
  for (let n = res.rows.next(); n.done !== true; n = res.rows.next()) {
    const r: (string | null)[] = [];
    for (let i = 0; i < columnCount(n.value); i++) {
      const v = columnValue(n.value, i);
      r.push(v === null || v === undefined ? null : Buffer.from(v).toString('utf8'));
    }
    out.push(r);
  }
  return out;
}

const canon = (rows: (string | null)[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();

let h: Harness;
let primary: pg.Client;

beforeAll(async () => {
  await loadParser();
  ensureBuiltins();
  h = await startHarness('exec_e2e', SETUP);
  await h.caughtUp();
  primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
  await primary.connect();
});

afterAll(async () => {
  await primary.end();
  await h.close();
});

describe('end to end against PostgreSQL 17', () => {
  for (const sql of QUERIES) {
    it(sql, async () => {
      const expected = (await primary.query({ text: sql, rowMode: 'array' })).rows as (string | null)[][];
      let got: (string | null)[][];
      try {
        got = await sidecarRows(h.sidecar.store, sql);
      } catch (e) {
        throw new Error(`${sql}: ${(e as Error).message}`, { cause: e });
      }
      if (/ORDER BY/i.test(sql) && !/OVER|WINDOW/.test(sql)) expect(got).toEqual(expected);
      else expect(canon(got)).toEqual(canon(expected));
    });
  }

  it('explains access paths and joins', () => {
    const store = h.sidecar.store;
    const explain = (sql: string): string => explainPlan(physicalPlan(bindQuery(parseSql(sql)[0]!.stmt!, { sql, paramTypes: [], catalog: catalogOf(store) }).plan, store)).join('\n');
    expect(explain('SELECT * FROM customers WHERE id = 3')).toContain('Key Lookup on customers');
    expect(explain('SELECT * FROM items WHERE order_id = 3')).toContain('Key Range Scan on items');
    expect(explain('SELECT * FROM orders ORDER BY id DESC LIMIT 3')).not.toContain('Sort');
    expect(explain('SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id')).toContain('Key Lookup on c');
  });

  it('turns subqueries in WHERE into joins where that keeps the result', () => {
    const store = h.sidecar.store;
    const explain = (sql: string): string => explainPlan(physicalPlan(bindQuery(parseSql(sql)[0]!.stmt!, { sql, paramTypes: [], catalog: catalogOf(store) }).plan, store)).join('\n');
    const exists = explain('SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.qty = 8)');
    expect(exists).toContain('Hash Semi Join');
    expect(exists).not.toContain('SubPlan');
    expect(explain('SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)')).toContain('Hash Anti Join');
    expect(explain('SELECT id FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE qty = 2)')).toContain('Semi Join');
    // NOT IN is NULL, not true, when either side has a NULL: no anti join.
    expect(explain('SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM orders WHERE qty = 2)')).toContain('SubPlan');
    const scalar = explain('SELECT id FROM orders o WHERE amount > (SELECT avg(amount) FROM orders p WHERE p.customer_id = o.customer_id)');
    expect(scalar).toContain('HashAggregate');
    expect(scalar).not.toContain('SubPlan');
    // count(*) over no rows is 0, not NULL: grouping would lose the customers without orders.
    expect(explain('SELECT id FROM customers c WHERE (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) = 0')).toContain('SubPlan');
    // A correlation on the first key column reads a key range per outer row: kept.
    expect(explain('SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM items i WHERE i.order_id = o.id AND i.price > 190)')).toContain('Key Range Scan on items');
    // The join condition common to every arm of an OR becomes the join's key.
    const or = explain("SELECT count(*) FROM orders o, customers c WHERE (o.customer_id = c.id AND o.qty = 1) OR (o.customer_id = c.id AND c.city = 'Paris')");
    expect(or).toContain('Key Lookup on c');
  });
});
