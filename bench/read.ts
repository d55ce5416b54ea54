/*
 * bench:read — point SELECT throughput and latency of the sidecar's SQL engine, against
 * PostgreSQL 17 itself and against the pgwire ceiling (a server that answers every query with a
 * constant row), all driven by the same pgbench script.
 *
 *   postgres   the embedded PostgreSQL 17 (src/pg/embedded.ts), fsync off, the table analysed
 *   sidecar    QueryEngine over the Store a Sidecar filled from that server (this repository)
 *   constant   ConstantEngine (test/support/constant-engine.ts) behind the same PgWireServer:
 *              no parsing, no lookup — what pgwire alone costs
 *
 * Data: accounts(aid int PRIMARY KEY, bid int, abalance int, filler char(84)), 100k rows.
 * Script: \set aid random(1, 100000) / SELECT abalance FROM accounts WHERE aid = :aid;
 * Each (mode, clients, target) runs BENCH_SECONDS (10) seconds, BENCH_REPEAT (3) times,
 * interleaved; reported: median TPS, and p50/p99 latency from pgbench's per-transaction logs
 * (--log, 10% sample) of the median run.
 *
 * The machine this was written on has 2 cores: pgbench, PostgreSQL's backends and the Node
 * process (sidecar and constant servers on one thread) share them, so absolute numbers are
 * lower than on a server, and the ratios are what to read.
 *
 * Run: npm run bench:read   (BENCH_SECONDS=3 BENCH_REPEAT=1 for a quick look)
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { silentLogger } from '../src/log.js';
import { parseLsn } from '../src/lsn.js';
import { startEmbedded } from '../src/pg/embedded.js';
import { ConstantEngine } from '../test/support/constant-engine.js';
import type { ExecContext, ExecResult, SessionState } from '../src/pgwire/engine.js';
import { PgWireServer } from '../src/pgwire/server.js';
import { QueryEngine } from '../src/query/engine.js';
import { Sidecar } from '../src/sidecar/sidecar.js';

const run = promisify(execFile);

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const CLIENTS = [1, 8];
const MODES = ['prepared', 'simple'] as const;
const TARGETS = ['postgres', 'sidecar', 'constant'] as const;
type Target = (typeof TARGETS)[number];
type Mode = (typeof MODES)[number];

interface Measurement {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU time of this Node process per transaction, µs (the sidecar / constant server's cost). */
  readonly nodeCpu: number;
}

function median<T>(xs: readonly T[], by: (x: T) => number): T {
  const s = [...xs].sort((a, b) => by(a) - by(b));
  return s[Math.floor(s.length / 2)]!;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function pgbench(conn: string, env: NodeJS.ProcessEnv, script: string, mode: Mode, clients: number, seconds: number, logDir: string): Promise<Measurement> {
  for (const f of readdirSync(logDir)) rmSync(path.join(logDir, f));
  const args = ['-n', '-M', mode, '-f', script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds)];
  args.push('--log', '--sampling-rate=0.1', `--log-prefix=${path.join(logDir, 'tx')}`, conn);
  const cpu0 = process.cpuUsage();
  const { stdout } = await run('/usr/bin/pgbench', args, { env: { ...process.env, ...env }, cwd: logDir, maxBuffer: 1 << 24 });
  const cpu = process.cpuUsage(cpu0);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  if (tps === null) throw new Error(`pgbench printed no tps:\n${stdout}`);
  if (failed !== null && failed[1] !== '0') throw new Error(`pgbench: ${failed[1]} failed transactions:\n${stdout}`);
  // Per-transaction log lines: client_id transaction_no time(µs) script_no time_epoch time_us
  const latencies: number[] = [];
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(path.join(logDir, f), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) latencies.push(Number(fields[2]));
    }
  }
  latencies.sort((a, b) => a - b);
  const nodeCpu = (cpu.user + cpu.system) / Math.max(1, Number(processed?.[1] ?? 1));
  return { tps: Number(tps[1]), p50: percentile(latencies, 50), p99: percentile(latencies, 99), nodeCpu };
}

