/*
 * array.ts — array operators, functions and casts (arrayfuncs.c, array_userfuncs.c): comparison,
 * containment and overlap, concatenation (||, array_cat/append/prepend), the dimension functions,
 * array_position(s), array_remove/replace, array_to_string, array_fill, unnest and
 * generate_subscripts; array → array casts element by element.
 *
 * Element equality is the element type's btree order (compare = 0), or its hash key when the type
 * has no order here (uuid-like opaque types compare by canonical text). Containment and overlap
 * never match NULL elements; array_position/remove/replace treat NULL as equal to NULL (IS NOT
 * DISTINCT FROM), as PostgreSQL does.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { arrayTypeOf, elementTypeOf } from '../../pg/types.js';
import type { ArrayValue, Datum } from '../types/datum.js';
import { compareArrays } from '../types/array.js';
import { findCast, registerCastResolver, typeInfo } from '../types/registry.js';
import { registerFunc, Pseudo, type CallContext, type FuncDef } from './registry.js';

const BOOL = 16;
const INT4 = 23;
const TEXT = 25;
const INT4_ARRAY = 1007;

type Call = (args: readonly Datum[], cx: CallContext) => Datum;
const A = (d: Datum): ArrayValue => d as ArrayValue;

function reg(kind: 'op' | 'func', name: string, args: number[], returns: FuncDef['returns'], call: Call, extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind, args, returns, strict: true, volatility: 'i', call, ...extra });
}

const sameAs =
  (i: number) =>
  (t: readonly number[]): number =>
    t[i]!;
const elemOf =
  (i: number) =>
  (t: readonly number[]): number =>
    elementTypeOf(t[i]!) || typeInfo(t[i]!).elem;

/** Equality of two non-null elements of one type. */
export function elemEquals(elemType: number): (a: Datum, b: Datum) => boolean {
  const t = typeInfo(elemType);
  if (t.compare !== undefined) {
    const c = t.compare;
    return (a, b) => c(a, b) === 0;
  }
  const h = t.hashKey;
  if (h !== undefined) return (a, b) => h(a) === h(b);
  throw new SqlError(SQLSTATE.undefined_function, `could not identify an equality operator for type ${t.sqlName}`);
}

export function emptyArray(elemType: number): ArrayValue {
  return { elemType, dims: [], lbounds: [], items: [] };
}

function oneDim(elemType: number, items: Datum[], lb = 1): ArrayValue {
  return items.length === 0 ? emptyArray(elemType) : { elemType, dims: [items.length], lbounds: [lb], items };
}

/** `a @> b`: every non-null element of b equals some element of a (dimensions ignored). */
export function arrayContains(a: ArrayValue, b: ArrayValue): boolean {
  const eq = elemEquals(a.elemType);
  for (const y of b.items) {
    if (y === null) return false;
    if (!a.items.some((x) => x !== null && eq(x, y))) return false;
  }
  return true;
}

export function arrayOverlaps(a: ArrayValue, b: ArrayValue): boolean {
  const eq = elemEquals(a.elemType);
  return b.items.some((y) => y !== null && a.items.some((x) => x !== null && eq(x, y)));
}

function incompatible(detail: string): SqlError {
  return new SqlError(SQLSTATE.array_subscript_error, 'cannot concatenate incompatible arrays', { detail });
}

