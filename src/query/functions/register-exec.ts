/*
 * register-exec.ts — registers the exec family's generic aggregates (count, min, max, bool_and,
 * bool_or, every, mode, percentile_disc), the window functions (functions/registry.ts) and
 * memstore's own functions (memstore.ts).
 * Called once by builtins.ts.
 */
import { GENERIC_AGGS } from './agg-generic.js';
import { registerCatalogFuncs } from './catalog-funcs.js';
import { registerMemstoreFuncs } from './memstore.js';
import { registerAgg, registerWindow } from './registry.js';
import { WINDOW_FUNCTIONS } from './window.js';

export function registerExec(): void {
  for (const a of GENERIC_AGGS) registerAgg(a);
  for (const w of WINDOW_FUNCTIONS) registerWindow(w);
  registerCatalogFuncs();
  registerMemstoreFuncs();
}
