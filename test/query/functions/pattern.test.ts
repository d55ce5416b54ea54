/*
 * LIKE / ILIKE / like_escape, the regular-expression operators and functions, SIMILAR TO
 * (functions/pattern.ts, regex.ts, regexp.ts) against PostgreSQL 17 with seeded random patterns
 * and subjects. TEXT_SEED=<n> replays a run.
 *
 * Random AREs are checked through the boolean operators (exact by construction, see regex.ts);
 * the extracting functions run over a list of patterns whose match is unambiguous (the POSIX
 * longest-match rule and JS's first-match rule agree on them).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { similarToEscape } from '../../../src/query/functions/pattern.js';
import { bpchar, bytes, expectSame, int, name, pick, randomString, rng, seedFromEnv, startOracle, text, type Case, type Oracle } from './text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  oracle = await startOracle('text_pat');
});
afterAll(async () => {
  await oracle.close();
});

const SUBJECT = ['a', 'b', 'A', 'B', 'é', 'É', '😀', '\uE000', ' ', '\n', '_', '%', '\\', '1', '.', 'x'];
const LIKE_PAT = ['a', 'b', 'A', 'é', '😀', '\uE000', ' ', '_', '_', '%', '%', '\\', '\\', '.', '#', '*', '['];

function are(r: () => number, depth = 0): string {
  const atoms = ['a', 'b', 'A', 'é', '😀', '\uE000', ' ', '.', '[ab]', '[^a]', '[a-c]', '[[:alpha:]]', '[[:digit:]]', '[[:space:]]', '[[:upper:]]', '\\d', '\\w', '\\s', '\\W', '\\.', '[é😀]', '[^\\n]', '\\\\', '1', 'x'];
  const quants = ['', '', '', '*', '+', '?', '{2}', '{1,2}', '{0,}', '*?', '+?'];
  let s = r() < 0.2 ? '^' : '';
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    if (depth < 2 && r() < 0.15) s += `(${are(r, depth + 1)}|${are(r, depth + 1)})`;
    else if (depth < 2 && r() < 0.1) s += `(?:${are(r, depth + 1)})`;
    else if (r() < 0.05) s += pick(r, ['\\m', '\\M', '\\y', '\\Y']);
    else s += pick(r, atoms);
    s += pick(r, quants);
  }
  if (r() < 0.2) s += '$';
  return s;
}

describe('LIKE family matches PostgreSQL', () => {
  it('LIKE, NOT LIKE, ILIKE on text, bpchar, name; like_escape', async () => {
    const r = rng(seed);
    const cases: Case[] = [];
    for (let i = 0; i < 600; i++) {
      const s = randomString(r, SUBJECT, 6);
      // Half the patterns are built from the subject so that matches are frequent.
      const p = r() < 0.5 ? randomString(r, LIKE_PAT, 5) : Array.from(s, (c) => (r() < 0.3 ? pick(r, ['_', '%']) : c)).join('');
      for (const op of ['~~', '!~~', '~~*', '!~~*']) cases.push({ fn: op, kind: 'op', args: [text(s), text(p)] });
      if (i % 5 === 0) {
        cases.push({ fn: '~~', kind: 'op', args: [bpchar(s, 4), text(p)] });
        cases.push({ fn: '~~*', kind: 'op', args: [name(s), text(p)] });
        const e = pick(r, ['#', '', '\\', '%', 'é', 'ab']);
        cases.push({ fn: 'like_escape', args: [text(p), text(e)] });
      }
    }
    cases.push({ fn: '~~', kind: 'op', args: [text(null), text('a')] });
    // A trailing escape errs as soon as matching reaches it: after a %-run even with no text left.
    for (const [s, p] of [['é😀', '%__\\'], ['ab', 'a%\\'], ['ab', 'x%\\'], ['', '\\'], ['a', '\\'], ['ab', 'ab\\'], ['ab', 'a_\\'], ['abc', '%b\\']]) {
      cases.push({ fn: '~~', kind: 'op', args: [text(s!), text(p!)] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('bytea LIKE', async () => {
    const r = rng(seed + 1);
    const cases: Case[] = [];
    const alphabet = [0x61, 0x62, 0x25, 0x5f, 0x5c, 0x00, 0xff, 0xc3];
    const gen = (n: number): Uint8Array => Uint8Array.from({ length: Math.floor(r() * n) }, () => pick(r, alphabet));
    for (let i = 0; i < 200; i++) {
      cases.push({ fn: '~~', kind: 'op', args: [bytes(gen(5)), bytes(gen(4))] });
      cases.push({ fn: '!~~', kind: 'op', args: [bytes(gen(5)), bytes(gen(4))] });
    }
    cases.push({ fn: 'like_escape', args: [bytes(Uint8Array.from([0x61, 0x23, 0x25, 0x5c])), bytes(Uint8Array.from([0x23]))] });
    cases.push({ fn: 'like_escape', args: [bytes(Uint8Array.from([0x61, 0x5c])), bytes(new Uint8Array(0))] });
    await expectSame(oracle, cases, seed);
  });
});

describe('regular expressions match PostgreSQL', () => {
  it('random AREs through ~ !~ ~* !~*', async () => {
    const r = rng(seed + 2);
    const cases: Case[] = [];
    for (let i = 0; i < 800; i++) {
      const p = are(r);
      const s = randomString(r, [...SUBJECT, 'ab', 'ba', '12', 'a b'], 6);
      cases.push({ fn: pick(r, ['~', '!~', '~*', '!~*']), kind: 'op', args: [text(s), text(p)] });
      if (i % 8 === 0) cases.push({ fn: '~', kind: 'op', args: [bpchar(s, 3), text(p)] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('malformed patterns give the same error', async () => {
    const r = rng(seed + 3);
    const cases: Case[] = [];
    const junk = ['(', ')', '[', ']', '{', '}', '*', '+', '?', '\\', 'a', '1', ',', '|', '^', '$', '-', ':', 'z'];
    for (let i = 0; i < 400; i++) cases.push({ fn: '~', kind: 'op', args: [text('a1z'), text(randomString(r, junk, 5))] });
    for (const p of ['a**', '(a', 'a)', '[a', '\\q', 'a{3,2}', '[z-a]', '\\2(a)', '[[:foo:]]', '*a', 'a{1', 'a{256}', '\\', '(?:', 'a|*', '()', '[]a]', '[^]a]', 'a{,2}', '\\x41', '\\u00e9', '\\U0001F600', '\\cA', '\\e', '[\\d]', '[\\w-]', '\\Bx', '[[.a.]]', '[[=a=]]', '[[:<:]]a', 'a[[:>:]]', '\\11', '(a)\\11', '\\18', '\\0', '\\101', '\\777', '(a)(b)\\2\\1', '(a\\1)', '(?z)a', '(?i', '(?I)a', 'a(?i)']) {
      cases.push({ fn: '~', kind: 'op', args: [text('a1z]A\\é\u0001😀\u001b-'), text(p)] });
    }
    await expectSame(oracle, cases, seed);
  });

  it('regexp_replace, regexp_match(es), split, substring, count, like', async () => {
    const r = rng(seed + 4);
    const patterns = ['a', 'b+', '[0-9]+', '(a)(b)?', '\\s+', 'é', '😀', '(\\w+)@(\\w+)', '^a', 'b$', '', 'x*', '[[:upper:]]', '(?:ab)+', '\\m\\w', 'a.c', '(.)\\1'];
    const subjects = ['', 'abc', 'aab ba', 'ab@cd x@y', 'é😀é', 'A1b22c333', '  a  ', 'aaa', 'abcabc', 'xAx', 'hello world', 'abba'];
    const cases: Case[] = [];
    for (const s of subjects) {
      for (const p of patterns) {
        const flags = pick(r, ['', 'g', 'i', 'gi', 'n', 'x']);
        cases.push({ fn: 'regexp_replace', args: [text(s), text(p), text(pick(r, ['X', '<\\1>', '[\\&]', '\\\\', '\\q', '']))] });
        cases.push({ fn: 'regexp_replace', args: [text(s), text(p), text('-'), text(flags)] });
        cases.push({ fn: 'regexp_replace', args: [text(s), text(p), text('-'), int(pick(r, [1, 2, 3]))] });
        cases.push({ fn: 'regexp_replace', args: [text(s), text(p), text('-'), int(pick(r, [1, 2])), int(pick(r, [0, 1, 2]))] });
        cases.push({ fn: 'regexp_match', args: [text(s), text(p)] });
        cases.push({ fn: 'regexp_match', args: [text(s), text(p), text(pick(r, ['i', 'n', '']))] });
        cases.push({ fn: 'regexp_matches', args: [text(s), text(p), text(flags)], srf: true });
        cases.push({ fn: 'regexp_split_to_array', args: [text(s), text(p)] });
        cases.push({ fn: 'regexp_split_to_table', args: [text(s), text(p)], srf: true });
        cases.push({ fn: 'substring', args: [text(s), text(p)] });
        cases.push({ fn: 'regexp_count', args: [text(s), text(p)] });
        cases.push({ fn: 'regexp_like', args: [text(s), text(p), text(pick(r, ['i', '']))] });
        const start = pick(r, [1, 2, 4, 20]);
        const nth = pick(r, [1, 2]);
        const sub = pick(r, [0, 1, 2, 3]);
        cases.push({ fn: 'regexp_instr', args: [text(s), text(p)] });
        cases.push({ fn: 'regexp_instr', args: [text(s), text(p), int(start), int(nth), int(pick(r, [0, 1])), text(pick(r, ['', 'i'])), int(sub)] });
        cases.push({ fn: 'regexp_substr', args: [text(s), text(p), int(start)] });
        cases.push({ fn: 'regexp_substr', args: [text(s), text(p), int(start), int(nth), text(pick(r, ['', 'i'])), int(sub)] });
        cases.push({ fn: 'regexp_count', args: [text(s), text(p), int(start), text(pick(r, ['', 'i']))] });
      }
    }
    cases.push({ fn: 'regexp_match', args: [text('a'), text('a'), text('g')] });
    cases.push({ fn: 'regexp_replace', args: [text('a'), text('a'), text('b'), text('z')] });
    cases.push({ fn: 'regexp_replace', args: [text('a'), text('a'), text('b'), int(0)] });
    cases.push({ fn: 'regexp_replace', args: [text('a'), text('a'), text('b'), int(1), int(-1)] });
    cases.push({ fn: 'regexp_split_to_array', args: [text('a'), text('a'), text('g')] });
    for (const [a, b, c, d] of [[0, 1, 0, 0], [1, 0, 0, 0], [1, 1, -1, 0], [1, 1, 0, -1]]) {
      cases.push({ fn: 'regexp_instr', args: [text('abc'), text('b'), int(a!), int(b!), int(c!), text(''), int(d!)] });
    }
    cases.push({ fn: 'regexp_substr', args: [text('abc'), text('b'), int(1), int(1), text('g'), int(0)] });
    await expectSame(oracle, cases, seed);
  });

  it('alternatives take the longest match (POSIX), not the first (JS)', async () => {
    const r = rng(seed + 6);
    const alt = (): string => {
      const part = (): string => Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, ['a', 'b', 'ab', '.', '[ab]', 'é', '😀']) + pick(r, ['', '', '*', '+', '?'])).join('');
      const parts = Array.from({ length: 2 + Math.floor(r() * 2) }, part).join('|');
      return r() < 0.5 ? parts : `x?(?:${parts})${pick(r, ['', 'b', '+'])}`;
    };
    const cases: Case[] = [];
    for (let i = 0; i < 300; i++) {
      const p = alt();
      const s = randomString(r, ['a', 'b', 'é', '😀', 'x', ' '], 7);
      cases.push({ fn: 'substring', args: [text(s), text(p)] });
      cases.push({ fn: 'regexp_replace', args: [text(s), text(p), text('<\\&>'), text('g')] });
      cases.push({ fn: 'regexp_count', args: [text(s), text(p)] });
      cases.push({ fn: 'regexp_split_to_array', args: [text(s), text(p)] });
      cases.push({ fn: 'regexp_instr', args: [text(s), text(p), int(1), int(1), int(1)] });
    }
    for (const [s, p] of [['ab', 'a|ab'], ['abcd', '(a|ab)(c|bcd)'], ['xyz', 'x|xy|xyz']]) cases.push({ fn: 'substring', args: [text(s!), text(p!)] });
    await expectSame(oracle, cases, seed);
  });

  it('SIMILAR TO: similar_to_escape text and matching', async () => {
    const r = rng(seed + 5);
    const cases: Case[] = [];
    const alphabet = ['a', 'b', '%', '_', '|', '*', '+', '(', ')', '[', ']', '^', '.', '$', '\\', '#', '"', 'é', '{', '}', '1', '?'];
    const fixed = ['[+*[]_', '[^]_]_', '[^^]_', '[[:alpha:]_]_', '#"a#"b#"c', '[#"]'];
    for (let i = 0; i < 400; i++) {
      const p = i < fixed.length ? fixed[i]! : randomString(r, alphabet, 6);
      const esc = pick(r, [null, '#', '', '\\']);
      cases.push({ fn: 'similar_to_escape', args: esc === null ? [text(p)] : [text(p), text(esc)] });
      if (!/[\\#"[{]/.test(p)) {
        const s = randomString(r, ['a', 'b', 'é', '1', '.'], 4);
        cases.push({ fn: 'substring', args: [text(s), text(p), text('#')] });
      }
      // s SIMILAR TO p is s ~ similar_to_escape(p): the rewrite's text is checked above.
      let are: string | null = null;
      try {
        are = similarToEscape(p, esc);
      } catch {
        are = null;
      }
      if (are !== null) cases.push({ fn: '~', kind: 'op', args: [text(randomString(r, ['a', 'b', 'é', '1', '.', '|', '+'], 4)), text(are)] });
    }
    await expectSame(oracle, cases, seed);
  });
});
