/*
 * numeric.ts — the numeric type: input, output, btree order, hashing, typmod (numeric(p,s)), and
 * the four exact operations with PostgreSQL's result scales (numeric.c).
 *
 * A value is a NumericValue (datum.ts): an exact decimal.js value plus the display scale (dscale)
 * PostgreSQL keeps, so 1.50 prints "1.50". Invariant: `d` never has more fraction digits than
 * dscale (every result is rounded to its scale before it is returned), and zero is never -0.
 * NaN and ±Infinity are decimal.js NaN / ±Infinity with dscale 0.
 *
 * Scales, as numeric.c chooses them:
 *   + -   max(dscale1, dscale2)               (exact)
 *   *     dscale1 + dscale2                   (exact)
 *   /     select_div_scale: enough for NUMERIC_MIN_SIG_DIGITS (16) significant digits, at least
 *         both inputs' dscale, at most 1000; rounded half away from zero.
 *   %     max(dscale1, dscale2)               (x - trunc(x/y)*y)
 * The quotient's weight comes from PostgreSQL's base-10000 digits (weight, first digit), which is
 * why nbaseWeight() exists: decimal exponents alone give a different scale for e.g. 1/9999.
 *
 * Precision: decimal.js runs at 1100 significant digits (datum.ts); division and the
 * transcendental functions set a working precision just above what the result scale needs
 * (withPrecision), because their cost grows with the precision, not with the operands.
 * XXX values with more than ~1100 significant digits (PostgreSQL allows 131072 before the
 * point) are rounded by decimal.js in + - *.
 *
 * Small values: numericIn, numFromInt and numFromBigInt give a SmallNumeric (numeric-small.ts)
 * when the unscaled value fits a double exactly; + - * compare hash output and typmod take the
 * double path when both sides are small and the result stays exact, else decimal.js as above.
 *
 * Interface:
 *   numericIn(text) / numericOut(v)     text I/O
 *   numericCompare / numericHash         btree order (NaN above +Infinity) and hash key
 *   applyNumericTypmod(v, typmod)        numeric(p,s) coercion, 22003 numeric field overflow
 *   numAdd / numSub / numMul / numDiv / numMod / numNeg / numAbs
 *   numFromInt / numFromBigInt / numToBigInt(v, typeName)   integer conversions
 *   make(d, dscale), NUM_NAN, NUM_ZERO, NUM_ONE, nbaseWeight(d), selectDivScale(a, b), withPrecision
 */
import { Decimal } from 'decimal.js';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type Datum, type NumericValue } from './datum.js';
import { divisionByZero, invalidInput, isSpace, parseInteger } from './int.js';
import type { TypeInfo } from './registry.js';
import { parseSmall, smallAddSub, smallCompare, smallHash, smallMul, SmallNumeric, smallRescale, smallText } from './numeric-small.js';

export const NUMERIC_MIN_SIG_DIGITS = 16;
export const NUMERIC_MAX_DISPLAY_SCALE = 1000;
export const NUMERIC_DSCALE_MAX = 0x3fff;
/** Decimal digits before the point a stored numeric may have ((NUMERIC_WEIGHT_MAX + 1) * 4). */
const MAX_INT_DIGITS = 131072;

export function make(d: PgDecimal, dscale: number): NumericValue {
  return { d: d.isZero() && d.isNeg() ? ZERO_D : d, dscale };
}

const ZERO_D = new PgDecimal(0);
export const NUM_NAN: NumericValue = { d: new PgDecimal(NaN), dscale: 0 };
export const NUM_PINF: NumericValue = { d: new PgDecimal(Infinity), dscale: 0 };
export const NUM_NINF: NumericValue = { d: new PgDecimal(-Infinity), dscale: 0 };
export const NUM_ZERO: NumericValue = { d: ZERO_D, dscale: 0 };
export const NUM_ONE: NumericValue = { d: new PgDecimal(1), dscale: 0 };

export const overflowsNumeric = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'value overflows numeric format');

