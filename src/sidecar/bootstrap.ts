/*
 * bootstrap.ts — fills a new sidecar's store from a peer sidecar instead of the primary
 * (`--bootstrap-from postgres://peer:6433/…`): the tables and, unlike a copy from the primary,
 * the memstore keys, which exist nowhere else.
 *
 *   own slot ─► C (consistent point)           peer (an ordinary pgwire client)
 *       │                                       wait_lsn(C) ─► BEGIN ─► memstore.snapshot() → L, relations
 *       │                                       COPY each table, COPY memstore.kv (all at L) ─► COMMIT
 *       └──────────── store.appliedLsn = L ─► stream from the own slot at L
 *
 * Correctness. The own slot is created first (no exported snapshot is needed): every transaction
 * that commits at or after its consistent point C is decoded in full by it. The peer is then
 * waited for until its applied LSN is ≥ C, and its whole store is pinned in one synchronous step
 * (memstore.snapshot(), src/query/pinned-snapshot.ts): the pin is consistent at L = the peer's
 * applied LSN, an exclusive bound (every transaction whose commit record starts before L is in
 * it, none at or after). Every COPY of the block reads that pin, so all tables and the keys are
 * at the same L even though the peer goes on applying meanwhile. With appliedLsn = L the stream
 * starts at L: the server skips commits before L, the applier skips commitLsn < L, and since
 * L ≥ C everything from L on is in the slot. A table the peer filled by a late sync ahead of L
 * keeps its synced_at, so its changes already in the copy are not applied twice.
 *
 * The keys travel as `COPY memstore.kv` (key, value, expires_at), which in a pinned block is the
 * exact image of the key space: expiries come along, and keys expired but not yet swept too, so
 * both sidecars decide a later touch of such a key alike.
 *
 * Relation metadata (type OIDs, typmods, key columns and their order) comes from the pin itself:
 * it is what the peer's rows are shaped by, so it matches them at L even when the primary's
 * catalog has moved on (a later ALTER reaches this store as a Relation message, as on the peer).
 * Tables the peer holds that this sidecar's publication does not name are left out; tables it
 * does not hold yet (published after the peer's copy, unchanged since) are copied from the source
 * when their first change arrives, exactly as on the peer. A table the peer was still copying
 * is left to that same path. memstore keys the peer marks possibly stale stay marked here.
 *
 * Left out: the peer must follow the same source (or a physical standby of it: same LSNs) with
 * the same publication definition (column lists, row filters); nothing checks that. A failed
 * bootstrap does not fall back to copying from the primary: start-up fails with the reason,
 * and the slot created for it is dropped so it pins no WAL.
 *
 * Interface:
 *   createSlotWithoutSnapshot(source, slot)   CREATE_REPLICATION_SLOT … (SNAPSHOT 'nothing') → C
 *   bootstrapFromPeer(options, C)             loads the store; returns L and counts
 *   BootstrapError                            a bootstrap that cannot succeed as configured
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyTextDecoder } from '../decode/copy-text.js';
import type { Relation, ReplicaIdentity } from '../pg/relation.js';
import type { Logger } from '../log.js';
import { formatLsn, parseLsn, type Lsn } from '../lsn.js';
import { quoteIdent, replicationClient, sqlClient, type SourceOptions } from '../replication/connection.js';
import { publishedTables, type PublishedTable } from '../replication/table-copy.js';
import { columnValue } from '../store/row.js';
import { NO_EXPIRY, parseTimestamptz } from '../store/memstore.js';
import { rowKey, type Store } from '../store/store.js';

export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}

export interface BootstrapOptions {
  /** The peer sidecar's pgwire URL. */
  readonly peerUrl: string;
  readonly source: SourceOptions;
  readonly publication: string;
  readonly store: Store;
  readonly log: Logger;
  /** How long the peer may take to reach the slot's consistent point (default 60 s). */
  readonly waitMs?: number;
  readonly connectTimeoutMs?: number;
}

export interface BootstrapResult {
  readonly lsn: Lsn;
  readonly tables: number;
  readonly rows: number;
  readonly memstoreKeys: number;
}

