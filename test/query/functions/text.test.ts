/*
 * The string functions (functions/text.ts, registered by register-text.ts) against PostgreSQL 17:
 * seeded random strings (empty, multi-byte, emoji, NULL) through every function, output text and
 * SQLSTATE + message compared. TEXT_SEED=<n> replays a run.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { bpchar, expectSame, int, int8, pick, randomString, rng, seedFromEnv, startOracle, text, type Case, type Oracle } from './text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  oracle = await startOracle('text_fn');
});
afterAll(async () => {
  await oracle.close();
});

const INTS = [-3, -1, 0, 1, 2, 3, 5, 8, 100];

function strings(r: () => number, n: number): string[] {
  const out = ['', ' ', 'abc', 'a😀b', 'ééé', '  x  '];
  while (out.length < n) out.push(randomString(r));
  return out;
}

describe('string functions match PostgreSQL', () => {
  it('one-argument functions', async () => {
    const r = rng(seed);
    const cases: Case[] = [];
    for (const s of [...strings(r, 120), null]) {
      for (const fn of ['length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'lower', 'upper', 'initcap', 'reverse', 'ascii', 'btrim', 'ltrim', 'rtrim', 'md5', 'quote_ident', 'quote_literal', 'quote_nullable']) {
        cases.push({ fn, args: [text(s)] });
      }
      cases.push({ fn: 'length', args: [bpchar(s)] });
      cases.push({ fn: 'octet_length', args: [bpchar(s)] });
      cases.push({ fn: 'length', args: [bpchar(s, 5)] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('substr, left, right, lpad, rpad, repeat, split_part, overlay', async () => {
    const r = rng(seed + 1);
    const cases: Case[] = [];
    for (const s of [...strings(r, 80), null]) {
      const i = pick(r, INTS);
      const j = pick(r, INTS);
      const f = randomString(r, ['x', 'é', '😀', '-', ' '], 3);
      cases.push({ fn: 'substr', args: [text(s), int(i)] });
      cases.push({ fn: 'substr', args: [text(s), int(i), int(j)] });
      cases.push({ fn: 'substring', args: [text(s), int(i), int(j)] });
      cases.push({ fn: 'left', args: [text(s), int(i)] });
      cases.push({ fn: 'right', args: [text(s), int(i)] });
      cases.push({ fn: 'lpad', args: [text(s), int(i)] });
      cases.push({ fn: 'rpad', args: [text(s), int(j), text(f)] });
      cases.push({ fn: 'lpad', args: [text(s), int(j), text(f)] });
      cases.push({ fn: 'repeat', args: [text(s), int(i)] });
      cases.push({ fn: 'split_part', args: [text(s), text(pick(r, [' ', 'a', '', 'é', '😀', 'ab'])), int(i)] });
      cases.push({ fn: 'overlay', args: [text(s), text(f), int(i)] });
      cases.push({ fn: 'overlay', args: [text(s), text(f), int(i), int(j)] });
    }
    cases.push({ fn: 'substr', args: [text('abc'), int(null)] });
    await expectSame(oracle, cases, seed);
  });

  it('two- and three-string functions', async () => {
    const r = rng(seed + 2);
    const cases: Case[] = [];
    const small = ['a', 'b', 'é', '😀', ' ', '\uE000', 'ab', ''];
    for (const s of [...strings(r, 80), null]) {
      const t = randomString(r, small, 3);
      const u = randomString(r, small, 3);
      cases.push({ fn: 'strpos', args: [text(s), text(t)] });
      cases.push({ fn: 'position', args: [text(s), text(t)] });
      cases.push({ fn: 'replace', args: [text(s), text(t), text(u)] });
      cases.push({ fn: 'translate', args: [text(s), text(t), text(u)] });
      cases.push({ fn: 'btrim', args: [text(s), text(t)] });
      cases.push({ fn: 'ltrim', args: [text(s), text(t)] });
      cases.push({ fn: 'rtrim', args: [text(s), text(t)] });
      cases.push({ fn: 'starts_with', args: [text(s), text(t)] });
      cases.push({ fn: '^@', kind: 'op', args: [text(s), text(t)] });
      cases.push({ fn: '||', kind: 'op', args: [text(s), text(t)] });
      cases.push({ fn: '||', kind: 'op', args: [text(s), int(pick(r, [-1, 0, 42]))] });
      cases.push({ fn: '||', kind: 'op', args: [int(7), text(s)] });
      cases.push({ fn: 'string_to_array', args: [text(s), text(pick(r, [t, '', null]))] });
      cases.push({ fn: 'string_to_array', args: [text(s), text(pick(r, [t, null])), text(pick(r, ['a', '', null]))] });
      cases.push({ fn: 'string_to_table', args: [text(s), text(pick(r, [t, '', null]))], srf: true });
    }
    await expectSame(oracle, cases, seed);
  });

  it('chr, to_hex and errors', async () => {
    const cases: Case[] = [];
    for (const n of [-1, 0, 1, 65, 127, 128, 233, 0xd800, 0xdfff, 0xe000, 0xffff, 0x1f600, 0x10ffff, 0x110000, 2147483647]) cases.push({ fn: 'chr', args: [int(n)] });
    for (const n of [0, 1, -1, 255, -2147483648, 2147483647]) cases.push({ fn: 'to_hex', args: [int(n)] });
    for (const n of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) cases.push({ fn: 'to_hex', args: [int8(n)] });
    cases.push({ fn: 'substr', args: [text('abc'), int(1), int(-1)] });
    cases.push({ fn: 'split_part', args: [text('a,b'), text(','), int(0)] });
    cases.push({ fn: 'repeat', args: [text('abc'), int(400000000)] });
    cases.push({ fn: 'lpad', args: [text('a'), int(400000000)] });
    await expectSame(oracle, cases, seed);
  });
});
