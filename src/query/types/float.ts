/*
 * float.ts — float4 (real) and float8 (double precision): input as PostgreSQL reads it through the
 * C library's strtod (decimal and hex forms, inf/infinity/nan spellings, out-of-range errors
 * naming the part strtod consumed), output as float4out/float8out print it, btree order.
 *
 * Output: with extra_float_digits ≥ 1 (the default) PostgreSQL 12+ prints the shortest text that
 * reads back to the same value (Ryu), in %e style when the decimal exponent is < -4 or ≥ 15 (6 for
 * float4); with extra_float_digits ≤ 0 it prints %.{15+efd}g (%.{6+efd}g for float4).
 * Order: NaN sorts above +Infinity and equals itself; -0 equals 0 (float8_cmp_internal).
 *
 * XXX float4 input is read as a double and then rounded to single precision (Math.fround); strtof
 * rounds once, so a decimal lying within half an ulp of a float4 tie can round differently.
 *
 * Interface:
 *   floatIn(text, oid)             float4/float8 input (22P02, 22003)
 *   floatOut(v, single, efd?)      float4out / float8out text
 *   formatFloatG(v, p)             C's %.{p}g
 *   floatCompare(a, b)             btree order with NaN last
 *   FLOAT4_TYPE, FLOAT8_TYPE       TypeInfo entries
 */
import { SqlError } from '../../errors.js';
import { Oid, sqlTypeName } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum, OutputSettings } from './datum.js';
import { invalidInput, isSpace } from './int.js';
import type { TypeInfo } from './registry.js';

export const floatOverflow = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'value out of range: overflow');
export const floatUnderflow = (): SqlError => new SqlError(SQLSTATE.numeric_value_out_of_range, 'value out of range: underflow');

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function startsWithCI(s: string, at: number, word: string): boolean {
  return s.length - at >= word.length && s.slice(at, at + word.length).toLowerCase() === word;
}

/**
 * strtod over s from `start`: the value and where it stopped (end === start: nothing read), and
 * whether the mantissa had a non-zero digit (to tell an underflow from a real zero).
 */
function strtod(s: string, start: number): { v: number; end: number; nonZero: boolean; special?: true } {
  let i = start;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  if (startsWithCI(s, i, 'inf')) {
    const end = startsWithCI(s, i, 'infinity') ? i + 8 : i + 3;
    return { v: neg ? -Infinity : Infinity, end, nonZero: true, special: true };
  }
  if (startsWithCI(s, i, 'nan')) {
    let end = i + 3;
    if (s[end] === '(') {
      let j = end + 1;
      while (j < s.length && /[0-9A-Za-z_]/.test(s[j]!)) j++;
      if (s[j] === ')') end = j + 1;
    }
    return { v: NaN, end, nonZero: true, special: true };
  }
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    const h = hexFloat(s, i + 2);
    if (h !== undefined) return { v: neg ? -h.v : h.v, end: h.end, nonZero: h.v !== 0 };
  }
  const mantStart = i;
  let digits = 0;
  let nonZero = false;
  while (i < s.length && isDigit(s.charCodeAt(i))) {
    if (s[i] !== '0') nonZero = true;
    i++;
    digits++;
  }
  if (s[i] === '.') {
    i++;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      if (s[i] !== '0') nonZero = true;
      i++;
      digits++;
    }
  }
  if (digits === 0) return { v: 0, end: start, nonZero: false };
  if (s[i] === 'e' || s[i] === 'E') {
    let j = i + 1;
    if (s[j] === '+' || s[j] === '-') j++;
    if (j < s.length && isDigit(s.charCodeAt(j))) {
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      i = j;
    }
  }
  const v = Number(s.slice(mantStart, i));
  return { v: neg ? -v : v, end: i, nonZero };
}

