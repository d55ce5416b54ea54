/*
 * Who may write memstore keys, on a real PostgreSQL 17 primary: the write functions belong to
 * memstore_writer only; until memstore.lock_down() any role can forge an op with
 * pg_logical_emit_message (and the sidecar applies it), and the sidecar's stats say so; after it,
 * a direct emit fails with 42501 while memstore.set still works, and the flag flips.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type MemstoreRig } from './support.js';

let rig: MemstoreRig;
let side: pg.Client;
let role: string;
const primary = (): pg.Client => rig.db.client;

beforeAll(async () => {
  rig = await startRig('maccess');
  side = await rig.client();
  role = `ms_app_${rig.db.name}`; // roles are cluster-wide: one per test database
  await primary().query(`CREATE ROLE ${role} NOLOGIN`);
});

afterAll(async () => {
  await primary().query('RESET ROLE').catch(() => undefined);
  await rig?.close();
  // The database (and its grants) is gone with close(); the role is not.
  const { default: pgm } = await import('pg');
  const { serverUrl } = await import('../support/pg.js');
  const admin = new pgm.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
});

async function asRole(sql: string): Promise<string | undefined> {
  await primary().query(`SET ROLE ${role}`);
  try {
    await primary().query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  } finally {
    await primary().query('RESET ROLE');
  }
}

async function stats(): Promise<{ forgery_possible: boolean | null }> {
  const r = await side.query<{ s: string }>('SELECT memstore.stats() AS s');
  return JSON.parse(r.rows[0]!.s) as { forgery_possible: boolean | null };
}

describe('memstore write access', () => {
  it('refuses the write functions to a role without memstore_writer (42501), allows them with it', async () => {
    for (const call of [`memstore.set('a', '1')`, `memstore.set('a', '1', '1 hour')`, `memstore.delete('a')`, `memstore.clear()`, `memstore.touch('a', NULL)`, `memstore.set_many('{}')`, `memstore.delete_prefix('a')`, `memstore._emit('{}')`]) {
      expect(await asRole(`SELECT ${call}`), call).toBe('42501');
    }
    expect(await asRole(`SELECT memstore.current_lsn()`)).toBeUndefined();
    await primary().query(`GRANT memstore_writer TO ${role}`);
    expect(await asRole(`SELECT memstore.set('granted', '"yes"')`)).toBeUndefined();
    await rig.caughtUp();
    expect((await side.query(`SELECT memstore.get('granted') AS v`)).rows[0]).toEqual({ v: '"yes"' });
  });

  it('shows forgery is possible until lock_down(), then refuses a direct emit while memstore.set works', async () => {
    expect(rig.sidecar.forgery.possible).toBe(true); // checked at start-up
    expect((await stats()).forgery_possible).toBe(true);
    // Forgery is real: a role needs no grant to emit an op every sidecar applies.
    await primary().query(`REVOKE memstore_writer FROM ${role}`);
    expect(await asRole(`SELECT pg_logical_emit_message(true, 'memstore', '{"v":1,"op":"set","key":"forged","value":1}')`)).toBeUndefined();
    await rig.caughtUp();
    expect((await side.query(`SELECT memstore.get('forged') AS v`)).rows[0]).toEqual({ v: '1' });

    const r = await primary().query<{ msg: string }>('SELECT memstore.lock_down() AS msg');
    expect(r.rows[0]!.msg).toMatch(/^revoked EXECUTE from PUBLIC on pg_logical_emit_message\(boolean,text,bytea,boolean\), pg_logical_emit_message\(boolean,text,text,boolean\)$/);
    expect(await asRole(`SELECT pg_logical_emit_message(true, 'memstore', '{"v":1,"op":"clear"}')`)).toBe('42501');
    expect(await asRole(`SELECT pg_logical_emit_message(true, 'memstore', '\\x00'::bytea)`)).toBe('42501');
    await primary().query(`GRANT memstore_writer TO ${role}`);
    expect(await asRole(`SELECT memstore.set('after-lockdown', '2'), memstore.set_many('{"b1": 1}')`)).toBeUndefined();
    await rig.caughtUp();
    expect((await side.query(`SELECT memstore.get('after-lockdown') AS v, memstore.get('forged') AS f`)).rows[0]).toEqual({ v: '2', f: '1' });
    expect(await rig.sidecar.checkForgery()).toBe(false);
    expect((await stats()).forgery_possible).toBe(false);
    // Re-installing sql/memstore.sql keeps the lock-down (it never grants the emit back).
    const { installSql } = await import('../../src/sidecar/embedded-source.js');
    await installSql(primary());
    expect((await primary().query<{ f: boolean }>('SELECT memstore.forgery_possible() AS f')).rows[0]!.f).toBe(false);
    expect(await asRole(`SELECT memstore.lock_down()`)).toBe('42501');
  });
});
