/*
 * Array text I/O, order and subscripts against PostgreSQL 17: seeded random text[] and jsonb[]
 * literals (quoting, NULLs, nesting, lower bounds, whitespace), malformed literals (SQLSTATE),
 * btarraycmp over jsonb[] pairs, element fetch and slices.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { arraySlice, arraySubscript, arrayText, compareArrays, parseArray } from '../../../src/query/types/array.js';
import type { ArrayValue } from '../../../src/query/types/datum.js';
import { jsonbText } from '../../../src/query/types/jsonb-core.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { DEFAULT_EVAL } from './eval-defaults.js';
import { outcome, pgOutcome, pick, randomJson, rng } from './json-gen.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  ensureBuiltins();
  db = await testDatabase('arrayt');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);
const TEXT = 25;
const JSONB = 3802;

const ELEMS = ['a', 'b c', '', 'NULL', 'null', 'x"y', 'back\\slash', '{', '}', 'a,b', ' lead', 'trail ', 'é', '😀', 'tab\tx', 'NULLx', '1', '[1:2]'];

function quoteIn(r: () => number, s: string | null): string {
  if (s === null) return pick(r, ['NULL', 'null', ' NULL ']);
  const special = s === '' || /^null$/i.test(s) || /[{}",\\\s]/.test(s);
  if (!special && r() < 0.7) return s;
  if (!special && r() < 0.5) return s.replace(/./gu, (c) => (r() < 0.3 ? '\\' + c : c));
  return '"' + s.replace(/["\\]/g, '\\$&') + '"';
}

function randomArrayLiteral(r: () => number, elem: () => string | null): string {
  const nd = Math.floor(r() * 3) + 1;
  const dims = Array.from({ length: nd }, () => Math.floor(r() * 3) + (nd > 1 ? 1 : 0));
  const sp = (): string => (r() < 0.2 ? ' ' : '');
  const build = (d: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < dims[d]!; i++) parts.push(sp() + (d + 1 < nd ? build(d + 1) : quoteIn(r, elem())) + sp());
    return '{' + parts.join(',') + '}';
  };
  let prefix = '';
  if (r() < 0.2 && dims.every((d) => d > 0)) prefix = dims.map((d) => { const lb = Math.floor(r() * 5) - 2; return `[${lb}:${lb + d - 1}]`; }).join('') + '=';
  return prefix + build(0);
}

const MALFORMED = ['{{},{}}', '{{}}', '{1,,2}', '{1,2', '{1,2}x', '{{1,2},{3}}', '{{1,2},3}', '{1,{2}}', '[1:2]={1}', '[2:1]={}', '[1:2]={1,2', '[1]={5}', ' { 1 , 2 } ', '{ a b , "c d" }', '{a"b}', '{"a"b}', '{a\\,b}', '{NULL,null,"NULL", \\NULL}', '1,2', '{}', '[0:0]={}', '{{1},{2}}', '[1:1][1:2]={{1,2}}', '{ab\\ }', '{a{b}', '[1:2', '[a]={1}', '[1:2]{1,2}', '{"a\\"b"}', '  {}  '];

describe('array text I/O', () => {
  it(`text[] literals match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const lits = [...MALFORMED];
    for (let i = 0; i < 250; i++) lits.push(randomArrayLiteral(r, () => (r() < 0.15 ? null : pick(r, ELEMS))));
    for (const lit of lits) {
      const want = await pgOutcome(client, 'SELECT $1::text[]', [lit]);
      const got = outcome(() => arrayText(parseArray(lit, TEXT, -1, DEFAULT_EVAL), DEFAULT_EVAL));
      expect(got, `${JSON.stringify(lit)} seed ${SEED}`).toEqual(want);
    }
  });

  it(`jsonb[] literals and btarraycmp match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED + 7);
    const lits: string[] = [];
    const docs = ['1', '1.0', '"a"', '[1]', '{}', 'null'];
    for (let i = 0; i < 120; i++) lits.push(randomArrayLiteral(r, () => (r() < 0.1 ? null : r() < 0.5 ? pick(r, docs) : randomJson(r, 2))));
    const vals: ArrayValue[] = [];
    for (const lit of lits) {
      const want = await pgOutcome(client, 'SELECT $1::jsonb[]', [lit]);
      const got = outcome(() => {
        const v = parseArray(lit, JSONB, -1, DEFAULT_EVAL);
        vals.push(v);
        return arrayText(v, DEFAULT_EVAL);
      });
      expect(got, `${JSON.stringify(lit)} seed ${SEED}`).toEqual(want);
    }
    const texts = vals.map((v) => arrayText(v, DEFAULT_EVAL));
    for (let k = 0; k < 300; k++) {
      const i = Math.floor(r() * vals.length);
      const j = r() < 0.2 ? i : Math.floor(r() * vals.length);
      const want = await pgOutcome(client, 'SELECT sign(btarraycmp($1::jsonb[], $2::jsonb[]))::int', [texts[i], texts[j]]);
      expect({ text: String(Math.sign(compareArrays(vals[i]!, vals[j]!))) }, `${texts[i]} vs ${texts[j]} seed ${SEED}`).toEqual(want);
    }
  });
});

describe('subscripts', () => {
  it(`element fetch and slices match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED + 3);
    for (let k = 0; k < 200; k++) {
      const lit = randomArrayLiteral(r, () => (r() < 0.1 ? null : pick(r, ['1', '[2]', '"x"', '{"a":1}'])));
      const a = parseArray(lit, JSONB, -1, DEFAULT_EVAL);
      const nd = Math.max(1, a.dims.length);
      const n = r() < 0.8 ? nd : Math.floor(r() * 3) + 1;
      const ix = Array.from({ length: n }, () => Math.floor(r() * 6) - 2);
      const want = await pgOutcome(client, `SELECT ($1::jsonb[])${ix.map((i) => `[${i}]`).join('')}`, [lit]);
      const v = arraySubscript(a, ix);
      expect({ text: v === null ? null : jsonbText(v as never) }, `${lit}${ix.map((i) => `[${i}]`).join('')} seed ${SEED}`).toEqual(want);
      const lo = ix.map((i) => (r() < 0.2 ? undefined : i));
      const hi = ix.map((i) => (r() < 0.2 ? undefined : i + Math.floor(r() * 4) - 1));
      const sl = lo.map((l, d) => `[${l ?? ''}:${hi[d] ?? ''}]`).join('');
      const wantS = await pgOutcome(client, `SELECT ($1::jsonb[])${sl}`, [lit]);
      const s = arraySlice(a, lo, hi);
      expect({ text: s === null ? null : arrayText(s, DEFAULT_EVAL) }, `${lit}${sl} seed ${SEED}`).toEqual(wantS);
    }
  });
});
