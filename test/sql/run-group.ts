/*
 * One corpus group as one vitest file: a harness (primary + sidecar + pgwire) over the shared
 * schema, every query of the group diffed in order on one pair of sessions, then the verdicts:
 * zero MISMATCH, zero PG_ERROR (a corpus query PostgreSQL refuses unintentionally), and at most
 * the group's budget of UNSUPPORTED (test/sql/budget.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../query/support/harness.js';
import { diffQuery, DiffSessions, showOutcome, summarize, type DiffOutcome, type DiffQuery } from '../support/diff.js';
import { unsupportedBudget } from './budget.js';
import { KNOWN_MISMATCHES } from './known.js';
import { DATA_SEED, schemaSql } from './schema.js';

export interface SqlHarness {
  readonly h: Harness;
  readonly sessions: DiffSessions;
}

/** Starts the harness over the schema (replicated, caught up) in beforeAll; closes it in afterAll. */
export function useSqlHarness(group: string, init: readonly string[] = []): () => SqlHarness {
  let h: Harness | undefined;
  let sessions: DiffSessions | undefined;
  beforeAll(async () => {
    h = await startHarness(`sql_${group}`, schemaSql());
    await h.caughtUp();
    sessions = new DiffSessions(h.db.url, h.url, init);
  }, 180_000);
  afterAll(async () => {
    await sessions?.close();
    await h?.close();
  });
  return () => {
    if (!h || !sessions) throw new Error('the harness did not start');
    return { h, sessions };
  };
}

/** Registers the test of one corpus group. */
export function corpusSuite(group: string, queries: readonly DiffQuery[]): void {
  const get = useSqlHarness(group);
  it(`${group}: ${queries.length} queries answer as PostgreSQL 17 does (data seed ${DATA_SEED})`, async () => {
    const { sessions } = get();
    const outcomes: DiffOutcome[] = [];
    for (const q of queries) outcomes.push(await diffQuery(sessions, q));
    const s = summarize(group, outcomes);
    console.log(s.text);
    expect(s.pgErrors.map(showOutcome), 'corpus queries PostgreSQL refuses').toEqual([]);
    const known = s.mismatches.filter((o) => KNOWN_MISMATCHES.has(o.query.sql));
    for (const o of known) console.log(`KNOWN MISMATCH (${KNOWN_MISMATCHES.get(o.query.sql)}): ${o.query.sql}`);
    expect(s.mismatches.filter((o) => !KNOWN_MISMATCHES.has(o.query.sql)).map(showOutcome), 'MISMATCHes').toEqual([]);
    const fixed = queries.filter((q) => KNOWN_MISMATCHES.has(q.sql) && !s.mismatches.some((o) => o.query.sql === q.sql));
    expect(fixed.map((q) => q.sql), 'listed in test/sql/known.ts but answering as PostgreSQL now: remove them').toEqual([]);
    expect(s.unsupported, `UNSUPPORTED in ${group} (budget in test/sql/budget.ts)`).toBeLessThanOrEqual(unsupportedBudget(group, queries.length));
  }, 600_000);
}
