/*
 * math.ts — the math functions of pg_proc for integers, floats and numeric: abs, round, trunc,
 * ceil/ceiling, floor, sign, sqrt, cbrt, power/pow, exp, ln, log/log10, mod, div, gcd, lcm, pi,
 * degrees, radians, trigonometry, random, width_bucket, scale, min_scale, trim_scale, factorial.
 *
 * Each overload is declared with PostgreSQL's exact argument types; the binder picks one and
 * inserts casts (round(5) resolves to round(numeric) through the implicit int4 → numeric cast,
 * as on PostgreSQL). Numeric work is in types/numeric-math.ts, float special cases in
 * math-float.ts.
 *
 * Interface: registerMathFunctions()
 */
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type Datum, type NumericValue } from '../types/datum.js';
import { floatOverflow, rint } from '../types/float.js';
import { bigintOutOfRange, checkInt2, checkInt4, checkInt8, divisionByZero, integerOutOfRange, INT8_MIN } from '../types/int.js';
import { make, numAbs, numericCompare, numMod } from '../types/numeric.js';
import {
  minScale,
  numericCeil,
  numericDivTrunc,
  numericExp,
  numericFactorial,
  numericFloor,
  numericGcd,
  numericLcm,
  numericLn,
  numericLog,
  numericPower,
  numericRound,
  numericSign,
  numericSqrt,
  numericTrunc,
  trimScale,
} from '../types/numeric-math.js';
import { FLOAT_TRIG, floatExp, glibcCbrt, floatLn, floatLog10, floatPow, floatSqrt, RADIANS_PER_DEGREE } from './math-float.js';
import { registerFunc, type Volatility } from './registry.js';

const { int2, int4, int8, float4, float8, numeric } = Oid;

function fn(name: string, args: readonly number[], returns: number, call: (a: readonly Datum[]) => Datum, volatility: Volatility = 'i', optional?: number): void {
  registerFunc({ name, kind: 'func', args, returns, strict: true, volatility, call: (a) => call(a), ...(optional === undefined ? {} : { optional }) });
}

const N = (d: Datum): NumericValue => d as NumericValue;
const F = (d: Datum): number => d as number;

function gcdSmall(a: number, b: number, overflow: () => Error): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  if (x > 2147483647) throw overflow();
  return x;
}

function gcdBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  if (x > 9223372036854775807n) throw bigintOutOfRange();
  return x;
}

/** width_bucket(operand, low, high, count) for floats and numerics alike (compare + fraction). */
function widthBucket(x: number, lo: number, hi: number, count: number): number {
  if (count <= 0) throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'count must be greater than zero');
  if (Number.isNaN(x) || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'operand, lower bound, and upper bound cannot be NaN');
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'lower and upper bounds must be finite');
  }
  if (lo === hi) throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'lower bound cannot equal upper bound');
  let q: number;
  if (lo < hi) {
    if (x < lo) return 0;
    if (x >= hi) return checkInt4(count + 1);
    q = Number.isFinite(hi - lo) ? (x - lo) / (hi - lo) : (x / 2 - lo / 2) / (hi / 2 - lo / 2);
  } else {
    if (x > lo) return 0;
    if (x <= hi) return checkInt4(count + 1);
    q = Number.isFinite(lo - hi) ? (lo - x) / (lo - hi) : (lo / 2 - x / 2) / (lo / 2 - hi / 2);
  }
  // The quotient can round to 1.0, which would be a lie (width_bucket_float8).
  const r = Math.trunc(count * q);
  return (r >= count ? count - 1 : r) + 1;
}

