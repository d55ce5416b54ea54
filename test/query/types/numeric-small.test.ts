/*
 * The double-backed numeric form (numeric-small.ts) against the decimal.js path it short-cuts:
 * the same text, order, hash key, sums, products and typmod results for values at the edges of
 * exactness (unscaled values near 2^53, mixed scales, zero and negative zero), and the
 * aggregates' exact accumulation past 2^53.
 */
import { describe, expect, it } from 'vitest';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { aggsNamed } from '../../../src/query/functions/registry.js';
import { PgDecimal, type NumericValue } from '../../../src/query/types/datum.js';
import { parseSmall, SmallNumeric } from '../../../src/query/types/numeric-small.js';
import { make, numAdd, numericCompare, numericHash, numericIn, numericOut, numMul, numSub, NUMERIC_TYPE } from '../../../src/query/types/numeric.js';
import { Oid } from '../../../src/pg/types.js';
import { FALLBACK_SETTINGS } from '../../../src/query/exec/settings.js';

/** The same value without the fast form: decimal.js only. */
const slow = (v: NumericValue): NumericValue => make(new PgDecimal(v.d.toFixed(v.dscale)), v.dscale);

const TEXTS = [
  '0', '-0', '0.00', '-0.00', '1', '-1', '1.5', '-1.50', '0.001', '-0.000001', '12345.67', '99999999999.99', '999999999999999', '-999999999999999',
  '9007199254.740991', '4503599627370496', '0.000000000000001', '1234567890.12345', '7', '100', '100.000', '3.14159265358979',
];

let seed = 20261203;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function randomText(): string {
  const digits = 1 + Math.floor(rand() * 15);
  let s = '';
  for (let i = 0; i < digits; i++) s += String(Math.floor(rand() * 10));
  const scale = Math.floor(rand() * Math.min(digits, 8));
  const body = scale === 0 ? s : `${s.slice(0, digits - scale) || '0'}.${s.slice(digits - scale)}`;
  return rand() < 0.3 ? `-${body}` : body;
}

const values = [...TEXTS, ...Array.from({ length: 300 }, randomText)];

describe('SmallNumeric', () => {
  it('reads numeric_out text into the fast form and prints it back', () => {
    for (const t of values) {
      const v = numericIn(t);
      if (t.replace(/[^0-9]/g, '').length <= 15) expect(v, t).toBeInstanceOf(SmallNumeric);
      expect(numericOut(v), t).toBe(numericOut(slow(v)));
      expect(numericHash(v), t).toBe(numericHash(slow(v)));
    }
    for (const t of ['1e3', '+1', ' 1', '1.', '.5', '1234567890123456', 'NaN', '1_0', '--1', '-']) expect(parseSmall(t), t).toBeNull();
  });

  it('adds, subtracts, multiplies and compares as decimal.js does, exactly or not at all', () => {
    const vs = values.map(numericIn);
    for (let i = 0; i < 2000; i++) {
      const a = vs[Math.floor(rand() * vs.length)]!;
      const b = vs[Math.floor(rand() * vs.length)]!;
      const label = `${numericOut(a)} ? ${numericOut(b)}`;
      expect(numericOut(numAdd(a, b)), label).toBe(numericOut(numAdd(slow(a), slow(b))));
      expect(numericOut(numSub(a, b)), label).toBe(numericOut(numSub(slow(a), slow(b))));
      expect(numericOut(numMul(a, b)), label).toBe(numericOut(numMul(slow(a), slow(b))));
      expect(numericCompare(a, b), label).toBe(numericCompare(slow(a), slow(b)));
    }
  });

  it('applies numeric(p,s) as the general path does, overflow included', () => {
    const typmod = (p: number, s: number): number => ((p << 16) | (s & 0x7ff)) + 4;
    for (const t of values) {
      for (const [p, s] of [[15, 2], [5, 2], [20, 10], [3, 0], [1, 1]] as const) {
        const run = (v: NumericValue): string => {
          try {
            return numericOut(NUMERIC_TYPE.applyTypmod!(v, typmod(p, s), false) as NumericValue);
          } catch (e) {
            return `error ${(e as { sqlstate?: string }).sqlstate}`;
          }
        };
        expect(run(numericIn(t)), `${t}::numeric(${p},${s})`).toBe(run(slow(numericIn(t))));
      }
    }
  });

  it('sums and averages exactly past 2^53', () => {
    ensureBuiltins();
    const cx = { settings: FALLBACK_SETTINGS, argTypes: [Oid.numeric], resultType: Oid.numeric, checkInterrupts: () => undefined };
    for (const name of ['sum', 'avg']) {
      const def = aggsNamed(name).find((d) => d.args[0] === Oid.numeric)!;
      const inputs = ['999999999999999', '999999999999.999', '0.5', '-3', '999999999999999', '12.25', '-0.001', ...values];
      let fast = def.init(cx);
      let ref = def.init(cx);
      for (const t of inputs) {
        fast = def.step(fast, [numericIn(t)], cx);
        ref = def.step(ref, [slow(numericIn(t))], cx);
      }
      expect(numericOut(def.final(fast, cx) as NumericValue), name).toBe(numericOut(def.final(ref, cx) as NumericValue));
    }
  });
});
