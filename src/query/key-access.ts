/*
 * key-access.ts — access paths of the single-table planner: which walks of a table's radix tree
 * (point lookups, key-prefix sets, ranges, LIKE prefixes) answer the top-level AND of a WHERE
 * clause, bound to byte keys per execution; and whether a key walk already gives ORDER BY.
 *
 * Keys are the order-preserving encoding of the primary key (store/key-codec.ts). A conjunct
 * whose constant has another type than the key column stays a filter unless the conversion is
 * exact (integer keys take any numeric bound: `aid > 1.5` walks from 2).
 *
 * Interface:
 *   planKeyAccess(source, preds)     KeyAccess: equalities, range, prefix, and what they enforce
 *   bindKeyAccess(…)                 Segment[] of byte ranges for one execution (null: no rows)
 *   pointValues / pointKey           the hot path: all key columns fixed → one encoded key
 *   walkOrder(source, access, items) forward / backward walk satisfies the ORDER BY, or null
 */
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { RangeOptions } from '../store/byte-map.js';
import { compareBytes, compileLike, integerBound, isIntegerType, isTextType, type CmpOp, type Domain } from './compare.js';
import { arrayElements, likePatternText, type ArrayOperand, type Operand, type Pred } from './expr.js';
import { Oid } from '../pg/types.js';
import { FLOAT_TYPES, type Source } from './select-source.js';
import { refText, valueText, valueType, type Args, type Value } from './values.js';

// --- key access -------------------------------------------------------------------------------------

type KeyEq =
  | { readonly k: 'values'; readonly values: readonly Value[] }
  | { readonly k: 'array'; readonly array: ArrayOperand & { k: 'text' } };

interface KeyRange {
  readonly op: CmpOp;
  readonly v: Value;
}

export interface KeyAccess {
  /** Per leading key position, the equality conditions (intersected). */
  readonly eq: readonly (readonly KeyEq[])[];
  /** Position of the range / LIKE column (eq.length), or -1. */
  readonly rangePos: number;
  readonly ranges: readonly KeyRange[];
  readonly likes: readonly (Pred & { k: 'like' })[];
  /** Key positions fixed to one value (ORDER BY may skip them). */
  readonly fixed: ReadonlySet<number>;
  /** Conjuncts the walk enforces exactly. */
  readonly used: ReadonlySet<Pred>;
}

/** Whether a `key op value` condition can bound the walk exactly. */
function keyUsable(source: Source, pos: number, valueType: number, domain: Domain): boolean {
  const keyType = source.keyTypes[pos]!;
  if (source.rowOf !== null) return domain.kind === 'codec' && keyType === valueType;
  if (isIntegerType(keyType)) return domain.kind === 'numeric';
  if (keyType === Oid.numeric) return domain.kind === 'numeric';
  if (FLOAT_TYPES.has(keyType)) return domain.kind === 'float';
  if (isTextType(keyType)) return domain.kind === 'text' && (keyType === Oid.bpchar ? valueType === Oid.bpchar : true);
  return domain.kind === 'codec' && domain.typeOid === keyType;
}

const FLIP: Record<string, CmpOp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function keyPosition(source: Source, o: Operand): number {
  return o.k === 'col' ? source.keyIndexes.indexOf(o.index) : -1;
}

