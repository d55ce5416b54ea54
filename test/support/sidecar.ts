/*
 * An in-process sidecar following a test database, and the comparisons the tests make against
 * the primary: the primary's own COPY output versus the store's rows in key order.
 */
import { appendFileSync } from 'node:fs';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { encodeCopyRow } from '../../src/decode/copy-text.js';
import { createLogger, type Logger } from '../../src/log.js';
import { parseLsn } from '../../src/lsn.js';
import { Sidecar, type SidecarOptions } from '../../src/sidecar/sidecar.js';
import { installSql } from '../../src/sidecar/embedded-source.js';
import type { TestDatabase } from './pg.js';
import { waitForValue } from './wait.js';

export const captured: string[] = [];

/** MEMSTORE_TEST_LOG=1 prints the sidecars' debug log; MEMSTORE_TEST_LOG=/path appends it to a file. */
export function testLogger(base: Record<string, unknown> = {}): Logger {
  const target = process.env.MEMSTORE_TEST_LOG;
  return createLogger({
    level: target ? 'debug' : 'info',
    base,
    write: (line) => {
      captured.push(line);
      if (target === '1') process.stderr.write(line + '\n');
      else if (target) appendFileSync(target, line + '\n');
    },
  });
}

export async function startSidecar(
  db: TestDatabase,
  options: { publication?: string; slot?: string; log?: Logger; sourceUrl?: string; sidecar?: Partial<Omit<SidecarOptions, 'source' | 'log' | 'follower'>>; follower?: SidecarOptions['follower'] } = {},
): Promise<Sidecar> {
  const sidecar = new Sidecar({
    source: { url: options.sourceUrl ?? db.url, applicationName: 'memstore-test' },
    publication: options.publication ?? 'memstore',
    slot: options.slot ?? `memstore_${db.name}`,
    id: db.name,
    log: options.log ?? testLogger({ db: db.name }),
    ...options.sidecar,
    follower: { statusIntervalMs: 100, reconnectInitialMs: 50, reconnectMaxMs: 500, receiveTimeoutMs: 10_000, ...options.follower },
  });
  await sidecar.start();
  return sidecar;
}

export async function prepareSource(db: TestDatabase, setupSql: string, publication = 'memstore'): Promise<void> {
  await installSql(db.client);
  await db.client.query(setupSql);
  const exists = await db.client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (exists.rowCount === 0) await db.client.query(`CREATE PUBLICATION ${publication} FOR ALL TABLES`);
}

/** Waits until the sidecar has applied everything committed on the primary so far. */
export async function caughtUp(sidecar: Sidecar, client: pg.Client, timeoutMs = 30_000): Promise<void> {
  const r = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  await sidecar.follower.waiters.wait(parseLsn(r.rows[0]!.lsn), timeoutMs);
}

/** The primary's COPY text of a table, ordered by the given expression. */
export async function primaryCopy(client: pg.Client, table: string, orderBy: string): Promise<string> {
  const stream = client.query(copyTo(`COPY (SELECT * FROM ${table} ORDER BY ${orderBy}) TO STDOUT`));
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The store's rows of a table in key order, as COPY text. */
export function storeCopy(sidecar: Sidecar, table: string): string {
  const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
  const t = sidecar.store.tableByName(schema!, name!);
  if (!t) throw new Error(`the store has no table ${table}`);
  const parts: Buffer[] = [];
  for (const [, row] of t.rows.entries()) parts.push(encodeCopyRow(row));
  return Buffer.concat(parts).toString('utf8');
}

/** memstore keys as a plain object (key as UTF-8 → value text). */
export function memstoreContents(sidecar: Sidecar): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of sidecar.store.memstore.entries()) out[Buffer.from(k).toString('utf8')] = Buffer.from(v).toString('utf8');
  return out;
}

/**
 * Caught up AND no table being copied: every table the sidecar follows is either live (equal to
 * the primary at the applied LSN) or skipped. Tables resynchronized after DDL are swapped in only
 * once the stream passes their copy's consistent point, so this waits for both, in a loop.
 */
export async function settled(sidecar: Sidecar, client: pg.Client, timeoutMs = 30_000): Promise<void> {
  const busy = (): string[] =>
    [...sidecar.store.tables.values()].filter((t) => t.status === 'syncing').map((t) => `${t.relation.schema}.${t.relation.name} (${t.reason}; ${t.resync?.phase ?? '?'})`);
  await waitForValue(
    async () => {
      await caughtUp(sidecar, client, timeoutMs);
      return busy();
    },
    (b) => b.length === 0,
    timeoutMs,
    'table syncs to finish',
  );
}
