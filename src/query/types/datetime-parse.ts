/*
 * datetime-parse.ts — PostgreSQL's date/time input (ParseDateTime + DecodeDateTime of
 * datetime.c, the commonly used part) for date, time, timestamp and timestamptz.
 *
 * The text is split into fields (number, date with - / . separators, time with ':', signed zone
 * offset, word), then the fields are decoded with PostgreSQL's rules: a date field of three parts
 * is Y-M-D when its first part has more than two digits, else in DateStyle's field order; a month
 * name fixes the month; 'T' separates ISO date and time; words are month and day names, AM/PM,
 * BC/AD, the specials (epoch, infinity, now, today, tomorrow, yesterday, allballs), zone
 * abbreviations and zone names ('Europe/Paris').
 *
 * XXX left out: julian day input ('J2451187'), day-of-year forms, 'yesterday' combined with a
 * time, and the rarer run-together numeric forms; these raise 22007 as syntax errors.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { rint } from './datetime-format.js';
import { abbreviationOffset, lookupZone, type Zone } from './timezone.js';

export type DateOrder = 'MDY' | 'DMY' | 'YMD';

export interface ParsedDateTime {
  special: 'epoch' | 'infinity' | '-infinity' | 'now' | 'today' | 'tomorrow' | 'yesterday' | null;
  /** Astronomical year (1 BC = 0) after BC and two-digit adjustments; NaN when absent. */
  year: number;
  month: number;
  day: number;
  hasDate: boolean;
  /** Microseconds since midnight; 0 when there was no time. */
  micros: number;
  hasTime: boolean;
  /** Explicit numeric offset or abbreviation (seconds east), else null. */
  tz: number | null;
  /** A named zone in the text ('Europe/Paris'), else null. */
  zone: Zone | null;
}

export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'tues', 'wednes', 'thur', 'thurs'];

function monthOf(w: string): number {
  let i = MONTHS.indexOf(w);
  if (i < 0) i = FULL_MONTHS.indexOf(w);
  if (i < 0 && w === 'sept') i = 8;
  return i < 0 ? 0 : i + 1;
}

export function syntaxError(typeName: string, text: string): SqlError {
  return new SqlError(SQLSTATE.invalid_datetime_format, `invalid input syntax for type ${typeName}: "${text}"`);
}

export function fieldOverflow(text: string): SqlError {
  return new SqlError(SQLSTATE.datetime_field_overflow, `date/time field value out of range: "${text}"`);
}

type FieldKind = 'number' | 'date' | 'time' | 'tz' | 'word' | 'special';
interface Field {
  kind: FieldKind;
  text: string;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);
const KEYWORDS = new Set(['am', 'pm', 'bc', 'ad', 't', 'epoch', 'infinity', 'now', 'today', 'tomorrow', 'yesterday', 'allballs', 'on', 'at', 'z']);

