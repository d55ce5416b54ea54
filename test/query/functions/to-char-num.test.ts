/*
 * to_char for numbers against PostgreSQL 17: a table of formats (digit positions, zero fill,
 * grouping, FM, every sign placement, V, EEEE, literals) applied to seeded random int4, int8,
 * float8 and numeric values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oid, typeName } from '../../../src/pg/types.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { funcsNamed } from '../../../src/query/functions/registry.js';
import { serverUrl } from '../../support/pg.js';
import { Oracle, randomText, rng, show } from '../types/num-oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.connect(serverUrl());
});
afterAll(async () => {
  await oracle.close();
});

const SEED = Number(process.env.NUM_SEED ?? 20261203);
const FORMATS = [
  '999', '9999.99', '9,999.99', '999G999D99', '0999', '9099', 'FM999', 'FM9999.99', 'FM0.00', '0.99', '9.9', '99.99',
  'S999', '999S', '999MI', 'MI999', '999PR', 'PL999', 'SG999', '999SG', 'FMS999', '99V9', '9.99EEEE', 'FM9.9EEEE', '"n="999', '999 a',
];

describe('to_char(number, text) matches PostgreSQL', () => {
  for (const type of [Oid.int4, Oid.int8, Oid.float8, Oid.numeric]) {
    it(typeName(type), async () => {
      ensureBuiltins();
      const def = funcsNamed('to_char', 'func').find((d) => d.args[0] === type)!;
      const r = rng(SEED + type);
      const bad: string[] = [];
      for (const fmt of FORMATS) {
        for (let i = 0; i < 6; i++) {
          let v = randomText(r, type);
          if (/nan|inf/i.test(v)) v = '0';
          if (type === Oid.float8 && Math.abs(Number(v)) > 1e6) v = String(Number(v) % 1e4);
          const args = [v, fmt];
          const sql = Oracle.sqlFor(def, args, [type, Oid.text]);
          const want = await oracle.server(sql);
          const got = Oracle.local(def, args, [type, Oid.text]);
          if (show(want) !== show(got)) bad.push(`${sql}  pg: [${show(want)}]  memstore: [${show(got)}]`);
        }
      }
      expect(bad.slice(0, 40)).toEqual([]);
    });
  }
});
