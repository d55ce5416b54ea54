/*
 * The one error class that crosses the wire. Everything else is logged and reported to a client
 * as XX000 without internals.
 */

export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE';

export interface SqlErrorFields {
  readonly detail?: string;
  readonly hint?: string;
  readonly severity?: Severity;
  readonly position?: number;
}

export class SqlError extends Error {
  readonly sqlstate: string;
  readonly severity: Severity;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly position: number | undefined;

  constructor(sqlstate: string, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.name = 'SqlError';
    this.sqlstate = sqlstate;
    this.severity = fields.severity ?? 'ERROR';
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
  }
}

/** Turns anything thrown into a SqlError fit for a client: internals are not revealed. */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  return new SqlError('XX000', 'internal error in memstore sidecar (see the sidecar log)');
}
