/*
 * dump.ts — writes the store to disk in PostgreSQL COPY text format, atomically.
 *
 * Consistency: the store is captured between two transactions by cloning every table's tree and
 * the memstore tree in one synchronous step (RadixTree.clone copies typed-array pools, no per-key
 * work). That copy is the dump's only pause for readers and the stream; the files are then written
 * from the clones while transactions keep applying to the live store. The clones cost as much
 * memory as the store while the dump runs, and are released as soon as it is written
 * (RadixTree.release(): without it they stayed resident until some later full GC).
 *
 * Durability: files are written into `tmp-<lsn>-<pid>`, each fsynced; the directory is fsynced,
 * renamed to `dump-<lsn>`, and the parent fsynced. Only then is the dump's LSN reported as the
 * slot's flush position (store.durableLsn), so the slot always keeps the WAL from the newest
 * durable dump on.
 *
 * A dump of an unchanged store (no transaction applied since the last dump, only idle-advances)
 * copies the previous dump's files with a new manifest: the slot still moves forward while the
 * published tables are idle, without encoding the data again.
 */
import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeCopyRow } from '../decode/copy-text.js';
import { formatLsn, type Lsn } from '../lsn.js';
import { RadixTree } from '../store/art.js';
import type { ByteMap } from '../store/byte-map.js';
import { buildRow } from '../store/row.js';
import type { Store } from '../store/store.js';
import { expiryOf, formatTimestamptz, jsonOf, NO_EXPIRY } from '../store/memstore.js';
import {
  dumpDirName,
  lsnOfDumpDir,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  manifestLsn,
  MEMSTORE_COLUMNS,
  MEMSTORE_FILE,
  relationFileName,
  type FileEntry,
  type ImageEntry,
  type Manifest,
  type RelationEntry,
} from './manifest.js';
import { writeTreeImage } from './tree-image.js';

export interface DumpResult {
  readonly lsn: Lsn;
  readonly dir: string;
  /** Time readers and the stream were held: the clone. */
  readonly pauseMs: number;
  readonly writeMs: number;
  readonly bytes: number;
  readonly rows: number;
  /** True when the files were copied from the previous dump (nothing had changed). */
  readonly reused: boolean;
}

interface Captured {
  readonly lsn: Lsn;
  readonly tables: { entry: Omit<RelationEntry, keyof FileEntry>; rows: ByteMap; file: string }[];
  readonly memstore: ByteMap;
  readonly memstoreStale: string;
}

/** Clones everything in one synchronous step. */
export function capture(store: Store): Captured {
  const tables = [...store.tables.values()]
    .filter((t) => t.status !== 'syncing')
    .map((t) => ({
      entry: {
        relation: t.relation,
        keyOrder: t.keyIndexes.map((i) => t.relation.columns[i]!.name),
        status: t.status === 'skipped' ? ('skipped' as const) : ('live' as const),
        reason: t.reason,
      },
      rows: t.rows.clone(),
      file: relationFileName(t.relation),
    }));
  return { lsn: store.appliedLsn, tables, memstore: store.memstore.clone(), memstoreStale: store.memstoreStale };
}

