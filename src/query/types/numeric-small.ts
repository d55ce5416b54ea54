/*
 * numeric-small.ts — the fast form of a numeric: a finite value whose unscaled integer
 * (value × 10^dscale) is a safe integer, kept in a double. Money amounts, quantities and rates
 * (TPC-H's numeric(15,2) columns and their products) are all of this form; reading, comparing,
 * adding and multiplying them needs no decimal.js object, which costs about a microsecond each.
 *
 * Exactness: an integer double below 2^53 is exact, and so is the sum or product of two when the
 * true result is below 2^53. Every operation here checks its result with Number.isSafeInteger
 * (a true result of 2^53 or more rounds to a double that is not "safe") and answers null when it
 * cannot be exact; the caller then computes with decimal.js as before. Zero is never -0.
 *
 * A SmallNumeric is a NumericValue like any other: `d` (the decimal.js value) is made on first
 * use, so code that only knows `d` and `dscale` reads it unchanged. Values made elsewhere (by
 * division, rounding, transcendental functions) stay decimal.js-only; mixing the two falls back.
 *
 * Interface: SmallNumeric, parseSmall(text), smallText(u, scale), smallHash(v),
 * smallAddSub(a, b, sign), smallMul(a, b), smallCompare(a, b), smallRescale(v, scale, precision),
 * up(u, by) (u × 10^by exactly, or NaN)
 */
import { PgDecimal, type NumericValue } from './datum.js';

/** Powers of ten exact in a double (10^22 is the last). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_x, i) => Number(`1e${i}`));

/** Decimal digits a parsed value may have so that its unscaled integer stays below 2^53. */
const MAX_DIGITS = 15;

export class SmallNumeric implements NumericValue {
  private cached: PgDecimal | undefined = undefined;
  constructor(
    /** value × 10^dscale, a safe integer, never -0 */
    readonly u: number,
    readonly dscale: number,
  ) {}

  get d(): PgDecimal {
    let d = this.cached;
    if (d === undefined) {
      d = new PgDecimal(smallText(this.u, this.dscale));
      this.cached = d;
    }
    return d;
  }
}

const small = (u: number, scale: number): SmallNumeric => new SmallNumeric(u === 0 ? 0 : u, scale);

/** numeric_out of u × 10^-scale: exactly `scale` fraction digits. */
export function smallText(u: number, scale: number): string {
  if (scale === 0) return String(u);
  const neg = u < 0;
  let t = String(neg ? -u : u);
  if (t.length <= scale) t = '0'.repeat(scale - t.length + 1) + t;
  const r = `${t.slice(0, t.length - scale)}.${t.slice(t.length - scale)}`;
  return neg ? `-${r}` : r;
}

/** The hash key numericHash gives the equal decimal.js value: the plain text without trailing zeros. */
export function smallHash(v: SmallNumeric): string {
  let u = v.u;
  let s = v.dscale;
  while (s > 0 && u % 10 === 0) {
    u /= 10;
    s--;
  }
  return smallText(u === 0 ? 0 : u, s);
}

/**
 * `-?digits(.digits)?` with at most 15 digits in all, as numeric_out prints; null for anything
 * else (signs, exponents, spaces, NaN, long values: the general reader's).
 */
export function parseSmall(text: string): SmallNumeric | null {
  const n = text.length;
  let i = 0;
  let neg = false;
  if (n > 0 && text.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  let u = 0;
  let digits = 0;
  let scale = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      u = u * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0 && digits > 0) scale = 0;
    else return null;
  }
  if (digits === 0 || digits > MAX_DIGITS || scale === 0) return null;
  return small(neg ? -u : u, scale < 0 ? 0 : scale);
}

/** u × 10^by, or NaN when not exact. */
export function up(u: number, by: number): number {
  if (by === 0) return u;
  if (by > 22) return NaN;
  const r = u * POW10[by]!;
  return Number.isSafeInteger(r) ? r : NaN;
}

/** a + sign·b at the larger scale, or null. */
export function smallAddSub(a: SmallNumeric, b: SmallNumeric, sign: 1 | -1): SmallNumeric | null {
  const s = a.dscale > b.dscale ? a.dscale : b.dscale;
  const x = up(a.u, s - a.dscale);
  const y = up(b.u, s - b.dscale);
  const r = sign === 1 ? x + y : x - y;
  return Number.isSafeInteger(r) ? small(r, s) : null;
}

/** a × b at scale a.dscale + b.dscale, or null. */
export function smallMul(a: SmallNumeric, b: SmallNumeric): SmallNumeric | null {
  const r = a.u * b.u;
  return Number.isSafeInteger(r) ? small(r, a.dscale + b.dscale) : null;
}

/** -1 / 0 / 1, or NaN when the scales cannot be aligned exactly. */
export function smallCompare(a: SmallNumeric, b: SmallNumeric): number {
  if (a.dscale === b.dscale) return a.u < b.u ? -1 : a.u > b.u ? 1 : 0;
  const s = a.dscale > b.dscale ? a.dscale : b.dscale;
  const x = up(a.u, s - a.dscale);
  const y = up(b.u, s - b.dscale);
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * numeric(precision, scale) of v when no rounding is needed (scale ≥ v.dscale) and it fits: the
 * value itself or a copy at the larger scale; null when the general path must decide (rounding,
 * or numeric field overflow, which it raises).
 */
export function smallRescale(v: SmallNumeric, scale: number, precision: number): SmallNumeric | null {
  if (scale < v.dscale) return null;
  const u = up(v.u, scale - v.dscale);
  if (Number.isNaN(u)) return null;
  // |value| < 10^(precision - scale) ⇔ |u| < 10^precision; a safe integer is below 10^16.
  if (precision <= MAX_DIGITS && Math.abs(u) >= POW10[precision]!) return null;
  return scale === v.dscale ? v : small(u, scale);
}
