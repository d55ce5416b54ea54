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
import { loadTpch } from '../../bench/tpch/generate.js';
import { tpchQueries } from '../../bench/tpch/queries.js';
import { TPCH_SCHEMA, TPCH_TABLES } from '../../bench/tpch/schema.js';
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
});

afterAll(async () => {
  await primary?.end();
  await h?.close();
});

interface Result {
  readonly columns: string[];
  readonly rows: (string | null)[][];
}

async function run(c: pg.Client, sql: string): Promise<Result> {
  const r = await c.query<(string | null)[]>({ text: sql, rowMode: 'array' });
  return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}:${f.dataTypeModifier}`), rows: r.rows };
}

const show = (row: readonly (string | null)[] | undefined): string => (row === undefined ? '(no row)' : JSON.stringify(row));

/** The first difference between two results, or null when they are identical. */
function difference(expected: Result, actual: Result, ties: boolean): string | null {
  if (show(expected.columns) !== show(actual.columns)) return `columns differ:\n  postgres ${show(expected.columns)}\n  sidecar  ${show(actual.columns)}`;
  const order = (rows: (string | null)[][]): string[] => {
    const texts = rows.map(show);
    return ties ? texts.sort() : texts;
  };
  const e = order(expected.rows);
  const a = order(actual.rows);
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      return `row ${i}${ties ? ' (sorted)' : ''} differs (postgres ${e.length} rows, sidecar ${a.length}):\n  postgres ${e[i] ?? '(no row)'}\n  sidecar  ${a[i] ?? '(no row)'}`;
    }
  }
  return null;
}

describe('TPC-H on the sidecar against PostgreSQL 17', () => {
  it('holds every row of the eight tables', async () => {
    for (const t of TPCH_TABLES) {
      const e = await run(primary, `select count(*) from ${t}`);
      expect(await run(sidecar, `select count(*) from ${t}`), t).toEqual(e);
    }
  });

  for (const q of tpchQueries(SF)) {
    it(`Q${q.n}`, async () => {
      const expected = await run(primary, q.sql);
      expect(expected.rows.length, `Q${q.n} returns no rows on PostgreSQL: the generator must give every query rows`).toBeGreaterThan(0);
      let actual: Result;
      try {
        actual = await run(sidecar, q.sql);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        throw new Error(`Q${q.n}: the sidecar answered ${e.code ?? '?'} ${e.message ?? String(err)}`);
      }
      const diff = difference(expected, actual, q.ties);
      if (diff !== null) throw new Error(`Q${q.n}: ${diff}`);
    }, 30_000);
  }
});