/** What memstore.snapshot() returns (pinned-snapshot.ts). */
interface PeerSnapshot {
  lsn: string;
  memstore_stale: string | null;
  memstore_keys: number;
  tables: {
    oid: number;
    schema: string;
    name: string;
    replica_identity: ReplicaIdentity;
    key_order: string[];
    status: 'live' | 'syncing' | 'skipped';
    synced_at: string;
    rows: number;
    columns: { name: string; type_oid: number; type_mod: number; is_key: boolean; generated?: string }[];
  }[];
}

/** Creates the logical slot; no snapshot is exported (the peer's state replaces the copy). */
export async function createSlotWithoutSnapshot(source: SourceOptions, slot: string, options: { failover?: boolean } = {}): Promise<Lsn> {
  const client = replicationClient(source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const failover = options.failover === true ? ', FAILOVER true' : '';
    const r = await client.query<{ consistent_point: string }>(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput (SNAPSHOT 'nothing'${failover})`);
    const row = r.rows[0];
    if (!row) throw new Error(`CREATE_REPLICATION_SLOT ${slot} returned no row`);
    return parseLsn(row.consistent_point);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Loads the peer's state at one LSN ≥ consistentPoint into the store (replacing its tables and
 * keys) and sets store.appliedLsn to it. On failure the store is left empty.
 */
export async function bootstrapFromPeer(o: BootstrapOptions, consistentPoint: Lsn): Promise<BootstrapResult> {
  const { store, log } = o;
  const peerName = redactUrl(o.peerUrl);
  const published = await sourceTables(o);
  const peer = new pg.Client({
    connectionString: o.peerUrl,
    application_name: 'memstore-bootstrap',
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
  });
  peer.on('error', () => undefined);
  try {
    await peer.connect();
  } catch (err) {
    throw new BootstrapError(`cannot connect to the peer sidecar ${peerName} to bootstrap from: ${describe(err)}`);
  }
  const started = performance.now();
  try {
    const waitMs = o.waitMs ?? 60_000;
    log.info('waiting for the peer to reach this slot\'s consistent point', { peer: peerName, consistent_point: formatLsn(consistentPoint), wait_ms: waitMs });
    try {
      await peer.query(`SELECT memstore.wait_lsn('${formatLsn(consistentPoint)}', ${Math.max(1, Math.round(waitMs))})`);
    } catch (err) {
      if ((err as { code?: string }).code === '57014') {
        throw new BootstrapError(
          `the peer sidecar ${peerName} has not applied the source's WAL up to this sidecar's slot consistent point ${formatLsn(consistentPoint)} within ${waitMs} ms (${describe(err)}); is it following the same source, and is its stream live?`,
        );
      }
      if ((err as { code?: string }).code === '42883' || (err as { code?: string }).code === '3F000') {
        throw new BootstrapError(`the peer ${peerName} cannot serve a bootstrap (is it a memstore sidecar?): ${describe(err)}`);
      }
      throw err;
    }
    await peer.query('BEGIN');
    const snap = (await peer.query<{ s: PeerSnapshot }>('SELECT memstore.snapshot() AS s')).rows[0]?.s;
    if (snap === undefined) throw new BootstrapError(`the peer ${peerName} returned no snapshot`);
    const lsn = parseLsn(snap.lsn);
    if (lsn < consistentPoint) {
      throw new BootstrapError(`the peer's snapshot at ${snap.lsn} is before this slot's consistent point ${formatLsn(consistentPoint)}`);
    }
    store.tables.clear();
    store.kv.clear();
    let rows = 0;
    let tables = 0;
    for (const t of snap.tables) {
      const qualified = `${t.schema}.${t.name}`;
      if (!published.has(t.oid)) {
        log.info('peer holds a table this sidecar does not follow; not loaded', { table: qualified, publication: o.publication });
        continue;
      }
      if (t.status === 'syncing') {
        log.warn('peer was still copying this table; it is copied from the source beside the stream', { table: qualified });
        continue;
      }
      const relation: Relation = {
        oid: t.oid,
        schema: t.schema,
        name: t.name,
        replicaIdentity: t.replica_identity,
        columns: t.columns.map((c) => ({ name: c.name, typeOid: c.type_oid, typeMod: c.type_mod, isKey: c.is_key, ...(c.generated !== undefined ? { generated: c.generated } : {}) })),
      };
      const state = store.createTable(relation, t.key_order);
      state.syncedAt = parseLsn(t.synced_at);
      if (state.status !== 'live') {
        log.warn('table not applied', { table: qualified, reason: state.reason });
        continue;
      }
      const decoder = new CopyTextDecoder((row) => {
        state.rows.set(rowKey(state, row), row);
      });
      await copyOut(peer, `COPY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} TO STDOUT`, (chunk) => decoder.push(chunk));
      decoder.end();
      if (state.rows.size !== t.rows) {
        throw new BootstrapError(`copying ${qualified} from the peer gave ${state.rows.size} rows, its snapshot has ${t.rows}`);
      }
      rows += state.rows.size;
      tables++;
      log.info('copied table from the peer', { table: qualified, rows: state.rows.size });
    }
    for (const [oid, t] of published) {
      if (!store.tables.has(oid)) log.info('peer does not hold this published table yet; it is copied from the source beside the stream', { table: t });
    }
    const kv = store.kv;
    // memstore.kv in the pinned block: every key with its expiry, expired-but-unswept ones too.
    const keyDecoder = new CopyTextDecoder((row) => {
      const key = columnValue(row, 0);
      const value = columnValue(row, 1);
      const expires = columnValue(row, 2);
      // `\x…`: bytea's hex output, as COPY memstore.kv TO STDOUT writes it.
      if (!key || !value || key[0] !== 0x5c || key[1] !== 0x78) throw new BootstrapError('the peer sent a malformed memstore row');
      let exp = NO_EXPIRY;
      if (expires) {
        exp = parseTimestamptz(Buffer.from(expires).toString('latin1'));
        if (!Number.isSafeInteger(exp) || exp <= 0) throw new BootstrapError(`the peer sent a malformed expires_at: ${Buffer.from(expires).toString('latin1')}`);
      }
      kv.set(Buffer.from(Buffer.from(key.subarray(2)).toString('latin1'), 'hex'), value, exp);
    });
    await copyOut(peer, 'COPY memstore.kv TO STDOUT', (chunk) => keyDecoder.push(chunk));
    keyDecoder.end();
    if (kv.size !== snap.memstore_keys) throw new BootstrapError(`copying memstore keys from the peer gave ${kv.size}, its snapshot has ${snap.memstore_keys}`);
    await peer.query('COMMIT');
    store.appliedLsn = lsn;
    store.contentLsn = lsn;
    store.durableLsn = 0n;
    store.memstoreStale = snap.memstore_stale === null ? '' : `copied from peer ${peerName}, whose keys are possibly stale: ${snap.memstore_stale}`;
    log.info('bootstrapped from the peer', {
      peer: peerName,
      lsn: snap.lsn,
      consistent_point: formatLsn(consistentPoint),
      tables,
      rows,
      memstore_keys: kv.size,
      seconds: +((performance.now() - started) / 1000).toFixed(2),
    });
    return { lsn, tables, rows, memstoreKeys: kv.size };
  } catch (err) {
    store.tables.clear();
    store.kv.clear();
    if (err instanceof BootstrapError) throw err;
    throw new BootstrapError(`bootstrap from the peer sidecar ${peerName} failed: ${describe(err)}`);
  } finally {
    await peer.end().catch(() => undefined);
  }
}

/** oid → the tables this sidecar's publication names on the source. */
async function sourceTables(o: BootstrapOptions): Promise<Map<number, PublishedTable>> {
  const client = sqlClient(o.source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const tables = await publishedTables(client, o.publication);
    return new Map(tables.map((t) => [t.relation.oid, t]));
  } finally {
    await client.end();
  }
}

async function copyOut(client: pg.Client, sql: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  const stream = client.query(copyTo(sql));
  for await (const chunk of stream) onChunk(chunk as Buffer);
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map((e) => describe(e)).join('; ');
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
