/*
 * memstore-op.ts — validates a `memstore`-prefixed logical decoding message and turns it into
 * a typed op. The payload contract is written by sql/memstore.sql.
 *
 * Format v1 (still emitted for the ops it has, so older sidecars keep applying them):
 *   {"v":1,"op":"set","key":"…"|"key_hex":"…","value":<json>}
 *   {"v":1,"op":"delete","key":"…"|"key_hex":"…"}
 *   {"v":1,"op":"clear"}
 * Format v2 (everything v1 has, plus expiry, batches and prefixes; an older sidecar quarantines
 * a v2 message — loudly — instead of applying it without its expiry):
 *   {"v":2,"op":"set","key"|"key_hex":…,"value":<json>,"exp":<µs since 1970-01-01 UTC>}
 *   {"v":2,"op":"touch","key"|"key_hex":…,"exp":<µs>|null}          null = no expiry any more
 *   {"v":2,"op":"set_many","items":[{"key"|"key_hex":…,"value":<json>[,"exp":<µs>]}, …]}
 *   {"v":2,"op":"delete_prefix","prefix":"…"|"prefix_hex":"…"}
 *   {"v":2,"op":"delete"|"clear", …}                                  as in v1
 * `exp` is an absolute instant computed on the primary from the transaction's start (now()), so
 * every replica expires the key at the same moment; a positive integer below 2^53 (year 2255).
 *
 * The value is kept as the exact JSON text the primary wrote (jsonb's canonical output when it
 * came through memstore.set), not re-serialized: JSON.parse would turn 1.0 into 1 and lose digits
 * of large numbers. So the value's byte span is located in the payload and copied.
 *
 * Anything else — not JSON, unknown version or op, missing or badly typed key, oversize — is a
 * MalformedOp: the caller quarantines it (counted, logged with its LSN) and goes on. A set_many
 * with one bad item is refused whole: the batch is atomic on the primary, so it is here.
 */

export interface OpLimits {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  /** Largest set_many payload; absent = the single-op ceiling. */
  readonly maxBatchBytes?: number;
}

export const DEFAULT_OP_LIMITS: OpLimits = { maxKeyBytes: 64 * 1024, maxValueBytes: 16 * 1024 * 1024, maxBatchBytes: 64 * 1024 * 1024 };

/** 0 = no expiry; otherwise µs since the Unix epoch. */
export type ExpiryMicros = number;

export interface SetItem {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly exp: ExpiryMicros;
}

export type MemstoreOp =
  | { readonly op: 'set'; readonly key: Uint8Array; readonly value: Uint8Array; readonly exp: ExpiryMicros }
  | { readonly op: 'delete'; readonly key: Uint8Array }
  | { readonly op: 'clear' }
  | { readonly op: 'touch'; readonly key: Uint8Array; readonly exp: ExpiryMicros }
  | { readonly op: 'set_many'; readonly items: readonly SetItem[] }
  | { readonly op: 'delete_prefix'; readonly prefix: Uint8Array };

