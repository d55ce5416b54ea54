/*
 * key-access.ts — which part of a table's key tree a scan must walk, from its WHERE conjuncts.
 *
 * A table's rows sit in one ordered byte map keyed by the encoded primary key (store/key-codec.ts),
 * so conditions on the key become tree operations (the ideas of select.ts planKeyAccess /
 * bindKeyAccess, over bound expressions):
 *   equality (=, IN, = ANY) on every key column        → point lookups, one per combination
 *   equality on a key prefix, range on the next column → one range walk per prefix combination
 *   nothing usable                                     → full walk
 * The values may be constants, parameters or any expression without columns of the row; they
 * are evaluated once per execution (bindKeyAccess). A value of another numeric type than an
 * integer key is turned into an exact integer bound (integerBound: `id > 1.5` is `id >= 2`,
 * `int2key = 100000` matches nothing).
 *
 * Invariant: the walk returns a superset of the rows the conjuncts accept; the scan still applies
 * every conjunct, so the access path can never change a result, only its cost.
 */
import { encodeKey, isOrderedKeyType } from '../../store/key-codec.js';
import type { RangeOptions } from '../../store/byte-map.js';
import { Oid } from '../../pg/types.js';
import { compareBytes, integerBound, isIntegerType, type CmpOp } from '../compare.js';
import type { Expr } from '../bind/bound.js';
import type { ArrayValue, Datum } from '../types/datum.js';
import { DEFAULT_OUTPUT } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';
import { NO_ROW, type Fn } from './eval.js';
import type { Runtime } from './runtime.js';

export interface KeyValue {
  readonly fn: Fn;
  readonly type: number;
  /** An array of values (= ANY): each element is one value. */
  readonly array: boolean;
}

export interface KeyAccess {
  /** Per leading key position: each entry is one conjunct's set of allowed values (intersected). */
  readonly eq: readonly (readonly KeyValue[])[];
  readonly rangePos: number;
  readonly ranges: readonly { readonly op: CmpOp; readonly value: KeyValue }[];
  /** Key positions fixed to a single value (ORDER BY may skip them). */
  readonly fixed: ReadonlySet<number>;
}

const FLIP: Record<string, CmpOp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const NUMERIC_VALUE = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric]);
const FLOATS = new Set<number>([Oid.float4, Oid.float8]);
const TEXTS = new Set<number>([Oid.text, Oid.varchar, Oid.name]);

/** Whether `key op value` can bound the walk exactly for these types. */
export function usableKey(keyType: number, valueType: number, op: CmpOp): boolean {
  if (isIntegerType(keyType)) return NUMERIC_VALUE.has(valueType) || valueType === keyType;
  if (FLOATS.has(keyType)) return FLOATS.has(valueType);
  if (TEXTS.has(keyType)) return TEXTS.has(valueType);
  if (keyType !== valueType) return false;
  return op === '=' || isOrderedKeyType(keyType);
}

/** True when the expression reads nothing of the current row and may be evaluated once per scan. */
export function rowFree(e: Expr): boolean {
  if (e.kind === 'const' || e.kind === 'param') return true;
  // A column of an enclosing query (correlated subquery, LATERAL) is fixed while this scan runs.
  if (e.kind === 'column') return e.levelsUp > 0;
  if (e.kind === 'call') return e.def.volatility !== 'v' && e.args.every(rowFree);
  if (e.kind === 'cast') return rowFree(e.arg);
  if (e.kind === 'array') return e.items.every(rowFree);
  return false;
}

/**
 * `byteOrdered(call)`: whether a range comparison orders text as the key codec does (bytes). Text
 * keys are stored in byte order, so a range under a linguistic collation cannot bound the walk
 * (equality can: every accepted collation is deterministic).
 */
export function planKeyAccess(conjuncts: readonly Expr[], keyColumns: readonly number[], keyTypes: readonly number[], compile: (e: Expr) => Fn, byteOrdered: (call: Expr) => boolean = () => true): KeyAccess | null {
  const n = keyColumns.length;
  const eqs: KeyValue[][] = Array.from({ length: n }, () => []);
  const ranges: { op: CmpOp; value: KeyValue }[][] = Array.from({ length: n }, () => []);
  for (const c of conjuncts) {
    if (c.kind === 'call' && c.def.kind === 'op' && c.args.length === 2 && c.def.name in FLIP) {
      let col = c.args[0]!;
      let val = c.args[1]!;
      let op = c.def.name as CmpOp;
      if (col.kind !== 'column' || col.levelsUp !== 0) {
        [col, val] = [val, col];
        op = FLIP[op]!;
      }
      if (col.kind !== 'column' || col.levelsUp !== 0 || !rowFree(val)) continue;
      const pos = keyColumns.indexOf(col.index);
      if (pos < 0 || !usableKey(keyTypes[pos]!, val.type, op)) continue;
      if (op !== '=' && !byteOrdered(c)) continue;
      const kv = { fn: compile(val), type: val.type, array: false };
      if (op === '=') eqs[pos]!.push(kv);
      else ranges[pos]!.push({ op, value: kv });
    } else if (c.kind === 'scalararrayop' && c.useOr && c.op.name === '=' && c.left.kind === 'column' && c.left.levelsUp === 0 && rowFree(c.right)) {
      const pos = keyColumns.indexOf(c.left.index);
      const elem = typeInfo(c.right.type).elem || c.opArgTypes[1];
      if (pos < 0 || !usableKey(keyTypes[pos]!, elem, '=')) continue;
      eqs[pos]!.push({ fn: compile(c.right), type: elem, array: true });
    }
  }
  const eq: KeyValue[][] = [];
  const fixed = new Set<number>();
  while (eq.length < n && eqs[eq.length]!.length > 0) {
    if (eqs[eq.length]!.some((v) => !v.array)) fixed.add(eq.length);
    eq.push(eqs[eq.length]!);
  }
  const rangePos = eq.length < n && ranges[eq.length]!.length > 0 ? eq.length : -1;
  if (eq.length === 0 && rangePos < 0) return null;
  return { eq, rangePos, ranges: rangePos < 0 ? [] : ranges[rangePos]!, fixed };
}

