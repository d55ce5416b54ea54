/*
 * random-data.ts — the data the random generator's queries run over: the shared schema
 * (schema.ts, same seed) cut down to about a third of its customers / products / orders / items,
 * so that thousands of generated queries (joins, correlated subqueries re-run per outer row) fit
 * in a minute. Logic bugs show on small tables as well as on big ones (SQLancer runs on a handful
 * of rows); the corpus groups keep the full data.
 *
 * The cut keeps the shapes the generator relies on: foreign keys folded into the smaller id
 * ranges (so joins still match), the deliberately dangling and NULL references left dangling and
 * NULL, every table keyed. MEMSTORE_SQL_RANDOM_FULL=1 runs on the full data instead.
 */

/** Rows per generated-over table after the cut (estimates for the generator's cost bound). */
export const RANDOM_ROWS: Readonly<Record<string, number>> = process.env.MEMSTORE_SQL_RANDOM_FULL
  ? { customers: 300, products: 120, orders: 600, items: 1490 }
  : { customers: 100, products: 40, orders: 200, items: 500 };

/** Statements run on the primary after the schema's INSERTs (before the sidecar starts). */
export function randomDataSql(): string {
  if (process.env.MEMSTORE_SQL_RANDOM_FULL) return '';
  return `
DELETE FROM items WHERE order_id > 200;
DELETE FROM orders WHERE id > 200;
UPDATE orders SET customer_id = (customer_id - 1) % 100 + 1 WHERE customer_id <= 300;
DELETE FROM customers WHERE id > 100;
UPDATE items SET product_id = (product_id - 1) % 40 + 1 WHERE product_id <= 120;
DELETE FROM products WHERE id > 40;
`;
}
