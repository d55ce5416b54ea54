/*
 * collate.ts — collation derivation over the bound IR, as PostgreSQL's parse_collate.c does it:
 * which collation a text-valued expression has, and which one a comparison of text uses.
 *
 *   Var / Const / Param    the column's attcollation, or the type's default collation   IMPLICIT
 *   expr COLLATE "x"       x                                                             EXPLICIT
 *   any other node         the merge of its inputs (CASE: of its results only); a
 *                          collatable result with no collatable input gets the type's
 *                          default collation, IMPLICIT
 *   merge                  the stronger wins; two different IMPLICIT ones conflict, except
 *                          that a non-default one beats the default; two different EXPLICIT
 *                          ones are 42P21 at once. A conflict leaves no collation (0): a
 *                          comparison that needs one then raises 42P22.
 *
 * Derived on demand from the immutable IR (ColumnExpr carries its column's collation, a node
 * with `collate` is an explicit COLLATE), so the executor asks it where order matters (sort
 * keys, ordering operators, GREATEST/LEAST, min/max) and nowhere else. Equality needs no
 * collation: every collation the sidecar accepts is deterministic (bind refuses the others).
 *
 * Left out: domains over text with their own collation (they have the base type's here).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { C_COLLATION, DEFAULT_COLLATION } from '../../store/collations.js';
import { hasType, typeInfo } from '../types/registry.js';
import type { Expr } from './bound.js';

export const Strength = { None: 0, Implicit: 1, Conflict: 2, Explicit: 3 } as const;
export type Strength = (typeof Strength)[keyof typeof Strength];

export interface Derived {
  /** pg_collation OID; 0 for none or a conflict. */
  readonly coll: number;
  readonly strength: Strength;
}

/** What COLLATE may name when no primary described the collations (tests of the query layer): byte orders. */
const BUILTIN_COLLATIONS: ReadonlyMap<string, number> = new Map([
  ['default', DEFAULT_COLLATION],
  ['C', C_COLLATION],
  ['POSIX', 951],
  ['ucs_basic', 962],
]);

export function builtinCollation(schema: string | null, name: string): { readonly oid: number; readonly deterministic: boolean } | undefined {
  const oid = BUILTIN_COLLATIONS.get(name);
  return oid === undefined || (schema !== null && schema !== 'pg_catalog') ? undefined : { oid, deterministic: true };
}

/** Names of the collations COLLATE clauses named (OIDs are the primary's): for 42P21 messages. */
const names = new Map<number, string>([[DEFAULT_COLLATION, 'default'], [C_COLLATION, 'C']]);

export function rememberCollationName(oid: number, name: string): void {
  names.set(oid, name);
}

const NONE: Derived = { coll: 0, strength: Strength.None };

const NAME = 19;

/** The type's default collation (pg_type.typcollation): 0 when the type is not collatable. */
export function typeCollation(type: number): number {
  switch (type) {
    case 25:
    case 1043:
    case 1042:
      return DEFAULT_COLLATION;
    case NAME:
      return C_COLLATION;
    default: {
      if (type === 0 || !hasType(type)) return 0;
      const elem = typeInfo(type).elem;
      return elem !== 0 && elem !== type ? typeCollation(elem) : 0;
    }
  }
}

export function isCollatable(type: number): boolean {
  return typeCollation(type) !== 0;
}

/** merge_collation_state: folds `b` into `a`. */
export function mergeCollations(a: Derived, b: Derived): Derived {
  if (b.strength > a.strength) return b;
  if (b.strength < a.strength || a.coll === b.coll) return a;
  if (a.strength === Strength.Implicit) {
    if (a.coll === DEFAULT_COLLATION) return b;
    if (b.coll === DEFAULT_COLLATION) return a;
    return { coll: 0, strength: Strength.Conflict };
  }
  if (a.strength === Strength.Explicit) {
    const n = (o: number): string => names.get(o) ?? String(o);
    throw new SqlError(SQLSTATE.collation_mismatch, `collation mismatch between explicit collations "${n(a.coll)}" and "${n(b.coll)}"`, {
      hint: 'Use the COLLATE clause to set the collation explicitly.',
    });
  }
  return a;
}

