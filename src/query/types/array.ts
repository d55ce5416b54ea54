/*
 * array.ts — PostgreSQL arrays of any element type (ArrayValue, datum.ts): text input and output
 * exactly as array_in / array_out, btree order (array_cmp), hashing, subscripts and slices, and
 * the TypeInfo of an array type.
 *
 * The element type's TypeInfo is looked up when a value is read or printed, never when the array
 * type is registered: the families register in any order (builtins.ts).
 *
 * Invariants: items are row-major; dims/lbounds have one entry per dimension; an empty array has
 * dims = lbounds = [] whatever the text said (`{{},{}}` is `{}`, as in PostgreSQL 17).
 * Left out: the 6-dimension limit and MaxAllocSize checks (54000).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { sqlTypeName, typeName } from '../../pg/types.js';
import type { ArrayValue, Datum, OutputSettings } from './datum.js';
import { typeInfo, type EvalSettings, type TypeInfo } from './registry.js';

const BOX = 603;

/** typdelim: ';' for box, ',' for every other built-in type. */
export function arrayDelimiter(elemType: number): string {
  return elemType === BOX ? ';' : ',';
}

function malformed(text: string, detail: string): SqlError {
  return new SqlError(SQLSTATE.invalid_text_representation, `malformed array literal: "${text}"`, { detail });
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

/** array_in: text → ArrayValue, elements through the element type's input (with typmod). */
export function parseArray(text: string, elemType: number, typmod: number, s: EvalSettings): ArrayValue {
  const delim = arrayDelimiter(elemType);
  const elem = typeInfo(elemType);
  let p = 0;
  const n = text.length;
  const skip = (): void => {
    while (p < n && isSpace(text[p])) p++;
  };
  skip();
  let given: { dims: number[]; lbounds: number[] } | null = null;
  if (text[p] === '[') {
    given = { dims: [], lbounds: [] };
    while (text[p] === '[') {
      p++;
      skip();
      const readInt = (): number | null => {
        const m = /^[+-]?\d+/.exec(text.slice(p));
        if (m === null) return null;
        p += m[0].length;
        skip();
        return Number(m[0]);
      };
      let lb = readInt();
      if (lb === null) throw malformed(text, 'Missing array dimension value.');
      let ub: number | null = lb;
      if (text[p] === ':') {
        p++;
        skip();
        ub = readInt();
        if (ub === null) throw malformed(text, 'Missing array dimension value.');
      } else {
        lb = 1;
      }
      if (text[p] !== ']') throw malformed(text, 'Missing "]" after array dimensions.');
      p++;
      skip();
      if (ub < lb) throw new SqlError(SQLSTATE.array_subscript_error, 'upper bound cannot be less than lower bound');
      given.dims.push(ub - lb + 1);
      given.lbounds.push(lb);
    }
    if (text[p] !== '=') throw malformed(text, 'Missing "=" after array dimensions.');
    p++;
    skip();
  }
  if (text[p] !== '{') throw malformed(text, 'Array value must start with "{" or dimension information.');

  const dims: number[] = [];
  const items: Datum[] = [];
  let leafDepth = -1;
  const mismatch = (): SqlError => malformed(text, 'Multidimensional arrays must have sub-arrays with matching dimensions.');

  // Reads one element at p (not at a delimiter or brace); returns its text or null for NULL.
  const element = (): string | null => {
    let out = '';
    let quotedOrEscaped = false;
    let keepTo = 0; // out length up to the last character that trailing-space trimming must keep
    if (text[p] === '"') {
      p++;
      for (;;) {
        if (p >= n) throw malformed(text, 'Unexpected end of input.');
        const c = text[p]!;
        if (c === '\\') {
          if (p + 1 >= n) throw malformed(text, 'Unexpected end of input.');
          out += text[p + 1];
          p += 2;
        } else if (c === '"') {
          p++;
          break;
        } else {
          out += c;
          p++;
        }
      }
      skip();
      if (text[p] !== delim && text[p] !== '}') {
        if (p >= n) throw malformed(text, 'Unexpected end of input.');
        throw malformed(text, 'Incorrectly quoted array element.');
      }
      return out;
    }
    // Fast path: a plain element without escapes is a slice of the text.
    const start = p;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === 92 || c === 34 || c === 123 || c === 125 || text[p] === delim) break;
      p++;
    }
    if (p < n && (text[p] === delim || text[p] === '}')) {
      let end = p;
      while (end > start && isSpace(text[end - 1])) end--;
      const t = text.slice(start, end);
      return t.length === 4 && t.toUpperCase() === 'NULL' ? null : t;
    }
    p = start;
    for (;;) {
      if (p >= n) throw malformed(text, 'Unexpected end of input.');
      const c = text[p]!;
      if (c === delim || c === '}') break;
      if (c === '{') throw malformed(text, 'Unexpected "{" character.');
      if (c === '"') throw malformed(text, 'Incorrectly quoted array element.');
      if (c === '\\') {
        if (p + 1 >= n) throw malformed(text, 'Unexpected end of input.');
        out += text[p + 1];
        p += 2;
        quotedOrEscaped = true;
        keepTo = out.length;
        continue;
      }
      out += c;
      p++;
      if (!isSpace(c)) keepTo = out.length;
    }
    out = out.slice(0, keepTo);
    if (!quotedOrEscaped && out.length === 4 && out.toUpperCase() === 'NULL') return null;
    return out;
  };

  const level = (depth: number): void => {
    p++; // '{'
    let count = 0;
    let sawSub = false;
    let sawElem = false;
    skip();
    if (text[p] === '}') {
      p++;
      if (dims[depth] === undefined) dims[depth] = 0;
      else if (dims[depth] !== 0) throw mismatch();
      return;
    }
    for (;;) {
      skip();
      if (p >= n) throw malformed(text, 'Unexpected end of input.');
      const c = text[p]!;
      if (c === '{') {
        if (sawElem || (leafDepth >= 0 && depth >= leafDepth)) throw mismatch();
        sawSub = true;
        level(depth + 1);
      } else if (c === delim || c === '}') {
        throw malformed(text, `Unexpected "${c}" character.`);
      } else {
        if (sawSub || (leafDepth >= 0 && leafDepth !== depth)) throw mismatch();
        sawElem = true;
        leafDepth = depth;
        const t = element();
        items.push(t === null ? null : elem.input(t, typmod, s));
      }
      count++;
      skip();
      if (p >= n) throw malformed(text, 'Unexpected end of input.');
      const d = text[p]!;
      p++;
      if (d === '}') break;
      if (d !== delim) throw malformed(text, `Unexpected "${d}" character.`);
    }
    if (dims[depth] === undefined) dims[depth] = count;
    else if (dims[depth] !== count) throw mismatch();
  };
  level(0);
  skip();
  if (p < n) throw malformed(text, 'Junk after closing right brace.');
  const empty = items.length === 0;
  if (given !== null) {
    const same = !empty && given.dims.length === dims.length && given.dims.every((d, i) => d === dims[i]);
    if (!same && !(empty && given.dims.length === 0)) throw malformed(text, 'Specified array dimensions do not match array contents.');
    return { elemType, dims: given.dims, lbounds: given.lbounds, items };
  }
  if (empty) return { elemType, dims: [], lbounds: [], items: [] };
  return { elemType, dims, lbounds: dims.map(() => 1), items };
}

