/*
 * Source problems that persist — the publication dropped, the source refusing connections — are
 * retried at a capped exponential pace (not ~10 times a second), named in /readyz, in
 * memstore.stats() and in the metrics, and the sidecar recovers by itself once they are fixed.
 * The sidecar reaches the source through a TCP proxy, whose connection count is what a source
 * sees of the retries. The slot invalidated (wal_status lost) needs max_slot_wal_keep_size, a
 * server-wide setting: that test has a PostgreSQL of its own.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/pg/embedded.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { captured, caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor, waitForValue } from '../support/wait.js';

const HTTP = { host: '127.0.0.1', port: 0 };
/** Steps 100, 200, 400, 800, 1600, 1600 … ms, each ±25 %. */
const FOLLOWER = { reconnectInitialMs: 100, reconnectMaxMs: 1600, publicationCheckMs: 0 };

let db: TestDatabase | undefined;
let sidecar: Sidecar | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await sidecar?.stop();
  sidecar = undefined;
  await proxy?.close();
  proxy = undefined;
  await db?.drop();
  db = undefined;
});

async function get(s: Sidecar, path: string): Promise<{ status: number; text: string }> {
  const a = s.httpAddress!;
  const r = await fetch(`http://${a.host}:${a.port}${path}`);
  return { status: r.status, text: await r.text() };
}

async function readyz(s: Sidecar): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await get(s, '/readyz');
  return { status: r.status, body: JSON.parse(r.text) as Record<string, unknown> };
}

async function setUp(name: string): Promise<{ db: TestDatabase; s: Sidecar; p: TcpProxy }> {
  db = await testDatabase(name);
  await prepareSource(db, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  const u = new URL(db.url);
  proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port) });
  sidecar = await startSidecar(db, { sourceUrl: proxy.url(db.url), sidecar: { http: HTTP, slotCheck: false }, follower: FOLLOWER });
  await db.client.query(`INSERT INTO t VALUES (1, 'before')`);
  await caughtUp(sidecar, db.client);
  expect((await readyz(sidecar)).status).toBe(200);
  return { db, s: sidecar, p: proxy };
}

/** Waits until `count()` grew by `n` and returns how long that took (ms). */
async function timeToGrow(count: () => number, n: number, what: string): Promise<number> {
  const from = count();
  const started = Date.now();
  await waitFor(() => count() - from >= n, 30_000, what);
  return Date.now() - started;
}

