/*
 * register-numeric.ts — registers the numeric family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
export function registerNumeric(): void {
  // filled in by the numeric family
}
