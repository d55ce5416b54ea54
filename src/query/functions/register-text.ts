/*
 * register-text.ts — registers the text family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
export function registerText(): void {
  // filled in by the text family
}