/** array_cat (and anyarray || anyarray): along the first dimension, lower bounds of the outer side. */
export function arrayCat(a: ArrayValue | null, b: ArrayValue | null): ArrayValue | null {
  if (a === null) return b;
  if (b === null) return a;
  const n1 = a.dims.length;
  const n2 = b.dims.length;
  if (n1 === 0) return b;
  if (n2 === 0) return a;
  const items = [...a.items, ...b.items];
  if (n1 === n2) {
    for (let i = 1; i < n1; i++) {
      if (a.dims[i] !== b.dims[i] || a.lbounds[i] !== b.lbounds[i]) throw incompatible('Arrays with differing element dimensions are not compatible for concatenation.');
    }
    return { elemType: a.elemType, dims: [a.dims[0]! + b.dims[0]!, ...a.dims.slice(1)], lbounds: a.lbounds, items };
  }
  if (n1 === n2 - 1 || n1 === n2 + 1) {
    const [outer, inner] = n1 > n2 ? [a, b] : [b, a];
    for (let i = 0; i < inner.dims.length; i++) {
      if (inner.dims[i] !== outer.dims[i + 1] || inner.lbounds[i] !== outer.lbounds[i + 1]) throw incompatible('Arrays with differing dimensions are not compatible for concatenation.');
    }
    return { elemType: a.elemType, dims: [outer.dims[0]! + 1, ...outer.dims.slice(1)], lbounds: outer.lbounds, items };
  }
  throw incompatible(`Arrays of ${n1} and ${n2} dimensions are not compatible for concatenation.`);
}

function pushElement(a: ArrayValue | null, x: Datum, elemType: number, front: boolean): ArrayValue {
  if (a === null || a.dims.length === 0) return oneDim(elemType, [x]);
  if (a.dims.length !== 1) throw new SqlError(SQLSTATE.data_exception, 'argument must be empty or one-dimensional array');
  return { elemType: a.elemType, dims: [a.dims[0]! + 1], lbounds: a.lbounds, items: front ? [x, ...a.items] : [...a.items, x] };
}

function oneDimOnly(a: ArrayValue, what: string): void {
  if (a.dims.length > 1) throw new SqlError(SQLSTATE.feature_not_supported, `${what} in multidimensional arrays is not supported`);
}

function matcher(elemType: number, x: Datum): (y: Datum) => boolean {
  if (x === null) return (y) => y === null;
  const eq = elemEquals(elemType);
  return (y) => y !== null && eq(x, y);
}

function dimInfo(a: ArrayValue, dim: number): number | null {
  return dim >= 1 && dim <= a.dims.length ? dim - 1 : null;
}

function* unnest(a: ArrayValue): Iterable<Datum> {
  yield* a.items;
}

function* subscripts(a: ArrayValue, dim: number, reverse: boolean): Iterable<Datum> {
  const d = dimInfo(a, dim);
  if (d === null) return;
  const lb = a.lbounds[d]!;
  const ub = lb + a.dims[d]! - 1;
  if (reverse) for (let i = ub; i >= lb; i--) yield i;
  else for (let i = lb; i <= ub; i++) yield i;
}

function arrayToString(a: ArrayValue, sep: string, nullStr: string | null, cx: CallContext): string {
  const t = typeInfo(a.elemType);
  const parts: string[] = [];
  for (const x of a.items) {
    if (x !== null) parts.push(t.output(x, cx.settings));
    else if (nullStr !== null) parts.push(nullStr);
  }
  return parts.join(sep);
}

function arrayFill(value: Datum, dims: ArrayValue | null, given: ArrayValue | null | undefined, elemType: number): ArrayValue {
  const lbs = given === undefined ? null : given;
  if (dims === null || (given !== undefined && lbs === null)) throw new SqlError(SQLSTATE.null_value_not_allowed, 'dimension array or low bound array cannot be null');
  if (dims.dims.length > 1 || (lbs !== null && lbs.dims.length > 1)) throw new SqlError(SQLSTATE.array_subscript_error, 'wrong number of array subscripts', { detail: 'Dimension array must be one dimensional.' });
  if (dims.items.some((d) => d === null) || lbs?.items.some((d) => d === null)) throw new SqlError(SQLSTATE.null_value_not_allowed, 'dimension values cannot be null');
  if (lbs !== null && lbs.items.length !== dims.items.length) throw new SqlError(SQLSTATE.array_subscript_error, 'wrong number of array subscripts', { detail: 'Low bound array has different size than dimensions array.' });
  const ds = dims.items as number[];
  if (ds.length === 0) return emptyArray(elemType);
  const total = ds.reduce((p, d) => p * Math.max(d, 0), 1);
  if (total === 0) return emptyArray(elemType);
  return { elemType, dims: ds, lbounds: lbs !== null ? (lbs.items as number[]) : ds.map(() => 1), items: new Array<Datum>(total).fill(value) };
}

