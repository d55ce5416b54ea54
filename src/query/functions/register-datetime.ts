/*
 * register-datetime.ts — registers the datetime family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
import { registerType } from '../types/registry.js';
import { dateType } from '../types/date.js';
import { intervalType } from '../types/interval.js';
import { timeType, timetzType } from '../types/time.js';
import { timestampType, timestamptzType } from '../types/timestamp.js';

export function registerDatetime(): void {
  for (const t of [dateType, timeType, timetzType, timestampType, timestamptzType, intervalType]) registerType(t);
}
