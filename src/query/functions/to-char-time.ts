/*
 * to-char-time.ts — to_char(timestamp | timestamptz | interval, text): PostgreSQL's formatting.c
 * template patterns for date/time (to-timestamp.ts reads text with the same compiled templates).
 *
 * A template is compiled once per distinct text (cached) into nodes: keywords (matched longest
 * first, case-sensitive as PostgreSQL's table: 'Month' / 'MONTH' / 'month' choose the case of the
 * name), FM / TH / th affixes, "quoted" literals, backslash escapes, other characters copied.
 *
 * XXX left out: FX exact mode and the rarer keywords (IDDD, SP), localized TM names.
 */
import type { Datum, IntervalValue } from '../types/datum.js';
import { dateOf, dow, pad2, splitUs, ymd } from '../types/datetime-format.js';
import { ivIsFinite } from '../types/interval.js';
import type { EvalSettings } from '../types/registry.js';
import { isFiniteTs, utcToLocalUs } from '../types/timestamp.js';
import { sessionZone } from '../types/timezone.js';
import { isoWeek } from './datetime-trunc.js';
import { registerFunc, type CallContext } from './registry.js';

const KEYWORDS = [
  'A.D.', 'A.M.', 'AD', 'AM', 'B.C.', 'BC', 'CC', 'DAY', 'DDD', 'DD', 'DY', 'Day', 'Dy', 'D', 'FF1', 'FF2', 'FF3', 'FF4', 'FF5', 'FF6',
  'FX', 'HH24', 'HH12', 'HH', 'IDDD', 'ID', 'IW', 'IYYY', 'IYY', 'IY', 'I', 'J', 'MI', 'MM', 'MONTH', 'MON', 'MS', 'Month', 'Mon',
  'OF', 'P.M.', 'PM', 'Q', 'RM', 'SSSSS', 'SSSS', 'SS', 'TZH', 'TZM', 'TZ', 'US', 'WW', 'W', 'Y,YYY', 'YYYY', 'YYY', 'YY', 'Y',
  'a.d.', 'a.m.', 'ad', 'am', 'b.c.', 'bc', 'cc', 'day', 'ddd', 'dd', 'dy', 'd', 'ff1', 'ff2', 'ff3', 'ff4', 'ff5', 'ff6', 'fx',
  'hh24', 'hh12', 'hh', 'iddd', 'id', 'iw', 'iyyy', 'iyy', 'iy', 'i', 'j', 'mi', 'mm', 'month', 'mon', 'ms', 'of', 'p.m.', 'pm',
  'q', 'rm', 'sssss', 'ssss', 'ss', 'tzh', 'tzm', 'tz', 'us', 'ww', 'w', 'y,yyy', 'yyyy', 'yyy', 'yy', 'y',
].sort((a, b) => b.length - a.length);

export interface Node {
  readonly kw: string | null;
  readonly text: string;
  readonly fm: boolean;
  readonly th: '' | 'TH' | 'th';
}

const compiled = new Map<string, Node[]>();

