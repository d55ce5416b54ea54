/*
 * compare.ts — a query's result as PostgreSQL prints it, and the first difference between two
 * such results: what the TPC-H test asserts and what bench:sql checks before timing a query.
 * Clients must be made with every type parser returning the text (harness.ts: rawTypes).
 */
import type pg from 'pg';

export interface QueryResult {
  /** name:type OID:typmod of each column. */
  readonly columns: string[];
  readonly rows: (string | null)[][];
}

export async function runQuery(c: pg.Client, sql: string): Promise<QueryResult> {
  const r = await c.query<(string | null)[]>({ text: sql, rowMode: 'array' });
  return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}:${f.dataTypeModifier}`), rows: r.rows };
}

const show = (row: readonly (string | null)[]): string => JSON.stringify(row);

/**
 * The first difference between two results (expected from PostgreSQL), or null when identical.
 * With `ties` the rows are compared sorted (the query's ORDER BY leaves some order undefined).
 */
export function resultDifference(expected: QueryResult, actual: QueryResult, ties: boolean): string | null {
  if (show(expected.columns) !== show(actual.columns)) return `columns differ:\n  postgres ${show(expected.columns)}\n  sidecar  ${show(actual.columns)}`;
  const order = (rows: (string | null)[][]): string[] => {
    const texts = rows.map(show);
    return ties ? texts.sort() : texts;
  };
  const e = order(expected.rows);
  const a = order(actual.rows);
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      return `row ${i}${ties ? ' (sorted)' : ''} differs (postgres ${e.length} rows, sidecar ${a.length}):\n  postgres ${e[i] ?? '(no row)'}\n  sidecar  ${a[i] ?? '(no row)'}`;
    }
  }
  return null;
}
