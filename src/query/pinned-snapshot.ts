/*
 * pinned-snapshot.ts — memstore.snapshot(): one transaction block of a session reads the store as
 * it was at one applied LSN, so a peer can copy every table and the memstore keys at the same
 * point (peer bootstrap, src/sidecar/bootstrap.ts).
 *
 * Why a pin is needed. A COPY is streamed in pieces and the apply loop runs between them (the
 * tree's iterators follow modifications), so even one `COPY t TO STDOUT` is not the table at one
 * LSN, and the peer keeps applying between two COPYs. Quiescing the peer would stall its readers
 * and its slot; reporting "the LSN a COPY was taken at" has no answer for a copy that spans
 * transactions. Instead `SELECT memstore.snapshot()` inside a transaction block clones every
 * table's tree and the memstore tree in one synchronous step, between two applied transactions
 * — the same copy a dump makes (art.ts clone(): memcpy of the tree's buffers, ~90 ms per 1M
 * rows) — and returns, as jsonb, the LSN it is consistent at and the relations it holds:
 *
 *   {"lsn": "0/…", "memstore_stale": null | "why",
 *    "tables": [{"oid", "schema", "name", "replica_identity", "key_order": [...], "status",
 *                "synced_at": "0/…", "rows", "columns": [{"name", "type_oid", "type_mod",
 *                "is_key", "generated" (a generated column's expression)}]}]}
 *
 * Until the block ends (COMMIT / ROLLBACK; session.ts calls releaseSnapshot), `COPY [schema.]t TO
 * STDOUT`, `COPY memstore TO STDOUT` and `COPY memstore.kv TO STDOUT` (keys with their expiry,
 * expired-but-unswept ones included: copy.ts) in that session read the clones. A second call in the same
 * block describes the same pin. The relation metadata is the store's own (from pgoutput Relation
 * messages or the copy that made the table), so it matches the cloned rows exactly, even if the
 * primary's catalog has moved on since.
 *
 * Invariants: the clones never change; `lsn` is store.appliedLsn at the clone (exclusive: every
 * transaction whose commit starts before it is in the clones, none after). A table still being
 * copied ('syncing') is listed with its status and no rows. synced_at is kept so a copy of a
 * table that a late sync filled ahead of `lsn` is not replayed twice.
 *
 * Left out (XXX): plain SELECTs in the block still read the live store (REPEATABLE READ for
 * SELECT would need select.ts to resolve its tree per execution); COPY with a column list or a
 * query is refused while a snapshot is pinned rather than served from the live store.
 * Memory: the pin holds a full copy of the store until the block ends or the session closes.
 *
 * Interface:
 *   pinSnapshot(session, store)   clones (once per block); 25P01 outside a transaction block
 *   pinnedSnapshot(session)       the session's pin while its block lasts, else undefined
 *   releaseSnapshot(session)      drops the pin (transaction end)
 *   describeSnapshot(pin)         the jsonb text memstore.snapshot() returns
 */
import { SqlError } from '../errors.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { SessionState } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { ByteMap } from '../store/byte-map.js';
import type { Store, TableState } from '../store/store.js';
import { jsonbText } from './jsonb.js';

export interface PinnedTable {
  readonly state: Pick<TableState, 'relation' | 'status' | 'reason' | 'keyOrder' | 'syncedAt' | 'keyIndexes'>;
  /** Cloned rows; null for a table that was not live (skipped, or still being copied). */
  readonly rows: ByteMap | null;
}

export interface PinnedSnapshot {
  readonly lsn: Lsn;
  readonly tables: ReadonlyMap<number, PinnedTable>;
  readonly memstore: ByteMap;
  readonly memstoreStale: string;
}

const pins = new WeakMap<SessionState, PinnedSnapshot>();

export function pinSnapshot(session: SessionState, store: Store): PinnedSnapshot {
  if (session.txStatus === 'I') {
    throw new SqlError(SQLSTATE.no_active_sql_transaction, 'memstore.snapshot() can only be used in transaction blocks', {
      hint: 'BEGIN; SELECT memstore.snapshot(); COPY … TO STDOUT; …; COMMIT',
    });
  }
  const existing = pins.get(session);
  if (existing !== undefined) return existing;
  const tables = new Map<number, PinnedTable>();
  for (const [oid, t] of store.tables) {
    const state = {
      relation: t.relation,
      status: t.status,
      reason: t.reason,
      // The key's own order, as the store sorts it (keyOrder may be empty for a table that
      // first appeared in a Relation message; the indexes are authoritative).
      keyOrder: t.keyIndexes.map((i) => t.relation.columns[i]!.name),
      syncedAt: t.syncedAt,
      keyIndexes: [...t.keyIndexes],
    };
    // A table being copied holds a part of its rows: worthless to a reader of the pin.
    const rows = t.status === 'live' ? t.rows.clone() : null;
    tables.set(oid, { state, rows });
  }
  const pin: PinnedSnapshot = { lsn: store.appliedLsn, tables, memstore: store.memstore.clone(), memstoreStale: store.memstoreStale };
  pins.set(session, pin);
  return pin;
}

export function pinnedSnapshot(session: SessionState): PinnedSnapshot | undefined {
  const pin = pins.get(session);
  if (pin === undefined) return undefined;
  if (session.txStatus === 'I') {
    pins.delete(session);
    return undefined;
  }
  return pin;
}

export function releaseSnapshot(session: SessionState): void {
  pins.delete(session);
}

export function describeSnapshot(pin: PinnedSnapshot): string {
  return jsonbText({
    lsn: formatLsn(pin.lsn),
    memstore_stale: pin.memstoreStale === '' ? null : pin.memstoreStale,
    memstore_keys: pin.memstore.size,
    tables: [...pin.tables.values()].map(({ state, rows }) => ({
      oid: state.relation.oid,
      schema: state.relation.schema,
      name: state.relation.name,
      replica_identity: state.relation.replicaIdentity,
      key_order: state.keyOrder,
      status: state.status,
      synced_at: formatLsn(state.syncedAt),
      rows: rows?.size ?? 0,
      columns: state.relation.columns.map((c) => ({ name: c.name, type_oid: c.typeOid, type_mod: c.typeMod, is_key: c.isKey, ...(c.generated !== undefined ? { generated: c.generated } : {}) })),
    })),
  });
}
