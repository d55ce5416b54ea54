/*
 * format.ts — functions that print arguments of any type as text: concat, concat_ws, format
 * (%s %I %L %%, positions n$, widths, * widths, - flag, as text_format), quote_ident,
 * quote_literal, quote_nullable. Arguments of type "any" are printed with their type's output
 * function under the session's settings (so concat(true) is 't' and a timestamptz follows
 * TimeZone), which is what PostgreSQL does.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';
import { charLength } from '../types/text.js';
import type { CallContext } from './registry.js';

/** Keywords quote_ident must quote: pg_get_keywords() where catcode <> 'U' (PostgreSQL 17). */
const QUOTED_KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char ' +
    'character check coalesce collate collation column concurrently constraint create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc distinct do ' +
    'else end except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike ' +
    'in initially inner inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists ' +
    'json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral leading least left like ' +
    'limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset ' +
    'on only or order out outer overlaps overlay placing position precision primary real references returning right row ' +
    'select session_user setof similar smallint some substring symmetric system_user table tablesample then time timestamp ' +
    'to trailing treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

const SAFE_IDENT = /^[a-z_][a-z0-9_]*$/;

/** quote_identifier: double-quoted unless a lower-case identifier that is not a reserved keyword. */
export function quoteIdent(s: string): string {
  if (SAFE_IDENT.test(s) && !QUOTED_KEYWORDS.has(s)) return s;
  return '"' + s.replaceAll('"', '""') + '"';
}

/** quote_literal: quotes doubled, and backslashes doubled under an E'' prefix. */
export function quoteLiteral(s: string): string {
  const q = "'" + s.replaceAll("'", "''") + "'";
  return s.includes('\\') ? 'E' + q.replaceAll('\\', '\\\\') : q;
}

function argText(d: Datum, type: number, cx: CallContext): string {
  return typeInfo(type).output(d, cx.settings);
}

/** concat(VARIADIC "any"): NULLs skipped. */
export function concat(args: readonly Datum[], cx: CallContext, from = 0, sep: string | null = null): string {
  let out = '';
  let first = true;
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    if (a === null) continue;
    if (sep !== null && !first) out += sep;
    out += argText(a, cx.argTypes[i]!, cx);
    first = false;
  }
  return out;
}

function formatError(msg: string, hint?: string): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, msg, hint === undefined ? {} : { hint });
}

const unterminated = (): SqlError => formatError('unterminated format() type specifier', 'For a single "%" use "%%".');

function pad(buf: string, s: string, leftAlign: boolean, width: number): string {
  if (width < 0) {
    leftAlign = true;
    width = -width;
  }
  const len = width === 0 ? 0 : charLength(s);
  if (len >= width) return buf + s;
  const fill = ' '.repeat(width - len);
  return leftAlign ? buf + s + fill : buf + fill + s;
}

/** format(fmt, VARIADIC "any"); args[0] is the format string (non-null). */
export function format(args: readonly Datum[], cx: CallContext): string {
  const fmt = args[0] as string;
  const nargs = args.length;
  let out = '';
  let arg = 1;
  let i = 0;
  const n = fmt.length;
  const advance = (): void => {
    i++;
    if (i >= n) throw unterminated();
  };
  const digits = (): number | null => {
    let v: number | null = null;
    while (i < n && fmt.charCodeAt(i) >= 0x30 && fmt.charCodeAt(i) <= 0x39) {
      v = (v ?? 0) * 10 + (fmt.charCodeAt(i) - 0x30);
      if (v > 2147483647) throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'number is out of range');
      advance();
    }
    return v;
  };
  const argZero = (): SqlError => formatError('format specifies argument 0, but arguments are numbered from 1');
  for (; i < n; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    advance();
    if (fmt[i] === '%') {
      out += '%';
      continue;
    }
    let argpos = -1;
    let widthpos = -1;
    let leftAlign = false;
    let width = 0;
    const first = digits();
    let done = false;
    if (first !== null) {
      if (fmt[i] !== '$') {
        width = first;
        done = true;
      } else {
        if (first === 0) throw argZero();
        argpos = first;
        advance();
      }
    }
    if (!done) {
      while (fmt[i] === '-') {
        leftAlign = true;
        advance();
      }
      if (fmt[i] === '*') {
        advance();
        const w = digits();
        if (w !== null) {
          if (fmt[i] !== '$') throw formatError('width argument position must be ended by "$"');
          if (w === 0) throw argZero();
          widthpos = w;
          advance();
        } else widthpos = 0;
      } else {
        width = digits() ?? 0;
      }
    }
    const conv = fmt[i]!;
    if (conv !== 's' && conv !== 'I' && conv !== 'L') {
      throw formatError(`unrecognized format() type specifier "${String.fromCodePoint(fmt.codePointAt(i)!)}"`, 'For a single "%" use "%%".');
    }
    if (fmt.charCodeAt(i) >= 0xd800 && fmt.charCodeAt(i) <= 0xdbff) i++;
    if (widthpos >= 0) {
      if (widthpos > 0) arg = widthpos;
      if (arg >= nargs) throw formatError('too few arguments for format()');
      const wv = args[arg]!;
      const wt = cx.argTypes[arg]!;
      arg++;
      if (wv === null) width = 0;
      else if (typeof wv === 'number' && (wt === 23 || wt === 21)) width = wv;
      else width = parseWidth(argText(wv, wt, cx));
    }
    if (argpos > 0) arg = argpos;
    if (arg >= nargs) throw formatError('too few arguments for format()');
    const v = args[arg]!;
    const t = cx.argTypes[arg]!;
    arg++;
    if (v === null) {
      if (conv === 's') out = pad(out, '', leftAlign, width);
      else if (conv === 'L') out = pad(out, 'NULL', leftAlign, width);
      else throw new SqlError(SQLSTATE.null_value_not_allowed, 'null values cannot be formatted as an SQL identifier');
      continue;
    }
    const text = argText(v, t, cx);
    out = pad(out, conv === 'I' ? quoteIdent(text) : conv === 'L' ? quoteLiteral(text) : text, leftAlign, width);
  }
  return out;
}

/** pg_strtoint32 of a width argument's text. */
function parseWidth(s: string): number {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new SqlError(SQLSTATE.invalid_text_representation, `invalid input syntax for type integer: "${s}"`);
  const v = Number(t);
  if (v < -2147483648 || v > 2147483647) throw new SqlError(SQLSTATE.numeric_value_out_of_range, `value "${s}" is out of range for type integer`);
  return v;
}
