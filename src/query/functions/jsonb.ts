/*
 * jsonb.ts — registers the json and jsonb operators, functions and casts (pg_operator / pg_proc /
 * pg_cast entries of jsonb_op.c, jsonfuncs.c, json.c, jsonb.c). What they compute is in
 * jsonb-ops.ts (paths, containment, edits) and jsonb-build.ts (values to json).
 *
 * json (text) operators parse the document per call, with a one-entry cache for several operators
 * on one row's value (XXX: a long json value is still parsed once per row and operator group).
 * Left out (0A000): jsonpath (jsonb_path_*, @?, @@), row_to_json (records carry no field names
 * here), json(b)_populate_record* / _to_record*, jsonb_set_lax, json_strip_nulls.
 */
import { SqlError } from '../../errors.js';
import { notSupported } from '../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type ArrayValue, type Datum, type JsonNode, type NumericValue } from '../types/datum.js';
import { parseJsonSpans, spanToJsonb, type JsonSpan } from '../types/json-parse.js';
import { compareJsonb, isJsonArray, isJsonObject, jsonbText, jsonRank } from '../types/jsonb-core.js';
import { registerCast } from '../types/registry.js';
import { notBuiltYet, registerFunc, Pseudo, type CallContext, type FuncDef } from './registry.js';
import * as ops from './jsonb-ops.js';
import { jsonBuildArray, jsonBuildObject, jsonbBuildArray, jsonbBuildObject, toJson, toJsonb } from './jsonb-build.js';

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const INT8 = 20;
const TEXT = 25;
const JSON = 114;
const FLOAT4 = 700;
const FLOAT8 = 701;
const NUMERIC = 1700;
const TEXT_ARRAY = 1009;
const JSONB = 3802;
const RECORD = 2249;

type Call = (args: readonly Datum[], cx: CallContext) => Datum;

function op(name: string, args: number[], returns: number, call: Call, extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind: 'op', args, returns, strict: true, volatility: 'i', call, ...extra });
}

function fn(name: string, args: number[], returns: number | ((t: readonly number[]) => number), call: Call, extra: Partial<FuncDef> = {}): void {
  registerFunc({ name, kind: 'func', args, returns, strict: true, volatility: 'i', call, ...extra });
}

function srf(name: string, args: number[], returns: number, set: (args: readonly Datum[], cx: CallContext) => Iterable<Datum>, columns?: FuncDef['setColumns'] | string): void {
  const extra = typeof columns === 'string' ? { setColumnName: columns } : columns ? { setColumns: columns } : {};
  // The json(b)_each / _array_elements family names its one input from_json (pg_proc.proargnames).
  const named = /^jsonb?_(each|array_elements)(_text)?$/.test(name) ? { argNames: ['from_json'] } : {};
  registerFunc({ name, kind: 'func', args, returns, strict: true, volatility: 'i', set, ...extra, ...named });
}

const J = (d: Datum): JsonNode => d as JsonNode;
const A = (d: Datum): ArrayValue => d as ArrayValue;

/** The path of a variadic text[] argument, packed or passed one by one. */
function variadicPath(args: readonly Datum[]): ArrayValue {
  if (args.length === 2 && typeof args[1] === 'object' && args[1] !== null && 'dims' in args[1]) return args[1];
  const items = args.slice(1);
  return { elemType: TEXT, dims: items.length ? [items.length] : [], lbounds: items.length ? [1] : [], items };
}

const KIND_NAMES = ['null', 'string', 'numeric', 'boolean', 'array', 'object'];

function castFrom(v: JsonNode, want: number, target: string): JsonNode {
  const rank = jsonRank(v);
  if (rank !== want) throw new SqlError(SQLSTATE.invalid_parameter_value, `cannot cast jsonb ${KIND_NAMES[rank]} to type ${target}`);
  return v;
}

