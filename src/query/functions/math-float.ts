/*
 * math-float.ts — float8 math functions with float.c's special cases and errors: pow (POSIX rules
 * for NaN and infinities, 2201F for 0^-1 and (-8)^(1/3)), sqrt, exp/ln/log with overflow,
 * underflow and 2201E, trigonometry with "input is out of range", rint rounding.
 *
 * XXX V8's libm (fdlibm) and glibc may differ in the last bit of sin/cos/exp/ln/pow for some
 * inputs; the shortest-text output then differs in its last digit.
 *
 * Interface: floatPow, floatSqrt, floatExp, floatLn, floatLog10, rint, trig functions (FLOAT_TRIG)
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { floatOverflow, floatUnderflow } from '../types/float.js';

export { rint } from '../types/float.js';

const powerError = (msg: string): SqlError => new SqlError(SQLSTATE.invalid_argument_for_power_function, msg);
const logError = (zero: boolean): SqlError =>
  new SqlError(SQLSTATE.invalid_argument_for_logarithm, zero ? 'cannot take logarithm of zero' : 'cannot take logarithm of a negative number');
export const inputOutOfRange = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'input is out of range');

const isOddInteger = (y: number): boolean => Number.isInteger(y) && Math.abs(y % 2) === 1;

/** dpow. */
export function floatPow(x: number, y: number): number {
  if (Number.isNaN(x)) return y === 0 ? 1 : NaN;
  if (Number.isNaN(y)) return x === 1 ? 1 : NaN;
  if (x === 0 && y < 0) throw powerError('zero raised to a negative power is undefined');
  if (x < 0 && Math.floor(y) !== y) throw powerError('a negative number raised to a non-integer power yields a complex result');
  if (y === Infinity || y === -Infinity) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    if (ax > 1) return y > 0 ? Infinity : 0;
    return y > 0 ? 0 : Infinity;
  }
  if (x === Infinity || x === -Infinity) {
    if (y === 0) return 1;
    if (x > 0) return y > 0 ? Infinity : 0;
    if (y > 0) return isOddInteger(y) ? -Infinity : Infinity;
    return isOddInteger(y) ? -0 : 0;
  }
  const r = Math.pow(x, y);
  if (r === Infinity || r === -Infinity) throw floatOverflow();
  if (r === 0 && x !== 0) throw floatUnderflow();
  return r;
}

export function floatSqrt(x: number): number {
  if (x < 0) throw powerError('cannot take square root of a negative number');
  return Math.sqrt(x);
}

const CBRT_FACTOR = [1.0 / 1.5874010519681996, 1.0 / 1.2599210498948732, 1.0, 1.2599210498948732, 1.5874010519681996];

/** C's frexp for finite non-zero x: [m, e] with x = m * 2^e, 0.5 <= |m| < 1. */
function frexp(x: number): [number, number] {
  if (x < 2.2250738585072014e-308) {
    const [m, e] = frexp(x * 18014398509481984);
    return [m, e - 54];
  }
  let e = Math.floor(Math.log2(x)) + 1;
  let m = x * Math.pow(2, -e);
  while (m < 0.5) {
    m *= 2;
    e--;
  }
  while (m >= 1) {
    m /= 2;
    e++;
  }
  return [m, e];
}

function ldexp(m: number, e: number): number {
  if (e > 1023) return m * 2 ** 1023 * 2 ** (e - 1023);
  if (e < -1022) return m * 2 ** -1022 * 2 ** (e + 1022);
  return m * 2 ** e;
}

/**
 * glibc's cbrt (sysdeps/ieee754/dbl-64/s_cbrt.c), which PostgreSQL's cbrt() calls: not
 * correctly rounded (cbrt(27) is 3.0000000000000004), and V8's Math.cbrt rounds differently.
 */
export function glibcCbrt(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x + x;
  const [xm, xe] = frexp(Math.abs(x));
  const u =
    0.35489576504391984 +
    (1.508191937815849 +
      (-2.114994941673713 + (2.4469312256353444 + (-1.8346927748361308 + (0.7849323449766392 - 0.14526389938548637 * xm) * xm) * xm) * xm) * xm) *
      xm;
  const t2 = u * u * u;
  const ym = ((u * (t2 + 2.0 * xm)) / (2.0 * t2 + xm)) * CBRT_FACTOR[2 + (xe % 3)]!;
  return ldexp(x > 0 ? ym : -ym, Math.trunc(xe / 3));
}

export function floatExp(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === Infinity) return x;
  if (x === -Infinity) return 0;
  const r = Math.exp(x);
  if (r === Infinity) throw floatOverflow();
  if (r === 0) throw floatUnderflow();
  return r;
}

function checkLog(x: number): void {
  if (x === 0) throw logError(true);
  if (x < 0) throw logError(false);
}

export function floatLn(x: number): number {
  checkLog(x);
  return Math.log(x);
}

export function floatLog10(x: number): number {
  checkLog(x);
  return Math.log10(x);
}

/** Trig functions whose argument must be finite (dsin, dcos, dtan, dcot). */
function finiteArg(f: (x: number) => number): (x: number) => number {
  return (x) => {
    if (Number.isNaN(x)) return NaN;
    if (!Number.isFinite(x)) throw inputOutOfRange();
    return f(x);
  };
}

/** asin/acos: argument within [-1, 1]. */
function unitArg(f: (x: number) => number): (x: number) => number {
  return (x) => {
    if (Number.isNaN(x)) return NaN;
    if (x < -1 || x > 1) throw inputOutOfRange();
    return f(x);
  };
}

export const RADIANS_PER_DEGREE = 0.017453292519943295;

export const FLOAT_TRIG: readonly (readonly [string, (x: number) => number])[] = [
  ['sin', finiteArg(Math.sin)],
  ['cos', finiteArg(Math.cos)],
  ['tan', finiteArg(Math.tan)],
  ['cot', finiteArg((x) => 1 / Math.tan(x))],
  ['asin', unitArg(Math.asin)],
  ['acos', unitArg(Math.acos)],
  ['atan', (x) => Math.atan(x)],
  ['sinh', (x) => Math.sinh(x)],
  ['cosh', (x) => Math.cosh(x)],
  ['tanh', (x) => Math.tanh(x)],
  ['asinh', (x) => Math.asinh(x)],
  ['acosh', (x) => {
    if (x < 1) throw inputOutOfRange();
    return Math.acosh(x);
  }],
  ['atanh', (x) => {
    if (x < -1 || x > 1) throw inputOutOfRange();
    return Math.atanh(x);
  }],
];
