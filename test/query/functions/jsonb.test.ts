/*
 * jsonb / json operators and functions against PostgreSQL 17: seeded random documents, keys,
 * indexes and paths taken from them (and some missing ones), every operator and function; the
 * output text or the SQLSTATE must be equal. The seed is printed in each failure message.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonb } from '../../../src/query/types/json-parse.js';
import { isJsonArray, isJsonObject, jsonbText } from '../../../src/query/types/jsonb-core.js';
import type { JsonNode } from '../../../src/query/types/datum.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { pgOutcome, pgRows, pick, randomJson, rng } from '../types/json-gen.js';
import { callOutcome, srfOutcome, T } from './call.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await testDatabase('jsonbf');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);

const SQL_TYPE: Record<number, string> = { [T.bool]: 'bool', [T.int4]: 'int4', [T.text]: 'text', [T.json]: 'json', [T.jsonb]: 'jsonb', [T.textArr]: 'text[]' };

/** Keys and indexes that occur in the document (and a few that do not). */
function stepsOf(r: () => number, v: JsonNode): string[] {
  if (isJsonObject(v)) return v.keys.length ? [pick(r, v.keys), 'zz'] : ['a'];
  if (isJsonArray(v)) return [String(Math.floor(r() * (v.items.length + 2)) - 1), '-1', 'x'];
  return ['0', 'a'];
}

function randomPath(r: () => number, v: JsonNode): string[] {
  const path: string[] = [];
  let cur: JsonNode | undefined = v;
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const steps = stepsOf(r, cur ?? v);
    const s = pick(r, steps);
    path.push(s);
    if (cur !== undefined && isJsonObject(cur)) cur = cur.values[cur.keys.indexOf(s)];
    else if (cur !== undefined && isJsonArray(cur)) cur = cur.items[Number(s) < 0 ? cur.items.length + Number(s) : Number(s)];
    else cur = undefined;
  }
  return path;
}