const cache = new WeakMap<Expr, Derived>();

/** The collation of e's result (strength None for a result that is not collatable). */
export function collationOf(e: Expr): Derived {
  let d = cache.get(e);
  if (d === undefined) {
    d = derive(e);
    cache.set(e, d);
  }
  return d;
}

/** The collation a function or operator over `args` compares with (PostgreSQL's inputcollid). */
export function inputCollation(args: readonly Expr[]): Derived {
  let d = NONE;
  for (const a of args) d = mergeCollations(d, collationOf(a));
  return d;
}

function derive(e: Expr): Derived {
  if (e.collate !== undefined) return { coll: e.collate, strength: Strength.Explicit };
  const own = typeCollation(e.type);
  if (e.kind === 'column') return own === 0 ? NONE : { coll: e.collation ?? own, strength: Strength.Implicit };
  if (e.kind === 'const' || e.kind === 'param') return own === 0 ? NONE : { coll: own, strength: Strength.Implicit };
  if (e.kind === 'subquery') {
    if (own === 0 || e.sublink === 'exists' || e.sublink === 'any' || e.sublink === 'all') return NONE;
    return { coll: e.plan.columns[0]?.collation ?? own, strength: Strength.Implicit };
  }
  if (own === 0) return NONE;
  const merged = inputCollation(resultInputs(e));
  return merged.strength > Strength.None ? merged : { coll: own, strength: Strength.Implicit };
}

/** The children whose collation flows into e's result. */
function resultInputs(e: Expr): readonly Expr[] {
  if (e.kind === 'call' || e.kind === 'coalesce' || e.kind === 'greatest' || e.kind === 'least' || e.kind === 'nullif') return e.args;
  if (e.kind === 'array') return e.items;
  if (e.kind === 'cast' || e.kind === 'subscript') return [e.arg];
  if (e.kind === 'case') return [...e.whens.map((w) => w.then), ...(e.else !== null ? [e.else] : [])];
  return [];
}

/** The collation an output column made from e carries (undefined when its type is not collatable). */
export function outputCollation(e: Expr): number | undefined {
  return isCollatable(e.type) ? collationOf(e).coll : undefined;
}

/** c with its collation set (only for collatable types, so other columns stay as they were). */
export function withCollation<T extends { readonly type: number; readonly collation?: number }>(c: T, collation: number | undefined): T {
  return collation === undefined || !isCollatable(c.type) ? c : { ...c, collation };
}

/** The result collation of an aggregate or window call over `args` returning `type`. */
export function callCollation(type: number, args: readonly Expr[]): number | undefined {
  if (!isCollatable(type)) return undefined;
  const d = inputCollation(args);
  return d.strength > Strength.None ? d.coll : typeCollation(type);
}

/**
 * The collation of a set operation's output column from its two inputs' (transformSetOperationTree
 * calls select_common_collation): two different explicit collations, or two different implicit
 * non-default ones, are 42P21 at once, except for UNION ALL, whose column then has none (0).
 */
export function setOpCollation(type: number, a: Derived, b: Derived, noneOk: boolean): number | undefined {
  if (!isCollatable(type)) return undefined;
  const d = mergeCollations(a, b);
  if (d.strength !== Strength.Conflict) return d.strength === Strength.None ? typeCollation(type) : d.coll;
  if (noneOk) return 0;
  const n = (o: number): string => names.get(o) ?? String(o);
  const detail = a.coll !== 0 && b.coll !== 0 ? ` "${n(a.coll)}" and "${n(b.coll)}"` : '';
  throw new SqlError(SQLSTATE.collation_mismatch, `collation mismatch between implicit collations${detail}`, {
    hint: 'You can choose the collation by applying the COLLATE clause to one or both expressions.',
  });
}

/** The collation (with its strength) of a column of a set operation's input, as its select list gives it. */
export function columnStrength(type: number, collation: number | undefined): Derived {
  const own = typeCollation(type);
  if (own === 0) return NONE;
  if (collation === 0) return { coll: 0, strength: Strength.Conflict };
  return { coll: collation ?? own, strength: Strength.Implicit };
}
