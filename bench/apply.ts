/*
 * bench:apply — the sidecar's apply throughput against a no-op consumer of the same stream.
 *
 * One embedded PostgreSQL 17 (fsync off). For each scenario, 3 × (no-op, sidecar, library)
 * slots are created BEFORE the workload, so every slot holds exactly the same WAL; then each
 * consumer drains its own slot from START_REPLICATION to the last commit, the order rotated per
 * round (whoever reads fresh WAL first warms caches for the others). Reported: median changes/s
 * per consumer and the ratio sidecar ÷ no-op (target ≥ 0.9). Timings include connecting: the
 * sidecar's also include its start-up checks of the source (one more connection and a few
 * catalog queries).
 *
 *   no-op    this project's ReplicationStream; looks only at the message tag to find the end
 *   sidecar  the Follower: ReplicationStream → pgoutput decoder → Applier → Store (radix trees)
 *   library  pg-logical-replication 2.5.0 with its own pgoutput parser, manual acks (reference)
 *   +log     the sidecar with the change log on (records written, group fdatasync): ratio to sidecar
 *
 * Then two measurements of the change log with a whole Sidecar (dumps every 60 s, the default):
 * the WAL the slot holds (pg_wal_lsn_diff(current, confirmed_flush), sampled every 50 ms) under
 * about 5k transactions/s, and the peak RSS of this process (the kernel's VmHWM, reset first)
 * while a 1M-row INSERT and then a 1M-row DELETE are applied, against the store's own bytes.
 *
 * MEMSTORE_BENCH_ONLY=generated: only the apply cost of generated columns (generatedCost).
 *
 * Run: npm run bench:apply   (MEMSTORE_BENCH_ONLY=rss: only the RSS part, in a fresh process)
 */
