/*
 * sidecar.ts — wiring: the store, the dump it resumes from, the follower that fills it, the
 * snapshotter that makes it durable (and, as they land, the pgwire endpoint and HTTP). Start order
 * follows the data flow; stop runs it backwards so nothing is half-done at exit.
 *
 *   start: load newest good dump ─► follower (resume from slot, or copy afresh) ─► dumps on
 *          ─► pgwire listens (only now: a reader never sees a half-copied table)
 *   stop:  pgwire stops accepting and closes sessions ─► stop dumps ─► hold the stream
 *          ─► final dump ─► report it to the slot ─► close stream
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { SourceOptions } from '../replication/connection.js';
import { pruneDumps } from '../snapshot/dump.js';
import { loadNewestDump } from '../snapshot/load.js';
import { Snapshotter } from '../snapshot/snapshotter.js';
import { RadixTree } from '../store/art.js';
import { Store } from '../store/store.js';
import { Follower, type FollowerOptions } from './follower.js';
import { PgWireServer, type PgWireServerOptions } from '../pgwire/server.js';
import { QueryEngine } from '../query/engine.js';
import { VERSION } from '../version.js';

export interface SidecarOptions {
  readonly source: SourceOptions;
  readonly publication: string;
  readonly slot: string;
  readonly id: string;
  readonly log: Logger;
  /** Where dumps live (`<dataDir>/dumps`); required when snapshotInterval > 0. */
  readonly dataDir?: string;
  /** Seconds between dumps; 0 or absent = dumps off (tables are copied afresh at every start). */
  readonly snapshotInterval?: number;
  readonly keepDumps?: number;
  readonly follower?: Partial<Pick<FollowerOptions, 'statusIntervalMs' | 'receiveTimeoutMs' | 'reconnectInitialMs' | 'reconnectMaxMs' | 'limits'>>;
  /** The pgwire endpoint; absent = no read endpoint (tests of the follower alone). */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly maxConnections?: number;
  readonly auth?: PgWireServerOptions['auth'];
  readonly tls?: PgWireServerOptions['tls'];
}

const newMap = (): RadixTree => new RadixTree();

export class Sidecar {
  readonly store = new Store(newMap);
  readonly follower: Follower;
  readonly snapshotter: Snapshotter | undefined;
  private summary: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private server: PgWireServer | undefined;
  /** Where the pgwire endpoint listens, once it does. */
  address: { host: string; port: number } | undefined;

  constructor(private readonly o: SidecarOptions) {
    const dumps = (o.snapshotInterval ?? 0) > 0;
    if (dumps && !o.dataDir) throw new Error('dumps need a data directory');
    this.snapshotter = dumps
      ? new Snapshotter({
          store: this.store,
          dumpsDir: this.dumpsDir,
          sidecarId: o.id,
          slot: o.slot,
          intervalSeconds: o.snapshotInterval ?? 0,
          keep: o.keepDumps ?? 2,
          log: o.log,
          onDurable: (lsn) => this.durable(lsn),
        })
      : undefined;
    this.follower = new Follower({
      source: o.source,
      slot: o.slot,
      publication: o.publication,
      store: this.store,
      log: o.log,
      flushMode: dumps ? 'durable' : 'applied',
      onResync: () => this.snapshotter?.invalidate(),
      ...o.follower,
    });
  }

  get dumpsDir(): string {
    return path.join(this.o.dataDir ?? '.', 'dumps');
  }

