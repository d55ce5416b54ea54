/*
 * to-char-num.ts — to_char(int4|int8|float4|float8|numeric, text): PostgreSQL's number
 * formatting (formatting.c, NUM_processor) for the patterns people use:
 *   9 0 . D , G    digit positions (0 fills with zeros from its position on), point, grouping
 *                  (locale C: D is '.', G is ',')
 *   FM             fill mode: no padding, trailing fraction zeros dropped
 *   S MI PL SG PR  sign placement (leading S / PR float before the first digit; MI, SG, PL and a
 *                  trailing S sit where they are written)
 *   V              multiply by 10^n (n = digit positions after V)
 *   EEEE           scientific notation
 *   "text", \c     literal text; any other character is copied
 * Layout rules observed on PostgreSQL 17: without a fixed sign token the output has one extra
 * leading position where the sign floats; a value too wide for the digit positions prints '#'
 * in every position; a zero integer part prints as blank, except at the last integer position
 * when there is no fraction (or in FM mode when the value is zero); numeric and integers round
 * half away from zero, floats as printf (%.*f, half to even on the binary value) with at most
 * 15 (float4: 6) significant digits.
 * XXX not done: RN (roman numerals), TH/th, L (currency), B, locale-specific D/G.
 *
 * Interface: registerToCharNumber()
 */
import { Decimal } from 'decimal.js';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { PgDecimal, type Datum, type NumericValue } from '../types/datum.js';
import { registerFunc } from './registry.js';

type Tok =
  | { k: 'digit'; zero: boolean }
  | { k: 'point' }
  | { k: 'group' }
  | { k: 'sign'; kind: 'S' | 'MI' | 'PL' | 'SG' | 'PR' }
  | { k: 'lit'; text: string };

interface Format {
  toks: Tok[];
  fm: boolean;
  eeee: boolean;
  pre: number;
  post: number;
  multi: number;
  /** Per fraction position: written as 0 (kept by FM). */
  fracZero: boolean[];
  /** Fraction digits FM prints (set per value by render). */
  keepFrac: number;
}

const cache = new Map<string, Format>();

function parseFormat(fmt: string): Format {
  const hit = cache.get(fmt);
  if (hit !== undefined) return hit;
  const toks: Tok[] = [];
  let fm = false;
  let eeee = false;
  let pre = 0;
  let post = 0;
  let multi = 0;
  let seenPoint = false;
  let seenV = false;
  const fracZero: boolean[] = [];
  for (let i = 0; i < fmt.length; ) {
    const rest = fmt.slice(i).toUpperCase();
    const c = fmt[i]!;
    if (rest.startsWith('FM')) {
      fm = true;
      i += 2;
    } else if (rest.startsWith('EEEE')) {
      eeee = true;
      i += 4;
    } else if (c === '9' || c === '0') {
      toks.push({ k: 'digit', zero: c === '0' });
      if (seenPoint) fracZero.push(c === '0');
      if (seenPoint) post++;
      else pre++;
      if (seenV) multi++;
      i++;
    } else if (c === '.' || rest[0] === 'D') {
      if (!seenPoint) toks.push({ k: 'point' });
      seenPoint = true;
      i++;
    } else if (c === ',' || rest[0] === 'G') {
      toks.push({ k: 'group' });
      i++;
    } else if (rest.startsWith('MI') || rest.startsWith('PL') || rest.startsWith('SG') || rest.startsWith('PR')) {
      toks.push({ k: 'sign', kind: rest.slice(0, 2) as 'MI' | 'PL' | 'SG' | 'PR' });
      i += 2;
    } else if (rest[0] === 'S') {
      toks.push({ k: 'sign', kind: 'S' });
      i++;
    } else if (rest[0] === 'V') {
      seenV = true;
      i++;
    } else if (c === '"') {
      const end = fmt.indexOf('"', i + 1);
      const stop = end < 0 ? fmt.length : end;
      toks.push({ k: 'lit', text: fmt.slice(i + 1, stop) });
      i = stop + 1;
    } else if (c === '\\' && i + 1 < fmt.length) {
      toks.push({ k: 'lit', text: fmt[i + 1]! });
      i += 2;
    } else {
      toks.push({ k: 'lit', text: c });
      i++;
    }
  }
  if (eeee && (fm || seenV || toks.some((t) => t.k === 'sign' || t.k === 'group'))) {
    throw new SqlError(SQLSTATE.syntax_error, '"EEEE" is incompatible with other formats', { detail: '"EEEE" may only be used together with digit and decimal point patterns.' });
  }
  const f: Format = { toks, fm, eeee, pre, post, multi, fracZero, keepFrac: post };
  if (cache.size > 256) cache.clear();
  cache.set(fmt, f);
  return f;
}