function split(s: string, bad: () => SqlError): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < n && isDigit(s[i]!)) i++;
      if (s[i] === ':') {
        while (i < n && (isDigit(s[i]!) || s[i] === ':' || s[i] === '.')) i++;
        fields.push({ kind: 'time', text: s.slice(start, i) });
      } else if (s[i] === '-' || s[i] === '/' || s[i] === '.') {
        const delim = s[i]!;
        i++;
        let kind: FieldKind = 'date';
        if (i < n && isDigit(s[i]!)) {
          kind = delim === '.' ? 'number' : 'date';
          while (i < n && isDigit(s[i]!)) i++;
          if (s[i] === delim) {
            kind = 'date';
            while (i < n && (isDigit(s[i]!) || s[i] === delim)) i++;
          }
        } else {
          while (i < n && (isAlnum(s[i]!) || s[i] === delim)) i++;
        }
        fields.push({ kind, text: s.slice(start, i).toLowerCase() });
      } else {
        fields.push({ kind: 'number', text: s.slice(start, i) });
      }
    } else if (c === '.') {
      i++;
      while (i < n && isDigit(s[i]!)) i++;
      fields.push({ kind: 'number', text: s.slice(start, i) });
    } else if (isAlpha(c)) {
      while (i < n && isAlpha(s[i]!)) i++;
      let kind: FieldKind = 'word';
      const nx = s[i];
      if (nx === '-' || nx === '/' || nx === '.') kind = 'date';
      else if (nx !== undefined && (nx === '+' || isDigit(nx)) && !KEYWORDS.has(s.slice(start, i).toLowerCase())) kind = 'date';
      if (kind === 'date') {
        while (i < n && (isAlnum(s[i]!) || '+-/_.:'.includes(s[i]!))) i++;
      }
      fields.push({ kind, text: s.slice(start, i) });
    } else if (c === '+' || c === '-') {
      i++;
      while (i < n && s[i] === ' ') i++;
      const b = i;
      if (i < n && isDigit(s[i]!)) {
        while (i < n && (isDigit(s[i]!) || s[i] === ':' || s[i] === '.' || s[i] === '-')) i++;
        fields.push({ kind: 'tz', text: c + s.slice(b, i) });
      } else if (i < n && isAlpha(s[i]!)) {
        while (i < n && isAlpha(s[i]!)) i++;
        fields.push({ kind: 'special', text: c + s.slice(b, i).toLowerCase() });
      } else throw bad();
    } else if (c === ',' || c === '(' || c === ')' || c === ';' || c === '\'' || c === '_') {
      i++;
    } else {
      throw bad();
    }
  }
  return fields;
}

