/*
 * peer-start.ts — a follower's start from a peer sidecar when it has no state of its own: its own
 * slot is created first (without a snapshot), then the peer's state at a position at or past the
 * slot's consistent point is loaded (bootstrap.ts), so the stream from the slot continues it with
 * nothing missed. Tables the peer did not hold (it was still copying them) are handed to the
 * applier to copy beside the stream.
 *
 * A slot nobody will stream from pins WAL: when loading fails, the slot is dropped again.
 */
import type { Relation } from '../pg/relation.js';
import type { Logger } from '../log.js';
import { formatLsn } from '../lsn.js';
import { sqlClient, type SourceOptions } from '../replication/connection.js';
import { dropSlot } from '../replication/slot.js';
import { publishedTables } from '../replication/table-copy.js';
import type { Store } from '../store/store.js';
import { bootstrapFromPeer, createSlotWithoutSnapshot, redactUrl } from './bootstrap.js';
import { inactiveSlot } from './source-catalog.js';

export interface PeerStart {
  readonly source: SourceOptions;
  readonly publication: string;
  readonly slot: string;
  readonly failoverSlot?: boolean;
  readonly bootstrapWaitMs?: number;
  readonly store: Store;
  readonly log: Logger;
  /** A published table the peer did not hold: the applier copies it beside the stream. */
  noteCatalog(relation: Relation, keyOrder: readonly string[], attnums: readonly number[]): void;
}

export async function startFromPeer(o: PeerStart, peerUrl: string, reason: string): Promise<void> {
  const { store, log, slot } = o;
  log.info('bootstrapping from a peer sidecar', { peer: redactUrl(peerUrl), reason });
  const client = sqlClient(o.source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    if (await inactiveSlot(client, slot)) {
      log.info('dropping the existing slot: the state is loaded from the peer', { slot, reason });
      await dropSlot(client, slot);
    }
    const consistentPoint = await createSlotWithoutSnapshot(o.source, slot, { failover: o.failoverSlot ?? false });
    log.info('created replication slot', { slot, consistent_point: formatLsn(consistentPoint) });
    try {
      await bootstrapFromPeer({ peerUrl, source: o.source, publication: o.publication, store, log, ...(o.bootstrapWaitMs !== undefined ? { waitMs: o.bootstrapWaitMs } : {}) }, consistentPoint);
    } catch (err) {
      await dropSlot(client, slot).catch(() => undefined);
      throw err;
    }
    for (const t of await publishedTables(client, o.publication)) {
      if (!store.tables.has(t.relation.oid)) o.noteCatalog(t.relation, t.keyOrder, t.attnums);
    }
  } finally {
    await client.end();
  }
}
