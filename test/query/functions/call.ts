/*
 * Calls a registered function or operator the way the executor will (strictness, CallContext),
 * with arguments given as PostgreSQL literal text of a few simple types, and prints the result as
 * PostgreSQL would. The argument/result types handled here are decoded by this helper, not by the
 * other families' type files, so the jsonb family's tests stand alone.
 */
import { SqlError } from '../../../src/errors.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { funcsNamed, Pseudo, type CallContext, type FuncDef } from '../../../src/query/functions/registry.js';
import { arrayText, parseArray } from '../../../src/query/types/array.js';
import type { ArrayValue, Datum, JsonNode, RecordValue } from '../../../src/query/types/datum.js';
import { parseJsonb } from '../../../src/query/types/json-parse.js';
import { jsonbText } from '../../../src/query/types/jsonb-core.js';
import { DEFAULT_EVAL } from '../types/eval-defaults.js';
import type { Outcome } from '../types/json-gen.js';

export const T = { bool: 16, int4: 23, text: 25, json: 114, jsonb: 3802, textArr: 1009, int4Arr: 1007, jsonbArr: 3807, record: 2249 } as const;

export function decode(type: number, text: string | null): Datum {
  if (text === null) return null;
  switch (type) {
    case T.bool:
      return text === 't' || text === 'true';
    case T.int4:
      return Number(text);
    case T.jsonb:
      return parseJsonb(text);
    case T.textArr:
      return parseArray(text, T.text, -1, DEFAULT_EVAL);
    case T.int4Arr:
      return { ...parseArray(text, T.text, -1, DEFAULT_EVAL), elemType: T.int4, items: parseArray(text, T.text, -1, DEFAULT_EVAL).items.map((x) => (x === null ? null : Number(x))) };
    case T.jsonbArr:
      return parseArray(text, T.jsonb, -1, DEFAULT_EVAL);
    default:
      return text;
  }
}

export function encode(type: number, d: Datum): string | null {
  if (d === null) return null;
  switch (type) {
    case T.bool:
      return d ? 't' : 'f';
    case T.int4:
      return typeof d === "number" ? String(d) : "?";
    case T.jsonb:
      return jsonbText(d as JsonNode);
    case T.textArr:
    case T.int4Arr:
    case T.jsonbArr:
      return arrayText({ ...(d as ArrayValue), elemType: type === T.jsonbArr ? T.jsonb : T.text, items: (d as ArrayValue).items.map((x) => (x === null || type === T.jsonbArr ? x : String(x as number | string))) }, DEFAULT_EVAL);
    default:
      return d as string;
  }
}

export function findDef(name: string, kind: 'func' | 'op', types: readonly number[]): FuncDef {
  ensureBuiltins();
  const defs = funcsNamed(name, kind);
  const isArr = (t: number): boolean => t === T.textArr || t === T.int4Arr || t === T.jsonbArr;
  const fits = (a: number, t: number): boolean =>
    a === t || ((a === Pseudo.anyarray || a === Pseudo.anycompatiblearray) && isArr(t)) || a === Pseudo.anyelement || a === Pseudo.any || ((a === Pseudo.anycompatible || a === Pseudo.anynonarray) && !isArr(t));
  const def =
    defs.find((d) => d.args.length === types.length && d.args.every((a, i) => a === types[i])) ??
    defs.find((d) => d.args.length === types.length && d.args.every((a, i) => fits(a, types[i]!))) ??
    defs.find((d) => d.optional !== undefined && d.args.length - d.optional <= types.length && types.length <= d.args.length && types.every((t, i) => fits(d.args[i]!, t))) ??
    defs.find((d) => d.optional !== undefined && d.args.length - d.optional <= types.length && types.length <= d.args.length && types.every((t, i) => d.args[i] === t)) ??
    defs.find((d) => d.variadic !== undefined);
  if (def === undefined) throw new Error(`no ${kind} ${name}(${types.join(',')})`);
  return def;
}

export function cx(argTypes: readonly number[], resultType: number): CallContext {
  return { settings: DEFAULT_EVAL, argTypes, resultType, checkInterrupts: () => undefined };
}

/** Evaluates name(args) (texts of the given types); the outcome as PostgreSQL's text or SQLSTATE. */
export function callOutcome(name: string, kind: 'func' | 'op', types: readonly number[], args: readonly (string | null)[], ret: number): Outcome {
  try {
    const def = findDef(name, kind, types);
    const vals = args.map((a, i) => decode(types[i]!, a));
    if (def.strict && vals.some((v) => v === null)) return { text: null };
    return { text: encode(ret, def.call!(vals, cx(types, ret))) };
  } catch (e) {
    if (e instanceof SqlError) return { code: e.sqlstate };
    throw e;
  }
}

/** A set-returning function's rows, each as its columns' texts (JSON of the rows, as pgRows). */
export function srfOutcome(name: string, types: readonly number[], args: readonly (string | null)[], ret: number): Outcome {
  try {
    const def = findDef(name, 'func', types);
    const vals = args.map((a, i) => decode(types[i]!, a));
    if (def.strict && vals.some((v) => v === null)) return { text: '[]' };
    const rows: (string | null)[][] = [];
    for (const v of def.set!(vals, cx(types, ret))) {
      if (def.setColumns) rows.push((v as RecordValue).fields.map((f, i) => encode(def.setColumns![i]!.type, f)));
      else rows.push([encode(ret, v)]);
    }
    return { text: JSON.stringify(rows) };
  } catch (e) {
    if (e instanceof SqlError) return { code: e.sqlstate };
    throw e;
  }
}
