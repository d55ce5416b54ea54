/*
 * record.ts — anonymous records (ROW(…), RecordValue in datum.ts): record_out's text, record_cmp's
 * order and a hash key. Fields print through their own types' output functions.
 * Left out: record input (PostgreSQL refuses it for anonymous records too: 0A000).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { OutputSettings, RecordValue } from './datum.js';
import { typeInfo, type TypeInfo } from './registry.js';
import { indeterminateCollation } from './collation.js';

const QUOTE_NEEDED = /["\\(), \t\n\r\v\f]/;

/** record_out: `(1,"a b",)`; NULL is empty, "" is an empty string. */
export function recordText(r: RecordValue, s: OutputSettings): string {
  let out = '(';
  for (let i = 0; i < r.fields.length; i++) {
    if (i > 0) out += ',';
    const v = r.fields[i]!;
    if (v === null) continue;
    const t = typeInfo(r.types[i]!).output(v, s);
    if (t === '' || QUOTE_NEEDED.test(t)) out += '"' + t.replace(/["\\]/g, '$&$&') + '"';
    else out += t;
  }
  return out + ')';
}

/** record_cmp: field by field, NULL greater than any value, then the number of fields. */
export function compareRecords(a: RecordValue, b: RecordValue): number {
  const n = Math.min(a.fields.length, b.fields.length);
  for (let i = 0; i < n; i++) {
    const x = a.fields[i]!;
    const y = b.fields[i]!;
    if (x === null) {
      if (y === null) continue;
      return 1;
    }
    if (y === null) return -1;
    const t = typeInfo(a.types[i]!);
    if (a.types[i] !== b.types[i] || t.compare === undefined) {
      throw new SqlError(SQLSTATE.datatype_mismatch, `cannot compare dissimilar column types ${t.sqlName} and ${typeInfo(b.types[i]!).sqlName} at record column ${i + 1}`);
    }
    // record_cmp compares with the fields' collation, none when the two records' differ.
    const ca = a.collations?.[i], cb = b.collations?.[i];
    if (ca !== cb && (ca ?? 0) !== 0 && (cb ?? 0) !== 0) throw indeterminateCollation();
    const cmp = a.orders?.[i] ?? b.orders?.[i] ?? t.compare;
    const c = cmp(x, y);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  if (a.fields.length !== b.fields.length) {
    throw new SqlError(SQLSTATE.datatype_mismatch, 'cannot compare record types with different numbers of columns');
  }
  return 0;
}

export function recordHashKey(r: RecordValue): string {
  let out = '';
  for (let i = 0; i < r.fields.length; i++) {
    const v = r.fields[i]!;
    if (v === null) {
      out += '\u0001';
      continue;
    }
    const h = typeInfo(r.types[i]!).hashKey;
    if (h === undefined) throw new SqlError(SQLSTATE.undefined_function, `could not identify a hash function for type ${typeInfo(r.types[i]!).sqlName}`);
    const k = String(h(v));
    out += k.length + ':' + k;
  }
  return out;
}

export const RECORD_OID = 2249;
export const RECORD_ARRAY_OID = 2287;

export const recordType: TypeInfo = {
  oid: RECORD_OID,
  name: 'record',
  sqlName: 'record',
  category: 'P',
  preferred: false,
  len: -1,
  elem: 0,
  array: RECORD_ARRAY_OID,
  input: () => {
    throw new SqlError(SQLSTATE.feature_not_supported, 'input of anonymous composite types is not implemented');
  },
  output: (d, s) => recordText(d as RecordValue, s),
  compare: (a, b) => compareRecords(a as RecordValue, b as RecordValue),
  hashKey: (d) => recordHashKey(d as RecordValue),
};
