/*
 * backoff.ts — how fast the follower retries a source that failed, and what it tells about why.
 *
 * Backoff: capped exponential with jitter (default 200 ms doubling to 30 s, each wait drawn from
 * ±25 % of the current step so a fleet of sidecars does not reconnect in lockstep). The follower
 * starts it over only after a stream proved healthy (it applied a transaction, or lived for the
 * cap): a stream that connects and then fails at once — a change pgoutput cannot decode because
 * the publication is gone, a slot it cannot use — would otherwise be retried at the first step
 * forever (it was ~10 attempts a second).
 *
 * SourceProblem: a failure sorted into the few kinds an operator acts on differently, with a
 * reason that names it; /readyz, memstore.stats() and the memstore_source_problem metric show it.
 *   publication_missing  the publication does not exist (dropped; or re-created after changes the
 *                        slot must still decode, which PostgreSQL 17 then cannot: copy afresh)
 *   source_unreachable   connection refused, reset, timed out, server starting or shutting down
 *   slot_lost            the slot was dropped or invalidated (wal_status lost): copy afresh
 *   stream_error         anything else
 */

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** Each wait is step × (1 ± jitter). */
  readonly jitter?: number;
  readonly random?: () => number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private step: number;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 200;
    this.maxMs = Math.max(o.maxMs ?? 30_000, this.initialMs);
    this.jitter = o.jitter ?? 0.25;
    this.random = o.random ?? Math.random;
    this.step = this.initialMs;
  }

  /** The next wait (ms); the step after it doubles, up to the cap. */
  next(): number {
    const wait = this.step * (1 - this.jitter + 2 * this.jitter * this.random());
    this.step = Math.min(this.step * 2, this.maxMs);
    return Math.round(wait);
  }

  reset(): void {
    this.step = this.initialMs;
  }
}

export type SourceProblemKind = 'publication_missing' | 'source_unreachable' | 'slot_lost' | 'stream_error';

export const SOURCE_PROBLEM_KINDS: readonly SourceProblemKind[] = ['publication_missing', 'source_unreachable', 'slot_lost', 'stream_error'];

export interface SourceProblem {
  readonly kind: SourceProblemKind;
  /** For people: names the problem (the /readyz reason ends with it). */
  readonly reason: string;
  /** The error as it was raised. */
  readonly error: string;
}

/** Server errors that mean the slot cannot give us what we need any more. */
export const SLOT_LOST = /replication slot ".*" does not exist|can no longer get changes from replication slot|has been invalidated|This slot has been invalidated/;

const PUBLICATION_MISSING = /publication "((?:[^"]|"")*)" does not exist/;

const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|timeout expired|Connection terminated|connection (?:is )?(?:closed|lost)|the database system is (?:starting up|shutting down|in recovery mode)|terminating connection due to administrator command|no message from the server|did not start within/i;

export function classifySourceError(error: string): SourceProblem {
  const pub = PUBLICATION_MISSING.exec(error);
  if (pub) return { kind: 'publication_missing', reason: `publication "${pub[1]}" does not exist on the source`, error };
  if (SLOT_LOST.test(error)) return { kind: 'slot_lost', reason: `replication slot lost or invalidated: ${error}`, error };
  if (UNREACHABLE.test(error)) return { kind: 'source_unreachable', reason: `source unreachable: ${error}`, error };
  return { kind: 'stream_error', reason: error, error };
}
