/*
 * regex.ts — PostgreSQL's regular expressions (POSIX ARE, as the ~ operators and regexp_*
 * functions take them) translated to JavaScript RegExp source for the 'u' flag. Compiling,
 * caching and the flags strings are regexp.ts's.
 *
 * The translation walks the ARE token by token and emits an equivalent JS pattern in which every
 * non-alphanumeric literal is a \u{…} escape (so no JS metacharacter survives by accident):
 *   .            any character ([^\n] under the n flag)
 *   [..]         bracket expressions with ranges, [:class:] (C locale: ASCII classes only, as
 *                PostgreSQL under COLLATE "C"), [=x=] / [.x.] of one character, \d \s \w inside
 *   \d \s \w …   ASCII classes spelt out (JS \s knows Unicode spaces, ARE's C locale does not)
 *   \m \M \y \Y  word constraints; \A \Z string anchors; [[:<:]] [[:>:]]
 *   (?: ) (?= ) (?! ) (?<= ) (?<! )   groups and lookaround (parentheses inside a lookaround
 *                are non-capturing in ARE, so they are emitted as (?: ))
 *   {m,n} * + ? and their non-greedy forms; \1..\9 back-references
 * Case-insensitive matching (flag i, ~*) is done in the translation (each ASCII letter becomes
 * [xX]), never with JS's 'i' flag, which also folds non-ASCII letters (and makes \w match
 * U+017F); PostgreSQL under the C locale folds ASCII only.
 *
 * Errors: what ARE refuses is 2201B with regerror's text ("invalid regular expression: …").
 * Constructs not translated faithfully are 0A000: embedded options ((?i), ***:), [.name.]
 * collating elements of more than one character, BRE/ERE flavours (flags b, e).
 *
 * XXX matching semantics: a boolean test (~, !~, SIMILAR TO) is exact, since a match exists for
 * both engines or for neither. The extent of a match can differ: ARE takes the longest match at
 * the leftmost position (POSIX), JS the first its backtracking finds. regexp.ts stretches JS's
 * match to the longest for patterns with alternatives (`substring('ab' from 'a|ab')` is 'ab', as in
 * PostgreSQL), except when they also hold anchors, word constraints, lookaround or non-greedy
 * quantifiers. Left as JS gives it: greedy quantifiers that give up length (`a*(ab)?` on 'aab':
 * 'aa' here, 'aab' in PostgreSQL), the whole-RE greediness rule of mixed greedy/non-greedy
 * patterns, and which text each parenthesized subexpression captures.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';

export interface RegexFlags {
  /** Case-insensitive (ASCII letters). */
  readonly icase: boolean;
  /** Newline-sensitive: . and [^…] do not match \n, ^ $ match at line breaks. */
  readonly newline: boolean;
  /** Expanded syntax: white space and #-comments ignored. */
  readonly expanded: boolean;
  /** The pattern is a literal string. */
  readonly literal: boolean;
  /** regexp_replace / regexp_matches: every match ('g'). */
  readonly global: boolean;
}


function invalid(msg: string): SqlError {
  return new SqlError(SQLSTATE.invalid_regular_expression, `invalid regular expression: ${msg}`);
}

const lit = (cp: number): string =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) ? String.fromCharCode(cp) : `\\u{${cp.toString(16)}}`;

const isAsciiLetter = (cp: number): boolean => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);

/** One literal character outside brackets. */
function literal(cp: number, icase: boolean): string {
  if (icase && isAsciiLetter(cp)) {
    const lo = cp | 0x20;
    return `[${String.fromCharCode(lo)}${String.fromCharCode(lo & ~0x20)}]`;
  }
  return lit(cp);
}

/** ASCII members of the POSIX classes (the C locale's ctype). */
const CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
  space: ' \\t\\n\\v\\f\\r',
  blank: ' \\t',
  punct: '\\u{21}-\\u{2f}\\u{3a}-\\u{40}\\u{5b}-\\u{60}\\u{7b}-\\u{7e}',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  graph: '\\u{21}-\\u{7e}',
  print: '\\u{20}-\\u{7e}',
};

