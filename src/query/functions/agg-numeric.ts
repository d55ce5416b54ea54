/*
 * agg-numeric.ts — sum, avg, variance/stddev (samp, pop), bit_and/bit_or/bit_xor and
 * percentile_cont over the numeric family, with PostgreSQL's result types and scales.
 *
 * Result types (pg_aggregate): sum(int2|int4) → int8, sum(int8|numeric) → numeric,
 * sum(float4) → float4, sum(float8) → float8; avg of integers and numeric → numeric, of floats →
 * float8; variance/stddev of integers and numeric → numeric, of floats → float8.
 *
 * Scales: avg is numeric_div(sum, count) (select_div_scale); numeric sums keep the largest input
 * scale; variance follows numeric_stddev_internal: numerator N·Σx² − (Σx)² at twice the input
 * scale, divided by N·(N−1) (or N²) at select_div_scale, stddev is the square root at that
 * same scale; a numerator ≤ 0 gives exactly 0. Float variance uses the Youngs-Cramer
 * transition of float8_accum in the same operation order, so results agree to the bit.
 * NaN and ±Infinity inputs to numeric aggregates are counted apart as numeric.c does.
 *
 * States are small mutable objects (one per group), updated in place: no allocation per row on
 * the integer and float paths.
 *
 * Interface: registerNumericAggregates()
 */
import { Decimal } from 'decimal.js';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type ArrayValue, type Datum, type NumericValue } from '../types/datum.js';
import { floatOverflow } from '../types/float.js';
import { checkInt8 } from '../types/int.js';
import { SmallNumeric, up } from '../types/numeric-small.js';
import { make, NUM_NAN, NUM_NINF, NUM_PINF, numDiv, numFromBigInt, roundTo, selectDivScale, divRound, withPrecision } from '../types/numeric.js';
import { registerAgg } from './registry.js';

const { int2, int4, int8, float4, float8, numeric } = Oid;
const FLOAT8_ARRAY = 1022;

// --- integer sums -------------------------------------------------------------------------------------

/** Σ of int2/int4 in a double while it is exact, then in a bigint. */
interface IntSum {
  n: number;
  small: number;
  big: bigint;
}

const SMALL_LIMIT = 2 ** 52;

function intSumStep(s: IntSum, v: number): IntSum {
  s.n++;
  s.small += v;
  if (s.small > SMALL_LIMIT || s.small < -SMALL_LIMIT) {
    s.big += BigInt(s.small);
    s.small = 0;
  }
  return s;
}

const intSumTotal = (s: IntSum): bigint => s.big + BigInt(s.small);

interface BigSum {
  n: number;
  sum: bigint;
}

// --- numeric accumulation (NumericAggState) --------------------------------------------------------------

interface NumState {
  n: number;
  /** Σ of the inputs that are not SmallNumeric (or all of them, with squares). */
  sum: PgDecimal;
  sum2: PgDecimal;
  scale: number;
  nan: number;
  pinf: number;
  ninf: number;
  /**
   * Σ of SmallNumeric inputs (sum and avg): usmall + ubig, an integer at scale `us` (the largest
   * dscale of those inputs). usmall stays a safe integer: when an addition would leave that
   * range, it moves into ubig first. Exact, and no decimal.js object per row.
   */
  usmall: number;
  ubig: bigint;
  us: number;
}

const newNumState = (): NumState => ({ n: 0, sum: new PgDecimal(0), sum2: new PgDecimal(0), scale: 0, nan: 0, pinf: 0, ninf: 0, usmall: 0, ubig: 0n, us: 0 });

const TEN = 10n;

function smallStep(s: NumState, v: SmallNumeric): NumState {
  s.n++;
  if (v.dscale > s.scale) s.scale = v.dscale;
  let u = v.u;
  if (v.dscale > s.us) {
    s.ubig = (s.ubig + BigInt(s.usmall)) * TEN ** BigInt(v.dscale - s.us);
    s.usmall = 0;
    s.us = v.dscale;
  } else if (v.dscale < s.us) {
    u = up(u, s.us - v.dscale);
    if (Number.isNaN(u)) {
      s.ubig += BigInt(v.u) * TEN ** BigInt(s.us - v.dscale);
      return s;
    }
  }
  const t = s.usmall + u;
  if (Number.isSafeInteger(t)) s.usmall = t;
  else {
    s.ubig += BigInt(s.usmall);
    s.usmall = u;
  }
  return s;
}

