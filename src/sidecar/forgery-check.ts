/*
 * forgery-check.ts — can any role on the source forge a memstore op?
 *
 * A memstore op is a logical decoding message with the prefix 'memstore'. sql/memstore.sql
 * grants its write functions to memstore_writer only, but pg_logical_emit_message itself is
 * executable by PUBLIC by default, so any role that can connect can emit such a message by hand
 * and every sidecar would apply it. memstore.lock_down() (an opt-in step) revokes that. The
 * sidecar asks the source at start-up, warns, and shows the answer in memstore.stats().
 */
import type { Logger } from '../log.js';
import { sqlClient, type SourceOptions } from '../replication/connection.js';

export const FORGERY_QUERY = `SELECT coalesce(bool_or(has_function_privilege('public', p.oid, 'EXECUTE')), false) AS possible
  FROM pg_catalog.pg_proc p
 WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace`;

/** True when PUBLIC may execute some overload of pg_logical_emit_message on the source. */
export async function forgeryPossible(source: SourceOptions): Promise<boolean> {
  const client = sqlClient(source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query<{ possible: boolean }>(FORGERY_QUERY);
    return r.rows[0]?.possible ?? false;
  } finally {
    await client.end();
  }
}

export interface ForgeryState {
  /** null until checked, or when the check failed. */
  possible: boolean | null;
  checkedAt: Date | null;
  error: string | null;
}

/** Runs the check, logs what it found, and records it in `state`. */
export async function checkForgery(source: SourceOptions, state: ForgeryState, log: Logger): Promise<void> {
  try {
    const possible = await forgeryPossible(source);
    if (possible && state.possible !== true) {
      log.warn('any role on the source can forge memstore ops: PUBLIC may execute pg_logical_emit_message', {
        hint: 'run SELECT memstore.lock_down(); as a superuser on the source (see sql/memstore.sql)',
      });
    }
    state.possible = possible;
    state.error = null;
  } catch (err) {
    state.possible = null;
    state.error = (err as Error).message;
    log.warn('could not check whether memstore ops can be forged on the source', { error: state.error });
  }
  state.checkedAt = new Date();
}
