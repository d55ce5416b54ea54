/*
 * generate.ts — TPC-H data in the manner of dbgen (specification clause 4.2), loaded with COPY.
 *
 * Cardinalities at scale factor SF: supplier 10k·SF, customer 150k·SF, part 200k·SF, partsupp 4 per
 * part, orders 1.5M·SF with 1–7 lineitems each (≈ 6M·SF). Values follow clause 4.2.3: order dates
 * uniform in 1992-01-01 … 1998-08-02, ship/commit/receipt dates derived from them, return flag and
 * line status against CURRENTDATE 1995-06-17, order status from its lines, total price from its
 * lines, retail price from the part key, partsupp's suppliers by dbgen's formula (so every
 * lineitem's (partkey, suppkey) is a partsupp row), customers with key ≡ 0 (mod 3) without orders,
 * sparse order keys (8 of every 32), phone country codes = nation key + 10.
 *
 * Deliberate departures, so that all 22 queries have rows at SF 0.005 already:
 *   - 'Customer … Complaints' / 'Customer … Recommends' are planted in 1 supplier comment of 200
 *     each (dbgen: 1 of 2000), so Q16's NOT IN has something to remove at small scale;
 *   - one order of every 4000 gets 7 lines of quantity 44–50 (sum > 300), so Q18 has rows; dbgen's
 *     uniform quantities reach that once in ~26000 orders.
 * Every table has its own random stream (rng.ts: tableSeed), orders and lineitem share one (an
 * order's status and price come from its lines): they are generated in one pass, twice, once per
 * COPY. The same (SF, seed) always gives the same bytes.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Rng, tableSeed } from './rng.js';
import { TPCH_TABLES, type TpchTable } from './schema.js';
import {
  COLORS, CONTAINER_SYLLABLE_1, CONTAINER_SYLLABLE_2, INSTRUCTIONS, MODES, NATIONS, PRIORITIES, REGIONS, SEGMENTS,
  TextPool, TYPE_SYLLABLE_1, TYPE_SYLLABLE_2, TYPE_SYLLABLE_3, randomString,
} from './text.js';

export interface TpchCounts {
  readonly supplier: number;
  readonly customer: number;
  readonly part: number;
  readonly orders: number;
}

export function tpchCounts(sf: number): TpchCounts {
  const n = (base: number): number => Math.max(1, Math.round(base * sf));
  return { supplier: Math.max(4, n(10_000)), customer: n(150_000), part: n(200_000), orders: n(1_500_000) };
}

// Dates as day numbers from 1992-01-01, printed through one table.
const DAY0 = Date.UTC(1992, 0, 1);
const DATES: string[] = [];
for (let d = 0; d < 366 * 8; d++) DATES.push(new Date(DAY0 + d * 86_400_000).toISOString().slice(0, 10));
const dayOf = (y: number, m: number, d: number): number => (Date.UTC(y, m - 1, d) - DAY0) / 86_400_000;
const ORDER_DATE_MAX = dayOf(1998, 12, 31) - 151;
const CURRENT_DATE = dayOf(1995, 6, 17);

/** Cents as numeric(15,2) text. */
function money(cents: number): string {
  const neg = cents < 0;
  const a = Math.abs(cents);
  const frac = a % 100;
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${frac < 10 ? '0' : ''}${frac}`;
}

const pad9 = (n: number): string => String(n).padStart(9, '0');
const phone = (r: Rng, nation: number): string => `${nation + 10}-${r.int(100, 999)}-${r.int(100, 999)}-${r.int(1000, 9999)}`;
const retailCents = (partkey: number): number => 90_000 + (Math.floor(partkey / 10) % 20_001) + 100 * (partkey % 1000);

/**
 * dbgen's PART_SUPP_BRIDGE: the i-th (0–3) supplier of a part. Where the formula repeats a supplier
 * (it can when the supplier count is small and not a multiple of 4's stride), the next free key is
 * taken, so a part's four suppliers are distinct.
 */
export function partSupplier(partkey: number, i: number, suppliers: number): number {
  const stride = Math.floor(suppliers / 4) + Math.floor((partkey - 1) / suppliers);
  const taken: number[] = [];
  for (let j = 0; ; j++) {
    let s = (partkey - 1 + j * stride) % suppliers;
    while (taken.includes(s)) s = (s + 1) % suppliers;
    if (j === i) return s + 1;
    taken.push(s);
  }
}

/** dbgen's sparse order keys: the first 8 of every 32. */
const orderKey = (i: number): number => Math.floor(i / 8) * 32 + (i % 8) + 1;

function* region(seed: number, pool: TextPool): Generator<string> {
  const r = new Rng(tableSeed(seed, 'region'));
  for (let k = 0; k < REGIONS.length; k++) yield `${k}\t${REGIONS[k]}\t${pool.comment(r, 95, 152)}\n`;
}

function* nation(seed: number, pool: TextPool): Generator<string> {
  const r = new Rng(tableSeed(seed, 'nation'));
  for (let k = 0; k < NATIONS.length; k++) yield `${k}\t${NATIONS[k]![0]}\t${NATIONS[k]![1]}\t${pool.comment(r, 95, 152)}\n`;
}

function supplierComment(r: Rng, pool: TextPool, key: number): string {
  const planted = key % 200 === 7 ? 'Complaints' : key % 200 === 57 ? 'Recommends' : null;
  if (planted === null) return pool.comment(r, 63, 101);
  const total = r.int(40, 100) - 'Customer '.length - planted.length;
  const before = r.int(0, total);
  const middle = r.int(0, total - before);
  const piece = (len: number): string => pool.comment(r, len, len).slice(0, len);
  return `${piece(before)}Customer ${piece(middle)}${planted}${piece(total - before - middle)}`;
}

function* supplier(seed: number, pool: TextPool, c: TpchCounts): Generator<string> {
  const r = new Rng(tableSeed(seed, 'supplier'));
  for (let k = 1; k <= c.supplier; k++) {
    const n = r.int(0, 24);
    yield `${k}\tSupplier#${pad9(k)}\t${randomString(r, 25)}\t${n}\t${phone(r, n)}\t${money(r.int(-99_999, 999_999))}\t${supplierComment(r, pool, k)}\n`;
  }
}

