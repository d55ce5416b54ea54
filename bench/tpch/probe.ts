/*
 * probe.ts — what a heavy query does to everything else the sidecar serves (issue #14: "a heavy
 * query never stalls the apply loop or other connections for more than a few milliseconds").
 *
 * For `seconds`, three things run at once, in the same way with and without the heavy query:
 *   writer   pgbench on the primary, `UPDATE bench_tick …` at a fixed rate (its own process);
 *   reader   pgbench on the sidecar, prepared point SELECTs by primary key at a fixed rate (its own
 *            process), latencies from its per-transaction log;
 *   lag      in the sidecar's process, each transaction the applier applies (it sets
 *            store.lastCommitTime) records now − its commit time on the primary.
 * The heavy query, when given, runs in a loop on a client of the sidecar: in the same process
 * (node-postgres; its parsing of a large result then shares the sidecar's event loop: reading a
 * socket takes up to 32 × 64 KiB in one turn), or in its own process (pgbench, no rate limit),
 * as a remote client would.
 *
 * Apply lag is the commit-to-applied delay PostgreSQL's commit timestamp allows measuring (same
 * machine, same clock): it includes the WAL flush and the walsender's send (the primary must run
 * with synchronous_commit on, or the walsender sends only what the WAL writer flushed, every
 * 200 ms), which the idle baseline shows. A transaction whose apply waits behind a stall counts
 * the stall. The event-loop delay (perf_hooks) of the process is reported beside it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type pg from 'pg';
import { unixMicrosFromPg } from '../../src/pg/time.js';
import { resetSliceStats, sliceStats } from '../../src/query/exec/slice-clock.js';
import type { Store } from '../../src/store/store.js';

const run = promisify(execFile);

export interface PgbenchTarget {
  /** libpq connection string. */
  readonly conn: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface ProbeResult {
  readonly readP50Us: number;
  readonly readP99Us: number;
  readonly readMaxUs: number;
  readonly reads: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly applied: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Statements' work slices between yields to the event loop (slice-clock.ts sliceStats). */
  readonly slices: number;
  readonly sliceMaxMs: number;
  /** Slices of 10 ms or more. */
  readonly longSlices: number;
  /**
   * Event-loop turns (setImmediate to setImmediate): p99 and max of the CPU time the process used
   * in one turn. Beside the wall-clock delay it tells work that did not yield (CPU) from the
   * process waiting for a core on a busy machine (wall only).
   */
  readonly turnCpuP99Ms: number;
  readonly turnCpuMaxMs: number;
  /** Heavy queries completed during the probe. */
  readonly heavyRuns: number;
  /** The heavy query's error, when it failed (the probe then ran without load from then on). */
  readonly heavyError: string | null;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function pgbench(t: PgbenchTarget, script: string, mode: 'simple' | 'prepared', rate: number, seconds: number, logDir: string | null): Promise<void> {
  const args = ['-n', '-M', mode, '-f', script, '-c', '1', '-R', String(rate), '-T', String(seconds)];
  if (logDir !== null) args.push('--log', `--log-prefix=${path.join(logDir, 'tx')}`);
  args.push(t.conn);
  const { stdout } = await run('/usr/bin/pgbench', args, { env: { ...process.env, ...t.env }, cwd: logDir ?? undefined, maxBuffer: 1 << 24 });
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  if (failed !== null && failed[1] !== '0') throw new Error(`pgbench: ${failed[1]} failed transactions:\n${stdout}`);
}

/** Runs `script` back to back for `seconds` (one client, no rate limit); returns how many ran. */
async function pgbenchLoop(t: PgbenchTarget, script: string, seconds: number): Promise<number> {
  const args = ['-n', '-M', 'simple', '-f', script, '-c', '1', '-T', String(seconds), t.conn];
  const { stdout } = await run('/usr/bin/pgbench', args, { env: { ...process.env, ...t.env }, maxBuffer: 1 << 24 });
  const n = /number of transactions actually processed: (\d+)/.exec(stdout);
  return n === null ? 0 : Number(n[1]);
}

/** Latencies (µs) from pgbench's per-transaction logs in `dir`. */
function latencies(dir: string): number[] {
  const out: number[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('tx')) continue;
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) out.push(Number(fields[2]));
    }
  }
  return out.sort((a, b) => a - b);
}

