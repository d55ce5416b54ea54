/*
 * /metrics, /healthz and /readyz of a real sidecar following PostgreSQL 17: liveness during a
 * long initial copy, readiness that follows the stream (syncing, reconnecting, lagging), metrics
 * that match what was applied and queried, and the check of this project's inactive slots.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { assessReadiness, type HealthInput } from '../../src/sidecar/health.js';
import { METRIC_NAMES, SidecarMetrics } from '../../src/sidecar/metrics.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { SlotWatch } from '../../src/sidecar/slot-watch.js';
import { Store } from '../../src/store/store.js';
import { RadixTree } from '../../src/store/art.js';
import { dropSlotWhenInactive, testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, startSidecar, testLogger } from '../support/sidecar.js';
import { deadline, waitForValue } from '../support/wait.js';

let db: TestDatabase;
const running: Sidecar[] = [];

beforeAll(async () => {
  db = await testDatabase('http');
  await prepareSource(db, `CREATE TABLE items (id int PRIMARY KEY, name text);
    INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;`);
});

afterAll(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
  await db?.drop();
});

const HTTP = { host: '127.0.0.1', port: 0 };

function base(s: Sidecar): string {
  const a = s.httpAddress;
  if (!a) throw new Error('the sidecar serves no HTTP yet');
  return `http://${a.host}:${a.port}`;
}

async function get(s: Sidecar, path: string): Promise<{ status: number; body: string; type: string }> {
  const r = await fetch(base(s) + path);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
}

/** `name{labels} value` lines of the text exposition → key (name + labels as written) → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function metrics(s: Sidecar): Promise<Map<string, number>> {
  const r = await get(s, '/metrics');
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(r.body);
}

/** The first value `probe` gives that is not undefined; a probe that throws counts as not yet. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const attempt = async (): Promise<{ value?: T; error?: string }> => {
    try {
      return { value: await probe() };
    } catch (error) {
      return { error: String(error) };
    }
  };
  return (await waitForValue(attempt, (r) => r.value !== undefined, ms, what)).value!;
}

async function readyz(s: Sidecar): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await get(s, '/readyz');
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
}

describe('a sidecar with --http', () => {
  let sidecar: Sidecar;

  it('answers /healthz during the initial copy while /readyz says it is syncing, then is ready', async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    sidecar = new Sidecar({
      source: { url: db.url },
      publication: 'memstore',
      slot: `memstore_${db.name}`,
      id: db.name,
      log: testLogger({ db: db.name }),
      listen: { host: '127.0.0.1', port: 0 },
      http: HTTP,
      slotCheck: false,
    });
    running.push(sidecar);
    const starting = sidecar.start();
    let started = false;
    void starting.then(() => (started = true)).catch(() => undefined);
    try {
      await until('the HTTP endpoint', () => Promise.resolve(sidecar.httpAddress ? true : undefined));
      // The exclusive lock (which takes a transaction id) holds the slot's creation, which waits
      // for running transactions, or else the COPY of the table: either way the copy cannot end.
      await until('the initial sync to wait on the lock', async () => {
        if (sidecar.follower.state !== 'syncing') return undefined;
        const r = await db.client.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name]);
        return r.rowCount ? true : undefined;
      });
      expect(await get(sidecar, '/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
      const syncing = await readyz(sidecar);
      expect(syncing).toMatchObject({ status: 503, body: { status: 'not ready', reason: 'syncing: copying the published tables', phase: 'starting', follower_state: 'syncing' } });
      expect((await metrics(sidecar)).get('memstore_follower_state{state="syncing"}')).toBe(1);
      expect(started).toBe(false);
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    await starting;
    expect(started).toBe(true);
    expect((await readyz(sidecar)).status).toBe(200);
  });

  it('reports every metric with values that match what was applied and queried', async () => {
    const before = await metrics(sidecar);
    for (const [name, type] of Object.entries(METRIC_NAMES)) {
      expect(before.has(name) || [...before.keys()].some((k) => k.startsWith(name + '{') || k.startsWith(name + '_')), `${name} (${type})`).toBe(true);
    }
    expect(before.get('memstore_table_rows{schema="public",table="items",status="live"}')).toBe(500);
    expect(before.get('memstore_follower_state{state="streaming"}')).toBe(1);
    expect(before.get('memstore_follower_state{state="syncing"}')).toBe(0);
    expect(before.get('memstore_ready')).toBe(1);
    expect(before.get('process_resident_memory_bytes')).toBeGreaterThan(0);

    await db.client.query(`INSERT INTO items VALUES (501, 'a')`);
    await db.client.query(`UPDATE items SET name = 'b' WHERE id <= 3`);
    await db.client.query(`SELECT memstore.set('k1', '{"a":1}')`);
    await caughtUp(sidecar, db.client);

    const reader = new pg.Client({ connectionString: `postgres://memstore@127.0.0.1:${sidecar.address!.port}/${db.name}` });
    await reader.connect();
    try {
      for (let i = 0; i < 15; i++) await reader.query('SELECT name FROM items WHERE id = $1', [i + 1]);
      for (let i = 0; i < 5; i++) await reader.query('SELECT count(*) FROM items');
      const after = await metrics(sidecar);
      expect(after.get('memstore_transactions_applied_total')! - before.get('memstore_transactions_applied_total')!).toBe(3);
      // 1 insert + 3 updates + the memstore op (a change of its transaction too).
      expect(after.get('memstore_changes_applied_total')! - before.get('memstore_changes_applied_total')!).toBe(5);
      expect(after.get('memstore_ops_applied_total')! - before.get('memstore_ops_applied_total')!).toBe(1);
      expect(after.get('memstore_table_rows{schema="public",table="items",status="live"}')).toBe(501);
      expect(after.get('memstore_keys')).toBe(1);
      expect(after.get('memstore_keys_bytes')).toBeGreaterThan(0);
      expect(after.get('memstore_store_bytes')).toBeGreaterThan(after.get('memstore_keys_bytes')!);
      expect(after.get('memstore_pgwire_connections')).toBe(1);
      expect(after.get('memstore_applied_lsn')).toBeGreaterThan(before.get('memstore_applied_lsn')!);
      expect(after.get('memstore_applied_lsn')).toBeLessThanOrEqual(Number(sidecar.store.appliedLsn));
      expect(after.get('memstore_quarantined_messages_total')).toBe(0);
      // Exactly the 20 statements above (the scrape itself is not a query).
      const count = (m: Map<string, number>): number => m.get('memstore_query_duration_seconds_count') ?? 0;
      expect(count(after) - count(before)).toBe(20);
      expect(after.get('memstore_query_duration_seconds_bucket{le="+Inf"}')).toBe(count(after));
      expect(after.get('memstore_query_duration_seconds_sum')).toBeGreaterThan(0);
      const buckets = [...after].filter(([k]) => k.startsWith('memstore_query_duration_seconds_bucket')).map(([, v]) => v);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(buckets.length).toBe(18);
    } finally {
      await reader.end();
    }
  });

  it('says not ready while the stream reconnects, and ready again once it is back', async () => {
    const s = await startSidecar(db, {
      slot: `memstore_${db.name}_rc`,
      sidecar: { http: HTTP, slotCheck: false },
      follower: { reconnectInitialMs: 1500, reconnectMaxMs: 1500 },
    });
    running.push(s);
    expect((await readyz(s)).status).toBe(200);
    await db.client.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1`, [`memstore_${db.name}_rc`]);
    const down = await until('readyz 503', async () => {
      const r = await readyz(s);
      return r.status === 503 ? r : undefined;
    });
    // The reason names the cause: the walsender was terminated by an administrator.
    expect(down.body).toMatchObject({ status: 'not ready', follower_state: 'reconnecting', source_problem: 'source_unreachable' });
    expect(down.body.reason).toMatch(/^stream not live \(reconnecting\): source unreachable: .*terminating connection due to administrator command.*; next attempt in \d+ ms$/);
    await until('readyz 200 again', async () => ((await readyz(s)).status === 200 ? true : undefined));
    expect((await metrics(s)).get('memstore_reconnects_total')).toBe(1);
    await s.stop();
  });

  it('says not ready when the lag exceeds --ready-max-lag-bytes, with the lag in the metrics', async () => {
    const s = await startSidecar(db, { slot: `memstore_${db.name}_lag`, sidecar: { http: HTTP, slotCheck: false, readyMaxLagBytes: 4096 } });
    running.push(s);
    await db.client.query(`INSERT INTO items VALUES (1000, 'before')`);
    await caughtUp(s, db.client);
    expect((await readyz(s)).status).toBe(200);
    // A large transaction is applied only at its Commit: while its changes stream in, the source's
    // position is megabytes past the applied LSN, and both endpoints must say so (real lag). To see
    // that window every time (not only when the HTTP probes happen to land in it), the test pauses
    // the replication socket at the first change that puts the lag past the limit, asks both
    // endpoints, then lets the stream go on.
    type Paused = { stream?: { pause(): void; resume(): void } };
    const follower = s.follower as unknown as Paused & { onXLogData(m: unknown): void; serverWalEnd: bigint };
    const original = follower.onXLogData.bind(follower);
    let lagged!: () => void;
    const sawLag = new Promise<void>((resolve) => (lagged = resolve));
    let paused = false;
    follower.onXLogData = (m: unknown): void => {
      original(m);
      if (!paused && follower.serverWalEnd - s.store.appliedLsn > 4096n) {
        paused = true;
        follower.stream!.pause();
        lagged();
      }
    };
    await db.client.query(`INSERT INTO items SELECT g, repeat('x', 40) FROM generate_series(10000, 310000) g`);
    await deadline(sawLag, 60_000, 'the lag past --ready-max-lag-bytes');
    const lagging = await readyz(s);
    expect(lagging.status).toBe(503);
    expect(lagging.body.reason).toMatch(/^lagging: \d+ bytes behind the source \(limit 4096\)$/);
    expect(lagging.body.lag_bytes as number).toBeGreaterThan(4096);
    const m = await metrics(s);
    expect(m.get('memstore_lag_bytes')).toBeGreaterThan(4096);
    expect(m.get('memstore_lag_seconds')).toBeGreaterThan(0);
    expect(m.get('memstore_ready')).toBe(0);
    follower.onXLogData = original;
    follower.stream!.resume();
    await caughtUp(s, db.client, 60_000);
    // Caught up: ready again, lag 0.
    const after = await metrics(s);
    expect(after.get('memstore_lag_seconds')).toBe(0);
    expect((await readyz(s)).status).toBe(200);
    await db.client.query('DELETE FROM items WHERE id >= 10000');
    await s.stop();
  });

  it('answers 404, 405 and HEAD as HTTP says', async () => {
    expect((await get(sidecar, '/nope')).status).toBe(404);
    expect((await fetch(base(sidecar) + '/metrics', { method: 'POST' })).status).toBe(405);
    const head = await fetch(base(sidecar) + '/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await get(sidecar, '/healthz?verbose=1')).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
  });
});

describe('inactive slots of this project', () => {
  it('are reported (log + metric) when inactive longer than the limit, never the own slot or active ones', async () => {
    const gone = `memstore_gone_${db.name}`;
    await db.client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [gone]);
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const s = await startSidecar(db, { slot: `memstore_${db.name}_watch`, log, sidecar: { http: HTTP, slotCheck: { intervalMs: 0, inactiveWarnMs: 0 } } });
    running.push(s);
    try {
      await s.checkSlots();
      const expected = await db.client.query<{ slot_name: string }>(
        `SELECT slot_name FROM pg_replication_slots WHERE database = $1 AND NOT active AND NOT temporary AND slot_name LIKE 'memstore\\_%' AND slot_name <> $2 ORDER BY 1`,
        [db.name, `memstore_${db.name}_watch`],
      );
      const names = expected.rows.map((r) => r.slot_name);
      expect(names).toContain(gone);
      expect((await metrics(s)).get('memstore_inactive_slots')).toBe(names.length);
      const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === 'a replication slot of this project is inactive and holds WAL on the source');
      expect(warned.map((o) => o.slot).sort()).toEqual(names);
      expect(warned.find((o) => o.slot === gone)).toMatchObject({ level: 'warn', wal_status: 'reserved', hint: expect.stringContaining(`slots drop ${gone}`) as string });
      // Under the limit (1 h), the same slot is not reported.
      const quiet = new SlotWatch({ source: { url: db.url }, ownSlot: 'x', intervalMs: 0, inactiveWarnMs: 3_600_000, log });
      await quiet.check();
      expect(quiet.inactiveCount).toBe(0);
      expect(quiet.report.checkedAt).toBeInstanceOf(Date);
    } finally {
      await s.stop();
      await dropSlotWhenInactive(db.client, gone);
    }
  });
});

describe('readiness rules and metrics without a server', () => {
  const ok: HealthInput = {
    phase: 'running',
    followerState: 'streaming',
    appliedLsn: '0/10',
    serverWalEnd: '0/10',
    lagBytes: 0,
    maxLagBytes: 100,
    dumps: { consecutiveFailures: 0, lastError: undefined, lastSuccessAgeSeconds: 3 },
    maxDumpFailures: 3,
  };

  it('names the first rule that fails', () => {
    expect(assessReadiness(ok)).toMatchObject({ ready: true, reason: '', body: { status: 'ready', dumps: { healthy: true } } });
    expect(assessReadiness({ ...ok, phase: 'starting', followerState: 'syncing' }).reason).toBe('syncing: copying the published tables');
    expect(assessReadiness({ ...ok, phase: 'starting', followerState: 'idle' }).reason).toMatch(/^starting/);
    expect(assessReadiness({ ...ok, phase: 'stopping' }).reason).toBe('shutting down');
    expect(assessReadiness({ ...ok, lagBytes: 101 }).reason).toBe('lagging: 101 bytes behind the source (limit 100)');
    expect(assessReadiness({ ...ok, lagBytes: 100 }).ready).toBe(true);
    const failing = assessReadiness({ ...ok, dumps: { consecutiveFailures: 3, lastError: 'EACCES: permission denied', lastSuccessAgeSeconds: 400 } });
    expect(failing).toMatchObject({
      ready: false,
      reason: 'dumps failing: 3 in a row (EACCES: permission denied)',
      body: { status: 'not ready', dumps: { healthy: false, consecutive_failures: 3, last_error: 'EACCES: permission denied' } },
    });
    expect(assessReadiness({ ...ok, dumps: { consecutiveFailures: 2, lastError: 'x', lastSuccessAgeSeconds: 1 } }).ready).toBe(true);
    const { dumps: _, ...noDumps } = ok;
    expect(assessReadiness(noDumps).body.dumps).toBeNull();
  });

  it('are documented: the README metrics table lists exactly these metrics with their types', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));
    const rows = [...section.matchAll(/^\| `(memstore_[a-z_]+)(?:\{[^}]*\})?` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!]);
    expect(Object.fromEntries(rows)).toEqual(METRIC_NAMES);
  });

  it('exports dump failures and keeps registries of two sidecars apart', async () => {
    const make = (failures: number): SidecarMetrics =>
      new SidecarMetrics({
        store: new Store(() => new RadixTree()),
        followerState: () => 'streaming',
        serverWalEnd: () => 0n,
        reconnects: () => 2,
        reconnectAttempts: () => 3,
        sourceProblem: () => undefined,
        snapshot: () => ({ lastLsn: 0x20n, lastAt: undefined, lastPauseMs: 0, dumps: 5, failures, consecutiveFailures: failures, lastError: 'disk full' }),
        dumpAgeSeconds: () => 42,
        connections: () => 0,
        inactiveSlots: () => ({ count: 1, retainedBytes: 1234 }),
        readiness: () => ({ ready: false, reason: 'x', body: {} }),
      });
    const a = make(4);
    const b = make(0);
    a.observeQuery(0.0003);
    a.observeQuery(20);
    const ma = parseMetrics(await a.registry.metrics());
    const mb = parseMetrics(await b.registry.metrics());
    expect(ma.get('memstore_dump_consecutive_failures')).toBe(4);
    expect(ma.get('memstore_dump_failures_total')).toBe(4);
    expect(ma.get('memstore_dumps_written_total')).toBe(5);
    expect(ma.get('memstore_dump_last_lsn')).toBe(32);
    expect(ma.get('memstore_dump_age_seconds')).toBe(42);
    expect(ma.get('memstore_inactive_slots_retained_bytes')).toBe(1234);
    expect(ma.get('memstore_reconnects_total')).toBe(2);
    expect(ma.get('memstore_query_duration_seconds_bucket{le="0.00025"}')).toBe(0);
    expect(ma.get('memstore_query_duration_seconds_bucket{le="0.0005"}')).toBe(1);
    expect(ma.get('memstore_query_duration_seconds_bucket{le="10"}')).toBe(1);
    expect(ma.get('memstore_query_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(mb.get('memstore_dump_consecutive_failures')).toBe(0);
    expect(mb.get('memstore_query_duration_seconds_count')).toBe(0);
    expect(ma.get('memstore_ready')).toBe(0);
  });
});
