/*
 * timezone.ts — time zones as PostgreSQL reads the TimeZone setting and zone names in input:
 * UTC offsets of an instant, zone abbreviations for output, and local time → UTC.
 *
 * A Zone answers offsetAt(unix seconds) → seconds east of UTC. Three kinds:
 *   - fixed: 'UTC', a number of hours ('-08', '5.5': ISO sign, as SET TIME ZONE -8), a POSIX
 *     spec without DST rules ('UTC+3', '<+03>-03', '+03:00': POSIX sign, i.e. west positive);
 *   - IANA names ('Europe/Paris', 'EST5EDT'), through Intl.DateTimeFormat (ICU's copy of tzdata,
 *     historical offsets with seconds included: LMT +00:09:21). Offsets are cached per zone and
 *     year as a list of segments found by probing every 7 days and bisecting to the second, so a
 *     row costs a binary search, not an Intl call.
 *
 * Local → UTC follows PostgreSQL's DetermineTimeZoneOffset: a local time in a DST gap is read
 * with the offset before the transition, an ambiguous one with the offset after it.
 *
 * XXX: POSIX specs with DST rules ('EST5EDT,M3.2.0,M11.1.0') are not read; ICU's tzdata may differ
 * from the server's for a few historical dates; two transitions less than 7 days apart within one
 * year would be seen as one; abbreviations come from ICU's short names (en-US, then en-GB), else
 * tzdata-style numeric ones ('+03'), 'LMT' before the zone's first transition.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { tzifLocal, tzifZone } from './tzif.js';

export interface Zone {
  /** Seconds east of UTC at the instant (unix seconds). */
  offsetAt(unixSec: number): number;
  /** The abbreviation PostgreSQL prints in Postgres/SQL/German DateStyle ('' for an unnamed POSIX zone). */
  abbrevAt(unixSec: number): string;
  /** Set when the offset never changes. */
  readonly fixed: number | null;
}

function fixedZone(offset: number, abbrev: string): Zone {
  return { fixed: offset, offsetAt: () => offset, abbrevAt: () => abbrev };
}

export const UTC_ZONE: Zone = fixedZone(0, 'UTC');

/** tzdata-style numeric abbreviation: +03, +0530, -033012. */
export function numericAbbrev(offset: number): string {
  const a = Math.abs(offset);
  const h = Math.floor(a / 3600);
  const m = Math.floor(a / 60) % 60;
  const s = a % 60;
  let t = (offset < 0 ? '-' : '+') + String(h).padStart(2, '0');
  if (m !== 0 || s !== 0) t += String(m).padStart(2, '0');
  if (s !== 0) t += String(s).padStart(2, '0');
  return t;
}

// --- IANA zones through Intl ---------------------------------------------------------------------

interface Segment {
  /** First unix second of the segment. */
  readonly start: number;
  readonly offset: number;
  abbrev?: string;
}

const YEAR_SEC = 31_556_952; // mean Gregorian year
const MAX_DATE_SEC = 8.64e12; // JS Date range (±275760 years)
/** Shift for instants outside the JS Date range: a whole number of 400-year cycles (same calendar). */
const CYCLE_SEC = 146_097 * 86_400;
/** 2800-01-01 in unix seconds: later instants are mapped into 2400–2800 (after every rule change). */
const FAR_FUTURE_SEC = 26_192_246_400;

class IanaZone implements Zone {
  readonly fixed = null;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly years = new Map<number, Segment[]>();
  private earliest: number | undefined;
  private modern: Map<number, string> | undefined;

  constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset', year: 'numeric' });
  }

  /** One Intl probe: offset at an instant (unix seconds). */
  private probe(sec: number): number {
    const parts = this.fmt.formatToParts(new Date(sec * 1000));
    const v = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    if (v === 'GMT') return 0;
    const m = /^GMT([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$/.exec(v);
    if (m === null) return 0;
    const off = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -off : off;
  }

  private segments(bucket: number): Segment[] {
    let segs = this.years.get(bucket);
    if (segs !== undefined) return segs;
    const from = bucket * YEAR_SEC;
    const to = from + YEAR_SEC;
    segs = [{ start: from, offset: this.probe(from) }];
    let prevT = from;
    let prevO = segs[0]!.offset;
    for (let t = from + 7 * 86_400; ; t += 7 * 86_400) {
      const end = Math.min(t, to);
      const o = this.probe(end);
      if (o !== prevO) {
        // bisect (prevT, end] for the first second with offset o
        let lo = prevT;
        let hi = end;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.probe(mid) === prevO) lo = mid;
          else hi = mid;
        }
        segs.push({ start: hi, offset: this.probe(hi) });
        prevO = o;
      }
      prevT = end;
      if (end >= to) break;
    }
    if (this.years.size > 4096) this.years.clear();
    this.years.set(bucket, segs);
    return segs;
  }

  private segment(sec: number): Segment {
    // After 2800 the zone follows its last rule, which repeats with the 400-year calendar cycle.
    if (sec >= FAR_FUTURE_SEC) sec -= Math.ceil((sec - FAR_FUTURE_SEC + 1) / CYCLE_SEC) * CYCLE_SEC;
    while (sec <= -MAX_DATE_SEC) sec += CYCLE_SEC;
    const segs = this.segments(Math.floor(sec / YEAR_SEC));
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.start <= sec) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo]!;
  }

  offsetAt(unixSec: number): number {
    return this.segment(unixSec).offset;
  }

  abbrevAt(unixSec: number): string {
    let sec = unixSec;
    if (sec >= FAR_FUTURE_SEC) sec -= Math.ceil((sec - FAR_FUTURE_SEC + 1) / CYCLE_SEC) * CYCLE_SEC;
    const seg = this.segment(sec);
    if (seg.abbrev !== undefined) return seg.abbrev;
    seg.abbrev = this.findAbbrev(Math.max(seg.start, sec), seg.offset);
    return seg.abbrev;
  }

  private intlAbbrev(sec: number, offset: number): string | null {
    const regional = ZONE_LOCALES[this.name];
    for (const locale of regional === undefined ? ABBREV_LOCALES : [...ABBREV_LOCALES, regional]) {
      const f = shortNames(locale, this.name);
      const v = f.formatToParts(new Date(sec * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? '';
      if (/^[A-Z]{2,5}$/.test(v) && !(v === 'GMT' && offset !== 0)) return v;
    }
    return null;
  }

  private findAbbrev(sec: number, offset: number): string {
    this.earliest ??= this.probe(-MAX_DATE_SEC + CYCLE_SEC);
    const known = KNOWN_ABBREVIATIONS[this.name]?.[offset];
    if (known !== undefined && sec > -2_000_000_000) return known;
    const viaIntl = this.intlAbbrev(sec, offset);
    if (viaIntl !== null) return viaIntl;
    // ICU has no historical names: an offset the zone still uses gets today's name for it
    // (Paris +01 in 1950 is CET). XXX: historical-only names (WEST in 1922 Paris, PMT) are lost.
    if (this.modern === undefined) {
      this.modern = new Map();
      for (const probe of [1_705_320_000, 1_721_044_800]) {
        const o = this.offsetAt(probe);
        const a = this.intlAbbrev(probe, o);
        if (a !== null) this.modern.set(o, a);
      }
    }
    const modern = this.modern.get(offset);
    if (modern !== undefined && offset !== this.earliest) return modern;
    if (offset === this.earliest && offset % 60 !== 0) return 'LMT';
    if (offset === this.earliest && sec < -2_000_000_000) return 'LMT';
    return numericAbbrev(offset);
  }
}

/**
 * tzdata abbreviations ICU's English names do not give (zone → offset → abbreviation).
 * XXX: a short list of common zones; others print numeric abbreviations ('+03') or ICU's.
 */
const KNOWN_ABBREVIATIONS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  'Europe/Moscow': { 10800: 'MSK', 14400: 'MSD' },
  'Europe/Dublin': { 0: 'GMT', 3600: 'IST' },
  'Asia/Tokyo': { 32400: 'JST', 36000: 'JDT' },
  'Asia/Seoul': { 32400: 'KST', 36000: 'KDT' },
  'Asia/Shanghai': { 28800: 'CST', 32400: 'CDT' },
  'Asia/Hong_Kong': { 28800: 'HKT', 32400: 'HKST' },
  'Asia/Taipei': { 28800: 'CST', 32400: 'CDT' },
  'Asia/Jerusalem': { 7200: 'IST', 10800: 'IDT' },
  'Asia/Karachi': { 18000: 'PKT', 21600: 'PKST' },
  'Asia/Jakarta': { 25200: 'WIB' },
  'Asia/Manila': { 28800: 'PST', 32400: 'PDT' },
  'Africa/Johannesburg': { 7200: 'SAST', 10800: 'SAST' },
  'Africa/Cairo': { 7200: 'EET', 10800: 'EEST' },
  'Africa/Lagos': { 3600: 'WAT' },
  'Africa/Nairobi': { 10800: 'EAT' },
  'Australia/Sydney': { 36000: 'AEST', 39600: 'AEDT' },
  'Australia/Melbourne': { 36000: 'AEST', 39600: 'AEDT' },
  'Australia/Hobart': { 36000: 'AEST', 39600: 'AEDT' },
  'Australia/Brisbane': { 36000: 'AEST', 39600: 'AEDT' },
  'Australia/Adelaide': { 34200: 'ACST', 37800: 'ACDT' },
  'Australia/Darwin': { 34200: 'ACST', 37800: 'ACDT' },
  'Australia/Perth': { 28800: 'AWST', 32400: 'AWDT' },
  'Australia/Lord_Howe': { 37800: '+1030', 39600: '+11' },
};

