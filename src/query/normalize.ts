/*
 * normalize.ts — a small SQL lexer that lifts literals out of a query text, so that queries
 * differing only in their constants share one cached plan.
 *
 * Why: the simple protocol carries the values inside the text (`… WHERE aid = 48211`, pgbench -M
 * simple, psql, most ORMs' non-prepared paths), so a cache keyed by the raw text would miss on
 * nearly every query and each miss costs a real parse (~20–40 µs, more than the lookup itself).
 * Like pg_stat_statements' normalisation, the key replaces every plain numeric and string literal
 * by a marker of its class; the plan built from the first text reads its constants from the
 * literal list of whatever text it runs for.
 *
 * Safety: the marker is NUL + class letter; NUL cannot occur in a query string, so two texts with
 * the same key differ only in the values of literals of the same lexical class. The planner proves
 * the rest: a plan is shared only if every lifted literal was consumed as a value slot (by parse
 * tree location); a literal the planner reads as part of the statement's shape (`ORDER BY 1`, a
 * select-list constant whose type depends on its size, `-5` folded by the parser) makes the plan
 * text-specific (engine.ts caches it under the exact text instead).
 *
 * Lifted: integers (`42`, `1_000`, `0x1F`; class i), decimals (`1.5`, `1e3`; class n), standard
 * strings (`'abc'`, `''` escapes; class s). Left in the text: E'…', B'…', X'…', N'…', U&'…',
 * dollar quotes, quoted identifiers, $n parameters, comments. Two string literals in a row (SQL
 * concatenates them across a newline) → no normalisation at all (null).
 *
 * Interface:
 *   normalize(sql)   { key, literals: [{ text, location (byte offset), cls }] } or null
 */

export type LiteralClass = 'i' | 'n' | 's';

export interface Literal {
  /** The literal's value: digits as written, or the string's content with '' undone. */
  readonly text: string;
  /** Byte offset in the query text, as the parse tree's `location`. */
  readonly location: number;
  readonly cls: LiteralClass;
}

export interface Normalized {
  readonly key: string;
  readonly literals: readonly Literal[];
}

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x24;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b;
}

// Scanner state, module-level so the hot path allocates no closures.
let text = '';
let key = '';
let last = 0; // start of the text not yet copied into key
let bPos = 0; // bytes are counted up to this code unit
let bytes = 0;
let literals: Literal[] = [];

function byteOffset(pos: number): number {
  for (; bPos < pos; bPos++) {
    const c = text.charCodeAt(bPos);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      bPos++;
    } else bytes += 3;
  }
  return bytes;
}

function lift(start: number, end: number, value: string, cls: LiteralClass): void {
  key += text.slice(last, start) + '\u0000' + cls;
  last = end;
  literals.push({ text: value, location: byteOffset(start), cls });
}

export function normalize(sql: string): Normalized | null {
  text = sql;
  key = '';
  last = 0;
  bPos = 0;
  bytes = 0;
  literals = [];
  const result = scan(sql);
  text = '';
  return result;
}

function scan(sql: string): Normalized | null {
  const n = sql.length;
  let prevString = false;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
      // -- comment
      while (i < n && sql.charCodeAt(i) !== 0x0a) i++;
      continue;
    }
    if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      // /* nested */ comment
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql.charCodeAt(i) === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
          depth++;
          i += 2;
        } else if (sql.charCodeAt(i) === 0x2a && sql.charCodeAt(i + 1) === 0x2f) {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return null;
      continue;
    }
    if (c === 0x27) {
      // A standard string (a prefixed one is consumed with its prefix identifier below).
      const start = i;
      let value = '';
      let j = i + 1;
      let from = j;
      for (;;) {
        if (j >= n) return null;
        if (sql.charCodeAt(j) === 0x27) {
          if (sql.charCodeAt(j + 1) === 0x27) {
            value += sql.slice(from, j + 1);
            j += 2;
            from = j;
            continue;
          }
          break;
        }
        j++;
      }
      value += sql.slice(from, j);
      if (prevString) return null;
      lift(start, j + 1, value, 's');
      prevString = true;
      i = j + 1;
      continue;
    }
    prevString = false;
    if (c === 0x22) {
      // "quoted identifier"
      let j = i + 1;
      for (;;) {
        if (j >= n) return null;
        if (sql.charCodeAt(j) === 0x22) {
          if (sql.charCodeAt(j + 1) === 0x22) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x24) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        // $n parameter
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
        continue;
      }
      // $tag$ … $tag$
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 0x24) j++;
      if (sql.charCodeAt(j) === 0x24 && (j === i + 1 || isIdentStart(sql.charCodeAt(i + 1)))) {
        const tag = sql.slice(i, j + 1);
        const end = sql.indexOf(tag, j + 1);
        if (end < 0) return null;
        i = end + tag.length;
        continue;
      }
      i++;
      continue;
    }
    if (isDigit(c) || (c === 0x2e && isDigit(sql.charCodeAt(i + 1)))) {
      const start = i;
      let cls: LiteralClass = 'i';
      const next = sql.charCodeAt(i + 1) | 0x20;
      if (c === 0x30 && (next === 0x78 || next === 0x6f || next === 0x62) && i + 2 < n && isIdentChar(sql.charCodeAt(i + 2))) {
        i += 2;
        while (i < n && (isIdentChar(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 0x24)) i++;
      } else {
        while (i < n && (isDigit(sql.charCodeAt(i)) || sql.charCodeAt(i) === 0x5f)) i++;
        if (sql.charCodeAt(i) === 0x2e && sql.charCodeAt(i + 1) !== 0x2e) {
          cls = 'n';
          i++;
          while (i < n && (isDigit(sql.charCodeAt(i)) || sql.charCodeAt(i) === 0x5f)) i++;
        }
        if ((sql.charCodeAt(i) | 0x20) === 0x65) {
          let j = i + 1;
          if (sql.charCodeAt(j) === 0x2b || sql.charCodeAt(j) === 0x2d) j++;
          if (isDigit(sql.charCodeAt(j))) {
            cls = 'n';
            i = j;
            while (i < n && isDigit(sql.charCodeAt(i))) i++;
          }
        }
      }
      // Trailing junk (`123abc`) is a syntax error for the parser; do not guess.
      if (i < n && isIdentChar(sql.charCodeAt(i))) return null;
      lift(start, i, sql.slice(start, i), cls);
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentChar(sql.charCodeAt(i))) i++;
      const q = sql.charCodeAt(i);
      if (q === 0x27 || (q === 0x26 && (sql.charCodeAt(i + 1) === 0x27 || sql.charCodeAt(i + 1) === 0x22))) {
        // E'…', B'…', X'…', N'…', U&'…' (or U&"…"): left in the text as they are.
        const word = sql.slice(start, i).toLowerCase();
        if (q === 0x26) i++;
        const quote = sql.charCodeAt(i);
        const backslashes = word === 'e';
        let j = i + 1;
        for (;;) {
          if (j >= n) return null;
          const d = sql.charCodeAt(j);
          if (backslashes && d === 0x5c) {
            j += 2;
            continue;
          }
          if (d === quote) {
            if (sql.charCodeAt(j + 1) === quote) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        i = j + 1;
        // A prefixed string followed by a plain one would be concatenated: refuse.
        prevString = true;
      }
      continue;
    }
    i++;
  }
  key += sql.slice(last);
  return { key, literals };
}
