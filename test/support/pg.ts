/*
 * Per-test-file isolation on the run's one PostgreSQL 17: a fresh database (slots and
 * publications are per database), dropped afterwards together with its slots.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { waitFor, waitForValue } from './wait.js';

export interface TestDatabase {
  /** URL of the fresh database. */
  readonly url: string;
  readonly name: string;
  /** A connected client on the fresh database (closed by drop()). */
  readonly client: pg.Client;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  return inject('pgUrl');
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** Drops a slot once its walsender has gone (it exits a moment after its connection closes). */
export async function dropSlotWhenInactive(client: pg.Client, slot: string, timeoutMs = 10_000): Promise<void> {
  const state = async (): Promise<'gone' | 'active' | 'inactive'> => {
    const r = await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return r.rows.length === 0 ? 'gone' : r.rows[0]!.active ? 'active' : 'inactive';
  };
  if ((await waitForValue(state, (s) => s !== 'active', timeoutMs, `slot ${slot} to be inactive`)) === 'gone') return;
  await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
}

/** `options`: extra CREATE DATABASE options, e.g. `TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'`. */
export async function testDatabase(prefix = 't', options = ''): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} ${options}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl(), name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    client,
    async drop() {
      await client.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      try {
        // Slots pin WAL for the whole cluster: never leave one behind.
        await a.query(
          `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`,
          [name],
        );
        // A terminated walsender lets go of its slot a moment later; until then it cannot be dropped.
        const active = async (): Promise<boolean> =>
          (await a.query(`SELECT 1 FROM pg_replication_slots WHERE database = $1 AND active`, [name])).rows.length > 0;
        await waitFor(async () => !(await active()), 10_000, `the slots of ${name} to be released`);
        await a.query(
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
          [name],
        );
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
