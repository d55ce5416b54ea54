/*
 * numeric-math.ts — numeric's rounding and transcendental functions with the result scales
 * numeric.c chooses: round/trunc/ceil/floor, sqrt, exp, ln, log, power, gcd/lcm, factorial,
 * div, sign, scale helpers.
 *
 * The scale rules are PostgreSQL's (numeric_sqrt, numeric_exp, numeric_ln via estimate_ln_dweight,
 * log_var, power_var, power_var_int). The values come from decimal.js, computed at a working
 * precision a few digits above the result's and then rounded half away from zero to the chosen
 * scale: PostgreSQL's own algorithms also round a result carried with guard digits, so both agree
 * except when the exact result lies within the guard digits of a rounding midpoint. XXX that case
 * (vanishingly rare for irrational results) may differ in the last digit.
 *
 * Interface: numericRound / numericTrunc / numericCeil / numericFloor / numericSign / numericSqrt /
 * numericExp / numericLn / numericLog / numericPower / numericDivTrunc / numericGcd / numericLcm /
 * numericFactorial / minScale / trimScale
 */
import { Decimal } from 'decimal.js';
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type NumericValue } from './datum.js';
import { divisionByZero } from './int.js';
import {
  divRound,
  make,
  NUM_NAN,
  NUM_NINF,
  NUM_ONE,
  NUM_PINF,
  NUM_ZERO,
  NUMERIC_MAX_DISPLAY_SCALE,
  NUMERIC_MIN_SIG_DIGITS,
  numMod,
  overflowsNumeric,
  roundTo,
  truncQuotient,
  withPrecision,
} from './numeric.js';

const NUMERIC_MAX_RESULT_SCALE = 2000;

const clampScale = (s: number): number => Math.min(Math.max(s, 0), NUMERIC_MAX_DISPLAY_SCALE);

const logError = (zero: boolean): SqlError =>
  new SqlError(SQLSTATE.invalid_argument_for_logarithm, zero ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
const powerError = (msg: string): SqlError => new SqlError(SQLSTATE.invalid_argument_for_power_function, msg);

/** The significant digits of |d| grouped in base 10000 as PostgreSQL stores them (no trailing zero groups). */
function nbaseDigits(d: PgDecimal): { weight: number; digits: number[] } {
  if (d.isZero()) return { weight: 0, digits: [] };
  const words = d.d;
  let s = String(words[0]);
  for (let i = 1; i < words.length; i++) s += String(words[i]).padStart(7, '0');
  s = s.replace(/0+$/, '');
  const weight = Math.floor(d.e / 4);
  const k = d.e - weight * 4 + 1;
  const digits = [Number(s.slice(0, k).padEnd(k, '0'))];
  for (let i = k; i < s.length; i += 4) digits.push(Number(s.slice(i, i + 4).padEnd(4, '0')));
  return { weight, digits };
}

// --- rounding ---------------------------------------------------------------------------------------

export function numericRound(v: NumericValue, scale: number): NumericValue {
  if (!v.d.isFinite()) return v;
  const s = Math.min(Math.max(scale, -NUMERIC_MAX_RESULT_SCALE), NUMERIC_MAX_RESULT_SCALE);
  return roundTo(v.d, s);
}

export function numericTrunc(v: NumericValue, scale: number): NumericValue {
  if (!v.d.isFinite()) return v;
  const s = Math.min(Math.max(scale, -NUMERIC_MAX_RESULT_SCALE), NUMERIC_MAX_RESULT_SCALE);
  if (s >= 0) return make(v.d.toDecimalPlaces(s, Decimal.ROUND_DOWN), s);
  const unit = new PgDecimal(10).pow(-s);
  return make(v.d.div(unit).toDecimalPlaces(0, Decimal.ROUND_DOWN).mul(unit), 0);
}

export function numericCeil(v: NumericValue): NumericValue {
  return v.d.isFinite() ? make(v.d.toDecimalPlaces(0, Decimal.ROUND_CEIL), 0) : v;
}

export function numericFloor(v: NumericValue): NumericValue {
  return v.d.isFinite() ? make(v.d.toDecimalPlaces(0, Decimal.ROUND_FLOOR), 0) : v;
}

export function numericSign(v: NumericValue): NumericValue {
  if (v.d.isNaN()) return NUM_NAN;
  return v.d.isZero() ? NUM_ZERO : v.d.isNeg() ? make(new PgDecimal(-1), 0) : NUM_ONE;
}

/** get_min_scale: fraction digits without trailing zeros. */
export function minScale(v: NumericValue): number {
  return v.d.isZero() ? 0 : Math.max(v.d.decimalPlaces(), 0);
}

export function trimScale(v: NumericValue): NumericValue {
  return v.d.isFinite() ? { d: v.d, dscale: minScale(v) } : v;
}

// --- sqrt, exp, ln, log ---------------------------------------------------------------------------------

/** Digits of working precision for a result of decimal exponent `e` wanted to `rscale` places. */
const workDigits = (e: number, rscale: number): number => Math.max(e + 1 + rscale, 1) + 12;

export function numericSqrt(v: NumericValue): NumericValue {
  if (!v.d.isFinite()) {
    if (v.d.isNaN() || !v.d.isNeg()) return v;
    throw powerError('cannot take square root of a negative number');
  }
  if (v.d.isNeg()) throw powerError('cannot take square root of a negative number');
  const weight = v.d.isZero() ? 0 : Math.floor(v.d.e / 4);
  const sweight = weight * 2 + 1;
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - sweight, v.dscale));
  if (v.d.isZero()) return make(v.d, rscale);
  const r = withPrecision(workDigits(Math.ceil(v.d.e / 2), rscale), Decimal.ROUND_DOWN, () => v.d.sqrt());
  return roundTo(r, rscale);
}

