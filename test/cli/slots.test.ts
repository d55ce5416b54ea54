/*
 * `memstore-sidecar slots` against a real PostgreSQL 17: lists this project's slots of the source
 * database with lag, retained WAL, inactive_since and the failover flag; drops an inactive one;
 * refuses an active one (exit 1) and anything outside the project. Also: --failover-slot creates
 * the sidecar's slot as a PG17 failover slot.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlots } from '../../src/cli/slots.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, startSidecar } from '../support/sidecar.js';

let db: TestDatabase;
let live: Sidecar;
let liveSlot: string;
let idleSlot: string;

beforeAll(async () => {
  db = await testDatabase('slots');
  await prepareSource(db, 'CREATE TABLE kv (k int PRIMARY KEY, v text)');
  liveSlot = `memstore_live_${db.name}`;
  idleSlot = `memstore_idle_${db.name}`;
  await db.client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [idleSlot]);
  await db.client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [`other_${db.name}`]);
  await db.client.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [`memstore_td_${db.name}`]);
  live = await startSidecar(db, { slot: liveSlot, sidecar: { failoverSlot: true, slotCheck: false } });
  await db.client.query(`INSERT INTO kv SELECT g, 'x' FROM generate_series(1, 1000) g`);
});

afterAll(async () => {
  await live?.stop();
  await db?.drop();
});

async function slots(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSlots(args, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memstore-sidecar slots', () => {
  it('lists the pgoutput slots of the source database that start with memstore_, with their state', async () => {
    const r = await slots(['--json'], { MEMSTORE_SOURCE: db.url });
    expect(r).toMatchObject({ code: 0, err: '' });
    const list = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(list.map((s) => s.slot)).toEqual([idleSlot, liveSlot]);
    const [idle, active] = list as [Record<string, unknown>, Record<string, unknown>];
    expect(active).toMatchObject({ active: true, failover: true, wal_status: 'reserved', inactive_since: null });
    expect(active.active_pid).toEqual(expect.any(Number));
    expect(idle).toMatchObject({ active: false, active_pid: null, failover: false, wal_status: 'reserved' });
    expect(new Date(idle.inactive_since as string).getTime()).toBeLessThanOrEqual(Date.now());
    // The idle slot has confirmed nothing since the 1,000 inserts: it lags and holds their WAL.
    expect(idle.lag_bytes as number).toBeGreaterThan(10_000);
    expect(idle.retained_wal_bytes as number).toBeGreaterThanOrEqual(idle.lag_bytes as number);
    expect(idle.restart_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });

  it('prints a table, and honours --prefix', async () => {
    const r = await slots(['--source', db.url]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^slot +active +pid +restart_lsn +confirmed_flush +lag +retained_wal +wal_status +inactive_since +failover$/);
    expect(lines.slice(2).map((l) => l.split(/ +/)[0])).toEqual([idleSlot, liveSlot]);
    expect(lines.find((l) => l.startsWith(liveSlot))).toMatch(/ yes +\d+ .* reserved +yes$/);
    const other = await slots(['--source', db.url, '--prefix', 'other_', '--json']);
    expect(other.out.trim().split('\n').map((l) => (JSON.parse(l) as { slot: string }).slot)).toEqual([`other_${db.name}`]);
    expect((await slots(['--source', db.url, '--prefix', 'nothing_'])).out).toBe('no slots starting with "nothing_" in this database\n');
  });

  it('created the sidecar slot as a failover slot (pg_replication_slots.failover)', async () => {
    const r = await db.client.query<{ failover: boolean }>('SELECT failover FROM pg_replication_slots WHERE slot_name = $1', [liveSlot]);
    expect(r.rows[0]?.failover).toBe(true);
  });

  it('refuses to drop an active slot, a slot outside the project, and a missing one (exit 1)', async () => {
    const active = await slots(['drop', liveSlot, '--source', db.url]);
    expect(active.code).toBe(1);
    expect(active.err).toMatch(new RegExp(`refusing to drop "${liveSlot}": it is active \\(walsender pid \\d+\\), so its sidecar is running`));
    const foreign = await slots(['drop', `other_${db.name}`, '--source', db.url]);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/it is not a slot of this project \(names start with "memstore_"; see --prefix\)/);
    const missing = await slots(['drop', 'memstore_nope', '--source', db.url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no slot "memstore_nope" of this project in database "${db.name}"`);
    const left = await db.client.query('SELECT slot_name FROM pg_replication_slots WHERE slot_name = ANY($1)', [[liveSlot, `other_${db.name}`]]);
    expect(left.rowCount).toBe(2);
  });

  it('drops an inactive slot through the CLI (exit 0), and exits 2 on a bad command line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'slots', 'drop', idleSlot, '--source', db.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(out).toMatch(new RegExp(`^dropped slot ${idleSlot} \\(it held \\d+ (bytes|kB|MB) of WAL\\)\\n$`));
    expect(code).toBe(0);
    const gone = await db.client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [idleSlot]);
    expect(gone.rowCount).toBe(0);
    expect((await slots(['drop'], { MEMSTORE_SOURCE: db.url })).code).toBe(2);
    expect((await slots(['list'], { MEMSTORE_SOURCE: db.url })).code).toBe(2);
    expect((await slots(['--bogus'], { MEMSTORE_SOURCE: db.url })).code).toBe(2);
    const noSource = await slots([]);
    expect(noSource).toMatchObject({ code: 2, err: expect.stringContaining('give --source URL (or MEMSTORE_SOURCE)') as string });
  });

  it('exits 1 with the reason when the source cannot be reached', async () => {
    const r = await slots(['--source', 'postgres://nobody@127.0.0.1:1/none']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ECONNREFUSED/);
  });
});