/** The exact sum of all finite inputs, at the largest input scale. */
function finiteSum(s: NumState): NumericValue {
  const total = s.ubig + BigInt(s.usmall);
  const t = total < 0n ? -total : total;
  const safe = t <= BigInt(Number.MAX_SAFE_INTEGER);
  if (s.sum.isZero() && safe && s.us === s.scale) return new SmallNumeric(Number(total), s.us);
  let digits = t.toString();
  if (s.us > 0) {
    digits = digits.padStart(s.us + 1, '0');
    digits = `${digits.slice(0, digits.length - s.us)}.${digits.slice(digits.length - s.us)}`;
  }
  return make(s.sum.plus(new PgDecimal(total < 0n ? `-${digits}` : digits)), s.scale);
}

function numStep(s: NumState, v: NumericValue, squares: boolean): NumState {
  if (!squares && v instanceof SmallNumeric) return smallStep(s, v);
  const d = v.d;
  if (!d.isFinite()) {
    if (d.isNaN()) s.nan++;
    else if (d.isNeg()) s.ninf++;
    else s.pinf++;
    return s;
  }
  s.n++;
  s.sum = s.sum.plus(d);
  if (v.dscale > s.scale) s.scale = v.dscale;
  if (squares) s.sum2 = s.sum2.plus(d.mul(d));
  return s;
}

/** Adds an integer input to a numeric state (int8 sums, integer variance). */
function numStepInt(s: NumState, v: number | bigint, squares: boolean): NumState {
  s.n++;
  const d = new PgDecimal(typeof v === 'bigint' ? v.toString() : v);
  s.sum = s.sum.plus(d);
  if (squares) s.sum2 = s.sum2.plus(d.mul(d));
  return s;
}

const total = (s: NumState): number => s.n + s.nan + s.pinf + s.ninf;

/** NaN / infinity outcome of sum and avg, or undefined when all inputs were finite. */
function specialResult(s: NumState): NumericValue | undefined {
  if (s.nan > 0 || (s.pinf > 0 && s.ninf > 0)) return NUM_NAN;
  if (s.pinf > 0) return NUM_PINF;
  if (s.ninf > 0) return NUM_NINF;
  return undefined;
}

function numSumFinal(s: NumState): Datum {
  if (total(s) === 0) return null;
  return specialResult(s) ?? finiteSum(s);
}

function numAvgFinal(s: NumState): Datum {
  if (total(s) === 0) return null;
  return specialResult(s) ?? numDiv(finiteSum(s), make(new PgDecimal(s.n), 0));
}

/** numeric_stddev_internal. */
function numVarFinal(s: NumState, variance: boolean, sample: boolean): Datum {
  const count = total(s);
  if (count === 0) return null;
  if (s.nan > 0 || s.pinf > 0 || s.ninf > 0) return sample && count <= 1 ? null : NUM_NAN;
  if (sample && s.n <= 1) return null;
  const n = new PgDecimal(s.n);
  const denom = sample ? n.mul(n.minus(1)) : n.mul(n);
  const rscale2 = s.scale * 2;
  const numerator = roundTo(n.mul(s.sum2), rscale2).d.minus(roundTo(s.sum.mul(s.sum), rscale2).d);
  if (numerator.lte(0)) return make(new PgDecimal(0), 0);
  const num: NumericValue = make(numerator, rscale2);
  const rscale = selectDivScale(num, make(denom, 0));
  if (variance) return divRound(numerator, denom, rscale);
  // stddev: sqrt of the variance already rounded to rscale, rounded again to rscale (sqrt_var).
  const v = divRound(numerator, denom, rscale).d;
  const r = withPrecision(Math.max(Math.ceil(v.e / 2) + 1 + rscale, 1) + 12, Decimal.ROUND_DOWN, () => v.sqrt());
  return roundTo(r, rscale);
}

