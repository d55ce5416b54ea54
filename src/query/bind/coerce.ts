/*
 * coerce.ts — PostgreSQL's parse_coerce.c: can a type be coerced to another in a context
 * (implicit / assignment / explicit), the coercion itself (unknown literals through the target's
 * input function, $n of unknown type take the target's type, casts from the pg_cast table with
 * typmods), and select_common_type for CASE / COALESCE / UNION / VALUES / ARRAY / IN.
 *
 * Invariants: an unknown literal is converted at bind time (errors carry its position, as in
 * PostgreSQL) unless the target's input depends on session settings (date/time types), in which
 * case a run-time input cast is left for the executor. Nothing here returns an `unknown` type
 * except coerceTo(…, unknown).
 */
import { readsCatalog } from '../types/catalog-types.js';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { findCast, typeInfo, type CastContext, type CastDef } from '../types/registry.js';
import { Pseudo } from '../functions/registry.js';
import type { Expr } from './bound.js';
import type { ArrayValue } from '../types/datum.js';
import { BIND_SETTINGS, constOf, elemOf, formatType, typeCategory, isPreferred, typeSqlName } from './exprutil.js';
import { err, type StmtState } from './state.js';

const RANK: Record<CastContext, number> = { i: 0, a: 1, e: 2 };