function widthBucketNumeric(x: NumericValue, lo: NumericValue, hi: NumericValue, count: number): number {
  if (count <= 0) throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'count must be greater than zero');
  if (x.d.isNaN() || lo.d.isNaN() || hi.d.isNaN()) {
    throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'operand, lower bound, and upper bound cannot be NaN');
  }
  if (!lo.d.isFinite() || !hi.d.isFinite()) {
    throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'lower and upper bounds must be finite');
  }
  const c = numericCompare(lo, hi);
  if (c === 0) throw new SqlError(SQLSTATE.invalid_argument_for_width_bucket_function, 'lower bound cannot equal upper bound');
  if (c < 0) {
    if (numericCompare(x, lo) < 0) return 0;
    if (numericCompare(x, hi) >= 0) return checkInt4(count + 1);
    return x.d.minus(lo.d).mul(count).div(hi.d.minus(lo.d)).floor().toNumber() + 1;
  }
  if (numericCompare(x, lo) > 0) return 0;
  if (numericCompare(x, hi) <= 0) return checkInt4(count + 1);
  return lo.d.minus(x.d).mul(count).div(lo.d.minus(hi.d)).floor().toNumber() + 1;
}

export function registerMathFunctions(): void {
  // abs
  fn('abs', [int2], int2, (a) => checkInt2(Math.abs(F(a[0]!))));
  fn('abs', [int4], int4, (a) => checkInt4(Math.abs(F(a[0]!))));
  fn('abs', [int8], int8, (a) => checkInt8((a[0] as bigint) < 0n ? -(a[0] as bigint) : (a[0] as bigint)));
  fn('abs', [float4], float4, (a) => Math.abs(F(a[0]!)));
  fn('abs', [float8], float8, (a) => Math.abs(F(a[0]!)));
  fn('abs', [numeric], numeric, (a) => numAbs(N(a[0]!)));

  // rounding
  fn('round', [float8], float8, (a) => rint(F(a[0]!)));
  fn('round', [numeric, int4], numeric, (a) => numericRound(N(a[0]!), a.length > 1 ? F(a[1]!) : 0), 'i', 1);
  fn('trunc', [float8], float8, (a) => Math.trunc(F(a[0]!)));
  fn('trunc', [numeric, int4], numeric, (a) => numericTrunc(N(a[0]!), a.length > 1 ? F(a[1]!) : 0), 'i', 1);
  for (const name of ['ceil', 'ceiling']) {
    fn(name, [float8], float8, (a) => Math.ceil(F(a[0]!)));
    fn(name, [numeric], numeric, (a) => numericCeil(N(a[0]!)));
  }
  fn('floor', [float8], float8, (a) => Math.floor(F(a[0]!)));
  fn('floor', [numeric], numeric, (a) => numericFloor(N(a[0]!)));
  fn('sign', [float8], float8, (a) => {
    const x = F(a[0]!);
    return x > 0 ? 1 : x < 0 ? -1 : 0;
  });
  fn('sign', [numeric], numeric, (a) => numericSign(N(a[0]!)));

  // powers and logarithms
  fn('sqrt', [float8], float8, (a) => floatSqrt(F(a[0]!)));
  fn('sqrt', [numeric], numeric, (a) => numericSqrt(N(a[0]!)));
  fn('cbrt', [float8], float8, (a) => glibcCbrt(F(a[0]!)));
  for (const name of ['power', 'pow']) {
    fn(name, [float8, float8], float8, (a) => floatPow(F(a[0]!), F(a[1]!)));
    fn(name, [numeric, numeric], numeric, (a) => numericPower(N(a[0]!), N(a[1]!)));
  }
  fn('exp', [float8], float8, (a) => floatExp(F(a[0]!)));
  fn('exp', [numeric], numeric, (a) => numericExp(N(a[0]!)));
  fn('ln', [float8], float8, (a) => floatLn(F(a[0]!)));
  fn('ln', [numeric], numeric, (a) => numericLn(N(a[0]!)));
  const TEN = make(new PgDecimal(10), 0);
  for (const name of ['log', 'log10']) {
    fn(name, [float8], float8, (a) => floatLog10(F(a[0]!)));
    fn(name, [numeric], numeric, (a) => numericLog(TEN, N(a[0]!)));
  }
  fn('log', [numeric, numeric], numeric, (a) => numericLog(N(a[0]!), N(a[1]!)));

  // integer division family
  fn('mod', [int2, int2], int2, (a) => {
    if (F(a[1]!) === 0) throw divisionByZero();
    return F(a[0]!) % F(a[1]!) | 0;
  });
  fn('mod', [int4, int4], int4, (a) => {
    if (F(a[1]!) === 0) throw divisionByZero();
    return F(a[0]!) % F(a[1]!) | 0;
  });
  fn('mod', [int8, int8], int8, (a) => {
    if ((a[1] as bigint) === 0n) throw divisionByZero();
    return (a[0] as bigint) % (a[1] as bigint);
  });
  fn('mod', [numeric, numeric], numeric, (a) => numMod(N(a[0]!), N(a[1]!)));
  fn('div', [numeric, numeric], numeric, (a) => numericDivTrunc(N(a[0]!), N(a[1]!)));
  fn('gcd', [int4, int4], int4, (a) => gcdSmall(F(a[0]!), F(a[1]!), integerOutOfRange));
  fn('gcd', [int8, int8], int8, (a) => gcdBig(a[0] as bigint, a[1] as bigint));
  fn('gcd', [numeric, numeric], numeric, (a) => numericGcd(N(a[0]!), N(a[1]!)));
  fn('lcm', [int4, int4], int4, (a) => {
    const x = F(a[0]!);
    const y = F(a[1]!);
    if (x === 0 || y === 0) return 0;
    return checkInt4(Math.abs((x / gcdSmall(x, y, integerOutOfRange)) * y));
  });
  fn('lcm', [int8, int8], int8, (a) => {
    const x = a[0] as bigint;
    const y = a[1] as bigint;
    if (x === 0n || y === 0n) return 0n;
    if (x === INT8_MIN || y === INT8_MIN) throw bigintOutOfRange();
    const r = (x / gcdBig(x, y)) * y;
    return checkInt8(r < 0n ? -r : r);
  });
  fn('lcm', [numeric, numeric], numeric, (a) => numericLcm(N(a[0]!), N(a[1]!)));
  fn('factorial', [int8], numeric, (a) => numericFactorial(a[0] as bigint));

  // numeric scale
  fn('scale', [numeric], int4, (a) => (N(a[0]!).d.isFinite() ? N(a[0]!).dscale : null));
  fn('min_scale', [numeric], int4, (a) => (N(a[0]!).d.isFinite() ? minScale(N(a[0]!)) : null));
  fn('trim_scale', [numeric], numeric, (a) => trimScale(N(a[0]!)));

  // trigonometry and constants
  fn('pi', [], float8, () => Math.PI);
  fn('degrees', [float8], float8, (a) => {
    const r = F(a[0]!) / RADIANS_PER_DEGREE;
    if (!Number.isFinite(r) && Number.isFinite(F(a[0]!))) throw floatOverflow();
    return r;
  });
  fn('radians', [float8], float8, (a) => F(a[0]!) * RADIANS_PER_DEGREE);
  for (const [name, f] of FLOAT_TRIG) fn(name, [float8], float8, (a) => f(F(a[0]!)));
  fn('atan2', [float8, float8], float8, (a) => Math.atan2(F(a[0]!), F(a[1]!)));
  fn('random', [], float8, () => Math.random(), 'v');
  registerFunc({ name: 'random', kind: 'func', args: [int4, int4], returns: int4, strict: true, volatility: 'v', call: (a) => randomInt(F(a[0]!), F(a[1]!)), argNames: ['min', 'max'] });

  fn('width_bucket', [float8, float8, float8, int4], int4, (a) => widthBucket(F(a[0]!), F(a[1]!), F(a[2]!), F(a[3]!)));
  fn('width_bucket', [numeric, numeric, numeric, int4], int4, (a) => widthBucketNumeric(N(a[0]!), N(a[1]!), N(a[2]!), F(a[3]!)));
}

function randomInt(lo: number, hi: number): number {
  if (lo > hi) throw new SqlError(SQLSTATE.invalid_parameter_value, 'lower bound must be less than or equal to upper bound');
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}
