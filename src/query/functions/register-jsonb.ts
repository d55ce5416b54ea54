/*
 * register-jsonb.ts — registers the jsonb family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
export function registerJsonb(): void {
  // filled in by the jsonb family
}
