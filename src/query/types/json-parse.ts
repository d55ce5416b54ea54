/*
 * json-parse.ts — PostgreSQL's JSON grammar (src/common/jsonapi.c) as one recursive-descent parser
 * with three uses:
 *   parseJsonb(text)     the jsonb value (JsonNode): escapes decoded, numbers as numeric, objects
 *                        with unique keys (last wins) in jsonb's storage order;
 *   validateJson(text)   json_in: syntax only (json keeps its text; lone surrogates and \u0000
 *                        pass, as in PostgreSQL);
 *   parseJsonSpans(text) for the json operators: each value with its [start, end) in the text, so
 *                        `->` returns the original text slice; strings are decoded (and \u0000 or a
 *                        bad surrogate anywhere in the document fails, as PostgreSQL's semantic
 *                        parse does).
 *
 * Errors are PostgreSQL's: 22P02 "invalid input syntax for type json" (also for jsonb) with a
 * detail, 22P05 for \u0000 when decoding. XXX: the detail texts are close to PostgreSQL's but not
 * all identical, and the CONTEXT line is left out.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { JSON_NULL, type JsonNode, type NumericValue } from './datum.js';
import { makeJsonObject, numericFromJson } from './jsonb-core.js';

/** A json value located in its text (parseJsonSpans). */
export interface JsonSpan {
  readonly type: 'object' | 'array' | 'string' | 'number' | 'true' | 'false' | 'null';
  readonly start: number;
  readonly end: number;
  /** Decoded string value (strings only). */
  readonly str?: string;
  /** Members (arrays: items; objects: values, with keys alongside, duplicates kept in order). */
  readonly items?: readonly JsonSpan[];
  readonly keys?: readonly string[];
}

type Mode = 0 | 1 | 2; // 0 validate, 1 jsonb, 2 spans

function syntax(detail: string): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, 'invalid input syntax for type json', { detail });
}

const MAX_DEPTH = 6400;