export function compile(fmt: string): Node[] {
  let nodes = compiled.get(fmt);
  if (nodes !== undefined) return nodes;
  nodes = [];
  let i = 0;
  while (i < fmt.length) {
    let fm = false;
    if (fmt.startsWith('FM', i) || fmt.startsWith('fm', i)) {
      fm = true;
      i += 2;
    }
    const kw = KEYWORDS.find((k) => fmt.startsWith(k, i));
    if (kw !== undefined) {
      i += kw.length;
      let th: Node['th'] = '';
      if (fmt.startsWith('TH', i)) th = 'TH';
      else if (fmt.startsWith('th', i)) th = 'th';
      if (th !== '') i += 2;
      nodes.push({ kw, text: '', fm, th });
      continue;
    }
    const c = fmt[i]!;
    if (c === '"') {
      let j = i + 1;
      let t = '';
      while (j < fmt.length && fmt[j] !== '"') {
        if (fmt[j] === '\\' && j + 1 < fmt.length) j++;
        t += fmt[j];
        j++;
      }
      nodes.push({ kw: null, text: t, fm: false, th: '' });
      i = j + 1;
      continue;
    }
    if (c === '\\' && i + 1 < fmt.length) {
      nodes.push({ kw: null, text: fmt[i + 1]!, fm: false, th: '' });
      i += 2;
      continue;
    }
    nodes.push({ kw: null, text: c, fm: false, th: '' });
    i++;
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(fmt, nodes);
  return nodes;
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

/** Keywords formatting.c pads with one more column when the value is negative. */
const SIGNED_WIDTH = new Set(['YYYY', 'YYY', 'YY', 'Y', 'MM', 'HH24', 'MI', 'SS', 'CC']);

/** C's "%0*d": zero-padded to `w` columns, the sign counted in them. */
function cpad(x: number, w: number): string {
  return x < 0 ? '-' + String(-x).padStart(w - 1, '0') : String(x).padStart(w, '0');
}

function ordinal(n: number, upper: boolean): string {
  const a = Math.abs(n) % 100;
  let s = 'th';
  if (a < 11 || a > 13) {
    const l = a % 10;
    if (l === 1) s = 'st';
    else if (l === 2) s = 'nd';
    else if (l === 3) s = 'rd';
  }
  return upper ? s.toUpperCase() : s;
}

/** The broken-down value to_char prints: a local timestamp, or an interval's fields. */
interface Tm {
  year: number; // astronomical for timestamps; interval years as is
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  fsec: number;
  days: number; // days since 2000 (timestamps only)
  gmtoff: number | null;
  zone: string;
  isInterval: boolean;
}

function casefold(name: string, kw: string): string {
  if (kw === kw.toUpperCase()) return name.toUpperCase();
  if (kw === kw.toLowerCase()) return name.toLowerCase();
  return name;
}

function render(nodes: readonly Node[], tm: Tm): string {
  let out = '';
  const yearAdj = tm.isInterval ? tm.year : tm.year <= 0 ? 1 - tm.year : tm.year;
  for (const n of nodes) {
    if (n.kw === null) {
      out += n.text;
      continue;
    }
    const kw = n.kw;
    const K = kw.toUpperCase();
    let v: string;
    let numeric: number | null = null;
    // "%0*d" with one more column for the sign of a negative value, as formatting.c
    const padNum = (x: number, w: number): string => {
      numeric = x;
      if (n.fm) return String(x);
      return cpad(x, x < 0 && SIGNED_WIDTH.has(K) ? w + 1 : w);
    };
    switch (K) {
      case 'YYYY':
        v = padNum(yearAdj, 4);
        break;
      case 'YYY':
        v = padNum(yearAdj % 1000, 3);
        break;
      case 'YY':
        v = padNum(yearAdj % 100, 2);
        break;
      case 'Y':
        v = padNum(yearAdj % 10, 1);
        break;
      case 'Y,YYY':
        v = `${Math.trunc(yearAdj / 1000)},${cpad(yearAdj % 1000, 3)}`;
        break;
      case 'IYYY':
      case 'IYY':
      case 'IY':
      case 'I': {
        let iy = isoWeek(tm.days)[1];
        if (iy <= 0) iy = 1 - iy;
        const w = K.length;
        v = padNum(w === 4 ? iy : iy % 10 ** w, w === 4 ? 4 : w);
        break;
      }
      case 'MM':
        v = padNum(tm.mon, 2);
        break;
      case 'DD':
        v = padNum(tm.mday, 2);
        break;
      case 'DDD':
        v = padNum(tm.isInterval ? tm.mday : tm.days - dateOf(tm.year, 1, 1) + 1, 3);
        break;
      case 'D':
        v = padNum(dow(tm.days) + 1, 1);
        break;
      case 'ID':
        v = padNum(dow(tm.days) === 0 ? 7 : dow(tm.days), 1);
        break;
      case 'HH':
      case 'HH12':
        // width from the sign of the hour itself (an interval's -12 prints 012)
        v = padNum(tm.hour % 12 === 0 ? 12 : tm.hour % 12, tm.hour < 0 ? 3 : 2);
        break;
      case 'HH24':
        v = padNum(tm.hour, 2);
        break;
      case 'MI':
        v = padNum(tm.min, 2);
        break;
      case 'SS':
        v = padNum(tm.sec, 2);
        break;
      case 'MS':
        v = padNum(Math.trunc(tm.fsec / 1000), 3);
        break;
      case 'US':
        v = padNum(tm.fsec, 6);
        break;
      case 'FF1':
      case 'FF2':
      case 'FF3':
      case 'FF4':
      case 'FF5':
      case 'FF6': {
        const d = Number(K[2]);
        v = padNum(Math.trunc(tm.fsec / 10 ** (6 - d)), d);
        break;
      }
      case 'SSSS':
      case 'SSSSS':
        v = String((tm.hour * 60 + tm.min) * 60 + tm.sec);
        numeric = 0;
        break;
      case 'AM':
      case 'PM':
        v = casefold(tm.hour >= 12 ? 'PM' : 'AM', kw);
        break;
      case 'A.M.':
      case 'P.M.':
        v = casefold(tm.hour >= 12 ? 'P.M.' : 'A.M.', kw);
        break;
      case 'AD':
      case 'BC':
        v = casefold(tm.year <= 0 ? 'BC' : 'AD', kw);
        break;
      case 'A.D.':
      case 'B.C.':
        v = casefold(tm.year <= 0 ? 'B.C.' : 'A.D.', kw);
        break;
      case 'MONTH':
        if (tm.mon === 0) {
          v = '';
          break;
        }
        v = casefold(MONTHS[tm.mon - 1]!, kw);
        if (!n.fm) v = v.padEnd(9, ' ');
        break;
      case 'MON':
        v = tm.mon === 0 ? '' : casefold(MONTHS[tm.mon - 1]!.slice(0, 3), kw);
        break;
      case 'DAY':
        v = casefold(DAYS[dow(tm.days)]!, kw);
        if (!n.fm) v = v.padEnd(9, ' ');
        break;
      case 'DY':
        v = casefold(DAYS[dow(tm.days)]!.slice(0, 3), kw);
        break;
      case 'Q':
        v = tm.mon === 0 ? '' : padNum(Math.trunc((tm.mon - 1) / 3) + 1, 1);
        break;
      case 'WW':
        v = padNum(Math.trunc((tm.days - dateOf(tm.year, 1, 1)) / 7) + 1, 2);
        break;
      case 'W':
        v = padNum(Math.trunc((tm.mday - 1) / 7) + 1, 1);
        break;
      case 'IW':
        v = padNum(isoWeek(tm.days)[0], 2);
        break;
      case 'J':
        v = padNum(tm.days + 2_451_545, 1);
        break;
      case 'CC': {
        const cc = tm.isInterval ? Math.trunc(tm.year / 100) : tm.year > 0 ? Math.trunc((tm.year + 99) / 100) : -Math.trunc((99 - (tm.year - 1)) / 100);
        v = padNum(cc, 2);
        break;
      }
      case 'RM': {
        const r = tm.mon === 0 ? '' : ROMAN[tm.mon - 1]!;
        v = kw === 'rm' ? r.toLowerCase() : r;
        if (!n.fm) v = v.padEnd(4, ' ');
        break;
      }
      case 'TZ':
        v = kw === 'tz' ? tm.zone.toLowerCase() : tm.zone.toUpperCase();
        break;
      case 'TZH': {
        const o = tm.gmtoff ?? 0;
        v = (o >= 0 ? '+' : '-') + pad2(Math.trunc(Math.abs(o) / 3600));
        break;
      }
      case 'TZM':
        v = pad2(Math.trunc(Math.abs(tm.gmtoff ?? 0) / 60) % 60);
        break;
      case 'OF': {
        const o = tm.gmtoff ?? 0;
        const a = Math.abs(o);
        v = (o >= 0 ? '+' : '-') + (n.fm ? String(Math.trunc(a / 3600)) : pad2(Math.trunc(a / 3600)));
        if (a % 3600 !== 0) v += ':' + pad2(Math.trunc((a % 3600) / 60));
        break;
      }
      case 'FX':
        v = '';
        break;
      default:
        v = '';
    }
    if (n.th !== '' && numeric !== null) v += ordinal(numeric, n.th === 'TH');
    out += v;
  }
  return out;
}

function tmOfLocal(local: bigint, gmtoff: number | null, zone: string): Tm {
  const [days, tod] = splitUs(local);
  const [y, m, d] = ymd(days);
  return {
    year: y, mon: m, mday: d, days, gmtoff, zone, isInterval: false,
    hour: Math.floor(tod / 3_600_000_000), min: Math.floor(tod / 60_000_000) % 60, sec: Math.floor(tod / 1e6) % 60, fsec: tod % 1e6,
  };
}

export function toCharTimestamp(us: bigint, fmt: string): string | null {
  if (!isFiniteTs(us) || fmt === '') return null;
  return render(compile(fmt), tmOfLocal(us, null, ''));
}

export function toCharTimestamptz(us: bigint, fmt: string, s: EvalSettings): string | null {
  if (!isFiniteTs(us) || fmt === '') return null;
  const zone = sessionZone(s.timeZone);
  const local = utcToLocalUs(us, zone);
  const off = Number((local - us) / 1_000_000n);
  const abbrev = zone.fixed !== null ? zone.abbrevAt(0) : zone.abbrevAt(Math.floor(Number(us) / 1e6) + 946_684_800);
  return render(compile(fmt), tmOfLocal(local, off, abbrev));
}

export function toCharInterval(v: IntervalValue, fmt: string): string | null {
  if (!ivIsFinite(v) || fmt === '') return null;
  const hour = v.micros / 3_600_000_000n;
  const rest = Number(v.micros - hour * 3_600_000_000n);
  const tm: Tm = {
    year: Math.trunc(v.months / 12), mon: v.months % 12, mday: v.days, hour: Number(hour), min: Math.trunc(rest / 60e6),
    sec: Math.trunc(rest / 1e6) % 60, fsec: rest % 1e6, days: 0, gmtoff: null, zone: '', isInterval: true,
  };
  return render(compile(fmt), tm);
}

export function registerToChar(): void {
  const fn = (name: string, args: readonly number[], returns: number, call: (a: readonly Datum[], cx: CallContext) => Datum, volatility: 'i' | 's'): void => {
    registerFunc({ name, kind: 'func', args, returns, strict: true, volatility, call });
  };
  fn('to_char', [1114, 25], 25, (a) => toCharTimestamp(a[0] as bigint, a[1] as string), 'i');
  fn('to_char', [1184, 25], 25, (a, cx) => toCharTimestamptz(a[0] as bigint, a[1] as string, cx.settings), 's');
  fn('to_char', [1186, 25], 25, (a) => toCharInterval(a[0] as IntervalValue, a[1] as string), 'i');
}