describe('persistent source problems', () => {
  it('a dropped publication: retried with backoff, named in /readyz, stats and metrics; re-created, the sidecar copies afresh and is ready', async () => {
    const { db, s, p } = await setUp('pubdrop');
    await db.client.query('DROP PUBLICATION memstore');
    // The walsender fails at the first change it decodes without the publication.
    await db.client.query(`INSERT INTO t VALUES (2, 'while dropped')`);
    await waitFor(async () => (await readyz(s)).status === 503, 30_000, '/readyz 503');

    // Five more connections to the source take at least 0.75 × (a run of five doubling steps):
    // at the least 100+200+400+800+1600 ms (the run may start further up). Without backoff that
    // survives a stream failing at once, it was five in about half a second.
    const ms = await timeToGrow(() => p.connections, 5, 'five more connections to the source');
    expect(ms).toBeGreaterThanOrEqual(0.75 * (100 + 200 + 400 + 800 + 1600) - 100);

    const down = await readyz(s);
    expect(down.status).toBe(503);
    expect(down.body.reason).toMatch(/^stream not live \(reconnecting\): publication "memstore" does not exist on the source(; next attempt in \d+ ms)?$/);
    expect(down.body).toMatchObject({ follower_state: 'reconnecting', source_problem: 'publication_missing' });

    const stats = s.stats();
    expect(stats).toMatchObject({ follower_state: 'reconnecting', source_problem: 'publication_missing' });
    expect(String(stats.last_error)).toMatch(/publication "memstore" does not exist/);
    expect(stats.reconnect_attempts as number).toBeGreaterThanOrEqual(5);
    const metrics = (await get(s, '/metrics')).text;
    expect(metrics).toMatch(/^memstore_source_problem\{kind="publication_missing"\} 1$/m);
    expect(metrics).toMatch(/^memstore_source_problem\{kind="source_unreachable"\} 0$/m);

    // Fixed: the slot cannot decode past the changes made without the publication (PostgreSQL 17
    // looks it up as of each change), so the sidecar copies afresh, then streams.
    await db.client.query('CREATE PUBLICATION memstore FOR ALL TABLES');
    await waitFor(async () => (await readyz(s)).status === 200, 30_000, '/readyz 200 again');
    await db.client.query(`INSERT INTO t VALUES (3, 'after')`);
    await caughtUp(s, db.client);
    expect(storeCopy(s, 't')).toBe(await primaryCopy(db.client, 't', 'id'));
    expect(storeCopy(s, 't').split('\n').filter(Boolean)).toHaveLength(3);
    expect(s.stats()).toMatchObject({ follower_state: 'streaming', source_problem: null, retry_in_ms: null });
    expect((await get(s, '/metrics')).text).toMatch(/^memstore_source_problem\{kind="publication_missing"\} 0$/m);
  });

  it('a source refusing connections: retried with backoff, named in /readyz; back, the sidecar streams again', async () => {
    const { db, s, p } = await setUp('refused');
    const failures = (): number => captured.filter((l) => l.includes(`"db":"${db.name}"`) && l.includes('"msg":"reconnect failed"')).length;
    await p.down();
    const down = await waitForValue(() => readyz(s), (r) => r.status === 503 && /ECONNREFUSED/.test(String(r.body.reason)), 30_000, '/readyz to name the refused connection');
    expect(down.body.reason).toMatch(/^stream not live \(reconnecting\): source unreachable: .*ECONNREFUSED.*; next attempt in \d+ ms$/);
    expect(down.body).toMatchObject({ follower_state: 'reconnecting', source_problem: 'source_unreachable' });
    expect(String(down.body.last_error)).toMatch(/ECONNREFUSED/);
    expect(typeof down.body.retry_in_ms).toBe('number');

    const ms = await timeToGrow(failures, 4, 'four more failed attempts');
    expect(ms).toBeGreaterThanOrEqual(0.75 * (200 + 400 + 800 + 1600) - 100);
    expect(s.stats()).toMatchObject({ follower_state: 'reconnecting', source_problem: 'source_unreachable' });
    expect((await get(s, '/metrics')).text).toMatch(/^memstore_source_problem\{kind="source_unreachable"\} 1$/m);

    await p.up();
    await waitFor(async () => (await readyz(s)).status === 200, 30_000, '/readyz 200 again');
    await db.client.query(`INSERT INTO t VALUES (2, 'after')`);
    await caughtUp(s, db.client);
    expect(storeCopy(s, 't')).toBe(await primaryCopy(db.client, 't', 'id'));
    expect(s.stats()).toMatchObject({ follower_state: 'streaming', source_problem: null });
  });

  it('an invalidated slot (wal_status lost): named in /readyz, copied afresh from a new slot, streaming again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-invalidated-'));
    chmodSync(dir, 0o755);
    const server = await startEmbedded({ dataDir: path.join(dir, 'pg'), settings: { fsync: 'off', max_slot_wal_keep_size: '1MB' } });
    const client = new pg.Client({ connectionString: server.url });
    try {
      await client.connect();
      const fake: TestDatabase = { url: server.url, name: 'postgres', client, drop: () => Promise.resolve() };
      await prepareSource(fake, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
      proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
      const p = proxy;
      const s = (sidecar = await startSidecar(fake, { sourceUrl: p.url(server.url), sidecar: { http: HTTP, slotCheck: false }, follower: FOLLOWER }));
      await client.query(`INSERT INTO t VALUES (1, 'before')`);
      await caughtUp(s, client);

      // The sidecar cut off, its slot falls more than max_slot_wal_keep_size behind: invalidated.
      await p.down();
      const slot = 'memstore_postgres';
      await waitFor(async () => !(await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0]!.active, 30_000, 'the slot to be released');
      let n = 2;
      await waitFor(
        async () => {
          await client.query(`INSERT INTO t VALUES (${n++}, 'while cut off'); SELECT pg_switch_wal(); CHECKPOINT`);
          const r = await client.query<{ wal_status: string }>('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [slot]);
          return r.rows[0]!.wal_status === 'lost';
        },
        30_000,
        'the slot to be invalidated',
      );
      await p.up();
      const down = await waitForValue(() => readyz(s), (r) => /replication slot lost or invalidated/.test(String(r.body.reason)), 30_000, '/readyz to name the lost slot');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ source_problem: 'slot_lost' });
      expect(String(down.body.last_error)).toMatch(/can no longer get changes from replication slot "memstore_postgres"|has been invalidated/);

      await waitFor(async () => (await readyz(s)).status === 200, 30_000, '/readyz 200 again');
      await client.query(`INSERT INTO t VALUES (${n++}, 'after')`);
      await caughtUp(s, client);
      expect(storeCopy(s, 't')).toBe(await primaryCopy(client, 't', 'id'));
      expect(s.stats()).toMatchObject({ follower_state: 'streaming', source_problem: null });
    } finally {
      await sidecar?.stop();
      sidecar = undefined;
      await client.end().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