// --- floats (float8_accum) ---------------------------------------------------------------------------

interface FloatState {
  n: number;
  sx: number;
  sxx: number;
}

const isInf = (v: number): boolean => v === Infinity || v === -Infinity;

function floatAccum(s: FloatState, x: number): FloatState {
  const n0 = s.n;
  const sx0 = s.sx;
  s.n = n0 + 1;
  s.sx = sx0 + x;
  if (n0 > 0) {
    const tmp = x * s.n - s.sx;
    s.sxx += (tmp * tmp) / (s.n * n0);
    if (isInf(s.sx) || isInf(s.sxx)) {
      if (!isInf(sx0) && !isInf(x)) throw floatOverflow();
      s.sxx = NaN;
    }
  } else if (!Number.isFinite(x)) {
    s.sxx = NaN;
  }
  return s;
}

function floatVar(s: FloatState, variance: boolean, sample: boolean): Datum {
  if (s.n === 0 || (sample && s.n <= 1)) return null;
  const v = s.sxx / (sample ? s.n - 1 : s.n);
  return variance ? v : Math.sqrt(v);
}

// --- registration ---------------------------------------------------------------------------------------

const VARIANTS: readonly { names: readonly string[]; variance: boolean; sample: boolean }[] = [
  { names: ['variance', 'var_samp'], variance: true, sample: true },
  { names: ['var_pop'], variance: true, sample: false },
  { names: ['stddev', 'stddev_samp'], variance: false, sample: true },
  { names: ['stddev_pop'], variance: false, sample: false },
];

function registerSums(): void {
  for (const t of [int2, int4]) {
    registerAgg<IntSum>({
      name: 'sum',
      args: [t],
      returns: int8,
      strict: true,
      init: () => ({ n: 0, small: 0, big: 0n }),
      step: (s, a) => intSumStep(s, a[0] as number),
      final: (s) => (s.n === 0 ? null : checkInt8(intSumTotal(s))),
    });
    registerAgg<IntSum>({
      name: 'avg',
      args: [t],
      returns: numeric,
      strict: true,
      init: () => ({ n: 0, small: 0, big: 0n }),
      step: (s, a) => intSumStep(s, a[0] as number),
      final: (s) => (s.n === 0 ? null : numDiv(numFromBigInt(intSumTotal(s)), make(new PgDecimal(s.n), 0))),
    });
  }
  registerAgg<BigSum>({
    name: 'sum',
    args: [int8],
    returns: numeric,
    strict: true,
    init: () => ({ n: 0, sum: 0n }),
    step: (s, a) => {
      s.n++;
      s.sum += a[0] as bigint;
      return s;
    },
    final: (s) => (s.n === 0 ? null : numFromBigInt(s.sum)),
  });
  registerAgg<BigSum>({
    name: 'avg',
    args: [int8],
    returns: numeric,
    strict: true,
    init: () => ({ n: 0, sum: 0n }),
    step: (s, a) => {
      s.n++;
      s.sum += a[0] as bigint;
      return s;
    },
    final: (s) => (s.n === 0 ? null : numDiv(numFromBigInt(s.sum), make(new PgDecimal(s.n), 0))),
  });
  registerAgg<NumState>({
    name: 'sum',
    args: [numeric],
    returns: numeric,
    strict: true,
    init: newNumState,
    step: (s, a) => numStep(s, a[0] as NumericValue, false),
    final: numSumFinal,
  });
  registerAgg<NumState>({
    name: 'avg',
    args: [numeric],
    returns: numeric,
    strict: true,
    init: newNumState,
    step: (s, a) => numStep(s, a[0] as NumericValue, false),
    final: numAvgFinal,
  });
  for (const t of [float4, float8]) {
    const single = t === float4;
    registerAgg<FloatState>({
      name: 'sum',
      args: [t],
      returns: t,
      strict: true,
      init: () => ({ n: 0, sx: 0, sxx: 0 }),
      step: (s, a) => {
        const x = a[0] as number;
        // The first value is the state as is (-0 stays -0), as float4pl/float8pl's NULL start.
        const r = s.n === 0 ? x : single ? Math.fround(s.sx + x) : s.sx + x;
        if ((r === Infinity || r === -Infinity) && Number.isFinite(s.sx) && Number.isFinite(x)) throw floatOverflow();
        s.sx = r;
        s.n++;
        return s;
      },
      final: (s) => (s.n === 0 ? null : s.sx),
    });
    registerAgg<FloatState>({
      name: 'avg',
      args: [t],
      returns: float8,
      strict: true,
      init: () => ({ n: 0, sx: 0, sxx: 0 }),
      step: (s, a) => floatAccum(s, a[0] as number),
      final: (s) => (s.n === 0 ? null : s.sx / s.n),
    });
  }
}

