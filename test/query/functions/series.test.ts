/*
 * generate_series over int4, int8 and numeric against PostgreSQL 17: the values (as
 * string_agg of their output text) and the 22023 errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { Oid, typeName } from '../../../src/pg/types.js';
import { funcsNamed, type CallContext } from '../../../src/query/functions/registry.js';
import { typeInfo } from '../../../src/query/types/registry.js';
import { serverUrl } from '../../support/pg.js';
import { Oracle, SETTINGS, show, type Outcome } from '../types/num-oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.connect(serverUrl());
});
afterAll(async () => {
  await oracle.close();
});

function local(type: number, args: readonly string[]): Outcome {
  try {
    const def = funcsNamed('generate_series', 'func').find((d) => d.args[0] === type)!;
    const info = typeInfo(type);
    const cx: CallContext = { settings: SETTINGS, argTypes: args.map(() => type), resultType: type, checkInterrupts: () => undefined };
    const out = [...def.set!(args.map((a) => info.input(a, -1, SETTINGS)), cx)].map((d) => info.output(d, SETTINGS));
    return { ok: out.length === 0 ? null : out.join(',') };
  } catch (e) {
    if (e instanceof SqlError) return { err: `${e.sqlstate} ${e.message}` };
    throw e;
  }
}

const CASES: readonly [number, readonly string[]][] = [
  [Oid.int4, ['1', '5']],
  [Oid.int4, ['5', '1']],
  [Oid.int4, ['5', '1', '-2']],
  [Oid.int4, ['1', '10', '3']],
  [Oid.int4, ['1', '3', '0']],
  [Oid.int4, ['2147483645', '2147483647']],
  [Oid.int4, ['-2147483647', '-2147483648', '-1']],
  [Oid.int8, ['9223372036854775805', '9223372036854775807']],
  [Oid.int8, ['-3', '3', '2']],
  [Oid.int8, ['1', '2', '0']],
  [Oid.numeric, ['1.5', '3', '0.50']],
  [Oid.numeric, ['1', '2']],
  [Oid.numeric, ['0.1', '-0.35', '-0.1']],
  [Oid.numeric, ['NaN', '3']],
  [Oid.numeric, ['1', 'NaN']],
  [Oid.numeric, ['1', '3', 'NaN']],
  [Oid.numeric, ['Infinity', '3']],
  [Oid.numeric, ['1', '-Infinity']],
  [Oid.numeric, ['1', '3', 'Infinity']],
  [Oid.numeric, ['1', '3', '0']],
];

describe('generate_series matches PostgreSQL', () => {
  it('int4, int8 and numeric series and errors', async () => {
    const bad: string[] = [];
    for (const [type, args] of CASES) {
      const lits = args.map((a) => `'${a}'::${typeName(type)}`).join(', ');
      const sql = `SELECT string_agg(x::text, ',') FROM generate_series(${lits}) x`;
      const want = await oracle.server(sql);
      const got = local(type, args);
      if (show(want) !== show(got)) bad.push(`${sql}  pg: ${show(want)}  memstore: ${show(got)}`);
    }
    expect(bad).toEqual([]);
  });
});
