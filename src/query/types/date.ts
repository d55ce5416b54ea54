/*
 * date.ts — the date type (1082): days since 2000-01-01 as a number, ±Infinity for ±infinity.
 * Input with PostgreSQL's rules (datetime-parse.ts, DateStyle field order), output in DateStyle.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { dateOf, dateText, DATE_END, DATE_MIN, splitUs } from './datetime-format.js';
import { checkDate, fastIso, parseDateTime, syntaxError } from './datetime-parse.js';
import type { EvalSettings, TypeInfo } from './registry.js';
import { utcToLocalUs } from './timestamp.js';
import { sessionZone } from './timezone.js';

export function dateOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.datetime_value_out_of_range, 'date out of range');
}

export const dateInRange = (d: number): boolean => d >= DATE_MIN && d < DATE_END;

/** The session's current date (days since 2000). */
export function currentDate(s: EvalSettings): number {
  return splitUs(utcToLocalUs(s.transactionStart, sessionZone(s.timeZone)))[0];
}

export function dateIn(text: string, s: EvalSettings): number {
  const f = fastIso(text, dateOf);
  if (f !== null && !f.hasTime && f.offset === null && dateInRange(f.days)) return f.days;
  const p = parseDateTime(text, 'date', s.dateOrder);
  switch (p.special) {
    case 'infinity':
      return Infinity;
    case '-infinity':
      return -Infinity;
    case 'epoch':
      return -10_957;
    case 'now':
    case 'today':
      return currentDate(s);
    case 'tomorrow':
      return currentDate(s) + 1;
    case 'yesterday':
      return currentDate(s) - 1;
    case null:
  }
  if (!p.hasDate) throw syntaxError('date', text);
  checkDate(p, text);
  const d = dateOf(p.year, p.month, p.day);
  if (!dateInRange(d)) throw new SqlError(SQLSTATE.datetime_value_out_of_range, `date out of range: "${text}"`);
  return d;
}

export const dateType: TypeInfo = {
  oid: 1082,
  name: 'date',
  sqlName: 'date',
  category: 'D',
  preferred: false,
  len: 4,
  elem: 0,
  array: 1182,
  input: (text, _typmod, s) => dateIn(text, s),
  output: (d, s) => dateText(d as number, s),
  compare: (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0),
  hashKey: (d) => d as number,
};
