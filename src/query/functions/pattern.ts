/*
 * pattern.ts — LIKE / ILIKE (text, bpchar, name, bytea), like_escape, similar_to_escape (the
 * SIMILAR TO → ARE rewrite, text identical to PostgreSQL's similar_escape_internal), and the
 * matchers the ~ operators use.
 *
 * A LIKE pattern (backslash as escape, as like_escape leaves it) compiles to a matcher once per
 * pattern text: exact, prefix%, %suffix and %infix% are string tests; anything else is an anchored
 * RegExp. Compiled matchers live in a small LRU with a one-entry memo in front (the common case
 * is one constant pattern applied to every row).
 *
 * A pattern that ends with a lone escape raises 22025 only when matching reaches its end with
 * characters left over (PostgreSQL's MatchText checks lazily): `'abc' LIKE 'x\'` is false, `'abc'
 * LIKE 'a\'` is an error. ILIKE lower-cases both sides first (ASCII only: C locale), as
 * PostgreSQL does for multi-byte encodings.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { Lru } from '../lru.js';
import { lowerC } from '../types/text.js';

export interface LikeMatcher {
  test(value: string): boolean;
}

function endsWithEscape(): SqlError {
  return new SqlError(SQLSTATE.invalid_escape_sequence, 'LIKE pattern must not end with escape character');
}

function invalidEscapeString(): SqlError {
  return new SqlError(SQLSTATE.invalid_escape_sequence, 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
}

/** A literal code unit / code point as a RegExp atom valid with or without the 'u' flag. */
function reLiteral(c: string, unicode: boolean): string {
  if (/^[A-Za-z0-9]$/.test(c)) return c;
  const cp = c.codePointAt(0)!;
  return unicode ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * Compiles a LIKE pattern. `unicode` false: the strings are bytes held as latin1 code units
 * (bytea LIKE), so `_` is one byte.
 */
function compileLikeMatcher(pattern: string, unicode: boolean): LikeMatcher {
  const chars = unicode ? Array.from(pattern) : pattern.split('');
  let re = '';
  // Regex source before the trailing run of wildcards, and that run's shape (dangling escape rule).
  let beforeRun = '';
  let runUnderscores = 0; // before the run's first %
  let runAfterPercent = 0; // underscores after it
  let runHasPercent = false;
  let literalOnly = true;
  let lit = '';
  let dangling = false;
  // Shape detection for the string fast paths: [%]literal[%].
  let leadingPct = false;
  let trailingPct = false;
  let shapeOk = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      if (i + 1 >= chars.length) {
        dangling = true;
        break;
      }
      const n = chars[++i]!;
      re += reLiteral(n, unicode);
      beforeRun = re;
      runUnderscores = 0;
      runAfterPercent = 0;
      runHasPercent = false;
      if (trailingPct) shapeOk = false;
      lit += n;
    } else if (c === '%') {
      re += '[\\s\\S]*';
      runHasPercent = true;
      literalOnly = false;
      if (lit === '' && !trailingPct) leadingPct = true;
      else trailingPct = true;
    } else if (c === '_') {
      re += '[\\s\\S]';
      if (runHasPercent) runAfterPercent++;
      else runUnderscores++;
      literalOnly = false;
      shapeOk = false;
    } else {
      re += reLiteral(c, unicode);
      beforeRun = re;
      runUnderscores = 0;
      runAfterPercent = 0;
      runHasPercent = false;
      if (trailingPct) shapeOk = false;
      lit += c;
    }
  }
  const flags = unicode ? 'u' : '';
  if (dangling) {
    // MatchText meets the final escape with text left over (its main loop), or in a trailing
    // %-run: entered with text left over, the underscores after the % then find their characters.
    const tail = runHasPercent ? `[\\s\\S]{${runUnderscores + Math.max(1, runAfterPercent)}}` : '[\\s\\S]';
    const reached = new RegExp(`^(?:${runHasPercent ? beforeRun : re})${tail}`, flags);
    return {
      test: (v) => {
        if (reached.test(v)) throw endsWithEscape();
        return false;
      },
    };
  }
  if (literalOnly) return { test: (v) => v === lit };
  if (shapeOk) {
    if (lit === '') return { test: () => true };
    if (leadingPct && trailingPct) return { test: (v) => v.includes(lit) };
    if (leadingPct) return { test: (v) => v.endsWith(lit) };
    if (trailingPct) return { test: (v) => v.startsWith(lit) };
  }
  const rx = new RegExp(`^${re}$`, flags);
  return { test: (v) => rx.test(v) };
}

const likeCache = new Lru<string, LikeMatcher>(256);

/**
 * One memo per operator kind in front of the LRU, keyed by the pattern as the caller passed it
 * (before ILIKE's lower-casing): a constant pattern costs one string comparison per row.
 */
