/*
 * source-catalog.ts — what the follower reads from the source's catalog over an ordinary
 * connection: the start-up checks (wal_level, the publication) and the periodic catalog check.
 *
 * pgoutput sends nothing when ALTER PUBLICATION … DROP TABLE (or DROP TABLE) happens: the table's
 * changes just stop. So the publication is read back now and then, together with the WAL
 * position P after that read. The ALTER committed before P; once the stream has passed P, every
 * change the source will send for the table has been applied, and its rows are dropped — in
 * stream order (at the first Begin at or after P, or an idle keepalive past it, or when the check
 * ends if the stream is past P already: an idle slot may send nothing for a while), so a table
 * added back after P is copied afresh beside the stream (sidecar/table-sync.ts) instead of being
 * applied onto rows that missed the changes made while it was out. Readers then get 42P01, as for any table not
 * in the publication.
 *
 * XXX A transaction that changed the table before the ALTER but commits after P is still decoded
 * with the table published (historic catalog snapshot): its Relation message makes the table
 * reappear (copied beside the stream) until the next check drops it again.
 *
 * The same read also compares each published table's description (name, schema, columns with
 * types, typmods and attnums, key, identity) with the store's, and starts a resync, a rename, or
 * the copy of a table new to the store (Applier.noteCatalog). That is the fallback for servers
 * without the memstore.ddl event triggers and for DDL with no write since; without the triggers,
 * DDL that changes no column description (ALTER COLUMN TYPE … USING with the same type, ALTER
 * TYPE … RENAME VALUE) is not seen. The first check runs right after start (a dump may lack
 * tables published since).
 *
 * The read may be older than what the stream has applied meanwhile (a rename, a new identity, a
 * drop seen by the event trigger): a table whose description the stream changed after the
 * position the read started at is left to the next check (CatalogRead.from).
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import { formatLsn, parseLsn, type Lsn } from '../lsn.js';
import { sqlClient, type SourceOptions } from '../replication/connection.js';
import { CURRENT_WAL_LSN_SQL, inspectSlot, type SlotInfo } from '../replication/slot.js';
import { publishedTables, type PublishedTable } from '../replication/table-copy.js';
import type { Store, TableState } from '../store/store.js';
import type { PartitionWatch } from './partition-watch.js';

/** A source problem the follower cannot fix by retrying (configuration). */
export class SourceConfigError extends Error {
  override readonly name = 'SourceConfigError';
}

/** Runs `fn` on a fresh ordinary connection to the source, closed afterwards. */
export async function withSourceClient<T>(source: SourceOptions, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = sqlClient(source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function hasPublication(client: pg.Client, publication: string): Promise<boolean> {
  return ((await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])).rowCount ?? 0) > 0;
}

/** Start-up: the source can feed a logical slot and has the publication. */
export function checkSource(source: SourceOptions, publication: string, log: Logger): Promise<void> {
  return withSourceClient(source, async (client) => {
    const wal = await client.query<{ wal_level: string; v: string }>(`SELECT current_setting('wal_level') AS wal_level, current_setting('server_version_num') AS v`);
    const row = wal.rows[0]!;
    if (row.wal_level !== 'logical') {
      throw new SourceConfigError(`the source has wal_level=${row.wal_level}; logical replication needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)`);
    }
    if (Number(row.v) < 150000) log.warn('the source is older than PostgreSQL 15; memstore is built and tested for PostgreSQL 17', { server_version_num: row.v });
    if (!(await hasPublication(client, publication))) {
      throw new SourceConfigError(`publication "${publication}" does not exist on the source; create it with CREATE PUBLICATION ${publication} FOR TABLE … (or FOR ALL TABLES)`);
    }
  });
}

/**
 * The slot, once no walsender holds it. Right after this process' predecessor died, the server
 * may not yet have noticed its connection is gone: wait a little before concluding that another
 * sidecar uses the slot.
 */
export async function inactiveSlot(client: pg.Client, slotName: string, waitMs = 15_000): Promise<SlotInfo | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const slot = await inspectSlot(client, slotName);
    if (!slot?.active) return slot;
    if (Date.now() > deadline) {
      throw new SourceConfigError(`replication slot "${slotName}" is in use by another process (pid ${slot.activePid}); is another sidecar running with the same --id/--slot?`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CatalogRead {
  /** The published tables as the stream will describe them. */
  readonly tables: readonly PublishedTable[];
  /** Tables the store held before the read that are no longer published. */
  readonly gone: readonly number[];
  /** The WAL position after the read: once the stream passes it, `gone` can be dropped. */
  readonly at: Lsn;
  /**
   * The WAL position before the read: what the stream applied at or before it is in the read;
   * a table whose description the stream changed after it may be described here as it was
   * before (Applier.noteCatalog leaves such a table to the next check).
   */
  readonly from: Lsn;
}

/** One catalog check; undefined when the publication is missing (logged; the tables are kept). */
export function readCatalog(
  source: SourceOptions,
  publication: string,
  store: Store,
  partitions: PartitionWatch,
  log: Logger,
  onPartitionsChanged: (t: TableState, what: string) => void,
): Promise<CatalogRead | undefined> {
  // Only tables the store had before the read: one copied meanwhile (added to the publication
  // after the read) is not missing from it.
  const known = [...store.tables.keys()];
  return withSourceClient(source, async (client) => {
    // A dropped publication is a configuration problem the stream reports by failing; it does not
    // mean "follow nothing": keep the tables rather than empty the store.
    if (!(await hasPublication(client, publication))) {
      log.warn('the publication does not exist on the source any more; keeping the tables as they are', { publication });
      return undefined;
    }
    const from = (await client.query<{ lsn: string }>(`SELECT (${CURRENT_WAL_LSN_SQL})::text AS lsn`)).rows[0]!.lsn;
    const tables = await publishedTables(client, publication);
    const published = new Set(tables.map((t) => t.relation.oid));
    // On a standby (decoding there) the catalog read reflects what was replayed so far.
    const at = (await client.query<{ lsn: string }>(`SELECT (${CURRENT_WAL_LSN_SQL})::text AS lsn`)).rows[0]!.lsn;
    const gone = known.filter((oid) => !published.has(oid) && store.tables.has(oid));
    await partitions.check(client, store, published, onPartitionsChanged);
    return { tables, gone, at: parseLsn(at), from: parseLsn(from) };
  });
}

/** The tables to drop once the stream passes `at`: another check's may still be pending (keep both). */
export function pendingDrops(prev: { oids: readonly number[]; at: Lsn } | undefined, read: CatalogRead): { oids: readonly number[]; at: Lsn } | undefined {
  if (read.gone.length === 0) return prev;
  if (!prev) return { oids: read.gone, at: read.at };
  return { oids: [...new Set([...prev.oids, ...read.gone])], at: prev.at > read.at ? prev.at : read.at };
}

/** Drops the tables found unpublished, once the stream has passed the point they were read at. */
export function dropUnpublished(store: Store, oids: readonly number[], at: Lsn, publication: string, log: Logger): void {
  for (const oid of oids) {
    const t = store.tables.get(oid);
    if (!t) continue;
    store.tables.delete(oid);
    log.warn('table is no longer in the publication; its rows are dropped from the store', {
      table: `${t.relation.schema}.${t.relation.name}`,
      publication,
      rows: t.rows.size,
      checked_at: formatLsn(at),
    });
  }
}
