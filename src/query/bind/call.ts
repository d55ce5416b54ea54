/*
 * call.ts — binding a function or operator call once its arguments are bound: overload choice
 * (resolve.ts), argument coercion, VARIADIC packing, and PostgreSQL's 42883 / 42725 messages.
 */
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { funcsNamed, resultType, Pseudo, type FuncDef } from '../functions/registry.js';
import type { CallExpr, Expr } from './bound.js';
import { coerceTo } from './coerce.js';
import { arrayOf, typeSqlName } from './exprutil.js';
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
  return { kind: 'call', def: r.def, args: c.args, argTypes: c.argTypes, type: resultType(r.def, c.argTypes), typmod: -1 };
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
