/*
 * The exactly-once contract under SIGKILL: a sidecar process is killed at 20 random points while
 * 100k transactions of inserts, updates, deletes, truncates and memstore set/delete/clear commit
 * on PostgreSQL 17, and restarted each time (from its newest durable dump, or from a fresh copy
 * when it had none yet). At the end it catches up and shuts down cleanly; its final dump must
 * equal the primary table by table (COPY ordered by key) and the memstore keys must equal an
 * oracle built from the committed ops.
 *
 * "Lost" counts rows or keys the primary/oracle has that the dump lacks or holds differently;
 * "duplicated" counts rows or keys the dump has that the primary/oracle does not. A transaction
 * applied twice out of order (a replay after a newer one) shows up as one or the other, because
 * rows travel as whole images; both counts must be zero.
 *
 * The random delays between kills are the fault schedule, not synchronisation: every wait for an
 * outcome is on a condition (a log line, the slot's flush LSN) with a deadline.
 */
import { spawnCli, type CliProcess } from '../support/cli-process.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn } from '../../src/lsn.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, primaryCopy } from '../support/sidecar.js';
import { waitFor, waitForValue } from '../support/wait.js';

const TRANSACTIONS = 100_000;
const KILLS = 20;
const PER_ROUND_TRIP = 200;
/** At least this long per round trip: 500 round trips ≈ 40 s, about as long as 20 kills take. */
const PACE_MS = 80;

let db: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  db = await testDatabase('kill');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'memstore-kill-'));
  await prepareSource(db, `CREATE TABLE acct (id int PRIMARY KEY, balance int8, note text); CREATE TABLE events (id int PRIMARY KEY, kind text);`);
});

afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Deterministic pseudo-random numbers (the test must be reproducible from its seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the workload; returns the memstore oracle (key → jsonb text) of committed ops. */
async function workload(url: string, seed: number, beforeLast: () => Promise<void> = () => Promise.resolve()): Promise<Map<string, string>> {
  const rand = rng(seed);
  const oracle = new Map<string, string>();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let done = 0; done < TRANSACTIONS; done += PER_ROUND_TRIP) {
      const parts: string[] = [];
      for (let i = done; i < done + PER_ROUND_TRIP; i++) {
        const id = Math.floor(rand() * 5000);
        const r = rand();
        const key = `k${Math.floor(rand() * 3000)}`;
        let body: string;
        if (r < 0.3) body = `INSERT INTO acct VALUES (${id}, ${i}, 'n${i}') ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, note = EXCLUDED.note;`;
        else if (r < 0.5) body = `UPDATE acct SET balance = balance + 1, note = note || '+' WHERE id BETWEEN ${id} AND ${id + 3};`;
        else if (r < 0.6) body = `DELETE FROM acct WHERE id = ${id};`;
        else if (r < 0.7) body = `INSERT INTO events VALUES (${i}, 'e') ON CONFLICT DO NOTHING; DELETE FROM events WHERE id = ${i - 50};`;
        else if (r < 0.7002) body = `TRUNCATE events;`;
        else if (r < 0.9) {
          body = `SELECT memstore.set('${key}', '{"i": ${i}}');`;
          oracle.set(key, `{"i": ${i}}`);
        } else if (r < 0.9995) {
          body = `SELECT memstore.delete('${key}');`;
          oracle.delete(key);
        } else {
          body = `SELECT memstore.clear();`;
          oracle.clear();
        }
        parts.push(`BEGIN; ${body} COMMIT;`);
        if (rand() < 0.01) parts.push(`BEGIN; SELECT memstore.set('rolled-back', '1'); DELETE FROM acct; ROLLBACK;`);
      }
      // The last batch waits until half the kills have landed while the workload ran (a
      // condition, not a pace): a slower start-up must not let the workload end before them.
      if (done + PER_ROUND_TRIP >= TRANSACTIONS) await beforeLast();
      const started = performance.now();
      await c.query(parts.join('\n'));
      // Pace the load (the shape of the workload, not synchronisation) so that it spans the kills.
      const rest = PACE_MS - (performance.now() - started);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  } finally {
    await c.end();
  }
  return oracle;
}

type Proc = CliProcess;

function startSidecar(slot: string): Proc {
  return spawnCli(['--source', db.url, '--slot', slot, '--data-dir', dataDir, '--snapshot-interval', '1', '--log-format', 'json', '--id', 'kill-test', '--listen', '127.0.0.1:0']);
}

