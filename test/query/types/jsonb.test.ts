/*
 * jsonb and json types against PostgreSQL 17: input (accepted or the same SQLSTATE), output text,
 * btree order (jsonb_cmp) and hash keys, over seeded random documents (seed printed on failure).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_NULL } from '../../../src/query/types/datum.js';
import { jsonbType } from '../../../src/query/types/jsonb.js';
import { jsonType } from '../../../src/query/types/json.js';
import { DEFAULT_EVAL } from './eval-defaults.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { outcome, pgOutcome, randomJson, rng } from './json-gen.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await testDatabase('jsonbt');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);

const FIXED = ['{"b":1,"aa":[1.0,1e2,-0,-0.0,1E-2,"\\u00e9"],"a":null,"a":2}', '"\\u0000"', '"\\ud800"', '"\\ud83d\\ude00"', '"\\udc00"', '01', '1.', '.5', '-', '1x', '[1,]', '{"a" 1}', '{"a":1,}', 'tru', '', '  ', '[1] x', '"a', '"\\x"', '{1:2}', '1E+2', '[1 2]', '"a\tb"', '{"a":{"b":[]}}', '[[[]]]', '1e400', '-1.5e-3', '"\\/"', 'nullx', ' null ', '{"":1,"\\u00e9":2,"z":3,"é":4}'];

describe('jsonb input/output', () => {
  it(`matches PostgreSQL on fixed and random documents (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const docs = [...FIXED];
    for (let i = 0; i < 300; i++) docs.push(randomJson(r));
    for (const doc of docs) {
      const want = await pgOutcome(client, 'SELECT $1::jsonb::text', [doc]);
      const got = outcome(() => jsonbType.output(jsonbType.input(doc, -1, DEFAULT_EVAL), DEFAULT_EVAL));
      expect(got, `jsonb ${JSON.stringify(doc)} seed ${SEED}`).toEqual(want);
      const wantJ = await pgOutcome(client, 'SELECT $1::json::text', [doc]);
      const gotJ = outcome(() => jsonType.output(jsonType.input(doc, -1, DEFAULT_EVAL), DEFAULT_EVAL));
      expect(gotJ, `json ${JSON.stringify(doc)} seed ${SEED}`).toEqual(wantJ);
    }
  });
});

describe('jsonb order', () => {
  it(`jsonb_cmp and hash keys agree with PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED + 1);
    const docs = ['1', '[]', '[5]', '[1,2]', '{}', 'null', '"a"', 'true', '1.0', '[1.0]', '[1]', '{"a":1}', '{"a":1.00}', '{"b":1}', '{"aa":1}', '[null]', '["a"]', '[[]]', '[{}]'];
    for (let i = 0; i < 150; i++) docs.push(randomJson(r));
    const vals = docs.map((d) => jsonbType.input(d, -1, DEFAULT_EVAL));
    const pairs: [number, number][] = [];
    for (let i = 0; i < docs.length; i++) for (let j = 0; j < 19; j++) pairs.push([i, j]);
    for (let k = 0; k < 300; k++) pairs.push([Math.floor(r() * docs.length), Math.floor(r() * docs.length)]);
    const res = await client.query<{ c: number }>({
      text: 'SELECT sign(jsonb_cmp(a::jsonb, b::jsonb))::int AS c FROM unnest($1::text[], $2::text[]) AS u(a, b)',
      values: [pairs.map(([i]) => docs[i]), pairs.map(([, j]) => docs[j])],
    });
    pairs.forEach(([i, j], n) => {
      const c = Math.sign(jsonbType.compare!(vals[i]!, vals[j]!));
      expect(c, `cmp ${docs[i]} ${docs[j]} seed ${SEED}`).toBe(res.rows[n]!.c);
      if (c === 0) expect(jsonbType.hashKey!(vals[i]!)).toBe(jsonbType.hashKey!(vals[j]!));
    });
  });

  it('keeps JSON null apart from SQL NULL', () => {
    expect(jsonbType.input('null', -1, DEFAULT_EVAL)).toBe(JSON_NULL);
  });
});