/** Seconds east for '+05', '+0530', '+05:30', '-08:00:00'; null when not an offset. */
export function parseOffset(t: string): number | null {
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(t) ?? /^([+-])(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(t);
  if (m === null) return null;
  const h = Number(m[2]);
  const mi = Number(m[3] ?? 0);
  const se = Number(m[4] ?? 0);
  if (h > 15 || mi > 59 || se > 59) return NaN;
  const v = h * 3600 + mi * 60 + se;
  return m[1] === '-' ? -v : v;
}

interface State {
  year: number | null;
  month: number | null;
  day: number | null;
  yearDigits: number;
  textMonth: boolean;
  bc: boolean;
  ampm: 0 | 1 | 2;
}

/** PostgreSQL's DecodeNumber for one numeric date part, in the field order so far. */
function dateNumber(st: State, text: string, order: DateOrder, bad: () => SqlError): void {
  const v = Number(text);
  const len = text.length;
  const has = (st.year !== null ? 1 : 0) | (st.month !== null ? 2 : 0) | (st.day !== null ? 4 : 0);
  const setYear = (): void => {
    st.year = v;
    st.yearDigits = len;
  };
  switch (has) {
    case 0:
      if (len >= 3 || order === 'YMD') setYear();
      else if (order === 'DMY') st.day = v;
      else st.month = v;
      return;
    case 1:
      st.month = v;
      return;
    case 2:
      if (st.textMonth) {
        if (len >= 3 || order === 'YMD') setYear();
        else st.day = v;
      } else st.day = v;
      return;
    case 3:
      // DD-MON-YYYY even in YMD order: the number taken as a two-digit year was the day
      if (st.textMonth && len >= 3 && st.yearDigits <= 2) {
        st.day = st.year;
        setYear();
      } else st.day = v;
      return;
    case 4:
      st.month = v;
      return;
    case 5:
      st.month = v;
      return;
    case 6:
      setYear();
      return;
    default:
      throw bad();
  }
}

function parseTimeField(t: string, bad: () => SqlError, overflow: () => SqlError): number {
  const m = /^(\d+):(\d+)(?::(\d+))?(?:\.(\d*))?$/.exec(t) ?? /^(\d+):(\d+)(\.\d*)$/.exec(t);
  if (m === null) throw bad();
  const h = Number(m[1]);
  const mi = Number(m[2]);
  let sec = 0;
  let frac = '';
  if (m[3] !== undefined && !m[3].startsWith('.')) {
    sec = Number(m[3]);
    frac = m[4] ?? '';
  } else if (m[3]?.startsWith('.') === true) {
    // 'mm:ss.f' is not a PostgreSQL time form for timestamps: hh:mm.f is not either.
    throw bad();
  }
  if (h > 24 || mi > 59 || sec > 60) throw overflow();
  let us = 0;
  if (frac.length > 0) us = rint(Number('0.' + frac) * 1e6);
  const total = ((h * 60 + mi) * 60 + sec) * 1e6 + us;
  if (h === 24 && total > 24 * 3600e6) throw overflow();
  return total;
}

/**
 * Splits and decodes `text`; raises 22007 naming `typeName` for syntax, 22008 for a field out of
 * range. Month/day validity against the calendar is left to the caller (validDate).
 */
export function parseDateTime(text: string, typeName: string, order: DateOrder, timeOnly = false): ParsedDateTime {
  const bad = (): SqlError => syntaxError(typeName, text);
  const overflow = (): SqlError => fieldOverflow(text);
  const fields = split(text, bad);
  const out: ParsedDateTime = { special: null, year: NaN, month: NaN, day: NaN, hasDate: false, micros: 0, hasTime: false, tz: null, zone: null };
  const st: State = { year: null, month: null, day: null, yearDigits: 4, textMonth: false, bc: false, ampm: 0 };
  if (fields.length === 0) throw bad();
  let afterT = false;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    switch (f.kind) {
      case 'time': {
        if (out.hasTime) throw bad();
        out.micros = parseTimeField(f.text, bad, overflow);
        out.hasTime = true;
        afterT = false;
        break;
      }
      case 'date': {
        const first = f.text[0]!;
        if (isAlpha(first) && (st.month === null || st.day === null || out.hasDate)) {
          const parts = f.text.toLowerCase().split(/[-/.]/);
          if (parts.length > 1 && monthOf(parts[0]!) !== 0 && !f.text.includes('/')) {
            decodeDateParts(st, parts, order, bad);
            break;
          }
        }
        if (isAlpha(first) || (st.month !== null && st.day !== null)) {
          const z = lookupZone(f.text);
          if (z === null) {
            const ab = abbreviationOffset(f.text.toLowerCase());
            if (ab === undefined) throw new SqlError(SQLSTATE.invalid_parameter_value, `time zone "${f.text}" not recognized`);
            out.tz = ab;
          } else out.zone = z;
          break;
        }
        decodeDateParts(st, f.text.split(/[-/.]/), order, bad);
        break;
      }
      case 'number': {
        const t = f.text;
        if (afterT || (timeOnly && !out.hasTime && st.year === null && /^\d{6}(\.\d*)?$/.test(t)) || (out.hasDate === false && st.year !== null && st.month !== null && st.day !== null && !out.hasTime)) {
          // hhmmss[.f] or hh after an ISO 'T' / a complete date
          const m = /^(\d{2})(\d{2})?(\d{2})?(\.\d*)?$/.exec(t);
          if (m === null) throw bad();
          const h = Number(m[1]);
          const mi = Number(m[2] ?? 0);
          const se = Number(m[3] ?? 0);
          if (h > 24 || mi > 59 || se > 60) throw overflow();
          out.micros = ((h * 60 + mi) * 60 + se) * 1e6 + (m[4] !== undefined && m[4].length > 1 ? rint(Number('0' + m[4]) * 1e6) : 0);
          out.hasTime = true;
          afterT = false;
          break;
        }
        if (t.includes('.')) {
          throw bad();
        }
        if ((t.length === 8 || t.length >= 9) && st.year === null && st.month === null && st.day === null) {
          st.year = Number(t.slice(0, t.length - 4));
          st.month = Number(t.slice(-4, -2));
          st.day = Number(t.slice(-2));
          break;
        }
        if (t.length === 6 && st.year === null && st.month === null && st.day === null) {
          st.year = Number(t.slice(0, 2));
          st.yearDigits = 2;
          st.month = Number(t.slice(2, 4));
          st.day = Number(t.slice(4, 6));
          break;
        }
        if (st.year !== null && st.month !== null && st.day !== null) {
          throw bad();
        }
        dateNumber(st, t, order, bad);
        break;
      }
      case 'tz': {
        const o = parseOffset(f.text);
        if (o === null) {
          // '-' run-together date ('2024-01-01-08' is not supported)
          throw bad();
        }
        if (Number.isNaN(o)) throw new SqlError(SQLSTATE.invalid_time_zone_displacement_value, `time zone displacement out of range: "${text}"`);
        if (out.tz !== null) throw bad();
        out.tz = o;
        break;
      }
      case 'special': {
        if (f.text === '-infinity') out.special = '-infinity';
        else if (f.text === '+infinity') out.special = 'infinity';
        else throw bad();
        break;
      }
      case 'word': {
        const w = f.text.toLowerCase();
        const mo = monthOf(w);
        if (mo !== 0 && !(w === 'may' && false)) {
          if (st.month !== null && st.textMonth) throw bad();
          if (st.month !== null && !st.textMonth) {
            // a number already taken as the month becomes the day (MDY "1 jan")
            if (st.day !== null) throw bad();
            st.day = st.month;
          }
          st.month = mo;
          st.textMonth = true;
          break;
        }
        if (DAYS.includes(w)) break;
        switch (w) {
          case 'am':
            st.ampm = 1;
            break;
          case 'pm':
            st.ampm = 2;
            break;
          case 'bc':
            st.bc = true;
            break;
          case 'ad':
            break;
          case 't':
            afterT = true;
            break;
          case 'on':
          case 'at':
            break;
          case 'allballs':
            out.micros = 0;
            out.hasTime = true;
            out.tz = 0;
            break;
          case 'epoch':
          case 'infinity':
          case 'now':
          case 'today':
          case 'tomorrow':
          case 'yesterday':
            if (out.special !== null) throw bad();
            out.special = w;
            break;
          default: {
            const ab = abbreviationOffset(w);
            if (ab !== undefined) {
              if (out.tz !== null) throw bad();
              out.tz = ab;
              break;
            }
            const z = lookupZone(f.text);
            if (z === null) throw bad();
            out.zone = z;
          }
        }
        break;
      }
    }
  }
  if (st.ampm !== 0) {
    if (!out.hasTime) throw bad();
    const h = Math.floor(out.micros / 3600e6);
    if (h > 12 || h === 0) throw overflow();
    if (st.ampm === 1 && h === 12) out.micros -= 12 * 3600e6;
    else if (st.ampm === 2 && h !== 12) out.micros += 12 * 3600e6;
  }
  if (st.year !== null || st.month !== null || st.day !== null) {
    if (st.year === null || st.month === null || st.day === null) throw bad();
    let y = st.year;
    if (st.yearDigits <= 2 && !st.bc) y += y < 70 ? 2000 : 1900;
    if (st.bc) {
      if (y <= 0) throw overflow();
      y = 1 - y;
    } else if (y === 0) throw overflow();
    out.year = y;
    out.month = st.month;
    out.day = st.day;
    out.hasDate = true;
  } else if (st.bc) throw bad();
  if (out.special !== null && (out.hasDate || (out.hasTime && out.special !== 'today' && out.special !== 'tomorrow' && out.special !== 'yesterday'))) throw bad();
  return out;
}

