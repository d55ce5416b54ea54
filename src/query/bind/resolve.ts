/*
 * resolve.ts — overload resolution (parse_func.c func_get_detail / func_select_candidate,
 * parse_oper.c oper_select_candidate) over the function registry, and polymorphic argument
 * resolution (parse_coerce.c enforce_generic_type_consistency, simplified).
 *
 * Steps, as PostgreSQL: candidates with a matching argument count (defaults and VARIADIC
 * expanded) → an exact match → (operators: unknown side assumed the other side's type) →
 * candidates reachable by implicit casts → most exact matches → most preferred types of the input's
 * category → unknown arguments: the category all candidates agree on, string winning → last gasp:
 * unknowns as the known inputs' common type. None → 42883, several → 42725.
 *
 * Left out: named arguments (0A000 by the caller), VARIADIC in the call, domains, anyrange.
 */
import { Oid } from '../../pg/types.js';
import { Pseudo } from '../functions/registry.js';
import { canCoerce, selectCommonType } from './coerce.js';
import { arrayOf, elemOf, isPreferred, typeCategory } from './exprutil.js';
import type { StmtState } from './state.js';

export interface Signature {
  readonly args: readonly number[];
  readonly variadic?: number;
  readonly optional?: number;
}

export interface Resolved<D> {
  readonly def: D;
  /** The declared type each actual argument must be coerced to (polymorphics resolved). */
  readonly argTypes: readonly number[];
  /** Number of trailing actual arguments packed into a VARIADIC array (0 = none or VARIADIC "any"). */
  readonly packed: number;
}

const POLY = new Set<number>([Pseudo.anyelement, Pseudo.anyarray, Pseudo.anynonarray, Pseudo.anyenum, Pseudo.anycompatible, Pseudo.anycompatiblearray, Pseudo.anycompatiblenonarray]);

/** The declared types for n actual arguments, or null when n does not fit. */
function expand(sig: Signature, n: number): { types: number[]; packed: number } | null {
  const decl = sig.args;
  if (sig.variadic !== undefined) {
    // At least one argument for the VARIADIC parameter, as FuncnameGetCandidates.
    const fixed = decl.length - 1;
    if (n < decl.length) return null;
    const types = decl.slice(0, fixed);
    for (let i = fixed; i < n; i++) types.push(sig.variadic);
    return { types, packed: sig.variadic === Pseudo.any ? 0 : n - fixed };
  }
  const min = decl.length - (sig.optional ?? 0);
  if (n < min || n > decl.length) return null;
  return { types: decl.slice(0, n), packed: 0 };
}

/** Resolves polymorphic declared types against actual types; null when inconsistent. */
function resolvePoly(st: StmtState, decl: readonly number[], actual: readonly number[]): number[] | null {
  if (!decl.some((t) => POLY.has(t))) return [...decl];
  let elem = 0;
  const compat: number[] = [];
  for (let i = 0; i < decl.length; i++) {
    const d = decl[i]!;
    const a = actual[i]!;
    if (a === Oid.unknown) continue;
    if (d === Pseudo.anyelement || d === Pseudo.anynonarray || d === Pseudo.anyenum) {
      if (d === Pseudo.anynonarray && elemOf(a) !== 0) return null;
      if (elem !== 0 && elem !== a) return null;
      elem = a;
    } else if (d === Pseudo.anyarray) {
      const e = elemOf(a);
      if (e === 0) return null;
      if (elem !== 0 && elem !== e) return null;
      elem = e;
    } else if (d === Pseudo.anycompatible || d === Pseudo.anycompatiblenonarray) compat.push(a);
    else if (d === Pseudo.anycompatiblearray) {
      const e = elemOf(a);
      if (e === 0) return null;
      compat.push(e);
    }
  }
  let common = 0;
  if (compat.length > 0) {
    try {
      common = selectCommonType(st, compat, compat.map(() => -1), null);
    } catch {
      return null;
    }
    if (common === 0) return null;
  } else if (decl.some((t) => t === Pseudo.anycompatible || t === Pseudo.anycompatiblearray || t === Pseudo.anycompatiblenonarray)) common = Oid.text;
  if (elem === 0 && decl.some((t) => t === Pseudo.anyelement || t === Pseudo.anyarray || t === Pseudo.anynonarray || t === Pseudo.anyenum)) {
    // Only unknown inputs for anyelement: PostgreSQL says "could not determine polymorphic type".
    return null;
  }
  const out: number[] = [];
  for (const d of decl) {
    if (d === Pseudo.anyelement || d === Pseudo.anynonarray || d === Pseudo.anyenum) out.push(elem);
    else if (d === Pseudo.anyarray) { const a = arrayOf(elem); if (a === 0) return null; out.push(a); }
    else if (d === Pseudo.anycompatible || d === Pseudo.anycompatiblenonarray) out.push(common);
    else if (d === Pseudo.anycompatiblearray) { const a = arrayOf(common); if (a === 0) return null; out.push(a); }
    else out.push(d);
  }
  return out;
}

