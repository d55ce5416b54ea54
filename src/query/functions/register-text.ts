/*
 * register-text.ts — registers the text family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 *
 * Entries mirror pg_proc / pg_operator: the same argument types per overload (so the binder's
 * resolution picks what PostgreSQL picks), the same strictness and volatility. varchar has no
 * operators of its own (it is binary-coercible to text), as in PostgreSQL.
 */
import type { Datum } from '../types/datum.js';
import { registerType, typeInfo } from '../types/registry.js';
import { BYTEA, byteaType, compareBytea, concatBytes } from '../types/bytea.js';
import { registerTextCasts } from '../types/misc.js';
import { BPCHAR, CHAR, NAME, TEXT, bpcharSignificant, bpcharTrim, charLength, compareBpchar, compareChar, compareText, textTypes, utf8Length } from '../types/text.js';
import { UUID, randomUuid, uuidType } from '../types/uuid.js';
import { stringAggBytea, stringAggText } from './agg-text.js';
import * as B from './bytea.js';
import { concat, format, quoteIdent, quoteLiteral } from './format.js';
import { ilike, like, likeBytea, likeEscape, likeEscapeBytea, similarToEscape } from './pattern.js';
import { Pseudo, notBuiltYet, registerAgg, registerFunc, type CallContext, type FuncDef, type Volatility } from './registry.js';
import * as R from './regexp.js';
import * as S from './text.js';

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const INT8 = 20;
const TEXT_ARRAY = 1009;
const TIMESTAMPTZ = 1184;

type Call = (args: readonly Datum[], cx: CallContext) => Datum;

interface Opts {
  readonly strict?: boolean;
  readonly volatility?: Volatility;
  readonly variadic?: number;
}

function fn(name: string, args: readonly number[], returns: number, call: Call, o: Opts = {}): void {
  const def: FuncDef = { name, kind: 'func', args, returns, strict: o.strict ?? true, volatility: o.volatility ?? 'i', call, ...(o.variadic !== undefined ? { variadic: o.variadic } : {}) };
  registerFunc(def);
}

function srf(name: string, args: readonly number[], returns: number, set: (args: readonly Datum[], cx: CallContext) => Iterable<Datum>, strict = true): void {
  registerFunc({ name, kind: 'func', args, returns, strict, volatility: 'i', set });
}

function op(name: string, left: number, right: number, returns: number, call: Call, extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind: 'op', args: [left, right], returns, strict: true, volatility: 'i', call, ...extra });
}

const s = (d: Datum): string => d as string;
const n = (d: Datum): number => d as number;
const b = (d: Datum): Uint8Array => d as Uint8Array;

const COMPARISONS: readonly [string, string, string, (c: number) => boolean][] = [
  ['=', '=', '<>', (c) => c === 0],
  ['<>', '<>', '=', (c) => c !== 0],
  ['<', '>', '>=', (c) => c < 0],
  ['<=', '>=', '>', (c) => c <= 0],
  ['>', '<', '<=', (c) => c > 0],
  ['>=', '<=', '<', (c) => c >= 0],
];

function comparisons(left: number, right: number, cmp: (a: Datum, b: Datum) => number): void {
  for (const [name, commutator, negator, test] of COMPARISONS) {
    op(name, left, right, BOOL, (a) => test(cmp(a[0]!, a[1]!)), { commutator, negator });
  }
}

/**
 * The string comparisons: equality is byte equality (every collation memstore accepts is
 * deterministic), ordering follows the call's collation (cx.textOrder; bytes when undefined).
 */
function textComparisons(left: number, right: number, trim: (v: string) => string): void {
  for (const [name, commutator, negator, test] of COMPARISONS) {
    const ordering = name !== '=' && name !== '<>';
    const bytes = trim === bpcharTrim ? (a: Datum, c: Datum): number => compareBpchar(s(a), s(c)) : (a: Datum, c: Datum): number => compareText(s(a), s(c));
    const call: Call = ordering
      ? (a, cx) => {
          const o = cx.textOrder;
          return test(o === undefined ? bytes(a[0]!, a[1]!) : o(trim(s(a[0]!)), trim(s(a[1]!))));
        }
      : (a) => test(bytes(a[0]!, a[1]!));
    op(name, left, right, BOOL, call, ordering ? { commutator, negator, collated: true } : { commutator, negator });
  }
}

