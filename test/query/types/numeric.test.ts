/*
 * The numeric family's types (bool, int2/int4/int8, oid, float4/float8, numeric) and casts
 * against PostgreSQL 17: input syntax and errors, output (float shortest form and
 * extra_float_digits ≤ 0), numeric typmods, every registered cast between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { Oid, typeName } from '../../../src/pg/types.js';
import { typeInfo } from '../../../src/query/types/registry.js';
import { serverUrl } from '../../support/pg.js';
import { GENERATED, Oracle, randomText, rng, SETTINGS, show } from './num-oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.connect(serverUrl());
});
afterAll(async () => {
  await oracle.close();
});

const SEED = Number(process.env.NUM_SEED ?? 20261203);
const CASES = Number(process.env.NUM_CASES ?? 40);
const q = (t: string): string => `'${t.replace(/'/g, "''")}'`;

const ODD_INPUTS = [
  '', ' ', '  12  ', '+7', '-0', '0x1F', '0o17', '0b101', '-0x80', '1_000', '1__0', '_1', '1_', '12abc', 'abc', '1.5', '1e3', '.5', '5.', '1.2.3',
  '99999', '-32769', '2147483648', '-2147483649', '9223372036854775808', '-9223372036854775809', '4294967295', '4294967296', '-1',
  'NaN', 'nan', '+nan', 'inf', '-inf', 'Infinity', '-INFINITY', 'infinite', '1e400', '-1e400', '1e-400', '1e-320', '0x10', '0x1p3', ' 1e400x',
  '3.4028236e38', '1.5e-45', '1e-46', '1e1000', '1e-1001', '1e131072', '123.456e-2', '-.0', '0.000', '00012.3400', 'true', 'yes', 'of', 'off', 'on', 'n', '1', '0', '2', 'tRuE ',
];

describe('input and output match PostgreSQL', () => {
  for (const type of GENERATED) {
    it(`${typeName(type)}`, async () => {
      const r = rng(SEED + type);
      const texts = [...ODD_INPUTS, ...Array.from({ length: CASES }, () => randomText(r, type))];
      const bad: string[] = [];
      for (const t of texts) {
        const sql = `SELECT ${q(t)}::${typeName(type)}`;
        const want = await oracle.server(sql);
        const got = Oracle.localInput(type, t);
        if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}`);
      }
      expect(bad.slice(0, 30)).toEqual([]);
    });
  }

  it('numeric typmods round and overflow like numeric(p,s)', async () => {
    const r = rng(SEED);
    const mods: [number, number][] = [[5, 2], [3, 0], [10, 4], [4, 4], [3, -2], [2, 5], [20, 10], [1, 0]];
    const bad: string[] = [];
    for (const [p, s] of mods) {
      const typmod = ((p << 16) | (s & 0x7ff)) + 4;
      for (let i = 0; i < CASES; i++) {
        const t = randomText(r, Oid.numeric);
        const sql = `SELECT ${q(t)}::numeric(${p},${s})`;
        const want = await oracle.server(sql);
        const got = Oracle.localInput(Oid.numeric, t, typmod);
        if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}`);
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
    expect(typeInfo(Oid.numeric).formatTypmod!(((10 << 16) | 2) + 4)).toBe('numeric(10,2)');
  });

  it('floats under extra_float_digits -15..3', async () => {
    const r = rng(SEED + 7);
    const bad: string[] = [];
    for (const efd of [-15, -5, -1, 0, 1, 2, 3]) {
      await oracle.server(`SET extra_float_digits = ${efd}`);
      for (const type of [Oid.float4, Oid.float8]) {
        for (let i = 0; i < 20; i++) {
          const t = randomText(r, type);
          const sql = `SELECT ${q(t)}::${typeName(type)}`;
          const want = await oracle.server(sql);
          let got: string;
          try {
            const info = typeInfo(type);
            got = info.output(info.input(t, -1, SETTINGS), { ...SETTINGS, extraFloatDigits: efd });
          } catch (e) {
            got = e instanceof SqlError ? `ERROR ${e.sqlstate} ${e.message}` : String(e);
          }
          if (show(want) !== got) bad.push(`efd ${efd}: ${sql}  pg: ${show(want)}  memstore: ${got}`);
        }
      }
    }
    await oracle.server('SET extra_float_digits = 1');
    expect(bad.slice(0, 30)).toEqual([]);
  });
});

describe('casts match PostgreSQL', () => {
  it('every cast between the family types', async () => {
    const bad: string[] = [];
    const { bool, int2, int4, int8, oid, float4, float8, numeric } = Oid;
    const types = [bool, int2, int4, int8, oid, float4, float8, numeric];
    for (const s of types) {
      for (const t of types) {
        if (s === t) continue;
        const r = rng(SEED + s * 7 + t);
        const c = (await import('../../../src/query/types/registry.js')).findCast(s, t);
        if (c === undefined) continue;
        for (let i = 0; i < CASES; i++) {
          const text = randomText(r, s);
          const sql = `SELECT ${q(text)}::${typeName(s)}::${typeName(t)}`;
          const want = await oracle.server(sql);
          const got = Oracle.localCast(s, t, text);
          if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}`);
        }
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });
});
