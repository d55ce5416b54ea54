/*
 * collate-eval.ts — what compiled expressions need of collations (bind/collate.ts derives them,
 * types/collation.ts turns one into an order): the text order of a call, a sort key or
 * GREATEST/LEAST, the comparator that applies it, and the guard that refuses case mapping and
 * regular expressions on non-ASCII text under a non-C LC_CTYPE. Split from eval.ts.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { DEFAULT_COLLATION, type CollationInfo } from '../../store/collations.js';
import type { Expr } from '../bind/bound.js';
import { inputCollation, Strength, type Derived } from '../bind/collate.js';
import { notSupported } from '../errors.js';
import { like } from '../functions/pattern.js';
import type { FuncDef } from '../functions/registry.js';
import { textOrderOf, type TextOrder } from '../types/collation.js';
import type { Datum } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';
import { BPCHAR, NAME, TEXT, VARCHAR, bpcharTrim } from '../types/text.js';
import type { CompileEnv } from './eval.js';

/**
 * Functions whose result depends on the collation's LC_CTYPE: case mapping, ILIKE, regular
 * expressions (character classes, case-insensitive matching). memstore implements them as
 * PostgreSQL does under "C" (ASCII letters only), which every locale agrees with on ASCII text
 * except Turkish and Azeri (dotted and dotless i).
 */
const CTYPE_SENSITIVE = new Set([
  'lower', 'upper', 'initcap', '~~*', '!~~*', '~', '!~', '~*', '!~*',
  'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_like', 'regexp_count', 'regexp_instr', 'regexp_substr',
  'regexp_split_to_array', 'regexp_split_to_table', 'substring',
]);

/**
 * def, or def checking its string arguments at each call when the input collation is not a
 * byte-ordered one: non-ASCII text (or, for tr/az locales, any i or I) is refused with 0A000
 * instead of being folded or classified as "C" would.
 */
export function ctypeGuarded(def: FuncDef, args: readonly Expr[], env: CompileEnv): FuncDef {
  const cat = env.collations;
  if (cat === undefined || !CTYPE_SENSITIVE.has(def.name)) return def;
  const d = inputCollation(args);
  if (d.strength === Strength.None) return def;
  const info = d.strength === Strength.Conflict ? undefined : cat.collations.get(d.coll);
  if (info?.ctypeIsC === true) return def;
  const icu = icuCaseMapped(def, info);
  if (icu !== undefined) return icu;
  const turkic = info !== undefined && /^(tr|az)([-_]|$)/i.test(info.locale);
  const check = (values: readonly Datum[]): void => {
    for (const v of values) {
      if (typeof v !== 'string') continue;
      if (d.strength === Strength.Conflict) throw new SqlError(SQLSTATE.indeterminate_collation, `could not determine which collation to use for ${def.kind === 'op' ? 'ILIKE / regular expression' : `${def.name}() function`}`, { hint: 'Use the COLLATE clause to set the collation explicitly.' });
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(v) || (turkic && /[iI]/.test(v))) {
        throw notSupported(`${def.kind === 'op' ? `operator ${def.name}` : `${def.name}()`} on non-ASCII text of collation "${info?.name ?? '?'}" (memstore maps case and classes characters as the C locale does)`);
      }
    }
  };
  const call = def.call;
  const set = def.set;
  return {
    ...def,
    ...(call !== undefined ? { call: (v: readonly Datum[], cx: Parameters<typeof call>[1]) => (check(v), call(v, cx)) } : {}),
    ...(set !== undefined ? { set: (v: readonly Datum[], cx: Parameters<typeof set>[1]) => (check(v), set(v, cx)) } : {}),
  };
}

/**
 * lower / upper / ILIKE under an ICU collation, as PostgreSQL does them there: u_strToLower /
 * u_strToUpper with the collation's locale (full case mapping: JavaScript's toLocale*Case is the
 * same ICU call), and ILIKE as LIKE over both sides lowered (Generic_Text_IC_like).
 */
function icuCaseMapped(def: FuncDef, info: CollationInfo | undefined): FuncDef | undefined {
  if (info?.provider !== 'i') return undefined;
  const locale = info.locale;
  const low = (v: Datum): string => (v as string).toLocaleLowerCase(locale);
  switch (def.name) {
    case 'lower':
      return { ...def, call: (v) => low(v[0]!) };
    case 'upper':
      return { ...def, call: (v) => (v[0] as string).toLocaleUpperCase(locale) };
    case '~~*':
    case '!~~*': {
      const negate = def.name === '!~~*';
      return { ...def, call: (v) => like(low(v[0]!), low(v[1]!)) !== negate };
    }
    default:
      return undefined;
  }
}

/**
 * The text order for a derived collation (undefined: bytes). A conflict (no collation) gives an
 * order that raises 42P22 when it is first used, as PostgreSQL's varstr_cmp does at run time.
 */
export function orderOf(d: Derived, env: CompileEnv): TextOrder | undefined {
  if (d.strength === Strength.None || env.collations === undefined) return undefined;
  return textOrderOf(env.collations, d.strength === Strength.Conflict ? 0 : d.coll);
}

const JSONB_OID = 3802;
const RECORD_OID = 2249;

/** The order a collation-sensitive call compares with: its input collation, else the database default (jsonb). */
export function collatedOrder(args: readonly Expr[], env: CompileEnv): TextOrder | undefined {
  const d = inputCollation(args);
  return d.strength === Strength.None ? textOrderOf(env.collations, DEFAULT_COLLATION) : orderOf(d, env);
}

/**
 * The order values of `type` with collation `d` sort by: jsonb and records compare their strings
 * by the database default (their fields' collations for records), so they get the default's
 * order, which comparator() refuses when it is not bytes.
 */
export function orderOfType(type: number, d: Derived, env: CompileEnv): TextOrder | undefined {
  if (d.strength === Strength.None && (type === JSONB_OID || type === RECORD_OID || typeInfo(type).category === 'C')) return textOrderOf(env.collations, DEFAULT_COLLATION);
  return orderOf(d, env);
}

/**
 * The btree order of `type`; `order` (a collation's text order, undefined for bytes) applies to
 * the string types. Other types holding text (arrays, records) are ordered by bytes only, so
 * they are refused under any other order rather than answered in a different order.
 */
export function comparator(type: number, order?: TextOrder): (a: Datum, b: Datum) => number {
  if (order !== undefined) {
    if (type === TEXT || type === VARCHAR || type === NAME) return (a, b) => order(a as string, b as string);
    if (type === BPCHAR) return (a, b) => order(bpcharTrim(a as string), bpcharTrim(b as string));
    return () => {
      throw notSupported(`ordering values of type ${typeInfo(type).sqlName} that hold text of a non-C collation`);
    };
  }
  const t = typeInfo(type);
  if (t.compare === undefined) {
    return () => {
      throw notSupported(`ordering values of type ${t.sqlName}`);
    };
  }
  return t.compare;
}