/** Rounds to `scale` places half away from zero (numeric's round_var) and records that scale. */
export function roundTo(d: PgDecimal, scale: number): NumericValue {
  if (!d.isFinite()) return { d, dscale: 0 };
  if (scale >= 0) return make(d.toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
  // A negative scale rounds before the point (numeric(3,-2), round(x, -2)).
  const unit = new PgDecimal(10).pow(-scale);
  return make(d.div(unit).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).mul(unit), 0);
}

/** Runs f with decimal.js at `precision` significant digits and the given rounding, then restores. */
export function withPrecision<T>(precision: number, rounding: Decimal.Rounding, f: () => T): T {
  const p0 = PgDecimal.precision;
  const r0 = PgDecimal.rounding;
  PgDecimal.set({ precision: Math.min(Math.max(precision, 1), 1e9), rounding });
  try {
    return f();
  } finally {
    PgDecimal.set({ precision: p0, rounding: r0 });
  }
}

// --- input / output ---------------------------------------------------------------------------------

const NUMERIC_RE = /^([+-]?)(?:([0-9](?:_?[0-9])*)?(?:\.([0-9](?:_?[0-9])*)?)?)(?:[eE]([+-]?[0-9]+))?$/;
const PLAIN_RE = /^-?[0-9]+(?:\.[0-9]+)?$/;

export function numericIn(text: string): NumericValue {
  // Hot path: what numeric_out printed (the store's text) is read as is.
  const fast = parseSmall(text);
  if (fast !== null) return fast;
  if (PLAIN_RE.test(text)) {
    const dot = text.indexOf('.');
    return make(new PgDecimal(text), dot < 0 ? 0 : text.length - dot - 1);
  }
  let a = 0;
  let b = text.length;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  const s = text.slice(a, b);
  const lower = s.toLowerCase();
  if (lower === 'nan') return NUM_NAN;
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return NUM_PINF;
  if (lower === '-infinity' || lower === '-inf') return NUM_NINF;
  const m = NUMERIC_RE.exec(s);
  if (m === null || (m[2] === undefined && m[3] === undefined)) {
    if (/^[+-]?0[xob]/i.test(s)) {
      try {
        return make(new PgDecimal(parseInteger(s, Oid.int8).toString()), 0);
      } catch {
        // PostgreSQL reads based integers of any length into numeric; past int8 is out of scope.
      }
    }
    throw invalidInput(Oid.numeric, text);
  }
  const intPart = (m[2] ?? '').replace(/_/g, '');
  const fracPart = (m[3] ?? '').replace(/_/g, '');
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 2 * MAX_INT_DIGITS) throw overflowsNumeric();
  const dscale = Math.max(0, fracPart.length - exp);
  if (dscale > NUMERIC_DSCALE_MAX) throw overflowsNumeric();
  const d = new PgDecimal(`${m[1] === '-' ? '-' : ''}${intPart === '' ? '0' : intPart}.${fracPart === '' ? '0' : fracPart}e${exp}`);
  if (!d.isZero() && d.e >= MAX_INT_DIGITS) throw overflowsNumeric();
  return make(d, dscale);
}

export function numericOut(v: NumericValue): string {
  if (v instanceof SmallNumeric) return smallText(v.u, v.dscale);
  const d = v.d;
  if (!d.isFinite()) return d.isNaN() ? 'NaN' : d.isNeg() ? '-Infinity' : 'Infinity';
  return d.toFixed(v.dscale);
}

// --- order and hashing --------------------------------------------------------------------------------

/** cmp_numerics: NaN equals NaN and sorts above everything, including +Infinity. */
export function numericCompare(a: NumericValue, b: NumericValue): number {
  if (a instanceof SmallNumeric && b instanceof SmallNumeric) {
    const c = smallCompare(a, b);
    if (!Number.isNaN(c)) return c;
  }
  const an = a.d.isNaN();
  const bn = b.d.isNaN();
  if (an || bn) return an ? (bn ? 0 : 1) : -1;
  return a.d.cmp(b.d);
}

/** 1.0 and 1.00 are equal, so the key is the value without its scale. */
export function numericHash(v: NumericValue): string {
  if (v instanceof SmallNumeric) return smallHash(v);
  return v.d.toString();
}

// --- typmod ---------------------------------------------------------------------------------------

