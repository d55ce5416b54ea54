/*
 * Seeded random datetime inputs for the differential tests: timestamps across eras (BC, LMT
 * times, DST transitions, year 10000+, infinities), dates, times and intervals, as text.
 */
import type { OutputSettings } from '../../../src/query/types/datum.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Instants around 2024's DST changes in Europe and North America (UTC). */
const DST = ['2024-03-31 01:00', '2024-10-27 01:00', '2024-03-10 07:00', '2024-11-03 06:00', '2024-04-07 16:00', '2024-10-06 16:00'];

function ymdText(y: number, m: number, d: number): string {
  return `${pad(y > 0 ? y : 1 - y, 4)}-${pad(m)}-${pad(d)}`;
}

/** A timestamp as ISO text without zone, plus ' BC' for BC years; `zone` appends '+00'. */
export function randomTimestamp(r: () => number, zone: boolean): string {
  const k = r();
  const z = zone ? '+00' : '';
  if (k < 0.03) return 'infinity';
  if (k < 0.06) return '-infinity';
  let y: number;
  if (k < 0.2) {
    const base = DST[int(r, 0, DST.length - 1)]!;
    const min = int(r, -180, 180);
    const [date, time] = base.split(' ') as [string, string];
    const t = Number(time.slice(0, 2)) * 60 + min;
    const dd = Number(date.slice(8, 10)) + Math.floor(t / 1440);
    const tm = ((t % 1440) + 1440) % 1440;
    return `${date.slice(0, 8)}${pad(dd)} ${pad(Math.floor(tm / 60))}:${pad(tm % 60)}:${pad(int(r, 0, 59))}${z}`;
  }
  if (k < 0.55) y = int(r, 1900, 2100);
  else if (k < 0.7) y = int(r, 1, 1900);
  else if (k < 0.8) y = -int(r, 0, 4700);
  else if (k < 0.9) y = int(r, 10000, 294275);
  else y = int(r, 2100, 9999);
  const m = int(r, 1, 12);
  const d = int(r, 1, 28);
  let t = `${ymdText(y, m, d)} ${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}:${pad(int(r, 0, 59))}`;
  const f = r();
  if (f < 0.3) t += '.' + pad(int(r, 0, 999_999), 6);
  else if (f < 0.4) t += '.' + pad(int(r, 0, 999), 3);
  return t + z + (y <= 0 ? ' BC' : '');
}

/** A timestamptz text between 1990 and 2100 (zone abbreviations there are ICU's = tzdata's). */
export function recentTimestamptz(r: () => number): string {
  const y = int(r, 1990, 2100);
  return `${y}-${pad(int(r, 1, 12))}-${pad(int(r, 1, 28))} ${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}:${pad(int(r, 0, 59))}+00`;
}

export function randomDate(r: () => number): string {
  const k = r();
  if (k < 0.03) return 'infinity';
  if (k < 0.06) return '-infinity';
  const y = k < 0.6 ? int(r, 1900, 2100) : k < 0.75 ? int(r, 1, 1900) : k < 0.85 ? -int(r, 0, 4700) : int(r, 2100, 500_000);
  const m = int(r, 1, 12);
  return ymdText(y, m, int(r, 1, 28)) + (y <= 0 ? ' BC' : '');
}

export function randomTime(r: () => number): string {
  const f = r() < 0.4 ? '.' + pad(int(r, 0, 999_999), 6) : '';
  return `${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}:${pad(int(r, 0, 59))}${f}`;
}

export function randomInterval(r: () => number): string {
  const k = r();
  if (k < 0.02) return 'infinity';
  if (k < 0.04) return '-infinity';
  const parts: string[] = [];
  const sign = (): string => (r() < 0.3 ? '-' : '');
  if (r() < 0.5) parts.push(`${sign()}${int(r, 0, k < 0.1 ? 20000 : 30)} months`);
  if (r() < 0.5) parts.push(`${sign()}${int(r, 0, k < 0.1 ? 100000 : 40)} days`);
  if (r() < 0.7) parts.push(`${sign()}${int(r, 0, k < 0.1 ? 10_000_000 : 100_000)}.${pad(int(r, 0, 999_999), 6)} seconds`);
  if (parts.length === 0) parts.push('0');
  return parts.join(' ');
}

/** The session settings the differential tests run under. */
export const SETTINGS: readonly OutputSettings[] = [
  { timeZone: 'UTC', dateStyle: 'ISO', dateOrder: 'MDY', intervalStyle: 'postgres', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: 'Europe/Paris', dateStyle: 'Postgres', dateOrder: 'DMY', intervalStyle: 'postgres_verbose', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: 'America/New_York', dateStyle: 'SQL', dateOrder: 'MDY', intervalStyle: 'sql_standard', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: 'Asia/Kolkata', dateStyle: 'German', dateOrder: 'DMY', intervalStyle: 'iso_8601', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: 'Australia/Lord_Howe', dateStyle: 'ISO', dateOrder: 'YMD', intervalStyle: 'postgres', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: 'Africa/Monrovia', dateStyle: 'ISO', dateOrder: 'MDY', intervalStyle: 'postgres', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: '<+03>-03', dateStyle: 'SQL', dateOrder: 'DMY', intervalStyle: 'postgres', extraFloatDigits: 1, byteaOutput: 'hex' },
  { timeZone: '-08', dateStyle: 'ISO', dateOrder: 'MDY', intervalStyle: 'postgres', extraFloatDigits: 1, byteaOutput: 'hex' },
];
