/*
 * register-numeric.ts — registers the numeric family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
import { BOOL_TYPE } from '../types/bool.js';
import { FLOAT4_TYPE, FLOAT8_TYPE } from '../types/float.js';
import { INT2_TYPE, INT4_TYPE, INT8_TYPE, OID_TYPE } from '../types/int.js';
import { registerNumericCasts } from '../types/num-casts.js';
import { NUMERIC_TYPE } from '../types/numeric.js';
import { registerType } from '../types/registry.js';
import { registerNumericAggregates } from './agg-numeric.js';
import { registerMathFunctions } from './math.js';
import { registerMathOps } from './math-ops.js';
import { registerSeries } from './series.js';
import { registerToCharNumber } from './to-char-num.js';

export function registerNumeric(): void {
  for (const t of [BOOL_TYPE, INT2_TYPE, INT4_TYPE, INT8_TYPE, OID_TYPE, FLOAT4_TYPE, FLOAT8_TYPE, NUMERIC_TYPE]) registerType(t);
  registerNumericCasts();
  registerMathOps();
  registerMathFunctions();
  registerNumericAggregates();
  registerSeries();
  registerToCharNumber();
}
