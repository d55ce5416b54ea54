/*
 * exprutil.ts — generic walks over the bound IR: rebuild a node with mapped children, structural
 * equality (GROUP BY matching), constant builders, and type categories for resolution.
 *
 * Type categories come from the type registry once a family registered the type; until then (and
 * for types no family registers) from a small copy of pg_type's typcategory / typispreferred, so
 * resolution behaves like PostgreSQL whichever families are loaded.
 */
import { arrayTypeOf, elementTypeOf, Oid, sqlTypeName } from '../../pg/types.js';
import { DEFAULT_OUTPUT, type Datum } from '../types/datum.js';
import { hasType, typeInfo, type EvalSettings } from '../types/registry.js';
import type { ColumnExpr, ConstExpr, Expr } from './bound.js';

export const BIND_SETTINGS: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };

const FALLBACK: ReadonlyMap<number, readonly [string, boolean]> = new Map([
  [16, ['B', true]], [17, ['U', false]], [18, ['Z', false]], [19, ['S', false]], [20, ['N', false]],
  [21, ['N', false]], [23, ['N', false]], [25, ['S', true]], [26, ['N', true]], [114, ['U', false]],
  [700, ['N', false]], [701, ['N', true]], [705, ['X', false]], [1042, ['S', false]], [1043, ['S', false]],
  [1082, ['D', false]], [1083, ['D', false]], [1114, ['D', false]], [1184, ['D', true]], [1186, ['T', true]],
  [1266, ['D', false]], [1700, ['N', false]], [2205, ['N', false]], [2950, ['U', false]], [3802, ['U', false]],
  [2249, ['P', false]], [2276, ['P', false]], [2277, ['P', false]], [2283, ['P', false]], [2776, ['P', false]],
  [3500, ['P', false]], [5077, ['P', false]], [5078, ['P', false]], [5079, ['P', false]],
]);

export function typeCategory(oid: number): string {
  if (hasType(oid)) return typeInfo(oid).category;
  const f = FALLBACK.get(oid);
  if (f !== undefined) return f[0];
  return elementTypeOf(oid) !== 0 ? 'A' : 'U';
}

export function isPreferred(oid: number): boolean {
  if (hasType(oid)) return typeInfo(oid).preferred;
  return FALLBACK.get(oid)?.[1] ?? false;
}

export function arrayOf(oid: number): number {
  if (hasType(oid) && typeInfo(oid).array !== 0) return typeInfo(oid).array;
  return arrayTypeOf(oid);
}

export function elemOf(oid: number): number {
  if (hasType(oid) && typeInfo(oid).elem !== 0) return typeInfo(oid).elem;
  return elementTypeOf(oid);
}

export function typeSqlName(oid: number): string {
  return hasType(oid) ? typeInfo(oid).sqlName : sqlTypeName(oid);
}

/** format_type with a typmod, for messages and column descriptions. */
export function formatType(oid: number, typmod: number): string {
  const t = hasType(oid) ? typeInfo(oid) : undefined;
  if (typmod >= 0 && t?.formatTypmod !== undefined) return t.formatTypmod(typmod);
  return typeSqlName(oid);
}

export function constOf(type: number, value: Datum, typmod = -1): ConstExpr {
  return { kind: 'const', type, typmod, value };
}

export const NULL_UNKNOWN: ConstExpr = constOf(Oid.unknown, null);

export function columnRef(index: number, type: number, typmod: number, name: string, levelsUp = 0, collation?: number): ColumnExpr {
  return collation === undefined ? { kind: 'column', index, levelsUp, type, typmod, name } : { kind: 'column', index, levelsUp, type, typmod, name, collation };
}

/** The node with each direct child expression replaced by f(child). Subquery plans are not entered. */
export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'const': case 'param': case 'column': case 'grouping':
      return e;
    case 'call': return { ...e, args: e.args.map(f) };
    case 'cast': return { ...e, arg: f(e.arg) };
    case 'and': case 'or': return { ...e, args: e.args.map(f) };
    case 'not': return { ...e, arg: f(e.arg) };
    case 'case': return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: e.else === null ? null : f(e.else) };
    case 'coalesce': case 'greatest': case 'least': return { ...e, args: e.args.map(f) };
    case 'nullif': { const a = f(e.args[0]), b = f(e.args[1]); return { ...e, args: [a, b], eq: { ...e.eq, args: [a, b] } }; }
    case 'distinct': { const a = f(e.args[0]), b = f(e.args[1]); return { ...e, args: [a, b], eq: { ...e.eq, args: [a, b] } }; }
    case 'nulltest': case 'booltest': return { ...e, arg: f(e.arg) };
    case 'scalararrayop': return { ...e, left: f(e.left), right: f(e.right) };
    case 'array': return { ...e, items: e.items.map(f) };
    case 'row': return { ...e, args: e.args.map(f) };
    case 'subscript': return { ...e, arg: f(e.arg), lower: e.lower.map((x) => (x === null ? null : f(x))), upper: e.upper === null ? null : e.upper.map((x) => (x === null ? null : f(x))) };
    case 'field': return { ...e, arg: f(e.arg) };
    case 'subquery': return e.test === undefined ? e : { ...e, test: e.test.map(f) };
  }
}

/** Calls f on e and every sub-expression (not inside subquery plans). */
export function walkExpr(e: Expr, f: (e: Expr) => void): void {
  f(e);
  mapChildren(e, (c) => {
    walkExpr(c, f);
    return c;
  });
}

/** Structural equality, as PostgreSQL's equal() on two transformed expressions (GROUP BY matching). */
export function exprEqual(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || a.type !== b.type || a.typmod !== b.typmod || a.collate !== b.collate) return false;
  if (a.kind === 'const') {
    const bv = (b as ConstExpr).value;
    if (a.value === bv) return true;
    if (a.value === null || bv === null) return false;
    const j = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    return j(a.value) === j(bv);
  }
  if (a.kind === 'param') return a.index === (b as typeof a).index;
  if (a.kind === 'column') return a.index === (b as typeof a).index && a.levelsUp === (b as typeof a).levelsUp && a.collation === (b as typeof a).collation;
  // Same parse tree at the same level: bound alike (the test operands are compared below too).
  if (a.kind === 'subquery' && (a.key === undefined || a.key !== (b as typeof a).key || a.sublink !== (b as typeof a).sublink)) return false;
  const ca: Expr[] = [];
  const cb: Expr[] = [];
  mapChildren(a, (c) => (ca.push(c), c));
  mapChildren(b, (c) => (cb.push(c), c));
  if (ca.length !== cb.length) return false;
  if (a.kind === 'call' && a.def !== (b as typeof a).def) return false;
  if (a.kind === 'cast' && a.explicit !== (b as typeof a).explicit) return false;
  if ((a.kind === 'nulltest' && a.isNull !== (b as typeof a).isNull) || (a.kind === 'booltest' && (a.test !== (b as typeof a).test || a.negate !== (b as typeof a).negate))) return false;
  if (a.kind === 'scalararrayop' && (a.op !== (b as typeof a).op || a.useOr !== (b as typeof a).useOr)) return false;
  if (a.kind === 'field' && a.field !== (b as typeof a).field) return false;
  if (a.kind === 'distinct' && a.not !== (b as typeof a).not) return false;
  if (a.kind === 'case' && (a.else === null) !== ((b as typeof a).else === null)) return false;
  for (let i = 0; i < ca.length; i++) if (!exprEqual(ca[i]!, cb[i]!)) return false;
  return true;
}