function* customer(seed: number, pool: TextPool, c: TpchCounts): Generator<string> {
  const r = new Rng(tableSeed(seed, 'customer'));
  for (let k = 1; k <= c.customer; k++) {
    const n = r.int(0, 24);
    yield `${k}\tCustomer#${pad9(k)}\t${randomString(r, 25)}\t${n}\t${phone(r, n)}\t${money(r.int(-99_999, 999_999))}\t${r.pick(SEGMENTS)}\t${pool.comment(r, 73, 117)}\n`;
  }
}

function partName(r: Rng): string {
  const words: string[] = [];
  while (words.length < 5) {
    const w = r.pick(COLORS);
    if (!words.includes(w)) words.push(w);
  }
  return words.join(' ');
}

function* part(seed: number, pool: TextPool, c: TpchCounts): Generator<string> {
  const r = new Rng(tableSeed(seed, 'part'));
  for (let k = 1; k <= c.part; k++) {
    const m = r.int(1, 5);
    const type = `${r.pick(TYPE_SYLLABLE_1)} ${r.pick(TYPE_SYLLABLE_2)} ${r.pick(TYPE_SYLLABLE_3)}`;
    const container = `${r.pick(CONTAINER_SYLLABLE_1)} ${r.pick(CONTAINER_SYLLABLE_2)}`;
    yield `${k}\t${partName(r)}\tManufacturer#${m}\tBrand#${m}${r.int(1, 5)}\t${type}\t${r.int(1, 50)}\t${container}\t${money(retailCents(k))}\t${pool.comment(r, 14, 23)}\n`;
  }
}

function* partsupp(seed: number, pool: TextPool, c: TpchCounts): Generator<string> {
  const r = new Rng(tableSeed(seed, 'partsupp'));
  for (let k = 1; k <= c.part; k++) {
    for (let i = 0; i < 4; i++) {
      yield `${k}\t${partSupplier(k, i, c.supplier)}\t${r.int(1, 9999)}\t${money(r.int(100, 100_000))}\t${pool.comment(r, 124, 199)}\n`;
    }
  }
}

