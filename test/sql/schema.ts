/*
 * schema.ts — the differential tests' schema and data: every common column type with NULLs,
 * single and composite primary keys, a table without a key (REPLICA IDENTITY FULL: the sidecar
 * skips it, so its queries are UNSUPPORTED until it serves such tables), and a
 * customers / orders / items / products shape for joins. Rows come from a seeded PRNG
 * (MEMSTORE_SQL_DATA_SEED, default 1) as literal INSERTs, so both sides hold the same bytes.
 *
 * Invariants the corpus relies on:
 * - float4/float8 columns outside `numbers` hold dyadic fractions (k/4, k/8): a sum or avg of them
 *   is exact whatever the scan order, so aggregates over floats compare byte for byte;
 *   `numbers` holds the awkward ones (0.1, NaN, ±Infinity, -0, extremes) for output and errors.
 * - ids are dense from 1; orders.customer_id and items.product_id mostly reference existing rows
 *   (a few dangle and a few are NULL, for outer joins and NOT IN).
 * - The database is initdb'd with --locale=C: text orders by bytes on both sides, except
 *   `words.w` (COLLATE "und-x-icu"), where the sidecar must sort as the primary or refuse.
 */
import { Prng } from './prng.js';

export const DATA_SEED = Number(process.env.MEMSTORE_SQL_DATA_SEED ?? '1');

export type ColKind = 'int' | 'numeric' | 'float' | 'text' | 'bool' | 'date' | 'timestamp' | 'timestamptz' | 'other';

export interface ColumnInfo {
  readonly name: string;
  readonly kind: ColKind;
  /** Values stay small (no overflow of int4 arithmetic on them) and floats are dyadic. */
  readonly tame: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly key: readonly string[];
  readonly columns: readonly ColumnInfo[];
}

/** Tables the random generator uses (the tame part of the schema), with column kinds. */
export const TABLES: readonly TableInfo[] = [
  {
    name: 'customers',
    key: ['id'],
    columns: [
      c('id', 'int'), c('name', 'text'), c('email', 'text'), c('country', 'text'), c('born', 'date'), c('balance', 'numeric'),
      c('rating', 'float'), c('score', 'float'), c('active', 'bool'), c('last_login', 'timestamptz'), c('created', 'timestamp'), c('manager_id', 'int'),
    ],
  },
  {
    name: 'products',
    key: ['id'],
    columns: [c('id', 'int'), c('sku', 'text'), c('name', 'text'), c('category', 'text'), c('price', 'numeric'), c('cost', 'numeric'), c('weight', 'float'), c('stock', 'int'), c('added', 'date')],
  },
  {
    name: 'orders',
    key: ['id'],
    columns: [c('id', 'int'), c('customer_id', 'int'), c('ordered_at', 'timestamptz'), c('shipped', 'date'), c('total', 'numeric'), c('priority', 'int'), c('note', 'text'), c('coupon', 'text')],
  },
  {
    name: 'items',
    key: ['order_id', 'line'],
    columns: [c('order_id', 'int'), c('line', 'int'), c('product_id', 'int'), c('qty', 'int'), c('unit_price', 'numeric'), c('discount', 'numeric')],
  },
];

/** Foreign-key-like pairs for generated joins: [table, column, referenced table, its column]. */
export const REFS: readonly (readonly [string, string, string, string])[] = [
  ['orders', 'customer_id', 'customers', 'id'],
  ['items', 'order_id', 'orders', 'id'],
  ['items', 'product_id', 'products', 'id'],
  ['customers', 'manager_id', 'customers', 'id'],
];

function c(name: string, kind: ColKind): ColumnInfo {
  return { name, kind, tame: true };
}

const DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE TABLE regions (code char(2) PRIMARY KEY, name text NOT NULL, vat numeric(4,2));
CREATE TABLE customers (
  id int4 PRIMARY KEY, name text NOT NULL, email varchar(60), country char(2), tier mood, born date,
  balance numeric(12,2), rating float4, score float8, active bool, tags text[], prefs jsonb, profile json,
  uid uuid, avatar bytea, last_login timestamptz, wake time, created timestamp, trial interval, manager_id int4);
CREATE TABLE products (
  id int4 PRIMARY KEY, sku varchar(12) NOT NULL, name text, category text, price numeric(10,2), cost numeric,
  weight float8, stock int2, attrs jsonb, sizes int4[], added date);
CREATE TABLE orders (
  id int8 PRIMARY KEY, customer_id int4, status order_status, ordered_at timestamptz, shipped date,
  total numeric(12,2), priority int2, note text, coupon text);
CREATE TABLE items (
  order_id int8, line int2, product_id int4, qty int4, unit_price numeric(10,2), discount numeric,
  PRIMARY KEY (order_id, line));
CREATE TABLE numbers (id int4 PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric, n2 numeric(8,3), f4 float4, f8 float8);
CREATE TABLE strings (id int4 PRIMARY KEY, t text, v varchar(10), ch char(6), b bytea, u uuid);
CREATE TABLE moments (id int4 PRIMARY KEY, d date, t time, ts timestamp, tz timestamptz, iv interval);
CREATE TABLE docs (id int4 PRIMARY KEY, j jsonb, js json, ia int4[], ta text[]);
CREATE TABLE kv (k text, n int4, v text, PRIMARY KEY (k, n));
CREATE TABLE employees (id int4 PRIMARY KEY, name text NOT NULL, boss int4, dept text, salary numeric(9,2));
CREATE TABLE words (id int4 PRIMARY KEY, w text COLLATE "und-x-icu", wc text COLLATE "C");
CREATE TABLE events (at timestamptz, kind text, n int4);
ALTER TABLE events REPLICA IDENTITY FULL;
`;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'Echo', 'fox', 'golf', 'Hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'November', 'oscar', 'papa'];
const ODD_TEXT = ['', ' ', 'a', 'A', 'ab', 'a b', "O'Brien", 'back\\slash', '100%', 'under_score', 'é', 'Ünïcödé', '日本語', '😀 smile', 'tab\tin', 'new\nline', '  padded  ', 'UPPER', 'lower', 'MiXeD cAsE'];
const COUNTRIES = ['de', 'fr', 'us', 'jp', 'br', 'in', 'gb', 'it'];
const CATEGORIES = ['tools', 'toys', 'books', 'food', 'garden', null];
const ZONES = ['+00', '+02', '-05', '+05:30', '-08', '+09', '+13:45', '-03:30'];

function q(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function lit(v: string | number | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return q(v);
  return String(v);
}

function rows(table: string, cols: string, values: (string | number | boolean | null)[][]): string {
  return `INSERT INTO ${table} (${cols}) VALUES\n${values.map((r) => `(${r.map(lit).join(', ')})`).join(',\n')};\n`;
}

/** The schema's DDL and INSERTs, from a seed. */
export function schemaSql(seed = DATA_SEED): string {
  const r = new Prng(seed);
  const nul = <T>(v: T, p = 0.1): T | null => (r.chance(p) ? null : v);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = (y0 = 1950, y1 = 2030): string => `${r.int(y0, y1)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
  const time = (): string => `${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}${r.chance(0.3) ? '.' + String(r.int(0, 999999)).padStart(6, '0') : ''}`;
  const instant = (): string => `${date(1990, 2030)} ${time()}${r.pick(ZONES)}`;
  const dyadic = (lo: number, hi: number, den = 4): number => r.int(lo * den, hi * den) / den;
  const money = (lo: number, hi: number): string => (r.int(lo * 100, hi * 100) / 100).toFixed(2);
  const word = (): string => r.pick(WORDS);
  const text = (): string => (r.chance(0.15) ? r.pick(ODD_TEXT) : `${word()} ${word()}`);
  const hex = (n: number): string => Array.from({ length: n }, () => r.int(0, 255).toString(16).padStart(2, '0')).join('');
  const uuid = (): string => { const h = hex(16); return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`; };
  const interval = (): string => r.pick([`${r.int(0, 400)} days`, `${r.int(-30, 30)} days ${r.int(0, 23)} hours`, `${r.int(0, 5)} years ${r.int(0, 11)} mons`, `${r.int(0, 3600)} seconds`, `-${r.int(1, 90)} minutes`, `1 mon -3 days`, `${r.int(0, 99)}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}.${r.int(0, 999)}`]);
  const jsonDoc = (): string => {
    switch (r.int(0, 6)) {
      case 0: return JSON.stringify({ a: r.int(-5, 50), b: word(), tags: [word(), word()], nested: { x: r.chance(0.5), y: null } });
      case 1: return JSON.stringify([r.int(0, 9), word(), r.int(0, 9) / 4, null, true]);
      case 2: return JSON.stringify({ a: r.int(0, 9), price: `${r.int(0, 99)}.50` }).replace(/"price":"([0-9.]+)"/, '"price": $1');
      case 3: return r.pick(['1', '"str"', 'null', 'true', '[]', '{}', '2.50', '1e3']);
      case 4: return `{"b": "${word()}", "a": ${r.int(0, 20)}, "a": ${r.int(0, 20)}}`; // duplicate key: json keeps both, jsonb the last
      case 5: return JSON.stringify({ k: { deep: { deeper: [1, { z: word() }] } }, n: r.int(0, 3) });
      default: return JSON.stringify({ unicode: 'é😀', esc: 'q"uote\\', num: -0.0001 });
    }
  };
  const intArray = (): string => `{${Array.from({ length: r.int(0, 5) }, () => (r.chance(0.1) ? 'NULL' : String(r.int(-10, 99)))).join(',')}}`;
  const textArray = (): string => `{${Array.from({ length: r.int(0, 4) }, () => (r.chance(0.1) ? 'NULL' : `"${r.pick([...WORDS, 'with space', 'comma,inside', 'é', ''])}"`)).join(',')}}`;

  let out = DDL;
  out += rows('regions', 'code, name, vat', COUNTRIES.map((code, i) => [code, `Region ${code.toUpperCase()}`, i === 3 ? null : (5 + i * 2.5).toFixed(2)]).concat([['zz', 'Nowhere', '0.00']]));

  const customers: (string | number | boolean | null)[][] = [];
  for (let id = 1; id <= 300; id++) {
    customers.push([
      id, r.chance(0.1) ? r.pick(ODD_TEXT.filter((s) => s !== '')) : `${word()} ${word()}`, nul(`${word().toLowerCase()}${id}@example.${r.pick(['com', 'org', 'de'])}`),
      nul(r.pick([...COUNTRIES, 'xx'])), nul(r.pick(['sad', 'ok', 'happy'])), nul(date(1940, 2010)), nul(money(-500, 10000)),
      nul(dyadic(0, 5, 8)), nul(dyadic(-100, 1000)), nul(r.chance(0.6)), nul(textArray()), nul(jsonDoc()), nul(jsonDoc()),
      nul(uuid()), nul(`\\x${hex(r.int(0, 6))}`), nul(instant()), nul(time()), nul(`${date(2000, 2026)} ${time()}`), nul(interval()),
      id <= 5 ? null : nul(r.int(1, Math.min(id - 1, 40)), 0.05),
    ]);
  }
  out += rows('customers', 'id, name, email, country, tier, born, balance, rating, score, active, tags, prefs, profile, uid, avatar, last_login, wake, created, trial, manager_id', customers);

  const products: (string | number | boolean | null)[][] = [];
  for (let id = 1; id <= 120; id++) {
    products.push([
      id, `SKU-${pad(id, 4)}`, nul(`${word()} ${r.pick(['widget', 'gadget', 'thing', 'kit'])}`), r.pick(CATEGORIES), nul(money(0, 500)),
      nul(r.chance(0.2) ? String(r.int(0, 100000) / 1000) : money(0, 300)), nul(dyadic(0, 50, 8)), nul(r.int(-5, 500)),
      nul(JSON.stringify({ color: r.pick(['red', 'green', 'blue']), size: r.int(1, 5), tags: [word()] })), nul(intArray()), nul(date(2015, 2026)),
    ]);
  }
  out += rows('products', 'id, sku, name, category, price, cost, weight, stock, attrs, sizes, added', products);

  const orders: (string | number | boolean | null)[][] = [];
  const items: (string | number | boolean | null)[][] = [];
  for (let id = 1; id <= 600; id++) {
    orders.push([
      id, r.chance(0.03) ? null : r.chance(0.03) ? r.int(301, 320) : r.int(1, 300), nul(r.pick(['new', 'paid', 'shipped', 'cancelled']), 0.05),
      nul(instant(), 0.03), nul(date(2020, 2026), 0.3), nul(money(0, 5000), 0.05), nul(r.int(1, 5)), nul(text(), 0.5), nul(r.pick(['SAVE10', 'FREESHIP', 'save10', 'VIP']), 0.7),
    ]);
    const lines = r.int(0, 5);
    for (let line = 1; line <= lines; line++) {
      items.push([id, line, r.chance(0.02) ? r.int(121, 130) : r.int(1, 120), nul(r.int(1, 20), 0.03), nul(money(1, 300), 0.03), nul(r.pick(['0', '0.05', '0.10', '0.125', '0.3333']), 0.3)]);
    }
  }
  out += rows('orders', 'id, customer_id, status, ordered_at, shipped, total, priority, note, coupon', orders);
  out += rows('items', 'order_id, line, product_id, qty, unit_price, discount', items);

  // numbers: hand-picked edges first, then random rows.
  const edges: (string | number | null)[][] = [
    [1, 32767, 2147483647, '9223372036854775807', '99999999999999999999.99999', '99999.999', 'Infinity', 'Infinity'],
    [2, -32768, -2147483648, '-9223372036854775808', '-0.000000000001', '-99999.999', '-Infinity', '-Infinity'],
    [3, 0, 0, 0, '0', '0.000', 'NaN', 'NaN'],
    [4, null, null, null, null, null, null, null],
    [5, -1, -1, -1, 'NaN', '-0.001', '-0', '-0'],
    [6, 1, 1, 1, '0.1', '0.100', '0.1', '0.1'],
    [7, 7, 7, 7, '1e-20', '1.235', '3.4028235e+38', '1.7976931348623157e+308'],
    [8, 2, 3, 10, '123456789012345678901234567890.123', '12.5', '1e-45', '5e-324'],
    [9, 100, 46341, 3037000500, '-1.5', '2.5', '1.1', '2.2'],
    [10, -7, -13, -100, '1000000', '-2.5', '100000000', '1e+16'],
  ];
  const numbers: (string | number | null)[][] = [...edges];
  for (let id = 11; id <= 200; id++) {
    numbers.push([
      id, nul(r.int(-300, 300)), nul(r.int(-100000, 100000)), nul(r.chance(0.2) ? String(r.int(-1e9, 1e9) * 1000) : r.int(-1e6, 1e6)),
      nul(r.chance(0.3) ? `${r.int(-99999, 99999)}.${r.int(0, 99999)}` : String(r.int(-1000, 1000))), nul((r.int(-999999, 999999) / 1000).toFixed(3)),
      nul(r.chance(0.3) ? String(r.int(-1000, 1000) / 10) : String(dyadic(-100, 100))), nul(r.chance(0.3) ? String(r.int(-100000, 100000) / 1000) : String(dyadic(-1000, 1000, 8))),
    ]);
  }
  out += rows('numbers', 'id, i2, i4, i8, n, n2, f4, f8', numbers);

  const strings: (string | number | null)[][] = [];
  ODD_TEXT.forEach((t, i) => strings.push([i + 1, t, t.slice(0, 10), t.slice(0, 6), `\\x${Buffer.from(t).toString('hex')}`, uuid()]));
  for (let id = ODD_TEXT.length + 1; id <= 200; id++) {
    const t = text();
    strings.push([id, nul(t), nul(word().slice(0, 10)), nul(r.pick(['a', 'ab ', 'abc', 'x y', ' ', ''])), nul(`\\x${hex(r.int(0, 8))}`), nul(r.chance(0.2) ? uuid().toUpperCase() : uuid())]);
  }
  out += rows('strings', 'id, t, v, ch, b, u', strings);

  const moments: (string | number | null)[][] = [
    [1, 'infinity', '24:00:00', 'infinity', 'infinity', '178000000 years'],
    [2, '-infinity', '00:00:00', '-infinity', '-infinity', '-178000000 years'],
    [3, '0044-03-15 BC', '12:34:56.789012', '0044-03-15 12:00:00 BC', '1900-01-01 00:00:00+00', '0'],
    [4, '2000-02-29', '23:59:59.999999', '2000-02-29 23:59:59.999999', '2000-02-29 23:59:59.999999+00', '1 year 2 mons 3 days 04:05:06.789'],
    [5, null, null, null, null, null],
    [6, '2024-03-31', '01:30:00', '2024-03-31 01:30:00', '2024-03-31 01:30:00+00', '-1 days +02:00:00'],
    [7, '2024-10-27', '02:30:00', '2024-10-27 02:30:00', '2024-10-27 00:30:00+00', '36:00:00'],
    [8, '1970-01-01', '00:00:00.000001', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '0.000001 seconds'],
  ];
  for (let id = 9; id <= 200; id++) moments.push([id, nul(date(1900, 2100)), nul(time()), nul(`${date(1900, 2100)} ${time()}`), nul(instant()), nul(interval())]);
  out += rows('moments', 'id, d, t, ts, tz, iv', moments);

  const docs: (string | number | null)[][] = [];
  for (let id = 1; id <= 200; id++) docs.push([id, nul(jsonDoc()), nul(jsonDoc()), nul(intArray()), nul(textArray())]);
  out += rows('docs', 'id, j, js, ia, ta', docs);

  const kv: (string | number | null)[][] = [];
  const seen = new Set<string>();
  while (kv.length < 200) {
    const k = r.chance(0.2) ? r.pick(ODD_TEXT) : word(), n = r.int(0, 30);
    if (seen.has(`${k}\u0000${n}`)) continue;
    seen.add(`${k}\u0000${n}`);
    kv.push([k, n, nul(text())]);
  }
  out += rows('kv', 'k, n, v', kv);

  const employees: (string | number | null)[][] = [[1, 'Root', null, 'board', '100000.00']];
  for (let id = 2; id <= 60; id++) employees.push([id, `${word()} ${id}`, r.int(Math.max(1, id - 10), id - 1), r.pick(['eng', 'ops', 'sales', null]), nul(money(20000, 90000))]);
  out += rows('employees', 'id, name, boss, dept, salary', employees);

  // Text under a linguistic (ICU) collation: the sidecar must order it as the primary or refuse.
  const words: (string | number | null)[][] = [];
  for (let id = 1; id <= 60; id++) { const w = r.chance(0.3) ? r.pick(ODD_TEXT) : r.pick(WORDS); words.push([id, nul(w), nul(w)]); }
  out += rows('words', 'id, w, wc', words);

  const events: (string | number | null)[][] = [];
  for (let i = 0; i < 200; i++) events.push([nul(instant()), nul(r.pick(['click', 'view', 'buy'])), nul(r.int(0, 9))]);
  out += rows('events', 'at, kind, n', events);
  return out;
}