function registerOperators(): void {
  const text = (a: Datum, c: Datum): number => compareText(s(a), s(c));
  const same = (v: string): string => v;
  textComparisons(TEXT, TEXT, same);
  textComparisons(NAME, NAME, same);
  textComparisons(NAME, TEXT, same);
  textComparisons(TEXT, NAME, same);
  textComparisons(BPCHAR, BPCHAR, bpcharTrim);
  comparisons(CHAR, CHAR, compareChar);
  comparisons(BYTEA, BYTEA, (a, c) => compareBytea(b(a), b(c)));
  comparisons(UUID, UUID, text);

  for (const left of [TEXT, BPCHAR, NAME]) {
    op('~~', left, TEXT, BOOL, (a) => like(s(a[0]!), s(a[1]!)), { negator: '!~~' });
    op('!~~', left, TEXT, BOOL, (a) => !like(s(a[0]!), s(a[1]!)), { negator: '~~' });
    op('~~*', left, TEXT, BOOL, (a) => ilike(s(a[0]!), s(a[1]!)), { negator: '!~~*' });
    op('!~~*', left, TEXT, BOOL, (a) => !ilike(s(a[0]!), s(a[1]!)), { negator: '~~*' });
    op('~', left, TEXT, BOOL, (a) => R.regexTest(s(a[0]!), s(a[1]!), false), { negator: '!~' });
    op('!~', left, TEXT, BOOL, (a) => !R.regexTest(s(a[0]!), s(a[1]!), false), { negator: '~' });
    op('~*', left, TEXT, BOOL, (a) => R.regexTest(s(a[0]!), s(a[1]!), true), { negator: '!~*' });
    op('!~*', left, TEXT, BOOL, (a) => !R.regexTest(s(a[0]!), s(a[1]!), true), { negator: '~*' });
  }
  op('~~', BYTEA, BYTEA, BOOL, (a) => likeBytea(b(a[0]!), b(a[1]!)), { negator: '!~~' });
  op('!~~', BYTEA, BYTEA, BOOL, (a) => !likeBytea(b(a[0]!), b(a[1]!)), { negator: '~~' });
  op('^@', TEXT, TEXT, BOOL, (a) => s(a[0]!).startsWith(s(a[1]!)));

  op('||', TEXT, TEXT, TEXT, (a) => s(a[0]!) + s(a[1]!));
  op('||', BYTEA, BYTEA, BYTEA, (a) => concatBytes(b(a[0]!), b(a[1]!)));
  // textanycat / anytextcat: the other side printed with its type's output function.
  registerFunc({
    name: '||', kind: 'op', args: [TEXT, Pseudo.anynonarray], returns: TEXT, strict: true, volatility: 's',
    call: (a, cx) => s(a[0]!) + outputOf(a[1]!, cx.argTypes[1]!, cx),
  });
  registerFunc({
    name: '||', kind: 'op', args: [Pseudo.anynonarray, TEXT], returns: TEXT, strict: true, volatility: 's',
    call: (a, cx) => outputOf(a[0]!, cx.argTypes[0]!, cx) + s(a[1]!),
  });
}

function outputOf(d: Datum, type: number, cx: CallContext): string {
  return typeInfo(type).output(d, cx.settings);
}