const arr = (xs: readonly string[]): string => '{' + xs.map((x) => '"' + x.replace(/["\\]/g, '\\$&') + '"').join(',') + '}';

/** A part of the document (for @> that is true now and then). */
function subDoc(r: () => number, v: JsonNode): string {
  if (isJsonObject(v)) {
    const keep = v.keys.map((k, i) => [k, v.values[i]!] as const).filter(() => r() < 0.5);
    return '{' + keep.map(([k, x]) => JSON.stringify(k) + ':' + (r() < 0.7 ? jsonbText(x) : subDoc(r, x))).join(',') + '}';
  }
  if (isJsonArray(v)) return '[' + v.items.filter(() => r() < 0.5).map((x) => (r() < 0.7 ? jsonbText(x) : subDoc(r, x))).join(',') + ']';
  return jsonbText(v);
}

interface Case {
  name: string;
  kind: 'op' | 'func';
  types: number[];
  args: (string | null)[];
  ret: number;
}

function sqlOf(c: Case): string {
  const a = c.args.map((_, i) => `$${i + 1}::${SQL_TYPE[c.types[i]!]}`);
  if (c.kind === 'op') return `SELECT ${a[0]} ${c.name} ${a[1]}`;
  if (c.name.includes('extract_path')) return `SELECT ${c.name}(${a[0]}, VARIADIC ${a[1]})`;
  return `SELECT ${c.name}(${a.join(', ')})`;
}

function casesFor(r: () => number, doc: string, other: string): Case[] {
  const v = parseJsonb(doc);
  const step = pick(r, stepsOf(r, v));
  const idx = String(Math.floor(r() * 6) - 3);
  const path = arr(randomPath(r, v));
  const sub = r() < 0.6 ? subDoc(r, v) : other;
  const keys = arr([step, pick(r, ['a', 'b', 'key', ''])]);
  const o = (name: string, types: number[], args: (string | null)[], ret: number): Case => ({ name, kind: 'op', types, args, ret });
  const f = (name: string, types: number[], args: (string | null)[], ret: number): Case => ({ name, kind: 'func', types, args, ret });
  const J = T.jsonb;
  return [
    o('->', [J, T.text], [doc, step], J),
    o('->', [J, T.int4], [doc, idx], J),
    o('->>', [J, T.text], [doc, step], T.text),
    o('->>', [J, T.int4], [doc, idx], T.text),
    o('#>', [J, T.textArr], [doc, path], J),
    o('#>>', [J, T.textArr], [doc, path], T.text),
    o('@>', [J, J], [doc, sub], T.bool),
    o('<@', [J, J], [sub, doc], T.bool),
    o('?', [J, T.text], [doc, step], T.bool),
    o('?|', [J, T.textArr], [doc, keys], T.bool),
    o('?&', [J, T.textArr], [doc, keys], T.bool),
    o('||', [J, J], [doc, other], J),
    o('-', [J, T.text], [doc, step], J),
    o('-', [J, T.int4], [doc, idx], J),
    o('-', [J, T.textArr], [doc, keys], J),
    o('#-', [J, T.textArr], [doc, path], J),
    o('=', [J, J], [doc, r() < 0.3 ? doc : other], T.bool),
    o('<', [J, J], [doc, other], T.bool),
    f('jsonb_typeof', [J], [doc], T.text),
    f('jsonb_array_length', [J], [doc], T.int4),
    f('jsonb_strip_nulls', [J], [doc], J),
    f('jsonb_pretty', [J], [doc], T.text),
    f('jsonb_extract_path', [J, T.textArr], [doc, path], J),
    f('jsonb_extract_path_text', [J, T.textArr], [doc, path], T.text),
    f('jsonb_set', [J, T.textArr, J, T.bool], [doc, path, other, pick(r, ['t', 'f'])], J),
    f('jsonb_set', [J, T.textArr, J], [doc, path, other], J),
    f('jsonb_insert', [J, T.textArr, J, T.bool], [doc, path, other, pick(r, ['t', 'f'])], J),
    o('->', [T.json, T.text], [doc, step], T.json),
    o('->', [T.json, T.int4], [doc, idx], T.json),
    o('->>', [T.json, T.text], [doc, step], T.text),
    o('->>', [T.json, T.int4], [doc, idx], T.text),
    o('#>', [T.json, T.textArr], [doc, path], T.json),
    o('#>>', [T.json, T.textArr], [doc, path], T.text),
    f('json_typeof', [T.json], [doc], T.text),
    f('json_array_length', [T.json], [doc], T.int4),
  ];
}

const SRFS: [string, number][] = [
  ['jsonb_array_elements', T.jsonb],
  ['jsonb_array_elements_text', T.text],
  ['jsonb_object_keys', T.text],
  ['jsonb_each', T.record],
  ['jsonb_each_text', T.record],
];

const JSON_SRFS: [string, number][] = [
  ['json_array_elements', T.json],
  ['json_array_elements_text', T.text],
  ['json_object_keys', T.text],
  ['json_each', T.record],
  ['json_each_text', T.record],
];

const FIXED = ['{"a":1,"b":[1,2,{"c":null}],"c":{"d":"x"}}', '[1,2,3]', '[]', '{}', '1', '"a"', 'null', '[[1,2],[3]]', '["a","b","a"]', '{"a":{"b":{"c":1}}}'];

describe('jsonb and json operators and functions', () => {
  it(`match PostgreSQL on random documents (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const docs = [...FIXED];
    for (let i = 0; i < 60; i++) docs.push(randomJson(r));
    let n = 0;
    for (const doc of docs) {
      for (const c of casesFor(r, doc, pick(r, docs))) {
        const want = await pgOutcome(client, sqlOf(c), c.args);
        const got = callOutcome(c.name, c.kind, c.types, c.args, c.ret);
        expect(got, `${sqlOf(c)} ${JSON.stringify(c.args)} seed ${SEED}`).toEqual(want);
        n++;
      }
      for (const [name, ret] of JSON_SRFS) {
        const want = await pgRows(client, `SELECT * FROM ${name}($1::json)`, [doc]);
        const got = srfOutcome(name, [T.json], [doc], ret);
        expect(got, `${name}(${doc}) seed ${SEED}`).toEqual(want);
      }
      for (const [name, ret] of SRFS) {
        const want = await pgRows(client, `SELECT * FROM ${name}($1::jsonb)`, [doc]);
        const got = srfOutcome(name, [T.jsonb], [doc], ret);
        expect(got, `${name}(${doc}) seed ${SEED}`).toEqual(want);
      }
    }
    expect(n).toBeGreaterThan(1000);
  });
});
