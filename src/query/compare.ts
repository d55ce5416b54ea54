/*
 * compare.ts — how two typed values compare, with PostgreSQL's answer for the types memstore
 * compares, and LIKE.
 *
 * A comparison is resolved once, at plan time, to a domain; at run time both sides' text (the
 * output text rows are stored in, or a constant already canonicalised by input.ts) is encoded to
 * bytes whose memcmp order is the domain's order (key-codec.ts encodings, which are PostgreSQL's
 * order for these types), so `<`, `=`, `>` are one compareBytes():
 *   numeric  int2 int4 int8 oid numeric (and integer/decimal literals): exact decimal order, via
 *            the numeric key encoding (1.50 = 1.5, NaN above everything, as in PostgreSQL)
 *   float    any float4/float8 with a number: compared as float8 (float4 values widened exactly,
 *            as PostgreSQL's float48 operators do; so 0.1::float4 <> 0.1, as in PostgreSQL)
 *   text     text varchar name bpchar: bytes, i.e. COLLATE "C"; a bpchar side drops trailing
 *            spaces (bpchar semantics)
 *   codec    bool uuid bytea date timestamp timestamptz, each only with itself
 * Other pairs: PostgreSQL has no operator for them (text = integer) → 42883, or has one memstore
 * does not implement (date = timestamp, jsonb = jsonb, interval, …) → 0A000.
 *
 * XXX text order is byte order (C collation) whatever the primary's collation: the key codec
 * stores text keys that way, and filters agree with the walk.
 *
 * Interface:
 *   resolveDomain(op, left, right, at)   Domain for two types (after unknowns were coerced)
 *   encodeFor(domain, typeOid, bytes)    the comparable bytes of one value
 *   compareBytes(a, b)                   memcmp order
 *   compileLike(pattern, escape)         LIKE matcher; likePrefix() its literal prefix
 *   integerBound(typeOid, op, text)      a numeric bound turned into an exact bound on an integer key
 */
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { compareBytes } from '../store/art.js';
import { encodeKey } from '../store/key-codec.js';
import { notSupported, operatorDoesNotExist, type At } from './errors.js';
import { Oid, sqlTypeName } from '../pg/types.js';

export { compareBytes };

export type DomainKind = 'numeric' | 'float' | 'text' | 'codec';

export interface Domain {
  readonly kind: DomainKind;
  /** For 'codec': the one type both sides have. */
  readonly typeOid: number;
}

const INTEGER_TYPES = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.oid]);
const NUMBER_TYPES = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.oid, Oid.numeric, Oid.float4, Oid.float8]);
const TEXT_TYPES = new Set<number>([Oid.text, Oid.varchar, Oid.bpchar, Oid.name, Oid.unknown]);
const CODEC_TYPES = new Set<number>([Oid.bool, Oid.uuid, Oid.bytea, Oid.date, Oid.timestamp, Oid.timestamptz]);

/** PostgreSQL's type categories, to tell "no such operator" from "not implemented here". */
function category(oid: number): string {
  if (NUMBER_TYPES.has(oid)) return 'N';
  if (TEXT_TYPES.has(oid)) return 'S';
  if (oid === Oid.date || oid === Oid.timestamp || oid === Oid.timestamptz || oid === Oid.time || oid === Oid.timetz) return 'D';
  if (oid === Oid.bool) return 'B';
  if (oid === Oid.interval) return 'T';
  return `U${oid}`;
}

export function isIntegerType(oid: number): boolean {
  return INTEGER_TYPES.has(oid);
}

export function isTextType(oid: number): boolean {
  return TEXT_TYPES.has(oid);
}

export function isComparableType(oid: number): boolean {
  return NUMBER_TYPES.has(oid) || TEXT_TYPES.has(oid) || CODEC_TYPES.has(oid);
}

const NUMERIC_DOMAIN: Domain = { kind: 'numeric', typeOid: Oid.numeric };
const FLOAT_DOMAIN: Domain = { kind: 'float', typeOid: Oid.float8 };
const TEXT_DOMAIN: Domain = { kind: 'text', typeOid: Oid.text };
const CODEC_DOMAINS = new Map<number, Domain>([...CODEC_TYPES].map((t) => [t, { kind: 'codec', typeOid: t }]));

export function resolveDomain(op: string, left: number, right: number, at?: At): Domain {
  if (NUMBER_TYPES.has(left) && NUMBER_TYPES.has(right)) {
    if (left === Oid.float4 || left === Oid.float8 || right === Oid.float4 || right === Oid.float8) return FLOAT_DOMAIN;
    return NUMERIC_DOMAIN;
  }
  if (TEXT_TYPES.has(left) && TEXT_TYPES.has(right)) return TEXT_DOMAIN;
  if (left === right) {
    const d = CODEC_DOMAINS.get(left);
    if (d !== undefined) return d;
    throw notSupported(`memstore cannot compare values of type ${sqlTypeName(left)}`, at);
  }
  if (category(left) === category(right)) {
    throw notSupported(`memstore cannot compare ${sqlTypeName(left)} with ${sqlTypeName(right)}; cast one side to the other's type`, at);
  }
  throw operatorDoesNotExist(op, left, right, at);
}

/** Length of the text without bpchar's trailing spaces. */
function bpcharLength(b: Uint8Array): number {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0x20) n--;
  return n;
}

