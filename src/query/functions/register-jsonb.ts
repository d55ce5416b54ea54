/*
 * register-jsonb.ts — registers the jsonb family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 *
 * Types: json, jsonb, record, and an array type for every [element, array] pair of PostgreSQL's
 * built-in types (the element's TypeInfo is read when a value is used, so the order in which the
 * families register does not matter). Array → array casts are derived element by element.
 */
import { BUILTIN_ARRAY_TYPES } from '../../pg/types.js';
import { arrayTypeInfo } from '../types/array.js';
import { jsonType } from '../types/json.js';
import { jsonbType } from '../types/jsonb.js';
import { recordType } from '../types/record.js';
import { registerType } from '../types/registry.js';
import { registerCollectAggregates } from './agg-collect.js';
import { registerArrayCasts, registerArrayFunctions } from './array.js';
import { registerJsonbFunctions } from './jsonb.js';

export function registerJsonb(): void {
  registerType(jsonType);
  registerType(jsonbType);
  registerType(recordType);
  for (const [elem, arr] of BUILTIN_ARRAY_TYPES) registerType(arrayTypeInfo(elem, arr));
  registerType(arrayTypeInfo(recordType.oid, recordType.array));
  registerArrayCasts();
  registerJsonbFunctions();
  registerArrayFunctions();
  registerCollectAggregates();
}
