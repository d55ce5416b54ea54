/*
 * jsonb.ts — the jsonb type (3802) for the registry: input (json-parse.ts), output, order and hash
 * (jsonb-core.ts). Values are JsonNode (datum.ts).
 */
import type { JsonNode } from './datum.js';
import { parseJsonb } from './json-parse.js';
import { compareJsonb, jsonbHashKey, jsonbText } from './jsonb-core.js';
import type { TypeInfo } from './registry.js';

export const JSONB_OID = 3802;
export const JSONB_ARRAY_OID = 3807;

export const jsonbType: TypeInfo = {
  oid: JSONB_OID,
  name: 'jsonb',
  sqlName: 'jsonb',
  category: 'U',
  preferred: false,
  len: -1,
  elem: 0,
  array: JSONB_ARRAY_OID,
  input: (text) => parseJsonb(text),
  output: (d) => jsonbText(d as JsonNode),
  compare: (a, b) => compareJsonb(a as JsonNode, b as JsonNode),
  hashKey: (d) => jsonbHashKey(d as JsonNode),
};
