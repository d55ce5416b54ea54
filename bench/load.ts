/*
 * bench:load — the sidecar under load: LOAD_READERS (1,000) reader connections held open, each
 * doing paced point reads, while pgbench commits LOAD_TPS (5,000) single-row UPDATE
 * transactions per second on the primary, for LOAD_SECONDS (30) seconds.
 *
 *   primary   embedded PostgreSQL 17 (src/pg/embedded.ts), fsync=off, 100k-row table
 *   sidecar   the real `memstore-sidecar` process (src/cli/main.ts under tsx), its own process so
 *             its RSS and CPU are its own: --max-connections 1100, --snapshot-interval 0
 *   writers   pgbench -R LOAD_TPS -c 8 -j 2 (UPDATE … WHERE k = random; each one transaction)
 *   readers   LOAD_READERS node-postgres connections on LOAD_READER_THREADS (2) worker threads of
 *             this process, each reading `SELECT v, n FROM load_kv WHERE k = $1` (prepared) every
 *             LOAD_READERS/LOAD_READS ms (5,000 reads/s in all by default)
 *
 * Reported:
 *   - sidecar RSS: sampled every second from /proc (max and at the end), and its CPU share;
 *   - read latency p50/p99/max as the readers see it (includes this process' own queueing);
 *   - commit→visible lag, two ways:
 *       server-side: every 10 ms, memstore.stats() seconds_since_last_commit, i.e. now minus the
 *         commit time of the newest applied transaction — with a commit every 0.2 ms, this is the
 *         apply lag at 1 ms resolution (PostgreSQL's commit timestamp → applied and readable);
 *       read-your-writes: every 20 ms, a probe UPDATE commits on the primary (t0 = COMMIT
 *         returned), then memstore.current_lsn() on the primary and memstore.wait_lsn() on the
 *         sidecar; lag = when wait_lsn returned − t0 (one primary round trip more than the lag);
 *   - achieved transactions/s (pgbench) and applied transactions/s (the sidecar's counters);
 *   - the sidecar's connections to the primary during the run (walsender only, expected);
 *   - why its tail is what it is: its event-loop delay and GC time (its own /metrics), and the
 *     share of the run its main thread spent ready but waiting for a core (/proc/<pid>/schedstat).
 *
 * Run: npx tsx bench/load.ts   (LOAD_SECONDS=10 LOAD_READERS=200 for a quick look)
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { startEmbedded } from '../src/pg/embedded.js';
import { installSql } from '../src/sidecar/embedded-source.js';

const run = promisify(execFile);

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const READERS = Number(process.env.LOAD_READERS ?? 1000);
const READS_PER_S = Number(process.env.LOAD_READS ?? 5000);
const TPS = Number(process.env.LOAD_TPS ?? 5000);
const ROWS = Number(process.env.LOAD_ROWS ?? 100_000);
const THREADS = Number(process.env.LOAD_READER_THREADS ?? 2);

function pct(xs: Float64Array | number[], p: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** ns the process' main thread has waited on a run queue (ready, not running): CPU contention. */
function runQueueWaitNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
}

