/*
 * values.ts — constants and parameters in a plan: where their text comes from at run time, what
 * type they have, and how that text becomes the canonical output text of the type they are
 * compared or cast to.
 *
 * A plan is built once and run many times, so a value is a reference (ValueRef), resolved per
 * execution against that execution's Args: the Bind parameters and, for a plan shared between
 * texts that differ only in literals (normalize.ts), the literals of the text being run.
 *
 * Typing follows PostgreSQL's rules where they matter here:
 *   - a quoted literal or an undeclared parameter is `unknown` until the context gives it a type
 *     (the column it is compared with): then its text goes through that type's input function,
 *     so `aid = 'abc'` fails with 22P02 like PostgreSQL;
 *   - an integer literal is int4 (int8/numeric when larger), a decimal literal numeric;
 *   - `x::type` applies the type's input function (from unknown or text) or a cast between
 *     numbers, or to text;
 *   - a parameter takes the client's declared type, else the type of its first use; a second use
 *     with another type is 42P08, as in PostgreSQL.
 *
 * Interface:
 *   BuildContext          per-plan state while a statement is analysed
 *   ValueRef / Args       where a value's text comes from at run time
 *   Value                 a typed constant or parameter; valueFromNode() makes one from a node
 *   coerceValue(v, type)  gives an unknown value its type (and infers an undeclared parameter's)
 *   valueText(v, args)    the canonical text at run time (null = NULL)
 *   castText(from, to, t) PostgreSQL's cast for the supported pairs
 */
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { SessionState } from '../pgwire/engine.js';
import type { Store } from '../store/store.js';
import { isTextType } from './compare.js';
import { notSupported, positionOf, undefinedParameter, type At } from './errors.js';
import { floatIn, floatOut, inputText } from './input.js';
import type { Literal } from './normalize.js';
import { stringList, type Node } from './parse.js';
import { Oid, sqlTypeName, typeByName } from '../pg/types.js';
import type { A_Const, ParamRef, TypeCast } from 'libpg-query';
import { settingsSensitive } from './render.js';

export interface BuildContext {
  readonly sql: string;
  readonly store: Store;
  readonly session: SessionState;
  /** Parameter types the client declared (0 = infer). */
  readonly declared: readonly number[];
  /** Parameter types as known so far (index $n - 1; 0 = not yet known). */
  readonly paramTypes: number[];
  /** Byte location → index in `literals`, for literals lifted by normalize(). */
  readonly liftedAt: ReadonlyMap<number, number>;
  readonly literals: readonly Literal[];
  /** Lifted literals the plan reads as value slots. */
  readonly usedLiterals: Set<number>;
  /** Set when the plan depends on a lifted literal's value: it cannot be shared across texts. */
  textSpecific: boolean;
}

export type ValueRef =
  | { readonly k: 'const'; readonly text: string | null }
  | { readonly k: 'param'; readonly i: number }
  | { readonly k: 'lit'; readonly i: number };

export interface Args {
  readonly params: readonly (string | null)[];
  /** The lifted literals of the text being run (for shared plans), else the plan's own. */
  readonly literals: readonly Literal[];
}

export type ValueOrigin = 'int' | 'num' | 'str' | 'bool' | 'null' | 'param';

export interface Value {
  readonly ref: ValueRef;
  readonly origin: ValueOrigin;
  /** For a parameter: its index ($n - 1). */
  readonly param: number;
  /** Casts applied in order (TypeCast chain), each a type OID. */
  readonly casts: readonly number[];
  /** Type before the casts: unknown for a string literal / undeclared parameter / NULL. */
  readonly baseType: number;
  /** Type given by the context to an unknown value (0 = none yet). */
  coerceTo: number;
  readonly location: number;
}

export function at(ctx: BuildContext, location: number | undefined): At {
  return { sql: ctx.sql, location };
}

/** The value's type as the context sees it (unknown until coerced). */
export function valueType(v: Value): number {
  if (v.casts.length > 0) return v.casts[v.casts.length - 1]!;
  if (v.baseType === Oid.unknown && v.coerceTo !== 0) return v.coerceTo;
  return v.baseType;
}

export function isUnknown(v: Value): boolean {
  return valueType(v) === Oid.unknown;
}

/** Gives an unknown value a type; an undeclared parameter is inferred to it (42P08 on conflict). */
export function coerceValue(ctx: BuildContext, v: Value, type: number): void {
  if (!isUnknown(v)) return;
  if (v.origin === 'param') setParamType(ctx, v.param, type, v.location);
  v.coerceTo = type;
}

function setParamType(ctx: BuildContext, i: number, type: number, location: number): void {
  const known = ctx.paramTypes[i] ?? 0;
  if (known === 0) ctx.paramTypes[i] = type;
  else if (known !== type) {
    throw new SqlError(SQLSTATE.ambiguous_parameter, `inconsistent types deduced for parameter $${i + 1}`, {
      detail: `${sqlTypeName(known)} versus ${sqlTypeName(type)}`,
      ...(positionOrNothing(ctx, location)),
    });
  }
}

