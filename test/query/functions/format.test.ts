/*
 * format, concat, concat_ws, quote_* (functions/format.ts) against PostgreSQL 17: seeded random
 * format strings (positions, widths, * widths, flags, bad specifiers) over typed arguments
 * including NULL. TEXT_SEED=<n> replays a run.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { bytes, expectSame, int, name, pick, randomString, rng, seedFromEnv, startOracle, text, type Arg, type Case, type Oracle } from './text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  oracle = await startOracle('text_fmt');
});
afterAll(async () => {
  await oracle.close();
});

const PIECES = ['%s', '%s', '%I', '%L', '%%', '%1$s', '%2$I', '%3$L', '%-5s', '%5L', '%*s', '%-*s', '%*2$s', '%3s', '%-3I', 'x', 'é😀', ' ', '%', '%z', '%0$s', '%1$', '%*0$s', '%-', "'", '\\'];

function randomArg(r: () => number): Arg {
  switch (Math.floor(r() * 6)) {
    case 0:
      return int(pick(r, [-4, 0, 2, 7]));
    case 1:
      return text(null);
    case 2:
      return name(randomString(r, ['a', 'B', ' ', '"', 'é'], 4));
    case 3:
      return bytes(Uint8Array.from([1, 0x5c, 0xff].slice(0, Math.floor(r() * 4))));
    default:
      return text(randomString(r, ['a', 'B', ' ', "'", '\\', 'é', '😀', 'select', '_1'], 3));
  }
}

describe('format family matches PostgreSQL', () => {
  it('format with random specifiers', async () => {
    const r = rng(seed);
    const cases: Case[] = [];
    for (let i = 0; i < 600; i++) {
      let fmt = '';
      const n = 1 + Math.floor(r() * 4);
      for (let k = 0; k < n; k++) fmt += pick(r, PIECES);
      const args = Array.from({ length: Math.floor(r() * 4) }, () => randomArg(r));
      cases.push({ fn: 'format', args: [text(fmt), ...args] });
    }
    cases.push({ fn: 'format', args: [text(null), text('a')] });
    cases.push({ fn: 'format', args: [text('%s|%s')] });
    cases.push({ fn: 'format', args: [text('%*s|'), text('x'), text('y')] });
    cases.push({ fn: 'format', args: [text('%99999999999s'), text('x')] });
    await expectSame(oracle, cases, seed);
  });

  it('concat, concat_ws, quote_ident, quote_literal, quote_nullable', async () => {
    const r = rng(seed + 1);
    const cases: Case[] = [];
    for (let i = 0; i < 300; i++) {
      const args = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomArg(r));
      cases.push({ fn: 'concat', args });
      cases.push({ fn: 'concat_ws', args: [text(pick(r, [',', '', null, 'é😀'])), ...args] });
      const s = randomString(r, ['a', 'z', 'A', '_', '1', '"', ' ', 'é', '$', "'", '\\'], 5);
      cases.push({ fn: 'quote_ident', args: [text(s)] });
      cases.push({ fn: 'quote_literal', args: [text(s)] });
      cases.push({ fn: 'quote_nullable', args: [text(pick(r, [s, null]))] });
    }
    for (const kw of ['select', 'user', 'left', 'name', 'type', 'all', 'json_table', 'xmltable', 'abc', '_x', 'a$b']) cases.push({ fn: 'quote_ident', args: [text(kw)] });
    cases.push({ fn: 'quote_literal', args: [int(5)] });
    cases.push({ fn: 'quote_nullable', args: [bytes(Uint8Array.from([1, 0x27]))] });
    await expectSame(oracle, cases, seed);
  });
});
