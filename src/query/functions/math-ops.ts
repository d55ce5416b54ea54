/*
 * math-ops.ts — the arithmetic, comparison and bitwise operators of bool, int2/int4/int8, oid,
 * float4/float8 and numeric, with PostgreSQL's overflow and division errors (int.c, int8.c,
 * float.c, numeric.c, pg_operator).
 *
 * Integers: int2/int4 are JS numbers and stay exact (a product of two int4 either fits in 2^53 or
 * is out of range anyway); int8 is bigint. Mixed integer operators exist for every pair PostgreSQL
 * has (int24pl, int48mi, …); the result type is the wider one, errors name it. Results never
 * produce -0 (`| 0`, `0 - a`). Shifts mask the count as x86 does (PostgreSQL's C shifts do too).
 * Floats: IEEE arithmetic plus float.c's checks — an infinite result from finite inputs is
 * "value out of range: overflow", a zero product of non-zero inputs is "underflow"; -0 is kept
 * (PostgreSQL prints `-0`). Comparisons treat NaN as equal to itself and above everything.
 *
 * Interface: registerMathOps()
 */
import { Oid } from '../../pg/types.js';
import type { Datum, NumericValue } from '../types/datum.js';
import { floatOverflow, floatUnderflow } from '../types/float.js';
import { bigintOutOfRange, checkInt2, checkInt4, checkInt8, divisionByZero, integerOutOfRange, INT8_MIN, smallintOutOfRange } from '../types/int.js';
import { numAbs, numAdd, numDiv, numericCompare, numMod, numMul, numNeg, numSub } from '../types/numeric.js';
import { numericPower } from '../types/numeric-math.js';
import { floatPow, floatSqrt, glibcCbrt } from './math-float.js';
import { registerFunc } from './registry.js';

const { int2, int4, int8, float4, float8, numeric, bool, oid } = Oid;

type Bin = (a: Datum, b: Datum) => Datum;
type Un = (a: Datum) => Datum;

function op2(name: string, l: number, r: number, returns: number, f: Bin, extra: { commutator?: string; negator?: string } = {}): void {
  registerFunc({ name, kind: 'op', args: [l, r], returns, strict: true, volatility: 'i', call: (a) => f(a[0]!, a[1]!), ...extra });
}

function op1(name: string, t: number, returns: number, f: Un): void {
  registerFunc({ name, kind: 'op', args: [t], returns, strict: true, volatility: 'i', call: (a) => f(a[0]!) });
}

// --- comparisons -----------------------------------------------------------------------------------

const CMP: readonly { name: string; com: string; neg: string; test: (c: number) => boolean }[] = [
  { name: '=', com: '=', neg: '<>', test: (c) => c === 0 },
  { name: '<>', com: '<>', neg: '=', test: (c) => c !== 0 },
  { name: '<', com: '>', neg: '>=', test: (c) => c < 0 },
  { name: '<=', com: '>=', neg: '>', test: (c) => c <= 0 },
  { name: '>', com: '<', neg: '<=', test: (c) => c > 0 },
  { name: '>=', com: '<=', neg: '<', test: (c) => c >= 0 },
];

/** Numbers and bigints compare exactly through Number(): an int8 beyond 2^53 cannot equal an int4. */
function asNum(d: Datum): number {
  return typeof d === 'bigint' ? Number(d) : (d as number);
}

function registerComparisons(l: number, r: number, cmp: (a: Datum, b: Datum) => number): void {
  for (const c of CMP) op2(c.name, l, r, bool, (a, b) => c.test(cmp(a, b)), { commutator: c.com, negator: c.neg });
}

