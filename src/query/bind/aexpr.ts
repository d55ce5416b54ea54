/*
 * aexpr.ts — the A_Expr kinds that are not a plain operator call: IS [NOT] DISTINCT FROM, NULLIF,
 * IN lists (ScalarArrayOp `= ANY (ARRAY[…])` when the items share a type, as transformAExprIn),
 * op ANY/ALL (array), [NOT] BETWEEN [SYMMETRIC], and row comparisons `(a, b) = (c, d)`.
 */
import type { A_Expr, Node } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import { funcsNamed } from '../functions/registry.js';
import { locationOf } from '../parse.js';
import type { CallExpr, Expr, ScalarArrayOpExpr } from './bound.js';
import { bindOperator } from './call.js';
import { coerceTo, selectCommonType } from './coerce.js';
import { arrayOf, elemOf, typeSqlName, walkExpr } from './exprutil.js';
import { bindExpr } from './expr.js';
import { selectOverload } from './resolve.js';
import { opaqueCandidates } from './opaque.js';
import { markSafe } from './slots.js';
import { err, type Level } from './state.js';

const bool = (kind: 'and' | 'or', args: Expr[]): Expr => (args.length === 1 ? args[0]! : { kind, type: Oid.bool, typmod: -1, args });

function listItems(n: Node | undefined): Node[] {
  if (n !== undefined && 'List' in n) return n.List.items ?? [];
  return n === undefined ? [] : [n];
}

