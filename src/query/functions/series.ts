/*
 * series.ts — generate_series over int4, int8 and numeric (set-returning FuncDefs).
 *
 * As PostgreSQL: the step defaults to 1 and may be negative, 0 is 22023; an int4/int8 series
 * ends instead of overflowing at the type's limit; a numeric series yields the start value as
 * given (its own scale) and then start + k·step at max(scale(start), scale(step)); NaN and
 * infinite bounds or steps are 22023. The loops check for cancel every 1024 values.
 *
 * Interface: registerSeries()
 */
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum, NumericValue } from '../types/datum.js';
import { NUM_ONE, numAdd, numericCompare } from '../types/numeric.js';
import { registerFunc, type CallContext } from './registry.js';

const { int4, int8, numeric } = Oid;

const bad = (msg: string): SqlError => new SqlError(SQLSTATE.invalid_parameter_value, msg);

function* intSeries(start: number, stop: number, step: number, cx: CallContext): Iterable<Datum> {
  if (step === 0) throw bad('step size cannot equal zero');
  let n = 0;
  // JS numbers hold int4 sums exactly, so the limit check after the add is exact.
  for (let v = start; step > 0 ? v <= stop : v >= stop; v += step) {
    if ((++n & 1023) === 0) cx.checkInterrupts();
    yield v;
  }
}

function* bigSeries(start: bigint, stop: bigint, step: bigint, cx: CallContext): Iterable<Datum> {
  if (step === 0n) throw bad('step size cannot equal zero');
  let n = 0;
  for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) {
    if ((++n & 1023) === 0) cx.checkInterrupts();
    yield v;
  }
}

function checkFinite(v: NumericValue, what: string): void {
  if (v.d.isNaN()) throw bad(`${what} cannot be NaN`);
  if (!v.d.isFinite()) throw bad(`${what} cannot be infinity`);
}

function* numericSeries(start: NumericValue, stop: NumericValue, step: NumericValue, cx: CallContext): Iterable<Datum> {
  checkFinite(start, 'start value');
  checkFinite(stop, 'stop value');
  checkFinite(step, 'step size');
  if (step.d.isZero()) throw bad('step size cannot equal zero');
  const up = !step.d.isNeg();
  let n = 0;
  for (let v = start; up ? numericCompare(v, stop) <= 0 : numericCompare(v, stop) >= 0; v = numAdd(v, step)) {
    if ((++n & 1023) === 0) cx.checkInterrupts();
    yield v;
  }
}

export function registerSeries(): void {
  const series = (type: number, set: (a: readonly Datum[], cx: CallContext) => Iterable<Datum>): void =>
    registerFunc({ name: 'generate_series', kind: 'func', args: [type, type, type], optional: 1, returns: type, strict: true, volatility: 'i', set });
  series(int4, (a, cx) => intSeries(a[0] as number, a[1] as number, a.length > 2 ? (a[2] as number) : 1, cx));
  series(int8, (a, cx) => bigSeries(a[0] as bigint, a[1] as bigint, a.length > 2 ? (a[2] as bigint) : 1n, cx));
  series(numeric, (a, cx) => numericSeries(a[0] as NumericValue, a[1] as NumericValue, a.length > 2 ? (a[2] as NumericValue) : NUM_ONE, cx));
}