/** A C99 hex float after "0x": hex digits, optional fraction, optional binary exponent p±n. */
function hexFloat(s: string, at: number): { v: number; end: number } | undefined {
  let i = at;
  let v = 0;
  let any = false;
  while (i < s.length && isHexDigit(s.charCodeAt(i))) {
    v = v * 16 + parseInt(s[i]!, 16);
    i++;
    any = true;
  }
  if (s[i] === '.') {
    let scale = 1 / 16;
    let j = i + 1;
    while (j < s.length && isHexDigit(s.charCodeAt(j))) {
      v += parseInt(s[j]!, 16) * scale;
      scale /= 16;
      j++;
      any = true;
    }
    if (any) i = j;
  }
  if (!any) return undefined;
  if (s[i] === 'p' || s[i] === 'P') {
    let j = i + 1;
    let eneg = false;
    if (s[j] === '+' || s[j] === '-') {
      eneg = s[j] === '-';
      j++;
    }
    if (j < s.length && isDigit(s.charCodeAt(j))) {
      let e = 0;
      while (j < s.length && isDigit(s.charCodeAt(j))) {
        e = Math.min(e * 10 + s.charCodeAt(j) - 48, 100000);
        j++;
      }
      v *= Math.pow(2, eneg ? -e : e);
      i = j;
    }
  }
  return { v, end: i };
}

/** float4in / float8in. */
export function floatIn(text: string, typeOid: number): number {
  const single = typeOid === Oid.float4;
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  const r = strtod(text, i);
  if (r.end === i) throw invalidInput(typeOid, text);
  const v = single ? Math.fround(r.v) : r.v;
  if (r.special !== true && (!Number.isFinite(v) || (v === 0 && r.nonZero))) {
    throw new SqlError(SQLSTATE.numeric_value_out_of_range, `"${text.slice(i, r.end)}" is out of range for type ${sqlTypeName(typeOid)}`);
  }
  let j = r.end;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  if (j !== text.length) throw invalidInput(typeOid, text);
  return v;
}

