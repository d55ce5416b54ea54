/*
 * call.ts — binding a function or operator call once its arguments are bound: overload choice
 * (resolve.ts), argument coercion, VARIADIC packing, and PostgreSQL's 42883 / 42725 messages.
 *
 * Named and mixed notation (`make_interval(days => 10)`, `jsonb_set(j, '{a}', v,
 * create_if_missing => false)`) follow namespace.c FuncnameGetCandidates / MatchNamedCall: a
 * candidate must carry argument names (FuncDef.argNames), positional arguments fill its first
 * parameters, each name must match a parameter not filled yet, and every parameter left out must
 * have a default. The candidates' parameter types, taken in the call's order, then go through the
 * ordinary overload choice; the bound call lists its arguments in declared order, skipped
 * parameters filled with their defaults (FuncDef.argDefaults).
 * Left out: named notation with VARIADIC functions (PostgreSQL needs the VARIADIC keyword there),
 * aggregates and window functions called with names.
 */
import { callTypmod } from './record-types.js';
import { Oid } from '../../pg/types.js';
import { notSupported } from '../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { funcsNamed, resultType, Pseudo, type FuncDef } from '../functions/registry.js';
import type { CallExpr, Expr } from './bound.js';
import { coerceTo } from './coerce.js';
import { arrayOf, constOf, typeSqlName } from './exprutil.js';
import { selectOverload, type Resolved, type Signature } from './resolve.js';
import { opaqueCandidates } from './opaque.js';
import { markSafe } from './slots.js';
import { err, type StmtState } from './state.js';

const FUNC_HINT = 'No function matches the given name and argument types. You might need to add explicit type casts.';
const OP_HINT = 'No operator matches the given name and argument types. You might need to add explicit type casts.';

/** Coerces bound arguments to a resolved signature; packs VARIADIC extras into an array. */
export function coerceArgs<D extends Signature>(st: StmtState, r: Resolved<D>, args: readonly Expr[], locs: readonly number[]): { args: Expr[]; argTypes: number[] } {
  const out: Expr[] = [];
  for (let i = 0; i < args.length; i++) {
    let t = r.argTypes[i]!;
    // An unknown literal passed as "any" is read as text, except by pg_typeof, which reports it.
    const name = (r.def as { readonly name?: string }).name;
    if (t === Pseudo.any && args[i]!.type === Oid.unknown && name !== 'pg_typeof') t = Oid.text;
    out.push(t === Pseudo.any ? args[i]! : coerceTo(st, args[i]!, t, -1, 'i', locs[i] ?? -1, false));
  }
  const argTypes = out.map((e) => e.type);
  if (r.packed > 0) {
    const fixed = out.length - r.packed;
    const elem = r.argTypes[fixed]!;
    const arr: Expr = { kind: 'array', type: arrayOf(elem), typmod: -1, elemType: elem, items: out.slice(fixed) };
    return { args: [...out.slice(0, fixed), arr], argTypes: [...argTypes.slice(0, fixed), arr.type] };
  }
  return { args: out, argTypes };
}

function argList(args: readonly Expr[]): string {
  return args.map((a) => typeSqlName(a.type)).join(', ');
}

export function noFunction(st: StmtState, name: string, args: readonly Expr[], location: number): Error {
  return err(st, SQLSTATE.undefined_function, `function ${name}(${argList(args)}) does not exist`, location, { hint: FUNC_HINT });
}