const CLASS_ESCAPES: Readonly<Record<string, [string, boolean]>> = {
  d: ['digit', false],
  D: ['digit', true],
  s: ['space', false],
  S: ['space', true],
  w: ['word', false],
  W: ['word', true],
};

/** The range lo-hi plus, under icase, its ASCII letters' other case. */
function rangeMembers(lo: number, hi: number, icase: boolean): string {
  let out = lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`;
  if (icase) {
    const a = Math.max(lo, 0x61);
    const b = Math.min(hi, 0x7a);
    if (a <= b) out += `${lit(a - 32)}-${lit(b - 32)}`;
    const c = Math.max(lo, 0x41);
    const d = Math.min(hi, 0x5a);
    if (c <= d) out += `${lit(c + 32)}-${lit(d + 32)}`;
  }
  return out;
}

class Translator {
  private i = 0;
  private out = '';
  private groups = 0;
  /** What decides whether JS's first match can be stretched to POSIX's longest (see translateRegex). */
  private alternation = false;
  private contextual = false;
  private nonGreedy = false;
  /** Capturing groups closed so far (a back-reference must name one). */
  private closed = 0;
  /** Depth of lookaround groups: parentheses inside are non-capturing. */
  private lookaround = 0;
  private readonly cps: number[];

  constructor(
    pattern: string,
    private readonly f: RegexFlags,
  ) {
    this.cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  }

  private peek(k = 0): number {
    return this.cps[this.i + k] ?? -1;
  }

  run(): Translation {
    if (this.f.literal) {
      this.out = this.cps.map((c) => literal(c, this.f.icase)).join('');
      return { source: this.out, groups: 0, longest: false };
    }
    if (this.cps.length >= 4 && this.cps.slice(0, 3).every((c) => c === 0x2a)) throw notSupported('memstore does not support regular expression director (***) prefixes');
    if (this.peek() === 0x28 && this.peek(1) === 0x3f && this.isOptionLetter(this.peek(2))) {
      // ARE's lexer: letters up to ')', each a known option, else "invalid embedded option".
      let k = 2;
      while (this.isOptionLetter(this.peek(k))) {
        if (!'bceimnpqstwx'.includes(String.fromCharCode(this.peek(k)))) throw invalid('invalid embedded option');
        k++;
      }
      if (this.peek(k) !== 0x29) throw invalid('invalid embedded option');
      throw notSupported('memstore does not support embedded options in regular expressions');
    }
    this.sequence(0);
    if (this.i < this.cps.length) throw invalid('parentheses () not balanced');
    return { source: this.out, groups: this.groups, longest: this.alternation && !this.contextual && !this.nonGreedy };
  }

  private isOptionLetter(c: number): boolean {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  }

  private skipExpanded(): void {
    if (!this.f.expanded) return;
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c) this.i++;
      else if (c === 0x23) {
        while (this.i < this.cps.length && this.peek() !== 0x0a) this.i++;
      } else return;
    }
  }

  /** Alternatives until ')' (depth > 0) or the end. */
  private sequence(depth: number): void {
    for (;;) {
      this.skipExpanded();
      const c = this.peek();
      if (c < 0) {
        if (depth > 0) throw invalid('parentheses () not balanced');
        return;
      }
      if (c === 0x29) {
        if (depth === 0) throw invalid('parentheses () not balanced');
        return;
      }
      if (c === 0x7c) {
        this.out += '|';
        this.alternation = true;
        this.i++;
        continue;
      }
      const quantifiable = this.atom();
      this.skipExpanded();
      if (!quantifiable && this.isQuantifierStart()) throw invalid('quantifier operand invalid');
      const q = this.quantifier();
      if (q !== '') {
        if (!quantifiable) throw invalid('quantifier operand invalid');
        this.out += q;
        this.skipExpanded();
        if (this.isQuantifierStart()) throw invalid('quantifier operand invalid');
      }
    }
  }

  private isQuantifierStart(): boolean {
    const c = this.peek();
    return c === 0x2a || c === 0x2b || c === 0x3f || (c === 0x7b && this.peek(1) >= 0x30 && this.peek(1) <= 0x39);
  }

  /** A quantifier (translated) or ''. */
  private quantifier(): string {
    const c = this.peek();
    let q: string;
    if (c === 0x2a || c === 0x2b || c === 0x3f) {
      this.i++;
      q = String.fromCharCode(c);
    } else if (c === 0x7b && this.peek(1) >= 0x30 && this.peek(1) <= 0x39) {
      this.i++;
      const m = this.number();
      let n: number | null = m;
      if (this.peek() === 0x2c) {
        this.i++;
        n = this.peek() >= 0x30 && this.peek() <= 0x39 ? this.number() : null;
      }
      if (this.peek() < 0) throw invalid('braces {} not balanced');
      if (this.peek() !== 0x7d) throw invalid('invalid repetition count(s)');
      this.i++;
      if (m > 255 || (n !== null && (n > 255 || n < m))) throw invalid('invalid repetition count(s)');
      q = n === m ? `{${m}}` : n === null ? `{${m},}` : `{${m},${n}}`;
    } else {
      return '';
    }
    if (this.peek() === 0x3f) {
      this.i++;
      q += '?';
      this.nonGreedy = true;
    }
    return q;
  }

  private number(): number {
    let n = 0;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) {
      n = Math.min(n * 10 + (this.peek() - 0x30), 100000);
      this.i++;
    }
    return n;
  }

  /** One atom or constraint; returns whether a quantifier may follow. */
  private atom(): boolean {
    const c = this.peek();
    this.i++;
    switch (c) {
      case 0x28: // (
        return this.group();
      case 0x2e: // .
        this.out += this.f.newline ? '[^\\n]' : '[\\s\\S]';
        return true;
      // Never the 'm' flag (JS lines also end at \r, U+2028…), and no (?<![\s\S]) either: V8
      // finds such empty lookarounds true between the two halves of a surrogate pair.
      case 0x5e: // ^
        this.contextual = true;
        this.out += this.f.newline ? '(?:^|(?<=\\n))' : '^';
        return false;
      case 0x24: // $
        this.contextual = true;
        this.out += this.f.newline ? '(?:$|(?=\\n))' : '$';
        return false;
      case 0x5b: // [
        this.bracket();
        return true;
      case 0x5c: // backslash
        return this.escape();
      case 0x2a:
      case 0x2b:
      case 0x3f:
        throw invalid('quantifier operand invalid');
      case 0x7b:
        if (this.peek() >= 0x30 && this.peek() <= 0x39) throw invalid('quantifier operand invalid');
        this.out += literal(c, false);
        return true;
      default:
        this.out += literal(c, this.f.icase);
        return true;
    }
  }

  private group(): boolean {
    let kind = '(';
    let look = false;
    if (this.peek() === 0x3f) {
      const a = this.peek(1);
      const b = this.peek(2);
      if (a === 0x3a) kind = '(?:';
      else if (a === 0x3d || a === 0x21) kind = `(?${String.fromCharCode(a)}`;
      else if (a === 0x3c && (b === 0x3d || b === 0x21)) kind = `(?<${String.fromCharCode(b)}`;
      else throw invalid('quantifier operand invalid');
      this.i += kind.length - 1;
      look = kind !== '(?:';
    }
    if (kind === '(' && this.lookaround > 0) kind = '(?:';
    const capturing = kind === '(';
    if (capturing) this.groups++;
    if (look) {
      this.lookaround++;
      this.contextual = true;
    }
    this.out += kind;
    this.sequence(1);
    this.i++; // ')'
    this.out += ')';
    if (look) this.lookaround--;
    if (capturing) this.closed++;
    return !look;
  }

  /** After a backslash outside brackets. */
  private escape(): boolean {
    const c = this.peek();
    if (c < 0) throw invalid('invalid escape \\ sequence');
    this.i++;
    const ch = String.fromCodePoint(c);
    if ('AZmMyY'.includes(ch)) this.contextual = true;
    const cls = CLASS_ESCAPES[ch];
    if (cls !== undefined) {
      this.out += `[${cls[1] ? '^' : ''}${CLASSES[cls[0]]!}${cls[1] && this.f.newline ? '\\n' : ''}]`;
      return true;
    }
    switch (ch) {
      case 'A':
        this.out += '^';
        return false;
      case 'Z':
        this.out += '$';
        return false;
      case 'm':
        this.out += '(?<![0-9A-Za-z_])(?=[0-9A-Za-z_])';
        return false;
      case 'M':
        this.out += '(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])';
        return false;
      case 'y':
        this.out += '\\b';
        return false;
      case 'Y':
        this.out += '\\B';
        return false;
    }
    if (c >= 0x30 && c <= 0x39) return this.digitEscape(c);
    const entry = this.charEntry(ch);
    this.out += literal(entry, this.f.icase);
    return true;
  }

  /**
   * \N after the backslash (ARE's lexer): one digit 1-9, or a number no larger than the groups
   * opened so far, is a back-reference; otherwise up to three octal digits are a character.
   */
  private digitEscape(first: number): boolean {
    const start = this.i - 1;
    let n = first - 0x30;
    let len = 1;
    while (this.peek() >= 0x30 && this.peek() <= 0x39 && len < 255) {
      n = Math.min(n * 10 + (this.peek() - 0x30), 1e9);
      this.i++;
      len++;
    }
    if (first !== 0x30 && (len === 1 || n <= this.groups)) {
      if (n > this.closed) throw invalid('invalid backreference number');
      this.out += `\\${n}`;
      return true;
    }
    this.i = start;
    let v = 0;
    let k = 0;
    while (k < 3 && this.peek() >= 0x30 && this.peek() <= 0x37) {
      v = v * 8 + (this.peek() - 0x30);
      this.i++;
      k++;
    }
    if (v > 0xff) {
      // One digit too many for a byte: PostgreSQL gives it back.
      this.i--;
      v >>= 3;
    }
    this.out += literal(v, this.f.icase);
    return true;
  }

  /** A character-entry escape (or a non-alphanumeric character taken literally). */
  private charEntry(ch: string): number {
    switch (ch) {
      case 'a':
        return 7;
      case 'b':
        return 8;
      case 'B':
        return 0x5c;
      case 'e':
        return 0x1b;
      case 'f':
        return 0x0c;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 't':
        return 0x09;
      case 'v':
        return 0x0b;
      case 'c': {
        const x = this.peek();
        if (x < 0) throw invalid('invalid escape \\ sequence');
        this.i++;
        return x & 0x1f;
      }
      case 'u':
      case 'U':
      case 'x': {
        const max = ch === 'u' ? 4 : ch === 'U' ? 8 : 8;
        let v = 0;
        let k = 0;
        while (k < max && /[0-9a-fA-F]/.test(String.fromCodePoint(Math.max(0, this.peek())))) {
          v = v * 16 + parseInt(String.fromCharCode(this.peek()), 16);
          this.i++;
          k++;
        }
        if ((ch !== 'x' && k !== max) || k === 0) throw invalid('invalid escape \\ sequence');
        if (v === 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw invalid('invalid escape \\ sequence');
        return v;
      }
    }
    const c = ch.codePointAt(0)!;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) throw invalid('invalid escape \\ sequence');
    return c;
  }

  /** After '[' : a bracket expression up to its ']'. */
  private bracket(): void {
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.i++;
    }
    // [[:<:]] and [[:>:]] are \m and \M.
    if (!negate && this.peek() === 0x5b && this.peek(1) === 0x3a && (this.peek(2) === 0x3c || this.peek(2) === 0x3e) && this.peek(3) === 0x3a && this.peek(4) === 0x5d && this.peek(5) === 0x5d) {
      this.contextual = true;
      this.out += this.peek(2) === 0x3c ? '(?<![0-9A-Za-z_])(?=[0-9A-Za-z_])' : '(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])';
      this.i += 6;
      return;
    }
    let body = '';
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c < 0) throw invalid('brackets [] not balanced');
      if (c === 0x5d && !first) {
        this.i++;
        break;
      }
      first = false;
      const lo = this.bracketItem();
      if (typeof lo === 'string') {
        body += lo;
        continue;
      }
      if (this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) >= 0) {
        this.i++;
        const hi = this.bracketItem();
        // PostgreSQL's brackpart() reads the token after a range's end before it checks the
        // range: a bad range at the very end of the pattern is an unbalanced bracket, anywhere
        // else an invalid range, at once. A class as the end is an invalid range at once.
        if (typeof hi === 'string') throw invalid('invalid character range');
        if (hi < lo) throw this.nextTokenError() ?? invalid('invalid character range');
        body += rangeMembers(lo, hi, this.f.icase);
      } else {
        body += rangeMembers(lo, lo, this.f.icase);
      }
    }
    if (negate && this.f.newline) body += '\\n';
    this.out += body === '' ? (negate ? '[\\s\\S]' : '[^\\s\\S]') : `[${negate ? '^' : ''}${body}]`;
  }

  /** The error lexing the next token inside brackets raises (PostgreSQL's next() in L_BRACK), if any. */
  private nextTokenError(): SqlError | undefined {
    const c = this.peek();
    if (c < 0) return invalid('brackets [] not balanced');
    if (c === 0x5c && this.peek(1) < 0) return invalid('invalid escape \\ sequence');
    if (c !== 0x5b) return undefined;
    const d = this.peek(1);
    if (d < 0) return invalid('brackets [] not balanced');
    if (d !== 0x3a && d !== 0x3d && d !== 0x2e) return undefined;
    for (let j = this.i + 2; j + 1 < this.cps.length; j++) if (this.cps[j] === d && this.cps[j + 1] === 0x5d) return undefined;
    return invalid('brackets [] not balanced');
  }

  /** One bracket member: a code point, or a class already translated to JS members. */
  private bracketItem(): number | string {
    const c = this.peek();
    this.i++;
    if (c === 0x5b && (this.peek() === 0x3a || this.peek() === 0x3d || this.peek() === 0x2e)) {
      const delim = this.peek();
      const start = this.i + 1;
      let end = start;
      while (end + 1 < this.cps.length && !(this.cps[end] === delim && this.cps[end + 1] === 0x5d)) end++;
      if (end + 1 >= this.cps.length) throw invalid('brackets [] not balanced');
      const name = String.fromCodePoint(...this.cps.slice(start, end));
      this.i = end + 2;
      if (delim === 0x3a) {
        const members = CLASSES[this.f.icase && (name === 'upper' || name === 'lower') ? 'alpha' : name];
        if (members === undefined) throw invalid('invalid character class');
        return members;
      }
      const cps = Array.from(name, (x) => x.codePointAt(0)!);
      if (cps.length !== 1) throw notSupported('memstore does not support multi-character collating elements in regular expressions');
      return cps[0]!;
    }
    if (c === 0x5c) {
      const e = this.peek();
      if (e < 0) throw invalid('invalid escape \\ sequence');
      this.i++;
      const ch = String.fromCodePoint(e);
      const cls = CLASS_ESCAPES[ch];
      if (cls !== undefined) {
        if (cls[1]) throw notSupported('memstore does not support negated class escapes inside brackets');
        return CLASSES[cls[0]]!;
      }
      return this.charEntry(ch);
    }
    return c;
  }
}

export interface Translation {
  readonly source: string;
  readonly groups: number;
  /**
   * The pattern has alternatives, no constraint that looks outside the match (anchors, word
   * boundaries, lookaround) and no non-greedy quantifier: POSIX's longest match at the leftmost
   * start can then be found by testing the anchored pattern on longer slices from that start.
   */
  readonly longest: boolean;
}

/** The JS source of an ARE under flags, and its number of capturing groups (2201B / 0A000 as above). */
export function translateRegex(pattern: string, f: RegexFlags): Translation {
  return new Translator(pattern, f).run();
}