export interface WriteDumpOptions {
  readonly dumpsDir: string;
  readonly sidecarId: string;
  readonly slot: string;
  /** The previous dump, when the store has not changed since: its files are copied. */
  readonly reuse?: { readonly dir: string; readonly manifest: Manifest };
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes rows (DataRow bodies) to a COPY text file; returns its entry. */
async function writeCopyFile(file: string, name: string, rows: Iterable<Uint8Array>): Promise<FileEntry> {
  const hash = createHash('sha256');
  const out = createWriteStream(file, { flags: 'wx', highWaterMark: 1 << 20 });
  let count = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  // Batch lines into ~256 KiB writes: one write per row would cost more than the encoding.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const chunk = Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    hash.update(chunk);
    bytes += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  for (const row of rows) {
    const line = encodeCopyRow(row);
    batch.push(line);
    batchBytes += line.length;
    count++;
    if (batchBytes >= 256 * 1024) await flush();
  }
  await flush();
  out.end();
  await done;
  await fsyncPath(file);
  return { file: name, rows: count, bytes, sha256: hash.digest('hex') };
}

/** Writes the tree image next to a COPY file (and fsyncs it), for maps that can make one. */
async function imageOf(dir: string, copyFile: string, map: ByteMap): Promise<ImageEntry | undefined> {
  if (!(map instanceof RadixTree)) return undefined;
  const name = copyFile.replace(/\.copy$/, '.art');
  const entry = await writeTreeImage(path.join(dir, name), name, map);
  await fsyncPath(path.join(dir, name));
  return entry;
}

/** memstore.copy rows: (key bytea, value jsonb, expires_at timestamptz), expired keys included. */
function* memstoreRows(map: ByteMap): Generator<Uint8Array> {
  for (const [key, stored] of map.entries()) {
    const exp = expiryOf(stored);
    yield buildRow([Buffer.from('\\x' + Buffer.from(key).toString('hex'), 'latin1'), jsonOf(stored), exp === NO_EXPIRY ? null : Buffer.from(formatTimestamptz(exp), 'latin1')]);
  }
}

function* tableRows(map: ByteMap): Generator<Uint8Array> {
  for (const [, row] of map.entries()) yield row;
}

export async function writeDump(store: Store, options: WriteDumpOptions): Promise<DumpResult> {
  const t0 = performance.now();
  const captured = capture(store);
  const pauseMs = performance.now() - t0;

  const finalDir = path.join(options.dumpsDir, dumpDirName(captured.lsn));
  const tmpDir = path.join(options.dumpsDir, `tmp-${dumpDirName(captured.lsn)}-${process.pid}-${Date.now()}`);
  await mkdir(options.dumpsDir, { recursive: true });
  await mkdir(tmpDir);
  try {
    const relations: RelationEntry[] = [];
    let memstore: Manifest['memstore'];
    const reuse = options.reuse;
    if (reuse) {
      const files = [...reuse.manifest.relations, reuse.manifest.memstore].flatMap((e) => (e.image ? [e.file, e.image.file] : [e.file]));
      // Copies (reflinks where the file system has them), not hard links: two dumps sharing an
      // inode would share its damage, and the older dump would be no fallback at all.
      for (const f of files) {
        await copyFile(path.join(reuse.dir, f), path.join(tmpDir, f), constants.COPYFILE_FICLONE);
        await fsyncPath(path.join(tmpDir, f));
      }
      relations.push(...reuse.manifest.relations);
      memstore = reuse.manifest.memstore;
    } else {
      for (const t of captured.tables) {
        const live = t.entry.status === 'live';
        const f = await writeCopyFile(path.join(tmpDir, t.file), t.file, live ? tableRows(t.rows) : []);
        const image = live ? await imageOf(tmpDir, t.file, t.rows) : undefined;
        relations.push({ ...t.entry, ...f, ...(image ? { image } : {}) });
      }
      const m = await writeCopyFile(path.join(tmpDir, MEMSTORE_FILE), MEMSTORE_FILE, memstoreRows(captured.memstore));
      const image = await imageOf(tmpDir, MEMSTORE_FILE, captured.memstore);
      memstore = { ...m, columns: MEMSTORE_COLUMNS, ...(image ? { image } : {}) };
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      lsn: manifestLsn(captured.lsn),
      sidecarId: options.sidecarId,
      slot: options.slot,
      createdAt: new Date().toISOString(),
      relations,
      memstore,
      ...(captured.memstoreStale ? { memstoreStale: captured.memstoreStale } : {}),
    };
    const manifestPath = path.join(tmpDir, MANIFEST_FILE);
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
    await fsyncPath(manifestPath);
    await fsyncPath(tmpDir);
    await rm(finalDir, { recursive: true, force: true }); // same LSN dumped twice: the newer wins
    await rename(tmpDir, finalDir);
    await fsyncPath(options.dumpsDir);
    const bytes = relations.reduce((a, r) => a + r.bytes, memstore.bytes);
    const rows = relations.reduce((a, r) => a + r.rows, memstore.rows);
    // The clones are as big as the store: give their memory back now, not at some later full GC
    // (store/release.ts). Only here, with every write finished: after a failed write one may
    // still be in flight from their buffers, so those are left to the GC.
    for (const map of [...captured.tables.map((t) => t.rows), captured.memstore]) if (map instanceof RadixTree) map.release();
    return { lsn: captured.lsn, dir: finalDir, pauseMs, writeMs: performance.now() - t0 - pauseMs, bytes, rows, reused: reuse !== undefined };
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** Dump directories, newest first. */
export async function listDumps(dumpsDir: string): Promise<{ dir: string; lsn: Lsn }[]> {
  let names: string[];
  try {
    names = await readdir(dumpsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((n) => ({ dir: path.join(dumpsDir, n), lsn: lsnOfDumpDir(n) }))
    .filter((d): d is { dir: string; lsn: Lsn } => d.lsn !== undefined)
    .sort((a, b) => (a.lsn < b.lsn ? 1 : a.lsn > b.lsn ? -1 : 0));
}

/** Keeps the newest `keep` dumps and removes half-written `tmp-` directories of dead writers. */
export async function pruneDumps(dumpsDir: string, keep: number, removeTmp = false): Promise<string[]> {
  const removed: string[] = [];
  const dumps = await listDumps(dumpsDir);
  for (const d of dumps.slice(Math.max(keep, 1))) {
    await rm(d.dir, { recursive: true, force: true });
    removed.push(d.dir);
  }
  if (removeTmp) {
    for (const n of await readdir(dumpsDir).catch(() => [] as string[])) {
      if (n.startsWith('tmp-')) {
        await rm(path.join(dumpsDir, n), { recursive: true, force: true });
        removed.push(path.join(dumpsDir, n));
      }
    }
  }
  return removed;
}

export function describeDump(r: DumpResult): Record<string, unknown> {
  return {
    lsn: formatLsn(r.lsn),
    rows: r.rows,
    mb: +(r.bytes / 1e6).toFixed(2),
    pause_ms: +r.pauseMs.toFixed(2),
    write_ms: Math.round(r.writeMs),
    mb_per_s: r.writeMs > 0 ? +((r.bytes / 1e6) / (r.writeMs / 1000)).toFixed(1) : null,
    reused_previous_files: r.reused,
  };
}