function registerVariances(): void {
  for (const v of VARIANTS) {
    for (const name of v.names) {
      for (const t of [int2, int4, int8]) {
        registerAgg<NumState>({
          name,
          args: [t],
          returns: numeric,
          strict: true,
          init: newNumState,
          step: (s, a) => numStepInt(s, a[0] as number | bigint, true),
          final: (s) => numVarFinal(s, v.variance, v.sample),
        });
      }
      registerAgg<NumState>({
        name,
        args: [numeric],
        returns: numeric,
        strict: true,
        init: newNumState,
        step: (s, a) => numStep(s, a[0] as NumericValue, true),
        final: (s) => numVarFinal(s, v.variance, v.sample),
      });
      for (const t of [float4, float8]) {
        registerAgg<FloatState>({
          name,
          args: [t],
          returns: float8,
          strict: true,
          init: () => ({ n: 0, sx: 0, sxx: 0 }),
          step: (s, a) => floatAccum(s, a[0] as number),
          final: (s) => floatVar(s, v.variance, v.sample),
        });
      }
    }
  }
}

interface BitState {
  n: number;
  v: number | bigint;
}

function registerBitAggregates(): void {
  const ops: readonly [string, (a: number, b: number) => number, (a: bigint, b: bigint) => bigint][] = [
    ['bit_and', (a, b) => a & b, (a, b) => a & b],
    ['bit_or', (a, b) => a | b, (a, b) => a | b],
    ['bit_xor', (a, b) => a ^ b, (a, b) => a ^ b],
  ];
  for (const [name, small, big] of ops) {
    for (const t of [int2, int4, int8]) {
      registerAgg<BitState>({
        name,
        args: [t],
        returns: t,
        strict: true,
        init: () => ({ n: 0, v: 0 }),
        step: (s, a) => {
          const x = a[0] as number | bigint;
          s.v = s.n === 0 ? x : typeof x === 'bigint' ? big(s.v as bigint, x) : small(s.v as number, x);
          s.n++;
          return s;
        },
        final: (s) => (s.n === 0 ? null : s.v),
      });
    }
  }
}

/** percentile_cont(fraction) WITHIN GROUP (ORDER BY x): the executor steps the values in order. */
function percentileOf(s: readonly number[], pct: number): number | null {
  if (!(pct >= 0 && pct <= 1)) {
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, `percentile value ${String(pct)} is not between 0 and 1`);
  }
  if (s.length === 0) return null;
  const pos = pct * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo]!;
  if (lo === hi) return a;
  return a + (pos - lo) * (s[hi]! - a);
}

function registerPercentile(): void {
  registerAgg<number[]>({
    name: 'percentile_cont',
    args: [float8],
    returns: FLOAT8_ARRAY,
    strict: true,
    orderedSet: { directArgs: [FLOAT8_ARRAY] },
    init: () => [],
    step: (s, a) => {
      s.push(a[0] as number);
      return s;
    },
    final: (s, _cx, direct) => {
      const p = direct?.[0] as ArrayValue | null | undefined;
      if (p === null || p === undefined || s.length === 0) return null;
      const items = p.items.map((x) => (x === null ? null : percentileOf(s, x as number)));
      return { elemType: float8, dims: p.dims, lbounds: p.lbounds, items };
    },
  });
  registerAgg<number[]>({
    name: 'percentile_cont',
    args: [float8],
    returns: float8,
    strict: true,
    orderedSet: { directArgs: [float8] },
    init: () => [],
    step: (s, a) => {
      s.push(a[0] as number);
      return s;
    },
    final: (s, _cx, direct) => {
      const p = direct?.[0];
      if (p === null || p === undefined) return null;
      return percentileOf(s, p as number);
    },
  });
}

