/*
 * time.ts — time (1083): µs since midnight as a number; timetz (1266), kept minimal: its Datum is
 * the canonical text "HH:MM:SS[.f]+HH[:MM]" (datum.ts: other types are their output text).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from './datum.js';
import { offsetText, splitUs, timeText, US_PER_DAY } from './datetime-format.js';
import { parseDateTime, syntaxError } from './datetime-parse.js';
import type { EvalSettings, TypeInfo } from './registry.js';
import { localToUtc, sessionZone } from './timezone.js';
import { roundUs, utcToLocalUs } from './timestamp.js';

function timeParse(text: string, typeName: string, s: EvalSettings): { us: number; tz: number | null } {
  const p = parseDateTime(text, typeName, s.dateOrder, true);
  if (p.special === 'now') {
    const local = utcToLocalUs(s.transactionStart, sessionZone(s.timeZone));
    return { us: splitUs(local)[1], tz: null };
  }
  if (p.special !== null || !p.hasTime) throw syntaxError(typeName, text);
  let tz = p.tz;
  if (tz === null && p.zone !== null) tz = p.zone.fixed ?? p.zone.offsetAt(Math.floor(Number(s.transactionStart) / 1e6) + 946_684_800);
  return { us: p.micros, tz };
}

export function timeIn(text: string, s: EvalSettings): number {
  return timeParse(text, 'time', s).us;
}

/** time(p): rounds; PostgreSQL lets 23:59:59.9999995 round up to 24:00:00. */
export function roundTime(us: number, typmod: number): number {
  if (typmod < 0 || typmod >= 6) return us;
  return Number(roundUs(BigInt(us), typmod));
}

export const timeType: TypeInfo = {
  oid: 1083,
  name: 'time',
  sqlName: 'time without time zone',
  category: 'D',
  preferred: false,
  len: 8,
  elem: 0,
  array: 1183,
  input: (text, typmod, s) => roundTime(timeIn(text, s), typmod),
  output: (d) => timeText(d as number),
  compare: (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0),
  hashKey: (d) => d as number,
  applyTypmod: (d, typmod) => roundTime(d as number, typmod),
  formatTypmod: (t) => `time(${t}) without time zone`,
};

// --- timetz ---------------------------------------------------------------------------------------

export function timetzText(us: number, east: number): string {
  return timeText(us) + offsetText(east);
}

/** Splits canonical timetz text into [µs local, offset seconds east]. */
export function timetzParts(t: string): [number, number] {
  let i = t.length - 1;
  while (t[i] !== '+' && t[i] !== '-') i--;
  const sign = t[i] === '-' ? -1 : 1;
  const [h, m, sec] = t.slice(i + 1).split(':').map(Number) as [number, number?, number?];
  const time = t.slice(0, i);
  const [hh, mm, ss] = time.split(':') as [string, string, string];
  const us = (Number(hh) * 3600 + Number(mm) * 60) * 1e6 + Math.round(Number(ss) * 1e6);
  return [us, sign * (h * 3600 + (m ?? 0) * 60 + (sec ?? 0))];
}

function timetzIn(text: string, typmod: number, s: EvalSettings): string {
  const r = timeParse(text, 'time with time zone', s);
  let tz = r.tz;
  if (tz === null) {
    const zone = sessionZone(s.timeZone);
    const local = Math.floor(Number(utcToLocalUs(s.transactionStart, zone)) / 1e6 / 86_400) * 86_400 + 946_684_800 + Math.floor(r.us / 1e6);
    tz = local - localToUtc(zone, local);
  }
  return timetzText(roundTime(r.us, typmod), tz);
}

/** timetz_cmp: by UTC time, then by offset (later zone first, as PostgreSQL). */
function timetzCmp(a: Datum, b: Datum): number {
  const [ua, oa] = timetzParts(a as string);
  const [ub, ob] = timetzParts(b as string);
  const x = ua - oa * 1e6;
  const y = ub - ob * 1e6;
  if (x !== y) return x < y ? -1 : 1;
  return oa === ob ? 0 : oa > ob ? -1 : 1;
}

export const timetzType: TypeInfo = {
  oid: 1266,
  name: 'timetz',
  sqlName: 'time with time zone',
  category: 'D',
  preferred: false,
  len: 12,
  elem: 0,
  array: 1270,
  input: (text, typmod, s) => timetzIn(text, typmod, s),
  output: (d) => d as string,
  compare: timetzCmp,
  hashKey: (d) => {
    const [u, o] = timetzParts(d as string);
    return `${u - o * 1e6}/${o}`;
  },
  applyTypmod: (d, typmod) => {
    const [u, o] = timetzParts(d as string);
    return timetzText(roundTime(u, typmod), o);
  },
  formatTypmod: (t) => `time(${t}) with time zone`,
};

export function timeOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.datetime_value_out_of_range, 'time out of range');
}

export const wrapDay = (us: number): number => ((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