function procStat(pid: number): { rssKb: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKb, cpuTicks: Number(fields[11]) + Number(fields[12]) }; // utime + stime
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-load-'));
  chmodSync(dir, 0o755);
  const server = await startEmbedded({
    dataDir: path.join(dir, 'pg'),
    settings: { fsync: 'off', full_page_writes: 'off', max_connections: '50', wal_sender_timeout: '60s' },
    onLog: (line) => { if (process.env.LOAD_PG_LOG) process.stderr.write(`pg: ${line}\n`); },
  });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const admin = new pg.Client({ connectionString: server.url });
    admin.on('error', () => undefined); // the server stops under it in `finally` after a failure
    await admin.connect();
    await installSql(admin);
    await admin.query(`CREATE TABLE load_kv (k int PRIMARY KEY, v text NOT NULL, n int8 NOT NULL DEFAULT 0, at timestamptz);
      INSERT INTO load_kv (k, v) SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE probe (id int PRIMARY KEY, at timestamptz);
      INSERT INTO probe VALUES (1, now());
      CREATE PUBLICATION memstore FOR TABLE load_kv, probe;`);
    await admin.query('VACUUM ANALYZE load_kv');

    // The sidecar, as an operator runs it.
    const sidecarId = 'load';
    child = spawn(
      process.execPath,
      // LOAD_NODE_ARGS: extra node flags for the sidecar (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
      [...(process.env.LOAD_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'src/cli/main.ts', '--source', server.url, '--id', sidecarId, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0',
        '--max-connections', String(READERS + 100), '--snapshot-interval', '0', '--data-dir', dir, '--log-format', 'json', '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: string[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(...d.toString().split('\n')));
    child.stderr!.on('data', (d: Buffer) => out.push(...d.toString().split('\n')));
    const deadline = Date.now() + 120_000;
    let port = 0;
    while (port === 0) {
      const line = out.find((l) => l.includes('sidecar (read here)'));
      if (line) port = Number(/:(\d+)\//.exec(line)![1]);
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the sidecar did not start:\n${out.join('\n')}`);
      await sleep(50);
    }
    const pid = child.pid!;
    const httpLine = out.find((l) => l.includes('health and metrics:'));
    const metricsUrl = httpLine ? `${/(http:\/\/[^/ ]+)/.exec(httpLine)![1]}/metrics` : undefined;
    /** The sidecar's event-loop delay since the previous scrape (prom-client resets it) and GC seconds so far. */
    const scrape = async (): Promise<{ loopP50: number; loopP99: number; loopMax: number; gc: Record<string, number> } | undefined> => {
      if (!metricsUrl) return undefined;
      const text = await (await fetch(metricsUrl)).text();
      const num = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
      const gc: Record<string, number> = {};
      for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} ([0-9.e+-]+)$/gm)) gc[m[1]!] = Number(m[2]) * 1000;
      return { loopP50: num('nodejs_eventloop_lag_p50_seconds'), loopP99: num('nodejs_eventloop_lag_p99_seconds'), loopMax: num('nodejs_eventloop_lag_max_seconds'), gc };
    };
    const sidecarConn = { host: '127.0.0.1', port, user: 'bench', database: 'postgres' };
    const rssAtStart = procStat(pid).rssKb;

    // Hold READERS connections, spread over reader threads (so this process' own event loop —
    // the samplers below — is not what slows the readers, nor the other way round).
    const t0 = performance.now();
    const workers = Array.from({ length: THREADS }, (_, w) => {
      const n = Math.floor(READERS / THREADS) + (w < READERS % THREADS ? 1 : 0);
      // The thread loads this same file; tsx must be registered in it first (loaders are per thread).
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      return new Worker(boot, { eval: true, workerData: { conn: sidecarConn, n, intervalMs: (READERS / READS_PER_S) * 1000, rows: ROWS } satisfies ReaderJob });
    });
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', (m: { connected?: true }) => (m.connected ? resolve() : reject(new Error('reader thread failed'))));
      w.once('error', reject);
    })));
    const connectSeconds = (performance.now() - t0) / 1000;
    const rssWithReaders = procStat(pid).rssKb;

    // Samplers: RSS, server-side lag, read-your-writes probe, the sidecar's backends on the primary.
    let running = true;
    const rss: number[] = [];
    const stats = new pg.Client(sidecarConn);
    await stats.connect();
    const statsOf = async (): Promise<{ transactions: number; seconds_since_last_commit: number | null; connections: number }> =>
      (await stats.query<{ s: { transactions: number; seconds_since_last_commit: number | null; connections: number } }>('SELECT memstore.stats() AS s')).rows[0]!.s;
    const serverLag: number[] = [];
    let maxConnections = 0;
    const probeLag: number[] = [];
    const backends: string[] = [];
    const writerProbe = new pg.Client({ connectionString: server.url });
    await writerProbe.connect();
    const probeReader = new pg.Client(sidecarConn);
    await probeReader.connect();

    const pgbenchScript = path.join(dir, 'update.sql');
    writeFileSync(pgbenchScript, `\\set k random(1, ${ROWS})\nUPDATE load_kv SET n = n + 1, at = clock_timestamp() WHERE k = :k;\n`);
    const loadBefore = os.loadavg()[0]!;
    const metricsBefore = await scrape();
    const waitBefore = runQueueWaitNs(pid);
    const before = await statsOf();
    const cpuBefore = procStat(pid).cpuTicks;
    const wallBefore = performance.now();
    const u = new URL(server.url);
    const bench = run('/usr/bin/pgbench', ['-n', '-R', String(TPS), '-c', '8', '-j', '2', '-T', String(SECONDS), '-f', pgbenchScript, '-P', '5', u.pathname.slice(1) || 'postgres'], {
      env: { ...process.env, PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password) },
      maxBuffer: 1 << 24,
    });

    for (const w of workers) w.postMessage('go');
    const samplers = [
      (async () => {
        while (running) {
          rss.push(procStat(pid).rssKb);
          const r = await admin.query<{ app: string; backend_type: string }>(
            `SELECT application_name AS app, backend_type FROM pg_stat_activity WHERE application_name LIKE 'memstore ${sidecarId}%'`,
          );
          backends.push(r.rows.map((x) => `${x.backend_type}`).sort().join('+'));
          await sleep(1000);
        }
      })(),
      (async () => {
        await sleep(1000); // the writers are up to speed
        while (running) {
          const s = await statsOf();
          if (s.seconds_since_last_commit !== null) serverLag.push(s.seconds_since_last_commit * 1000);
          maxConnections = Math.max(maxConnections, s.connections);
          await sleep(10);
        }
      })(),
      (async () => {
        await sleep(1000);
        while (running) {
          await writerProbe.query('UPDATE probe SET at = clock_timestamp() WHERE id = 1');
          const committed = performance.now();
          const token = (await writerProbe.query<{ lsn: string }>('SELECT memstore.current_lsn()::text AS lsn')).rows[0]!.lsn;
          await probeReader.query('SELECT memstore.wait_lsn($1::text, 10000)', [token]);
          probeLag.push(performance.now() - committed);
          await sleep(20);
        }
      })(),
    ];

    const { stdout } = await bench;
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const cpuTicks = procStat(pid).cpuTicks - cpuBefore;
    const metricsAfter = await scrape();
    const waitedMs = (runQueueWaitNs(pid) - waitBefore) / 1e6;
    running = false;
    const results = await Promise.all(workers.map((w) => new Promise<{ latencies: Float64Array; errors: number }>((resolve) => {
      w.once('message', resolve);
      w.postMessage('stop');
    })));
    await Promise.all(samplers);
    await Promise.all(workers.map((w) => w.terminate()));
    const readLatency = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
    let off = 0;
    for (const r of results) {
      readLatency.set(r.latencies, off);
      off += r.latencies.length;
    }
    const readErrors = results.reduce((n, r) => n + r.errors, 0);
    const after = await statsOf();
    const rssEnd = procStat(pid).rssKb;

    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? NaN);
    const scheduleLag = /rate limit schedule lag: avg ([\d.]+) \(max ([\d.]+)\) ms/.exec(stdout);
    const applied = after.transactions - before.transactions;
    const ticksPerSecond = 100; // CLK_TCK on Linux
    const result = {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      seconds: SECONDS,
      load_average_1m_before_after: [+loadBefore.toFixed(1), +os.loadavg()[0]!.toFixed(1)],
      readers: READERS,
      reader_threads: THREADS,
      reader_connect_seconds: +connectSeconds.toFixed(2),
      reads: readLatency.length,
      reads_per_s: Math.round(readLatency.length / wallSeconds),
      read_errors: readErrors,
      read_ms: { p50: +pct(readLatency, 50).toFixed(2), p99: +pct(readLatency, 99).toFixed(2), max: +pct(readLatency, 100).toFixed(1) },
      target_tps: TPS,
      pgbench_tps: Math.round(tps),
      pgbench_transactions: processed,
      pgbench_schedule_lag_ms: scheduleLag ? { avg: Number(scheduleLag[1]), max: Number(scheduleLag[2]) } : null,
      sidecar_applied_per_s: Math.round(applied / wallSeconds),
      lag_server_ms: { samples: serverLag.length, p50: pct(serverLag, 50), p99: pct(serverLag, 99), max: pct(serverLag, 100) },
      lag_read_your_writes_ms: { samples: probeLag.length, p50: +pct(probeLag, 50).toFixed(2), p99: +pct(probeLag, 99).toFixed(2), max: +pct(probeLag, 100).toFixed(1) },
      sidecar_rss_mb: { start: Math.round(rssAtStart / 1024), with_readers: Math.round(rssWithReaders / 1024), max: Math.round(Math.max(...rss) / 1024), end: Math.round(rssEnd / 1024) },
      sidecar_cpu_percent_of_one_core: Math.round((cpuTicks / ticksPerSecond / wallSeconds) * 100),
      sidecar_connections_max: maxConnections,
      sidecar_main_thread_runqueue_wait_percent: +((waitedMs / 1000 / wallSeconds) * 100).toFixed(1),
      sidecar_event_loop_delay_ms: metricsAfter
        ? { p50: +metricsAfter.loopP50.toFixed(2), p99: +metricsAfter.loopP99.toFixed(2), max: +metricsAfter.loopMax.toFixed(1) }
        : null,
      sidecar_gc_ms_per_s: metricsBefore && metricsAfter
        ? Object.fromEntries(Object.entries(metricsAfter.gc).map(([k, v]) => [k, +((v - (metricsBefore.gc[k] ?? 0)) / wallSeconds).toFixed(1)]))
        : null,
      sidecar_rss_mb_per_5s: rss.filter((_, i) => i % 5 === 0).map((kb) => Math.round(kb / 1024)),
      sidecar_backends_on_primary: [...new Set(backends)],
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      [
        `| readers | reads/s | read p50 / p99 (ms) | target tx/s | pgbench tx/s | applied tx/s | lag p50 / p99 / max, server-side (ms) | lag p50 / p99, read-your-writes (ms) | sidecar RSS max | sidecar CPU |`,
        `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
        `| ${READERS} | ${result.reads_per_s} | ${result.read_ms.p50} / ${result.read_ms.p99} | ${TPS} | ${result.pgbench_tps} | ${result.sidecar_applied_per_s} | ${result.lag_server_ms.p50} / ${result.lag_server_ms.p99} / ${result.lag_server_ms.max} | ${result.lag_read_your_writes_ms.p50} / ${result.lag_read_your_writes_ms.p99} | ${result.sidecar_rss_mb.max} MB | ${result.sidecar_cpu_percent_of_one_core} % |`,
      ].join('\n'),
    );
    await Promise.all([stats, probeReader].map((c) => c.end().catch(() => undefined)));
    await writerProbe.end();
    await admin.end();
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ReaderJob {
  readonly conn: pg.ClientConfig;
  readonly n: number;
  readonly intervalMs: number;
  readonly rows: number;
}

/** A reader thread: n connections, each a paced loop of point reads, from 'go' to 'stop'. */
async function readerThread(job: ReaderJob): Promise<void> {
  const port = parentPort!;
  const clients: pg.Client[] = [];
  for (let i = 0; i < job.n; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(50, job.n - i) }, async () => {
      const c = new pg.Client(job.conn);
      await c.connect();
      return c;
    }))));
  }
  let running = true;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let errors = 0;
  const go = new Promise<void>((resolve) => port.on('message', (m) => {
    if (m === 'go') resolve();
    if (m === 'stop') running = false;
  }));
  port.postMessage({ connected: true });
  await go;
  await Promise.all(clients.map(async (c) => {
    await sleep(Math.random() * job.intervalMs);
    let next = performance.now();
    while (running) {
      const start = performance.now();
      try {
        const r = await c.query({ name: 'point', text: 'SELECT v, n FROM load_kv WHERE k = $1', values: [1 + Math.floor(Math.random() * job.rows)] });
        if (r.rows.length !== 1) errors++;
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = performance.now() - start;
      } catch {
        errors++;
      }
      next += job.intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) next = performance.now(); // hopelessly behind: do not burst to catch up
    }
  }));
  const out = latencies.slice(0, count);
  port.postMessage({ latencies: out, errors }, [out.buffer]);
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  readerThread(workerData as ReaderJob).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