import { mkdtempSync, chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { silentLogger } from '../src/log.js';
import { parseLsn, type Lsn } from '../src/lsn.js';
import { startEmbedded } from '../src/pg/embedded.js';
import { ReplicationStream } from '../src/replication/stream.js';
import { publishedTables } from '../src/replication/table-copy.js';
import { Follower } from '../src/sidecar/follower.js';
import { RadixTree } from '../src/store/art.js';
import { Store } from '../src/store/store.js';
import { ChangeLog } from '../src/snapshot/change-log.js';
import { Sidecar } from '../src/sidecar/sidecar.js';
import { compileGenerated } from '../src/sidecar/generated-columns.js';
import { loadParser } from '../src/query/parse.js';

const REPEAT = 3;

interface Scenario {
  readonly name: string;
  readonly changes: number;
  readonly run: (c: pg.Client) => Promise<void>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'one 100k-row transaction',
    changes: 100_000,
    run: async (c) => {
      await c.query(`INSERT INTO bench SELECT g, 'name-' || g, g % 1000, repeat(md5(g::text), 2) FROM generate_series(1, 100000) g`);
    },
  },
  {
    name: '10k transactions × 10 rows',
    changes: 100_000,
    run: async (c) => {
      // One round trip per 100 transactions keeps the client from being the bottleneck.
      for (let b = 0; b < 100; b++) {
        const parts: string[] = [];
        for (let t = 0; t < 100; t++) {
          const base = 1_000_000 + (b * 100 + t) * 10;
          parts.push(`BEGIN; INSERT INTO bench SELECT g, 'name-' || g, g % 1000, repeat(md5(g::text), 2) FROM generate_series(${base}, ${base + 9}) g; COMMIT;`);
        }
        await c.query(parts.join('\n'));
      }
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function noop(url: string, slot: string, endLsn: Lsn, startLsn: Lsn): Promise<number> {
  const t0 = performance.now();
  let ms = 0;
  let stream: ReplicationStream | undefined;
  await new Promise<void>((resolve, reject) => {
    // Report the slot's start until the first commit, as the sidecar does (its applied LSN):
    // a consumer that reports 0 is a different conversation for the walsender.
    let last = startLsn;
    stream = new ReplicationStream({
      source: { url },
      slot,
      publication: 'bench',
      startLsn,
      consumer: {
        onXLogData(m) {
          if (m.data[0] === 0x43 /* C */) {
            last = new DataView(m.data.buffer, m.data.byteOffset).getBigUint64(10);
            if (last >= endLsn && ms === 0) {
              ms = performance.now() - t0; // stopping is not part of draining
              resolve();
            }
          }
        },
        onKeepalive() {},
        positions: () => ({ write: last, flush: last }),
      },
    });
    stream.start().catch(reject);
  });
  await stream?.stop();
  return ms;
}

async function sidecar(url: string, slot: string, endLsn: Lsn, startLsn: Lsn, logDir?: string, publication = 'bench', table = 'bench'): Promise<number> {
  const store = new Store(() => new RadixTree());
  // As the Sidecar does: tables with generated columns are computed with the query layer.
  await loadParser();
  store.generatedCompiler = (t) => compileGenerated(store, t);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const t of await publishedTables(c, publication)) store.createTable(t.relation, t.keyOrder);
  await c.end();
  store.appliedLsn = startLsn;
  let changeLog: ChangeLog | undefined;
  if (logDir) {
    rmSync(logDir, { recursive: true, force: true });
    changeLog = new ChangeLog({ dir: logDir, log: silentLogger });
    await changeLog.load();
  }
  const t0 = performance.now();
  const f = new Follower({ source: { url }, slot, publication, store, log: silentLogger, resume: true, ...(changeLog ? { changeLog, flushMode: 'durable' as const } : {}) });
  await f.start();
  await f.waiters.wait(endLsn, 120_000);
  const ms = performance.now() - t0;
  await f.stop();
  await changeLog?.close();
  const state = store.tableByName('public', table)!;
  const rows = state.rows.size;
  if (rows !== 100_000) throw new Error(`sidecar applied ${rows} rows of ${table}, expected 100000 (${state.status} ${state.reason})`);
  return ms;
}

async function library(url: string, slot: string, endLsn: Lsn): Promise<number> {
  const service = new LogicalReplicationService({ connectionString: url }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
  const plugin = new PgoutputPlugin({ protoVersion: 4 as 2, publicationNames: ['bench'], messages: true });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    service.on('data', (_lsn: string, msg: { tag: string; commitEndLsn?: string }) => {
      if (msg.tag === 'commit' && msg.commitEndLsn && parseLsn(msg.commitEndLsn) >= endLsn) resolve();
    });
    service.on('error', reject);
    service.subscribe(plugin, slot).catch(reject);
  });
  const ms = performance.now() - t0;
  await service.stop();
  return ms;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-bench-'));
  chmodSync(dir, 0o755);
  const server = await startEmbedded({ dataDir: path.join(dir, 'pg'), settings: { fsync: 'off' } });
  const url = server.url;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const results: string[] = [];
  const extra: string[] = [];
  try {
    await c.query(`CREATE TABLE bench (id int8 PRIMARY KEY, name text, score int, payload text); CREATE PUBLICATION bench FOR TABLE bench`);
    // MEMSTORE_BENCH_ONLY=rss: only the 1M-row transaction, in a fresh process (its absolute peak
    // RSS is then not inflated by the scenarios before it).
    const rssOnly = process.env.MEMSTORE_BENCH_ONLY === 'rss';
    // MEMSTORE_BENCH_ONLY=generated: only the cost of generated columns at apply.
    if (process.env.MEMSTORE_BENCH_ONLY === 'generated') {
      console.log(await generatedCost(url, c));
      return;
    }
    for (const [si, scenario] of rssOnly ? [] : SCENARIOS.entries()) {
      await c.query('TRUNCATE bench');
      const slots = { noop: [] as string[], sidecar: [] as string[], library: [] as string[], logged: [] as string[] };
      const starts: Record<string, Lsn> = {};
      for (let r = 0; r < REPEAT; r++) {
        for (const kind of ['noop', 'sidecar', 'library', 'logged'] as const) {
          const name = `b${si}_${kind}_${r}`;
          const res = await c.query<{ lsn: string }>(`SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [name]);
          starts[name] = parseLsn(res.rows[0]!.lsn);
          slots[kind].push(name);
        }
      }
      await scenario.run(c);
      // The last commit's end LSN (the SQL interface reports a commit at its end LSN); the
      // current insert position may lie past it, which a consumer only reaches at a keepalive.
      const endCommit = parseLsn(
        (
          await c.query<{ lsn: string }>(
            `SELECT max(lsn)::text AS lsn FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', 'bench')`,
            [slots.noop[0]],
          )
        ).rows[0]!.lsn,
      );
      const times = { noop: [] as number[], sidecar: [] as number[], library: [] as number[], logged: [] as number[] };
      // The first consumer of fresh WAL warms caches for the others: rotate who goes first.
      const runs: Record<'noop' | 'sidecar' | 'library' | 'logged', (r: number) => Promise<number>> = {
        noop: (r) => noop(url, slots.noop[r]!, endCommit, starts[slots.noop[r]!]!),
        sidecar: (r) => sidecar(url, slots.sidecar[r]!, endCommit, starts[slots.sidecar[r]!]!),
        library: (r) => library(url, slots.library[r]!, endCommit),
        logged: (r) => sidecar(url, slots.logged[r]!, endCommit, starts[slots.logged[r]!]!, path.join(dir, 'log')),
      };
      const order = ['noop', 'sidecar', 'library', 'logged'] as const;
      for (let r = 0; r < REPEAT; r++) {
        for (let i = 0; i < order.length; i++) {
          const kind = order[(i + r) % order.length]!;
          times[kind].push(await runs[kind](r));
        }
      }
      const rate = (ms: number): number => scenario.changes / (ms / 1000);
      const m = { noop: rate(median(times.noop)), sidecar: rate(median(times.sidecar)), library: rate(median(times.library)), logged: rate(median(times.logged)) };
      console.log(`| ${scenario.name} | … (partial) | log on ÷ off ${(m.logged / m.sidecar).toFixed(2)}, sidecar ÷ no-op ${(m.sidecar / m.noop).toFixed(2)}`);
      results.push(
        `| ${scenario.name} | ${Math.round(m.noop).toLocaleString('en')} | ${Math.round(m.sidecar).toLocaleString('en')} | ${Math.round(m.library).toLocaleString('en')} | **${(m.sidecar / m.noop).toFixed(2)}** | ${Math.round(m.logged).toLocaleString('en')} | **${(m.logged / m.sidecar).toFixed(2)}** |`,
      );
      for (const name of [...slots.noop, ...slots.sidecar, ...slots.library, ...slots.logged]) await c.query('SELECT pg_drop_replication_slot($1)', [name]);
    }
    if (!rssOnly) {
      await c.query('TRUNCATE bench');
      extra.push(await walHeld(url, c, dir));
      console.log(extra.at(-1));
    }
    await c.query('TRUNCATE bench');
    extra.push(await bigTransactionRss(url, c, dir));
    console.log(extra.at(-1));
  } finally {
    await c.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nbench:apply — median of ${REPEAT} runs, changes/s (each consumer drains its own slot holding the same WAL)\n`);
  console.log('| scenario | no-op consumer | sidecar (decode + apply) | pg-logical-replication | sidecar ÷ no-op | sidecar + change log | log on ÷ off |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const line of results) console.log(line);
  console.log('');
  for (const line of extra) console.log(line);
}

/**
 * The apply cost of generated columns: one 100k-row transaction into `bench` and into the same
 * table with two generated columns (score * 2, upper(name)), each drained by the sidecar alone
 * from its own slot, REPEAT rounds alternating; median changes/s of each.
 */
async function generatedCost(url: string, c: pg.Client): Promise<string> {
  await c.query(`CREATE TABLE bench_gen (id int8 PRIMARY KEY, name text, score int, payload text,
                   twice int GENERATED ALWAYS AS (score * 2) STORED, shout text GENERATED ALWAYS AS (upper(name)) STORED);
                 CREATE PUBLICATION bench_gen FOR TABLE bench_gen`);
  const runs: Record<string, number[]> = { bench: [], bench_gen: [] };
  for (let r = 0; r < REPEAT; r++) {
    for (const table of ['bench', 'bench_gen'] as const) {
      await c.query(`TRUNCATE ${table}`);
      const slot = `g_${table}_${r}`;
      const start = parseLsn((await c.query<{ lsn: string }>(`SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [slot])).rows[0]!.lsn);
      await c.query(`INSERT INTO ${table} SELECT g, 'name-' || g, g % 1000, repeat(md5(g::text), 2) FROM generate_series(1, 100000) g`);
      const end = parseLsn(
        (await c.query<{ lsn: string }>(`SELECT max(lsn)::text AS lsn FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`, [slot, table])).rows[0]!.lsn,
      );
      runs[table]!.push(await sidecar(url, slot, end, start, undefined, table, table));
      await dropWhenInactive(c, slot);
    }
  }
  const rate = (xs: number[]): number => 100_000 / (median(xs) / 1000);
  const plain = rate(runs.bench!);
  const gen = rate(runs.bench_gen!);
  return `generated columns, one 100k-row transaction (sidecar decode + apply, median of ${REPEAT}): without ${Math.round(plain).toLocaleString('en')} changes/s, with two generated columns ${Math.round(gen).toLocaleString('en')} changes/s (${(gen / plain).toFixed(2)})`;
}

