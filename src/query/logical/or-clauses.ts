/*
 * or-clauses.ts — what the rules learn from OR conditions (PostgreSQL's prepqual.c
 * find_duplicate_ors and orclauses.c extract_restriction_or_clauses):
 *
 *   factorOr      (A AND B) OR (A AND C)  ⇒  A AND (B OR C);  A OR (A AND B)  ⇒  A
 *                 so a join condition repeated in every arm (TPC-H Q19's p_partkey = l_partkey)
 *                 becomes a hash key, and a single-table condition in every arm a scan filter.
 *   sideRestriction  for an OR over two join sides, the OR of each arm's conjuncts that read one
 *                 side only: implied by the OR, so it may filter that side of an inner join ahead
 *                 of the join, while the OR itself stays the join's condition.
 * Both hold in SQL's three-valued logic (AND / OR distribute and absorb in Kleene logic). Neither
 * is applied to expressions with volatile functions or subqueries (the count of evaluations, or
 * the row a subquery sees, would change).
 *
 * sameExpr is structural equality of bound expressions (functions and casts by identity,
 * constants by value); it answers false for what it does not know (subqueries, subscripts).
 */
import type { Expr } from '../bind/bound.js';
import type { Datum } from '../types/datum.js';
import { and, childExprs, conjuncts, exprRefs } from '../exec/plan-refs.js';

function sameDatum(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) return false;
  if ('dscale' in a && 'd' in a) return 'dscale' in b && 'd' in b && a.dscale === b.dscale && a.d.eq(b.d) && a.d.isNeg() === b.d.isNeg();
  if ('items' in a && 'dims' in a) {
    return 'items' in b && 'dims' in b && a.elemType === b.elemType && a.dims.join() === b.dims.join() && a.lbounds.join() === b.lbounds.join() && a.items.length === b.items.length && a.items.every((x, i) => sameDatum(x, b.items[i]!));
  }
  return false;
}

/** Structural equality of two bound expressions (false when unsure). */
export function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  // Collations too: `x < y COLLATE "C"` and `x < y` are different conditions.
  if (a.kind !== b.kind || a.type !== b.type || a.typmod !== b.typmod || a.collate !== b.collate) return false;
  switch (a.kind) {
    case 'const':
      return a.slot === undefined && (b as typeof a).slot === undefined && sameDatum(a.value, (b as typeof a).value);
    case 'param':
      return a.index === (b as typeof a).index;
    case 'column':
      return a.index === (b as typeof a).index && a.levelsUp === (b as typeof a).levelsUp && a.collation === (b as typeof a).collation;
    case 'grouping':
      return a.index === (b as typeof a).index && a.refs.join() === (b as typeof a).refs.join();
    case 'call':
      if (a.def !== (b as typeof a).def) return false;
      break;
    case 'cast':
      if (a.cast !== (b as typeof a).cast || a.explicit !== (b as typeof a).explicit) return false;
      break;
    case 'nulltest':
      if (a.isNull !== (b as typeof a).isNull) return false;
      break;
    case 'booltest':
      if (a.test !== (b as typeof a).test || a.negate !== (b as typeof a).negate) return false;
      break;
    case 'field':
      if (a.field !== (b as typeof a).field) return false;
      break;
    case 'nullif':
      if (a.eq.def !== (b as typeof a).eq.def) return false;
      break;
    case 'distinct':
      if (a.eq.def !== (b as typeof a).eq.def || a.not !== (b as typeof a).not) return false;
      break;
    case 'scalararrayop':
      if (a.op !== (b as typeof a).op || a.useOr !== (b as typeof a).useOr) return false;
      break;
    case 'array':
      if (a.elemType !== (b as typeof a).elemType) return false;
      break;
    case 'case':
      if ((a.else === null) !== ((b as typeof a).else === null) || a.whens.length !== (b as typeof a).whens.length) return false;
      break;
    case 'and':
    case 'or':
    case 'not':
    case 'coalesce':
    case 'greatest':
    case 'least':
    case 'row':
      break;
    case 'subquery':
    case 'subscript':
      return false;
  }
  const ca = childExprs(a);
  const cb = childExprs(b);
  return ca.length === cb.length && ca.every((x, i) => sameExpr(x, cb[i]!));
}

/** The factored form of OR(args), or null when the arms share no conjunct. */
export function factorOr(args: readonly Expr[]): Expr | null {
  if (args.length < 2) return null;
  const arms = args.map((a) => conjuncts(a));
  const common = arms[0]!.filter((c) => arms.every((arm) => arm.some((x) => sameExpr(x, c))));
  if (common.length === 0) return null;
  const rests = arms.map((arm) => arm.filter((x) => !common.some((c) => sameExpr(x, c))));
  // An arm that is all common makes the OR of the rests true whenever the common part is.
  if (rests.some((r) => r.length === 0)) return and(common);
  const or: Expr = { kind: 'or', type: 16, typmod: -1, args: rests.map((r) => and(r)!) };
  return and([...common, or]);
}

/**
 * For an OR whose every arm has conjuncts reading only positions [lo, hi) (and nothing else), the
 * OR of those conjuncts; null when some arm has none. `movable` excludes what may not be copied.
 */
export function sideRestriction(c: Expr, lo: number, hi: number, movable: (e: Expr) => boolean): Expr | null {
  if (c.kind !== 'or') return null;
  const arms: Expr[] = [];
  for (const arm of c.args) {
    const mine = conjuncts(arm).filter((x) => {
      if (!movable(x)) return false;
      const s = new Set<number>();
      exprRefs(x, s);
      return s.size > 0 && [...s].every((i) => i >= lo && i < hi);
    });
    if (mine.length === 0) return null;
    arms.push(and(mine)!);
  }
  return { kind: 'or', type: 16, typmod: -1, args: arms };
}
