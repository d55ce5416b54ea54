/*
 * time.ts — PostgreSQL's clock conventions, in one place: its epoch (2000-01-01 UTC, which
 * commit timestamps, keepalive send times and binary timestamps count from), the proleptic
 * Gregorian day arithmetic, and the ISO text form `YYYY-MM-DD HH:MM:SS[.ffffff][+00][ BC]`
 * that PostgreSQL prints with DateStyle=ISO and TimeZone=UTC (the session settings the sidecar
 * uses on the source, so the text it stores is this form).
 */

/** Unix ms of 2000-01-01T00:00:00Z. */
export const PG_EPOCH_MS = 946_684_800_000;
/** Unix µs of 2000-01-01T00:00:00Z. */
export const PG_EPOCH_UNIX_US = PG_EPOCH_MS * 1000;
/** Days from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_DAYS = 10_957;
export const US_PER_DAY = 86_400_000_000;

/** A PostgreSQL timestamp (µs since 2000-01-01) as µs since the Unix epoch (exact below 2^53). */
export function unixMicrosFromPg(us: bigint): number {
  return Number(us) + PG_EPOCH_UNIX_US;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC = 0). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

export const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** PostgreSQL's ISO text of a timestamp (µs since 2000-01-01), in UTC: `+00` when withZone. */
export function formatTimestamp(us: bigint, withZone: boolean): string {
  const perDay = BigInt(US_PER_DAY);
  let days = us / perDay;
  let rest = us - days * perDay;
  if (rest < 0n) {
    days -= 1n;
    rest += perDay;
  }
  const r = Number(rest);
  const secs = Math.floor(r / 1_000_000);
  const frac = r - secs * 1_000_000;
  const [y, m, d] = civilFromDays(Number(days) + PG_EPOCH_DAYS);
  const bc = y <= 0;
  const year = String(bc ? 1 - y : y).padStart(4, '0');
  let s = `${year}-${pad2(m)}-${pad2(d)} ${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
  if (frac !== 0) s += '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
  if (withZone) s += '+00';
  if (bc) s += ' BC';
  return s;
}
