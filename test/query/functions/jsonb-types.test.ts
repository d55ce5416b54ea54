/*
 * to_json / to_jsonb / json(b)_build_* / array casts over the other families' types (integers,
 * numeric, floats, dates and timestamps under a few TimeZone/DateStyle settings, intervals, uuid,
 * arrays of them), through the registry's own input functions, against PostgreSQL 17.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { funcsNamed } from '../../../src/query/functions/registry.js';
import { DEFAULT_OUTPUT } from '../../../src/query/types/datum.js';
import { jsonbText } from '../../../src/query/types/jsonb-core.js';
import { findCast, typeInfo, type EvalSettings } from '../../../src/query/types/registry.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { pgOutcome, type Outcome } from '../types/json-gen.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  ensureBuiltins();
  db = await testDatabase('jsonbty');
  client = db.client;
});
afterAll(async () => {
  await db.drop();
});

const VALUES: [string, string[]][] = [
  ['int2', ['1', '-32768']],
  ['int4', ['0', '2147483647', '-5']],
  ['int8', ['9223372036854775807', '-1']],
  ['numeric', ['1.50', '-0.0', 'NaN', 'Infinity', '123456789012345678901234567890.000001', '1e-5']],
  ['float4', ['1.5', 'NaN', '-Infinity', '1e30']],
  ['float8', ['1e20', '0.1', 'Infinity', '-0', '1e-7']],
  ['bool', ['t', 'f']],
  ['text', ['a "b"', '']],
  ['date', ['2024-02-29', 'infinity', '0044-03-15 BC']],
  ['timestamp', ['2024-01-01 10:00:00.5', '-infinity', '0044-03-15 10:00 BC']],
  ['timestamptz', ['2024-01-01 10:00:00+05:30', '2024-07-01 00:00:00.123456+00', 'infinity']],
  ['interval', ['1 day 02:00:00', '-1 mons']],
  ['uuid', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
  ['int4[]', ['{1,NULL,3}', '{{1,2},{3,4}}', '[0:1]={5,6}']],
  ['numeric[]', ['{1.0,2.50}']],
  ['timestamptz[]', ['{"2024-01-01 10:00:00+00"}']],
  ['text[]', ['{a,"b c",NULL}']],
];

const SETTINGS: [string, Partial<EvalSettings>][] = [
  ["SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'", {}],
  ["SET TimeZone = 'Asia/Kolkata'; SET DateStyle = 'SQL, DMY'", { timeZone: 'Asia/Kolkata', dateStyle: 'SQL', dateOrder: 'DMY' }],
  ["SET TimeZone = 'America/New_York'; SET DateStyle = 'German'", { timeZone: 'America/New_York', dateStyle: 'German', dateOrder: 'DMY' }],
];

function oidOf(name: string): number {
  const base: Record<string, number> = { int2: 21, int4: 23, int8: 20, numeric: 1700, float4: 700, float8: 701, bool: 16, text: 25, date: 1082, timestamp: 1114, timestamptz: 1184, interval: 1186, uuid: 2950 };
  if (name.endsWith('[]')) return typeInfo(base[name.slice(0, -2)]!).array || { int4: 1007, numeric: 1231, timestamptz: 1185, text: 1009 }[name.slice(0, -2)]!;
  return base[name]!;
}

function mine(fn: () => string | null): Outcome {
  try {
    return { text: fn() };
  } catch (e) {
    if (e instanceof SqlError) return { code: e.sqlstate };
    throw e;
  }
}

describe('to_json(b) over the common types', () => {
  it('matches PostgreSQL under several settings', async () => {
    for (const [set, over] of SETTINGS) {
      await client.query(set);
      const s: EvalSettings = { ...DEFAULT_OUTPUT, ...over, transactionStart: 0n, statementStart: 0n };
      for (const [type, texts] of VALUES) {
        const oid = oidOf(type);
        for (const t of texts) {
          const d = typeInfo(oid).input(t, -1, s);
          const cx = { settings: s, argTypes: [oid], resultType: 3802, checkInterrupts: () => undefined };
          const toJsonb = funcsNamed('to_jsonb', 'func')[0]!;
          const toJson = funcsNamed('to_json', 'func')[0]!;
          expect(mine(() => jsonbText(toJsonb.call!([d], cx) as never)), `to_jsonb('${t}'::${type}) ${set}`).toEqual(await pgOutcome(client, `SELECT to_jsonb($1::${type})`, [t]));
          expect(mine(() => toJson.call!([d], cx) as string), `to_json('${t}'::${type}) ${set}`).toEqual(await pgOutcome(client, `SELECT to_json($1::${type})`, [t]));
          const b = funcsNamed('json_build_object', 'func').find((f) => f.args.length > 0)!;
          const cx2 = { ...cx, argTypes: [oid, oid] };
          if (!type.endsWith('[]')) {
            expect(mine(() => b.call!([d, d], cx2) as string), `json_build_object('${t}'::${type}) ${set}`).toEqual(await pgOutcome(client, `SELECT json_build_object($1::${type}, $1::${type})`, [t]));
          }
        }
      }
    }
    await client.query('RESET TimeZone; RESET DateStyle');
  });
});

describe('array casts', () => {
  it('element by element, as PostgreSQL', async () => {
    const cases: [string, string, string][] = [
      ['int4[]', 'int8[]', '{1,NULL,3}'],
      ['int4[]', 'text[]', '{{1,2},{3,4}}'],
      ['text[]', 'int4[]', '{1,2}'],
      ['text[]', 'int4[]', '{1,x}'],
      ['int4[]', 'numeric[]', '[0:1]={5,6}'],
      ['numeric[]', 'int4[]', '{1.5,2.5}'],
      ['int4[]', 'text', '{1,2}'],
      ['jsonb[]', 'text[]', '{"{\\"a\\": 1}"}'],
    ];
    for (const [from, to, lit] of cases) {
      const fo = oidOf(from);
      const too = to === 'text' ? 25 : to === 'jsonb[]' ? 3807 : oidOf(to === 'int8[]' ? 'int8' : to);
      const target = to === 'int8[]' ? 1016 : too;
      const source = from === 'jsonb[]' ? 3807 : fo;
      const got = mine(() => {
        const c = findCast(source, target);
        if (c === undefined) return 'no cast';
        return typeInfo(target).output(c.convert(typeInfo(source).input(lit, -1, { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n }), { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n }), DEFAULT_OUTPUT);
      });
      expect(got, `${lit}::${from}::${to}`).toEqual(await pgOutcome(client, `SELECT $1::${from}::${to}`, [lit]));
    }
  });
});