/** numeric(p,s) typmod: ((p << 16) | (s & 0x7ff)) + VARHDRSZ; s may be negative (PG 15+). */
export function typmodPrecision(typmod: number): number {
  return ((typmod - 4) >> 16) & 0xffff;
}

export function typmodScale(typmod: number): number {
  return ((((typmod - 4) & 0x7ff) ^ 1024) - 1024) | 0;
}

/** apply_typmod: round to the scale, then fail if the integer part needs more than p - s digits. */
export function applyNumericTypmod(v: NumericValue, typmod: number): NumericValue {
  if (typmod < 4) return v;
  const precision = typmodPrecision(typmod);
  const scale = typmodScale(typmod);
  const maxdigits = precision - scale;
  if (v instanceof SmallNumeric) {
    const r = smallRescale(v, scale, precision);
    if (r !== null) return r;
  }
  if (!v.d.isFinite()) {
    if (v.d.isNaN()) return v;
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`,
    });
  }
  const r = roundTo(v.d, scale);
  if (!r.d.isZero() && r.d.e + 1 > maxdigits) {
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${maxdigits > 0 ? '10^' + maxdigits : '1'}.`,
    });
  }
  return r;
}

// --- base-10000 geometry (for PostgreSQL's scale choices) ---------------------------------------------

/** PostgreSQL's weight (base-10000 exponent of the first digit) and that first digit, of a finite value. */
export function nbaseWeight(d: PgDecimal): { weight: number; first: number } {
  if (d.isZero()) return { weight: 0, first: 0 };
  const e = d.e;
  const weight = Math.floor(e / 4);
  const k = e - weight * 4 + 1;
  const words = d.d;
  let lead = String(words[0]);
  for (let i = 1; lead.length < k && i < words.length; i++) lead += String(words[i]).padStart(7, '0');
  lead = lead.length >= k ? lead.slice(0, k) : lead.padEnd(k, '0');
  return { weight, first: Number(lead) };
}

/** select_div_scale. */
export function selectDivScale(a: NumericValue, b: NumericValue): number {
  const w1 = nbaseWeight(a.d);
  const w2 = nbaseWeight(b.d);
  let qweight = w1.weight - w2.weight;
  if (w1.first <= w2.first) qweight--;
  let rscale = NUMERIC_MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.dscale, b.dscale, 0);
  return Math.min(rscale, NUMERIC_MAX_DISPLAY_SCALE);
}

// --- arithmetic -------------------------------------------------------------------------------------

export function numAdd(a: NumericValue, b: NumericValue): NumericValue {
  if (a instanceof SmallNumeric && b instanceof SmallNumeric) {
    const r = smallAddSub(a, b, 1);
    if (r !== null) return r;
  }
  const r = a.d.plus(b.d);
  return r.isNaN() ? NUM_NAN : make(r, r.isFinite() ? Math.max(a.dscale, b.dscale) : 0);
}

export function numSub(a: NumericValue, b: NumericValue): NumericValue {
  if (a instanceof SmallNumeric && b instanceof SmallNumeric) {
    const r = smallAddSub(a, b, -1);
    if (r !== null) return r;
  }
  const r = a.d.minus(b.d);
  return r.isNaN() ? NUM_NAN : make(r, r.isFinite() ? Math.max(a.dscale, b.dscale) : 0);
}

export function numMul(a: NumericValue, b: NumericValue): NumericValue {
  if (a instanceof SmallNumeric && b instanceof SmallNumeric) {
    const r = smallMul(a, b);
    if (r !== null) return r;
  }
  const r = a.d.mul(b.d);
  if (r.isNaN()) return NUM_NAN;
  if (!r.isFinite()) return make(r, 0);
  const scale = Math.min(a.dscale + b.dscale, NUMERIC_DSCALE_MAX);
  return scale === a.dscale + b.dscale ? make(r, scale) : roundTo(r, scale);
}

/** Division rounded to rscale, half away from zero. */
export function divRound(a: PgDecimal, b: PgDecimal, rscale: number): NumericValue {
  // Truncating at enough digits keeps the comparison with the rounding midpoint exact.
  const digits = a.e - b.e + 2 + rscale + 2;
  const q = withPrecision(digits, Decimal.ROUND_DOWN, () => a.div(b));
  return roundTo(q, rscale);
}

