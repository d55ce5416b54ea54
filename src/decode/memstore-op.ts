/*
 * memstore-op.ts — validates a `memstore`-prefixed logical decoding message and turns it into
 * a typed op. The payload contract is written by sql/memstore.sql (format v1):
 *
 *   {"v":1,"op":"set","key":"…"|"key_hex":"…","value":<json>}
 *   {"v":1,"op":"delete","key":"…"|"key_hex":"…"}
 *   {"v":1,"op":"clear"}
 *
 * The value is kept as the exact JSON text the primary wrote (jsonb's canonical output when it
 * came through memstore.set), not re-serialized: JSON.parse would turn 1.0 into 1 and lose digits
 * of large numbers. So the value's byte span is located in the payload and copied.
 *
 * Anything else — not JSON, unknown version or op, missing or badly typed key, oversize — is a
 * MalformedOp: the caller quarantines it (counted, logged with its LSN) and goes on. A future
 * format gets a new `v` and a branch here that still reads v1.
 */

export interface OpLimits {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
}

export const DEFAULT_OP_LIMITS: OpLimits = { maxKeyBytes: 64 * 1024, maxValueBytes: 16 * 1024 * 1024 };

export type MemstoreOp =
  | { readonly op: 'set'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: Uint8Array }
  | { readonly op: 'clear' };

export class MalformedOp extends Error {
  override readonly name = 'MalformedOp';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function decodeMemstoreOp(content: Uint8Array, limits: OpLimits = DEFAULT_OP_LIMITS): MemstoreOp {
  // Refuse before parsing: a hostile 100 MB payload should not cost a 100 MB parse.
  const ceiling = limits.maxValueBytes + 2 * limits.maxKeyBytes + 256;
  if (content.length > ceiling) {
    throw new MalformedOp(`payload of ${content.length} bytes exceeds the limit (value ≤ ${limits.maxValueBytes} bytes)`);
  }
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    throw new MalformedOp('payload is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new MalformedOp('payload is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new MalformedOp('payload is not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.v !== 1) throw new MalformedOp(`unknown payload version ${JSON.stringify(o.v)} (this sidecar reads v1)`);
  switch (o.op) {
    case 'clear':
      return { op: 'clear' };
    case 'delete':
      return { op: 'delete', key: readKey(o, limits) };
    case 'set': {
      const key = readKey(o, limits);
      if (!('value' in o)) throw new MalformedOp('set without a value');
      const span = topLevelSpan(text, 'value');
      if (!span) throw new MalformedOp('set without a value');
      const value = Buffer.from(text.slice(span[0], span[1]), 'utf8');
      if (value.length > limits.maxValueBytes) {
        throw new MalformedOp(`value of ${value.length} bytes exceeds the limit of ${limits.maxValueBytes}`);
      }
      return { op: 'set', key, value };
    }
    default:
      throw new MalformedOp(`unknown op ${JSON.stringify(o.op)}`);
  }
}

function readKey(o: Record<string, unknown>, limits: OpLimits): Uint8Array {
  let key: Uint8Array;
  if (typeof o.key === 'string') {
    key = Buffer.from(o.key, 'utf8');
  } else if (typeof o.key_hex === 'string') {
    if (!HEX.test(o.key_hex)) throw new MalformedOp('key_hex is not hex');
    key = Buffer.from(o.key_hex, 'hex');
  } else {
    throw new MalformedOp('missing key (a string "key" or "key_hex")');
  }
  if (key.length === 0) throw new MalformedOp('empty key');
  if (key.length > limits.maxKeyBytes) throw new MalformedOp(`key of ${key.length} bytes exceeds the limit of ${limits.maxKeyBytes}`);
  return key;
}

/**
 * [start, end) of the value of `name` in a top-level JSON object, for text already known to be
 * valid JSON. The last occurrence wins, as with JSON.parse.
 */
export function topLevelSpan(text: string, name: string): [number, number] | undefined {
  let i = skipWs(text, 0);
  if (text[i] !== '{') return undefined;
  i = skipWs(text, i + 1);
  let found: [number, number] | undefined;
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // ':'
    const end = skipValue(text, i);
    if (key === name) found = [i, end];
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return found;
}

function skipWs(t: string, i: number): number {
  while (i < t.length && (t[i] === ' ' || t[i] === '\n' || t[i] === '\t' || t[i] === '\r')) i++;
  return i;
}

function skipString(t: string, i: number): number {
  i++; // opening quote
  while (i < t.length && t[i] !== '"') i += t[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipValue(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return skipString(t, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < t.length) {
      const ch = t[i];
      if (ch === '"') {
        i = skipString(t, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // number, true, false, null
  while (i < t.length && !(t[i] === ',' || t[i] === '}' || t[i] === ']' || t[i] === ' ' || t[i] === '\n' || t[i] === '\t' || t[i] === '\r')) i++;
  return i;
}
