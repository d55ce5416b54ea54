/*
 * record output (ROW(...)::text) and the jsonb casts against PostgreSQL 17.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import type { NumericValue, RecordValue } from '../../../src/query/types/datum.js';
import { parseJsonb } from '../../../src/query/types/json-parse.js';
import { jsonbText, numericText } from '../../../src/query/types/jsonb-core.js';
import { recordText } from '../../../src/query/types/record.js';
import { findCast } from '../../../src/query/types/registry.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { DEFAULT_EVAL } from './eval-defaults.js';
import { outcome, pgOutcome, pick, rng } from './json-gen.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  ensureBuiltins();
  db = await testDatabase('recordt');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);

describe('record output', () => {
  it(`ROW(text, jsonb, …) prints as PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const texts = ['a', '', 'a b', 'x"y', 'back\\s', '(', ')', ',', 'NULL', 'é', 'tab\t'];
    for (let k = 0; k < 150; k++) {
      const n = Math.floor(r() * 4) + 1;
      const types = Array.from({ length: n }, () => pick(r, [25, 3802]));
      const vals = types.map((t) => (r() < 0.15 ? null : t === 25 ? pick(r, texts) : pick(r, ['1', '"a b"', '{"a": [1, 2]}', 'null', '[]'])));
      const sql = `SELECT ROW(${types.map((t, i) => `$${i + 1}::${t === 25 ? 'text' : 'jsonb'}`).join(', ')})`;
      const want = await pgOutcome(client, sql, vals);
      const rec: RecordValue = { types, fields: vals.map((v, i) => (v === null ? null : types[i] === 25 ? v : parseJsonb(v))) };
      expect({ text: recordText(rec, DEFAULT_EVAL) }, `${sql} ${JSON.stringify(vals)} seed ${SEED}`).toEqual(want);
    }
  });
});

describe('jsonb casts', () => {
  const docs = ['1', '1.5', '2.5', '-2.5', '1e10', '3000000000', '-0', '1.0e2', '12345678901234567890', '"1"', 'true', 'false', 'null', '[1]', '{}', '32767', '32768', '1e-3'];
  const targets: [number, string, (d: unknown) => string][] = [
    [16, 'bool', (d) => (d ? 't' : 'f')],
    [1700, 'numeric', (d) => numericText(d as NumericValue)],
    [21, 'int2', (d) => String(d)],
    [23, 'int4', (d) => String(d)],
    [20, 'int8', (d) => String(d)],
    [114, 'json', (d) => d as string],
  ];
  it('to bool, numeric, integers and json as PostgreSQL', async () => {
    for (const doc of docs) {
      for (const [oid, name, print] of targets) {
        const want = await pgOutcome(client, `SELECT $1::jsonb::${name}`, [doc]);
        const got = outcome(() => print(findCast(3802, oid)!.convert(parseJsonb(doc), DEFAULT_EVAL)));
        expect(got, `${doc}::jsonb::${name}`).toEqual(want);
      }
      const f = await pgOutcome(client, 'SELECT $1::jsonb::float8', [doc]);
      const gotF = outcome(() => {
        const v = findCast(3802, 701)!.convert(parseJsonb(doc), DEFAULT_EVAL);
        return typeof v === 'number' ? String(v) : 'not a number';
      });
      if ('text' in f && 'text' in gotF) expect(Number(gotF.text)).toBe(Number(f.text));
      else expect(gotF, `${doc}::jsonb::float8`).toEqual(f);
    }
  });

  it('json to jsonb as PostgreSQL', async () => {
    for (const doc of ['{"a" :  1, "a": 2}', '[1,  "\\u00e9"]', '"\\u0000"', '{"b":1,"a":[]}']) {
      const want = await pgOutcome(client, 'SELECT $1::json::jsonb', [doc]);
      const got = outcome(() => jsonbText(findCast(114, 3802)!.convert(doc, DEFAULT_EVAL) as never));
      expect(got, doc).toEqual(want);
    }
  });
});