const QUOTE_NEEDED = /[{}"\\ \t\n\r\v\f]/;

/** One element as array_out writes it: quoted when empty, NULL-like, or holding special characters. */
function quoteElement(t: string, delim: string): string {
  if (t === '' || (t.length === 4 && t.toUpperCase() === 'NULL') || QUOTE_NEEDED.test(t) || t.includes(delim)) {
    return '"' + t.replace(/["\\]/g, '\\$&') + '"';
  }
  return t;
}

/** array_out. */
export function arrayText(a: ArrayValue, s: OutputSettings): string {
  const dims = a.dims;
  if (dims.length === 0 || a.items.length === 0) return '{}';
  const elem = typeInfo(a.elemType);
  const delim = arrayDelimiter(a.elemType);
  let prefix = '';
  if (a.lbounds.some((l) => l !== 1)) {
    for (let i = 0; i < dims.length; i++) prefix += `[${a.lbounds[i]}:${a.lbounds[i]! + dims[i]! - 1}]`;
    prefix += '=';
  }
  let k = 0;
  const items = a.items;
  const write = (depth: number): string => {
    let out = '{';
    const len = dims[depth]!;
    for (let i = 0; i < len; i++) {
      if (i > 0) out += delim;
      if (depth + 1 < dims.length) out += write(depth + 1);
      else {
        const v = items[k++]!;
        out += v === null ? 'NULL' : quoteElement(elem.output(v, s), delim);
      }
    }
    return out + '}';
  };
  return prefix + write(0);
}

/** array_cmp: element by element (NULL greater than any value), then count, ndims, dims, lbounds. */
export function compareArrays(a: ArrayValue, b: ArrayValue): number {
  const cmp = typeInfo(a.elemType).compare;
  if (cmp === undefined) throw new SqlError(SQLSTATE.undefined_function, `could not identify a comparison function for type ${sqlTypeName(a.elemType)}`);
  const n = Math.min(a.items.length, b.items.length);
  for (let i = 0; i < n; i++) {
    const x = a.items[i]!;
    const y = b.items[i]!;
    if (x === null) {
      if (y === null) continue;
      return 1;
    }
    if (y === null) return -1;
    const c = cmp(x, y);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  if (a.items.length !== b.items.length) return a.items.length < b.items.length ? -1 : 1;
  if (a.dims.length !== b.dims.length) return a.dims.length < b.dims.length ? -1 : 1;
  for (let i = 0; i < a.dims.length; i++) if (a.dims[i] !== b.dims[i]) return a.dims[i]! < b.dims[i]! ? -1 : 1;
  for (let i = 0; i < a.lbounds.length; i++) if (a.lbounds[i] !== b.lbounds[i]) return a.lbounds[i]! < b.lbounds[i]! ? -1 : 1;
  return 0;
}

/** A string equal for arrays equal by compareArrays. */
export function arrayHashKey(a: ArrayValue): string {
  const h = typeInfo(a.elemType).hashKey;
  if (h === undefined) throw new SqlError(SQLSTATE.undefined_function, `could not identify a hash function for type ${sqlTypeName(a.elemType)}`);
  let out = a.dims.join(',') + '|' + a.lbounds.join(',') + '|';
  for (const v of a.items) {
    if (v === null) out += '\u0001';
    else {
      const k = String(h(v));
      out += k.length + ':' + k;
    }
  }
  return out;
}

/** Index into items of a full subscript (one per dimension), -1 when out of range. */
function offsetOf(a: ArrayValue, idx: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < a.dims.length; d++) {
    const i = idx[d]! - a.lbounds[d]!;
    if (i < 0 || i >= a.dims[d]!) return -1;
    off = off * a.dims[d]! + i;
  }
  return off;
}

/**
 * arr[i][j]…: NULL when a subscript is NULL, their number differs from the array's dimensions, or
 * one is out of range (PostgreSQL's fetch rules; no error).
 */
export function arraySubscript(arr: ArrayValue, idx: readonly (number | null)[]): Datum {
  if (idx.length !== arr.dims.length || idx.length === 0) return null;
  for (const i of idx) if (i === null) return null;
  const off = offsetOf(arr, idx as readonly number[]);
  return off < 0 ? null : arr.items[off]!;
}

/**
 * arr[l:u]…: `undefined` for an omitted bound (`arr[:2]`), `null` for a NULL one (result NULL).
 * When a query mixes slices and plain subscripts, the binder passes a plain `i` as `1:i`, as
 * PostgreSQL does. Bounds are clamped to the array; the result has lower bounds 1, and is empty
 * when the range is empty or more subscripts than dimensions are given.
 */
export function arraySlice(arr: ArrayValue, lower: readonly (number | null | undefined)[], upper: readonly (number | null | undefined)[]): ArrayValue | null {
  for (const v of lower) if (v === null) return null;
  for (const v of upper) if (v === null) return null;
  const nd = arr.dims.length;
  const empty: ArrayValue = { elemType: arr.elemType, dims: [], lbounds: [], items: [] };
  if (nd === 0 || lower.length > nd) return empty;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < nd; d++) {
    const lb = arr.lbounds[d]!;
    const ub = lb + arr.dims[d]! - 1;
    let l = d < lower.length ? lower[d] : undefined;
    let u = d < upper.length ? upper[d] : undefined;
    if (l === undefined || l === null || l < lb) l = lb;
    if (u === undefined || u === null || u > ub) u = ub;
    if (l > u) return empty;
    lo.push(l);
    hi.push(u);
  }
  const dims = lo.map((l, d) => hi[d]! - l + 1);
  const items: Datum[] = [];
  const idx = lo.slice();
  for (;;) {
    items.push(arr.items[offsetOf(arr, idx)]!);
    let d = nd - 1;
    while (d >= 0 && idx[d] === hi[d]) {
      idx[d] = lo[d]!;
      d--;
    }
    if (d < 0) break;
    idx[d]!++;
  }
  return { elemType: arr.elemType, dims, lbounds: dims.map(() => 1), items };
}

/** The TypeInfo of array type `oid` over `elemType`; the element's TypeInfo is read per call. */
export function arrayTypeInfo(elemType: number, oid: number): TypeInfo {
  return {
    oid,
    name: typeName(oid),
    sqlName: sqlTypeName(oid),
    category: 'A',
    preferred: false,
    len: -1,
    elem: elemType,
    array: 0,
    input: (text, typmod, s) => parseArray(text, elemType, typmod, s),
    output: (d, s) => arrayText(d as ArrayValue, s),
    compare: (a, b) => compareArrays(a as ArrayValue, b as ArrayValue),
    hashKey: (d) => arrayHashKey(d as ArrayValue),
    applyTypmod: (d, typmod, explicit) => {
      const f = typeInfo(elemType).applyTypmod;
      if (f === undefined) return d;
      const a = d as ArrayValue;
      return { ...a, items: a.items.map((v) => (v === null ? null : f(v, typmod, explicit))) };
    },
    formatTypmod: (typmod) => {
      const f = typeInfo(elemType).formatTypmod;
      return (f === undefined ? typeInfo(elemType).sqlName : f(typmod)) + '[]';
    },
  };
}