/** A call of a scalar function by name (not an aggregate or window function). */
export function bindFuncCall(st: StmtState, name: string, args: readonly Expr[], locs: readonly number[], location: number): CallExpr {
  const r = selectOverload(st, funcsNamed(name, 'func'), args.map((a) => a.type), false);
  if (r === 'none') throw noFunction(st, name, args, location);
  if (r === 'ambiguous') {
    throw err(st, SQLSTATE.ambiguous_function, `function ${name}(${argList(args)}) is not unique`, location, { hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
  }
  return makeCall(st, r, args, locs);
}

export function makeCall(st: StmtState, r: Resolved<FuncDef>, args: readonly Expr[], locs: readonly number[]): CallExpr {
  const c = coerceArgs(st, r, args, locs);
  return { kind: 'call', def: r.def, args: c.args, argTypes: c.argTypes, type: resultType(r.def, c.argTypes), typmod: callTypmod(r.def) };
}

/** A binary (left non-null) or prefix operator. */
export function bindOperator(st: StmtState, op: string, left: Expr | null, right: Expr, location: number, locs: readonly number[] = [-1, -1]): CallExpr {
  const args = left === null ? [right] : [left, right];
  const defs = [...funcsNamed(op, 'op').filter((d) => d.args.length === args.length), ...opaqueCandidates(op, args.map((a) => a.type))];
  const r = selectOverload(st, defs, args.map((a) => a.type), true);
  const shape = left === null ? `${op} ${typeSqlName(right.type)}` : `${typeSqlName(left.type)} ${op} ${typeSqlName(right.type)}`;
  if (r === 'none') throw err(st, SQLSTATE.undefined_function, `operator does not exist: ${shape}`, location, { hint: OP_HINT });
  if (r === 'ambiguous') throw err(st, SQLSTATE.ambiguous_function, `operator is not unique: ${shape}`, location, { hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.' });
  const call = makeCall(st, r, args, left === null ? [locs[1] ?? -1] : locs);
  if (call.type === Oid.bool) for (const a of call.args) markSafe(st, a);
  return call;
}

/** func_signature_string: `name(integer, days => integer)` (names unquoted, as there). */
function namedSignature(name: string, args: readonly Expr[], names: readonly (string | null)[]): string {
  return `${name}(${args.map((a, i) => (names[i] === null ? '' : `${names[i]} => `) + typeSqlName(a.type)).join(', ')})`;
}

/** A candidate for a named call: the def's parameter types in the call's order. */
interface NamedCand extends Signature {
  readonly name: string;
  readonly def: FuncDef;
  /** The parameter position each actual argument fills (MatchNamedCall's argnumbers). */
  readonly positions: readonly number[];
}

/** MatchNamedCall: the parameter each argument fills, or null when the def cannot take the call. */
function matchNamed(def: FuncDef, names: readonly (string | null)[]): number[] | null {
  const params = def.argNames;
  if (params === undefined || def.variadic !== undefined) return null;
  const n = names.length;
  const total = def.args.length;
  const optional = def.optional ?? 0;
  if (n > total || n + optional < total) return null;
  const given = new Array<boolean>(total).fill(false);
  const positions: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = names[i]!;
    const p = name === null ? i : params.indexOf(name);
    if (p < 0 || given[p]) return null;
    given[p] = true;
    positions.push(p);
  }
  // Every parameter left out needs a default; a skipped one before a given one needs its value.
  const firstDefault = total - optional;
  const last = Math.max(...positions, -1);
  for (let p = 0; p < total; p++) {
    if (given[p]) continue;
    if (p < firstDefault) return null;
    if (p < last && def.argDefaults?.[p - firstDefault] === undefined) return null;
  }
  return positions;
}

/**
 * A call in named or mixed notation. `names[i]` is the name of argument i, null for a positional
 * one (the caller has checked that none follows a named one and that no name repeats: 42601).
 */
export function bindNamedCall(st: StmtState, name: string, args: readonly Expr[], names: readonly (string | null)[], locs: readonly number[], location: number): CallExpr {
  const defs = funcsNamed(name, 'func');
  const cands: NamedCand[] = [];
  for (const def of defs) {
    const positions = matchNamed(def, names);
    if (positions !== null) cands.push({ name: def.name, def, positions, args: positions.map((p) => def.args[p]!) });
  }
  // A standard function not built yet (a VARIADIC "any" placeholder): 0A000 rather than 42883.
  if (cands.length === 0 && defs.some((d) => d.variadic === Pseudo.any && d.argNames === undefined && d.args.length === 1)) {
    throw notSupported(`named arguments to ${name}()`, { sql: st.sql, location });
  }
  const r = selectOverload(st, cands, args.map((a) => a.type), false);
  if (r === 'none') throw err(st, SQLSTATE.undefined_function, `function ${namedSignature(name, args, names)} does not exist`, location, { hint: FUNC_HINT });
  if (r === 'ambiguous') {
    throw err(st, SQLSTATE.ambiguous_function, `function ${namedSignature(name, args, names)} is not unique`, location, { hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
  }
  const c = coerceArgs(st, r, args, locs);
  const { def, positions } = r.def;
  // Declared order; skipped parameters before the last given one get their defaults.
  const declared: Expr[] = [];
  const last = Math.max(...positions, -1);
  const firstDefault = def.args.length - (def.optional ?? 0);
  for (let p = 0; p <= last; p++) {
    const i = positions.indexOf(p);
    declared.push(i >= 0 ? c.args[i]! : constOf(def.args[p]!, def.argDefaults![p - firstDefault]!));
  }
  const argTypes = declared.map((e) => e.type);
  return { kind: 'call', def, args: declared, argTypes, type: resultType(def, argTypes), typmod: callTypmod(def) };
}
