/*
 * errors.ts — the engine's SqlError factories, so that each SQLSTATE and its PostgreSQL wording
 * is written once, and error positions in PostgreSQL's unit.
 *
 * PostgreSQL reports `position` as a 1-based character (not byte) index into the query string;
 * parse-tree locations are byte offsets. positionOf() converts.
 *
 * Interface:
 *   positionOf(sql, byteOffset)       1-based character position, undefined for a negative offset
 *   notSupported(what)                0A000 with the list of what memstore answers
 *   readOnly(command)                 25006 "cannot execute X in a read-only transaction"
 *   undefinedTable / undefinedColumn / undefinedFunction / operatorDoesNotExist / …
 */
import { SqlError, type SqlErrorFields } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { sqlTypeName } from '../pg/types.js';

/** The SQL surface, for 0A000 hints. */
export const SUPPORTED_HINT =
  'memstore answers read-only SQL over the replicated tables and the catalog as PostgreSQL 17 does ' +
  '(SELECT with joins, subqueries, WITH, aggregates, window functions, set operations; EXPLAIN; ' +
  'COPY … TO STDOUT; cursors; SET/SHOW; memstore.* functions): README, "Reading tables".';

export function positionOf(sql: string, byteOffset: number | undefined): number | undefined {
  if (byteOffset === undefined || byteOffset < 0) return undefined;
  // Fast path: ASCII text, bytes are characters.
  let chars = 0;
  let bytes = 0;
  for (let i = 0; i < sql.length && bytes < byteOffset; i++) {
    const c = sql.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
    chars++;
  }
  return chars + 1;
}

/** Where an error points: the query text and a parse-tree byte location. */
export interface At {
  readonly sql: string;
  readonly location: number | undefined;
}

function fields(at: At | undefined, extra: SqlErrorFields = {}): SqlErrorFields {
  const position = at === undefined ? undefined : positionOf(at.sql, at.location);
  return position === undefined ? extra : { ...extra, position };
}

export function notSupported(what: string, at?: At): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, what, fields(at, { hint: SUPPORTED_HINT }));
}

export function readOnly(command: string): SqlError {
  return new SqlError(SQLSTATE.read_only_sql_transaction, `cannot execute ${command} in a read-only transaction`, {
    hint: 'memstore is a read-only copy of the primary; write on the primary.',
  });
}

export function undefinedTable(name: string, at?: At): SqlError {
  return new SqlError(SQLSTATE.undefined_table, `relation "${name}" does not exist`, fields(at));
}

export function missingFromEntry(name: string, at?: At): SqlError {
  return new SqlError(SQLSTATE.undefined_table, `missing FROM-clause entry for table "${name}"`, fields(at));
}

export function undefinedColumn(name: string, at?: At): SqlError {
  return new SqlError(SQLSTATE.undefined_column, `column "${name}" does not exist`, fields(at));
}

export function undefinedFunction(name: string, argTypes: readonly number[], at?: At): SqlError {
  const args = argTypes.map((t) => sqlTypeName(t)).join(', ');
  return new SqlError(
    SQLSTATE.undefined_function,
    `function ${name}(${args}) does not exist`,
    fields(at, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' }),
  );
}

export function operatorDoesNotExist(op: string, left: number, right: number, at?: At): SqlError {
  return new SqlError(
    SQLSTATE.undefined_function,
    `operator does not exist: ${sqlTypeName(left)} ${op} ${sqlTypeName(right)}`,
    fields(at, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' }),
  );
}

export function undefinedParameter(n: number, at?: At): SqlError {
  return new SqlError(SQLSTATE.undefined_parameter, `there is no parameter $${n}`, fields(at));
}

export function indeterminateParameter(n: number, at?: At): SqlError {
  return new SqlError(SQLSTATE.indeterminate_datatype, `could not determine data type of parameter $${n}`, fields(at));
}

export function unrecognizedSetting(name: string): SqlError {
  return new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
}

export function inFailedTransaction(): SqlError {
  return new SqlError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
}

export function withPosition(err: SqlError, at: At | undefined): SqlError {
  if (at === undefined || err.position !== undefined) return err;
  const position = positionOf(at.sql, at.location);
  if (position === undefined) return err;
  return new SqlError(err.sqlstate, err.message, { severity: err.severity, detail: err.detail, hint: err.hint, position });
}