/** `declared`: the signature's types (pseudo-types kept) for ranking, as PostgreSQL; `types`: resolved. */
interface Cand<D> { def: D; declared: number[]; types: number[]; packed: number }

function coercible(input: readonly number[], types: readonly number[]): boolean {
  for (let i = 0; i < input.length; i++) if (!canCoerce(input[i]!, types[i]!)) return false;
  return true;
}

/**
 * Picks one overload for the input types. 'none' / 'ambiguous' let the caller word 42883 / 42725.
 * `operator` adds binary_oper_exact's rule (an unknown side is tried as the other side's type).
 */
export function selectOverload<D extends Signature>(st: StmtState, defs: readonly D[], input: readonly number[], operator: boolean): Resolved<D> | 'none' | 'ambiguous' {
  const n = input.length;
  const all: Cand<D>[] = [];
  for (const def of defs) {
    const ex = expand(def, n);
    if (ex === null) continue;
    const types = resolvePoly(st, ex.types, input);
    if (types === null) continue;
    all.push({ def, declared: ex.types, types, packed: ex.packed });
  }
  if (all.length === 0) return 'none';
  const done = (c: Cand<D>): Resolved<D> => ({ def: c.def, argTypes: c.types, packed: c.packed });
  const exact = all.find((c) => c.declared.every((t, i) => t === input[i]));
  if (exact !== undefined) return done(exact);
  if (operator && n === 2) {
    const [l, r] = input as [number, number];
    const t = l === Oid.unknown ? r : r === Oid.unknown ? l : 0;
    if (t !== 0 && t !== Oid.unknown) {
      const e = all.find((c) => c.declared[0] === t && c.declared[1] === t);
      if (e !== undefined) return done(e);
    }
  }
  const cands = all.filter((c) => coercible(input, c.types));
  if (cands.length === 0) return 'none';
  if (cands.length === 1) return done(cands[0]!);
  return selectCandidate(cands, input) ?? 'ambiguous';
}

function keepBest<D>(cands: Cand<D>[], score: (c: Cand<D>) => number): Cand<D>[] {
  let best = -1;
  let out: Cand<D>[] = [];
  for (const c of cands) {
    const s = score(c);
    if (s > best) { best = s; out = [c]; } else if (s === best) out.push(c);
  }
  return out;
}

function selectCandidate<D>(cands0: Cand<D>[], input: readonly number[]): Resolved<D> | null {
  const done = (c: Cand<D>): Resolved<D> => ({ def: c.def, argTypes: c.types, packed: c.packed });
  const n = input.length;
  let cands = keepBest(cands0, (c) => c.declared.reduce((s, t, i) => s + (input[i] !== Oid.unknown && t === input[i] ? 1 : 0), 0));
  if (cands.length === 1) return done(cands[0]!);
  const inCat = input.map((t) => typeCategory(t));
  cands = keepBest(cands, (c) => c.declared.reduce((s, t, i) => s + (input[i] !== Oid.unknown && (t === input[i] || (typeCategory(t) === inCat[i] && isPreferred(t))) ? 1 : 0), 0));
  if (cands.length === 1) return done(cands[0]!);
  if (!input.includes(Oid.unknown)) return null;
  let resolved = true;
  const slotCat: string[] = [];
  const slotPref: boolean[] = [];
  for (let i = 0; i < n; i++) {
    if (input[i] !== Oid.unknown) continue;
    let cat = '';
    let pref = false;
    let conflict = false;
    for (const c of cands) {
      const t = c.declared[i]!;
      const tc = typeCategory(t);
      const tp = isPreferred(t);
      if (cat === '') { cat = tc; pref = tp; } else if (tc === cat) pref ||= tp;
      else if (tc === 'S') { cat = 'S'; pref = tp; } else conflict = true;
    }
    if (conflict && cat !== 'S') { resolved = false; break; }
    slotCat[i] = cat;
    slotPref[i] = pref;
  }
  if (resolved) {
    const kept = cands.filter((c) => {
      for (let i = 0; i < n; i++) {
        if (input[i] !== Oid.unknown) continue;
        const t = c.declared[i]!;
        if (typeCategory(t) !== slotCat[i]) return false;
        if (slotPref[i] === true && !isPreferred(t)) return false;
      }
      return true;
    });
    if (kept.length > 0) cands = kept;
    if (cands.length === 1) return done(cands[0]!);
  }
  let known = 0;
  for (const t of input) {
    if (t === Oid.unknown) continue;
    if (known === 0) known = t;
    else if (known !== t) { known = 0; break; }
  }
  if (known !== 0) {
    const assumed = input.map(() => known);
    const ok = cands.filter((c) => coercible(assumed, c.types));
    if (ok.length === 1) return done(ok[0]!);
  }
  return null;
}
