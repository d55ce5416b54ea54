/*
 * bool.ts — the boolean type: input (every prefix PostgreSQL's boolin accepts: t/tr/tru/true,
 * y/ye/yes, on, 1 and their negatives, case-insensitive, surrounding whitespace ignored), output
 * `t` / `f`, order false < true.
 */
import { Oid } from '../../pg/types.js';
import type { Datum } from './datum.js';
import { invalidInput, trimSpace } from './int.js';
import type { TypeInfo } from './registry.js';

export function boolIn(text: string): boolean {
  if (text === 't') return true;
  if (text === 'f') return false;
  const s = trimSpace(text).toLowerCase();
  const n = s.length;
  if (n > 0) {
    const isPrefix = (word: string, min: number): boolean => n >= min && n <= word.length && word.startsWith(s);
    if (isPrefix('true', 1) || isPrefix('yes', 1) || isPrefix('on', 2) || s === '1') return true;
    if (isPrefix('false', 1) || isPrefix('no', 1) || isPrefix('off', 2) || s === '0') return false;
  }
  throw invalidInput(Oid.bool, text);
}

export const BOOL_TYPE: TypeInfo = {
  oid: Oid.bool,
  name: 'bool',
  sqlName: 'boolean',
  category: 'B',
  preferred: true,
  len: 1,
  elem: 0,
  array: 1000,
  input: (t) => boolIn(t),
  output: (d: Datum) => (d === true ? 't' : 'f'),
  compare: (a, b) => (a === b ? 0 : a === true ? 1 : -1),
  hashKey: (d) => d as boolean,
};