export function planKeyAccess(source: Source, preds: readonly Pred[]): KeyAccess {
  const n = source.keyIndexes.length;
  const eqs: { pred: Pred; eq: KeyEq }[][] = Array.from({ length: n }, () => []);
  const ranges: { pred: Pred; r: KeyRange }[][] = Array.from({ length: n }, () => []);
  const likes: (Pred & { k: 'like' })[][] = Array.from({ length: n }, () => []);
  for (const p of preds) {
    if (p.k === 'cmp' && p.op !== '<>') {
      let col = p.left;
      let val = p.right;
      let op: CmpOp = p.op;
      if (col.k !== 'col') {
        col = p.right;
        val = p.left;
        op = FLIP[op]!;
      }
      if (col.k !== 'col' || val.k !== 'val') continue;
      const pos = keyPosition(source, col);
      if (pos < 0 || !keyUsable(source, pos, valueType(val.v), p.domain)) continue;
      if (op === '=') eqs[pos]!.push({ pred: p, eq: { k: 'values', values: [val.v] } });
      else ranges[pos]!.push({ pred: p, r: { op, v: val.v } });
    } else if (p.k === 'in' && !p.negate) {
      const pos = keyPosition(source, p.left);
      if (pos < 0 || p.items.length === 0 || !p.items.every((i) => i.k === 'val' && keyUsable(source, pos, valueType(i.v), p.domain))) continue;
      eqs[pos]!.push({ pred: p, eq: { k: 'values', values: p.items.map((i) => (i as Operand & { k: 'val' }).v) } });
    } else if (p.k === 'any' && p.op === '=' && !p.all) {
      const pos = keyPosition(source, p.left);
      if (pos < 0) continue;
      if (p.array.k === 'text') {
        if (!keyUsable(source, pos, p.array.elemType, p.domain)) continue;
        eqs[pos]!.push({ pred: p, eq: { k: 'array', array: p.array } });
      } else {
        const items = p.array.items;
        if (items.length === 0 || !items.every((i) => i.k === 'val' && keyUsable(source, pos, valueType(i.v), p.domain))) continue;
        eqs[pos]!.push({ pred: p, eq: { k: 'values', values: items.map((i) => (i as Operand & { k: 'val' }).v) } });
      }
    } else if (p.k === 'like' && !p.negate && p.pattern.k === 'val') {
      const pos = keyPosition(source, p.left);
      if (pos < 0) continue;
      const keyType = source.keyTypes[pos]!;
      // Text keys of tables, and the memstore's bytea keys (whose tree key is the bytes).
      if (source.rowOf === null ? isTextType(keyType) : keyType === Oid.bytea && p.bytea === true) likes[pos]!.push(p);
    }
  }
  const used = new Set<Pred>();
  const eq: KeyEq[][] = [];
  const fixed = new Set<number>();
  while (eq.length < n && eqs[eq.length]!.length > 0) {
    const list = eqs[eq.length]!;
    for (const e of list) used.add(e.pred);
    if (list.some((e) => e.eq.k === 'values' && e.eq.values.length === 1)) fixed.add(eq.length);
    eq.push(list.map((e) => e.eq));
  }
  let rangePos = -1;
  let rangeList: KeyRange[] = [];
  let likeList: (Pred & { k: 'like' })[] = [];
  if (eq.length < n && (ranges[eq.length]!.length > 0 || likes[eq.length]!.length > 0)) {
    rangePos = eq.length;
    for (const r of ranges[rangePos]!) used.add(r.pred);
    rangeList = ranges[rangePos]!.map((r) => r.r);
    likeList = likes[rangePos]!;
  }
  return { eq, rangePos, ranges: rangeList, likes: likeList, fixed, used };
}

/** The smallest byte string greater than every string starting with `b`; null if none. */
function successor(b: Uint8Array): Uint8Array | null {
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0xff) i--;
  if (i < 0) return null;
  const out = b.slice(0, i + 1);
  out[i]!++;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const ZERO = new Uint8Array([0]);
const MAX_KEYS = 1_000_000;

export interface Segment {
  /** A complete key: one lookup. */
  readonly point: Uint8Array | null;
  readonly range: RangeOptions | null;
}