  async start(): Promise<void> {
    let resume = false;
    if (this.snapshotter) {
      await mkdir(this.dumpsDir, { recursive: true });
      await pruneDumps(this.dumpsDir, this.o.keepDumps ?? 2, true);
      const loaded = await loadNewestDump(this.store, this.dumpsDir, newMap, this.o.log);
      if (loaded) {
        this.snapshotter.rememberLoaded(loaded.lsn, loaded.dir, loaded.manifest);
        resume = true;
      } else {
        this.o.log.info('no usable dump: the tables are copied from the source and memstore keys start empty', { dumps: this.dumpsDir });
      }
    }
    await this.follower.start({ resume });
    this.snapshotter?.start();
    this.startSummary();
    if (this.o.listen) {
      const engine = await QueryEngine.create(this.store, {
        waiters: this.follower.waiters,
        stats: () => this.stats(),
        ...(this.snapshotter ? { save: () => this.save() } : {}),
        serverVersion: VERSION,
      });
      const pgLog = this.o.log.child({ component: 'pgwire' });
      this.server = new PgWireServer(engine, {
        host: this.o.listen.host,
        port: this.o.listen.port,
        maxConnections: this.o.maxConnections ?? 100,
        auth: this.o.auth ?? { method: 'trust' },
        ...(this.o.tls ? { tls: this.o.tls } : {}),
        log: (level, msg, fields) => pgLog[level](msg, fields),
      });
      this.address = await this.server.listen();
    }
  }

  /** What memstore.stats() adds to the store's own counters. */
  stats(): Record<string, unknown> {
    const s = this.store;
    const snap = this.snapshotter?.state;
    return {
      sidecar_id: this.o.id,
      slot: this.o.slot,
      follower_state: this.follower.state,
      server_wal_end: formatLsn(this.follower.serverWalEnd),
      lag_bytes: Number(this.follower.serverWalEnd > s.appliedLsn ? this.follower.serverWalEnd - s.appliedLsn : 0n),
      reconnects: this.follower.reconnectCount,
      memstore_stale: s.memstoreStale || null,
      dumps: snap
        ? {
            last_lsn: formatLsn(snap.lastLsn),
            last_at: snap.lastAt?.toISOString() ?? null,
            last_pause_ms: +snap.lastPauseMs.toFixed(2),
            written: snap.dumps,
            failures: snap.failures,
            consecutive_failures: snap.consecutiveFailures,
            last_error: snap.lastError ?? null,
          }
        : null,
      connections: this.server?.connectionCount ?? 0,
    };
  }

  /** Writes a dump now and makes it the slot's flush position; resolves with its LSN. */
  async save(reason = 'memstore.save()'): Promise<Lsn> {
    if (!this.snapshotter) throw new Error('dumps are off (--snapshot-interval 0)');
    return (await this.snapshotter.dump(reason)).lsn;
  }

  private durable(lsn: Lsn): void {
    if (lsn > this.store.durableLsn) this.store.durableLsn = lsn;
    this.follower.sendStatus();
  }

  /** Every few seconds, one line of what was applied since the last one (only when something was). */
  private startSummary(): void {
    let last = { ...this.store.counters };
    this.summary = setInterval(() => {
      const c = this.store.counters;
      if (c.transactions === last.transactions && c.quarantined === last.quarantined) return;
      this.o.log.info('applied', {
        transactions: c.transactions - last.transactions,
        changes: c.changes - last.changes,
        memstore_ops: c.memstoreOps - last.memstoreOps,
        quarantined: c.quarantined - last.quarantined,
        applied_lsn: formatLsn(this.store.appliedLsn),
        tables: Object.fromEntries([...this.store.tables.values()].map((t) => [`${t.relation.schema}.${t.relation.name}`, t.status === 'live' ? t.rows.size : t.status])),
        memstore_keys: this.store.memstore.size,
      });
      last = { ...c };
    }, 2000);
    this.summary.unref();
  }

  /** Graceful stop: a final dump (when dumps are on) that the slot is told about, then close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.summary) clearInterval(this.summary);
      await this.server?.close();
      if (this.snapshotter) {
        await this.snapshotter.stop();
        this.follower.quiesce();
        await this.snapshotter.dump('shutdown').catch(() => undefined); // logged by the snapshotter
      }
      await this.follower.stop();
    })();
    return this.stopping;
  }
}