/** |value| split into integer digits ('' for zero) and exactly `post` fraction digits, plus the sign. */
interface Digits {
  neg: boolean;
  int: string;
  frac: string;
  zero: boolean;
}

function numericDigits(d: PgDecimal, post: number): Digits {
  const r = d.abs().toFixed(post, Decimal.ROUND_HALF_UP);
  const dot = r.indexOf('.');
  const int = (dot < 0 ? r : r.slice(0, dot)).replace(/^0+/, '');
  const frac = dot < 0 ? '' : r.slice(dot + 1);
  const zero = int === '' && /^0*$/.test(frac);
  return { neg: d.isNeg() && !zero, int, frac, zero };
}

/** printf's %.{p}f of |a|: exact binary value, a tie rounds to even (toFixed rounds it up). */
function printfFixed(a: number, p: number): string {
  const r = a.toFixed(p);
  const wide = a.toFixed(Math.min(p + 40, 100));
  const tail = wide.slice(wide.length - (Math.min(p + 40, 100) - p));
  if (tail[0] === '5' && /^50*$/.test(tail)) {
    const down = wide.slice(0, wide.length - tail.length).replace(/\.$/, '');
    const last = down.replace('.', '').slice(-1);
    if (Number(last) % 2 === 0) return down;
  }
  return r;
}

function floatDigits(v: number, post: number, single: boolean): Digits {
  const a = Math.abs(v);
  const intLen = printfFixed(a, 0).length;
  const maxDig = single ? 6 : 15;
  let p = post;
  if (intLen >= maxDig) p = 0;
  else if (intLen + p > maxDig) p = maxDig - intLen;
  const r = printfFixed(a, p);
  const dot = r.indexOf('.');
  const int = (dot < 0 ? r : r.slice(0, dot)).replace(/^0+/, '');
  const frac = (dot < 0 ? '' : r.slice(dot + 1)).padEnd(post, '0');
  const zero = int === '' && /^0*$/.test(frac);
  // float8_to_char takes the sign from the value, before rounding: -0.001 prints as -.00.
  return { neg: v < 0 || Object.is(v, -0), int, frac, zero };
}