class Parser {
  pos = 0;
  depth = 0;
  constructor(
    readonly text: string,
    readonly mode: Mode,
  ) {}

  ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10 || c === 13) p++;
      else break;
    }
    this.pos = p;
  }

  /** The token at pos, for error details (up to a delimiter). */
  token(): string {
    const t = this.text;
    let p = this.pos;
    if (p >= t.length) return '';
    const c = t[p]!;
    if ('{}[],:'.includes(c)) return c;
    while (p < t.length && !' \t\n\r{}[],:"'.includes(t[p]!)) p++;
    return t.slice(this.pos, Math.max(p, this.pos + 1));
  }

  unexpected(expected: string): SqlError {
    this.ws();
    if (this.pos >= this.text.length) return syntax('The input string ended unexpectedly.');
    const tok = this.token();
    if (expected === '') return syntax(`Token "${tok}" is invalid.`);
    return syntax(`Expected ${expected}, but found "${tok}".`);
  }

  document(): unknown {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.pos < this.text.length) throw syntax(`Expected end of input, but found "${this.token()}".`);
    return v;
  }

  value(): unknown {
    this.ws();
    const t = this.text;
    const start = this.pos;
    const c = t.charCodeAt(start);
    switch (c) {
      case 123: // {
        return this.object();
      case 91: // [
        return this.array();
      case 34: {
        // "
        const s = this.string();
        if (this.mode === 2) return { type: 'string', start, end: this.pos, str: s } satisfies JsonSpan;
        return s;
      }
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        return this.literal();
    }
  }

  literal(): unknown {
    const t = this.text;
    const start = this.pos;
    let p = start;
    while (p < t.length && isIdentChar(t.charCodeAt(p))) p++;
    const word = t.slice(start, p);
    if (word === 'true' || word === 'false' || word === 'null') {
      this.pos = p;
      if (this.mode === 2) return { type: word, start, end: p } satisfies JsonSpan;
      return word === 'null' ? JSON_NULL : word === 'true';
    }
    if (p === start) throw this.unexpected('JSON value');
    throw syntax(`Token "${word}" is invalid.`);
  }

  number(): unknown {
    const t = this.text;
    const start = this.pos;
    let p = start;
    let ok = true;
    if (t.charCodeAt(p) === 45) p++;
    const d0 = p;
    if (t.charCodeAt(p) === 48) p++;
    else while (isDigit(t.charCodeAt(p))) p++;
    if (p === d0) ok = false;
    if (t.charCodeAt(p) === 46) {
      p++;
      const f = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === f) ok = false;
    }
    if (t.charCodeAt(p) === 101 || t.charCodeAt(p) === 69) {
      p++;
      if (t.charCodeAt(p) === 43 || t.charCodeAt(p) === 45) p++;
      const e = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === e) ok = false;
    }
    // PostgreSQL's lexer swallows trailing identifier characters into the (invalid) token.
    let q = p;
    while (q < t.length && (isIdentChar(t.charCodeAt(q)) || t.charCodeAt(q) === 46)) q++;
    if (!ok || q !== p) throw syntax(`Token "${t.slice(start, q)}" is invalid.`);
    this.pos = p;
    if (this.mode === 1) return numericFromJson(t.slice(start, p));
    if (this.mode === 2) return { type: 'number', start, end: p } satisfies JsonSpan;
    return null;
  }

  string(): string {
    const t = this.text;
    let p = this.pos + 1;
    let out = '';
    let chunk = p;
    const decode = this.mode !== 0;
    for (;;) {
      if (p >= t.length) throw syntax('The input string ended unexpectedly.');
      const c = t.charCodeAt(p);
      if (c === 34) break;
      if (c < 32) throw syntax(`Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== 92) {
        p++;
        continue;
      }
      if (decode) out += t.slice(chunk, p);
      const e = t[p + 1];
      if (e === undefined) throw syntax('The input string ended unexpectedly.');
      p += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(p, p + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntax('"\\u" must be followed by four hexadecimal digits.');
          p += 4;
          const cp = parseInt(hex, 16);
          if (!decode) break;
          if (cp === 0) throw new SqlError(SQLSTATE.untranslatable_character, 'unsupported Unicode escape sequence', { detail: '\\u0000 cannot be converted to text.' });
          if (cp >= 0xd800 && cp <= 0xdbff) {
            const lo = t.slice(p, p + 6);
            const lcp = /^\\u[0-9a-fA-F]{4}$/.test(lo) ? parseInt(lo.slice(2), 16) : -1;
            if (lcp >= 0xdc00 && lcp <= 0xdfff) {
              p += 6;
              out += String.fromCharCode(cp, lcp);
            } else if (lcp >= 0xd800 && lcp <= 0xdbff) {
              throw syntax('Unicode high surrogate must not follow a high surrogate.');
            } else {
              throw syntax('Unicode low surrogate must follow a high surrogate.');
            }
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            throw syntax('Unicode low surrogate must follow a high surrogate.');
          } else {
            out += String.fromCharCode(cp);
          }
          break;
        }
        default:
          throw syntax(`Escape sequence "\\${e}" is invalid.`);
      }
      chunk = p;
    }
    this.pos = p + 1;
    return decode ? out + t.slice(chunk, p) : '';
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) throw new SqlError(SQLSTATE.program_limit_exceeded, 'stack depth limit exceeded');
  }

  array(): unknown {
    const start = this.pos;
    this.pos++;
    this.enter();
    const items: unknown[] = [];
    this.ws();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
    } else {
      for (;;) {
        items.push(this.value());
        this.ws();
        const c = this.text.charCodeAt(this.pos);
        this.pos++;
        if (c === 93) break;
        if (c !== 44) {
          this.pos--;
          throw this.unexpected('"," or "]"');
        }
      }
    }
    this.depth--;
    if (this.mode === 1) return { kind: 'array', items: items as JsonNode[] };
    if (this.mode === 2) return { type: 'array', start, end: this.pos, items: items as JsonSpan[] } satisfies JsonSpan;
    return null;
  }

  object(): unknown {
    const start = this.pos;
    this.pos++;
    this.enter();
    const keys: string[] = [];
    const values: unknown[] = [];
    this.ws();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
    } else {
      for (;;) {
        this.ws();
        if (this.text.charCodeAt(this.pos) !== 34) throw this.unexpected('string');
        keys.push(this.string());
        this.ws();
        if (this.text.charCodeAt(this.pos) !== 58) throw this.unexpected('":"');
        this.pos++;
        values.push(this.value());
        this.ws();
        const c = this.text.charCodeAt(this.pos);
        this.pos++;
        if (c === 125) break;
        if (c !== 44) {
          this.pos--;
          throw this.unexpected('"," or "}"');
        }
      }
    }
    this.depth--;
    if (this.mode === 1) return makeJsonObject(keys, values as JsonNode[]);
    if (this.mode === 2) return { type: 'object', start, end: this.pos, keys, items: values as JsonSpan[] } satisfies JsonSpan;
    return null;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** PostgreSQL's lexer takes a bare word up to a delimiter; letters, digits, '_' and non-ASCII. */
function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

export function parseJsonb(text: string): JsonNode {
  return new Parser(text, 1).document() as JsonNode;
}

export function validateJson(text: string): void {
  new Parser(text, 0).document();
}

export function parseJsonSpans(text: string): JsonSpan {
  return new Parser(text, 2).document() as JsonSpan;
}

/** A json span as a jsonb value (json → jsonb cast, json functions that build values). */
export function spanToJsonb(text: string, s: JsonSpan): JsonNode {
  switch (s.type) {
    case 'string':
      return s.str!;
    case 'number':
      return numericFromJson(text.slice(s.start, s.end)) satisfies NumericValue;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return JSON_NULL;
    case 'array':
      return { kind: 'array', items: s.items!.map((i) => spanToJsonb(text, i)) };
    case 'object':
      return makeJsonObject(s.keys!, s.items!.map((i) => spanToJsonb(text, i)));
  }
}
