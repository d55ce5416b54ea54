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
    const def = aggsNamed(name).find((d) => d.args.length === 1 && d.args[0] === type)!;
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
});