function scientific(d: PgDecimal, post: number, fm: boolean): string {
  const neg = d.isNeg() && !d.isZero();
  const e = d.abs().toExponential(post, Decimal.ROUND_HALF_UP);
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const a = Math.abs(exp);
  const body = `${e.slice(0, at)}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
  return (neg ? '-' : fm ? '' : ' ') + body;
}

function render(f: Format, g: Digits): string {
  if (f.fm) {
    // FM drops trailing fraction zeros at 9 positions; a 0 position keeps its digit.
    let keep = g.frac.length;
    while (keep > 0 && g.frac[keep - 1] === '0' && !f.fracZero[keep - 1]) keep--;
    f = { ...f, keepFrac: keep };
  }
  const overflow = g.int.length > f.pre;
  const hasFixedSign = f.toks.some((t) => t.k === 'sign' && (t.kind === 'MI' || t.kind === 'SG' || (t.kind === 'S' && t !== firstNonLit(f))));
  const floatSign = hasFixedSign ? '' : f.toks.some((t) => t.k === 'sign' && t.kind === 'PR') ? (g.neg ? '<' : ' ') : f.toks.some((t) => t.k === 'sign' && t.kind === 'S') ? (g.neg ? '-' : '+') : g.neg ? '-' : ' ';
  let out = '';
  let intPos = 0;
  let fracPos = 0;
  let inFrac = false;
  let zeroFill = false;
  let started = false;
  let signPlaced = hasFixedSign;
  const lastInt = f.pre - 1;
  const showZero = g.int === '' && (f.post === 0 || (f.fm && g.zero));
  const place = (): void => {
    if (!signPlaced) {
      signPlaced = true;
      if (!(f.fm && floatSign === ' ')) out += floatSign;
    }
  };
  for (const t of f.toks) {
    switch (t.k) {
      case 'digit':
        if (!inFrac) {
          if (t.zero) zeroFill = true;
          const idx = intPos - (f.pre - g.int.length);
          intPos++;
          if (overflow) {
            place();
            out += '#';
          } else if (idx >= 0) {
            place();
            out += g.int[idx];
            started = true;
          } else if (zeroFill || (showZero && intPos - 1 === lastInt)) {
            place();
            out += '0';
            started = true;
          } else if (!f.fm) {
            out += ' ';
          }
        } else {
          if (overflow) out += '#';
          else if (!f.fm || fracPos < f.keepFrac) out += g.frac[fracPos];
          fracPos++;
        }
        break;
      case 'point':
        inFrac = true;
        if (f.post > 0) {
          if (!overflow) place();
          out += '.';
          started = true;
        }
        break;
      case 'group':
        if (started || overflow) out += ',';
        else if (!f.fm) out += ' ';
        break;
      case 'sign':
        if (t.kind === 'PR') {
          if (t !== firstNonLit(f)) out += g.neg ? '>' : f.fm ? '' : ' ';
        } else if (t.kind === 'PL') out += g.neg ? (f.fm ? '' : ' ') : '+';
        else if (t.kind === 'MI') out += g.neg ? '-' : f.fm ? '' : ' ';
        else if (t.kind === 'SG') out += g.neg ? '-' : '+';
        else if (t !== firstNonLit(f)) out += g.neg ? '-' : '+';
        break;
      case 'lit':
        out += t.text;
        break;
    }
  }
  if (!signPlaced) place();
  return out;
}

function firstNonLit(f: Format): Tok | undefined {
  return f.toks.find((t) => t.k !== 'lit');
}

export function toCharNumeric(d: PgDecimal, fmt: string): string {
  const f = parseFormat(fmt);
  if (f.eeee) return scientific(d, f.post, f.fm);
  const v = f.multi > 0 ? d.mul(new PgDecimal(10).pow(f.multi)) : d;
  return render(f, numericDigits(v, f.post));
}

export function toCharFloat(x: number, fmt: string, single: boolean): string {
  const f = parseFormat(fmt);
  if (f.eeee) return scientific(new PgDecimal(x), f.post, f.fm);
  const v = f.multi > 0 ? x * Math.pow(10, f.multi) : x;
  return render(f, floatDigits(v, f.post, single));
}

export function registerToCharNumber(): void {
  const reg = (type: number, call: (v: Datum, fmt: string) => string): void =>
    registerFunc({ name: 'to_char', kind: 'func', args: [type, Oid.text], returns: Oid.text, strict: true, volatility: 's', call: (a) => call(a[0]!, a[1] as string) });
  reg(Oid.int4, (v, fmt) => toCharNumeric(new PgDecimal(v as number), fmt));
  reg(Oid.int8, (v, fmt) => toCharNumeric(new PgDecimal((v as bigint).toString()), fmt));
  reg(Oid.numeric, (v, fmt) => {
    const n = v as NumericValue;
    return n.d.isFinite() ? toCharNumeric(n.d, fmt) : toCharNumeric(new PgDecimal(0), fmt).replace(/[0-9]/g, '#');
  });
  reg(Oid.float4, (v, fmt) => toCharFloat(v as number, fmt, true));
  reg(Oid.float8, (v, fmt) => toCharFloat(v as number, fmt, false));
}