function decodeDateParts(st: State, parts: readonly string[], order: DateOrder, bad: () => SqlError): void {
  if (st.year !== null || st.month !== null || st.day !== null) throw bad();
  // text fields first: they fix the month whatever their position
  const nums: string[] = [];
  for (const p of parts) {
    if (p === '') throw bad();
    if (isAlpha(p[0]!)) {
      const w = p.toLowerCase();
      const mo = monthOf(w);
      if (mo !== 0 && st.month === null) {
        st.month = mo;
        st.textMonth = true;
      } else if (w === 'bc') st.bc = true;
      else if (w !== 'ad') throw bad();
    } else if (/^\d+$/.test(p)) nums.push(p);
    else throw bad();
  }
  for (const p of nums) dateNumber(st, p, order, bad);
}

/** Days in a month of an astronomical year. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** 22008 unless month and day exist in the calendar. */
export function checkDate(p: ParsedDateTime, text: string): void {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(p.year, p.month)) throw fieldOverflow(text);
}

/** The canonical ISO text as the primary prints it (and the store holds it), read without splitting. */
export interface FastIso {
  /** Days since 2000-01-01. */
  days: number;
  /** µs into the day. */
  micros: number;
  /** Seconds east when an offset was present, else null. */
  offset: number | null;
  hasTime: boolean;
}

