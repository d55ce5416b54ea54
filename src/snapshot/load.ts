/*
 * load.ts — restores the store from the newest dump whose checksums verify.
 *
 * A table comes back from its tree image when there is one of this build's format whose size,
 * sha256 and key count match the manifest: a few buffer copies, no per-row work. Otherwise from
 * its COPY file, hashed while it is parsed and re-keyed with the key codec row by row. A dump
 * whose manifest is unreadable, or whose COPY file is missing, short, or hashes differently, is
 * reported and the next older one tried. Nothing is put into the live store until a whole dump
 * has loaded: a corrupt dump found half-way leaves the store empty, not half-loaded.
 * When the image is used the COPY file is still hashed (not parsed), so a damaged dump is
 * noticed either way.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CopyTextDecoder } from '../decode/copy-text.js';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';
import type { ByteMap } from '../store/byte-map.js';
import { columnValue } from '../store/row.js';
import { describeKey, rowKey, unservable, type Store, type TableState } from '../store/store.js';
import { listDumps } from './dump.js';
import { CorruptDump, MANIFEST_FILE, parseManifest, type FileEntry, type ImageEntry, type Manifest } from './manifest.js';
import { readTreeImage } from './tree-image.js';
import { IMAGE_FORMAT } from '../store/art.js';
import { encodeStored, NO_EXPIRY, parseTimestamptz } from '../store/memstore.js';

export interface LoadedDump {
  readonly lsn: Lsn;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
}

async function readCopyFile(dir: string, entry: FileEntry, onRow: (row: Uint8Array) => void): Promise<void> {
  const hash = createHash('sha256');
  const decoder = new CopyTextDecoder(onRow);
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path.join(dir, entry.file), { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      hash.update(b);
      bytes += b.length;
      decoder.push(b);
    }
    decoder.end();
  } catch (err) {
    if (err instanceof CorruptDump) throw err;
    throw new CorruptDump(`${entry.file}: ${(err as Error).message}`);
  }
  if (bytes !== entry.bytes) throw new CorruptDump(`${entry.file} has ${bytes} bytes, the manifest says ${entry.bytes}`);
  const digest = hash.digest('hex');
  if (digest !== entry.sha256) throw new CorruptDump(`${entry.file} does not match its sha256 in the manifest`);
  if (decoder.rows !== entry.rows) throw new CorruptDump(`${entry.file} has ${decoder.rows} rows, the manifest says ${entry.rows}`);
}

const HEX_PREFIX = 0x5c; // '\'

/** Checks a COPY file's size and sha256 without parsing it. */
async function hashCopyFile(dir: string, entry: FileEntry): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path.join(dir, entry.file), { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (err) {
    throw new CorruptDump(`${entry.file}: ${(err as Error).message}`);
  }
  if (bytes !== entry.bytes) throw new CorruptDump(`${entry.file} has ${bytes} bytes, the manifest says ${entry.bytes}`);
  if (hash.digest('hex') !== entry.sha256) throw new CorruptDump(`${entry.file} does not match its sha256 in the manifest`);
}

/** The tree from its image, or undefined (logged) when there is none usable. */
async function fromImage(dir: string, entry: FileEntry & { image?: ImageEntry }, log: Logger): Promise<ByteMap | undefined> {
  const image = entry.image;
  if (!image) return undefined;
  if (image.format !== IMAGE_FORMAT) {
    log.info('tree image of another format; loading the COPY file', { file: image.file, format: image.format });
    return undefined;
  }
  try {
    return await readTreeImage(path.join(dir, image.file), image);
  } catch (err) {
    log.warn('tree image unusable; loading the COPY file', { file: image.file, reason: (err as Error).message });
    return undefined;
  }
}

/** Reads one dump into fresh maps; throws CorruptDump on any mismatch. */
async function readDump(dir: string, newMap: () => ByteMap, log: Logger): Promise<{ manifest: Manifest & { lsnValue: Lsn }; tables: TableState[]; memstore: ByteMap; rows: number; bytes: number }> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    throw new CorruptDump(`cannot read ${MANIFEST_FILE}: ${(err as Error).message}`);
  }
  const manifest = parseManifest(text);
  const tables: TableState[] = [];
  let rows = 0;
  let bytes = 0;
  for (const entry of manifest.relations) {
    const t: TableState = {
      relation: entry.relation,
      status: 'live',
      reason: '',
      keyIndexes: [],
      keyTypeOids: [],
      rows: newMap(),
      syncedAt: 0n,
      keyOrder: entry.keyOrder,
    };
    describeKey(t, entry.relation);
    // Not served when dumped, for a reason the key does not show (a generated column): stays so.
    if (entry.status === 'skipped' && t.status === 'live') unservable(t, entry.reason);
    const started = performance.now();
    const image = await fromImage(dir, entry, log);
    if (image) {
      (t as { rows: ByteMap }).rows = image;
      await hashCopyFile(dir, entry);
    } else {
      await readCopyFile(dir, entry, (row) => {
        t.rows.set(rowKey(t, row), row);
      });
    }
    rows += entry.rows;
    bytes += entry.bytes;
    const secs = (performance.now() - started) / 1000;
    log.info('loaded table', {
      table: `${entry.relation.schema}.${entry.relation.name}`,
      rows: entry.rows,
      mb_per_s: secs > 0 ? +((entry.bytes / 1e6) / secs).toFixed(1) : null,
    });
    tables.push(t);
  }
  let memstore = await fromImage(dir, manifest.memstore, log);
  if (memstore) {
    await hashCopyFile(dir, manifest.memstore);
  } else {
    const kv = newMap();
    memstore = kv;
    // (key, value) in dumps made before expiry existed; (key, value, expires_at) since.
    await readCopyFile(dir, manifest.memstore, (row) => {
      const key = columnValue(row, 0);
      const value = columnValue(row, 1);
      if (!key || !value || key[0] !== HEX_PREFIX) throw new CorruptDump('memstore.copy has a malformed row');
      const expires = columnValue(row, 2);
      let exp = NO_EXPIRY;
      if (expires) {
        exp = parseTimestamptz(Buffer.from(expires).toString('latin1'));
        if (!Number.isSafeInteger(exp) || exp <= 0) throw new CorruptDump(`memstore.copy has a malformed expires_at: ${Buffer.from(expires).toString('latin1')}`);
      }
      kv.set(Buffer.from(Buffer.from(key.subarray(2)).toString('latin1'), 'hex'), encodeStored(value, exp));
    });
  }
  rows += manifest.memstore.rows;
  bytes += manifest.memstore.bytes;
  return { manifest, tables, memstore, rows, bytes };
}