function registerStringFunctions(): void {
  const len = (a: readonly Datum[]): Datum => charLength(s(a[0]!));
  const bplen = (a: readonly Datum[]): Datum => charLength(s(a[0]!).slice(0, bpcharSignificant(s(a[0]!))));
  for (const name of ['length', 'char_length', 'character_length']) {
    fn(name, [TEXT], INT4, len);
    fn(name, [BPCHAR], INT4, bplen);
  }
  fn('length', [BYTEA], INT4, (a) => b(a[0]!).length);
  fn('octet_length', [TEXT], INT4, (a) => utf8Length(s(a[0]!)));
  fn('octet_length', [BPCHAR], INT4, (a) => utf8Length(s(a[0]!)));
  fn('octet_length', [BYTEA], INT4, (a) => b(a[0]!).length);
  fn('bit_length', [TEXT], INT4, (a) => 8 * utf8Length(s(a[0]!)));
  fn('bit_length', [BYTEA], INT4, (a) => 8 * b(a[0]!).length);
  fn('lower', [TEXT], TEXT, (a) => S.lower(s(a[0]!)));
  fn('upper', [TEXT], TEXT, (a) => S.upper(s(a[0]!)));
  fn('initcap', [TEXT], TEXT, (a) => S.initcap(s(a[0]!)));
  for (const name of ['substr', 'substring']) {
    fn(name, [TEXT, INT4], TEXT, (a) => S.substrText(s(a[0]!), n(a[1]!), null));
    fn(name, [TEXT, INT4, INT4], TEXT, (a) => S.substrText(s(a[0]!), n(a[1]!), n(a[2]!)));
    fn(name, [BYTEA, INT4], BYTEA, (a) => B.substrBytes(b(a[0]!), n(a[1]!), null));
    fn(name, [BYTEA, INT4, INT4], BYTEA, (a) => B.substrBytes(b(a[0]!), n(a[1]!), n(a[2]!)));
  }
  fn('substring', [TEXT, TEXT], TEXT, (a) => R.regexSubstring(s(a[0]!), s(a[1]!)));
  fn('substring', [TEXT, TEXT, TEXT], TEXT, (a) => R.regexSubstring(s(a[0]!), similarToEscape(s(a[1]!), s(a[2]!))));
  // position(sub IN s) is position(s, sub), as in pg_proc.
  fn('position', [TEXT, TEXT], INT4, (a) => S.strpos(s(a[0]!), s(a[1]!)));
  fn('strpos', [TEXT, TEXT], INT4, (a) => S.strpos(s(a[0]!), s(a[1]!)));
  fn('position', [BYTEA, BYTEA], INT4, (a) => B.positionBytes(b(a[0]!), b(a[1]!)));
  const trims: readonly [string, boolean, boolean][] = [['btrim', true, true], ['ltrim', true, false], ['rtrim', false, true]];
  for (const [name, l, r] of trims) {
    fn(name, [TEXT], TEXT, (a) => S.trimChars(s(a[0]!), ' ', l, r));
    fn(name, [TEXT, TEXT], TEXT, (a) => S.trimChars(s(a[0]!), s(a[1]!), l, r));
    fn(name, [BYTEA, BYTEA], BYTEA, (a) => B.trimBytes(b(a[0]!), b(a[1]!), l, r));
  }
  fn('lpad', [TEXT, INT4], TEXT, (a) => S.pad(s(a[0]!), n(a[1]!), ' ', true));
  fn('lpad', [TEXT, INT4, TEXT], TEXT, (a) => S.pad(s(a[0]!), n(a[1]!), s(a[2]!), true));
  fn('rpad', [TEXT, INT4], TEXT, (a) => S.pad(s(a[0]!), n(a[1]!), ' ', false));
  fn('rpad', [TEXT, INT4, TEXT], TEXT, (a) => S.pad(s(a[0]!), n(a[1]!), s(a[2]!), false));
  fn('left', [TEXT, INT4], TEXT, (a) => S.leftText(s(a[0]!), n(a[1]!)));
  fn('right', [TEXT, INT4], TEXT, (a) => S.rightText(s(a[0]!), n(a[1]!)));
  fn('replace', [TEXT, TEXT, TEXT], TEXT, (a) => S.replaceText(s(a[0]!), s(a[1]!), s(a[2]!)));
  fn('split_part', [TEXT, TEXT, INT4], TEXT, (a) => S.splitPart(s(a[0]!), s(a[1]!), n(a[2]!)));
  fn('repeat', [TEXT, INT4], TEXT, (a) => S.repeatText(s(a[0]!), n(a[1]!)));
  fn('reverse', [TEXT], TEXT, (a) => S.reverseText(s(a[0]!)));
  fn('ascii', [TEXT], INT4, (a) => S.ascii(s(a[0]!)));
  fn('chr', [INT4], TEXT, (a) => S.chr(n(a[0]!)));
  fn('translate', [TEXT, TEXT, TEXT], TEXT, (a) => S.translate(s(a[0]!), s(a[1]!), s(a[2]!)));
  fn('starts_with', [TEXT, TEXT], BOOL, (a) => s(a[0]!).startsWith(s(a[1]!)));
  fn('overlay', [TEXT, TEXT, INT4], TEXT, (a) => S.overlay(s(a[0]!), s(a[1]!), n(a[2]!), null));
  fn('overlay', [TEXT, TEXT, INT4, INT4], TEXT, (a) => S.overlay(s(a[0]!), s(a[1]!), n(a[2]!), n(a[3]!)));
  const toArray = (a: readonly Datum[]): Datum =>
    a[0] === null ? null : S.textArray(S.stringToElements(s(a[0]!), a[1] as string | null, (a[2] ?? null) as string | null));
  fn('string_to_array', [TEXT, TEXT], TEXT_ARRAY, toArray, { strict: false });
  fn('string_to_array', [TEXT, TEXT, TEXT], TEXT_ARRAY, toArray, { strict: false });
  const toTable = (a: readonly Datum[]): Iterable<Datum> =>
    a[0] === null ? [] : S.stringToElements(s(a[0]!), a[1] as string | null, (a[2] ?? null) as string | null);
  srf('string_to_table', [TEXT, TEXT], TEXT, toTable, false);
  srf('string_to_table', [TEXT, TEXT, TEXT], TEXT, toTable, false);
  fn('to_hex', [INT4], TEXT, (a) => (n(a[0]!) >>> 0).toString(16));
  fn('to_hex', [INT8], TEXT, (a) => BigInt.asUintN(64, a[0] as bigint).toString(16));
}