/** Locales whose short zone names are tzdata's abbreviations for their region. */
const ABBREV_LOCALES = ['en-US', 'en-GB'];
/** Zones whose tzdata abbreviations only a regional locale gives (IST, NZST). */
const ZONE_LOCALES: Readonly<Record<string, string>> = { 'Asia/Kolkata': 'en-IN', 'Asia/Calcutta': 'en-IN', 'Pacific/Auckland': 'en-NZ' };

const shortFormats = new Map<string, Intl.DateTimeFormat>();
function shortNames(locale: string, zone: string): Intl.DateTimeFormat {
  const k = locale + ' ' + zone;
  let f = shortFormats.get(k);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short', year: 'numeric' });
    shortFormats.set(k, f);
  }
  return f;
}

// --- TimeZone setting ----------------------------------------------------------------------------

const zones = new Map<string, Zone | null>();

/** POSIX 'NAME[+-]hh[:mm[:ss]]' without DST part; offset west positive. null when not that form. */
function posixZone(s: string): Zone | null {
  const m = /^(<[^>]*>|[A-Za-z]{3,}|)([+-]?)(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(s);
  if (m === null) return null;
  const west = Number(m[3]) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0);
  const offset = m[2] === '-' ? west : -west;
  const name = m[1]!.startsWith('<') ? m[1]!.slice(1, -1) : m[1]!;
  return fixedZone(offset, name);
}

