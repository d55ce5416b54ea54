/*
 * to-timestamp.ts — to_timestamp(text, text) and to_date(text, text): reads text with a
 * formatting.c template (compiled by to-char-time.ts). Separators are read loosely (any
 * non-alphanumeric matches any), as PostgreSQL outside FX mode; a numeric field directly followed
 * by another takes exactly its width (YYYYMMDD), else all the digits there are.
 *
 * XXX left out: FX mode, TZ / OF input, ISO week fields (IYYY, IW, ID), RM, CC. A missing year
 * is year 0 (1 BC) as PostgreSQL's default; missing month and day are 1.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { dateOf, US_PER_DAY_N } from '../types/datetime-format.js';
import { daysInMonth } from '../types/datetime-parse.js';
import { dateInRange } from '../types/date.js';
import type { EvalSettings } from '../types/registry.js';
import { localToUtcUs, tsInRange } from '../types/timestamp.js';
import { sessionZone } from '../types/timezone.js';
import { compile, DAYS, MONTHS } from './to-char-time.js';

function badValue(value: string, kw: string): SqlError {
  return new SqlError(SQLSTATE.invalid_datetime_format, `invalid value "${value}" for "${kw}"`);
}

interface Parsed {
  year: number | null;
  bc: boolean;
  mon: number;
  mday: number;
  hour: number;
  pm: boolean | null;
  min: number;
  sec: number;
  us: number;
  tzh: number | null;
  tzm: number;
  doy: number | null;
  julian: number | null;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const DIGITS: Readonly<Record<string, number>> = { YYYY: 4, YYY: 3, YY: 2, Y: 1, MM: 2, DD: 2, DDD: 3, HH: 2, HH12: 2, HH24: 2, MI: 2, SS: 2, MS: 3, US: 6, TZH: 2, TZM: 2, J: 7, FF1: 1, FF2: 2, FF3: 3, FF4: 4, FF5: 5, FF6: 6, D: 1, ID: 1, Q: 1, CC: 2, WW: 2, IW: 2, W: 1 };

function parseWith(text: string, fmt: string): Parsed {
  const nodes = compile(fmt);
  const p: Parsed = { year: null, bc: false, mon: 1, mday: 1, hour: 0, pm: null, min: 0, sec: 0, us: 0, tzh: null, tzm: 0, doy: null, julian: null };
  let i = 0;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (n.kw === null) {
      if (n.text === ' ') {
        while (text[i] === ' ') i++;
      } else if (i < text.length && !/[A-Za-z0-9]/.test(text[i]!)) i++;
      else if (text[i] === n.text) i++;
      continue;
    }
    const K = n.kw.toUpperCase();
    while (text[i] === ' ' && K !== 'FX') i++;
    const width = DIGITS[K];
    if (width !== undefined) {
      const next = nodes[k + 1];
      const adjacent = next !== undefined && next.kw !== null && DIGITS[next.kw.toUpperCase()] !== undefined;
      let j = i;
      let sign = 1;
      if ((text[j] === '-' || text[j] === '+') && (K === 'TZH' || K.startsWith('Y'))) {
        sign = text[j] === '-' ? -1 : 1;
        j++;
      }
      const start = j;
      while (isDigit(text[j]) && (!adjacent || j - start < width)) j++;
      if (j === start) throw new SqlError(SQLSTATE.invalid_datetime_format, `invalid value "${text.slice(i, i + width)}" for "${n.kw}"`, { detail: 'Value must be an integer.' });
      const val = sign * Number(text.slice(start, j));
      const digits = j - start;
      i = j;
      switch (K) {
        case 'YYYY':
        case 'YYY':
        case 'YY':
        case 'Y':
          p.year = K === 'YYYY' || digits > 2 ? val : digits <= 2 && K === 'YY' ? (val < 70 ? 2000 + val : 1900 + val) : val;
          break;
        case 'MM':
          p.mon = val;
          break;
        case 'DD':
          p.mday = val;
          break;
        case 'DDD':
          p.doy = val;
          break;
        case 'HH':
        case 'HH12':
          if (val < 1 || val > 12) throw new SqlError(SQLSTATE.datetime_field_overflow, `hour "${val}" is invalid for the 12-hour clock`, { hint: 'Use the 24-hour clock, or give an hour between 1 and 12.' });
          p.hour = val;
          if (p.pm === null) p.pm = false;
          break;
        case 'HH24':
          p.hour = val;
          break;
        case 'MI':
          p.min = val;
          break;
        case 'SS':
          p.sec = val;
          break;
        case 'MS':
          p.us = val * 10 ** (3 - Math.min(digits, 3)) * 1000;
          break;
        case 'US':
        case 'FF1':
        case 'FF2':
        case 'FF3':
        case 'FF4':
        case 'FF5':
        case 'FF6':
          p.us = val * 10 ** (6 - Math.min(digits, 6));
          break;
        case 'TZH':
          p.tzh = val;
          if (sign < 0 && val === 0) p.tzm = -0;
          break;
        case 'TZM':
          p.tzm = val;
          break;
        case 'J':
          p.julian = val;
          break;
        default:
      }
      continue;
    }
    const rest = text.slice(i);
    const matchName = (names: readonly string[], len: number | null): number => {
      for (const [idx, name] of names.entries()) {
        const cand = len === null ? name : name.slice(0, len);
        if (rest.toLowerCase().startsWith(cand.toLowerCase())) {
          i += cand.length;
          return idx;
        }
      }
      throw badValue(rest.split(/[^A-Za-z]/)[0] ?? rest, n.kw!);
    };
    switch (K) {
      case 'MONTH':
        p.mon = matchName(MONTHS, null) + 1;
        break;
      case 'MON':
        p.mon = matchName(MONTHS, 3) + 1;
        break;
      case 'DAY':
        matchName(DAYS, null);
        break;
      case 'DY':
        matchName(DAYS, 3);
        break;
      case 'AM':
      case 'PM':
      case 'A.M.':
      case 'P.M.': {
        const w = K.length;
        const t = rest.slice(0, w).toUpperCase();
        if (t === 'AM' || t === 'A.M.') p.pm = false;
        else if (t === 'PM' || t === 'P.M.') p.pm = true;
        else throw badValue(rest.slice(0, w), n.kw);
        i += w;
        break;
      }
      case 'AD':
      case 'BC':
      case 'A.D.':
      case 'B.C.': {
        const w = K.length;
        const t = rest.slice(0, w).toUpperCase();
        if (t === 'BC' || t === 'B.C.') p.bc = true;
        else if (t !== 'AD' && t !== 'A.D.') throw badValue(rest.slice(0, w), n.kw);
        i += w;
        break;
      }
      case 'TZ':
        throw new SqlError(SQLSTATE.feature_not_supported, `formatting field "${n.kw}" is only supported in to_char`);
      default:
        throw new SqlError(SQLSTATE.feature_not_supported, `formatting field "${n.kw}" is not supported by memstore yet`);
    }
  }
  return p;
}

function overflow(): SqlError {
  return new SqlError(SQLSTATE.datetime_field_overflow, 'date/time field value out of range');
}

/** The parsed date: days since 2000 (year 0 means 1 BC as PostgreSQL's default). */
function parsedDays(p: Parsed, text: string): number {
  if (p.julian !== null) return p.julian - 2_451_545;
  let y = p.year ?? 0;
  if (p.bc && y > 0) y = 1 - y;
  else if (p.year === null) y = 0;
  if (p.doy !== null) return dateOf(y, 1, 1) + p.doy - 1;
  if (p.mon < 1 || p.mon > 12 || p.mday < 1 || p.mday > daysInMonth(y, p.mon)) throw new SqlError(SQLSTATE.datetime_field_overflow, `date/time field value out of range: "${text}"`);
  return dateOf(y, p.mon, p.mday);
}

export function toDate(text: string, fmt: string): number {
  const p = parseWith(text, fmt);
  const d = parsedDays(p, text);
  if (!dateInRange(d)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `date out of range: "${text}"`);
  return d;
}

export function toTimestamp(text: string, fmt: string, s: EvalSettings): bigint {
  const p = parseWith(text, fmt);
  const d = parsedDays(p, text);
  let hour = p.hour;
  if (p.pm === true && hour < 12) hour += 12;
  else if (p.pm === false && hour === 12) hour = 0;
  if (hour > 24 || p.min > 59 || p.sec > 60) throw overflow();
  const local = BigInt(d) * US_PER_DAY_N + BigInt(((hour * 60 + p.min) * 60 + p.sec) * 1e6 + p.us);
  let us: bigint;
  if (p.tzh !== null) {
    const sign = p.tzh < 0 || Object.is(p.tzm, -0) ? -1 : 1;
    const off = p.tzh * 3600 + sign * Math.abs(p.tzm) * 60;
    us = local - BigInt(off) * 1_000_000n;
  } else us = localToUtcUs(local, sessionZone(s.timeZone));
  if (!tsInRange(us)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, 'timestamp out of range');
  return us;
}

