/*
 * health.ts — whether the sidecar should receive reads: the rule behind /readyz and the
 * memstore_ready metric, as a pure function of what the sidecar reports.
 *
 * Ready means all of:
 *   - start-up is over: the newest good dump is loaded or the tables are copied (initial sync),
 *     and the pgwire endpoint listens;
 *   - the replication stream is live (follower state 'streaming', not reconnecting); while it is
 *     not, the reason names the source problem behind it (backoff.ts: publication missing, source
 *     unreachable, slot lost) and when the next attempt comes;
 *   - the lag (server WAL end − applied LSN) is at most maxLagBytes;
 *   - dumps (when on) have not failed maxDumpFailures times in a row: the slot then keeps WAL
 *     from the last good dump, and a restart would replay more and more — an operator must look.
 * The first rule that fails is the reason; the body also carries the numbers behind it.
 *
 * Tables being copied ('syncing': new to the store, or resynchronized after DDL) and tables not
 * applied ('skipped') do NOT make the sidecar unready: every other table is exact, and a read of
 * such a table fails loudly (55000 / 0A000) instead of returning stale rows — "equal or loudly
 * not ready", per table. Marking the whole sidecar unready would take every table out of service
 * on every sidecar at once whenever one table's copy waits behind a transaction left open on the
 * primary. The body lists them (`tables`: reason, since when, what the copy waits for), and the
 * metrics memstore_tables{status} and memstore_table_sync_oldest_seconds are there to alert on.
 *
 * Left out: a check against the source itself (reachable, slot present). A sidecar that cannot
 * reach its source is reconnecting, which the stream rule already reports with the cause.
 */
import type { SourceProblem } from './backoff.js';
import type { FollowerState } from './follower.js';

export type SidecarPhase = 'starting' | 'running' | 'stopping';

export interface HealthInput {
  readonly phase: SidecarPhase;
  readonly followerState: FollowerState;
  /** Why the stream is not live (while reconnecting). */
  readonly sourceProblem?: SourceProblem | undefined;
  /** Until the next reconnect attempt. */
  readonly retryInMs?: number | undefined;
  readonly appliedLsn: string;
  readonly serverWalEnd: string;
  readonly lagBytes: number;
  readonly maxLagBytes: number;
  /** Absent when dumps are off. */
  readonly dumps?: { readonly consecutiveFailures: number; readonly lastError: string | undefined; readonly lastSuccessAgeSeconds: number | null };
  readonly maxDumpFailures: number;
  /** Tables not live, with why (absent = none reported). */
  readonly tables?: readonly TableHealth[];
}

export interface TableHealth {
  readonly table: string;
  readonly status: 'syncing' | 'skipped';
  readonly reason: string;
  /** ISO time the table entered this status, or null when unknown. */
  readonly since: string | null;
  /** For a syncing table: what its copy is doing (queued, waiting for a consistent point, …). */
  readonly phase?: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready ('' when ready): starting, syncing, shutting down, stream not live, lagging, dumps failing. */
  readonly reason: string;
  /** The JSON body of /readyz. */
  readonly body: Record<string, unknown>;
}

export function assessReadiness(h: HealthInput): Readiness {
  const dumps = h.dumps;
  const dumpsFailing = dumps !== undefined && dumps.consecutiveFailures >= h.maxDumpFailures;
  let reason = '';
  if (h.phase === 'stopping') reason = 'shutting down';
  else if (h.phase === 'starting') reason = h.followerState === 'syncing' ? 'syncing: copying the published tables' : 'starting: loading the dump and connecting';
  else if (h.followerState !== 'streaming') {
    reason = `stream not live (${h.followerState})`;
    if (h.sourceProblem) reason += `: ${h.sourceProblem.reason}${h.retryInMs !== undefined ? `; next attempt in ${Math.round(h.retryInMs)} ms` : ''}`;
  }
  else if (h.lagBytes > h.maxLagBytes) reason = `lagging: ${h.lagBytes} bytes behind the source (limit ${h.maxLagBytes})`;
  else if (dumpsFailing) reason = `dumps failing: ${dumps.consecutiveFailures} in a row (${dumps.lastError ?? 'unknown error'})`;
  return {
    ready: reason === '',
    reason,
    body: {
      status: reason === '' ? 'ready' : 'not ready',
      ...(reason !== '' ? { reason } : {}),
      phase: h.phase,
      follower_state: h.followerState,
      source_problem: h.sourceProblem?.kind ?? null,
      last_error: h.sourceProblem?.error ?? null,
      retry_in_ms: h.retryInMs === undefined ? null : Math.round(h.retryInMs),
      applied_lsn: h.appliedLsn,
      server_wal_end: h.serverWalEnd,
      lag_bytes: h.lagBytes,
      max_lag_bytes: h.maxLagBytes,
      dumps:
        h.dumps === undefined
          ? null
          : {
              healthy: !dumpsFailing,
              consecutive_failures: h.dumps.consecutiveFailures,
              max_failures: h.maxDumpFailures,
              last_error: h.dumps.lastError ?? null,
              last_success_age_seconds: h.dumps.lastSuccessAgeSeconds,
            },
      tables_syncing: (h.tables ?? []).filter((t) => t.status === 'syncing'),
      tables_skipped: (h.tables ?? []).filter((t) => t.status === 'skipped'),
    },
  };
}
