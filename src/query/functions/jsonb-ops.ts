/*
 * jsonb-ops.ts — what jsonb's operators and path functions do to values (jsonfuncs.c,
 * jsonb_op.c, jsonb_util.c), without registration: field/element access, paths, containment,
 * existence, concatenation, deletion, jsonb_set / jsonb_insert (setPath), strip_nulls, pretty.
 *
 * A top-level scalar is a one-element "raw scalar" array inside PostgreSQL, and a few operators
 * show it: `'1'::jsonb -> 0` is 1, `'"a"'::jsonb ? 'a'` is true, `'[1,2]' @> '1'` is true.
 * Reproduced here; everything else treats a top-level scalar as a scalar.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { JSON_NULL, type ArrayValue, type JsonArray, type JsonNode, type JsonObject } from '../types/datum.js';
import { isJsonArray, isJsonObject, jsonbText, jsonRank, makeJsonObject, objectFind, compareJsonb } from '../types/jsonb-core.js';

const INT_RE = /^[ \t\n\r\v\f]*[+-]?\d+$/;

/** strtoint as jsonfuncs.c uses it on a path element: an int4 or undefined. */
export function pathIndex(s: string): number | undefined {
  if (!INT_RE.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

const isScalar = (v: JsonNode): boolean => jsonRank(v) < 4;

export function objectField(v: JsonNode, key: string): JsonNode | null {
  if (!isJsonObject(v)) return null;
  const i = objectFind(v, key);
  return i < 0 ? null : v.values[i]!;
}

/** `-> int`: arrays (negative from the end), and the raw-scalar quirk for indexes 0 / -1. */
export function arrayElement(v: JsonNode, idx: number): JsonNode | null {
  if (isJsonObject(v)) return null;
  const items: readonly JsonNode[] = isJsonArray(v) ? v.items : [v];
  const i = idx < 0 ? items.length + idx : idx;
  return i >= 0 && i < items.length ? items[i]! : null;
}

/** `#>`: NULL when a step is missing, not an index of an array, or a path element is NULL. */
export function getPath(v: JsonNode, path: ArrayValue): JsonNode | null {
  let cur: JsonNode = v;
  for (const p of path.items) {
    if (p === null) return null;
    const key = p as string;
    if (isJsonObject(cur)) {
      const i = objectFind(cur, key);
      if (i < 0) return null;
      cur = cur.values[i]!;
    } else if (isJsonArray(cur)) {
      let idx = pathIndex(key);
      if (idx === undefined) return null;
      if (idx < 0) idx += cur.items.length;
      if (idx < 0 || idx >= cur.items.length) return null;
      cur = cur.items[idx]!;
    } else {
      return null;
    }
  }
  return cur;
}

/** `->>` / `#>>` of a found value: strings unquoted, JSON null is SQL NULL. */
export function asText(v: JsonNode | null): string | null {
  if (v === null || v === JSON_NULL) return null;
  if (typeof v === 'string') return v;
  return jsonbText(v);
}

function scalarEquals(a: JsonNode, b: JsonNode): boolean {
  return jsonRank(a) === jsonRank(b) && compareJsonb(a, b) === 0;
}

/** JsonbDeepContains for two values of the same container kind (or two scalars). */
function deepContains(a: JsonNode, b: JsonNode): boolean {
  if (isJsonObject(b)) {
    if (!isJsonObject(a)) return false;
    if (b.keys.length > a.keys.length) return false;
    for (let i = 0; i < b.keys.length; i++) {
      const j = objectFind(a, b.keys[i]!);
      if (j < 0) return false;
      const av = a.values[j]!;
      const bv = b.values[i]!;
      if (isScalar(bv)) {
        if (!scalarEquals(av, bv)) return false;
      } else if (jsonRank(av) !== jsonRank(bv) || !deepContains(av, bv)) return false;
    }
    return true;
  }
  if (isJsonArray(b)) {
    if (!isJsonArray(a)) return false;
    let containers: JsonNode[] | null = null;
    for (const bv of b.items) {
      if (isScalar(bv)) {
        if (!a.items.some((av) => isScalar(av) && scalarEquals(av, bv))) return false;
      } else {
        containers ??= a.items.filter((av) => !isScalar(av));
        if (!containers.some((av) => jsonRank(av) === jsonRank(bv) && deepContains(av, bv))) return false;
      }
    }
    return true;
  }
  return scalarEquals(a, b);
}

/** `a @> b`. Top level: an object only contains an object; an array may contain a raw scalar. */
export function jsonbContains(a: JsonNode, b: JsonNode): boolean {
  if (isJsonObject(a) !== isJsonObject(b)) return false;
  if (isScalar(b)) {
    if (isScalar(a)) return scalarEquals(a, b);
    return (a as JsonArray).items.some((x) => isScalar(x) && scalarEquals(x, b));
  }
  if (isScalar(a)) return false;
  return deepContains(a, b);
}

/** `?`: an object's key, a string element of an array, or a raw scalar string. */
export function jsonbExists(v: JsonNode, key: string): boolean {
  if (isJsonObject(v)) return objectFind(v, key) >= 0;
  if (isJsonArray(v)) return v.items.some((x) => x === key);
  return v === key;
}

export function jsonbExistsAny(v: JsonNode, keys: ArrayValue): boolean {
  return keys.items.some((k) => k !== null && jsonbExists(v, k as string));
}

export function jsonbExistsAll(v: JsonNode, keys: ArrayValue): boolean {
  return keys.items.every((k) => k === null || jsonbExists(v, k as string));
}

/** `||`: objects merge (right wins), otherwise both sides as arrays (scalars as one element). */
export function jsonbConcat(a: JsonNode, b: JsonNode): JsonNode {
  if (isJsonObject(a) && isJsonObject(b)) return makeJsonObject([...a.keys, ...b.keys], [...a.values, ...b.values]);
  const items = (v: JsonNode): readonly JsonNode[] => (isJsonArray(v) ? v.items : [v]);
  return { kind: 'array', items: [...items(a), ...items(b)] };
}

const badValue = (message: string): SqlError => new SqlError(SQLSTATE.invalid_parameter_value, message);

/** `- text`: an object's key, or every string element equal to it. */
export function jsonbDeleteKey(v: JsonNode, key: string): JsonNode {
  if (isScalar(v)) throw badValue('cannot delete from scalar');
  if (isJsonObject(v)) {
    const i = objectFind(v, key);
    if (i < 0) return v;
    return { kind: 'object', keys: v.keys.filter((_, j) => j !== i), values: v.values.filter((_, j) => j !== i) };
  }
  return { kind: 'array', items: (v as JsonArray).items.filter((x) => x !== key) };
}

export function jsonbDeleteKeys(v: JsonNode, keys: ArrayValue): JsonNode {
  if (isScalar(v)) throw badValue('cannot delete from scalar');
  if (keys.items.length === 0) return v;
  const drop = new Set(keys.items.filter((k): k is string => k !== null));
  if (isJsonObject(v)) {
    const ks: string[] = [];
    const vs: JsonNode[] = [];
    v.keys.forEach((k, i) => {
      if (!drop.has(k)) {
        ks.push(k);
        vs.push(v.values[i]!);
      }
    });
    return { kind: 'object', keys: ks, values: vs };
  }
  return { kind: 'array', items: (v as JsonArray).items.filter((x) => typeof x !== 'string' || !drop.has(x)) };
}

/** `- int`: an array element (negative from the end); out of range leaves the array as is. */
export function jsonbDeleteIndex(v: JsonNode, idx: number): JsonNode {
  if (isScalar(v)) throw badValue('cannot delete from scalar');
  if (isJsonObject(v)) throw badValue('cannot delete from object using integer index');
  const items = (v as JsonArray).items;
  const i = idx < 0 ? items.length + idx : idx;
  if (i < 0 || i >= items.length) return v;
  return { kind: 'array', items: items.filter((_, j) => j !== i) };
}

/** setPath's operations (jsonfuncs.c JB_PATH_*). */
export const enum PathOp {
  Create,
  Replace,
  Delete,
  InsertBefore,
  InsertAfter,
}

const createOrInsert = (op: PathOp): boolean => op === PathOp.Create || op === PathOp.InsertBefore || op === PathOp.InsertAfter;

function pathElement(path: ArrayValue, level: number): string {
  const p = path.items[level];
  if (p === null) throw new SqlError(SQLSTATE.null_value_not_allowed, `path element at position ${level + 1} is null`);
  return p as string;
}

function setPathObject(o: JsonObject, path: ArrayValue, level: number, nv: JsonNode | null, op: PathOp): JsonNode {
  const key = pathElement(path, level);
  const last = level === path.items.length - 1;
  const i = objectFind(o, key);
  if (i < 0) {
    if (last && createOrInsert(op)) return makeJsonObject([...o.keys, key], [...o.values, nv!]);
    return o;
  }
  if (last) {
    if (op === PathOp.InsertBefore || op === PathOp.InsertAfter) {
      throw new SqlError(SQLSTATE.invalid_parameter_value, 'cannot replace existing key', { hint: 'Try using the function jsonb_set to replace key value.' });
    }
    if (op === PathOp.Delete) return { kind: 'object', keys: o.keys.filter((_, j) => j !== i), values: o.values.filter((_, j) => j !== i) };
    const values = o.values.slice();
    values[i] = nv!;
    return { kind: 'object', keys: o.keys, values };
  }
  const values = o.values.slice();
  values[i] = setPathIn(o.values[i]!, path, level + 1, nv, op);
  return { kind: 'object', keys: o.keys, values };
}

function setPathArray(a: JsonArray, path: ArrayValue, level: number, nv: JsonNode | null, op: PathOp): JsonNode {
  const text = pathElement(path, level);
  let idx = pathIndex(text);
  if (idx === undefined) throw new SqlError(SQLSTATE.invalid_text_representation, `path element at position ${level + 1} is not an integer: "${text}"`);
  const n = a.items.length;
  const last = level === path.items.length - 1;
  let prepend = false;
  if (idx < 0) {
    if (-idx > n) prepend = true;
    else idx += n;
  }
  if (idx > n) idx = n;
  const out: JsonNode[] = [];
  let done = false;
  if ((prepend || n === 0) && last && createOrInsert(op)) {
    out.push(nv!);
    done = true;
  }
  for (let i = 0; i < n; i++) {
    const v = a.items[i]!;
    if (!prepend && i === idx) {
      if (last) {
        if (op === PathOp.InsertBefore || op === PathOp.Create) out.push(nv!);
        if (op === PathOp.InsertAfter || op === PathOp.InsertBefore) out.push(v);
        if (op === PathOp.InsertAfter || op === PathOp.Replace) out.push(nv!);
        done = true;
      } else {
        out.push(setPathIn(v, path, level + 1, nv, op));
      }
    } else {
      out.push(v);
    }
  }
  if (createOrInsert(op) && !done && last) out.push(nv!);
  return { kind: 'array', items: out };
}

function setPathIn(v: JsonNode, path: ArrayValue, level: number, nv: JsonNode | null, op: PathOp): JsonNode {
  if (isJsonObject(v)) return setPathObject(v, path, level, nv, op);
  if (isJsonArray(v)) return setPathArray(v, path, level, nv, op);
  return v;
}

/** jsonb_set(target, path, new, create_missing). */
export function jsonbSet(v: JsonNode, path: ArrayValue, nv: JsonNode, create: boolean): JsonNode {
  if (isScalar(v)) throw badValue('cannot set path in scalar');
  if (!create && containerSize(v) === 0) return v;
  if (path.items.length === 0) return v;
  return setPathIn(v, path, 0, nv, create ? PathOp.Create : PathOp.Replace);
}

/** jsonb_insert(target, path, new, insert_after). */
export function jsonbInsert(v: JsonNode, path: ArrayValue, nv: JsonNode, after: boolean): JsonNode {
  if (isScalar(v)) throw badValue('cannot set path in scalar');
  if (path.items.length === 0) return v;
  return setPathIn(v, path, 0, nv, after ? PathOp.InsertAfter : PathOp.InsertBefore);
}

/** `#-`. */
export function jsonbDeletePath(v: JsonNode, path: ArrayValue): JsonNode {
  if (isScalar(v)) throw badValue('cannot delete path in scalar');
  if (containerSize(v) === 0 || path.items.length === 0) return v;
  return setPathIn(v, path, 0, null, PathOp.Delete);
}

function containerSize(v: JsonNode): number {
  return isJsonObject(v) ? v.keys.length : isJsonArray(v) ? v.items.length : 1;
}

/** jsonb_strip_nulls: object members whose value is JSON null, at every depth (array items stay). */
export function stripNulls(v: JsonNode): JsonNode {
  if (isJsonArray(v)) return { kind: 'array', items: v.items.map(stripNulls) };
  if (isJsonObject(v)) {
    const ks: string[] = [];
    const vs: JsonNode[] = [];
    v.keys.forEach((k, i) => {
      const x = v.values[i]!;
      if (x !== JSON_NULL) {
        ks.push(k);
        vs.push(stripNulls(x));
      }
    });
    return { kind: 'object', keys: ks, values: vs };
  }
  return v;
}

/** jsonb_pretty: four spaces per level; an empty container still opens a line. */
export function jsonbPretty(v: JsonNode, indent = ''): string {
  if (isJsonArray(v)) {
    const inner = indent + '    ';
    let out = '[';
    v.items.forEach((x, i) => (out += (i > 0 ? ',' : '') + '\n' + inner + jsonbPretty(x, inner)));
    return out + '\n' + indent + ']';
  }
  if (isJsonObject(v)) {
    const inner = indent + '    ';
    let out = '{';
    v.keys.forEach((k, i) => (out += (i > 0 ? ',' : '') + '\n' + inner + jsonbText(k) + ': ' + jsonbPretty(v.values[i]!, inner)));
    return out + '\n' + indent + '}';
  }
  return jsonbText(v);
}

export function jsonbTypeof(v: JsonNode): string {
  return ['null', 'string', 'number', 'boolean', 'array', 'object'][jsonRank(v)]!;
}