function expRounded(x: PgDecimal, rscale: number): NumericValue {
  const val = x.toNumber();
  if (Math.abs(val) >= NUMERIC_MAX_RESULT_SCALE * 3) {
    if (val > 0) throw overflowsNumeric();
    return make(new PgDecimal(0), rscale);
  }
  const e = Math.floor(val * 0.434294481903252);
  const r = withPrecision(workDigits(e, rscale), Decimal.ROUND_HALF_EVEN, () => x.exp());
  return roundTo(r, rscale);
}

export function numericExp(v: NumericValue): NumericValue {
  if (!v.d.isFinite()) return v.d.isNaN() || !v.d.isNeg() ? v : NUM_ZERO;
  let val = v.d.toNumber() * 0.434294481903252;
  val = Math.min(Math.max(val, -NUMERIC_MAX_RESULT_SCALE), NUMERIC_MAX_RESULT_SCALE);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), v.dscale));
  return expRounded(v.d, rscale);
}

/** estimate_ln_dweight: the decimal weight of ln(d), roughly. */
function estimateLnDweight(d: PgDecimal): number {
  if (d.isNeg() || d.isZero()) return 0;
  if (d.gte(0.9) && d.lte(1.1)) {
    const x = d.minus(1);
    return x.isZero() ? 0 : x.e;
  }
  const { weight, digits } = nbaseDigits(d);
  let lead = digits[0]!;
  let dweight = weight * 4;
  if (digits.length > 1) {
    lead = lead * 10000 + digits[1]!;
    dweight -= 4;
  }
  const ln = Math.log(lead) + dweight * 2.302585092994046;
  return Math.trunc(Math.log10(Math.abs(ln)));
}

/**
 * decimal.js keeps ln(10) to 1025 digits, so ln() cannot work at more. XXX results needing more
 * than ~1000 significant digits (a power or logarithm with hundreds of digits before the point
 * and a large scale) are rounded from 1000 digits.
 */
const MAX_LN_DIGITS = 1000;

/** ln(d) at `digits` significant digits (d > 0, finite). */
function lnAt(d: PgDecimal, digits: number): PgDecimal {
  return withPrecision(Math.min(digits, MAX_LN_DIGITS), Decimal.ROUND_HALF_EVEN, () => d.ln());
}

function checkLogArg(d: PgDecimal): void {
  if (d.isZero()) throw logError(true);
  if (d.isNeg()) throw logError(false);
}