class Memo {
  private pattern: string | null = null;
  private matcher: LikeMatcher | null = null;
  constructor(
    private readonly prefix: string,
    private readonly prepare: (p: string) => string,
    private readonly unicode: boolean,
  ) {}

  get(pattern: string): LikeMatcher {
    if (pattern === this.pattern) return this.matcher!;
    const p = this.prepare(pattern);
    const key = this.prefix + p;
    let m = likeCache.get(key);
    if (m === undefined) {
      m = compileLikeMatcher(p, this.unicode);
      likeCache.set(key, m);
    }
    this.pattern = pattern;
    this.matcher = m;
    return m;
  }
}

const same = (p: string): string => p;
const likeMemo = new Memo('t', same, true);
const ilikeMemo = new Memo('t', lowerC, true);
const byteaMemo = new Memo('b', same, false);

/** value LIKE pattern (pattern escaped with backslash). */
export function like(value: string, pattern: string): boolean {
  return likeMemo.get(pattern).test(value);
}

/** value ILIKE pattern. */
export function ilike(value: string, pattern: string): boolean {
  return ilikeMemo.get(pattern).test(lowerC(value));
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** bytea LIKE bytea, byte by byte. */
export function likeBytea(value: Uint8Array, pattern: Uint8Array): boolean {
  return byteaMemo.get(latin1(pattern)).test(latin1(value));
}

/** like_escape(pattern, escape): the pattern rewritten to backslash escapes. */
export function likeEscape(pattern: string, escape: string): string {
  const e = Array.from(escape);
  if (e.length > 1) throw invalidEscapeString();
  if (e.length === 0) return pattern.replaceAll('\\', '\\\\');
  if (e[0] === '\\') return pattern;
  let out = '';
  let afterEscape = false;
  for (const c of pattern) {
    if (c === e[0] && !afterEscape) {
      out += '\\';
      afterEscape = true;
    } else if (c === '\\') {
      out += afterEscape ? '\\' : '\\\\';
      afterEscape = false;
    } else {
      out += c;
      afterEscape = false;
    }
  }
  return out;
}

/** like_escape(bytea, bytea), same rule over bytes. */
export function likeEscapeBytea(pattern: Uint8Array, escape: Uint8Array): Uint8Array {
  if (escape.length > 1) throw invalidEscapeString();
  const out: number[] = [];
  if (escape.length === 0) {
    for (const b of pattern) {
      if (b === 0x5c) out.push(0x5c);
      out.push(b);
    }
    return Uint8Array.from(out);
  }
  if (escape[0] === 0x5c) return pattern;
  let afterEscape = false;
  for (const b of pattern) {
    if (b === escape[0] && !afterEscape) {
      out.push(0x5c);
      afterEscape = true;
    } else if (b === 0x5c) {
      out.push(0x5c);
      if (!afterEscape) out.push(0x5c);
      afterEscape = false;
    } else {
      out.push(b);
      afterEscape = false;
    }
  }
  return Uint8Array.from(out);
}

/**
 * similar_to_escape(pattern[, escape]): SQL's SIMILAR TO pattern as an ARE, exactly as
 * PostgreSQL's similar_escape_internal writes it (the text is visible to users).
 */
export function similarToEscape(pattern: string, escape: string | null): string {
  let e: string | null;
  if (escape === null) e = '\\';
  else {
    const cs = Array.from(escape);
    if (cs.length > 1) throw invalidEscapeString();
    e = cs.length === 0 ? null : cs[0]!;
  }
  let r = '^(?:';
  let afterEscape = false;
  // Bracket nesting ([[:alpha:]] holds a '[') and the position in the innermost class: 1 at its
  // start, 2 after a leading '^', 3 beyond (a ']' closes only there).
  let depth = 0;
  let charclassPos = 0;
  let nquotes = 0;
  for (const p of pattern) {
    if (afterEscape) {
      if (p === '"' && depth === 0) {
        if (nquotes === 0) r += '){1,1}?(';
        else if (nquotes === 1) r += '){1,1}(?:';
        else {
          throw new SqlError(SQLSTATE.invalid_use_of_escape_character, 'SQL regular expression may not contain more than two escape-double-quote separators');
        }
        nquotes++;
      } else {
        r += '\\' + p;
        charclassPos = 3;
      }
      afterEscape = false;
    } else if (e !== null && p === e) {
      afterEscape = true;
    } else if (depth > 0) {
      if (p === '\\') r += '\\';
      r += p;
      if (p === ']' && charclassPos > 2) depth--;
      else if (p === '[') {
        depth++;
        charclassPos = 3;
      } else if (p === '^') charclassPos++;
      else charclassPos = 3;
    } else if (p === '[') {
      r += p;
      depth = 1;
      charclassPos = 1;
    } else if (p === '%') r += '.*';
    else if (p === '_') r += '.';
    else if (p === '(') r += '(?:';
    else if (p === '\\' || p === '.' || p === '^' || p === '$') r += '\\' + p;
    else r += p;
  }
  return r + ')$';
}