const numberCmp = (a: Datum, b: Datum): number => (a as number) - (b as number);
const bigCmp = (a: Datum, b: Datum): number => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
const mixedCmp = (a: Datum, b: Datum): number => {
  const x = asNum(a);
  const y = asNum(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
const floatCmp = (a: Datum, b: Datum): number => {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xn = Number.isNaN(x);
  return xn ? (Number.isNaN(y) ? 0 : 1) : -1;
};

// --- integer arithmetic ------------------------------------------------------------------------------

interface IntKind {
  readonly oid: number;
  readonly big: boolean;
  readonly check: (v: number) => number;
  readonly overflow: () => Error;
  readonly min: number;
}

const I2: IntKind = { oid: int2, big: false, check: checkInt2, overflow: smallintOutOfRange, min: -32768 };
const I4: IntKind = { oid: int4, big: false, check: checkInt4, overflow: integerOutOfRange, min: -2147483648 };

function registerSmallIntArith(l: number, r: number, k: IntKind): void {
  const check = k.check;
  op2('+', l, r, k.oid, (a, b) => check((a as number) + (b as number)), { commutator: '+' });
  op2('-', l, r, k.oid, (a, b) => check((a as number) - (b as number)));
  op2('*', l, r, k.oid, (a, b) => check((a as number) * (b as number) || 0), { commutator: '*' });
  op2('/', l, r, k.oid, (a, b) => {
    const y = b as number;
    if (y === 0) throw divisionByZero();
    const x = a as number;
    if (y === -1) return check(0 - x);
    return (x / y) | 0;
  });
}

function registerInt8Arith(l: number, r: number): void {
  const big = (d: Datum): bigint => (typeof d === 'bigint' ? d : BigInt(d as number));
  op2('+', l, r, int8, (a, b) => checkInt8(big(a) + big(b)), { commutator: '+' });
  op2('-', l, r, int8, (a, b) => checkInt8(big(a) - big(b)));
  op2('*', l, r, int8, (a, b) => checkInt8(big(a) * big(b)), { commutator: '*' });
  op2('/', l, r, int8, (a, b) => {
    const y = big(b);
    if (y === 0n) throw divisionByZero();
    const x = big(a);
    if (y === -1n && x === INT8_MIN) throw bigintOutOfRange();
    return x / y;
  });
}

function registerIntegerOps(): void {
  const kinds: readonly [number, IntKind | null][] = [
    [int2, I2],
    [int4, I4],
    [int8, null],
  ];
  for (const [l, kl] of kinds) {
    for (const [r, kr] of kinds) {
      const cmp = l === int8 && r === int8 ? bigCmp : l === int8 || r === int8 ? mixedCmp : numberCmp;
      registerComparisons(l, r, cmp);
      if (kl === null || kr === null) registerInt8Arith(l, r);
      else registerSmallIntArith(l, r, kl === I4 || kr === I4 ? I4 : I2);
    }
  }
  for (const k of [I2, I4]) {
    const t = k.oid;
    const check = k.check;
    op2('%', t, t, t, (a, b) => {
      if ((b as number) === 0) throw divisionByZero();
      return (a as number) % (b as number) | 0;
    });
    op1('-', t, t, (a) => check(0 - (a as number)));
    op1('+', t, t, (a) => a);
    op1('@', t, t, (a) => check(Math.abs(a as number)));
    op2('&', t, t, t, (a, b) => (a as number) & (b as number), { commutator: '&' });
    op2('|', t, t, t, (a, b) => (a as number) | (b as number), { commutator: '|' });
    op2('#', t, t, t, (a, b) => (a as number) ^ (b as number), { commutator: '#' });
    op1('~', t, t, (a) => ~(a as number));
  }
  op2('<<', int2, int4, int2, (a, b) => (((a as number) << (b as number)) << 16) >> 16);
  op2('>>', int2, int4, int2, (a, b) => (a as number) >> (b as number));
  op2('<<', int4, int4, int4, (a, b) => (a as number) << (b as number));
  op2('>>', int4, int4, int4, (a, b) => (a as number) >> (b as number));

  op2('%', int8, int8, int8, (a, b) => {
    if ((b as bigint) === 0n) throw divisionByZero();
    return (a as bigint) % (b as bigint);
  });
  op1('-', int8, int8, (a) => checkInt8(-(a as bigint)));
  op1('+', int8, int8, (a) => a);
  op1('@', int8, int8, (a) => checkInt8((a as bigint) < 0n ? -(a as bigint) : (a as bigint)));
  op2('&', int8, int8, int8, (a, b) => (a as bigint) & (b as bigint), { commutator: '&' });
  op2('|', int8, int8, int8, (a, b) => (a as bigint) | (b as bigint), { commutator: '|' });
  op2('#', int8, int8, int8, (a, b) => (a as bigint) ^ (b as bigint), { commutator: '#' });
  op1('~', int8, int8, (a) => ~(a as bigint));
  op2('<<', int8, int4, int8, (a, b) => BigInt.asIntN(64, (a as bigint) << BigInt((b as number) & 63)));
  op2('>>', int8, int4, int8, (a, b) => (a as bigint) >> BigInt((b as number) & 63));

  registerComparisons(oid, oid, numberCmp);
}

// --- floats -------------------------------------------------------------------------------------------

function registerFloatOps(): void {
  for (const l of [float4, float8]) {
    for (const r of [float4, float8]) {
      registerComparisons(l, r, floatCmp);
      const single = l === float4 && r === float4;
      const ret = single ? float4 : float8;
      const round = single ? Math.fround : (v: number): number => v;
      const overflowCheck = (v: number, a: number, b: number): number => {
        if (v === Infinity || v === -Infinity) {
          if (Number.isFinite(a) && Number.isFinite(b)) throw floatOverflow();
        }
        return v;
      };
      op2('+', l, r, ret, (a, b) => overflowCheck(round((a as number) + (b as number)), a as number, b as number), { commutator: '+' });
      op2('-', l, r, ret, (a, b) => overflowCheck(round((a as number) - (b as number)), a as number, b as number));
      op2(
        '*',
        l,
        r,
        ret,
        (a, b) => {
          const x = a as number;
          const y = b as number;
          const v = overflowCheck(round(x * y), x, y);
          if (v === 0 && x !== 0 && y !== 0 && !Number.isNaN(x) && !Number.isNaN(y)) throw floatUnderflow();
          return v;
        },
        { commutator: '*' },
      );
      op2('/', l, r, ret, (a, b) => {
        const x = a as number;
        const y = b as number;
        if (y === 0 && !Number.isNaN(x)) throw divisionByZero();
        const v = round(x / y);
        if ((v === Infinity || v === -Infinity) && Number.isFinite(x)) throw floatOverflow();
        if (v === 0 && x !== 0 && Number.isFinite(y)) throw floatUnderflow();
        return v;
      });
    }
  }
  for (const t of [float4, float8]) {
    op1('-', t, t, (a) => -(a as number));
    op1('+', t, t, (a) => a);
    op1('@', t, t, (a) => Math.abs(a as number));
  }
  op2('^', float8, float8, float8, (a, b) => floatPow(a as number, b as number));
  op1('|/', float8, float8, (a) => floatSqrt(a as number));
  op1('||/', float8, float8, (a) => glibcCbrt(a as number));
}

// --- numeric and bool ------------------------------------------------------------------------------------

function registerNumericOps(): void {
  const n = (d: Datum): NumericValue => d as NumericValue;
  registerComparisons(numeric, numeric, (a, b) => numericCompare(n(a), n(b)));
  op2('+', numeric, numeric, numeric, (a, b) => numAdd(n(a), n(b)), { commutator: '+' });
  op2('-', numeric, numeric, numeric, (a, b) => numSub(n(a), n(b)));
  op2('*', numeric, numeric, numeric, (a, b) => numMul(n(a), n(b)), { commutator: '*' });
  op2('/', numeric, numeric, numeric, (a, b) => numDiv(n(a), n(b)));
  op2('%', numeric, numeric, numeric, (a, b) => numMod(n(a), n(b)));
  op2('^', numeric, numeric, numeric, (a, b) => numericPower(n(a), n(b)));
  op1('-', numeric, numeric, (a) => numNeg(n(a)));
  op1('+', numeric, numeric, (a) => a);
  op1('@', numeric, numeric, (a) => numAbs(n(a)));
}

export function registerMathOps(): void {
  registerIntegerOps();
  registerFloatOps();
  registerNumericOps();
  registerComparisons(bool, bool, (a, b) => (a === b ? 0 : a === true ? 1 : -1));
}
