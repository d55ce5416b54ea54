/*
 * Operators of bool, integers, oid, floats and numeric against PostgreSQL 17: for every
 * registered overload, seeded random operands (edges included) evaluated on the server and
 * through the registry; output texts and SQLSTATEs must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../../support/pg.js';
import { knownLimit, Oracle, overloads, randomText, rng, show } from '../types/num-oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.connect(serverUrl());
});
afterAll(async () => {
  await oracle.close();
});

const SEED = Number(process.env.NUM_SEED ?? 20261203);
const CASES = Number(process.env.NUM_CASES ?? 25);

async function check(names: readonly string[]): Promise<string[]> {
  const bad: string[] = [];
  for (const name of names) {
    for (const def of overloads(name, 'op')) {
      const r = rng(SEED + def.args.reduce((a, t) => a * 31 + t, name.charCodeAt(0)));
      for (let i = 0; i < CASES; i++) {
        const args = def.args.map((t) => randomText(r, t));
        const sql = Oracle.sqlFor(def, args, def.args);
        const want = await oracle.server(sql);
        const got = Oracle.local(def, args, def.args);
        if (show(want) !== show(got) && !knownLimit(def.name, want, got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}  (seed ${SEED})`);
      }
    }
  }
  return bad;
}

describe('numeric family operators match PostgreSQL', () => {
  it('arithmetic + - * / %', async () => {
    expect((await check(['+', '-', '*', '/', '%'])).slice(0, 30)).toEqual([]);
  });
  it('comparisons', async () => {
    expect((await check(['=', '<>', '<', '<=', '>', '>='])).slice(0, 30)).toEqual([]);
  });
  it('power, roots, abs, bitwise', async () => {
    expect((await check(['^', '|/', '||/', '@', '&', '|', '#', '~', '<<', '>>'])).slice(0, 30)).toEqual([]);
  });
});
