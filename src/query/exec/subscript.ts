/*
 * subscript.ts — array element and slice access (arr[i], arr[i][j], arr[i:j], arr[:j]) with
 * PostgreSQL's rules: a wrong number of subscripts or an index out of range is NULL, a slice is
 * clipped to the array's bounds and has lower bounds 1, an empty slice is '{}'.
 *
 * A subscript value is a number, null for a NULL subscript (result NULL), undefined for an omitted
 * slice bound (the array's own bound). The jsonb family may export a richer version; this one
 * serves array subscripts of the executor.
 */
import type { ArrayValue, Datum } from '../types/datum.js';

type Sub = number | null | undefined;

export function arraySubscript(a: ArrayValue, lower: readonly Sub[], upper: readonly Sub[] | null): Datum {
  if (lower.some((l) => l === null) || (upper !== null && upper.some((u) => u === null))) return null;
  const nd = a.dims.length;
  if (upper === null) {
    if (lower.length !== nd || nd === 0) return null;
    let off = 0;
    for (let d = 0; d < nd; d++) {
      const i = (lower[d] as number) - a.lbounds[d]!;
      if (i < 0 || i >= a.dims[d]!) return null;
      off = off * a.dims[d]! + i;
    }
    return a.items[off] ?? null;
  }
  const empty: ArrayValue = { elemType: a.elemType, dims: [], lbounds: [], items: [] };
  if (nd === 0 || lower.length > nd) return empty;
  const from: number[] = [];
  const to: number[] = [];
  for (let d = 0; d < nd; d++) {
    const lb = a.lbounds[d]!;
    const ub = lb + a.dims[d]! - 1;
    const l = d < lower.length ? (lower[d] ?? lb) : lb;
    const u = d < upper.length ? (upper[d] ?? ub) : ub;
    const f = Math.max(l, lb);
    const t = Math.min(u, ub);
    if (f > t) return empty;
    from.push(f - lb);
    to.push(t - lb);
  }
  const dims = from.map((f, d) => to[d]! - f + 1);
  const items: Datum[] = [];
  const idx = [...from];
  for (;;) {
    let off = 0;
    for (let d = 0; d < nd; d++) off = off * a.dims[d]! + idx[d]!;
    items.push(a.items[off] ?? null);
    let d = nd - 1;
    while (d >= 0 && idx[d] === to[d]) {
      idx[d] = from[d]!;
      d--;
    }
    if (d < 0) break;
    idx[d]!++;
  }
  return { elemType: a.elemType, dims, lbounds: dims.map(() => 1), items };
}
