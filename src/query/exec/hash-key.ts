/*
 * hash-key.ts — primitive keys for JS Maps from one or several Datums (hash join, aggregate,
 * DISTINCT, set operations), built from each type's hashKey (types/registry.ts).
 *
 * One column: the type's primitive itself (NULL is NULL_KEY). Several: one string with each part
 * tagged and length-prefixed, so ('a,b', 'c') and ('a', 'b,c') differ. NULL keys are equal to each
 * other here (GROUP BY, DISTINCT, set ops); joins skip rows with a NULL key themselves.
 */
import { notSupported } from '../errors.js';
import type { Datum } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';

export type Hasher = (d: Datum) => string | number | bigint | boolean;
export type Key = string | number | bigint | boolean | symbol;

export const NULL_KEY: unique symbol = Symbol('null key');

export function hasherOf(type: number): Hasher {
  const t = typeInfo(type);
  if (t.hashKey === undefined) {
    return () => {
      throw notSupported(`hashing values of type ${t.sqlName}`);
    };
  }
  return t.hashKey;
}

export function keyOf1(d: Datum, h: Hasher): Key {
  return d === null ? NULL_KEY : h(d);
}

export function keyOfMany(values: readonly Datum[], hashers: readonly Hasher[]): string {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    const d = values[i]!;
    if (d === null) {
      s += 'N|';
      continue;
    }
    const k = hashers[i]!(d);
    if (typeof k === 'string') s += `s${k.length}:${k}|`;
    else s += `${typeof k === 'number' ? 'n' : typeof k === 'bigint' ? 'b' : 'o'}${String(k)}|`;
  }
  return s;
}

/** A function from evaluated key values to a Map key, specialised for one column. */
export function keyMaker(types: readonly number[]): (values: readonly Datum[]) => Key {
  const hashers = types.map(hasherOf);
  if (hashers.length === 1) {
    const h = hashers[0]!;
    return (v) => keyOf1(v[0]!, h);
  }
  if (hashers.length === 0) return () => '';
  return (v) => keyOfMany(v, hashers);
}