export function numDiv(a: NumericValue, b: NumericValue): NumericValue {
  if (a.d.isNaN() || b.d.isNaN()) return NUM_NAN;
  if (!a.d.isFinite()) {
    if (!b.d.isFinite()) return NUM_NAN;
    if (b.d.isZero()) throw divisionByZero();
    return a.d.isNeg() !== b.d.isNeg() ? NUM_NINF : NUM_PINF;
  }
  if (!b.d.isFinite()) return NUM_ZERO;
  if (b.d.isZero()) throw divisionByZero();
  return divRound(a.d, b.d, selectDivScale(a, b));
}

/** Truncated integer quotient (div(), and the first step of %). */
export function truncQuotient(a: PgDecimal, b: PgDecimal): PgDecimal {
  const digits = a.e - b.e + 3;
  return withPrecision(Math.max(digits, 1), Decimal.ROUND_DOWN, () => a.div(b)).toDecimalPlaces(0, Decimal.ROUND_DOWN);
}

export function numMod(a: NumericValue, b: NumericValue): NumericValue {
  if (a.d.isNaN() || b.d.isNaN()) return NUM_NAN;
  if (!a.d.isFinite()) {
    if (b.d.isZero()) throw divisionByZero();
    return NUM_NAN;
  }
  if (!b.d.isFinite()) return a;
  if (b.d.isZero()) throw divisionByZero();
  const q = truncQuotient(a.d, b.d);
  return make(a.d.minus(q.mul(b.d)), Math.max(a.dscale, b.dscale));
}

export function numNeg(a: NumericValue): NumericValue {
  if (a instanceof SmallNumeric) return a.u === 0 ? a : new SmallNumeric(-a.u, a.dscale);
  return a.d.isNaN() || a.d.isZero() ? a : { d: a.d.neg(), dscale: a.dscale };
}

export function numAbs(a: NumericValue): NumericValue {
  if (a instanceof SmallNumeric) return a.u < 0 ? new SmallNumeric(-a.u, a.dscale) : a;
  return a.d.isNeg() ? { d: a.d.abs(), dscale: a.dscale } : a;
}

// --- integer conversions ------------------------------------------------------------------------------

export function numFromInt(n: number): NumericValue {
  if (Number.isSafeInteger(n)) return new SmallNumeric(n === 0 ? 0 : n, 0);
  return { d: new PgDecimal(n), dscale: 0 };
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

export function numFromBigInt(n: bigint): NumericValue {
  if (n <= MAX_SAFE_BIG && n >= -MAX_SAFE_BIG) return new SmallNumeric(Number(n), 0);
  return { d: new PgDecimal(n.toString()), dscale: 0 };
}

/** numeric → integer: rounds half away from zero; NaN/Infinity are 0A000 as in numeric_int4. */
export function numToBigInt(v: NumericValue, typeName: string): bigint {
  if (!v.d.isFinite()) {
    throw new SqlError(SQLSTATE.feature_not_supported, `cannot convert ${v.d.isNaN() ? 'NaN' : 'infinity'} to ${typeName}`);
  }
  const r = v.d.toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  if (r.e > 20) throw new SqlError(SQLSTATE.numeric_value_out_of_range, `${typeName} out of range`);
  return BigInt(r.toFixed(0));
}

export const NUMERIC_TYPE: TypeInfo = {
  oid: Oid.numeric,
  name: 'numeric',
  sqlName: 'numeric',
  category: 'N',
  preferred: false,
  len: -1,
  elem: 0,
  array: 1231,
  input: (t, typmod) => applyNumericTypmod(numericIn(t), typmod),
  output: (d: Datum) => numericOut(d as NumericValue),
  compare: (a, b) => numericCompare(a as NumericValue, b as NumericValue),
  hashKey: (d) => numericHash(d as NumericValue),
  applyTypmod: (d, typmod) => applyNumericTypmod(d as NumericValue, typmod),
  formatTypmod: (typmod) => (typmod < 4 ? 'numeric' : `numeric(${typmodPrecision(typmod)},${typmodScale(typmod)})`),
};