/** µs per query of the engine alone: Statement.execute on a prepared statement, and prepare+execute of varying texts. */
function measureEngine(engine: QueryEngine): { prepared: number; simple: number } {
  const session: SessionState = { parameters: new Map([['timezone', 'UTC']]), txStatus: 'I', user: 'postgres', database: 'bench', processId: 1 };
  const ctx: ExecContext = { session, signal: new AbortController().signal, notice: () => undefined };
  const pull = (r: ExecResult | Promise<ExecResult>): void => {
    if (r instanceof Promise || r.kind !== 'rows') throw new Error('expected rows');
    while (r.rows.next().done !== true);
  };
  const n = 500_000;
  const [stmt] = engine.prepare('SELECT abalance FROM accounts WHERE aid = $1', [], session);
  const time = (fn: (i: number) => void): number => {
    for (let i = 0; i < n / 10; i++) fn(i); // warm up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    return ((performance.now() - t0) * 1000) / n;
  };
  const prepared = time((i) => pull(stmt!.execute(ctx, [String((i % ROWS) + 1)])));
  const simple = time((i) => pull(engine.prepare(`SELECT abalance FROM accounts WHERE aid = ${(i % ROWS) + 1};`, [], session)[0]!.execute(ctx, [])));
  return { prepared, simple };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'memstore-bench-read-'));
  chmodSync(work, 0o755);
  const logDir = path.join(work, 'logs');
  const script = path.join(work, 'select.sql');
  mkdirSync(logDir);
  writeFileSync(script, `\\set aid random(1, ${ROWS})\nSELECT abalance FROM accounts WHERE aid = :aid;\n`);

  process.stderr.write('starting PostgreSQL 17 …\n');
  const server = await startEmbedded({ dataDir: path.join(work, 'pg'), settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = server.url.replace(/\/postgres$/, '/bench');
  const primary = new pg.Client({ connectionString: url });
  await primary.connect();
  await primary.query(`CREATE TABLE accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84))`);
  await primary.query(`INSERT INTO accounts SELECT g, (g - 1) / 100000 + 1, 0, '' FROM generate_series(1, ${ROWS}) g`);
  await primary.query('VACUUM ANALYZE accounts');
  await primary.query('CREATE PUBLICATION memstore FOR TABLE accounts');

  process.stderr.write('starting the sidecar …\n');
  const sidecar = new Sidecar({ source: { url, applicationName: 'bench-read' }, publication: 'memstore', slot: 'bench_read', id: 'bench', log: silentLogger });
  await sidecar.start();
  const lsn = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
  await sidecar.follower.waiters.wait(parseLsn(lsn), 60_000);
  const engine = await QueryEngine.create(sidecar.store, { waiters: sidecar.follower.waiters, serverVersion: 'bench' });
  const wire = { host: '127.0.0.1', port: 0, maxConnections: 100, auth: { method: 'trust' as const } };
  const sidecarServer = new PgWireServer(engine, wire);
  const constantServer = new PgWireServer(new ConstantEngine(), wire);
  const sidecarPort = (await sidecarServer.listen()).port;
  const constantPort = (await constantServer.listen()).port;
  const pgPort = new URL(url).port;

  const targets: Record<Target, { conn: string; env: NodeJS.ProcessEnv }> = {
    postgres: { conn: `host=127.0.0.1 port=${pgPort} dbname=bench user=postgres`, env: { PGPASSWORD: 'postgres' } },
    sidecar: { conn: `host=127.0.0.1 port=${sidecarPort} dbname=bench user=postgres`, env: {} },
    constant: { conn: `host=127.0.0.1 port=${constantPort} dbname=bench user=postgres`, env: {} },
  };

  // Warm up every target (JIT, buffers, plan caches).
  for (const t of TARGETS) for (const mode of MODES) await pgbench(targets[t].conn, targets[t].env, script, mode, 2, 2, logDir);

  const results = new Map<string, Measurement[]>();
  for (let r = 0; r < REPEAT; r++) {
    for (const clients of CLIENTS) {
      for (const mode of MODES) {
        for (const t of TARGETS) {
          const m = await pgbench(targets[t].conn, targets[t].env, script, mode, clients, SECONDS, logDir);
          const key = `${mode}/${clients}/${t}`;
          results.set(key, [...(results.get(key) ?? []), m]);
          process.stderr.write(`run ${r + 1}/${REPEAT} ${key}: ${m.tps.toFixed(0)} tps, p50 ${m.p50} µs, p99 ${m.p99} µs, node cpu ${m.nodeCpu.toFixed(1)} µs/tx\n`);
        }
      }
    }
  }

  const cpus = os.cpus();
  const lines: string[] = [];
  lines.push(`### Point SELECT: sidecar vs PostgreSQL 17 vs pgwire ceiling (pgbench, ${SECONDS} s × median of ${REPEAT})`);
  lines.push('');
  lines.push(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, Node ${process.version}. pgbench, PostgreSQL's backends and the Node process ` +
      `(sidecar and constant servers, one thread) share these ${cpus.length} cores. ${ROWS} rows; ` +
      'latency = pgbench per-transaction log (--log, 10% sample) of the median run, in µs.',
  );
  lines.push('');
  lines.push(
    '| mode | clients | PostgreSQL tps | sidecar tps | constant tps | sidecar ÷ PG | sidecar ÷ constant | p50 / p99 µs PG | p50 / p99 µs sidecar | p50 / p99 µs constant | server CPU µs/tx sidecar / constant |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const mode of MODES) {
    for (const clients of CLIENTS) {
      const m = (t: Target): Measurement => median(results.get(`${mode}/${clients}/${t}`)!, (x) => x.tps);
      const p = m('postgres');
      const s = m('sidecar');
      const c = m('constant');
      const lat = (x: Measurement): string => `${x.p50} / ${x.p99}`;
      lines.push(
        `| ${mode} | ${clients} | ${p.tps.toFixed(0)} | ${s.tps.toFixed(0)} | ${c.tps.toFixed(0)} | ${(s.tps / p.tps).toFixed(2)}× | ${(s.tps / c.tps).toFixed(2)} | ${lat(p)} | ${lat(s)} | ${lat(c)} | ${s.nodeCpu.toFixed(1)} / ${c.nodeCpu.toFixed(1)} |`,
      );
    }
  }
  lines.push('');
  const engineOnly = measureEngine(engine);
  lines.push(
    `Engine alone (in process, no socket, same store): prepared point read ${engineOnly.prepared.toFixed(2)} µs, ` +
      `simple-protocol text (normalise + plan-cache hit + read) ${engineOnly.simple.toFixed(2)} µs per query.`,
  );
  lines.push('');
  lines.push('Command: `npm run bench:read` (each cell: `pgbench -n -M <mode> -f select.sql -c <clients> -j min(clients,2) -T ' + SECONDS + '`).');
  process.stdout.write(lines.join('\n') + '\n');

  await sidecarServer.close();
  await constantServer.close();
  await sidecar.stop();
  await primary.end();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

await main();
