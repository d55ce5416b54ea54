/*
 * slot.ts — the sidecar's logical replication slot on the source: inspect, create (with an
 * exported snapshot for the initial copy), drop.
 */
import type pg from 'pg';
import { parseLsn, type Lsn } from '../lsn.js';
import { quoteIdent, quoteLiteral, replicationClient, sqlClient, type SourceOptions } from './connection.js';

export interface SlotInfo {
  readonly name: string;
  readonly plugin: string;
  readonly database: string;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly confirmedFlushLsn: Lsn;
  readonly restartLsn: Lsn;
  /** reserved | extended | unreserved | lost */
  readonly walStatus: string | null;
  /** Reason PostgreSQL invalidated the slot, if it did (PG17 `invalidation_reason`). */
  readonly invalidationReason: string | null;
}

export async function inspectSlot(client: pg.Client, name: string): Promise<SlotInfo | undefined> {
  const r = await client.query<{
    slot_name: string;
    plugin: string;
    database: string;
    active: boolean;
    active_pid: number | null;
    confirmed_flush_lsn: string | null;
    restart_lsn: string | null;
    wal_status: string | null;
    invalidation_reason: string | null;
  }>(
    `SELECT slot_name, plugin, database, active, active_pid, confirmed_flush_lsn::text, restart_lsn::text, wal_status, invalidation_reason
       FROM pg_replication_slots WHERE slot_name = ${quoteLiteral(name)}`,
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    name: row.slot_name,
    plugin: row.plugin,
    database: row.database,
    active: row.active,
    activePid: row.active_pid,
    confirmedFlushLsn: row.confirmed_flush_lsn ? parseLsn(row.confirmed_flush_lsn) : 0n,
    restartLsn: row.restart_lsn ? parseLsn(row.restart_lsn) : 0n,
    walStatus: row.wal_status,
    invalidationReason: row.invalidation_reason,
  };
}

/**
 * A slot just created with an exported snapshot. The snapshot stays importable only while
 * `client` is open and has run no other command: close() once every copy has imported it.
 */
export interface CreatedSlot {
  readonly name: string;
  readonly consistentPoint: Lsn;
  readonly snapshotName: string;
  close(): Promise<void>;
}

export interface CreateSlotOptions {
  /** Dropped by the server when this connection ends (late table copies). */
  readonly temporary?: boolean;
  /**
   * A PostgreSQL 17 failover slot: standbys with `sync_replication_slots = on` keep a copy, so
   * after a failover the sidecar resumes on the promoted standby without a fresh copy. Not for
   * temporary slots (the server refuses); older servers reject the option with a syntax error.
   */
  readonly failover?: boolean;
  /**
   * Gives up waiting: CREATE_REPLICATION_SLOT waits for every transaction open on the primary to
   * end. Closing our socket alone would leave the walsender (and its half-made temporary slot)
   * waiting on the server, so its backend is terminated from a second connection.
   */
  readonly signal?: AbortSignal;
}

/** The CREATE_REPLICATION_SLOT command (replication protocol; no parameters are possible there). */
export function createSlotCommand(name: string, options: CreateSlotOptions = {}): string {
  const settings = [`SNAPSHOT 'export'`, ...(options.failover ? ['FAILOVER true'] : [])];
  return `CREATE_REPLICATION_SLOT ${quoteIdent(name)} ${options.temporary ? 'TEMPORARY ' : ''}LOGICAL pgoutput (${settings.join(', ')})`;
}