/** `left op ANY/ALL (right)` where right is an array (or an unknown literal taken as one). */
export function scalarArrayOp(lv: Level, op: string, left: Expr, right: Expr, useOr: boolean, location: number, rloc: number): ScalarArrayOpExpr {
  const st = lv.stmt;
  const relem = right.type === Oid.unknown ? Oid.unknown : elemOf(right.type);
  if (relem === 0) throw err(st, SQLSTATE.wrong_object_type, `op ANY/ALL (array) requires array on right side`, location);
  const defs = [...funcsNamed(op, 'op').filter((d) => d.args.length === 2), ...opaqueCandidates(op, [left.type, relem])];
  const r = selectOverload(st, defs, [left.type, relem], true);
  if (r === 'none' || r === 'ambiguous') {
    const what = r === 'none' ? 'operator does not exist' : 'operator is not unique';
    throw err(st, r === 'none' ? SQLSTATE.undefined_function : SQLSTATE.ambiguous_function, `${what}: ${typeSqlName(left.type)} ${op} ${typeSqlName(relem)}`, location, {
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
  const [lt, rt] = r.argTypes as [number, number];
  const res = typeof r.def.returns === 'number' ? r.def.returns : r.def.returns([lt, rt]);
  if (res !== Oid.bool) throw err(st, SQLSTATE.wrong_object_type, `op ANY/ALL (array) requires operator to yield boolean`, location);
  const out: ScalarArrayOpExpr = {
    kind: 'scalararrayop', type: Oid.bool, typmod: -1, op: r.def, opArgTypes: [lt, rt], useOr,
    left: coerceTo(st, left, lt, -1, 'i', -1, false),
    right: coerceTo(st, right, arrayOf(rt), -1, 'i', rloc, false),
  };
  markSafe(st, out.left);
  markSafe(st, out.right);
  return out;
}

function rowCompare(lv: Level, op: string, l: Node, r: Node, location: number): Expr {
  const la = 'RowExpr' in l ? l.RowExpr.args ?? [] : [];
  const ra = 'RowExpr' in r ? r.RowExpr.args ?? [] : [r];
  if (la.length !== ra.length) throw err(lv.stmt, SQLSTATE.syntax_error, 'unequal number of entries in row expressions', location);
  if (op !== '=' && op !== '<>') throw notSupported(`row comparison with ${op}`, { sql: lv.stmt.sql, location });
  const parts = la.map((x, i) => bindOperator(lv.stmt, op, bindExpr(lv, x), bindExpr(lv, ra[i]!), location, [locationOf(x), locationOf(ra[i])]));
  return bool(op === '=' ? 'and' : 'or', parts);
}

export function bindAExprMisc(lv: Level, a: A_Expr, op: string): Expr {
  const st = lv.stmt;
  const location = a.location ?? -1;
  const lloc = locationOf(a.lexpr);
  const rloc = locationOf(a.rexpr);
  switch (a.kind) {
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const eq = bindOperator(st, '=', bindExpr(lv, a.lexpr!), bindExpr(lv, a.rexpr!), location, [lloc, rloc]);
      return { kind: 'distinct', type: Oid.bool, typmod: -1, args: [eq.args[0]!, eq.args[1]!], eq, not: a.kind === 'AEXPR_NOT_DISTINCT' };
    }
    case 'AEXPR_NULLIF': {
      const eq = bindOperator(st, '=', bindExpr(lv, a.lexpr!), bindExpr(lv, a.rexpr!), location, [lloc, rloc]);
      if (eq.type !== Oid.bool) throw err(st, SQLSTATE.datatype_mismatch, 'NULLIF requires = operator to yield boolean', location);
      return { kind: 'nullif', type: eq.args[0]!.type, typmod: eq.args[0]!.typmod, args: [eq.args[0]!, eq.args[1]!], eq };
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return scalarArrayOp(lv, op, bindExpr(lv, a.lexpr!), bindExpr(lv, a.rexpr!), a.kind === 'AEXPR_OP_ANY', location, rloc);
    case 'AEXPR_IN': {
      const useOr = op === '=';
      if (a.lexpr !== undefined && 'RowExpr' in a.lexpr) {
        // (a, b) IN ((1, 2), (3, 4)): an OR of row comparisons (AND of <> for NOT IN).
        const parts = listItems(a.rexpr).map((it) => rowCompare(lv, op, a.lexpr!, it, location));
        return bool(useOr ? 'or' : 'and', parts);
      }
      const left = bindExpr(lv, a.lexpr!);
      const itemsRaw = listItems(a.rexpr);
      const items = itemsRaw.map((n) => bindExpr(lv, n));
      const nonVars: number[] = [];
      const vars: number[] = [];
      // As transformAExprIn: items without this level's columns go into the array.
      items.forEach((e, i) => {
        let hasVar = false;
        walkExpr(e, (x) => {
          if (x.kind === 'column' && x.levelsUp === 0) hasVar = true;
        });
        (hasVar ? vars : nonVars).push(i);
      });
      const parts: Expr[] = [];
      let rest = items.map((_, i) => i);
      if (nonVars.length > 1) {
        const all = [left, ...nonVars.map((i) => items[i]!)];
        const t = selectCommonType(st, all.map((e) => e.type), [lloc, ...nonVars.map((i) => locationOf(itemsRaw[i]))], null);
        if (t !== 0 && arrayOf(t) !== 0) {
          const elems = nonVars.map((i) => coerceTo(st, items[i]!, t, -1, 'i', locationOf(itemsRaw[i]), false));
          const arr: Expr = { kind: 'array', type: arrayOf(t), typmod: -1, elemType: t, items: elems };
          parts.push(scalarArrayOp(lv, op, left, arr, useOr, location, rloc));
          rest = vars;
        }
      }
      for (const i of rest) parts.push(bindOperator(st, op, left, items[i]!, location, [lloc, locationOf(itemsRaw[i])]));
      return bool(useOr ? 'or' : 'and', parts);
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const [xn, yn] = listItems(a.rexpr) as [Node, Node];
      const not = a.kind === 'AEXPR_NOT_BETWEEN' || a.kind === 'AEXPR_NOT_BETWEEN_SYM';
      const one = (lo: Node, hi: Node): Expr => {
        const ge = bindOperator(st, not ? '<' : '>=', bindExpr(lv, a.lexpr!), bindExpr(lv, lo), location, [lloc, locationOf(lo)]);
        const le = bindOperator(st, not ? '>' : '<=', bindExpr(lv, a.lexpr!), bindExpr(lv, hi), location, [lloc, locationOf(hi)]);
        return bool(not ? 'or' : 'and', [ge, le]);
      };
      if (a.kind === 'AEXPR_BETWEEN' || a.kind === 'AEXPR_NOT_BETWEEN') return one(xn, yn);
      return bool(not ? 'and' : 'or', [one(xn, yn), one(yn, xn)]);
    }
    case 'AEXPR_OP':
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
    case 'AEXPR_SIMILAR':
      if (a.lexpr !== undefined && 'RowExpr' in a.lexpr && a.rexpr !== undefined && 'RowExpr' in a.rexpr) return rowCompare(lv, op, a.lexpr, a.rexpr, location);
      return bindOperator(st, op, a.lexpr === undefined ? null : bindExpr(lv, a.lexpr), bindExpr(lv, a.rexpr!), location, [lloc, rloc]);
    case undefined:
    default:
      throw notSupported(`${a.kind} expressions`, { sql: st.sql, location });
  }
}

export type { CallExpr };