/** PostgreSQL's %e exponent: sign and at least two digits. */
function expSuffix(exp: number): string {
  const a = Math.abs(exp);
  return `e${exp < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
}

/** digits (no point, no sign) with decimal exponent exp, in %g layout for a precision limit. */
function layout(digits: string, exp: number, limit: number): string {
  if (exp < -4 || exp >= limit) {
    return (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) + expSuffix(exp);
  }
  if (exp < 0) return '0.' + '0'.repeat(-exp - 1) + digits;
  if (digits.length <= exp + 1) return digits + '0'.repeat(exp + 1 - digits.length);
  return digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
}

/** C's %.{p}g of a finite non-zero value: p significant digits, trailing zeros dropped. */
/**
 * toExponential(p - 1) of a positive finite value, but an exact tie rounds to even as printf
 * and Ryu do (toExponential rounds it up).
 */
function toExpEven(v: number, p: number): string {
  const e = v.toExponential(p - 1);
  // Cheap filter first: a tie needs the (p+1)-digit form to end in 5.
  const longer = v.toExponential(p);
  if (longer[longer.indexOf('e') - 1] !== '5') return e;
  const sig = v.toPrecision(100).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
  if (sig[p] === '5' && /^0*$/.test(sig.slice(p + 1)) && Number(sig[p - 1]) % 2 === 0) {
    const exp10 = v.toExponential().slice(v.toExponential().indexOf('e'));
    return (p > 1 ? sig[0] + '.' + sig.slice(1, p) : sig[0]!) + exp10;
  }
  return e;
}

function formatG(v: number, p: number): string {
  const prec = Math.max(p, 1);
  const e = toExpEven(v, prec);
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const digits = e.slice(0, at).replace('.', '').replace(/0+$/, '') || '0';
  return layout(digits, exp, prec);
}

/** C's %.{p}g of any finite value (float8_numeric prints with DBL_DIG = 15, float4 with 6). */
export function formatFloatG(v: number, p: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return v < 0 ? '-' + formatG(-v, p) : formatG(v, p);
}

/**
 * Whether the decimal text t (an integer ≥ 2^53, in toExponential form) lies exactly halfway
 * between double a and a neighbour. Ryu, which PostgreSQL prints floats with, does not take such
 * a candidate where V8 does; below 2^53 no candidate of ≤ 17 digits can be a midpoint.
 */
function isDoubleMidpoint(t: string, a: number): boolean {
  const at = t.indexOf('e');
  const digits = t.slice(0, at).replace('.', '');
  const exp = Number(t.slice(at + 1)) - digits.length + 1;
  if (exp < 0) return false;
  const d = BigInt(digits) * 10n ** BigInt(exp);
  const half = 2n ** BigInt(Math.floor(Math.log2(a)) - 53);
  const v = BigInt(a);
  return d === v + half || d === v - half;
}

/** Whether x is exactly halfway between float4 value a and one of its neighbours. */
function isFloat4Midpoint(x: number, a: number): boolean {
  if (x === a) return false;
  const buf = new Float32Array(1);
  const bits = new Uint32Array(buf.buffer);
  buf[0] = a;
  const b = bits[0]!;
  bits[0] = x > a ? b + 1 : b - 1;
  return x === (a + buf[0]) / 2;
}

/** float8out / float4out under extra_float_digits (default 1: shortest exact text). */
export function floatOut(v: number, single: boolean, extraFloatDigits = 1): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0;
  const a = neg ? -v : v;
  if (extraFloatDigits <= 0) {
    const out = formatG(a, (single ? 6 : 15) + extraFloatDigits);
    return neg ? '-' + out : out;
  }
  let e: string | undefined;
  if (single) {
    for (let p = 1; p <= 9; p++) {
      const t = toExpEven(a, p);
      // Ryu does not take a candidate lying exactly halfway to a neighbour.
      if (Math.fround(Number(t)) === a && !isFloat4Midpoint(Number(t), a)) {
        e = t;
        break;
      }
    }
    e ??= a.toExponential(8);
  } else {
    e = a.toExponential();
    if (a >= 9007199254740992 && isDoubleMidpoint(e, a)) {
      for (let p = e.slice(0, e.indexOf('e')).replace('.', '').length + 1; p <= 17; p++) {
        const t = a.toExponential(p - 1);
        if (Number(t) === a && !isDoubleMidpoint(t, a)) {
          e = t;
          break;
        }
      }
    }
  }
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const digits = e.slice(0, at).replace('.', '');
  const out = layout(digits, exp, single ? 6 : 15);
  return neg ? '-' + out : out;
}

/** rint(): round half to even. */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f;
  let r: number;
  if (diff > 0.5) r = f + 1;
  else if (diff < 0.5) r = f;
  else r = f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** float8_cmp_internal: NaN above everything, NaN = NaN, -0 = 0. */
export function floatCompare(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Equal floats by floatCompare hash alike: -0 and 0 share a key, every NaN is 'NaN'. */
function floatHash(d: Datum): number | string {
  const v = d as number;
  if (Number.isNaN(v)) return 'NaN';
  return v === 0 ? 0 : v;
}

function floatType(oid: number, name: string, len: number, array: number, single: boolean): TypeInfo {
  return {
    oid,
    name,
    sqlName: sqlTypeName(oid),
    category: 'N',
    preferred: !single,
    len,
    elem: 0,
    array,
    input: (t) => floatIn(t, oid),
    output: (d: Datum, s: OutputSettings) => floatOut(d as number, single, s.extraFloatDigits),
    compare: (a, b) => floatCompare(a as number, b as number),
    hashKey: floatHash,
  };
}

export const FLOAT4_TYPE = floatType(Oid.float4, 'float4', 4, 1021, true);
export const FLOAT8_TYPE = floatType(Oid.float8, 'float8', 8, 1022, false);
