/*
 * Aggregates of the numeric family against PostgreSQL 17: sum, avg, variance/stddev family,
 * bit_and/or/xor and percentile_cont over seeded random groups (NULLs, NaN and infinities
 * included), evaluated with `SELECT agg(x) FROM (VALUES …)` on the server and with the AggDef's
 * init/step/final here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { Oid, typeName } from '../../../src/pg/types.js';
import { aggsNamed, resultType, type CallContext } from '../../../src/query/functions/registry.js';
import { typeInfo } from '../../../src/query/types/registry.js';
import { serverUrl } from '../../support/pg.js';
import { Oracle, randomText, rng, SETTINGS, show, type Outcome } from '../types/num-oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.connect(serverUrl());
});
afterAll(async () => {
  await oracle.close();
});

const SEED = Number(process.env.NUM_SEED ?? 20261203);
const GROUPS = Number(process.env.NUM_CASES ?? 12);

function local(name: string, type: number, values: readonly (string | null)[], direct?: number): Outcome {
  try {
    const def = aggsNamed(name).find((d) => d.args.length === 1 && d.args[0] === type && resultType(d, [type]) !== 1022)!;
    const ret = resultType(def, [type]);
    const cx: CallContext = { settings: SETTINGS, argTypes: [type], resultType: ret, checkInterrupts: () => undefined };
    let state = def.init(cx);
    const info = typeInfo(type);
    let datums = values.filter((v): v is string => v !== null).map((v) => info.input(v, -1, SETTINGS));
    if (def.orderedSet) datums = datums.sort((a, b) => info.compare!(a, b));
    for (const d of datums) state = def.step(state, [d], cx);
    const out = def.final(state, cx, direct === undefined ? undefined : [direct]);
    return { ok: out === null ? null : typeInfo(ret).output(out, SETTINGS) };
  } catch (e) {
    if (e instanceof SqlError) return { err: `${e.sqlstate} ${e.message}` };
    throw e;
  }
}

async function check(names: readonly string[], types: readonly number[], specials = true): Promise<string[]> {
  const bad: string[] = [];
  for (const name of names) {
    for (const type of types) {
      const r = rng(SEED + type + name.length * 1000 + name.charCodeAt(0));
      for (let g = 0; g < GROUPS; g++) {
        const size = Math.floor(r() * 8);
        const values: (string | null)[] = [];
        for (let i = 0; i < size; i++) {
          if (r() < 0.1) values.push(null);
          else {
            let t = randomText(r, type);
            if (!specials && /nan|inf/i.test(t)) t = '1';
            values.push(t);
          }
        }
        const rows = values.length === 0 ? `SELECT NULL::${typeName(type)} WHERE false` : `VALUES ${values.map((v) => (v === null ? `(NULL::${typeName(type)})` : `('${v}'::${typeName(type)})`)).join(', ')}`;
        const pct = name === 'percentile_cont' ? Math.round(r() * 100) / 100 : undefined;
        const call = pct === undefined ? `${name}(x)` : `${name}(${pct}) WITHIN GROUP (ORDER BY x)`;
        const sql = `SELECT ${call} FROM (${rows}) v(x)`;
        const want = await oracle.server(sql);
        const got = local(name, type, values, pct);
        if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}  (seed ${SEED})`);
      }
    }
  }
  return bad;
}

const { int2, int4, int8, float4, float8, numeric } = Oid;

function localPairs(name: string, pairs: readonly [string, string][]): Outcome {
  try {
    const def = aggsNamed(name).find((d) => d.args.length === 2)!;
    const ret = resultType(def, [float8, float8]);
    const cx: CallContext = { settings: SETTINGS, argTypes: [float8, float8], resultType: ret, checkInterrupts: () => undefined };
    let state = def.init(cx);
    const info = typeInfo(float8);
    for (const [y, x] of pairs) state = def.step(state, [info.input(y, -1, SETTINGS), info.input(x, -1, SETTINGS)], cx);
    const out = def.final(state, cx);
    return { ok: out === null ? null : typeInfo(ret).output(out, SETTINGS) };
  } catch (e) {
    if (e instanceof SqlError) return { err: `${e.sqlstate} ${e.message}` };
    throw e;
  }
}

describe('numeric aggregates match PostgreSQL', () => {
  it('sum and avg', async () => {
    expect((await check(['sum', 'avg'], [int2, int4, int8, float4, float8, numeric])).slice(0, 30)).toEqual([]);
  });
  it('variance and stddev', async () => {
    expect((await check(['variance', 'var_samp', 'var_pop', 'stddev', 'stddev_samp', 'stddev_pop'], [int2, int4, int8, float4, float8, numeric])).slice(0, 30)).toEqual([]);
  });
  it('bit_and, bit_or, bit_xor, percentile_cont', async () => {
    expect((await check(['bit_and', 'bit_or', 'bit_xor'], [int2, int4, int8])).slice(0, 30)).toEqual([]);
    expect((await check(['percentile_cont'], [float8])).slice(0, 30)).toEqual([]);
  });
  it('percentile_cont with an array of fractions', async () => {
    const def = aggsNamed('percentile_cont').find((d) => resultType(d, [float8]) === 1022)!;
    const cx: CallContext = { settings: SETTINGS, argTypes: [float8], resultType: 1022, checkInterrupts: () => undefined };
    let st = def.init(cx);
    for (const v of [1, 2, 3, 4, 5.5]) st = def.step(st, [v], cx);
    const fractions = { elemType: float8, dims: [3], lbounds: [1], items: [0.25, null, 0.9] };
    const out = def.final(st, cx, [fractions]) as { items: readonly unknown[] };
    const want = await oracle.server(`SELECT percentile_cont(ARRAY[0.25, NULL, 0.9]) WITHIN GROUP (ORDER BY x) FROM (VALUES (1::float8), (2), (3), (4), (5.5)) v(x)`);
    expect(show(want)).toBe(`{${out.items.map((x) => (x === null ? 'NULL' : (x as number).toString())).join(',')}}`);
  });
  it('corr, covar_*, regr_*', async () => {
    const bad: string[] = [];
    const names = ['regr_count', 'covar_pop', 'covar_samp', 'corr', 'regr_avgx', 'regr_avgy', 'regr_sxx', 'regr_syy', 'regr_sxy', 'regr_slope', 'regr_intercept', 'regr_r2'];
    for (const name of names) {
      const r = rng(SEED + name.length * 13 + name.charCodeAt(5));
      for (let g = 0; g < GROUPS; g++) {
        const pairs: [string, string][] = [];
        const size = Math.floor(r() * 7);
        for (let i = 0; i < size; i++) {
          const y = String(Math.round((r() * 200 - 100) * 1000) / 1000);
          const x = r() < 0.2 ? '3' : String(Math.round((r() * 200 - 100) * 100) / 100);
          pairs.push([y, x]);
        }
        const rows = pairs.length === 0 ? 'SELECT 1::float8, 1::float8 WHERE false' : `VALUES ${pairs.map(([y, x]) => `(${y}::float8, ${x}::float8)`).join(', ')}`;
        const sql = `SELECT ${name}(y, x) FROM (${rows}) v(y, x)`;
        const want = await oracle.server(sql);
        const got = localPairs(name, pairs);
        if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}`);
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });
});