/** Is there a cast from source to target usable in `ctx` (unknown coerces to anything)? */
export function canCoerce(source: number, target: number, ctx: CastContext = 'i'): boolean {
  if (source === target || source === Oid.unknown) return true;
  if (target === Pseudo.any) return true;
  if (target === Pseudo.record && typeCategory(source) === 'C') return true;
  const c = castFor(source, target, ctx);
  return c !== undefined && RANK[c.context] <= RANK[ctx];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/;

/**
 * Types whose text input reads session settings (DateStyle, TimeZone, IntervalStyle): their
 * literals are converted at run time, except ISO dates and zone-less ISO timestamps, which read
 * the same under every setting (constants for key ranges and folding).
 */
function settingsDependent(t: number, text: string): boolean {
  // A regclass / regtype name reads the catalog and the search_path of the execution.
  if (readsCatalog(t, text)) return true;
  if (t === Oid.date) return !ISO_DATE.test(text);
  if (t === Oid.interval) return !/^\s*[+-]?\d+(\.\d+)?( [a-z]+)?\s*$/.test(text);
  if (t === Oid.timestamp) return !ISO_TIMESTAMP.test(text);
  const c = typeCategory(t);
  return c === 'D' || c === 'T';
}

/**
 * The typmod a literal's input function sees: -1 except for interval, whose field qualifiers
 * change how the text reads (`interval '90' day`); length limits are applied afterwards with the
 * cast's explicit/implicit semantics (coerce_type in parse_coerce.c).
 */
function inputTypmod(target: number, typmod: number): number {
  void target;
  void typmod;
  return -1;
}

/** Interval range bits (INTERVAL_MASK of datetime.h), lowest field first. */
const INTERVAL_UNITS: readonly (readonly [number, string])[] = [[4096, 'second'], [2048, 'minute'], [1024, 'hour'], [8, 'day'], [2, 'month'], [4, 'year']];

/**
 * `interval '90' day`: a bare number counts units of the range's lowest field (DecodeInterval with
 * a range). The text is rewritten to `90 day` so that the type's input reads it without the typmod.
 * Fields outside the range are truncated afterwards by the type's applyTypmod.
 */
function intervalText(text: string, typmod: number): string {
  if (typmod < 0 || !/^\s*[+-]?\d+(\.\d+)?\s*$/.test(text)) return text;
  const range = (typmod >> 16) & 0x7fff;
  for (const [bit, unit] of INTERVAL_UNITS) if ((range & bit) !== 0) return `${text.trim()} ${unit}`;
  return text;
}

function inputCast(target: number, typmod: number): CastDef {
  const info = typeInfo(target);
  const tm = inputTypmod(target, typmod);
  if (target === Oid.interval) return { source: Oid.unknown, target, context: 'i', convert: (d, s) => info.input(intervalText(d as string, typmod), tm, s) };
  return { source: Oid.unknown, target, context: 'i', convert: (d, s) => info.input(d as string, tm, s) };
}

/** array → array when the elements have a cast usable in ctx (PostgreSQL's array coercion). */
function arrayCast(source: number, target: number, ctx: CastContext): CastDef | undefined {
  const se = elemOf(source);
  const te = elemOf(target);
  if (se === 0 || te === 0) return undefined;
  const ec = findCast(se, te);
  if (ec === undefined || RANK[ec.context] > RANK[ctx]) return undefined;
  return {
    source, target, context: ec.context,
    convert: (d, s) => {
      const a = d as ArrayValue;
      return { ...a, elemType: te, items: a.items.map((x) => (x === null ? null : ec.convert(x, s))) };
    },
  };
}

function castFor(source: number, target: number, ctx: CastContext): CastDef | undefined {
  const c = findCast(source, target);
  if (c !== undefined && RANK[c.context] <= RANK[ctx]) return c;
  return arrayCast(source, target, ctx) ?? c;
}

/**
 * Coerces e to (target, typmod) in ctx. Throws 42846 (explicit) / 42804 when no cast exists.
 * `location` is the parse location of e for error positions.
 */
export function coerceTo(st: StmtState, e: Expr, target: number, typmod: number, ctx: CastContext, location: number, explicit = ctx === 'e'): Expr {
  if (target === Pseudo.any || target === Pseudo.anyelement || target === Pseudo.anynonarray) {
    return e.type === Oid.unknown ? coerceTo(st, e, Oid.text, -1, ctx, location, explicit) : e;
  }
  if (e.type === target && typmod === e.typmod) return e;
  // `x::numeric` of a numeric(10,2) column: same value, the typmod is dropped (a relabel in PostgreSQL).
  if (e.type === target && typmod < 0) return explicit ? { kind: 'cast', type: target, typmod: -1, arg: e, cast: findCast(target, target)!, explicit } : e;
  if (e.type === Oid.unknown) {
    if (e.kind === 'param') {
      const prev = st.params[e.index - 1] ?? 0;
      if (prev !== 0 && prev !== Oid.unknown && prev !== target) {
        throw err(st, SQLSTATE.ambiguous_parameter, `inconsistent types deduced for parameter $${e.index}`, location, { detail: `${typeSqlName(prev)} versus ${typeSqlName(target)}` });
      }
      st.params[e.index - 1] = target;
      const p: Expr = { ...e, type: target, typmod: -1 };
      return typmod >= 0 ? { kind: 'cast', type: target, typmod, arg: p, cast: findCast(target, target)!, explicit } : p;
    }
    if (e.kind === 'const') {
      if (e.value === null) return constOf(target, null, typmod);
      if (!settingsDependent(target, e.value as string)) {
        try {
          const text = target === Oid.interval ? intervalText(e.value as string, typmod) : (e.value as string);
          let v = typeInfo(target).input(text, inputTypmod(target, typmod), BIND_SETTINGS);
          const info = typeInfo(target);
          if (typmod >= 0 && info.applyTypmod !== undefined && v !== null) v = info.applyTypmod(v, typmod, explicit);
          const c = constOf(target, v, typmod);
          return e.slot === undefined ? c : { ...c, slot: e.slot };
        } catch (x) {
          if (x instanceof SqlError && x.position === undefined && location >= 0) throw err(st, x.sqlstate, x.message, location, { detail: x.detail, hint: x.hint });
          throw x;
        }
      }
      return { kind: 'cast', type: target, typmod, arg: e, cast: inputCast(target, typmod), explicit };
    }
    // An unknown-typed non-literal (a CASE of unknowns was already resolved to text): via text.
    return coerceTo(st, { ...e, type: Oid.text }, target, typmod, ctx, location, explicit);
  }
  const cast = castFor(e.type, target, ctx);
  if (cast === undefined || RANK[cast.context] > RANK[ctx]) {
    if (ctx === 'e') throw err(st, SQLSTATE.cannot_coerce, `cannot cast type ${formatType(e.type, e.typmod)} to ${formatType(target, typmod)}`, location);
    throw err(st, SQLSTATE.datatype_mismatch, `cannot cast type ${formatType(e.type, e.typmod)} to ${formatType(target, typmod)}`, location);
  }
  return { kind: 'cast', type: target, typmod, arg: e, cast, explicit };
}

/**
 * select_common_type: the type CASE / COALESCE / UNION / … results take. `what` names the construct
 * in the 42804 message ("CASE types integer and text cannot be matched"); null returns 0 instead
 * of throwing (IN lists fall back to an OR chain).
 */
export function selectCommonType(st: StmtState, types: readonly number[], locations: readonly number[], what: string | null): number {
  let ptype = types[0]!;
  if (ptype !== Oid.unknown && types.every((t) => t === ptype)) return ptype;
  let pcat = typeCategory(ptype);
  let ppref = isPreferred(ptype);
  for (let i = 1; i < types.length; i++) {
    const ntype = types[i]!;
    if (ntype === Oid.unknown || ntype === ptype) continue;
    const ncat = typeCategory(ntype);
    if (ptype === Oid.unknown) {
      ptype = ntype; pcat = ncat; ppref = isPreferred(ntype);
    } else if (ncat !== pcat) {
      if (what === null) return 0;
      throw err(st, SQLSTATE.datatype_mismatch, `${what} types ${typeSqlName(ptype)} and ${typeSqlName(ntype)} cannot be matched`, locations[i]);
    } else if (!ppref && canCoerce(ptype, ntype) && !canCoerce(ntype, ptype)) {
      ptype = ntype; pcat = ncat; ppref = isPreferred(ntype);
    }
  }
  return ptype === Oid.unknown ? Oid.text : ptype;
}

/** select_common_typmod: the inputs' typmod when all agree, else -1. */
export function commonTypmod(exprs: readonly Expr[], type: number): number {
  let tm: number | undefined;
  for (const e of exprs) {
    if (e.type !== type) return -1;
    if (tm === undefined) tm = e.typmod;
    else if (tm !== e.typmod) return -1;
  }
  return tm ?? -1;
}

/** coerce_to_common_type: 42846 "CASE could not convert type x to y" when no implicit cast. */
export function coerceToCommon(st: StmtState, e: Expr, type: number, what: string, location: number): Expr {
  if (e.type === type) return e;
  if (!canCoerce(e.type, type)) throw err(st, SQLSTATE.cannot_coerce, `${what} could not convert type ${typeSqlName(e.type)} to ${typeSqlName(type)}`, location);
  return coerceTo(st, e, type, -1, 'i', location, false);
}

/** A boolean condition (WHERE, ON, HAVING, CASE WHEN): 42804 "argument of WHERE must be type boolean, not type integer". */
export function coerceToBoolean(st: StmtState, e: Expr, what: string, location: number): Expr {
  if (e.type === Oid.bool) return e;
  if (e.type !== Oid.unknown && !canCoerce(e.type, Oid.bool)) {
    throw err(st, SQLSTATE.datatype_mismatch, `argument of ${what} must be type boolean, not type ${typeSqlName(e.type)}`, location);
  }
  return coerceTo(st, e, Oid.bool, -1, 'i', location, false);
}

/** An unknown-typed result (a bare literal or NULL in a select list) becomes text, as PostgreSQL 10+. */
export function resolveUnknown(st: StmtState, e: Expr, location: number): Expr {
  return e.type === Oid.unknown ? coerceTo(st, e, Oid.text, -1, 'i', location, false) : e;
}
