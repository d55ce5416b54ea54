/*
 * misc.ts — the casts of the string types among themselves and with bool and int4, as pg_cast
 * lists them (context and conversion). Casts not listed here fall to the registry's automatic I/O
 * conversion (e.g. int4 → text, text → uuid), as in PostgreSQL.
 *
 * The typmod of the target (varchar(3), char(5)) is applied by the caller after `convert`.
 */
import { registerCast, type CastContext, type CastDef } from './registry.js';
import type { Datum } from './datum.js';
import { BPCHAR, CHAR, NAME, TEXT, VARCHAR, bpcharTrim, charFromText, charToInt, charToText, intToChar, toName } from './text.js';

const BOOL = 16;
const INT4 = 23;

const same = (d: Datum): Datum => d;
const trimBpchar = (d: Datum): Datum => bpcharTrim(d as string);
const name = (d: Datum): Datum => toName(d as string);
const fromText = (d: Datum): Datum => charFromText(d as string);
const toText = (d: Datum): Datum => charToText(d as string);
const boolText = (d: Datum): Datum => (d === true ? 'true' : 'false');

const CASTS: readonly [number, number, CastContext, CastDef['convert']][] = [
  [TEXT, VARCHAR, 'i', same],
  [TEXT, BPCHAR, 'i', same],
  [TEXT, NAME, 'i', name],
  [TEXT, CHAR, 'a', fromText],
  [VARCHAR, TEXT, 'i', same],
  [VARCHAR, BPCHAR, 'i', same],
  [VARCHAR, NAME, 'i', name],
  [VARCHAR, CHAR, 'a', fromText],
  [BPCHAR, TEXT, 'i', trimBpchar],
  [BPCHAR, VARCHAR, 'i', trimBpchar],
  [BPCHAR, NAME, 'i', (d) => toName(bpcharTrim(d as string))],
  [BPCHAR, CHAR, 'a', fromText],
  [NAME, TEXT, 'i', same],
  [NAME, BPCHAR, 'a', same],
  [NAME, VARCHAR, 'a', same],
  [CHAR, TEXT, 'i', toText],
  [CHAR, BPCHAR, 'a', toText],
  [CHAR, VARCHAR, 'a', toText],
  // PostgreSQL's bool output is t/f, but bool::text is the word (booltext).
  [BOOL, TEXT, 'a', boolText],
  [BOOL, BPCHAR, 'a', boolText],
  [BOOL, VARCHAR, 'a', boolText],
  [CHAR, INT4, 'e', (d) => charToInt(d as string)],
  [INT4, CHAR, 'e', (d) => intToChar(d as number)],
];

export function registerTextCasts(): void {
  for (const [source, target, context, convert] of CASTS) registerCast({ source, target, context, convert });
}
