/*
 * Shorthands for corpus entries: `o` ordered (its ORDER BY fixes the output order), `u` unordered
 * (compared as a multiset), `e` an intentional error with PostgreSQL's SQLSTATE, `p` with
 * parameters through the extended protocol, `s` under session settings (SET before, RESET after).
 */
import type { DiffQuery } from '../../support/diff.js';

export const o = (sql: string): DiffQuery => ({ sql, ordered: true });
export const u = (sql: string): DiffQuery => ({ sql });
export const e = (sql: string, error: string): DiffQuery => ({ sql, error });
export const p = (sql: string, params: (string | null)[], ordered = true): DiffQuery => ({ sql, params, ordered });

/** `sql` under `SET name = value` for each setting, reset afterwards (the same session). */
export function s(settings: Record<string, string>, sql: string, ordered = true): DiffQuery {
  const names = Object.keys(settings);
  return {
    sql,
    ordered,
    before: names.map((n) => `SET ${n} = ${settings[n]}`),
    after: names.map((n) => `RESET ${n}`),
  };
}

/** One query per row of `values`, `$` in the template replaced by each. */
export function each(template: string, values: readonly string[], ordered = true): DiffQuery[] {
  return values.map((v) => ({ sql: template.split('$$').join(v), ordered }));
}
