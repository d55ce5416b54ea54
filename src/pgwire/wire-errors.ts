/*
 * wire-errors.ts — what of an exception reaches the client, and how.
 *
 * Only SqlError crosses the wire. Anything else thrown while a statement runs is either the
 * reason a cancel or a close aborted it (that reason is sent), or a bug: logged with its stack
 * and sent as XX000 without internals (errors.ts toSqlError). Errors during startup and errors
 * that end the connection are sent as FATAL copies of the same error.
 *
 * Interface:
 *   ConnectionClosed          thrown inside a running statement when the socket closed under it
 *   asFatal(err)              the same error with severity FATAL
 *   isFatal(err)              FATAL or PANIC: the connection ends after sending it
 *   toWireError(e, signal, logBug)   the SqlError to send for anything thrown
 */
import { SqlError, toSqlError } from '../errors.js';

/** Thrown inside a running statement when the socket closed under it; never reaches a client. */
export class ConnectionClosed extends Error {}

export function isFatal(err: SqlError): boolean {
  return err.severity === 'FATAL' || err.severity === 'PANIC';
}

export function asFatal(err: SqlError): SqlError {
  if (isFatal(err)) return err;
  return new SqlError(err.sqlstate, err.message, { severity: 'FATAL', detail: err.detail, hint: err.hint, position: err.position });
}

/**
 * The SqlError to send for `e`. An abort reason that is a SqlError (a cancel's 57014) wins over
 * whatever the engine threw on seeing the signal; anything else is a bug, handed to `logBug`.
 */
export function toWireError(e: unknown, signal: AbortSignal, logBug: (e: unknown) => void): SqlError {
  if (e instanceof SqlError) return e;
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof SqlError) return reason;
  logBug(e);
  return toSqlError(e);
}

/** A bug's stack (or its text) for the log. */
export function describeBug(e: unknown): string | undefined {
  return e instanceof Error ? e.stack : String(e);
}