/** float8_regr_accum: Youngs-Cramer over (Y, X) pairs. */
interface RegrState {
  n: number;
  sx: number;
  sxx: number;
  sy: number;
  syy: number;
  sxy: number;
}

function regrAccum(s: RegrState, y: number, x: number): RegrState {
  const n0 = s.n;
  const sx0 = s.sx;
  const sy0 = s.sy;
  s.n = n0 + 1;
  s.sx = sx0 + x;
  s.sy = sy0 + y;
  if (n0 > 0) {
    const tmpX = x * s.n - s.sx;
    const tmpY = y * s.n - s.sy;
    const scale = 1.0 / (s.n * n0);
    s.sxx += tmpX * tmpX * scale;
    s.syy += tmpY * tmpY * scale;
    s.sxy += tmpX * tmpY * scale;
    if (isInf(s.sx) || isInf(s.sxx) || isInf(s.sy) || isInf(s.syy) || isInf(s.sxy)) {
      if (((isInf(s.sx) || isInf(s.sxx)) && !isInf(sx0) && !isInf(x)) || ((isInf(s.sy) || isInf(s.syy)) && !isInf(sy0) && !isInf(y)) || (isInf(s.sxy) && !isInf(sx0) && !isInf(x) && !isInf(sy0) && !isInf(y))) {
        throw floatOverflow();
      }
      if (isInf(s.sxx)) s.sxx = NaN;
      if (isInf(s.syy)) s.syy = NaN;
      if (isInf(s.sxy)) s.sxy = NaN;
    }
  } else {
    if (!Number.isFinite(x)) s.sxx = s.sxy = NaN;
    if (!Number.isFinite(y)) s.syy = s.sxy = NaN;
  }
  return s;
}

function registerRegression(): void {
  const finals: readonly [string, number, (s: RegrState) => Datum][] = [
    ['regr_count', int8, (s) => BigInt(s.n)],
    ['covar_pop', float8, (s) => (s.n === 0 ? null : s.sxy / s.n)],
    ['covar_samp', float8, (s) => (s.n < 2 ? null : s.sxy / (s.n - 1))],
    ['corr', float8, (s) => (s.n < 1 || s.sxx === 0 || s.syy === 0 ? null : s.sxy / Math.sqrt(s.sxx * s.syy))],
    ['regr_avgx', float8, (s) => (s.n === 0 ? null : s.sx / s.n)],
    ['regr_avgy', float8, (s) => (s.n === 0 ? null : s.sy / s.n)],
    ['regr_sxx', float8, (s) => (s.n === 0 ? null : s.sxx)],
    ['regr_syy', float8, (s) => (s.n === 0 ? null : s.syy)],
    ['regr_sxy', float8, (s) => (s.n === 0 ? null : s.sxy)],
    ['regr_slope', float8, (s) => (s.n < 1 || s.sxx === 0 ? null : s.sxy / s.sxx)],
    ['regr_intercept', float8, (s) => (s.n < 1 || s.sxx === 0 ? null : (s.sy - (s.sx * s.sxy) / s.sxx) / s.n)],
    ['regr_r2', float8, (s) => (s.n < 1 || s.sxx === 0 ? null : s.syy === 0 ? 1 : (s.sxy * s.sxy) / (s.sxx * s.syy))],
  ];
  for (const [name, returns, final] of finals) {
    registerAgg<RegrState>({
      name,
      args: [float8, float8],
      returns,
      strict: true,
      init: () => ({ n: 0, sx: 0, sxx: 0, sy: 0, syy: 0, sxy: 0 }),
      step: (s, a) => regrAccum(s, a[0] as number, a[1] as number),
      final: (s) => (s.n === 0 && name !== 'regr_count' ? null : final(s)),
    });
  }
}

export function registerNumericAggregates(): void {
  registerRegression();
  registerSums();
  registerVariances();
  registerBitAggregates();
  registerPercentile();
}
