/*
 * Randomized differential test: MEMSTORE_SQL_QUERIES (default 2000) generated queries (test/sql/
 * gen.ts) run on the primary and on the sidecar; any MISMATCH fails with its seed and a shrunk
 * query. Plus ternary logic partitioning (TLP): for a random predicate p over a random FROM,
 * agg(WHERE p) + agg(WHERE NOT p) + agg(WHERE p IS NULL) must equal agg over all rows on the
 * sidecar, for agg = count(*) or an integer sum.
 *
 * Reproduce: MEMSTORE_SQL_SEED=<seed> (printed) reruns the same queries; MEMSTORE_SQL_ONLY=<i>
 * runs query i of that seed alone. MEMSTORE_SQL_SECONDS (default 45) caps the wall time of the
 * generated part so the file stays under a minute on a loaded 2-core machine (how many ran is
 * printed).
 */
import { expect, it } from 'vitest';
import { diffQuery, showOutcome, summarize, type DiffOutcome, type DiffQuery, type DiffSessions } from '../support/diff.js';
import { unsupportedBudget } from './budget.js';
import { QueryGen, queryPrng, shrink, sqlOf, sqlOfQuery, type GenQuery } from './gen.js';
import { seedFrom } from './prng.js';
import { useSqlHarness } from './run-group.js';

// The suite runs one fixed seed, so CI is reproducible; MEMSTORE_SQL_SEED=<n> runs another and
// MEMSTORE_SQL_SEED=random a fresh one (seed 1933168570 still finds a window-function bug: see
// the closing note of issue #14; its query 856 shows equal numerics of different display
// scale, e.g. -5.00 and -5.000, kept differently by UNION and ties: also in the note).
const SEED = seedFrom(process.env.MEMSTORE_SQL_SEED === 'random' ? undefined : (process.env.MEMSTORE_SQL_SEED ?? '2726191745'));
const QUERIES = Number(process.env.MEMSTORE_SQL_QUERIES ?? '800');
const SECONDS = Number(process.env.MEMSTORE_SQL_SECONDS ?? '45');
const ONLY = process.env.MEMSTORE_SQL_ONLY === undefined ? undefined : Number(process.env.MEMSTORE_SQL_ONLY);
/** Mismatches shrunk (each costs up to SHRINK_STEPS more runs). */
const SHRINK_FIRST = 3;
const SHRINK_STEPS = 200;

// A generated query may be heavy: both sides get a statement_timeout, and a sidecar that needs
// longer than PostgreSQL is reported as TIMEOUT (a performance bug) instead of stalling the file.
const get = useSqlHarness('random', [`SET statement_timeout = '${process.env.MEMSTORE_SQL_STATEMENT_TIMEOUT ?? '5s'}'`]);

function asDiff(q: GenQuery, seed: string): DiffQuery {
  // A generated query may fail on PostgreSQL (an overflow): then the sidecar must fail alike.
  return { sql: sqlOfQuery(q), ordered: true, extended: false, seed, error: '*' };
}

/** The smallest variant of a mismatching query that still mismatches (PostgreSQL still answering alike). */
async function minimize(sessions: DiffSessions, q: GenQuery, first: DiffOutcome, seed: string): Promise<DiffOutcome> {
  let best = q, bestOut = first, steps = 0;
  const pgErrored = first.primary?.error !== undefined;
  for (let improved = true; improved && steps < SHRINK_STEPS; ) {
    improved = false;
    for (const c of shrink(best)) {
      if (++steps > SHRINK_STEPS) break;
      const out = await diffQuery(sessions, asDiff(c, seed));
      if (out.verdict === 'MISMATCH' && (out.primary?.error !== undefined) === pgErrored) {
        best = c;
        bestOut = out;
        improved = true;
        break;
      }
    }
  }
  return bestOut;
}

it(`random queries answer as PostgreSQL 17 does (seed ${SEED})`, async () => {
  const { sessions } = get();
  console.log(`[sql random] seed ${SEED} (MEMSTORE_SQL_SEED=${SEED} reproduces), up to ${QUERIES} queries, ${SECONDS} s`);
  const until = Date.now() + SECONDS * 1000;
  const outcomes: DiffOutcome[] = [];
  const shrunk: string[] = [];
  const tlpFailures: string[] = [];
  let tlpChecked = 0, ran = 0;
  for (let i = ONLY ?? 0; i < (ONLY === undefined ? QUERIES : ONLY + 1) && Date.now() < until; i++) {
    const r = queryPrng(SEED, i);
    const gen = new QueryGen(r);
    const id = `${SEED}:${i} (MEMSTORE_SQL_SEED=${SEED} MEMSTORE_SQL_ONLY=${i})`;
    ran++;
    if (i % 5 === 4) {
      // TLP: three partitions of the same FROM must add up to all its rows.
      const { from, pred, agg } = gen.tlp();
      const p = sqlOf(pred);
      const parts = [`SELECT ${agg} FROM ${from}`, `SELECT ${agg} FROM ${from} WHERE ${p}`, `SELECT ${agg} FROM ${from} WHERE NOT (${p})`, `SELECT ${agg} FROM ${from} WHERE (${p}) IS NULL`];
      const counts: (number | undefined)[] = [];
      for (const sql of parts) {
        const out = await diffQuery(sessions, { sql, ordered: true, extended: false, seed: id, error: '*' });
        outcomes.push(out);
        const v = out.sidecar?.rows?.[0]?.[0];
        counts.push(out.verdict === 'OK' && typeof v === 'string' ? Number(v) : undefined);
      }
      if (counts.every((c) => c !== undefined)) {
        tlpChecked++;
        const [all, t, f, n] = counts;
        if (t! + f! + n! !== all) tlpFailures.push(`TLP ${id}: ${t} + ${f} + ${n} != ${all} for ${agg} WHERE ${p} over ${from}`);
      }
      continue;
    }
    const q = gen.query();
    const out = await diffQuery(sessions, { ...asDiff(q, id), extended: i % 10 === 3 });
    outcomes.push(out);
    if (out.verdict === 'MISMATCH' && shrunk.length < SHRINK_FIRST) {
      const min = await minimize(sessions, q, out, id);
      shrunk.push(`minimal query for ${id}:\n${showOutcome(min)}`);
    }
  }
  const s = summarize('random', outcomes);
  console.log(`[sql random] seed ${SEED}: ${ran} generated (${outcomes.length} statements), TLP checked ${tlpChecked}`);
  console.log(s.text);
  for (const m of shrunk) console.log(m);
  for (const f of tlpFailures) console.log(f);
  // Syntax and name errors on PostgreSQL are the generator's own bugs: shown, not failed.
  const invalid = outcomes.filter((o) => o.primary?.error?.code.startsWith('42'));
  if (invalid.length) console.log(`[sql random] ${invalid.length} generated queries PostgreSQL refuses as invalid (a generator bug), e.g.\n${showOutcome(invalid[0]!)}`);
  expect(tlpFailures, `TLP violations (seed ${SEED})`).toEqual([]);
  expect(s.mismatches.map(showOutcome), `MISMATCHes (seed ${SEED})`).toEqual([]);
  expect(s.unsupported).toBeLessThanOrEqual(unsupportedBudget('random', outcomes.length));
}, 600_000);
