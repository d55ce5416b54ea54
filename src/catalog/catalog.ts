/*
 * catalog.ts — keeps the current catalog snapshot: read after the initial copy, and again
 * (debounced) whenever the set or the shape of the replicated tables changes.
 *
 *   start ─► read (in the background) ─► current = v1
 *   store shape changed (a table added, dropped, re-described; compared every second and when a
 *   plan over the catalog is made) / invalidate() (a copy swapped in) ─► wait debounce
 *     ─► read ─► current = v2         (a read in progress finishes first; one more read follows)
 *   read failed ─► keep the current snapshot, log, retry after retryMs
 *
 * The shape is the store's tables (live or syncing) with their names and columns: whatever
 * changes it changes what the catalog restricts to. DDL that changes no column (a new index, a
 * comment) is seen at the next refresh of another cause, or on invalidate() (XXX: the memstore
 * DDL messages could call it).
 *
 * Reads never block the stream: they run on their own connection, and a reader statement keeps
 * the snapshot it started with.
 *
 * Interface:
 *   new Catalog(options)   start() / stop()
 *   current                the snapshot readers use (undefined until the first read succeeded)
 *   check()                compares the store's shape, schedules a refresh when it moved
 *   invalidate()           schedules a refresh
 *   refreshed()            resolves once the snapshot matches the store (tests)
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { readCatalog, type HeldTable } from './read.js';
import { CatalogSnapshot } from './snapshot.js';

export interface CatalogOptions {
  readonly store: Store;
  /** Runs fn on an ordinary connection to the source (closed afterwards). */
  readonly withClient: <T>(fn: (client: pg.Client) => Promise<T>) => Promise<T>;
  readonly log: Logger;
  /** Delay between a change and the read (default 50 ms): a burst of changes reads once. */
  readonly debounceMs?: number;
  /** Retry after a failed read (default 5 s). */
  readonly retryMs?: number;
  /** How often the store's shape is compared with the snapshot's (default 1 s). */
  readonly checkMs?: number;
}

/** The tables the catalog describes, with what would change their rows in it. */
function heldTables(store: Store): HeldTable[] {
  const out: HeldTable[] = [];
  for (const t of store.tables.values()) {
    if (t.status === 'skipped') continue;
    out.push({ oid: t.relation.oid, schema: t.relation.schema, name: t.relation.name, columns: t.relation.columns.map((c) => c.name) });
  }
  return out;
}

function shapeOf(store: Store): string {
  const parts: string[] = [];
  for (const t of store.tables.values()) {
    if (t.status === 'skipped') continue;
    const r = t.relation;
    parts.push(`${r.oid}:${r.schema}.${r.name}(${r.columns.map((c) => `${c.name} ${c.typeOid} ${c.typeMod}`).join(',')})`);
  }
  return parts.sort().join(';');
}

export class Catalog {
  current: CatalogSnapshot | undefined;
  private version = 0;
  /** Shape of the store the current snapshot (or the read in progress) was made for. */
  private shape: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly o: CatalogOptions) {}

  /**
   * Starts the first read in the background: a sidecar's start (and each restart) is not held by
   * it; readers get 55000 until it lands (a few hundred ms). Failing is logged and retried.
   */
  start(): void {
    void this.read();
    // Tables dropped, added or renamed without a copy swapped in: noticed within a second.
    this.ticker = setInterval(() => this.check(), this.o.checkMs ?? 1000);
    this.ticker.unref();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    for (const w of this.waiters.splice(0)) w();
    return this.reading ?? Promise.resolve();
  }

  /** Schedules a refresh when the store's tables no longer look like the snapshot's. Cheap. */
  check(): void {
    if (this.stopped || this.timer !== undefined || this.reading !== undefined) return;
    if (shapeOf(this.o.store) !== this.shape) this.schedule(this.o.debounceMs ?? 50);
  }

  invalidate(): void {
    if (this.stopped) return;
    if (this.reading !== undefined) this.again = true;
    else this.schedule(this.o.debounceMs ?? 50);
  }

  /** Resolves once a snapshot for the store's current shape is in place (or the catalog stopped). */
  async refreshed(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      if (this.reading === undefined && this.timer === undefined && this.current !== undefined && shapeOf(this.o.store) === this.shape) return;
      if (this.reading === undefined && this.timer === undefined) this.schedule(0);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.read();
    }, ms);
    this.timer.unref();
  }

  private read(): Promise<void> {
    if (this.reading !== undefined) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const shape = shapeOf(this.o.store);
        const held = heldTables(this.o.store);
        const started = performance.now();
        try {
          const data = await this.o.withClient((client) => readCatalog(client, held));
          if (this.stopped) return;
          this.current = CatalogSnapshot.build(data, ++this.version);
          this.shape = shape;
          this.o.log.debug('catalog read from the source', { version: this.version, tables: held.length, ms: Math.round(performance.now() - started) });
        } catch (err) {
          if (this.stopped) return;
          this.o.log.warn('reading the catalog from the source failed; keeping the previous copy', { error: (err as Error).message, retry_ms: this.o.retryMs ?? 5000 });
          this.reading = undefined;
          this.schedule(this.o.retryMs ?? 5000);
          return;
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reading = undefined;
      for (const w of this.waiters.splice(0)) w();
    });
    return this.reading;
  }
}