function positionOrNothing(ctx: BuildContext, location: number): { position?: number } {
  const position = positionOf(ctx.sql, location);
  return position === undefined ? {} : { position };
}

/** Marks a lifted literal at `location` as read for the plan's shape (not as a slot). */
export function readStatically(ctx: BuildContext, location: number | undefined): void {
  if (location !== undefined && ctx.liftedAt.has(location)) ctx.textSpecific = true;
}

function paramRef(ctx: BuildContext, p: ParamRef): Value {
  const n = p.number ?? 0;
  if (n < 1 || n > 65535) throw undefinedParameter(n, at(ctx, p.location));
  const i = n - 1;
  while (ctx.paramTypes.length < n) ctx.paramTypes.push(ctx.declared[ctx.paramTypes.length] ?? 0);
  const declared = ctx.declared[i] ?? 0;
  const type = declared !== 0 ? declared : ctx.paramTypes[i] !== 0 ? ctx.paramTypes[i]! : Oid.unknown;
  return { ref: { k: 'param', i }, origin: 'param', param: i, casts: [], baseType: type, coerceTo: 0, location: p.location ?? -1 };
}

function constRef(ctx: BuildContext, location: number, text: string | null): ValueRef {
  const lit = ctx.liftedAt.get(location);
  if (lit !== undefined && text !== null) {
    ctx.usedLiterals.add(lit);
    return { k: 'lit', i: lit };
  }
  return { k: 'const', text };
}

function aConst(ctx: BuildContext, c: A_Const): Value {
  const location = c.location ?? -1;
  const base = { param: -1, casts: [] as number[], coerceTo: 0, location };
  if (c.isnull) return { ...base, ref: { k: 'const', text: null }, origin: 'null', baseType: Oid.unknown };
  if (c.boolval !== undefined) return { ...base, ref: { k: 'const', text: c.boolval.boolval ? 't' : 'f' }, origin: 'bool', baseType: Oid.bool };
  if (c.sval !== undefined) return { ...base, ref: constRef(ctx, location, c.sval.sval ?? ''), origin: 'str', baseType: Oid.unknown };
  if (c.ival !== undefined) return { ...base, ref: constRef(ctx, location, String(c.ival.ival ?? 0)), origin: 'int', baseType: Oid.int4 };
  if (c.fval !== undefined) {
    const text = c.fval.fval ?? '0';
    // An integer too large for int4 arrives as a Float node with integer text.
    const integer = /^[0-9_]+$|^0[xob]/i.test(text);
    return { ...base, ref: constRef(ctx, location, text), origin: integer ? 'int' : 'num', baseType: integer ? Oid.int8 : Oid.numeric };
  }
  if (c.bsval !== undefined) throw notSupported('bit string constants are not supported by memstore', at(ctx, location));
  return { ...base, ref: { k: 'const', text: null }, origin: 'null', baseType: Oid.unknown };
}

/** The OID of a cast's target type (typmods refused: memstore does not apply them). */
export function castTarget(ctx: BuildContext, tc: TypeCast): number {
  const tn = tc.typeName ?? {};
  const names = stringList(tn.names);
  const oid = typeByName(names);
  if (oid === undefined) {
    throw new SqlError(SQLSTATE.undefined_object, `type "${names.filter((n) => n !== 'pg_catalog').join('.')}" does not exist`, {
      ...(positionOrNothing(ctx, tn.location ?? -1)),
    });
  }
  if ((tn.typmods?.length ?? 0) > 0 || (tn.arrayBounds?.length ?? 0) > 0) {
    throw notSupported('type modifiers and array types in casts are not supported by memstore', at(ctx, tn.location));
  }
  return oid;
}

/**
 * A constant, parameter or cast of one, or null when the node is something else (a column, a
 * function call, an operator).
 */
export function valueFromNode(ctx: BuildContext, node: Node | undefined): Value | null {
  if (node === undefined) return null;
  if ('A_Const' in node) return aConst(ctx, node.A_Const);
  if ('ParamRef' in node) return paramRef(ctx, node.ParamRef);
  if ('TypeCast' in node) {
    const tc = node.TypeCast;
    const inner = valueFromNode(ctx, tc.arg);
    if (inner === null) return null;
    const to = castTarget(ctx, tc);
    const from = valueType(inner);
    if (inner.origin === 'param' && from === Oid.unknown && inner.casts.length === 0) {
      // PostgreSQL infers `$1::int4` as an int4 parameter.
      setParamType(ctx, inner.param, to, inner.location);
      return { ...inner, baseType: to };
    }
    checkCast(ctx, from, to, tc.location ?? -1);
    const literal = inner.ref.k === 'const' ? inner.ref.text : inner.ref.k === 'lit' ? ctx.literals[inner.ref.i]?.text : undefined;
    if (from === Oid.unknown && literal !== undefined && literal !== null && DATETIME_TYPES.has(to) && !ISO_LED.test(literal)) {
      // '01/02/2024' reads by DateStyle: the executor reads it under the session's settings.
      throw notSupported(`a ${sqlTypeName(to)} literal that is not in ISO form`, at(ctx, tc.location));
    }
    return { ...inner, casts: [...inner.casts, to] };
  }
  return null;
}