export function numericLn(v: NumericValue): NumericValue {
  if (!v.d.isFinite()) {
    if (!v.d.isNaN() && v.d.isNeg()) throw logError(false);
    return v;
  }
  checkLogArg(v.d);
  const dweight = estimateLnDweight(v.d);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - dweight, v.dscale));
  return roundTo(lnAt(v.d, workDigits(dweight, rscale)), rscale);
}

/** log(base, num) — log_var. */
export function numericLog(base: NumericValue, num: NumericValue): NumericValue {
  if (!base.d.isFinite() || !num.d.isFinite()) {
    if (base.d.isNaN() || num.d.isNaN()) return NUM_NAN;
    if (base.d.isNeg() || num.d.isNeg()) throw logError(false);
    if (base.d.isZero() || num.d.isZero()) throw logError(true);
    if (!base.d.isFinite()) return !num.d.isFinite() ? NUM_NAN : NUM_ZERO;
    return NUM_PINF;
  }
  checkLogArg(base.d);
  checkLogArg(num.d);
  const lnBaseW = estimateLnDweight(base.d);
  const lnNumW = estimateLnDweight(num.d);
  const resultW = lnNumW - lnBaseW;
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - resultW, base.dscale, num.dscale));
  if (base.d.eq(1)) throw divisionByZero();
  const digits = workDigits(resultW, rscale) + 10;
  const lb = lnAt(base.d, digits);
  const ln = lnAt(num.d, digits);
  return divRound(ln, lb, rscale);
}

// --- power ----------------------------------------------------------------------------------------

const isIntegral = (d: PgDecimal): boolean => d.isFinite() && d.isInteger();

/** power_var_int: base ^ exp for an exponent that fits in int32. */
function powerInt(base: NumericValue, exp: number, expDscale: number): NumericValue {
  let f = 0;
  if (!base.d.isZero()) {
    const { weight, digits } = nbaseDigits(base.d);
    let x = digits[0]!;
    let p = weight * 4;
    for (let i = 1; i < digits.length && i * 4 < 16; i++) {
      x = x * 10000 + digits[i]!;
      p -= 4;
    }
    f = exp * (Math.log10(x) + p);
  }
  if (f > 32768 * 4) throw overflowsNumeric();
  if (f + 1 < -NUMERIC_MAX_DISPLAY_SCALE) return make(new PgDecimal(0), NUMERIC_MAX_DISPLAY_SCALE);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(f), base.dscale, expDscale));
  switch (exp) {
    case 0:
      return make(new PgDecimal(1), rscale);
    case 1:
      return roundTo(base.d, rscale);
    case -1:
      return divRound(new PgDecimal(1), base.d, rscale);
    case 2:
      return roundTo(base.d.mul(base.d), rscale);
  }
  if (base.d.isZero()) {
    if (exp < 0) throw divisionByZero();
    return make(base.d, rscale);
  }
  const digits = workDigits(Math.floor(f), rscale) + Math.ceil(Math.log10(Math.abs(exp)));
  const r = withPrecision(digits, Decimal.ROUND_HALF_EVEN, () => base.d.pow(exp));
  if (r.isZero() || !r.isFinite()) return make(new PgDecimal(0), rscale);
  return roundTo(r, rscale);
}

export function numericPower(a: NumericValue, b: NumericValue): NumericValue {
  const x = a.d;
  const y = b.d;
  if (!x.isFinite() || !y.isFinite()) return powerSpecial(a, b);
  if (x.isZero() && y.isNeg()) throw powerError('zero raised to a negative power is undefined');
  if (isIntegral(y) && y.abs().lte(2147483647)) return powerInt(a, y.toNumber(), b.dscale);
  if (x.isZero()) return make(x, NUMERIC_MIN_SIG_DIGITS);
  let neg = false;
  let base = x;
  if (x.isNeg()) {
    if (!isIntegral(y)) throw powerError('a negative number raised to a non-integer power yields a complex result');
    neg = y.mod(2).abs().eq(1);
    base = x.abs();
  }
  const lnDweight = estimateLnDweight(base);
  const low = lnAt(base, Math.max(8 - lnDweight, 0) + Math.max(base.e, 1) + 4).mul(y);
  let val = low.toNumber();
  if (Math.abs(val) > NUMERIC_MAX_RESULT_SCALE * 3.01) {
    if (val > 0) throw overflowsNumeric();
    return make(new PgDecimal(0), NUMERIC_MAX_DISPLAY_SCALE);
  }
  val *= 0.434294481903252;
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), a.dscale, b.dscale));
  const digits = workDigits(Math.floor(val), rscale) + 10;
  const r = withPrecision(Math.min(digits, MAX_LN_DIGITS), Decimal.ROUND_HALF_EVEN, () => base.ln().mul(y).exp());
  const out = roundTo(r, rscale);
  return neg && !out.d.isZero() ? { d: out.d.neg(), dscale: out.dscale } : out;
}

