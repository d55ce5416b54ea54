/*
 * Array operators and functions against PostgreSQL 17 over seeded random jsonb[] and text[]
 * values (lower bounds, NULLs, several dimensions): output text or SQLSTATE equal.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { pgOutcome, pgRows, pick, rng } from '../types/json-gen.js';
import { callOutcome, srfOutcome, T } from './call.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await testDatabase('arrayf');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const SEED = Number(process.env.SEED ?? Date.now() % 100000);
const SQL_TYPE: Record<number, string> = { [T.bool]: 'bool', [T.int4]: 'int4', [T.text]: 'text', [T.jsonb]: 'jsonb', [T.textArr]: 'text[]', [T.jsonbArr]: 'jsonb[]', [T.int4Arr]: 'int4[]' };

const ELEMS = ['1', '2', '"a"', '[1]', '{"a":1}', 'null', '1.0'];

function randomArray(r: () => number): string {
  const shape = r();
  const el = (): string => (r() < 0.15 ? 'NULL' : '"' + pick(r, ELEMS).replace(/["\\]/g, '\\$&') + '"');
  if (shape < 0.1) return '{}';
  if (shape < 0.7) {
    const n = Math.floor(r() * 5) + 1;
    const body = '{' + Array.from({ length: n }, el).join(',') + '}';
    if (r() < 0.2) {
      const lb = Math.floor(r() * 4) - 1;
      return `[${lb}:${lb + n - 1}]=` + body;
    }
    return body;
  }
  const a = Math.floor(r() * 2) + 1;
  const b = Math.floor(r() * 3) + 1;
  return '{' + Array.from({ length: a }, () => '{' + Array.from({ length: b }, el).join(',') + '}').join(',') + '}';
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
  return `SELECT ${c.name}(${a.join(', ')})`;
}

describe('array operators and functions', () => {
  it(`match PostgreSQL (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const JA = T.jsonbArr;
    const J = T.jsonb;
    let n = 0;
    for (let k = 0; k < 120; k++) {
      const a = randomArray(r);
      const b = r() < 0.2 ? a : randomArray(r);
      const e = r() < 0.15 ? null : pick(r, ELEMS);
      const e2 = pick(r, ELEMS);
      const dim = String(Math.floor(r() * 4) - 1);
      const o = (name: string, types: number[], args: (string | null)[], ret: number): Case => ({ name, kind: 'op', types, args, ret });
      const f = (name: string, types: number[], args: (string | null)[], ret: number): Case => ({ name, kind: 'func', types, args, ret });
      const cases: Case[] = [
        o('=', [JA, JA], [a, b], T.bool),
        o('<', [JA, JA], [a, b], T.bool),
        o('>=', [JA, JA], [a, b], T.bool),
        o('@>', [JA, JA], [a, b], T.bool),
        o('<@', [JA, JA], [a, b], T.bool),
        o('&&', [JA, JA], [a, b], T.bool),
        o('||', [JA, JA], [a, b], JA),
        o('||', [JA, J], [a, e], JA),
        o('||', [J, JA], [e, a], JA),
        f('array_cat', [JA, JA], [a, b], JA),
        f('array_append', [JA, J], [a, e], JA),
        f('array_prepend', [J, JA], [e, a], JA),
        f('array_length', [JA, T.int4], [a, dim], T.int4),
        f('array_lower', [JA, T.int4], [a, dim], T.int4),
        f('array_upper', [JA, T.int4], [a, dim], T.int4),
        f('array_ndims', [JA], [a], T.int4),
        f('array_dims', [JA], [a], T.text),
        f('cardinality', [JA], [a], T.int4),
        f('array_position', [JA, J], [a, e], T.int4),
        f('array_position', [JA, J, T.int4], [a, e, dim], T.int4),
        f('array_positions', [JA, J], [a, e], T.int4Arr),
        f('array_remove', [JA, J], [a, e], JA),
        f('array_replace', [JA, J, J], [a, e, e2], JA),
        f('array_to_string', [JA, T.text], [a, ','], T.text),
        f('array_to_string', [JA, T.text, T.text], [a, '|', r() < 0.5 ? '*' : null], T.text),
        f('array_fill', [J, T.int4Arr], [e, pick(r, ['{2}', '{2,3}', '{0}', '{}'])], JA),
        f('array_fill', [J, T.int4Arr, T.int4Arr], [e, '{2}', pick(r, ['{0}', '{5}', '{}', '{1,2}'])], JA),
      ];
      for (const c of cases) {
        const want = await pgOutcome(client, sqlOf(c), c.args);
        const got = callOutcome(c.name, c.kind, c.types, c.args, c.ret);
        expect(got, `${sqlOf(c)} ${JSON.stringify(c.args)} seed ${SEED}`).toEqual(want);
        n++;
      }
      const wantU = await pgRows(client, 'SELECT * FROM unnest($1::jsonb[])', [a]);
      expect(srfOutcome('unnest', [JA], [a], J), `unnest ${a} seed ${SEED}`).toEqual(wantU);
      const rev = r() < 0.5 ? 't' : 'f';
      const wantG = await pgRows(client, 'SELECT * FROM generate_subscripts($1::jsonb[], $2::int4, $3::bool)', [a, dim, rev]);
      expect(srfOutcome('generate_subscripts', [JA, T.int4, T.bool], [a, dim, rev], T.int4), `generate_subscripts ${a} ${dim} seed ${SEED}`).toEqual(wantG);
    }
    expect(n).toBeGreaterThan(2000);
  });
});
