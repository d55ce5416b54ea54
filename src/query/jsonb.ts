/*
 * jsonb.ts — a JavaScript value written as PostgreSQL's jsonb output text, for results the
 * sidecar builds itself (memstore.stats()).
 *
 * jsonb's text form is canonical: object keys unique and sorted by length, then bytes; `": "`
 * and `", "` separators; numbers as numeric prints them (no exponent); strings escaped as
 * escape_json() does. A client comparing with a value from the primary sees the same bytes.
 *
 * Interface:
 *   jsonbText(value)   text; undefined members are left out, bigint printed exactly
 */
import { inputText } from './input.js';
import { Oid } from '../pg/types.js';

export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) return 'null';
      return inputText(Oid.numeric, String(value));
    case 'string':
      return quote(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => jsonbText(v)).join(', ') + ']';
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => {
        const la = Buffer.byteLength(a);
        const lb = Buffer.byteLength(b);
        return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
      });
      return '{' + entries.map(([k, v]) => quote(k) + ': ' + jsonbText(v)).join(', ') + '}';
    }
    case 'function':
    case 'symbol':
    case 'undefined':
      return 'null';
  }
  return 'null';
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += c < 0x20 ? '\\u' + c.toString(16).padStart(4, '0') : ch;
    }
  }
  return out + '"';
}
