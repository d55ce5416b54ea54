/*
 * resync.ts — a table copied again beside the stream: how it enters 'syncing', and what counts
 * as a change of shape.
 *
 * Why a resync and not a patch. The stream cannot say what a DDL did to rows it does not carry
 * again: ADD COLUMN … DEFAULT (attmissingval), RENAME vs DROP+ADD, a type change that rewrites
 * the text (numeric → numeric(10,2), USING …), an enum value renamed. Any change of the column
 * description other than a pure table rename therefore makes the table 'syncing': the stored
 * tree is no longer served (readers get 55000 naming the reason), later changes of the table are
 * held in `resync.pending`, and the sync worker (sidecar/table-sync.ts) copies the table into a
 * fresh tree under a temporary slot's snapshot, consistent at point C. The applier then swaps the
 * copy in and replays the held changes committed at or after C, in one synchronous step, once
 * store.appliedLsn ≥ C (apply/applier.ts swapReady): a reader never sees one table at a later LSN
 * than another. This is PostgreSQL's tablesync catch-up, with the stream as the apply worker.
 *
 * Entering 'syncing' replaces the TableState object in store.tables (the old one keeps its tree,
 * unchanged from then on): a plan's valid() (query/select.ts) compares identity, so every cached
 * plan is re-made and fails with 55000; an open cursor finishes on the frozen old tree.
 *
 * Memory: the pending list grows with the table's write rate for as long as the copy (or a wait
 * for a consistent point behind an open transaction on the primary) lasts. Not bounded: XXX.
 */
import type { DdlRelation } from '../decode/ddl-message.js';
import type { Relation } from '../pg/relation.js';
import type { PendingChange, Store, TableState } from '../store/store.js';

/**
 * What differs between two descriptions of one table, other than its name and schema;
 * undefined when nothing does (a rename, or no change at all).
 */
export function describeChange(prev: Relation, next: Relation, prevKeyOrder: readonly string[] = [], nextKeyOrder: readonly string[] = []): string | undefined {
  if (prev.replicaIdentity !== next.replicaIdentity) return `replica identity ${prev.replicaIdentity} → ${next.replicaIdentity}`;
  const before = new Map(prev.columns.map((c) => [c.name, c]));
  const after = new Map(next.columns.map((c) => [c.name, c]));
  const added = next.columns.filter((c) => !before.has(c.name)).map((c) => c.name);
  const dropped = prev.columns.filter((c) => !after.has(c.name)).map((c) => c.name);
  if (added.length > 0 && dropped.length > 0) return `columns ${dropped.join(', ')} renamed or replaced by ${added.join(', ')}`;
  if (added.length > 0) return `column${added.length > 1 ? 's' : ''} ${added.join(', ')} added`;
  if (dropped.length > 0) return `column${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} dropped`;
  for (const n of next.columns) {
    const p = before.get(n.name)!;
    if (p.typeOid !== n.typeOid || p.typeMod !== n.typeMod) return `type of column ${n.name} changed`;
    if (p.generated !== n.generated) return `generation expression of column ${n.name} changed`;
  }
  for (const n of next.columns) {
    if (before.get(n.name)!.isKey !== n.isKey) return 'key changed';
  }
  if (prev.columns.some((c, i) => c.name !== next.columns[i]!.name)) return 'columns reordered (names swapped)';
  if (prevKeyOrder.length > 0 && nextKeyOrder.length > 0 && prevKeyOrder.join('\0') !== nextKeyOrder.join('\0')) return 'key order changed';
  return undefined;
}

/**
 * Why a table published via its partition root is copied again after ALTER TABLE on it (the
 * event trigger cannot say which subcommand ran) or after its leaves changed (the catalog check):
 * ATTACH and DETACH PARTITION change the root's rows with no row change in the stream.
 */
export const PARTITIONS_MAY_HAVE_CHANGED = 'partitions may have been attached or detached (no row changes in the stream)';

/**
 * Copies a live table again from this point of the stream although its description did not
 * change (its rows did, unseen: partitions attached or detached). False when it is not live.
 */
export function resyncRows(store: Store, t: TableState, reason: string): boolean {
  if (store.tables.get(t.relation.oid) !== t || t.status !== 'live') return false;
  startResync(store, t.relation, reason, [], t.keyOrder);
  return true;
}

/** A relation the store knows only by oid and name: the copy brings its columns. */
export function placeholderRelation(oid: number, schema: string, name: string): Relation {
  return { oid, schema, name, replicaIdentity: 'default', columns: [] };
}

/**
 * Makes the table `relation.oid` 'syncing' from this point of the stream: a new TableState with
 * an empty tree replaces any existing one. `pending` carries changes already held (a replay
 * that re-entered syncing).
 */
export function startResync(store: Store, relation: Relation, reason: string, pending: PendingChange[] = [], keyOrder: readonly string[] = []): TableState {
  const state: TableState = {
    relation,
    status: 'syncing',
    reason,
    since: Date.now(),
    keyIndexes: [],
    keyTypeOids: [],
    rows: store.emptyTree(),
    syncedAt: 0n,
    keyOrder,
    resync: { pending, phase: 'queued' },
  };
  store.tables.set(relation.oid, state);
  return state;
}

/** Command tags acting on a table itself (its description in the message tells what changed). */
export const TABLE_COMMANDS = new Set(['ALTER TABLE', 'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER PUBLICATION', 'CREATE PUBLICATION', 'COMMENT', 'GRANT', 'REVOKE', 'SECURITY LABEL', 'CREATE INDEX', 'ALTER INDEX']);

/** A table the store cannot key: no key columns, REPLICA IDENTITY FULL or NOTHING. */
export function keyless(r: Relation): boolean {
  return r.replicaIdentity === 'full' || r.replicaIdentity === 'nothing' || !r.columns.some((c) => c.isKey);
}

/** The description a memstore.ddl message carries, as a Relation; undefined when it has none. */
export function ddlRelation(rel: DdlRelation): Relation | undefined {
  if (rel.columns === undefined) return undefined;
  const identity = rel.identity ?? 'default';
  const key = new Set(rel.key ?? []);
  return {
    oid: rel.oid,
    schema: rel.schema,
    name: rel.name,
    replicaIdentity: identity,
    columns: rel.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typeMod: c.typeMod, isKey: identity === 'full' || (identity !== 'nothing' && key.has(c.name)) })),
  };
}