export class MalformedOp extends Error {
  override readonly name = 'MalformedOp';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function decodeMemstoreOp(content: Uint8Array, limits: OpLimits = DEFAULT_OP_LIMITS): MemstoreOp {
  // Refuse before parsing: a hostile 100 MB payload should not cost a 100 MB parse.
  const single = limits.maxValueBytes + 2 * limits.maxKeyBytes + 256;
  const batch = limits.maxBatchBytes ?? single;
  if (content.length > Math.max(single, batch)) {
    throw new MalformedOp(`payload of ${content.length} bytes exceeds the limit (value ≤ ${limits.maxValueBytes} bytes, batch ≤ ${batch} bytes)`);
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
  if (o.v !== 1 && o.v !== 2) throw new MalformedOp(`unknown payload version ${JSON.stringify(o.v)} (this sidecar reads v1 and v2)`);
  const v2 = o.v === 2;
  if (o.op !== 'set_many' && content.length > single) {
    throw new MalformedOp(`payload of ${content.length} bytes exceeds the limit (value ≤ ${limits.maxValueBytes} bytes)`);
  }
  switch (o.op) {
    case 'clear':
      return { op: 'clear' };
    case 'delete':
      return { op: 'delete', key: readKey(o, limits) };
    case 'set': {
      const key = readKey(o, limits);
      const span = 'value' in o ? topLevelSpan(text, 'value') : undefined;
      if (!span) throw new MalformedOp('set without a value');
      // v1 has no expiry: a v1 payload's "exp" (hand-made) is ignored, as v1 readers always did.
      return { op: 'set', key, value: valueBytes(text, span, limits), exp: v2 ? readExp(o, false) : 0 };
    }
    case 'touch':
      if (!v2) break;
      if (!('exp' in o)) throw new MalformedOp('touch without "exp" (a number or null)');
      return { op: 'touch', key: readKey(o, limits), exp: readExp(o, true) };
    case 'delete_prefix': {
      if (!v2) break;
      const prefix = readBytes(o, 'prefix', 'prefix_hex', limits);
      if (prefix.length === 0) throw new MalformedOp('empty prefix (clear deletes every key)');
      return { op: 'delete_prefix', prefix };
    }
    case 'set_many':
      if (!v2) break;
      return { op: 'set_many', items: readItems(text, o, limits) };
  }
  throw new MalformedOp(`unknown op ${JSON.stringify(o.op)}${v2 ? '' : ' in a v1 payload'}`);
}

function valueBytes(text: string, span: [number, number], limits: OpLimits): Uint8Array {
  const value = Buffer.from(text.slice(span[0], span[1]), 'utf8');
  if (value.length > limits.maxValueBytes) {
    throw new MalformedOp(`value of ${value.length} bytes exceeds the limit of ${limits.maxValueBytes}`);
  }
  return value;
}

function readExp(o: Record<string, unknown>, nullable: boolean): ExpiryMicros {
  const e = o.exp;
  if (e === undefined || (nullable && e === null)) return 0;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e <= 0) {
    throw new MalformedOp(`"exp" must be a positive integer of microseconds since 1970 (below 2^53), not ${JSON.stringify(e)}`);
  }
  return e;
}

function readItems(text: string, o: Record<string, unknown>, limits: OpLimits): SetItem[] {
  if (!Array.isArray(o.items)) throw new MalformedOp('set_many without an "items" array');
  const itemsSpan = topLevelSpan(text, 'items')!;
  const spans = arrayElementSpans(text, itemsSpan[0]);
  const out: SetItem[] = [];
  o.items.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new MalformedOp(`set_many item ${i} is not an object`);
    const it = item as Record<string, unknown>;
    const span = 'value' in it ? objectFieldSpan(text, spans[i]![0], 'value') : undefined;
    if (!span) throw new MalformedOp(`set_many item ${i} has no value`);
    try {
      out.push({ key: readKey(it, limits), value: valueBytes(text, span, limits), exp: readExp(it, false) });
    } catch (err) {
      if (err instanceof MalformedOp) throw new MalformedOp(`set_many item ${i}: ${err.message}`);
      throw err;
    }
  });
  return out;
}

function readKey(o: Record<string, unknown>, limits: OpLimits): Uint8Array {
  const key = readBytes(o, 'key', 'key_hex', limits);
  if (key.length === 0) throw new MalformedOp('empty key');
  return key;
}

function readBytes(o: Record<string, unknown>, textField: string, hexField: string, limits: OpLimits): Uint8Array {
  let key: Uint8Array;
  const t = o[textField];
  const h = o[hexField];
  if (typeof t === 'string') {
    key = Buffer.from(t, 'utf8');
  } else if (typeof h === 'string') {
    if (!HEX.test(h)) throw new MalformedOp(`${hexField} is not hex`);
    key = Buffer.from(h, 'hex');
  } else {
    throw new MalformedOp(`missing ${textField} (a string "${textField}" or "${hexField}")`);
  }
  if (key.length > limits.maxKeyBytes) throw new MalformedOp(`${textField} of ${key.length} bytes exceeds the limit of ${limits.maxKeyBytes}`);
  return key;
}

/**
 * [start, end) of the value of `name` in a top-level JSON object, for text already known to be
 * valid JSON. The last occurrence wins, as with JSON.parse.
 */
export function topLevelSpan(text: string, name: string): [number, number] | undefined {
  return objectFieldSpan(text, 0, name);
}

/** [start, end) of field `name` of the JSON object starting at `i` (valid JSON). Last one wins. */
function objectFieldSpan(text: string, i: number, name: string): [number, number] | undefined {
  i = skipWs(text, i);
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

/** [start, end) of every element of the JSON array starting at `i` (valid JSON). */
function arrayElementSpans(text: string, i: number): [number, number][] {
  const out: [number, number][] = [];
  i = skipWs(text, i);
  if (text[i] !== '[') return out;
  i = skipWs(text, i + 1);
  while (i < text.length && text[i] !== ']') {
    const end = skipValue(text, i);
    out.push([i, end]);
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
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