/** Binds the key access to this execution's values; null when no row can match. */
export function bindKeyAccess(source: Source, access: KeyAccess, args: Args, tz: string, reverse: boolean): Segment[] | null {
  const n = source.keyIndexes.length;
  // Equality parts per position → sorted distinct prefixes.
  let prefixes: Uint8Array[] = [new Uint8Array(0)];
  for (let pos = 0; pos < access.eq.length; pos++) {
    const keyType = source.keyTypes[pos]!;
    let parts: Map<string, Uint8Array> | null = null;
    for (const e of access.eq[pos]!) {
      const here = new Map<string, Uint8Array>();
      const add = (text: string | null, vtype: number): void => {
        if (text === null) return;
        let t = text;
        if (isIntegerType(keyType) && source.rowOf === null) {
          const b = integerBound(keyType, '=', text);
          if (b.kind !== 'bound') return;
          t = b.text;
          vtype = keyType;
        }
        const enc = source.encodeKeyPart(pos, t, vtype);
        here.set(Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).toString('latin1'), enc);
      };
      if (e.k === 'values') for (const v of e.values) add(valueText(v, args, tz), valueType(v));
      else for (const t of arrayElements(e.array, args, tz) ?? []) add(t, e.array.elemType);
      if (parts === null) parts = here;
      else for (const k of [...parts.keys()]) if (!here.has(k)) parts.delete(k);
    }
    const list = [...(parts ?? new Map<string, Uint8Array>()).values()];
    if (list.length === 0) return null;
    if (prefixes.length * list.length > MAX_KEYS) {
      throw new SqlError(SQLSTATE.program_limit_exceeded, `the key conditions name more than ${MAX_KEYS} keys`);
    }
    const next: Uint8Array[] = [];
    for (const p of prefixes) for (const part of list) next.push(concat(p, part));
    prefixes = next;
  }
  if (prefixes.length > 1) prefixes.sort(compareBytes);
  if (reverse) prefixes.reverse();
  if (access.eq.length === n) return prefixes.map((p) => ({ point: p, range: null }));
  // Range / LIKE on the next key column.
  let lo: Uint8Array | null = null;
  let hi: Uint8Array | null = null;
  let likePart: Uint8Array | null = null;
  if (access.rangePos >= 0) {
    const pos = access.rangePos;
    const keyType = source.keyTypes[pos]!;
    const last = pos === n - 1;
    for (const r of access.ranges) {
      const text = valueText(r.v, args, tz);
      if (text === null) return null;
      let op = r.op;
      let t = text;
      let vtype = valueType(r.v);
      if (isIntegerType(keyType) && source.rowOf === null) {
        const b = integerBound(keyType, op, text);
        if (b.kind === 'none') return null;
        if (b.kind === 'all') continue;
        op = b.op;
        t = b.text;
        vtype = keyType;
      }
      const part = source.encodeKeyPart(pos, t, vtype);
      if (op === '>' || op === '>=') {
        const bound = op === '>=' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) return null;
        if (lo === null || compareBytes(bound, lo) > 0) lo = bound;
      } else {
        const bound = op === '<' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) continue;
        if (hi === null || compareBytes(bound, hi) < 0) hi = bound;
      }
    }
    if (lo !== null && hi !== null && compareBytes(lo, hi) >= 0) return null;
    for (const like of access.likes) {
      const pattern = likePatternText(like, args, tz);
      if (pattern === null) return null;
      const escape = like.escape === null ? '\\' : valueText(like.escape, args, tz);
      if (escape === null) return null;
      const part = source.encodePrefix(pos, compileLike(pattern, escape).prefix);
      if (part !== null && (likePart === null || part.length > likePart.length)) likePart = part;
    }
  }
  return prefixes.map((p) => {
    const opts: { prefix?: Uint8Array; lo?: Uint8Array; hi?: Uint8Array; reverse?: boolean } = {};
    const prefix = likePart === null ? p : concat(p, likePart);
    if (prefix.length > 0) opts.prefix = prefix;
    if (lo !== null) opts.lo = concat(p, lo);
    if (hi !== null) opts.hi = concat(p, hi);
    if (reverse) opts.reverse = true;
    return { point: null, range: opts };
  });
}


