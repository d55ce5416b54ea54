/*
 * record-types.ts — the column lists of anonymous record values, for field selection
 * `(f(x)).name` / `(sub.col).name`. As PostgreSQL "blesses" a record type descriptor and
 * carries its index in the typmod of `record`, a call of a function returning a record with
 * declared columns (FuncDef.setColumns: information_schema._pg_expandarray, jsonb_each, …) gets
 * the typmod of its column list here, and the typmod travels with the value through subquery
 * columns. Interned by (name, type) list; the table only grows by the functions registered.
 */
import type { FuncDef } from '../functions/registry.js';
import { Pseudo } from '../functions/registry.js';

export interface RecordColumn {
  readonly name: string;
  readonly type: number;
}

const byKey = new Map<string, number>();
const lists: (readonly RecordColumn[])[] = [];

/** The typmod of a call of def: its column list's when it returns a record with declared columns, else -1. */
export function callTypmod(def: FuncDef): number {
  if (def.returns !== Pseudo.record || def.setColumns === undefined) return -1;
  const key = def.setColumns.map((c) => `${c.name}\u0000${c.type}`).join('\u0001');
  let t = byKey.get(key);
  if (t === undefined) {
    t = lists.length;
    lists.push(def.setColumns);
    byKey.set(key, t);
  }
  return t;
}

/** The columns of a record value of this typmod (undefined: unknown, as for ROW(…)). */
export function recordColumns(typmod: number): readonly RecordColumn[] | undefined {
  return typmod >= 0 ? lists[typmod] : undefined;
}