/** The walsender of a stopped sidecar may take a moment to exit. */
async function dropWhenInactive(c: pg.Client, slot: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await c.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (!r.rows[0]?.active || Date.now() > deadline) break;
    await new Promise((r2) => setTimeout(r2, 50));
  }
  await c.query('SELECT pg_drop_replication_slot($1)', [slot]);
}

function benchSidecar(url: string, dir: string, slot: string, snapshotInterval = 60): Sidecar {
  rmSync(path.join(dir, slot), { recursive: true, force: true });
  return new Sidecar({ source: { url }, publication: 'bench', slot, id: slot, log: silentLogger, dataDir: path.join(dir, slot), snapshotInterval, slotCheck: false, forgeryCheckIntervalMs: 0 });
}

/** WAL held by the slot (current − confirmed flush) under ~5k single-row transactions/s for 10 s. */
async function walHeld(url: string, c: pg.Client, dir: string): Promise<string> {
  const s = benchSidecar(url, dir, 'bench_wal');
  await s.start();
  const samples: number[] = [];
  let stop = false;
  const sampler = (async () => {
    const q = new pg.Client({ connectionString: url });
    await q.connect();
    while (!stop) {
      const r = await q.query<{ held: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS held FROM pg_replication_slots WHERE slot_name = 'bench_wal'`);
      samples.push(Number(r.rows[0]!.held));
      await new Promise((r2) => setTimeout(r2, 50));
    }
    await q.end();
  })();
  const t0 = performance.now();
  let tx = 0;
  while (performance.now() - t0 < 10_000) {
    const parts: string[] = [];
    for (let i = 0; i < 100; i++, tx++) parts.push(`INSERT INTO bench VALUES (${tx % 200_000}, 'n', ${tx}, md5('${tx}')) ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score;`);
    await c.query(parts.join('\n'));
    const ahead = tx / 5 - (performance.now() - t0); // ms ahead of 5k tx/s
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
  const secs = (performance.now() - t0) / 1000;
  stop = true;
  await sampler;
  await s.stop();
  await dropWhenInactive(c, 'bench_wal');
  const sorted = samples.sort((a, b) => a - b);
  const mb = (x: number): string => (x / 1e6).toFixed(2);
  return `WAL held by the slot at ${Math.round(tx / secs).toLocaleString('en')} tx/s for ${secs.toFixed(0)} s (${samples.length} samples): median ${mb(sorted[Math.floor(sorted.length / 2)]!)} MB, p99 ${mb(sorted[Math.floor(sorted.length * 0.99)]!)} MB, max ${mb(sorted.at(-1)!)} MB`;
}

/** VmHWM of this process (peak resident bytes since the last reset), from the kernel. */
function rssHighWater(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where that is not possible. */
function resetHighWater(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

interface Breakdown {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Peak RSS while `action` runs (the sidecar applies one transaction, or dumps). The commit-time
 * apply is one synchronous step that no timer can sample, so the peak is the kernel's high-water
 * mark (VmHWM, reset first); the process.memoryUsage() samples (every 20 ms, the one with the
 * highest RSS) show what the memory was while the transaction arrived, and `after` right after
 * the action, before any forced GC.
 */
async function measure(s: Sidecar, action: () => Promise<void>): Promise<{ peak: number; before: number; start: Breakdown; sampled: Breakdown; after: Breakdown; storeBefore: number; storeAfter: number; ms: number }> {
  global.gc?.();
  const storeBefore = s.store.memoryUsage();
  const canReset = resetHighWater();
  const start = process.memoryUsage();
  const before = start.rss;
  let sampled: Breakdown = { ...process.memoryUsage() };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > sampled.rss) sampled = { ...m };
  }, 20);
  const t0 = performance.now();
  await action();
  const ms = performance.now() - t0;
  clearInterval(timer);
  const after: Breakdown = { ...process.memoryUsage() };
  // Without a resettable high-water mark the figure includes whatever came before.
  const peak = canReset ? rssHighWater() : Math.max(sampled.rss, after.rss);
  return { peak, before, start: { ...start }, sampled, after, storeBefore, storeAfter: s.store.memoryUsage(), ms };
}

/**
 * Peak RSS of this process while the sidecar applies one 1M-row INSERT (it spills past
 * --txn-memory-limit), dumps, then applies one DELETE of those 1M rows. The bound is 2 × the
 * store's bytes + 150 MB, with the store's larger size of before/after each step.
 */
async function bigTransactionRss(url: string, c: pg.Client, dir: string): Promise<string> {
  // The dump is measured as a step of its own: a periodic one (60 s by default) would fall into
  // whichever step is running on a loaded machine, the DELETE's server-side part included (no
  // transaction is being received then, so nothing defers it), and add its clone to that step.
  const s = benchSidecar(url, dir, 'bench_rss', 3600);
  await s.start();
  const mb = (x: number): string => (x / 1e6).toFixed(0);
  const lines: string[] = [];
  const applied = (sql: string) => async (): Promise<void> => {
    await c.query(sql);
    const end = (await c.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
    await s.follower.waiters.wait(parseLsn(end), 600_000);
  };
  // The dump: a periodic one may fire right after a big transaction; it clones the trees.
  const cases: [string, () => Promise<void>][] = [
    ['1M-row INSERT', applied(`INSERT INTO bench SELECT g, 'name-' || g, g % 1000, repeat(md5(g::text), 2) FROM generate_series(1, 1000000) g`)],
    [
      'dump of those 1M rows',
      async () => {
        const d = await s.snapshotter!.dump('bench');
        lines.push(`dump: clone (the pause for readers and the stream) ${d.pauseMs.toFixed(0)} ms, writing ${(d.writeMs / 1000).toFixed(1)} s`);
      },
    ],
    ['1M-row DELETE', applied('DELETE FROM bench')],
  ];
  for (const [name, action] of cases) {
    const spilledBefore = s.follower.spilledTransactions;
    const r = await measure(s, action);
    const store = Math.max(r.storeBefore, r.storeAfter);
    const bound = 2 * store + 150e6;
    const b = (x: Breakdown): string => `rss ${mb(x.rss)}, heap ${mb(x.heapUsed)}, external ${mb(x.external)} (array buffers ${mb(x.arrayBuffers)})`;
    lines.push(
      `${name}: peak RSS ${mb(r.peak)} MB (${mb(r.before)} MB before), store ${mb(r.storeBefore)} → ${mb(r.storeAfter)} MB, ` +
        `bound 2 × ${mb(store)} + 150 = ${mb(bound)} MB: ${r.peak <= bound ? 'met' : 'NOT met'}; ${(r.ms / 1000).toFixed(1)} s; spilled: ${s.follower.spilledTransactions - spilledBefore}\n` +
        `  at the start: ${b(r.start)}; highest sample during: ${b(r.sampled)}; right after: ${b(r.after)} (MB)`,
    );
  }
  await s.stop();
  await dropWhenInactive(c, 'bench_rss');
  return lines.join('\n');
}

await main();
