/*
 * json.ts — the json type (114): the text exactly as given, validated on input (json_in). json has
 * no equality or order in PostgreSQL, so neither compare nor hashKey (GROUP BY json is an error
 * there too).
 */
import { validateJson } from './json-parse.js';
import type { TypeInfo } from './registry.js';

export const JSON_OID = 114;
export const JSON_ARRAY_OID = 199;

export const jsonType: TypeInfo = {
  oid: JSON_OID,
  name: 'json',
  sqlName: 'json',
  category: 'U',
  preferred: false,
  len: -1,
  elem: 0,
  array: JSON_ARRAY_OID,
  input: (text) => {
    validateJson(text);
    return text;
  },
  output: (d) => d as string,
};