export async function createSlotWithSnapshot(source: SourceOptions, name: string, options: CreateSlotOptions = {}): Promise<CreatedSlot> {
  const client = replicationClient(source);
  client.on('error', () => undefined);
  await client.connect();
  const abort = (): void => void terminateBackend(source, client).finally(() => client.end().catch(() => undefined));
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (options.signal?.aborted) throw new Error('slot creation cancelled');
    const r = await client.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(createSlotCommand(name, options));
    const row = r.rows[0];
    if (!row) throw new Error(`CREATE_REPLICATION_SLOT ${name} returned no row`);
    return {
      name: row.slot_name,
      consistentPoint: parseLsn(row.consistent_point),
      snapshotName: row.snapshot_name,
      close: () => client.end(),
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/** Ends a replication connection's walsender on the server (best effort). */
async function terminateBackend(source: SourceOptions, client: pg.Client): Promise<void> {
  // node-postgres keeps BackendKeyData's pid on the client without typing it.
  const pid = (client as unknown as { processID: number | null }).processID;
  if (pid === null) return;
  const sql = sqlClient(source);
  sql.on('error', () => undefined);
  try {
    await sql.connect();
    await sql.query('SELECT pg_terminate_backend($1)', [pid]);
  } catch {
    // The server is gone or refuses: closing our socket is all that is left.
  } finally {
    await sql.end().catch(() => undefined);
  }
}

export async function dropSlot(client: pg.Client, name: string): Promise<void> {
  await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${quoteLiteral(name)}`);
}

/** One slot as `memstore-sidecar slots` and the inactive-slot check see it. */
export interface ProjectSlot {
  readonly name: string;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly restartLsn: Lsn | null;
  readonly confirmedFlushLsn: Lsn | null;
  /** The source's current WAL position minus confirmed_flush_lsn: what the slot's reader has yet to confirm. */
  readonly lagBytes: number | null;
  /** The source's current WAL position minus restart_lsn: WAL kept on disk for this slot. */
  readonly retainedBytes: number | null;
  readonly walStatus: string | null;
  /** When the slot was last released (PostgreSQL 17); null while active or on older servers. */
  readonly inactiveSince: Date | null;
  /** A PostgreSQL 17 failover slot (false on older servers). */
  readonly failover: boolean;
}

/**
 * The server's current WAL position as SQL: pg_current_wal_lsn() on a primary, the replay
 * position on a standby (where the former fails: decoding on standbys, PostgreSQL 16+).
 */
export const CURRENT_WAL_LSN_SQL = 'CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END';

/**
 * The pgoutput slots of the connected database whose name starts with `prefix` (temporary slots
 * of late table copies excluded: they vanish with their connection), with lag and retained WAL
 * against CURRENT_WAL_LSN_SQL. PostgreSQL 17 columns are read through to_jsonb so older servers answer too (null).
 */
export async function listProjectSlots(client: pg.Client, prefix: string): Promise<ProjectSlot[]> {
  const like = prefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
  const r = await client.query<{
    slot_name: string;
    active: boolean;
    active_pid: number | null;
    restart_lsn: string | null;
    confirmed_flush_lsn: string | null;
    lag_bytes: string | null;
    retained_bytes: string | null;
    wal_status: string | null;
    inactive_since: Date | null;
    failover: boolean | null;
  }>(
    `WITH here AS (SELECT ${CURRENT_WAL_LSN_SQL} AS lsn)
     SELECT s.slot_name, s.active, s.active_pid, s.restart_lsn::text, s.confirmed_flush_lsn::text,
            pg_wal_lsn_diff(here.lsn, s.confirmed_flush_lsn)::text AS lag_bytes,
            pg_wal_lsn_diff(here.lsn, s.restart_lsn)::text AS retained_bytes,
            s.wal_status,
            (to_jsonb(s) ->> 'inactive_since')::timestamptz AS inactive_since,
            coalesce((to_jsonb(s) ->> 'failover')::boolean, false) AS failover
       FROM pg_replication_slots s, here
      WHERE s.plugin = 'pgoutput' AND s.slot_type = 'logical' AND NOT s.temporary
        AND s.database = current_database() AND s.slot_name LIKE ${quoteLiteral(like)}
      ORDER BY s.slot_name`,
  );
  const num = (v: string | null): number | null => (v === null ? null : Number(v));
  return r.rows.map((row) => ({
    name: row.slot_name,
    active: row.active,
    activePid: row.active_pid,
    restartLsn: row.restart_lsn ? parseLsn(row.restart_lsn) : null,
    confirmedFlushLsn: row.confirmed_flush_lsn ? parseLsn(row.confirmed_flush_lsn) : null,
    lagBytes: num(row.lag_bytes),
    retainedBytes: num(row.retained_bytes),
    walStatus: row.wal_status,
    inactiveSince: row.inactive_since,
    failover: row.failover ?? false,
  }));
}
