/*
 * What the random test accepts as the same answer (random-compare.ts): equal values of another
 * text only reordered among ties, or picked differently where the query picks one of them.
 */
import { describe, expect, it } from 'vitest';
import type { Answer } from '../support/diff.js';
import { canonicalNumeric, canonicalValue, equalModuloTies } from './random-compare.js';

const answer = (type: number, ...rows: (string | null)[]): Answer => ({ fields: [{ name: 'c0', type }], rows: rows.map((v) => [v]), command: 'SELECT', rowCount: rows.length });

describe('random-compare', () => {
  it('canonical numerics drop trailing fraction zeros and the sign of zero only', () => {
    expect(['-5.000', '0.000', '-0.0', '1.50', '100', '100.0', '0.001', 'NaN', '-Infinity', '10.10'].map(canonicalNumeric)).toEqual(['-5', '0', '0', '1.5', '100', '100', '0.001', 'NaN', '-Infinity', '10.1']);
    expect(canonicalValue(701, '-0')).toBe('0');
    expect(canonicalValue(701, '-0.5')).toBe('-0.5');
    expect(canonicalValue(1042, 'a  ')).toBe('a');
    expect(canonicalValue(25, 'a  ')).toBe('a  ');
    expect(canonicalValue(1700, null)).toBeNull();
  });

  it('ties reordered are the same answer; another pick only where the query picks', () => {
    const p = answer(1700, '0.25', '0.250', '1');
    expect(equalModuloTies(p, answer(1700, '0.250', '0.25', '1'), false)).toBe('tie order');
    expect(equalModuloTies(p, answer(1700, '0.250', '0.250', '1'), false)).toBeUndefined();
    expect(equalModuloTies(p, answer(1700, '0.250', '0.250', '1'), true)).toBe('representatives');
  });

  it('a wrong value, order or type is never accepted', () => {
    const p = answer(1700, '0.25', '1');
    expect(equalModuloTies(p, answer(1700, '0.26', '1'), true)).toBeUndefined();
    expect(equalModuloTies(p, answer(1700, '1', '0.25'), true)).toBeUndefined();
    expect(equalModuloTies(p, answer(701, '0.25', '1'), true)).toBeUndefined();
    expect(equalModuloTies(p, answer(1700, '0.25'), true)).toBeUndefined();
    // text is compared exactly: 'a' and 'a ' are different text values
    expect(equalModuloTies(answer(25, 'a', 'a '), answer(25, 'a ', 'a'), true)).toBeUndefined();
  });
});