const dig = (t: string, i: number): number => {
  const c = t.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};
const two = (t: string, i: number): number => {
  const a = dig(t, i);
  const b = dig(t, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * `YYYY-MM-DD[ HH:MM:SS[.ffffff]][±HH[:MM[:SS]]][ BC]` with valid fields, else null (the caller
 * then takes the general parser, which also produces the errors).
 */
export function fastIso(t: string, daysOf: (y: number, m: number, d: number) => number): FastIso | null {
  let i = 0;
  let y = 0;
  while (i < t.length && dig(t, i) >= 0) y = y * 10 + dig(t, i++);
  if (i < 4 || i > 7 || t.charCodeAt(i) !== 45) return null;
  const m = two(t, i + 1);
  const d = two(t, i + 4);
  if (m < 1 || m > 12 || d < 1 || t.charCodeAt(i + 3) !== 45) return null;
  i += 6;
  let micros = 0;
  let hasTime = false;
  if (t.charCodeAt(i) === 32 && t.charCodeAt(i + 3) === 58) {
    const hh = two(t, i + 1);
    const mi = two(t, i + 4);
    const ss = two(t, i + 7);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59 || t.charCodeAt(i + 6) !== 58) return null;
    micros = ((hh * 60 + mi) * 60 + ss) * 1_000_000;
    i += 9;
    hasTime = true;
    if (t.charCodeAt(i) === 46) {
      i++;
      let f = 0;
      let n = 0;
      while (dig(t, i) >= 0) {
        if (n === 6) return null; // rounding: the general parser
        f = f * 10 + dig(t, i++);
        n++;
      }
      if (n === 0) return null;
      micros += f * 10 ** (6 - n);
    }
  }
  let offset: number | null = null;
  const c = t.charCodeAt(i);
  if (hasTime && (c === 43 || c === 45)) {
    const oh = two(t, i + 1);
    if (oh < 0 || oh > 15) return null;
    let o = oh * 3600;
    i += 3;
    if (t.charCodeAt(i) === 58) {
      const om = two(t, i + 1);
      if (om < 0 || om > 59) return null;
      o += om * 60;
      i += 3;
      if (t.charCodeAt(i) === 58) {
        const os = two(t, i + 1);
        if (os < 0 || os > 59) return null;
        o += os;
        i += 3;
      }
    }
    offset = c === 45 ? -o : o;
  }
  let bc = false;
  if (t.length === i + 3 && t.endsWith(' BC')) {
    bc = true;
    i += 3;
  }
  if (i !== t.length || y === 0) return null;
  const year = bc ? 1 - y : y;
  if (d > daysInMonth(year, m)) return null;
  return { days: daysOf(year, m, d), micros, offset, hasTime };
}