function registerFormatFunctions(): void {
  fn('concat', [Pseudo.any], TEXT, (a, cx) => concat(a, cx), { strict: false, volatility: 's', variadic: Pseudo.any });
  fn('concat_ws', [TEXT, Pseudo.any], TEXT, (a, cx) => (a[0] === null ? null : concat(a, cx, 1, s(a[0]!))), {
    strict: false, volatility: 's', variadic: Pseudo.any,
  });
  fn('format', [TEXT], TEXT, (a, cx) => (a[0] === null ? null : format(a, cx)), { strict: false, volatility: 's' });
  fn('format', [TEXT, Pseudo.any], TEXT, (a, cx) => (a[0] === null ? null : format(a, cx)), { strict: false, volatility: 's', variadic: Pseudo.any });
  fn('quote_ident', [TEXT], TEXT, (a) => quoteIdent(s(a[0]!)));
  fn('quote_literal', [TEXT], TEXT, (a) => quoteLiteral(s(a[0]!)));
  fn('quote_literal', [Pseudo.anyelement], TEXT, (a, cx) => quoteLiteral(outputOf(a[0]!, cx.argTypes[0]!, cx)), { volatility: 's' });
  fn('quote_nullable', [TEXT], TEXT, (a) => (a[0] === null ? 'NULL' : quoteLiteral(s(a[0]!))), { strict: false });
  fn('quote_nullable', [Pseudo.anyelement], TEXT, (a, cx) => (a[0] === null ? 'NULL' : quoteLiteral(outputOf(a[0]!, cx.argTypes[0]!, cx))), {
    strict: false, volatility: 's',
  });
}

