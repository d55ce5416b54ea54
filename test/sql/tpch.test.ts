/*
 * TPC-H's 22 queries (bench/tpch) on PostgreSQL 17 and on the sidecar following it: SF 0.01 is
 * loaded with COPY on the primary after the sidecar started (so every row arrives through
 * replication), then each query runs on both and the results must be identical: column names,
 * type OIDs and typmods, the text of every value, and the row order (as sorted rows where the
 * query's ORDER BY leaves ties, see TpchQuery.ties). One test per query, so the report shows which
 * queries the sidecar answers; a refusal (0A000) is a failure like any other mismatch.
 *
 * The data is checked too: each query must return rows on PostgreSQL (the generator promises
 * that at this scale and seed), so a comparison of two empty results cannot pass for a success.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultDifference, runQuery, type QueryResult } from '../../bench/tpch/compare.js';
import { loadTpch } from '../../bench/tpch/generate.js';
import { tpchQueries } from '../../bench/tpch/queries.js';
import { TPCH_SCHEMA, TPCH_TABLES } from '../../bench/tpch/schema.js';
import { primaryCopy, storeCopy } from '../support/sidecar.js';
import { rawTypes, startHarness, type Harness } from '../query/support/harness.js';

const SF = 0.01;
const SEED = 1;

let h: Harness;
let primary: pg.Client;
let sidecar: pg.Client;

beforeAll(async () => {
  h = await startHarness('tpch', TPCH_SCHEMA);
  await loadTpch(h.db.client, SF, SEED);
  await h.db.client.query('ANALYZE');
  await h.caughtUp();
  primary = new pg.Client({ connectionString: h.db.url, types: rawTypes });
  await primary.connect();
  sidecar = await h.client();
  // A query the executor runs too slowly fails on its own instead of eating the file's time.
  await sidecar.query(`SET statement_timeout = '20s'`);
});

afterAll(async () => {
  await primary?.end();
  await h?.close();
});

/**
 * Queries that still exceed the sidecar connection's statement_timeout (20 s) at this scale, with
 * why. A wrong answer or any other error fails the test; only the timeout is tolerated here, and
 * an answer in time is compared like any other.
 */
const SLOW: ReadonlyMap<number, string> = new Map<number, string>([]);

describe('TPC-H on the sidecar against PostgreSQL 17', () => {
  it('holds every row of the eight tables, as the primary has them', async () => {
    for (const t of TPCH_TABLES) {
      const key = (await h.db.client.query<{ k: string }>(`SELECT a.attname AS k FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, [t])).rows.map((r) => r.k);
      expect(storeCopy(h.sidecar, t) === (await primaryCopy(h.db.client, t, key.join(', '))), t).toBe(true);
    }
  });

  for (const q of tpchQueries(SF)) {
    it(`Q${q.n}`, async () => {
      const expected = await runQuery(primary, q.sql);
      expect(expected.rows.length, `Q${q.n} returns no rows on PostgreSQL: the generator must give every query rows`).toBeGreaterThan(0);
      let actual: QueryResult;
      try {
        actual = await runQuery(sidecar, q.sql);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const known = SLOW.get(q.n);
        if (known !== undefined && e.code === '57014') {
          // A known open problem, loud and listed (none today: Q20 took ~17 s before decorrelation).
          console.log(`Q${q.n}: KNOWN: ${known}`);
          return;
        }
        throw new Error(`Q${q.n}: the sidecar answered ${e.code ?? '?'} ${e.message ?? String(err)}`);
      }
      const diff = resultDifference(expected, actual, q.ties);
      if (diff !== null) throw new Error(`Q${q.n}: ${diff}`);
    }, 30_000);
  }
});