function newestDump(): string {
  const dumps = path.join(dataDir, 'dumps');
  const name = readdirSync(dumps).filter((n) => n.startsWith('dump-')).sort().pop();
  if (!name) throw new Error('no dump');
  return path.join(dumps, name);
}

function lineSet(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text.split('\n')) if (l) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** Lines only in a (lost when a is the truth) and only in b (duplicated). */
function diffLines(truth: string, got: string): { lost: number; duplicated: number } {
  const t = lineSet(truth);
  const g = lineSet(got);
  let lost = 0;
  let duplicated = 0;
  for (const [l, n] of t) lost += Math.max(0, n - (g.get(l) ?? 0));
  for (const [l, n] of g) duplicated += Math.max(0, n - (t.get(l) ?? 0));
  return { lost, duplicated };
}

describe('SIGKILL at random points', () => {
  it(`loses nothing and duplicates nothing over ${KILLS} kills during ${TRANSACTIONS / 1000}k transactions`, async () => {
    const slot = `kill_${db.name}`;
    const rand = rng(42);
    let kills = 0;
    let killsDuringWorkload = 0;
    const work = workload(db.url, 7, () => waitFor(() => killsDuringWorkload >= KILLS / 2, 300_000, 'half the kills to land while the workload runs'));
    let workDone = false;
    void work.finally(() => (workDone = true)).catch(() => undefined);
    let restartsFromDump = 0;
    let proc = startSidecar(slot);
    while (kills < KILLS) {
      // Kill points spread over start-up, initial copy, dump loading, streaming and dumping. Every
      // other run is let reach ready first, so the restarts that load a dump do not depend on how
      // long a start takes on this machine (the CLI under tsx transpiles the whole executor).
      if (kills % 2 === 1) await proc.waitFor(/"msg":"ready"/, 120_000);
      await new Promise((r) => setTimeout(r, 300 + rand() * 3200));
      proc.child.kill('SIGKILL');
      await proc.exit;
      kills++;
      if (!workDone) killsDuringWorkload++;
      if (proc.lines.some((l) => l.includes('"loaded dump"'))) restartsFromDump++;
      proc = startSidecar(slot);
    }
    const oracle = await work;
    expect(workDone).toBe(true);
    await proc.waitFor(/"msg":"ready"/, 120_000);
    const end = parseLsn((await db.client.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l);
    // Caught up and durable: the slot's flush (= newest durable dump) passes the end of the workload.
    const flush = async (): Promise<string | null | undefined> =>
      (await db.client.query<{ f: string | null }>('SELECT confirmed_flush_lsn::text AS f FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0]?.f;
    await waitForValue(flush, (f) => !!f && parseLsn(f) >= end, 120_000, `the sidecar to catch up to ${end.toString(16)}`, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${proc.lines.slice(-15).join('\n')}`);
    });
    proc.child.kill('SIGTERM');
    const code = await proc.exit;
    if (code !== 0) console.log(proc.lines.slice(-15).join('\n'));
    expect(code).toBe(0);

    const dir = newestDump();
    let lost = 0;
    let duplicated = 0;
    for (const table of ['acct', 'events']) {
      const d = diffLines(await primaryCopy(db.client, table, 'id'), readFileSync(path.join(dir, `public.${table}.copy`), 'utf8'));
      lost += d.lost;
      duplicated += d.duplicated;
    }
    const expectedKeys = [...oracle.entries()]
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map(([k, v]) => `\\\\x${Buffer.from(k).toString('hex')}\t${v}\t\\N`) // (key, value, expires_at): no expiry here
      .join('\n');
    const d = diffLines(expectedKeys, readFileSync(path.join(dir, 'memstore.copy'), 'utf8'));
    lost += d.lost;
    duplicated += d.duplicated;
    console.log(
      `${kills} SIGKILLs (${killsDuringWorkload} while the workload ran; ${restartsFromDump} runs had resumed from a dump), ${TRANSACTIONS} transactions: lost ${lost}, duplicated ${duplicated}`,
    );
    expect(killsDuringWorkload).toBeGreaterThanOrEqual(KILLS / 2);
    // Coverage, not correctness: half the kill points come after ready, so at least that many
    // later starts find a dump. test/snapshot/change-log-kill.test.ts checks every restart's state.
    expect(restartsFromDump).toBeGreaterThanOrEqual(KILLS / 4);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    // And the tables are byte-identical, in key order.
    expect(readFileSync(path.join(dir, 'public.acct.copy'), 'utf8')).toBe(await primaryCopy(db.client, 'acct', 'id'));
  }, 600_000);
});