export function registerArrayCasts(): void {
  registerCastResolver((source, target) => {
    const es = elementTypeOf(source);
    const et = elementTypeOf(target);
    if (es === 0 || et === 0) return undefined;
    const ec = findCast(es, et);
    if (ec === undefined) return undefined;
    return {
      source,
      target,
      context: ec.context,
      convert: (d, s) => {
        const a = A(d);
        return { elemType: et, dims: a.dims, lbounds: a.lbounds, items: a.items.map((x) => (x === null ? null : ec.convert(x, s))) };
      },
    };
  });
}

export function registerArrayFunctions(): void {
  const AA = Pseudo.anyarray;
  const CA = Pseudo.anycompatiblearray;
  const CE = Pseudo.anycompatible;
  const cmp = (a: Datum, b: Datum): number => compareArrays(A(a), A(b));
  reg('op', '=', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) === 0, { commutator: '=', negator: '<>' });
  reg('op', '<>', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) !== 0, { commutator: '<>', negator: '=' });
  reg('op', '<', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) < 0, { commutator: '>', negator: '>=' });
  reg('op', '>', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) > 0, { commutator: '<', negator: '<=' });
  reg('op', '<=', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) <= 0, { commutator: '>=', negator: '>' });
  reg('op', '>=', [AA, AA], BOOL, ([a, b]) => cmp(a!, b!) >= 0, { commutator: '<=', negator: '<' });
  reg('func', 'btarraycmp', [AA, AA], INT4, ([a, b]) => Math.sign(cmp(a!, b!)));
  reg('op', '@>', [CA, CA], BOOL, ([a, b]) => arrayContains(A(a!), A(b!)), { commutator: '<@' });
  reg('op', '<@', [CA, CA], BOOL, ([a, b]) => arrayContains(A(b!), A(a!)), { commutator: '@>' });
  reg('op', '&&', [CA, CA], BOOL, ([a, b]) => arrayOverlaps(A(a!), A(b!)), { commutator: '&&' });

  const cat: Call = ([a, b]) => arrayCat(a as ArrayValue | null, b as ArrayValue | null);
  const append: Call = ([a, x], cx) => pushElement(a as ArrayValue | null, x!, elementTypeOf(cx.argTypes[0]!), false);
  const prepend: Call = ([x, a], cx) => pushElement(a as ArrayValue | null, x!, elementTypeOf(cx.argTypes[1]!), true);
  reg('op', '||', [CA, CA], sameAs(0), cat, { strict: false });
  reg('op', '||', [CA, CE], sameAs(0), append, { strict: false });
  reg('op', '||', [CE, CA], sameAs(1), prepend, { strict: false });
  reg('func', 'array_cat', [CA, CA], sameAs(0), cat, { strict: false });
  reg('func', 'array_append', [CA, CE], sameAs(0), append, { strict: false });
  reg('func', 'array_prepend', [CE, CA], sameAs(1), prepend, { strict: false });

  reg('func', 'array_length', [AA, INT4], INT4, ([a, d]) => {
    const i = dimInfo(A(a!), d as number);
    return i === null ? null : A(a!).dims[i]!;
  });
  reg('func', 'array_lower', [AA, INT4], INT4, ([a, d]) => {
    const i = dimInfo(A(a!), d as number);
    return i === null ? null : A(a!).lbounds[i]!;
  });
  reg('func', 'array_upper', [AA, INT4], INT4, ([a, d]) => {
    const i = dimInfo(A(a!), d as number);
    return i === null ? null : A(a!).lbounds[i]! + A(a!).dims[i]! - 1;
  });
  reg('func', 'array_ndims', [AA], INT4, ([a]) => (A(a!).dims.length === 0 ? null : A(a!).dims.length));
  reg('func', 'array_dims', [AA], TEXT, ([a]) => {
    const v = A(a!);
    if (v.dims.length === 0) return null;
    return v.dims.map((d, i) => `[${v.lbounds[i]}:${v.lbounds[i]! + d - 1}]`).join('');
  });
  reg('func', 'cardinality', [AA], INT4, ([a]) => A(a!).items.length);

  reg('func', 'array_position', [CA, CE, INT4], INT4, ([a, x, start], cx) => {
    if (a === null) return null;
    const v = A(a ?? null);
    oneDimOnly(v, 'searching for elements');
    if (v.dims.length === 0) return null;
    if (start === null) throw new SqlError(SQLSTATE.null_value_not_allowed, 'initial position must not be null');
    const lb = v.lbounds[0]!;
    const m = matcher(elementTypeOf(cx.argTypes[0]!) || v.elemType, x!);
    const from = start === undefined ? 0 : Math.max(0, (start as number) - lb);
    for (let i = from; i < v.items.length; i++) if (m(v.items[i]!)) return i + lb;
    return null;
  }, { strict: false, optional: 1 });
  reg('func', 'array_positions', [CA, CE], INT4_ARRAY, ([a, x], cx) => {
    if (a === null) return null;
    const v = A(a ?? null);
    oneDimOnly(v, 'searching for elements');
    const m = matcher(elementTypeOf(cx.argTypes[0]!) || v.elemType, x!);
    const out: Datum[] = [];
    v.items.forEach((y, i) => {
      if (m(y)) out.push(i + (v.lbounds[0] ?? 1));
    });
    return oneDim(INT4, out);
  }, { strict: false });
  reg('func', 'array_remove', [CA, CE], sameAs(0), ([a, x]) => {
    if (a === null) return null;
    const v = A(a ?? null);
    oneDimOnly(v, 'removing elements from');
    if (v.dims.length === 0) return v;
    const m = matcher(v.elemType, x!);
    const items = v.items.filter((y) => !m(y));
    return items.length === v.items.length ? v : oneDim(v.elemType, items, v.lbounds[0]);
  }, { strict: false });
  reg('func', 'array_replace', [CA, CE, CE], sameAs(0), ([a, x, y]) => {
    if (a === null) return null;
    const v = A(a ?? null);
    const m = matcher(v.elemType, x!);
    return { ...v, items: v.items.map((z) => (m(z) ? y! : z)) };
  }, { strict: false });
  reg('func', 'array_to_string', [AA, TEXT, TEXT], TEXT, ([a, sep, ns], cx) => {
    if (a === null || sep === null) return null;
    return arrayToString(A(a!), sep as string, (ns ?? null) as string | null, cx);
  }, { strict: false, optional: 1 });
  reg('func', 'array_fill', [Pseudo.anyelement, INT4_ARRAY, INT4_ARRAY], (t) => arrayTypeOf(t[0]!), ([x, d, l], cx) =>
    arrayFill(x!, d as ArrayValue | null, l as ArrayValue | null | undefined, cx.argTypes[0]!), { strict: false, optional: 1 });
  registerFunc({ name: 'unnest', kind: 'func', args: [AA], returns: elemOf(0), strict: true, volatility: 'i', set: ([a]) => unnest(A(a!)) });
  registerFunc({
    name: 'generate_subscripts',
    kind: 'func',
    args: [AA, INT4, BOOL],
    optional: 1,
    returns: INT4,
    strict: true,
    volatility: 'i',
    set: ([a, d, r]) => subscripts(A(a!), d as number, r === true),
  });
}