/**
 * Loads the newest usable dump into the (empty) store. Returns undefined when there is none;
 * every dump skipped is logged with the reason.
 */
export async function loadNewestDump(store: Store, dumpsDir: string, newMap: () => ByteMap, log: Logger): Promise<LoadedDump | undefined> {
  for (const d of await listDumps(dumpsDir)) {
    const t0 = performance.now();
    try {
      const r = await readDump(d.dir, newMap, log);
      for (const t of r.tables) {
        store.prepareGenerated(t);
        store.tables.set(t.relation.oid, t);
      }
      store.memstore = r.memstore;
      store.memstoreStale = r.manifest.memstoreStale ?? '';
      store.appliedLsn = r.manifest.lsnValue;
      store.contentLsn = r.manifest.lsnValue;
      store.durableLsn = r.manifest.lsnValue;
      const ms = performance.now() - t0;
      log.info('loaded dump', {
        dir: d.dir,
        lsn: formatLsn(r.manifest.lsnValue),
        rows: r.rows,
        memstore_keys: r.manifest.memstore.rows,
        seconds: +(ms / 1000).toFixed(2),
        mb_per_s: ms > 0 ? +((r.bytes / 1e6) / (ms / 1000)).toFixed(1) : null,
      });
      return { lsn: r.manifest.lsnValue, dir: d.dir, manifest: r.manifest, rows: r.rows, bytes: r.bytes, ms };
    } catch (err) {
      if (!(err instanceof CorruptDump)) throw err;
      log.error('dump is unusable; trying an older one', { dir: d.dir, reason: err.message });
    }
  }
  return undefined;
}

/** memstore.load() cannot run now; the message says why and what to do. */
export class ReloadRefused extends Error {
  override readonly name = 'ReloadRefused';
}

/**
 * memstore.load(): replaces the store's tables and memstore keys with the newest dump's, while
 * the stream runs. Only allowed when the dump holds what the store holds — no transaction has
 * been applied since the dump's LSN (idle advances change nothing) — so the stream goes on from
 * the same applied LSN and exactly-once is untouched: nothing needs replaying, nothing is lost.
 * What it gives back: the state as the dump has it, read and verified from disk (checksums,
 * counts), in fresh trees (compact memory); keys the sweeper removed come back still expired,
 * invisible, and are swept again. Otherwise ReloadRefused: write a dump first (memstore.save()).
 * The check is made again after the (asynchronous) read, right before the synchronous swap.
 * Tables the dump does not have (being copied when it was taken) are left as they are.
 */
export async function reloadNewestDump(store: Store, dumpsDir: string, newMap: () => ByteMap, log: Logger): Promise<LoadedDump> {
  const newest = (await listDumps(dumpsDir))[0];
  if (!newest) throw new ReloadRefused('there is no dump to load; memstore.save() writes one');
  const check = (lsn: Lsn): void => {
    if (lsn < store.contentLsn || lsn > store.appliedLsn) {
      throw new ReloadRefused(
        `the newest dump (${formatLsn(lsn)}) does not hold what the store holds: transactions up to ${formatLsn(store.contentLsn)} were applied since; call memstore.save() first, then memstore.load()`,
      );
    }
  };
  check(newest.lsn);
  const t0 = performance.now();
  const r = await readDump(newest.dir, newMap, log);
  check(r.manifest.lsnValue);
  for (const t of r.tables) {
    const old = store.tables.get(t.relation.oid);
    if (old) t.syncedAt = old.syncedAt;
    store.prepareGenerated(t);
    store.tables.set(t.relation.oid, t);
  }
  store.memstore = r.memstore;
  store.memstoreStale = r.manifest.memstoreStale ?? '';
  const ms = performance.now() - t0;
  log.info('reloaded dump (memstore.load())', { dir: newest.dir, lsn: formatLsn(r.manifest.lsnValue), rows: r.rows, memstore_keys: r.manifest.memstore.rows, ms: Math.round(ms) });
  return { lsn: r.manifest.lsnValue, dir: newest.dir, manifest: r.manifest, rows: r.rows, bytes: r.bytes, ms };
}