export type Bound = { kind: 'bound'; op: CmpOp; bytes: Uint8Array } | { kind: 'none' } | { kind: 'all' };

const single = [0];

/** One key column's encoded bytes for `key op value` (an exact integer bound for other numeric values). */
const INT_KEYS = new Map<number, readonly [bigint, bigint]>([
  [Oid.int2, [-32768n, 32767n]],
  [Oid.int4, [-2147483648n, 2147483647n]],
  [Oid.int8, [-(2n ** 63n), 2n ** 63n - 1n]],
]);

/** `intkey = integer value` without a text round trip: the codec's sign-flipped big-endian bytes. */
function intEquality(keyType: number, d: number | bigint): Bound {
  const range = INT_KEYS.get(keyType)!;
  const v = typeof d === 'bigint' ? d : BigInt(d);
  if (v < range[0] || v > range[1]) return { kind: 'none' };
  if (keyType === Oid.int4) {
    const u = (Number(v) ^ 0x80000000) >>> 0;
    return { kind: 'bound', op: '=', bytes: new Uint8Array([u >>> 24, (u >>> 16) & 0xff, (u >>> 8) & 0xff, u & 0xff]) };
  }
  if (keyType === Oid.int2) {
    const u = Number(v) + 32768;
    return { kind: 'bound', op: '=', bytes: new Uint8Array([u >>> 8, u & 0xff]) };
  }
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, v) ^ (1n << 63n));
  return { kind: 'bound', op: '=', bytes };
}

export function encodeBound(keyType: number, valueType: number, op: CmpOp, d: Datum): Bound {
  if (op === '=' && INT_KEYS.has(keyType) && INT_KEYS.has(valueType) && (typeof d === 'bigint' || (typeof d === 'number' && Number.isInteger(d)))) return intEquality(keyType, d);
  let text = typeInfo(valueType).output(d, DEFAULT_OUTPUT);
  if (isIntegerType(keyType) && valueType !== keyType) {
    const b = integerBound(keyType, op, text);
    if (b.kind !== 'bound') return b;
    op = b.op;
    text = b.text;
    valueType = keyType;
  }
  single[0] = FLOATS.has(keyType) ? valueType : keyType;
  return { kind: 'bound', op, bytes: encodeKey(single, [Buffer.from(text, 'utf8')]) };
}

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
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const ZERO = new Uint8Array([0]);

export type Segment = { readonly point: Uint8Array } | { readonly range: RangeOptions };

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** The tree segments to read for this execution, in key order (reversed for a backward walk); null = none. */
export function bindKeyAccess(a: KeyAccess, keyTypes: readonly number[], rt: Runtime, reverse: boolean): Segment[] | null {
  const n = keyTypes.length;
  let prefixes: Uint8Array[] = [new Uint8Array(0)];
  for (let pos = 0; pos < a.eq.length; pos++) {
    const keyType = keyTypes[pos]!;
    let parts: Map<string, Uint8Array> | null = null;
    for (const v of a.eq[pos]!) {
      const here = new Map<string, Uint8Array>();
      const d = v.fn(NO_ROW, rt);
      const values: readonly Datum[] = d === null ? [] : v.array ? (d as ArrayValue).items : [d];
      for (const x of values) {
        if (x === null) continue;
        const b = encodeBound(keyType, v.type, '=', x);
        if (b.kind === 'bound') here.set(latin1(b.bytes), b.bytes);
      }
      if (parts === null) parts = here;
      else for (const k of [...parts.keys()]) if (!here.has(k)) parts.delete(k);
    }
    const list = [...parts!.values()];
    if (list.length === 0) return null;
    const next: Uint8Array[] = [];
    for (const p of prefixes) for (const part of list) next.push(concat(p, part));
    prefixes = next;
  }
  if (prefixes.length > 1) prefixes.sort(compareBytes);
  if (reverse) prefixes.reverse();
  if (a.eq.length === n) return prefixes.map((p) => ({ point: p }));
  let lo: Uint8Array | null = null;
  let hi: Uint8Array | null = null;
  if (a.rangePos >= 0) {
    const keyType = keyTypes[a.rangePos]!;
    const last = a.rangePos === n - 1;
    for (const r of a.ranges) {
      const d = r.value.fn(NO_ROW, rt);
      if (d === null) return null;
      const b = encodeBound(keyType, r.value.type, r.op, d);
      if (b.kind === 'none') return null;
      if (b.kind === 'all') continue;
      const part = b.bytes;
      if (b.op === '>' || b.op === '>=') {
        const bound = b.op === '>=' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) return null;
        if (lo === null || compareBytes(bound, lo) > 0) lo = bound;
      } else {
        const bound = b.op === '<' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) continue;
        if (hi === null || compareBytes(bound, hi) < 0) hi = bound;
      }
    }
    if (lo !== null && hi !== null && compareBytes(lo, hi) >= 0) return null;
  }
  return prefixes.map((p) => {
    const opts: { prefix?: Uint8Array; lo?: Uint8Array; hi?: Uint8Array; reverse?: boolean } = {};
    if (p.length > 0) opts.prefix = p;
    if (lo !== null) opts.lo = concat(p, lo);
    if (hi !== null) opts.hi = concat(p, hi);
    if (reverse) opts.reverse = true;
    return { range: opts };
  });
}