export interface ProbeSetup {
  readonly work: string;
  readonly primary: PgbenchTarget;
  readonly sidecar: PgbenchTarget;
  readonly store: Store;
  /** Customer keys 1..customers exist on both. */
  readonly customers: number;
  readonly seconds: number;
}

/** CPU milliseconds of each event-loop turn, measured from one setImmediate to the next. */
function turnMonitor(): { readonly cpuMs: number[]; stop(): void } {
  const cpuMs: number[] = [];
  let stopped = false;
  let last = process.cpuUsage();
  const tick = (): void => {
    const now = process.cpuUsage();
    cpuMs.push((now.user - last.user + now.system - last.system) / 1000);
    last = now;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    cpuMs,
    stop: () => {
      stopped = true;
    },
  };
}

/** The heavy query's loop: on a node-postgres client in this process, or pgbench in its own. */
export type HeavyLoad = { readonly client: pg.Client; readonly sql: string } | { readonly process: true; readonly sql: string };

/** One probe: with `heavy`, the query loops meanwhile. */
export async function probe(s: ProbeSetup, heavy: HeavyLoad | null): Promise<ProbeResult> {
  const dir = path.join(s.work, 'probe');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const writeSql = path.join(dir, 'write.sql');
  const readSql = path.join(dir, 'read.sql');
  writeFileSync(writeSql, 'UPDATE bench_tick SET v = v + 1 WHERE id = 1;\n');
  writeFileSync(readSql, `\\set k random(1, ${s.customers})\nSELECT c_name FROM customer WHERE c_custkey = :k;\n`);
  const readLogs = path.join(dir, 'reads');
  mkdirSync(readLogs);

  // Every commit the applier applies sets store.lastCommitTime: a setter on this instance sees
  // each one at the moment it is applied (bench only; the field is a plain data property).
  const lags: number[] = [];
  let commitTime = s.store.lastCommitTime;
  Object.defineProperty(s.store, 'lastCommitTime', {
    configurable: true,
    enumerable: true,
    get: () => commitTime,
    set: (t: bigint) => {
      commitTime = t;
      lags.push(Date.now() - unixMicrosFromPg(t) / 1000);
    },
  });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  resetSliceStats();
  const turns = turnMonitor();

  let heavyRuns = 0;
  let heavyError: string | null = null;
  let stop = false;
  const heavyLoop = (async () => {
    if (heavy === null) return;
    if ('process' in heavy) {
      const heavySql = path.join(dir, 'heavy.sql');
      writeFileSync(heavySql, heavy.sql.replace(/\s+/g, ' ').trim() + ';\n');
      try {
        heavyRuns = await pgbenchLoop(s.sidecar, heavySql, s.seconds);
      } catch (err) {
        heavyError = (err as Error).message.split('\n')[0] ?? 'pgbench failed';
      }
      return;
    }
    while (!stop) {
      try {
        await heavy.client.query(heavy.sql);
        heavyRuns++;
      } catch (err) {
        heavyError = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`;
        return;
      }
    }
  })();
  try {
    await Promise.all([pgbench(s.primary, writeSql, 'simple', 100, s.seconds, null), pgbench(s.sidecar, readSql, 'prepared', 200, s.seconds, readLogs)]);
  } finally {
    stop = true;
    await heavyLoop;
    Object.defineProperty(s.store, 'lastCommitTime', { configurable: true, enumerable: true, writable: true, value: commitTime });
    loop.disable();
    turns.stop();
  }
  const reads = latencies(readLogs);
  lags.sort((a, b) => a - b);
  return {
    readP50Us: percentile(reads, 50),
    readP99Us: percentile(reads, 99),
    readMaxUs: reads[reads.length - 1] ?? NaN,
    reads: reads.length,
    lagP50Ms: percentile(lags, 50),
    lagP99Ms: percentile(lags, 99),
    lagMaxMs: lags[lags.length - 1] ?? NaN,
    applied: lags.length,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    slices: sliceStats.slices,
    sliceMaxMs: sliceStats.maxMs,
    longSlices: sliceStats.long,
    turnCpuP99Ms: percentile(turns.cpuMs.sort((a, b) => a - b), 99),
    turnCpuMaxMs: turns.cpuMs[turns.cpuMs.length - 1] ?? NaN,
    heavyRuns,
    heavyError,
  };
}