/** The value's bytes in the domain's order. `b` is canonical output text of `typeOid`. */
export function encodeFor(domain: Domain, typeOid: number, b: Uint8Array): Uint8Array {
  switch (domain.kind) {
    case 'numeric':
      return encodeKey(NUMERIC_TYPES, [b]);
    case 'float':
      return encodeKey(typeOid === Oid.float4 ? FLOAT4_TYPES : FLOAT8_TYPES, [b]);
    case 'text':
      if (typeOid === Oid.bpchar) {
        const n = bpcharLength(b);
        return n === b.length ? b : b.subarray(0, n);
      }
      return b;
    case 'codec':
      return encodeKey([domain.typeOid], [b]);
  }
}

const NUMERIC_TYPES = [Oid.numeric];
const FLOAT4_TYPES = [Oid.float4];
const FLOAT8_TYPES = [Oid.float8];

// --- LIKE -----------------------------------------------------------------------------------------

export interface LikePattern {
  /** Literal characters before the first wildcard. */
  readonly prefix: string;
  /** The pattern is exactly `prefix%`. */
  readonly prefixOnly: boolean;
  test(value: string): boolean;
}

function likeEndsWithEscape(): SqlError {
  return new SqlError(SQLSTATE.invalid_escape_sequence, 'LIKE pattern must not end with escape character');
}

/** Compiles a LIKE pattern; escape is one character, '' for none (PostgreSQL's ESCAPE ''). */
export function compileLike(pattern: string, escape: string): LikePattern {
  if ([...escape].length > 1) {
    throw new SqlError(SQLSTATE.invalid_escape_sequence, 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  }
  // Tokens: a literal character, or a wildcard ('%' / '_' unescaped).
  const tokens: { wild: boolean; c: string }[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== '' && c === escape) {
      if (i + 1 >= chars.length) throw likeEndsWithEscape();
      tokens.push({ wild: false, c: chars[++i]! });
    } else {
      tokens.push({ wild: c === '%' || c === '_', c });
    }
  }
  let re = '^';
  for (const t of tokens) re += !t.wild ? escapeRegex(t.c) : t.c === '%' ? '[\\s\\S]*' : '[\\s\\S]';
  re += '$';
  let k = 0;
  let prefix = '';
  while (k < tokens.length && !tokens[k]!.wild) prefix += tokens[k++]!.c;
  const rest = tokens.slice(k);
  const prefixOnly = rest.length > 0 && rest.every((t) => t.wild && t.c === '%');
  const rx = new RegExp(re, 'u');
  return { prefix, prefixOnly, test: (v) => rx.test(v) };
}

function escapeRegex(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}

// --- integer keys -----------------------------------------------------------------------------------

export type CmpOp = '=' | '<' | '<=' | '>' | '>=';

export type IntegerBound =
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | { readonly kind: 'bound'; readonly op: '=' | '>=' | '<='; readonly text: string };

const INTEGER_RANGE: ReadonlyMap<number, readonly [bigint, bigint]> = new Map([
  [Oid.int2, [-32768n, 32767n]],
  [Oid.int4, [-2147483648n, 2147483647n]],
  [Oid.int8, [-(2n ** 63n), 2n ** 63n - 1n]],
  [Oid.oid, [0n, 4294967295n]],
]);

/**
 * `col op value` for an integer column and any numeric value (canonical numeric text), as an
 * exact condition on the column's own values: `aid > 1.5` is `aid >= 2`, `int2col = 100000` is
 * false, `aid < 1e30` is true.
 */
export function integerBound(typeOid: number, op: CmpOp, text: string): IntegerBound {
  const [min, max] = INTEGER_RANGE.get(typeOid)!;
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') {
    // NaN sorts above every number in PostgreSQL, like +Infinity.
    const above = text !== '-Infinity';
    if (op === '=') return { kind: 'none' };
    const below = op === '<' || op === '<=';
    return below === above ? { kind: 'all' } : { kind: 'none' };
  }
  const neg = text.startsWith('-');
  const abs = neg ? text.slice(1) : text;
  const dot = abs.indexOf('.');
  const whole = BigInt(dot < 0 ? abs : abs.slice(0, dot));
  const fraction = dot >= 0 && /[1-9]/.test(abs.slice(dot + 1));
  const trunc = neg ? -whole : whole;
  const floor = neg && fraction ? trunc - 1n : trunc;
  const ceil = !neg && fraction ? trunc + 1n : trunc;
  let lo: bigint | null = null;
  let hi: bigint | null = null;
  switch (op) {
    case '=':
      if (fraction || trunc < min || trunc > max) return { kind: 'none' };
      return { kind: 'bound', op: '=', text: String(trunc) };
    case '>':
      lo = floor + 1n;
      break;
    case '>=':
      lo = ceil;
      break;
    case '<':
      hi = ceil - 1n;
      break;
    case '<=':
      hi = floor;
      break;
  }
  if (lo !== null) {
    if (lo > max) return { kind: 'none' };
    if (lo <= min) return { kind: 'all' };
    return { kind: 'bound', op: '>=', text: String(lo) };
  }
  if (hi! < min) return { kind: 'none' };
  if (hi! >= max) return { kind: 'all' };
  return { kind: 'bound', op: '<=', text: String(hi) };
}