function toInteger(n: NumericValue, min: bigint, max: bigint, what: string): bigint {
  if (!n.d.isFinite()) throw new SqlError(SQLSTATE.feature_not_supported, `cannot convert ${n.d.isNaN() ? 'NaN' : 'infinity'} to ${what}`);
  const r = BigInt(n.d.toDecimalPlaces(0, PgDecimal.ROUND_HALF_UP).toFixed(0));
  if (r < min || r > max) throw new SqlError(SQLSTATE.numeric_value_out_of_range, `${what} out of range`);
  return r;
}

function registerCasts(): void {
  registerCast({ source: JSON, target: JSONB, context: 'a', convert: (d) => jsonFromText(d as string) });
  registerCast({ source: JSONB, target: JSON, context: 'a', convert: (d) => jsonbText(J(d)) });
  registerCast({ source: JSONB, target: BOOL, context: 'e', convert: (d) => castFrom(J(d), 3, 'boolean') });
  registerCast({ source: JSONB, target: NUMERIC, context: 'e', convert: (d) => castFrom(J(d), 2, 'numeric') });
  const num = (d: Datum, target: string): NumericValue => castFrom(J(d), 2, target) as NumericValue;
  registerCast({ source: JSONB, target: INT2, context: 'e', convert: (d) => Number(toInteger(num(d, 'smallint'), -32768n, 32767n, 'smallint')) });
  registerCast({ source: JSONB, target: INT4, context: 'e', convert: (d) => Number(toInteger(num(d, 'integer'), -2147483648n, 2147483647n, 'integer')) });
  registerCast({ source: JSONB, target: INT8, context: 'e', convert: (d) => toInteger(num(d, 'bigint'), -(2n ** 63n), 2n ** 63n - 1n, 'bigint') });
  // XXX float4: through the double (PostgreSQL's strtof rounds once).
  registerCast({ source: JSONB, target: FLOAT4, context: 'e', convert: (d) => Math.fround(Number(num(d, 'real').d.toString())) });
  registerCast({ source: JSONB, target: FLOAT8, context: 'e', convert: (d) => Number(num(d, 'double precision').d.toString()) });
}

function jsonFromText(text: string): JsonNode {
  return spanToJsonb(text, parseJsonSpans(text));
}

/** json operators: navigate the parsed spans, answer with the original text slices. */
function jsonField(text: string, s: JsonSpan, key: string): JsonSpan | null {
  if (s.type !== 'object') return null;
  for (let i = s.keys!.length - 1; i >= 0; i--) if (s.keys![i] === key) return s.items![i]!;
  return null;
}

function jsonElement(s: JsonSpan, idx: number): JsonSpan | null {
  if (s.type !== 'array') return null;
  const i = idx < 0 ? s.items!.length + idx : idx;
  return i >= 0 && i < s.items!.length ? s.items![i]! : null;
}

/**
 * json #> (get_path_all): a negative index at depth L is made positive with the element count of
 * the first array at depth L *anywhere in the document* (in text order) that has enough elements,
 * not of the array on the path: PostgreSQL's quirk, reproduced.
 */
function jsonPath(text: string, s: JsonSpan, path: ArrayValue): JsonSpan | null {
  const steps = path.items.map((p) => (p === null ? null : (p as string)));
  const idx = steps.map((p) => (p === null ? undefined : ops.pathIndex(p)));
  if (idx.some((i) => i !== undefined && i < 0)) {
    const visit = (n: JsonSpan, depth: number): void => {
      if (depth >= steps.length) return;
      if (n.type === 'array') {
        const i = idx[depth];
        if (i !== undefined && i < 0 && -i <= n.items!.length) idx[depth] = i + n.items!.length;
      }
      if (n.items) for (const c of n.items) visit(c, depth + 1);
    };
    visit(s, 0);
  }
  let cur: JsonSpan | null = s;
  for (let k = 0; k < steps.length; k++) {
    const p = steps[k];
    if (p === null || p === undefined || cur === null) return null;
    if (cur.type === 'object') cur = jsonField(text, cur, p);
    else if (cur.type === 'array') {
      const i = idx[k];
      cur = i === undefined || i < 0 || i >= cur.items!.length ? null : cur.items![i]!;
    } else return null;
  }
  return cur;
}