function registerPatternFunctions(): void {
  fn('like_escape', [TEXT, TEXT], TEXT, (a) => likeEscape(s(a[0]!), s(a[1]!)));
  fn('like_escape', [BYTEA, BYTEA], BYTEA, (a) => likeEscapeBytea(b(a[0]!), b(a[1]!)));
  fn('similar_to_escape', [TEXT], TEXT, (a) => similarToEscape(s(a[0]!), null));
  fn('similar_to_escape', [TEXT, TEXT], TEXT, (a) => similarToEscape(s(a[0]!), s(a[1]!)));
  const t3 = [TEXT, TEXT, TEXT];
  fn('regexp_replace', t3, TEXT, (a) => R.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), null, null, null));
  fn('regexp_replace', [...t3, TEXT], TEXT, (a) => R.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), null, null, s(a[3]!)));
  fn('regexp_replace', [...t3, INT4], TEXT, (a) => R.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), n(a[3]!), null, null));
  fn('regexp_replace', [...t3, INT4, INT4], TEXT, (a) => R.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), n(a[3]!), n(a[4]!), null));
  fn('regexp_replace', [...t3, INT4, INT4, TEXT], TEXT, (a) => R.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), n(a[3]!), n(a[4]!), s(a[5]!)));
  fn('regexp_match', [TEXT, TEXT], TEXT_ARRAY, (a) => R.regexpMatch(s(a[0]!), s(a[1]!), null));
  fn('regexp_match', t3, TEXT_ARRAY, (a) => R.regexpMatch(s(a[0]!), s(a[1]!), s(a[2]!)));
  srf('regexp_matches', [TEXT, TEXT], TEXT_ARRAY, (a) => R.regexpMatches(s(a[0]!), s(a[1]!), null));
  srf('regexp_matches', t3, TEXT_ARRAY, (a) => R.regexpMatches(s(a[0]!), s(a[1]!), s(a[2]!)));
  fn('regexp_split_to_array', [TEXT, TEXT], TEXT_ARRAY, (a) => S.textArray(R.regexpSplit(s(a[0]!), s(a[1]!), null, 'regexp_split_to_array')));
  fn('regexp_split_to_array', t3, TEXT_ARRAY, (a) => S.textArray(R.regexpSplit(s(a[0]!), s(a[1]!), s(a[2]!), 'regexp_split_to_array')));
  srf('regexp_split_to_table', [TEXT, TEXT], TEXT, (a) => R.regexpSplit(s(a[0]!), s(a[1]!), null, 'regexp_split_to_table'));
  srf('regexp_split_to_table', t3, TEXT, (a) => R.regexpSplit(s(a[0]!), s(a[1]!), s(a[2]!), 'regexp_split_to_table'));
  fn('regexp_count', [TEXT, TEXT], INT4, (a) => R.regexpCount(s(a[0]!), s(a[1]!), null, null));
  fn('regexp_count', [TEXT, TEXT, INT4], INT4, (a) => R.regexpCount(s(a[0]!), s(a[1]!), n(a[2]!), null));
  fn('regexp_count', [TEXT, TEXT, INT4, TEXT], INT4, (a) => R.regexpCount(s(a[0]!), s(a[1]!), n(a[2]!), s(a[3]!)));
  const nul = (a: readonly Datum[], i: number): number | null => (i < a.length ? n(a[i]!) : null);
  const str = (a: readonly Datum[], i: number): string | null => (i < a.length ? s(a[i]!) : null);
  const instrArgs = [TEXT, TEXT, INT4, INT4, INT4, TEXT, INT4];
  for (let k = 2; k <= instrArgs.length; k++) {
    fn('regexp_instr', instrArgs.slice(0, k), INT4, (a) => R.regexpInstr(s(a[0]!), s(a[1]!), nul(a, 2), nul(a, 3), nul(a, 4), str(a, 5), nul(a, 6)));
  }
  const substrArgs = [TEXT, TEXT, INT4, INT4, TEXT, INT4];
  for (let k = 2; k <= substrArgs.length; k++) {
    fn('regexp_substr', substrArgs.slice(0, k), TEXT, (a) => R.regexpSubstr(s(a[0]!), s(a[1]!), nul(a, 2), nul(a, 3), str(a, 4), nul(a, 5)));
  }
  fn('regexp_like', [TEXT, TEXT], BOOL, (a) => R.regexpLike(s(a[0]!), s(a[1]!), null));
  fn('regexp_like', t3, BOOL, (a) => R.regexpLike(s(a[0]!), s(a[1]!), s(a[2]!)));
}