/** numeric_power's NaN and infinity rules (POSIX pow). */
function powerSpecial(a: NumericValue, b: NumericValue): NumericValue {
  const x = a.d;
  const y = b.d;
  if (x.isNaN()) return y.isFinite() && y.isZero() ? NUM_ONE : NUM_NAN;
  if (y.isNaN()) return x.isFinite() && x.eq(1) ? NUM_ONE : NUM_NAN;
  const sign1 = x.isZero() ? 0 : x.isNeg() ? -1 : 1;
  const sign2 = y.isZero() ? 0 : y.isNeg() ? -1 : 1;
  if (sign1 === 0 && sign2 < 0) throw powerError('zero raised to a negative power is undefined');
  // numeric_is_integral counts the infinities as integral.
  if (sign1 < 0 && y.isFinite() && !isIntegral(y)) throw powerError('a negative number raised to a non-integer power yields a complex result');
  if (x.isFinite() && x.eq(1)) return NUM_ONE;
  if (sign2 === 0) return NUM_ONE;
  if (sign1 === 0 && sign2 > 0) return NUM_ZERO;
  if (!y.isFinite()) {
    if (x.isFinite() && x.eq(-1)) return NUM_ONE;
    const absGtOne = !x.isFinite() || x.abs().gt(1);
    return absGtOne === sign2 > 0 ? NUM_PINF : NUM_ZERO;
  }
  if (!x.isNeg()) return sign2 > 0 ? NUM_PINF : NUM_ZERO;
  if (sign2 < 0) return NUM_ZERO;
  return y.mod(2).eq(1) ? NUM_NINF : NUM_PINF;
}

// --- integer-valued helpers ---------------------------------------------------------------------------

/** div(x, y): truncated quotient, scale 0. */
export function numericDivTrunc(a: NumericValue, b: NumericValue): NumericValue {
  if (a.d.isNaN() || b.d.isNaN()) return NUM_NAN;
  if (!a.d.isFinite()) {
    if (!b.d.isFinite()) return NUM_NAN;
    if (b.d.isZero()) throw divisionByZero();
    return a.d.isNeg() !== b.d.isNeg() ? NUM_NINF : NUM_PINF;
  }
  if (!b.d.isFinite()) return NUM_ZERO;
  if (b.d.isZero()) throw divisionByZero();
  return make(truncQuotient(a.d, b.d), 0);
}

export function numericGcd(a: NumericValue, b: NumericValue): NumericValue {
  if (!a.d.isFinite() || !b.d.isFinite()) return NUM_NAN;
  const scale = Math.max(a.dscale, b.dscale);
  let x: NumericValue = { d: a.d.abs(), dscale: scale };
  let y: NumericValue = { d: b.d.abs(), dscale: scale };
  while (!y.d.isZero()) {
    const m = numMod(x, y);
    x = y;
    y = m;
  }
  return make(x.d, scale);
}

export function numericLcm(a: NumericValue, b: NumericValue): NumericValue {
  if (!a.d.isFinite() || !b.d.isFinite()) return NUM_NAN;
  const scale = Math.max(a.dscale, b.dscale);
  if (a.d.isZero() || b.d.isZero()) return make(new PgDecimal(0), scale);
  const g = numericGcd(a, b);
  return make(truncQuotient(a.d, g.d).mul(b.d).abs(), scale);
}

export function numericFactorial(n: bigint): NumericValue {
  if (n < 0n) throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'factorial of a negative number is undefined');
  if (n <= 1n) return NUM_ONE;
  if (n > 32177n) throw overflowsNumeric();
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return make(new PgDecimal(r.toString()), 0);
}