const spanJson = (text: string, s: JsonSpan | null): string | null => (s === null ? null : text.slice(s.start, s.end));
const spanText = (text: string, s: JsonSpan | null): string | null => (s === null || s.type === 'null' ? null : s.type === 'string' ? s.str! : text.slice(s.start, s.end));

function registerJsonOps(): void {
  // One-entry cache: several operators on the same json value of a row parse it once.
  let lastText: string | null = null;
  let lastSpan: JsonSpan | null = null;
  const P = (d: Datum): [string, JsonSpan] => {
    const t = d as string;
    if (t !== lastText || lastSpan === null) {
      lastSpan = parseJsonSpans(t);
      lastText = t;
    }
    return [t, lastSpan];
  };
  op('->', [JSON, TEXT], JSON, ([j, k]) => {
    const [t, s] = P(j!);
    return spanJson(t, jsonField(t, s, k as string));
  });
  op('->', [JSON, INT4], JSON, ([j, i]) => {
    const [t, s] = P(j!);
    return spanJson(t, jsonElement(s, i as number));
  });
  op('->>', [JSON, TEXT], TEXT, ([j, k]) => {
    const [t, s] = P(j!);
    return spanText(t, jsonField(t, s, k as string));
  });
  op('->>', [JSON, INT4], TEXT, ([j, i]) => {
    const [t, s] = P(j!);
    return spanText(t, jsonElement(s, i as number));
  });
  op('#>', [JSON, TEXT_ARRAY], JSON, ([j, p]) => {
    const [t, s] = P(j!);
    return spanJson(t, jsonPath(t, s, A(p!)));
  });
  op('#>>', [JSON, TEXT_ARRAY], TEXT, ([j, p]) => {
    const [t, s] = P(j!);
    return spanText(t, jsonPath(t, s, A(p!)));
  });
  fn('json_extract_path', [JSON, TEXT_ARRAY], JSON, (args) => {
    const [t, s] = P(args[0]!);
    return spanJson(t, jsonPath(t, s, variadicPath(args)));
  }, { variadic: TEXT });
  fn('json_extract_path_text', [JSON, TEXT_ARRAY], TEXT, (args) => {
    const [t, s] = P(args[0]!);
    return spanText(t, jsonPath(t, s, variadicPath(args)));
  }, { variadic: TEXT });
  fn('json_typeof', [JSON], TEXT, ([j]) => ops.jsonbTypeof(jsonFromText(j as string)));
  fn('json_array_length', [JSON], INT4, ([j]) => {
    const s = parseJsonSpans(j as string);
    if (s.type === 'array') return s.items!.length;
    throw new SqlError(SQLSTATE.invalid_parameter_value, s.type === 'object' ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
  });
  const bad = (m: string): SqlError => new SqlError(SQLSTATE.invalid_parameter_value, m);
  srf('json_array_elements', [JSON], JSON, ([j]) => jsonElements(j as string, false, bad), 'value');
  srf('json_array_elements_text', [JSON], TEXT, ([j]) => jsonElements(j as string, true, bad), 'value');
  srf('json_each', [JSON], RECORD, ([j]) => jsonEach(j as string, false, bad), [
    { name: 'key', type: TEXT },
    { name: 'value', type: JSON },
  ]);
  srf('json_each_text', [JSON], RECORD, ([j]) => jsonEach(j as string, true, bad), [
    { name: 'key', type: TEXT },
    { name: 'value', type: TEXT },
  ]);
  srf('json_object_keys', [JSON], TEXT, ([j]) => {
    const s = parseJsonSpans(j as string);
    if (s.type !== 'object') throw bad(`cannot call json_object_keys on ${s.type === 'array' ? 'an array' : 'a scalar'}`);
    return s.keys!;
  });
  fn('to_json', [Pseudo.anyelement], JSON, ([d], cx) => toJson(d!, cx.argTypes[0]!, cx.settings), { volatility: 's' });
  fn('json_build_object', [Pseudo.any], JSON, (args, cx) => jsonBuildObject(args, cx.argTypes, cx.settings), { variadic: Pseudo.any, strict: false, volatility: 's' });
  fn('json_build_object', [], JSON, () => '{}', { volatility: 's' });
  fn('json_build_array', [Pseudo.any], JSON, (args, cx) => jsonBuildArray(args, cx.argTypes, cx.settings), { variadic: Pseudo.any, strict: false, volatility: 's' });
  fn('json_build_array', [], JSON, () => '[]', { volatility: 's' });
}

function* jsonElements(text: string, asText: boolean, bad: (m: string) => SqlError): Iterable<Datum> {
  const s = parseJsonSpans(text);
  if (s.type !== 'array') throw bad(`cannot call ${asText ? 'json_array_elements_text' : 'json_array_elements'} on ${s.type === 'object' ? 'a non-array' : 'a scalar'}`);
  for (const x of s.items!) yield asText ? spanText(text, x) : spanJson(text, x);
}

function* jsonEach(text: string, asText: boolean, bad: (m: string) => SqlError): Iterable<Datum> {
  const s = parseJsonSpans(text);
  if (s.type !== 'object') throw bad(s.type === 'array' ? 'cannot deconstruct an array as an object' : 'cannot deconstruct a scalar');
  for (let i = 0; i < s.keys!.length; i++) {
    const x = s.items![i]!;
    yield { types: [TEXT, asText ? TEXT : JSON], fields: [s.keys![i]!, asText ? spanText(text, x) : spanJson(text, x)] };
  }
}

function* elements(v: JsonNode, fnName: string, asText: boolean): Iterable<Datum> {
  if (!isJsonArray(v)) throw new SqlError(SQLSTATE.invalid_parameter_value, isJsonObject(v) ? 'cannot extract elements from an object' : 'cannot extract elements from a scalar');
  void fnName;
  for (const x of v.items) yield asText ? ops.asText(x) : x;
}

function* each(v: JsonNode, fnName: string, asText: boolean): Iterable<Datum> {
  if (!isJsonObject(v)) throw new SqlError(SQLSTATE.invalid_parameter_value, `cannot call ${fnName} on a non-object`);
  for (let i = 0; i < v.keys.length; i++) {
    const x = v.values[i]!;
    yield { types: [TEXT, asText ? TEXT : JSONB], fields: [v.keys[i]!, asText ? ops.asText(x) : x] };
  }
}

function* objectKeys(v: JsonNode): Iterable<Datum> {
  if (!isJsonObject(v)) throw new SqlError(SQLSTATE.invalid_parameter_value, `cannot call jsonb_object_keys on ${isJsonArray(v) ? 'an array' : 'a scalar'}`);
  yield* v.keys;
}

function registerJsonbOps(): void {
  op('->', [JSONB, TEXT], JSONB, ([j, k]) => ops.objectField(J(j!), k as string));
  op('->', [JSONB, INT4], JSONB, ([j, i]) => ops.arrayElement(J(j!), i as number));
  op('->>', [JSONB, TEXT], TEXT, ([j, k]) => ops.asText(ops.objectField(J(j!), k as string)));
  op('->>', [JSONB, INT4], TEXT, ([j, i]) => ops.asText(ops.arrayElement(J(j!), i as number)));
  const whole = (v: JsonNode, p: ArrayValue): JsonNode | null => (p.items.length === 0 ? v : ops.getPath(v, p));
  op('#>', [JSONB, TEXT_ARRAY], JSONB, ([j, p]) => whole(J(j!), A(p!)));
  op('#>>', [JSONB, TEXT_ARRAY], TEXT, ([j, p]) => ops.asText(whole(J(j!), A(p!))));
  fn('jsonb_extract_path', [JSONB, TEXT_ARRAY], JSONB, (args) => whole(J(args[0]!), variadicPath(args)), { variadic: TEXT });
  fn('jsonb_extract_path_text', [JSONB, TEXT_ARRAY], TEXT, (args) => ops.asText(whole(J(args[0]!), variadicPath(args))), { variadic: TEXT });
  op('@>', [JSONB, JSONB], BOOL, ([a, b]) => ops.jsonbContains(J(a!), J(b!)), { commutator: '<@' });
  op('<@', [JSONB, JSONB], BOOL, ([a, b]) => ops.jsonbContains(J(b!), J(a!)), { commutator: '@>' });
  op('?', [JSONB, TEXT], BOOL, ([a, k]) => ops.jsonbExists(J(a!), k as string));
  op('?|', [JSONB, TEXT_ARRAY], BOOL, ([a, k]) => ops.jsonbExistsAny(J(a!), A(k!)));
  op('?&', [JSONB, TEXT_ARRAY], BOOL, ([a, k]) => ops.jsonbExistsAll(J(a!), A(k!)));
  op('||', [JSONB, JSONB], JSONB, ([a, b]) => ops.jsonbConcat(J(a!), J(b!)));
  op('-', [JSONB, TEXT], JSONB, ([a, k]) => ops.jsonbDeleteKey(J(a!), k as string));
  op('-', [JSONB, INT4], JSONB, ([a, i]) => ops.jsonbDeleteIndex(J(a!), i as number));
  op('-', [JSONB, TEXT_ARRAY], JSONB, ([a, k]) => ops.jsonbDeleteKeys(J(a!), A(k!)));
  op('#-', [JSONB, TEXT_ARRAY], JSONB, ([a, p]) => ops.jsonbDeletePath(J(a!), A(p!)));
  const cmp = (a: Datum, b: Datum): number => compareJsonb(J(a), J(b));
  // PostgreSQL orders jsonb strings by the database's default collation: memstore only by bytes,
  // so under another default (cx.textOrder set: exec/eval.ts) ordering jsonb is refused.
  const ordered = (a: Datum, b: Datum, cx: { readonly textOrder?: unknown }): number => {
    if (cx.textOrder !== undefined) throw notSupported('ordering jsonb when the database default collation is not C');
    return cmp(a, b);
  };
  const byDefault = { collated: true } as const;
  op('=', [JSONB, JSONB], BOOL, ([a, b]) => cmp(a!, b!) === 0, { commutator: '=', negator: '<>' });
  op('<>', [JSONB, JSONB], BOOL, ([a, b]) => cmp(a!, b!) !== 0, { commutator: '<>', negator: '=' });
  op('<', [JSONB, JSONB], BOOL, ([a, b], cx) => ordered(a!, b!, cx) < 0, { commutator: '>', negator: '>=', ...byDefault });
  op('>', [JSONB, JSONB], BOOL, ([a, b], cx) => ordered(a!, b!, cx) > 0, { commutator: '<', negator: '<=', ...byDefault });
  op('<=', [JSONB, JSONB], BOOL, ([a, b], cx) => ordered(a!, b!, cx) <= 0, { commutator: '>=', negator: '>', ...byDefault });
  op('>=', [JSONB, JSONB], BOOL, ([a, b], cx) => ordered(a!, b!, cx) >= 0, { commutator: '<=', negator: '<', ...byDefault });
  fn('jsonb_cmp', [JSONB, JSONB], INT4, ([a, b], cx) => Math.sign(ordered(a!, b!, cx)), byDefault);

  fn('jsonb_typeof', [JSONB], TEXT, ([j]) => ops.jsonbTypeof(J(j!)));
  fn('jsonb_array_length', [JSONB], INT4, ([j]) => {
    const v = J(j!);
    if (isJsonArray(v)) return v.items.length;
    throw new SqlError(SQLSTATE.invalid_parameter_value, isJsonObject(v) ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
  });
  fn('jsonb_strip_nulls', [JSONB], JSONB, ([j]) => ops.stripNulls(J(j!)));
  fn('jsonb_pretty', [JSONB], TEXT, ([j]) => ops.jsonbPretty(J(j!)));
  fn('jsonb_set', [JSONB, TEXT_ARRAY, JSONB, BOOL], JSONB, ([j, p, v, c]) => ops.jsonbSet(J(j!), A(p!), J(v!), c === undefined ? true : (c as boolean)), { optional: 1, argNames: ['jsonb_in', 'path', 'replacement', 'create_if_missing'], argDefaults: [true] });
  fn('jsonb_insert', [JSONB, TEXT_ARRAY, JSONB, BOOL], JSONB, ([j, p, v, a]) => ops.jsonbInsert(J(j!), A(p!), J(v!), a === undefined ? false : (a as boolean)), { optional: 1, argNames: ['jsonb_in', 'path', 'replacement', 'insert_after'], argDefaults: [false] });
  srf('jsonb_array_elements', [JSONB], JSONB, ([j]) => elements(J(j!), 'jsonb_array_elements', false), 'value');
  srf('jsonb_array_elements_text', [JSONB], TEXT, ([j]) => elements(J(j!), 'jsonb_array_elements_text', true), 'value');
  srf('jsonb_object_keys', [JSONB], TEXT, ([j]) => objectKeys(J(j!)));
  srf('jsonb_each', [JSONB], RECORD, ([j]) => each(J(j!), 'jsonb_each', false), [
    { name: 'key', type: TEXT },
    { name: 'value', type: JSONB },
  ]);
  srf('jsonb_each_text', [JSONB], RECORD, ([j]) => each(J(j!), 'jsonb_each_text', true), [
    { name: 'key', type: TEXT },
    { name: 'value', type: TEXT },
  ]);

  fn('to_jsonb', [Pseudo.anyelement], JSONB, ([d], cx) => toJsonb(d!, cx.argTypes[0]!, cx.settings), { volatility: 's' });
  fn('jsonb_build_object', [Pseudo.any], JSONB, (args, cx) => jsonbBuildObject(args, cx.argTypes, cx.settings), { variadic: Pseudo.any, strict: false, volatility: 's' });
  fn('jsonb_build_object', [], JSONB, () => ({ kind: 'object', keys: [], values: [] }), { volatility: 's' });
  fn('jsonb_build_array', [Pseudo.any], JSONB, (args, cx) => jsonbBuildArray(args, cx.argTypes, cx.settings), { variadic: Pseudo.any, strict: false, volatility: 's' });
  fn('jsonb_build_array', [], JSONB, () => ({ kind: 'array', items: [] }), { volatility: 's' });

  // Standard functions not built yet: 0A000 naming them (set-returning ones as SRFs, so that FROM
  // reaches the same error).
  for (const name of ['jsonb_path_exists', 'jsonb_path_query_array', 'jsonb_path_query_first', 'jsonb_path_match', 'row_to_json', 'jsonb_populate_record', 'json_populate_record', 'jsonb_set_lax', 'json_object', 'jsonb_object', 'json_strip_nulls']) {
    fn(name, [Pseudo.any], JSONB, () => {
      throw notBuiltYet(name);
    }, { variadic: Pseudo.any, strict: false });
  }
  for (const name of ['jsonb_path_query', 'jsonb_to_record', 'jsonb_to_recordset', 'json_to_record', 'json_to_recordset', 'jsonb_populate_recordset', 'json_populate_recordset']) {
    registerFunc({
      name,
      kind: 'func',
      args: [Pseudo.any],
      variadic: Pseudo.any,
      returns: RECORD,
      strict: false,
      volatility: 'i',
      set: () => {
        throw notBuiltYet(name);
      },
    });
  }
}

export function registerJsonbFunctions(): void {
  registerCasts();
  registerJsonOps();
  registerJsonbOps();
}