function makeZone(name: string): Zone | null {
  const lower = name.toLowerCase();
  if (lower === 'utc' || lower === 'etc/utc' || lower === 'gmt' || lower === 'etc/gmt' || lower === 'z' || lower === 'zulu' || lower === 'universal') {
    return fixedZone(0, lower === 'gmt' || lower === 'etc/gmt' ? 'GMT' : 'UTC');
  }
  // A bare number is hours east (SET TIME ZONE -8 / '5.5'), shown as a numeric abbreviation.
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(name)) {
    const off = Math.round(Number(name) * 3600);
    if (Math.abs(off) > 15 * 3600 + 59 * 60) return null;
    return fixedZone(off, numericAbbrev(off));
  }
  // PostgreSQL's own tz database (the embedded server's TZif files): exact offsets and the
  // abbreviations PostgreSQL prints. Intl (ICU's tzdata) is the fallback without it.
  const tz = /^[A-Za-z]/.test(name) && !name.includes('<') ? tzifZone(name) : null;
  if (tz !== null) {
    return {
      fixed: tz.transitions.length === 0 && (tz.rule === null || tz.rule.dst === null) ? tzifLocal(tz, 0).offset : null,
      offsetAt: (sec) => tzifLocal(tz, sec).offset,
      abbrevAt: (sec) => tzifLocal(tz, sec).abbrev,
    };
  }
  try {
    // Throws RangeError for names ICU does not know.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    if (canonical === 'UTC' || canonical === 'Etc/UTC') return fixedZone(0, 'UTC');
    return new IanaZone(canonical);
  } catch {
    return posixZone(name);
  }
}

/** The zone for a TimeZone setting or a zone name in input; null when unknown. */
export function lookupZone(name: string): Zone | null {
  let z = zones.get(name);
  if (z === undefined) {
    z = makeZone(name);
    zones.set(name, z);
  }
  return z;
}

/** The session's zone (settings.ts only lets valid names through; an unknown one falls back to UTC). */
export function sessionZone(name: string): Zone {
  return lookupZone(name) ?? UTC_ZONE;
}

/** PostgreSQL's default timezone_abbreviations set (the common part): seconds east. */
const ABBREVIATIONS: ReadonlyMap<string, number> = new Map([
  ['utc', 0], ['gmt', 0], ['z', 0], ['zulu', 0], ['ut', 0], ['wet', 0], ['west', 3600], ['bst', 3600],
  ['cet', 3600], ['cest', 7200], ['met', 3600], ['mest', 7200], ['eet', 7200], ['eest', 10800],
  ['msk', 10800], ['ist', 7200], ['jst', 32400], ['kst', 32400], ['hkt', 28800], ['sgt', 28800],
  ['est', -18000], ['edt', -14400], ['cst', -21600], ['cdt', -18000], ['mst', -25200], ['mdt', -21600],
  ['pst', -28800], ['pdt', -25200], ['akst', -32400], ['akdt', -28800], ['hst', -36000],
  ['ast', -14400], ['adt', -10800], ['nst', -12600], ['ndt', -9000],
  ['aest', 36000], ['aedt', 39600], ['acst', 34200], ['acdt', 37800], ['awst', 28800],
  ['nzst', 43200], ['nzdt', 46800],
]);

/** A zone abbreviation in datetime input (lower case): its fixed offset, undefined when unknown. */
export function abbreviationOffset(lower: string): number | undefined {
  return ABBREVIATIONS.get(lower);
}

/**
 * UTC instant (unix seconds) of a local wall-clock time (unix seconds as if UTC) in the zone,
 * with PostgreSQL's choice in gaps and overlaps.
 */
export function localToUtc(zone: Zone, local: number): number {
  if (zone.fixed !== null) return local - zone.fixed;
  const before = zone.offsetAt(local - 86_400);
  const after = zone.offsetAt(local + 86_400);
  if (before === after) {
    const o = zone.offsetAt(local - before);
    return local - o;
  }
  const uAfter = local - after;
  if (zone.offsetAt(uAfter) === after) return uAfter;
  return local - before;
}

/** The offset (seconds east) that localToUtc used for a local time. */
export function offsetOfLocal(zone: Zone, local: number): number {
  return local - localToUtc(zone, local);
}

export function invalidZone(name: string): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `time zone "${name}" not recognized`);
}
