/*
 * regexp.ts — the functions over regular expressions: the ~ family's test, substring(text from
 * pattern), regexp_replace, regexp_match, regexp_matches, regexp_split_to_array/_table,
 * regexp_count, regexp_like, regexp_instr, regexp_substr; and the compiled-pattern cache: a
 * pattern is translated (regex.ts) and compiled once per (pattern, flags), kept in a small LRU
 * with a one-entry memo in front, never compiled per row.
 *
 * Match iteration follows PostgreSQL's setup_regexp_matches: the next search starts at the end of
 * the previous match, one character further after an empty match; the split functions ignore
 * "degenerate" matches (empty at the start or end of the string, or right after a match).
 * Positions are UTF-16 offsets inside, never splitting a surrogate pair.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { ArrayValue, Datum } from '../types/datum.js';
import { charLength, codeUnitOffset } from '../types/text.js';
import { Lru } from '../lru.js';
import { notSupported } from '../errors.js';
import { translateRegex, type RegexFlags } from './regex.js';
import { textArray } from './text.js';

export interface CompiledRegex {
  /** The JS regex with the 'g' flag off (tests, first match). */
  readonly re: RegExp;
  /** Same with 'g' (all matches, lastIndex-driven). */
  readonly reGlobal: RegExp;
  /** Number of capturing groups. */
  readonly groups: number;
  /** `^(?:…)$` of the same pattern when POSIX's longest match must be searched (Translation.longest). */
  readonly exact: RegExp | null;
}

const cache = new Lru<string, CompiledRegex>(256);
// One-entry memo: a constant pattern applied to every row costs two comparisons, no allocation.
let lastPattern: string | null = null;
let lastFlags: RegexFlags | null = null;
let last: CompiledRegex | null = null;

const sameFlags = (a: RegexFlags, b: RegexFlags): boolean =>
  a === b || (a.icase === b.icase && a.newline === b.newline && a.expanded === b.expanded && a.literal === b.literal);

/** The compiled form of an ARE under flags; cached per (pattern, flags), never compiled per row. */
export function compileRegex(pattern: string, f: RegexFlags): CompiledRegex {
  if (pattern === lastPattern && sameFlags(f, lastFlags!)) return last!;
  const key = `${f.icase ? 'i' : ''}${f.newline ? 'n' : ''}${f.expanded ? 'x' : ''}${f.literal ? 'q' : ''}\u0000${pattern}`;
  let c = cache.get(key);
  if (c === undefined) {
    const { source, groups, longest } = translateRegex(pattern, f);
    let re: RegExp;
    try {
      re = new RegExp(source, 'u');
    } catch {
      throw notSupported(`memstore cannot translate the regular expression "${pattern}"`);
    }
    c = { re, reGlobal: new RegExp(source, 'gu'), groups, exact: longest ? new RegExp(`^(?:${source})$`, 'u') : null };
    cache.set(key, c);
  }
  lastPattern = pattern;
  lastFlags = f;
  last = c;
  return c;
}

export const PLAIN: RegexFlags = { icase: false, newline: false, expanded: false, literal: false, global: false };
export const ICASE: RegexFlags = { icase: true, newline: false, expanded: false, literal: false, global: false };

/**
 * Parses a regexp_* flags string. `allowGlobal`: whether 'g' is accepted (regexp_replace,
 * regexp_matches) or refused (regexp_match: "regexp_match() does not support the "global" option").
 */