function registerByteaFunctions(): void {
  fn('md5', [TEXT], TEXT, (a) => B.md5Hex(s(a[0]!)));
  fn('md5', [BYTEA], TEXT, (a) => B.md5Hex(b(a[0]!)));
  for (const alg of ['sha224', 'sha256', 'sha384', 'sha512'] as const) fn(alg, [BYTEA], BYTEA, (a) => B.sha(alg, b(a[0]!)));
  fn('encode', [BYTEA, TEXT], TEXT, (a) => B.encode(b(a[0]!), s(a[1]!)));
  fn('decode', [TEXT, TEXT], BYTEA, (a) => B.decode(s(a[0]!), s(a[1]!)));
  fn('get_byte', [BYTEA, INT4], INT4, (a) => B.getByte(b(a[0]!), n(a[1]!)));
  fn('set_byte', [BYTEA, INT4, INT4], BYTEA, (a) => B.setByte(b(a[0]!), n(a[1]!), n(a[2]!)));
  fn('get_bit', [BYTEA, INT8], INT4, (a) => B.getBit(b(a[0]!), a[1] as bigint));
  fn('set_bit', [BYTEA, INT8, INT4], BYTEA, (a) => B.setBit(b(a[0]!), a[1] as bigint, n(a[2]!)));
  fn('bit_count', [BYTEA], INT8, (a) => {
    let c = 0;
    for (let x of b(a[0]!)) for (; x !== 0; x &= x - 1) c++;
    return BigInt(c);
  });
  fn('convert_from', [BYTEA, NAME], TEXT, (a) => B.convertFrom(b(a[0]!), s(a[1]!)), { volatility: 's' });
  fn('convert_to', [TEXT, NAME], BYTEA, (a) => B.convertTo(s(a[0]!), s(a[1]!)), { volatility: 's' });
  fn('gen_random_uuid', [], UUID, () => randomUuid(), { volatility: 'v' });
  fn('uuid_extract_version', [UUID], INT2, (a) => B.uuidVersion(s(a[0]!)));
  fn('uuid_extract_timestamp', [UUID], TIMESTAMPTZ, (a) => B.uuidTimestamp(s(a[0]!)));
}

/** Standard functions of the family not built here: 0A000 naming them rather than 42883. */
function registerNotBuilt(): void {
  const stub = (name: string, args: readonly number[], returns: number): void =>
    fn(name, args, returns, () => {
      throw notBuiltYet(name);
    });
  stub('unistr', [TEXT], TEXT);
  stub('to_ascii', [TEXT], TEXT);
  stub('to_ascii', [TEXT, NAME], TEXT);
  stub('to_ascii', [TEXT, INT4], TEXT);
  stub('normalize', [TEXT, TEXT], TEXT);
  stub('is_normalized', [TEXT, TEXT], BOOL);
  stub('length', [BYTEA, NAME], INT4);
}

export function registerText(): void {
  for (const t of textTypes()) registerType(t);
  registerType(byteaType());
  registerType(uuidType());
  registerTextCasts();
  registerOperators();
  registerStringFunctions();
  registerFormatFunctions();
  registerPatternFunctions();
  registerByteaFunctions();
  registerNotBuilt();
  registerAgg(stringAggText);
  registerAgg(stringAggBytea);
}
