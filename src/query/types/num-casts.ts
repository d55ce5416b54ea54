/*
 * num-casts.ts — pg_cast between bool, int2/int4/int8, oid, float4/float8 and numeric, with
 * PostgreSQL's contexts (implicit widening, assignment narrowing, explicit bool ↔ int4) and
 * conversions:
 *   - narrowing integers fails with "smallint/integer out of range";
 *   - float → integer rounds half to even (rint); numeric → integer rounds half away from zero;
 *   - float → numeric goes through %.15g (float4: %.6g) as float8_numeric does, so
 *     0.1::float8::numeric is 0.1 and not the binary value's 55 digits;
 *   - numeric → float reads numeric's text as float8in does (errors included);
 *   - int4 → oid is binary (negative values wrap), oid → int4 too.
 * XXX int8 → float4 and numeric → float4 round through a double first (strtof rounds once).
 *
 * Interface: registerNumericCasts()
 */
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum, NumericValue } from './datum.js';
import { floatIn, floatOverflow, floatUnderflow, formatFloatG, rint } from './float.js';
import { bigintOutOfRange, checkInt2, checkInt4, integerOutOfRange, INT8_MAX, INT8_MIN, smallintOutOfRange } from './int.js';
import { NUM_NAN, NUM_NINF, NUM_PINF, numericIn, numericOut, numFromBigInt, numFromInt, numToBigInt } from './numeric.js';
import { registerCast, type CastContext } from './registry.js';

const { int2, int4, int8, float4, float8, numeric, bool, oid } = Oid;

function cast(source: number, target: number, context: CastContext, convert: (d: Datum) => Datum): void {
  registerCast({ source, target, context, convert: (d) => convert(d) });
}

function floatToInt(v: number, target: number): Datum {
  const r = rint(v);
  if (target === int8) {
    // FLOAT8_FITS_IN_INT64: -2^63 <= r < 2^63.
    if (!(r >= -9223372036854775808 && r < 9223372036854775808)) throw bigintOutOfRange();
    return BigInt(r);
  }
  if (Number.isNaN(r)) throw target === int2 ? smallintOutOfRange() : integerOutOfRange();
  return (target === int2 ? checkInt2(r) : checkInt4(r)) || 0;
}

function floatToNumeric(v: number, single: boolean): NumericValue {
  if (Number.isNaN(v)) return NUM_NAN;
  if (!Number.isFinite(v)) return v > 0 ? NUM_PINF : NUM_NINF;
  return numericIn(formatFloatG(v, single ? 6 : 15));
}

function numericToFloat(v: NumericValue, single: boolean): number {
  const d = v.d;
  if (d.isNaN()) return NaN;
  if (!d.isFinite()) return d.isNeg() ? -Infinity : Infinity;
  const x = Number(d.toString());
  const r = single ? Math.fround(x) : x;
  // Out of range: let float input say so with PostgreSQL's message.
  if (!Number.isFinite(r) || (r === 0 && !d.isZero())) return floatIn(numericOut(v), single ? float4 : float8);
  return r;
}

function numericToInt(v: NumericValue, target: number): Datum {
  const name = target === int2 ? 'smallint' : target === int4 ? 'integer' : 'bigint';
  const b = numToBigInt(v, name);
  if (target === int8) {
    if (b < INT8_MIN || b > INT8_MAX) throw bigintOutOfRange();
    return b;
  }
  if (b < -2147483648n || b > 2147483647n) throw target === int2 ? smallintOutOfRange() : integerOutOfRange();
  const n = Number(b);
  return target === int2 ? checkInt2(n) : n;
}

export function registerNumericCasts(): void {
  // integer widening / narrowing
  cast(int2, int4, 'i', (d) => d);
  cast(int2, int8, 'i', (d) => BigInt(d as number));
  cast(int4, int8, 'i', (d) => BigInt(d as number));
  cast(int4, int2, 'a', (d) => checkInt2(d as number));
  cast(int8, int2, 'a', (d) => {
    const b = d as bigint;
    if (b < -32768n || b > 32767n) throw smallintOutOfRange();
    return Number(b);
  });
  cast(int8, int4, 'a', (d) => {
    const b = d as bigint;
    if (b < -2147483648n || b > 2147483647n) throw integerOutOfRange();
    return Number(b);
  });
  // oid
  cast(int2, oid, 'i', (d) => ((d as number) < 0 ? (d as number) + 4294967296 : d));
  cast(int4, oid, 'i', (d) => ((d as number) < 0 ? (d as number) + 4294967296 : d));
  cast(int8, oid, 'i', (d) => {
    const b = d as bigint;
    if (b < 0n || b > 4294967295n) throw new SqlError(SQLSTATE.numeric_value_out_of_range, 'OID out of range');
    return Number(b);
  });
  cast(oid, int4, 'a', (d) => ((d as number) > 2147483647 ? (d as number) - 4294967296 : d));
  cast(oid, int8, 'a', (d) => BigInt(d as number));
  // integers → floats and numeric
  for (const t of [int2, int4]) {
    cast(t, float4, 'i', (d) => Math.fround(d as number));
    cast(t, float8, 'i', (d) => d);
    cast(t, numeric, 'i', (d) => numFromInt(d as number));
  }
  cast(int8, float4, 'i', (d) => Math.fround(Number(d)));
  cast(int8, float8, 'i', (d) => Number(d));
  cast(int8, numeric, 'i', (d) => numFromBigInt(d as bigint));
  // floats
  cast(float4, float8, 'i', (d) => d);
  cast(float8, float4, 'a', (d) => {
    const v = d as number;
    const r = Math.fround(v);
    if (!Number.isFinite(r) && Number.isFinite(v)) throw floatOverflow();
    if (r === 0 && v !== 0) throw floatUnderflow();
    return r;
  });
  for (const f of [float4, float8]) {
    for (const t of [int2, int4, int8]) cast(f, t, 'a', (d) => floatToInt(d as number, t));
    cast(f, numeric, 'a', (d) => floatToNumeric(d as number, f === float4));
    cast(numeric, f, 'i', (d) => numericToFloat(d as NumericValue, f === float4));
  }
  for (const t of [int2, int4, int8]) cast(numeric, t, 'a', (d) => numericToInt(d as NumericValue, t));
  // bool ↔ int4
  cast(bool, int4, 'e', (d) => (d === true ? 1 : 0));
  cast(int4, bool, 'e', (d) => (d as number) !== 0);
}