export function pointValues(source: Source, access: KeyAccess, aggregate: boolean): Value[] | null {
  if (aggregate || source.rowOf !== null || access.eq.length !== source.keyIndexes.length) return null;
  const out: Value[] = [];
  for (const list of access.eq) {
    const e = list[0]!;
    if (list.length !== 1 || e.k !== 'values' || e.values.length !== 1) return null;
    out.push(e.values[0]!);
  }
  return out;
}

const PLAIN_INTEGER = /^-?[0-9]{1,15}$/;
const INT_LIMITS: Readonly<Record<number, readonly [number, number]>> = {
  [Oid.int2]: [-32768, 32767],
  [Oid.int4]: [-2147483648, 2147483647],
  [Oid.int8]: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The order-preserving encoding of an integer key column (key-codec.ts), written directly. */
function intKeyBytes(type: number, n: number, out: Uint8Array, at: number): number {
  if (type === Oid.int4) {
    const u = (n ^ 0x80000000) >>> 0;
    out[at] = u >>> 24;
    out[at + 1] = (u >>> 16) & 0xff;
    out[at + 2] = (u >>> 8) & 0xff;
    out[at + 3] = u & 0xff;
    return 4;
  }
  if (type === Oid.int2) {
    const u = n + 32768;
    out[at] = u >>> 8;
    out[at + 1] = u & 0xff;
    return 2;
  }
  const hi = (Math.floor(n / 4294967296) ^ 0x80000000) >>> 0;
  const lo = (n - Math.floor(n / 4294967296) * 4294967296) >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
  return 8;
}

/**
 * The tree key of a point read, or null when no row can match. Plain integers compared with an
 * integer key column are encoded without going through text (the hot path of `pk = $1`); every
 * other value takes the general route (input function, then the key codec).
 */
export function pointKey(source: Source, values: readonly Value[], args: Args, tz: string): Uint8Array | null {
  if (values.length === 1) {
    const v = values[0]!;
    const type = source.keyTypes[0]!;
    const limits = INT_LIMITS[type];
    if (limits !== undefined && v.casts.length === 0 && (v.origin === 'int' || (v.origin === 'param' && valueType(v) === type))) {
      const raw = refText(v.ref, args);
      if (raw === null) return null;
      if (PLAIN_INTEGER.test(raw)) {
        const n = Number(raw);
        if (n >= limits[0] && n <= limits[1]) {
          const out = new Uint8Array(type === Oid.int2 ? 2 : type === Oid.int4 ? 4 : 8);
          intKeyBytes(type, n, out, 0);
          return out;
        }
      }
    }
  }
  let key: Uint8Array = new Uint8Array(0);
  for (let pos = 0; pos < values.length; pos++) {
    const v = values[pos]!;
    const text = valueText(v, args, tz);
    if (text === null) return null;
    const keyType = source.keyTypes[pos]!;
    let t = text;
    let vtype = valueType(v);
    if (isIntegerType(keyType)) {
      const b = integerBound(keyType, '=', text);
      if (b.kind !== 'bound') return null;
      t = b.text;
      vtype = keyType;
    }
    key = concat(key, source.encodeKeyPart(pos, t, vtype));
  }
  return key;
}

/** Whether the walk order satisfies ORDER BY: false forward, true backward, null no. */
export function walkOrder(source: Source, access: KeyAccess, items: readonly { index: number; desc: boolean }[]): boolean | null {
  const keyPos = (index: number): number => source.keyIndexes.indexOf(index);
  const rest = items.filter((i) => !access.fixed.has(keyPos(i.index)));
  if (rest.length === 0) return items[0]?.desc ?? false;
  const desc = rest[0]!.desc;
  let j = 0;
  for (const item of rest) {
    if (item.desc !== desc) return null;
    while (j < source.keyIndexes.length && access.fixed.has(j)) j++;
    if (j >= source.keyIndexes.length || source.keyIndexes[j] !== item.index) return null;
    j++;
  }
  return desc;
}

