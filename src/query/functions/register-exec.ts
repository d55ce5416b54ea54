/*
 * register-exec.ts — registers the exec family's types, casts, functions, operators and aggregates
 * (types/registry.ts, functions/registry.ts). Called once by builtins.ts.
 */
export function registerExec(): void {
  // filled in by the exec family
}
