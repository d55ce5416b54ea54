/*
 * explain.ts — a quick look at chosen TPC-H queries on the sidecar: its EXPLAIN, one timed run
 * on each side, and whether the results are identical. For working on the executor (bench/sql.ts
 * is the measurement).
 *
 * Environment: MEMSTORE_BENCH_SF (0.01), MEMSTORE_BENCH_QUERIES (e.g. "17,20"; all by default),
 * MEMSTORE_BENCH_SEED (1), EXPLAIN_PG=1 to print PostgreSQL's plan too, EXPLAIN_TIMEOUT_S (60,
 * statement_timeout on both).
 *
 * Run: npx tsx bench/tpch/explain.ts
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../src/log.js';
import { parseLsn } from '../../src/lsn.js';
import { startEmbedded } from '../../src/pg/embedded.js';
import { PgWireServer } from '../../src/pgwire/server.js';
import { QueryEngine } from '../../src/query/engine.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { resultDifference, runQuery } from './compare.js';
import { loadTpch } from './generate.js';
import { tpchQueries } from './queries.js';
import { TPCH_SCHEMA } from './schema.js';

const SF = Number(process.env.MEMSTORE_BENCH_SF ?? 0.01);
const SEED = Number(process.env.MEMSTORE_BENCH_SEED ?? 1);
const ONLY = process.env.MEMSTORE_BENCH_QUERIES ? new Set(process.env.MEMSTORE_BENCH_QUERIES.split(',').map(Number)) : null;
const rawTypes: pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };
const out = (s: string): void => void process.stdout.write(s + '\n');

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; v: T } | { ms: number; error: string }> {
  const t0 = performance.now();
  try {
    const v = await f();
    return { ms: performance.now() - t0, v };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ms: performance.now() - t0, error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` };
  }
}

const work = mkdtempSync(path.join(os.tmpdir(), 'memstore-tpch-explain-'));
chmodSync(work, 0o755);
const server = await startEmbedded({ dataDir: path.join(work, 'pg'), settings: { fsync: 'off', full_page_writes: 'off' } });
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE tpch');
  await admin.end();
  const url = server.url.replace(/\/postgres$/, '/tpch');
  const primary = new pg.Client({ connectionString: url, types: rawTypes });
  await primary.connect();
  await primary.query(TPCH_SCHEMA);
  await loadTpch(primary, SF, SEED);
  await primary.query('VACUUM ANALYZE');
  await primary.query('CREATE PUBLICATION memstore FOR ALL TABLES');
  const sidecar = new Sidecar({ source: { url, applicationName: 'tpch-explain' }, publication: 'memstore', slot: 'tpch_explain', id: 'explain', log: silentLogger });
  await sidecar.start();
  const lsn = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
  await sidecar.follower.waiters.wait(parseLsn(lsn), 600_000);
  const engine = await QueryEngine.create(sidecar.store, { waiters: sidecar.follower.waiters, serverVersion: 'explain' });
  const wire = new PgWireServer(engine, { host: '127.0.0.1', port: 0, maxConnections: 5, auth: { method: 'trust' } });
  const port = (await wire.listen()).port;
  const side = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/tpch`, types: rawTypes });
  await side.connect();
  await side.query(`SET statement_timeout = '${process.env.EXPLAIN_TIMEOUT_S ?? 60}s'`);
  await primary.query(`SET statement_timeout = '${process.env.EXPLAIN_TIMEOUT_S ?? 60}s'`);
  for (const q of tpchQueries(SF)) {
    if (ONLY !== null && !ONLY.has(q.n)) continue;
    out(`--- Q${q.n}`);
    const plan = await timed(() => side.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`));
    out('ms' in plan && 'v' in plan ? plan.v.rows.map((r) => r['QUERY PLAN']).join('\n') : `EXPLAIN failed: ${(plan as { error: string }).error}`);
    if (process.env.EXPLAIN_PG === '1') {
      const pp = await primary.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${q.sql}`);
      out('PostgreSQL:\n' + pp.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    const p = await timed(() => runQuery(primary, q.sql));
    const s = await timed(() => runQuery(side, q.sql));
    const verdict = 'v' in p && 'v' in s ? (resultDifference(p.v, s.v, q.ties) ?? 'identical') : 'error' in s ? s.error : 'PostgreSQL failed';
    out(`Q${q.n}: PostgreSQL ${p.ms.toFixed(0)} ms, sidecar ${s.ms.toFixed(0)} ms: ${verdict}`);
  }
  await side.end();
  await primary.end();
  await wire.close();
  await sidecar.stop();
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
