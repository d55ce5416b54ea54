/*
 * array_agg, json_agg, jsonb_agg, json_object_agg, jsonb_object_agg, to_json(b) and the build
 * functions against PostgreSQL 17 over seeded random inputs (jsonb, json, text, bool, arrays).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { aggsNamed, Pseudo } from '../../../src/query/functions/registry.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { pgOutcome, pick, randomJson, rng, type Outcome } from '../types/json-gen.js';
import { callOutcome, cx, decode, encode, T } from './call.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  ensureBuiltins();
  db = await testDatabase('aggc');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);
const SQL_TYPE: Record<number, string> = { [T.bool]: 'bool', [T.text]: 'text', [T.json]: 'json', [T.jsonb]: 'jsonb', [T.textArr]: 'text[]', [T.jsonbArr]: 'jsonb[]' };
const ARRAY_OF: Record<number, number> = { [T.bool]: 1000, [T.text]: T.textArr, [T.json]: 199, [T.jsonb]: T.jsonbArr, [T.textArr]: T.textArr, [T.jsonbArr]: T.jsonbArr };

function aggOutcome(name: string, types: number[], rows: (string | null)[][], ret: number): Outcome {
  try {
    const isArr = (t: number): boolean => t === T.textArr || t === T.jsonbArr;
    const def = aggsNamed(name).find((d) => d.args.length === types.length && d.args.every((a, i) => a === types[i] || (a === Pseudo.anyarray ? isArr(types[i]!) : a === Pseudo.anynonarray ? !isArr(types[i]!) : a === Pseudo.any || a === Pseudo.anyelement)))!;
    const c = cx(types, ret);
    let st = def.init(c);
    for (const row of rows) {
      const args = row.map((v, i) => decode(types[i]!, v));
      if (def.strict && args.some((a) => a === null)) continue;
      st = def.step(st, args, c);
    }
    const out = def.final(st, c);
    if (ret === T.jsonbArr || ret === T.textArr || ret === 1000 || ret === 199) {
      return { text: out === null ? null : encode(T.textArr, { ...(out as never as object), items: (out as unknown as { items: unknown[] }).items.map((x) => (x === null ? null : encode(types[0] === T.textArr || types[0] === T.jsonbArr ? (types[0] === T.jsonbArr ? T.jsonb : T.text) : types[0]!, x as never))) } as never) };
    }
    return { text: encode(ret, out) };
  } catch (e) {
    if (e instanceof SqlError) return { code: e.sqlstate };
    throw e;
  }
}

function literal(r: () => number, t: number): string | null {
  if (r() < 0.15) return null;
  switch (t) {
    case T.bool:
      return pick(r, ['t', 'f']);
    case T.text:
      return pick(r, ['a', 'b c', '', 'x"y', 'é', 'NULL', '1', 'new\nline']);
    case T.json:
      return pick(r, ['{"a" :  1}', '[1, 2]', '"x"', '1e2', 'null']);
    case T.jsonb:
      return randomJson(r, 2);
    case T.textArr:
      return pick(r, ['{a,b}', '{c,NULL}', '{"x y",z}']);
    default:
      return pick(r, ['{1,"[2]"}', '{"{\\"a\\":1}",NULL}', '{null,"\\"s\\""}']);
  }
}

describe('collecting aggregates', () => {
  it(`match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const types = [T.bool, T.text, T.json, T.jsonb, T.textArr, T.jsonbArr];
    for (let k = 0; k < 60; k++) {
      const t = pick(r, types);
      const n = Math.floor(r() * 5);
      const vals = Array.from({ length: n }, () => literal(r, t));
      const keys = Array.from({ length: n }, () => (r() < 0.05 ? null : pick(r, ['a', 'b', 'c', 'aa', 'é'])));
      const src = `FROM unnest($1::text[]) WITH ORDINALITY u(v, o)`;
      const arr = '{' + vals.map((v) => (v === null ? 'NULL' : '"' + v.replace(/["\\]/g, '\\$&') + '"')).join(',') + '}';
      const keyArr = '{' + keys.map((v) => (v === null ? 'NULL' : '"' + v + '"')).join(',') + '}';
      const st = SQL_TYPE[t]!;
      const checks: [string, string, number[], (string | null)[][], number, unknown[]][] = [
        ['array_agg', `SELECT array_agg(v::${st} ORDER BY o) ${src}`, [t], vals.map((v) => [v]), ARRAY_OF[t]!, [arr]],
        ['jsonb_agg', `SELECT jsonb_agg(v::${st} ORDER BY o) ${src}`, [t], vals.map((v) => [v]), T.jsonb, [arr]],
        ['json_agg', `SELECT json_agg(v::${st} ORDER BY o) ${src}`, [t], vals.map((v) => [v]), T.json, [arr]],
        ['jsonb_object_agg', `SELECT jsonb_object_agg(k, v::${st} ORDER BY o) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY u(v, k, o)`, [T.text, t], vals.map((v, i) => [keys[i]!, v]), T.jsonb, [arr, keyArr]],
        ['json_object_agg', `SELECT json_object_agg(k, v::${st} ORDER BY o) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY u(v, k, o)`, [T.text, t], vals.map((v, i) => [keys[i]!, v]), T.json, [arr, keyArr]],
      ];
      for (const [name, sql, ts, rows, ret, params] of checks) {
        const want = await pgOutcome(client, sql, params);
        const argTypes = name.includes('object') ? [T.text, t] : ts;
        const got = aggOutcome(name, argTypes, rows, ret);
        expect(got, `${sql} ${JSON.stringify(params)} seed ${SEED}`).toEqual(want);
      }
    }
  });
});

describe('to_json(b) and the build functions', () => {
  it(`match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED + 1);
    const types = [T.bool, T.text, T.json, T.jsonb, T.textArr, T.jsonbArr];
    for (let k = 0; k < 80; k++) {
      const n = Math.floor(r() * 5);
      const ts = Array.from({ length: n }, () => pick(r, types));
      const vs = ts.map((t, i) => (i % 2 === 0 && r() < 0.8 ? pick(r, ['a', 'b', 'k', 'a']) : literal(r, t)));
      const ts2 = ts.map((t, i) => (i % 2 === 0 && vs[i] !== null && ['a', 'b', 'k'].includes(vs[i]!) ? T.text : t));
      const a = ts2.map((t, i) => `$${i + 1}::${SQL_TYPE[t]}`).join(', ');
      for (const [name, ret] of [['jsonb_build_object', T.jsonb], ['json_build_object', T.json], ['jsonb_build_array', T.jsonb], ['json_build_array', T.json]] as const) {
        const want = await pgOutcome(client, `SELECT ${name}(${a})`, vs);
        const got = callOutcome(name, 'func', ts2, vs, ret);
        expect(got, `${name}(${a}) ${JSON.stringify(vs)} seed ${SEED}`).toEqual(want);
      }
      if (n > 0) {
        for (const [name, ret] of [['to_jsonb', T.jsonb], ['to_json', T.json]] as const) {
          const want = await pgOutcome(client, `SELECT ${name}($1::${SQL_TYPE[ts2[0]!]})`, [vs[0]]);
          expect(callOutcome(name, 'func', [ts2[0]!], [vs[0]!], ret), `${name}(${vs[0]}::${SQL_TYPE[ts2[0]!]}) seed ${SEED}`).toEqual(want);
        }
      }
    }
  });
});
