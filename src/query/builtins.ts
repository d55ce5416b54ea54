/*
 * builtins.ts — loads every built-in type, cast, function, operator, aggregate and window function
 * into the registries (types/registry.ts, functions/registry.ts), once, before the first bind.
 * Each family registers itself from its own file; this is the only list of families.
 */
import { registerDatetime } from './functions/register-datetime.js';
import { registerExec } from './functions/register-exec.js';
import { registerJsonb } from './functions/register-jsonb.js';
import { registerNumeric } from './functions/register-numeric.js';
import { registerText } from './functions/register-text.js';

let loaded = false;

export function ensureBuiltins(): void {
  if (loaded) return;
  loaded = true;
  registerNumeric();
  registerText();
  registerDatetime();
  registerJsonb();
  registerExec();
}