/** Orders with their lineitems, one pass: yields the rows of `table` ('orders' or 'lineitem'). */
function* ordersAndLines(seed: number, pool: TextPool, c: TpchCounts, table: 'orders' | 'lineitem'): Generator<string> {
  const r = new Rng(tableSeed(seed, 'orders'));
  const clerks = Math.max(1, Math.round(c.supplier / 10));
  const lines: string[] = [];
  for (let i = 0; i < c.orders; i++) {
    const okey = orderKey(i);
    let cust = r.int(1, c.customer);
    // Customers with key ≡ 0 (mod 3) place no orders (Q13, Q22 count on them).
    while (cust % 3 === 0 && c.customer > 2) cust = r.int(1, c.customer);
    const odate = r.int(0, ORDER_DATE_MAX);
    const big = i % 4000 === 1234;
    const n = big ? 7 : r.int(1, 7);
    let total = 0;
    let shipped = 0;
    lines.length = 0;
    for (let ln = 1; ln <= n; ln++) {
      const pkey = r.int(1, c.part);
      const skey = partSupplier(pkey, r.int(0, 3), c.supplier);
      const qty = big ? r.int(44, 50) : r.int(1, 50);
      const disc = r.int(0, 10);
      const tax = r.int(0, 8);
      const ext = qty * retailCents(pkey);
      total += Math.round((ext * (100 + tax) * (100 - disc)) / 10_000);
      const ship = odate + r.int(1, 121);
      const commit = odate + r.int(30, 90);
      const receipt = ship + r.int(1, 30);
      const flag = receipt <= CURRENT_DATE ? (r.next() < 0.5 ? 'R' : 'A') : 'N';
      const status = ship > CURRENT_DATE ? 'O' : 'F';
      if (status === 'F') shipped++;
      const instruct = r.pick(INSTRUCTIONS);
      const mode = r.pick(MODES);
      const comment = pool.comment(r, 27, 44);
      if (table === 'lineitem') {
        lines.push(
          `${okey}\t${pkey}\t${skey}\t${ln}\t${qty}.00\t${money(ext)}\t0.${disc < 10 ? '0' : ''}${disc}\t0.0${tax}\t${flag}\t${status}\t` +
            `${DATES[ship]}\t${DATES[commit]}\t${DATES[receipt]}\t${instruct}\t${mode}\t${comment}\n`,
        );
      }
    }
    const ostatus = shipped === n ? 'F' : shipped === 0 ? 'O' : 'P';
    const priority = r.pick(PRIORITIES);
    const clerk = `Clerk#${pad9(r.int(1, clerks))}`;
    const comment = pool.comment(r, 49, 79);
    if (table === 'orders') yield `${okey}\t${cust}\t${ostatus}\t${money(total)}\t${DATES[odate]}\t${priority}\t${clerk}\t0\t${comment}\n`;
    else yield* lines;
  }
}

/** The COPY text rows (each ending in a newline) of one table at scale `sf`. */
export function tableRows(table: TpchTable, sf: number, seed: number, pool = new TextPool(new Rng(tableSeed(seed, 'text')))): Generator<string> {
  const c = tpchCounts(sf);
  switch (table) {
    case 'region': return region(seed, pool);
    case 'nation': return nation(seed, pool);
    case 'supplier': return supplier(seed, pool, c);
    case 'customer': return customer(seed, pool, c);
    case 'part': return part(seed, pool, c);
    case 'partsupp': return partsupp(seed, pool, c);
    case 'orders': return ordersAndLines(seed, pool, c, 'orders');
    case 'lineitem': return ordersAndLines(seed, pool, c, 'lineitem');
  }
}

/** Rows joined into chunks of about 64 kB, so COPY gets few large writes. */
function* chunks(rows: Iterable<string>, count: { n: number }): Generator<string> {
  let buf = '';
  for (const row of rows) {
    buf += row;
    count.n++;
    if (buf.length >= 65_536) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

/**
 * Loads all eight tables (which must exist and be empty) with one COPY each, in one transaction
 * per table. Returns the row count of each table.
 */
export async function loadTpch(client: pg.Client, sf: number, seed = 1): Promise<Record<TpchTable, number>> {
  const pool = new TextPool(new Rng(tableSeed(seed, 'text')));
  const counts = {} as Record<TpchTable, number>;
  for (const table of TPCH_TABLES) {
    const count = { n: 0 };
    await pipeline(Readable.from(chunks(tableRows(table, sf, seed, pool), count)), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
    counts[table] = count.n;
  }
  return counts;
}
