/*
 * random-compare.ts — when the sidecar's answer to a generated query differs from PostgreSQL's
 * in text and is still right.
 *
 * Values can be equal and print differently: numerics of different scale (1.5 = 1.50), float zero
 * and negative zero (0 = -0), bpchar with and without trailing blanks ('a' = 'a '). Where such
 * values meet, PostgreSQL's answer depends on its plan:
 * - ORDER BY leaves equal rows in the order its (unstable) sort or its join produced them;
 * - DISTINCT, UNION / INTERSECT / EXCEPT and GROUP BY keep one value of each group of equal ones,
 *   the first met: first in the sorted run (Sort + Unique) or in the hash table (HashAggregate),
 *   so which one depends on the chosen strategy and the input order of joins;
 * - min/max keep the last of equal values stepped (numeric_larger …), in scan/partition order;
 * - LIMIT cuts a run of equal rows at a plan-dependent place.
 * Where the answer does not depend on the plan (GREATEST/LEAST keep the first argument, sum's
 * scale is the largest input scale, min/max over a VALUES list) the sidecar must match exactly, and
 * the corpus checks it.
 *
 * So a generated query's answer is accepted when, with every value replaced by its canonical form
 * (canonicalValue), the rows are the same in the same order, and either the exact rows are the
 * same multiset (only equal rows reordered) or the query has a construct that picks one of equal
 * values (the generator says which: picksRepresentatives in gen.ts). Everything else about the
 * text (a wrong scale, a wrong float digit) still fails.
 */
import type { Answer } from '../support/diff.js';

const NUMERIC = 1700;
const FLOAT4 = 700;
const FLOAT8 = 701;
const BPCHAR = 1042;

/** The text of a value without what equality ignores: trailing fraction zeros, the sign of a zero, a bpchar's trailing blanks. */
export function canonicalValue(type: number, v: string | null): string | null {
  if (v === null) return null;
  switch (type) {
    case NUMERIC:
      return canonicalNumeric(v);
    case FLOAT4:
    case FLOAT8:
      return v === '-0' ? '0' : v;
    case BPCHAR:
      return v.replace(/ +$/, '');
    default:
      return v;
  }
}

/** "-5.000" → "-5", "0.00" and "-0.0" → "0", "1.50" → "1.5"; NaN and ±Infinity stay. */
export function canonicalNumeric(v: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*?)0*)?$/.exec(v);
  if (!m) return v;
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = m[3] ?? '';
  const zero = int === '0' && frac === '';
  return `${zero ? '' : m[1]}${int}${frac === '' ? '' : `.${frac}`}`;
}

/**
 * Why two successful answers with the same columns are the same modulo equal values ('tie order'
 * or 'representatives'), or undefined when they are not.
 */
export function equalModuloTies(p: Answer, s: Answer, picks: boolean): string | undefined {
  if (!p.rows || !s.rows || p.rows.length !== s.rows.length) return undefined;
  if (JSON.stringify(p.fields) !== JSON.stringify(s.fields) || p.command !== s.command) return undefined;
  const types = (p.fields ?? []).map((f) => f.type);
  const canon = (r: readonly (string | null)[]): string => JSON.stringify(r.map((v, i) => canonicalValue(types[i]!, v)));
  for (let i = 0; i < p.rows.length; i++) if (canon(p.rows[i]!) !== canon(s.rows[i]!)) return undefined;
  const exact = (rows: readonly (readonly (string | null)[])[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
  const pe = exact(p.rows), se = exact(s.rows);
  if (pe.every((x, i) => x === se[i])) return 'tie order';
  return picks ? 'representatives' : undefined;
}