export function parseFlags(flags: string, fn: string, allowGlobal: boolean): RegexFlags {
  let icase = false;
  let newline = false;
  let expanded = false;
  let lit = false;
  let global = false;
  for (const ch of flags) {
    switch (ch) {
      case 'g':
        global = true;
        break;
      case 'i':
        icase = true;
        break;
      case 'c':
        icase = false;
        break;
      case 'n':
      case 'w':
      case 'p':
        if (ch !== 'n') throw notSupported(`memstore does not support the regular expression option "${ch}"`);
        newline = true;
        break;
      case 's':
        newline = false;
        break;
      case 'x':
        expanded = true;
        break;
      case 't':
        expanded = false;
        break;
      case 'q':
        lit = true;
        break;
      case 'b':
      case 'e':
        throw notSupported(`memstore does not support the regular expression option "${ch}"`);
      default:
        throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid regular expression option: "${ch}"`);
    }
  }
  if (global && !allowGlobal) {
    throw new SqlError(SQLSTATE.invalid_parameter_value, `${fn}() does not support the "global" option`, { hint: `Use the regexp_matches function instead.` });
  }
  return { icase, newline, expanded, literal: lit, global };
}

export function regexTest(value: string, pattern: string, icase: boolean): boolean {
  return compileRegex(pattern, icase ? ICASE : PLAIN).re.test(value);
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly m: RegExpExecArray;
}

/** One code point forward from i. */
function nextChar(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}

/** One code point back from i. */
function prevChar(s: string, i: number): number {
  const c = s.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

/**
 * POSIX's longest match at JS's (leftmost) start, for patterns whose alternatives JS would try
 * in order (Translation.longest): the longest slice from that start the anchored pattern matches.
 * XXX costs one anchored test per remaining character; only patterns with '|' pay it.
 */
function stretch(s: string, c: CompiledRegex, m: RegExpExecArray): RegExpExecArray {
  const start = m.index;
  const end = start + m[0].length;
  for (let e = s.length; e > end; e = prevChar(s, e)) {
    const x = c.exact!.exec(s.slice(start, e));
    if (x === null) continue;
    x.index = start;
    if (x.indices !== undefined) {
      for (let i = 0; i < x.indices.length; i++) {
        const span = x.indices[i];
        if (span !== undefined) x.indices[i] = [span[0] + start, span[1] + start];
      }
    }
    return x;
  }
  return m;
}

/** The first match (POSIX's extent) from lastIndex `from` of the global regex, or null. */
function execAt(s: string, c: CompiledRegex, from: number): RegExpExecArray | null {
  c.reGlobal.lastIndex = from;
  const m = c.reGlobal.exec(s);
  return m !== null && c.exact !== null ? stretch(s, c, m) : m;
}

function* matches(s: string, c: CompiledRegex, global: boolean, from: number, ignoreDegenerate: boolean): Generator<Match> {
  let search = from;
  let prevEnd = 0;
  while (search <= s.length) {
    const m = execAt(s, c, search);
    if (m === null) return;
    const start = m.index;
    const end = start + m[0].length;
    if (!ignoreDegenerate || (start < s.length && end > prevEnd)) yield { start, end, m };
    prevEnd = end;
    if (!global) return;
    search = start === end ? nextChar(s, end) : end;
    if (start === end && end >= s.length) return;
  }
}

/** substring(s from pattern): the first parenthesized group's text, else the whole match. */
export function regexSubstring(s: string, pattern: string): string | null {
  const c = compileRegex(pattern, PLAIN);
  const m = execAt(s, c, 0);
  if (m === null) return null;
  if (c.groups > 0) return m[1] ?? null;
  return m[0];
}

function badParam(name: string, v: number): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `invalid value for parameter "${name}": ${v}`);
}

/** The replacement text for one match: \1..\9, \& the whole match, \\ a backslash. */
function expandReplacement(rep: string, m: RegExpExecArray, groups: number): string {
  if (!rep.includes('\\')) return rep;
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const ch = rep[i]!;
    if (ch !== '\\' || i + 1 >= rep.length) {
      out += ch;
      continue;
    }
    const n = rep.charCodeAt(i + 1);
    if (n >= 0x31 && n <= 0x39) {
      const g = n - 0x30;
      if (g <= groups) out += m[g] ?? '';
      i++;
    } else if (n === 0x26) {
      out += m[0];
      i++;
    } else if (n === 0x5c) {
      out += '\\';
      i++;
    } else {
      out += '\\';
    }
  }
  return out;
}

/**
 * regexp_replace(s, pattern, replacement[, start[, n]][, flags]). `n` 0 replaces every match,
 * n > 0 only the n-th; without start/n, flag 'g' means every match, else the first.
 */
export function regexpReplace(s: string, pattern: string, rep: string, start: number | null, n: number | null, flags: string | null): string {
  if (start !== null && start <= 0) throw badParam('start', start);
  if (n !== null && n < 0) throw badParam('n', n);
  const f = parseFlags(flags ?? '', 'regexp_replace', true);
  const c = compileRegex(pattern, f);
  const nth = n ?? (f.global ? 0 : 1);
  if (start !== null && start - 1 > charLength(s)) return s;
  const from = start === null ? 0 : codeUnitOffset(s, start - 1);
  let out = '';
  let copied = 0;
  let k = 0;
  for (const m of matches(s, c, true, from, false)) {
    k++;
    if (nth !== 0 && k < nth) continue;
    out += s.slice(copied, m.start) + expandReplacement(rep, m.m, c.groups);
    copied = m.end;
    if (nth !== 0) break;
  }
  return out + s.slice(copied);
}

function groupsArray(m: RegExpExecArray, groups: number): ArrayValue {
  if (groups === 0) return textArray([m[0]]);
  const items: Datum[] = [];
  for (let g = 1; g <= groups; g++) items.push(m[g] ?? null);
  return textArray(items);
}

export function regexpMatch(s: string, pattern: string, flags: string | null): ArrayValue | null {
  const f = parseFlags(flags ?? '', 'regexp_match', false);
  const c = compileRegex(pattern, f);
  const m = execAt(s, c, 0);
  return m === null ? null : groupsArray(m, c.groups);
}

export function* regexpMatches(s: string, pattern: string, flags: string | null): Generator<ArrayValue> {
  const f = parseFlags(flags ?? '', 'regexp_matches', true);
  const c = compileRegex(pattern, f);
  for (const m of matches(s, c, f.global, 0, false)) yield groupsArray(m.m, c.groups);
}

function splitFlags(flags: string | null, fn: string): RegexFlags {
  const f = parseFlags(flags ?? '', fn, true);
  if (f.global) throw new SqlError(SQLSTATE.invalid_parameter_value, `${fn}() does not support the "global" option`);
  return f;
}

export function regexpSplit(s: string, pattern: string, flags: string | null, fn: string): string[] {
  const c = compileRegex(pattern, splitFlags(flags, fn));
  const out: string[] = [];
  let prev = 0;
  for (const m of matches(s, c, true, 0, true)) {
    out.push(s.slice(prev, m.start));
    prev = m.end;
  }
  out.push(s.slice(prev));
  return out;
}

export function regexpCount(s: string, pattern: string, start: number | null, flags: string | null): number {
  if (start !== null && start <= 0) throw badParam('start', start);
  const f = parseFlags(flags ?? '', 'regexp_count', false);
  const c = compileRegex(pattern, f);
  if (start !== null && start - 1 > charLength(s)) return 0;
  let n = 0;
  for (const m of matches(s, c, true, start === null ? 0 : codeUnitOffset(s, start - 1), false)) {
    void m;
    n++;
  }
  return n;
}

export function regexpLike(s: string, pattern: string, flags: string | null): boolean {
  const f = parseFlags(flags ?? '', 'regexp_like', false);
  return compileRegex(pattern, f).re.test(s);
}

/** The same regex with match indices ('d'), made once per compiled pattern when a subexpr asks. */
const withIndices = new WeakMap<CompiledRegex, CompiledRegex>();

function indexed(c: CompiledRegex): CompiledRegex {
  let d = withIndices.get(c);
  if (d === undefined) {
    d = { re: new RegExp(c.re.source, 'du'), reGlobal: new RegExp(c.re.source, 'dgu'), groups: c.groups, exact: c.exact === null ? null : new RegExp(c.exact.source, 'du') };
    withIndices.set(c, d);
  }
  return d;
}

interface NthMatch {
  readonly m: Match;
  /** Code-unit span of the asked subexpression (the whole match for 0); null when it did not take part. */
  readonly span: readonly [number, number] | null;
}

/** The n-th match at or after character `start` (regexp_instr / regexp_substr), or null. */
function nthMatch(fn: string, s: string, pattern: string, start: number | null, n: number | null, flags: string | null, subexpr: number | null): NthMatch | null {
  if (start !== null && start <= 0) throw badParam('start', start);
  if (n !== null && n <= 0) throw badParam('n', n);
  if (subexpr !== null && subexpr < 0) throw badParam('subexpr', subexpr);
  const f = parseFlags(flags ?? '', fn, false);
  let c = compileRegex(pattern, f);
  // Without parentheses the whole match is subexpression 1, as in regexp_matches.
  const sub = c.groups === 0 && subexpr === 1 ? 0 : (subexpr ?? 0);
  if (sub > c.groups) return null;
  if (sub > 0) c = indexed(c);
  if (start !== null && start - 1 > charLength(s)) return null;
  let k = 0;
  for (const m of matches(s, c, true, start === null ? 0 : codeUnitOffset(s, start - 1), false)) {
    if (++k < (n ?? 1)) continue;
    if (sub === 0) return { m, span: [m.start, m.end] };
    const span = m.m.indices![sub];
    return { m, span: span === undefined ? null : span };
  }
  return null;
}

const charPos = (s: string, unit: number): number => charLength(s.slice(0, unit)) + 1;

export function regexpInstr(s: string, pattern: string, start: number | null, n: number | null, endoption: number | null, flags: string | null, subexpr: number | null): number {
  if (endoption !== null && endoption < 0) throw badParam('endoption', endoption);
  const r = nthMatch('regexp_instr', s, pattern, start, n, flags, subexpr);
  if (r === null || r.span === null) return 0;
  return charPos(s, endoption ? r.span[1] : r.span[0]);
}

export function regexpSubstr(s: string, pattern: string, start: number | null, n: number | null, flags: string | null, subexpr: number | null): string | null {
  const r = nthMatch('regexp_substr', s, pattern, start, n, flags, subexpr);
  if (r === null || r.span === null) return null;
  return s.slice(r.span[0], r.span[1]);
}
