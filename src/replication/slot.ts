/*
 * slot.ts — the sidecar's logical replication slot on the source: inspect, create (with an
 * exported snapshot for the initial copy), drop.
 */
import type pg from 'pg';
import { parseLsn, type Lsn } from '../lsn.js';
import { quoteIdent, quoteLiteral, replicationClient, type SourceOptions } from './connection.js';

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

export async function createSlotWithSnapshot(
  source: SourceOptions,
  name: string,
  options: { temporary?: boolean } = {},
): Promise<CreatedSlot> {
  const client = replicationClient(source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(name)} ${options.temporary ? 'TEMPORARY ' : ''}LOGICAL pgoutput (SNAPSHOT 'export')`,
    );
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
  }
}

export async function dropSlot(client: pg.Client, name: string): Promise<void> {
  await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${quoteLiteral(name)}`);
}
