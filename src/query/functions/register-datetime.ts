/*
 * register-datetime.ts — registers the datetime family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
export function registerDatetime(): void {
  // filled in by the datetime family
}