const DATETIME_TYPES = new Set<number>([Oid.date, Oid.timestamp, Oid.timestamptz]);
const ISO_LED = /^\s*(\d{4,}-\d\d-\d\d|[+-]?infinity\s*$)/i;

const NUMBER_TYPES = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8, Oid.oid]);

function checkCast(ctx: BuildContext, from: number, to: number, location: number): void {
  // Such text follows session settings this path does not print under: the executor's job.
  if (isTextType(to) && from !== to && settingsSensitive([from])) throw notSupported(`a cast of ${sqlTypeName(from)} to text`, at(ctx, location));
  if (from === to || from === Oid.unknown || isTextType(from) || isTextType(to)) return;
  if (NUMBER_TYPES.has(from) && NUMBER_TYPES.has(to)) return;
  if ((from === Oid.date && (to === Oid.timestamp || to === Oid.timestamptz)) || (from === Oid.timestamp && to === Oid.timestamptz)) {
    throw notSupported(`memstore does not cast ${sqlTypeName(from)} to ${sqlTypeName(to)}`, at(ctx, location));
  }
  throw new SqlError(SQLSTATE.cannot_coerce, `cannot cast type ${sqlTypeName(from)} to ${sqlTypeName(to)}`, {
    ...(positionOrNothing(ctx, location)),
  });
}

/** The raw text a reference stands for in this execution. */
export function refText(ref: ValueRef, args: Args): string | null {
  switch (ref.k) {
    case 'const':
      return ref.text;
    case 'param':
      return args.params[ref.i] ?? null;
    case 'lit':
      return args.literals[ref.i]?.text ?? null;
  }
}

/** The value's canonical text (the output text of valueType(v)); null for NULL. */
export function valueText(v: Value, args: Args, timeZone: string): string | null {
  let t = refText(v.ref, args);
  if (t === null) return null;
  let type = v.baseType;
  if (v.origin === 'int' || v.origin === 'num') t = inputText(Oid.numeric, t);
  else if (v.origin === 'param' && type !== Oid.unknown) t = inputText(type, t, timeZone);
  for (const to of v.casts) {
    t = castText(type, to, t, timeZone);
    type = to;
  }
  if (type === Oid.unknown && v.coerceTo !== 0 && v.coerceTo !== Oid.unknown) t = inputText(v.coerceTo, t, timeZone);
  return t;
}

/** PostgreSQL's cast from `from` to `to` of a canonical text, for the pairs checkCast allows. */
export function castText(from: number, to: number, t: string, timeZone: string): string {
  if (from === to) return t;
  if (from === Oid.unknown || (isTextType(from) && !isTextType(to))) return inputText(to, t, timeZone);
  if (isTextType(to)) {
    if (from === Oid.bool) return t === 't' ? 'true' : 'false';
    if (from === Oid.bpchar && to !== Oid.bpchar) return t.replace(/ +$/, '');
    return inputText(to, t, timeZone);
  }
  // Between numbers.
  if (to === Oid.float4 || to === Oid.float8) {
    const v = from === Oid.float4 || from === Oid.float8 ? floatIn(t, from) : Number(t);
    return floatOut(to === Oid.float4 ? Math.fround(v) : v, to === Oid.float4);
  }
  if (to === Oid.numeric) {
    if (from === Oid.float4 || from === Oid.float8) return inputText(Oid.numeric, t);
    return t;
  }
  // To an integer type: numeric rounds half away from zero, float rounds half to even.
  let rounded: string;
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') {
    // numeric_int4 & co. say 0A000 with "NaN"/"infinity"; float8 → integer is plain out of range.
    if (from === Oid.numeric) throw new SqlError(SQLSTATE.feature_not_supported, `cannot convert ${t === 'NaN' ? 'NaN' : 'infinity'} to ${sqlTypeName(to)}`);
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, `${sqlTypeName(to) === 'smallint' ? 'smallint' : sqlTypeName(to) === 'bigint' ? 'bigint' : 'integer'} out of range`);
  }
  if (from === Oid.float4 || from === Oid.float8) {
    const v = Number(t);
    const r = Math.round(v);
    rounded = String(Math.abs(v % 1) === 0.5 ? (r % 2 === 0 ? r : r - 1) : r);
    if (!Number.isSafeInteger(Number(rounded))) rounded = BigInt(Math.trunc(v)).toString();
  } else {
    rounded = roundNumeric(t);
  }
  try {
    return inputText(to, rounded, timeZone);
  } catch {
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, `${sqlTypeName(to)} out of range`);
  }
}

function roundNumeric(t: string): string {
  const neg = t.startsWith('-');
  const abs = neg ? t.slice(1) : t;
  const dot = abs.indexOf('.');
  if (dot < 0) return t;
  let whole = BigInt(abs.slice(0, dot));
  if ((abs.charCodeAt(dot + 1) || 0x30) >= 0x35) whole += 1n;
  if (whole === 0n) return '0';
  return (neg ? '-' : '') + whole.toString();
}

