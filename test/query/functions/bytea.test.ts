/*
 * bytea and uuid functions (functions/bytea.ts) against PostgreSQL 17: encode/decode in every
 * format (including malformed input), digests, byte and bit access, convert_from/convert_to,
 * bytea substr/position/trim/||/comparison, the uuid functions. TEXT_SEED=<n> replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, evalMine, expectSame, findDef, settings, int, int8, pick, randomString, rng, seedFromEnv, startOracle, text, type Arg, type Case, type Oracle } from './text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  oracle = await startOracle('text_bytea');
});
afterAll(async () => {
  await oracle.close();
});

function randomBytes(r: () => number, max = 8): Uint8Array {
  const pool = [0, 1, 0x0a, 0x20, 0x27, 0x41, 0x5c, 0x61, 0x7e, 0x7f, 0x80, 0xc3, 0xa9, 0xff];
  return Uint8Array.from({ length: Math.floor(r() * (max + 1)) }, () => (r() < 0.5 ? pick(r, pool) : Math.floor(r() * 256)));
}

const uuidArg = (s: string): Arg => ({ type: 2950, value: s, sql: `'${s}'::uuid` });

describe('bytea functions match PostgreSQL', () => {
  it('encode, decode, digests, lengths', async () => {
    const r = rng(seed);
    const cases: Case[] = [];
    const lens = [0, 1, 2, 3, 56, 57, 58, 60, 114, 115, 120];
    for (let i = 0; i < 150; i++) {
      const b = i < lens.length ? Uint8Array.from({ length: lens[i]! }, (_, k) => (k * 37) & 0xff) : randomBytes(r);
      for (const f of ['hex', 'base64', 'escape', 'HEX', 'nope']) cases.push({ fn: 'encode', args: [bytes(b), text(f)] });
      for (const fn of ['md5', 'sha224', 'sha256', 'sha384', 'sha512', 'length', 'octet_length', 'bit_length', 'bit_count']) cases.push({ fn, args: [bytes(b)] });
      const t = randomString(r, ['a', 'B', '0', 'f', 'g', ' ', '\n', '=', '+', '/', '\\', '1', '7', 'é'], 10);
      for (const f of ['hex', 'base64', 'escape']) cases.push({ fn: 'decode', args: [text(t), text(f)] });
      cases.push({ fn: 'decode', args: [text(Buffer.from(b).toString('base64')), text('base64')] });
    }
    cases.push({ fn: 'md5', args: [text('é😀')] });
    await expectSame(oracle, cases, seed);
  });

  it('byte access, substr, position, trim, ||, comparisons, LIKE escape', async () => {
    const r = rng(seed + 1);
    const cases: Case[] = [];
    for (let i = 0; i < 200; i++) {
      const a = randomBytes(r, 5);
      const b = randomBytes(r, 2);
      const n = pick(r, [-1, 0, 1, 2, 4, 7, 9, 40]);
      cases.push({ fn: 'get_byte', args: [bytes(a), int(n)] });
      cases.push({ fn: 'set_byte', args: [bytes(a), int(n), int(pick(r, [0, 65, 300, -1]))] });
      cases.push({ fn: 'get_bit', args: [bytes(a), int8(BigInt(n))] });
      cases.push({ fn: 'set_bit', args: [bytes(a), int8(BigInt(n)), int(pick(r, [0, 1, 2]))] });
      cases.push({ fn: 'substr', args: [bytes(a), int(n)] });
      cases.push({ fn: 'substring', args: [bytes(a), int(n), int(pick(r, [-1, 0, 2, 9]))] });
      cases.push({ fn: 'position', args: [bytes(a), bytes(b)] });
      for (const fn of ['btrim', 'ltrim', 'rtrim']) cases.push({ fn, args: [bytes(a), bytes(b)] });
      cases.push({ fn: '||', kind: 'op', args: [bytes(a), bytes(b)] });
      for (const op of ['=', '<>', '<', '<=', '>', '>=']) cases.push({ fn: op, kind: 'op', args: [bytes(a), bytes(pick(r, [b, a]))] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('convert_from / convert_to', async () => {
    const r = rng(seed + 2);
    const cases: Case[] = [];
    for (let i = 0; i < 150; i++) cases.push({ fn: 'convert_from', args: [bytes(randomBytes(r, 4)), { type: 19, value: 'UTF8', sql: "'UTF8'::name" }] });
    for (const e of ['utf8', 'UTF-8', 'Unicode', 'nonsense']) {
      cases.push({ fn: 'convert_to', args: [text('aé😀'), { type: 19, value: e, sql: `'${e}'::name` }] });
      cases.push({ fn: 'convert_from', args: [bytes(Uint8Array.from([0x61, 0xc3, 0xa9])), { type: 19, value: e, sql: `'${e}'::name` }] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('uuid functions and operators', async () => {
    const cases: Case[] = [];
    const us = ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', 'c232ab00-9414-11ec-b3c8-9f6bdeced846', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a0eebc99-9c0b-4ef8-0b6d-6bb9bd380a11'];
    for (const u of us) {
      cases.push({ fn: 'uuid_extract_version', args: [uuidArg(u)] });
      for (const v of us) for (const op of ['=', '<', '>=']) cases.push({ fn: op, kind: 'op', args: [uuidArg(u), uuidArg(v)] });
    }
    await expectSame(oracle, cases, seed);
    // uuid_extract_timestamp (timestamptz: µs since 2000-01-01) for v1 and v7, NULL otherwise.
    const ts = await oracle.db.client.query<{ u: string; us: string | null }>(
      "SELECT u, ((extract(epoch FROM uuid_extract_timestamp(u::uuid)) * 1000000)::numeric - 946684800000000)::bigint::text AS us FROM unnest($1::text[]) u",
      [us],
    );
    const extract = findDef('uuid_extract_timestamp', 'func', [2950]);
    const cx = { settings, argTypes: [2950], resultType: 1184, checkInterrupts: () => undefined };
    for (const row of ts.rows) expect((extract.call!([row.u], cx) as bigint | null)?.toString() ?? null, row.u).toBe(row.us);
    const v4 = evalMine('gen_random_uuid', 'func', []);
    expect('value' in v4 && v4.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evalMine('gen_random_uuid', 'func', [])).not.toEqual(v4);
  });
});
