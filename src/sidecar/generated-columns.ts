/*
 * generated-columns.ts — what the sidecar says about generated (STORED) columns. PostgreSQL 17's
 * pgoutput does not stream them and the sidecar has no expression evaluator to compute them, so
 * they are left out of the store: said at every copy of the table, and kept for memstore.stats().
 */
import type { Logger } from '../log.js';
import type { PublishedTable } from '../replication/table-copy.js';
import type { TableState } from '../store/store.js';

/** Records the table's generated columns on its state and warns when it has any. */
export function noteGeneratedColumns(t: TableState, table: PublishedTable, log: Logger): void {
  t.generatedColumns = table.generatedColumns;
  if (table.generatedColumns.length === 0) return;
  log.warn('generated columns are not served: PostgreSQL 17 does not stream them and memstore cannot compute them', {
    table: `${table.relation.schema}.${table.relation.name}`,
    columns: table.generatedColumns,
  });
}
