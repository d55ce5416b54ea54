/*
 * uuid.ts — uuid (2950): input as string_to_uuid accepts (optional braces, hex digits in either
 * case, a hyphen allowed after any group of four digits), output lower-case 8-4-4-4-12. The
 * Datum is that canonical text, so its string order is uuid_cmp's byte order.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { TypeInfo } from './registry.js';

export const UUID = 2950;

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

export function uuidInput(source: string): string {
  const bad = (): SqlError => new SqlError(SQLSTATE.invalid_text_representation, `invalid input syntax for type uuid: "${source}"`);
  let i = 0;
  const braces = source.charCodeAt(0) === 0x7b;
  if (braces) i++;
  let hex = '';
  for (let k = 0; k < 16; k++) {
    if (i + 1 >= source.length || !isHex(source.charCodeAt(i)) || !isHex(source.charCodeAt(i + 1))) throw bad();
    hex += source.slice(i, i + 2);
    i += 2;
    if (source.charCodeAt(i) === 0x2d && k % 2 === 1 && k < 15) i++;
  }
  if (braces) {
    if (source.charCodeAt(i) !== 0x7d) throw bad();
    i++;
  }
  if (i !== source.length) throw bad();
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A version 4 uuid from the CSPRNG (gen_random_uuid). */
export function randomUuid(): string {
  return crypto.randomUUID();
}

export function uuidType(): TypeInfo {
  return {
    oid: UUID,
    name: 'uuid',
    sqlName: 'uuid',
    category: 'U',
    preferred: false,
    len: 16,
    elem: 0,
    array: 2951,
    input: (t) => uuidInput(t),
    output: (d) => d as string,
    compare: (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0),
    hashKey: (d) => d as string,
  };
}
