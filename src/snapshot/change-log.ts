/*
 * change-log.ts — the local change log: every applied transaction, as the raw pgoutput messages
 * it arrived as, fsynced in groups, so that a restart reaches the last applied commit (newest dump
 * + log) and the slot may forget WAL milliseconds after it was applied instead of a dump interval.
 *
 * Format. `<data-dir>/log/NNNNNNNNNNNN.seg`, numbered in write order. A segment starts with
 *     "MSCHLOG1" | start LSN u64 | crc32 u32 (of the 16 bytes before)                  20 bytes
 * and holds records
 *     body length u32 | kind u8 | commit LSN u64 | end LSN u64 | body | crc32 u32
 * (integers big-endian; the CRC covers everything from the length word to the end of the body).
 * Kind 1 is a transaction: the body is its messages, Begin…Commit, Relation messages included,
 * each as [u32 length][bytes] — replay feeds them through the same decode → apply path as the
 * stream (sidecar/follower.ts), so there is one apply path. Kind 2 is an idle advance (empty body):
 * the stream was idle up to that LSN; it makes the slot's flush after an idle period replayable.
 *
 * Invariants:
 *   - Records are appended in apply order; a segment's start LSN is the store's applied LSN when
 *     it was opened, so every record in it follows that point, and a segment wholly covered by a
 *     durable dump is the one whose successor starts at or before the dump's LSN.
 *   - A replay must reach each segment's start LSN before it applies the segment: a segment that
 *     starts past the replayed position (a gap) and everything after it is not applied.
 *   - `syncedLsn` is the end LSN of the newest record known to be on disk (fdatasync done, and the
 *     directory fsynced after a segment was created). It counts as durable only once a durable
 *     dump at or after `base` exists: `base` is set when the log starts from a state no dump holds
 *     (a fresh copy of the tables, or a new start after a write error).
 *   - Writes go to the kernel as each record comes (one write per record, synchronously: page
 *     cache); fdatasync runs off the event loop, one at a time, every groupMs after a write.
 *   - A torn or corrupt record (short, overrunning, bad CRC) is never applied: replay logs it with
 *     its segment, offset and LSN, truncates the segment there and removes later segments.
 *
 * Left out: compression; preallocation of segments (each fdatasync also syncs the file size);
 * reading a log written by another sidecar (segments carry no identity: the data dir is this
 * sidecar's own).
 */
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { FrameReader, readFully, type MessageSource } from '../frames.js';
import type { Logger } from '../log.js';
import { formatLsn, type Lsn } from '../lsn.js';

export const SEGMENT_MAGIC = Buffer.from('MSCHLOG1', 'latin1');
export const SEGMENT_HEADER = 20;
export const RECORD_HEADER = 21;
export const RECORD_TRAILER = 4;
export const RecordKind = { Transaction: 1, Advance: 2 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];


export interface ChangeLogOptions {
  readonly dir: string;
  readonly log: Logger;
  /** How long a write waits for company before its fdatasync starts (default 2 ms). */
  readonly groupMs?: number;
  /** Called after each completed sync with the durable position (durableLsn). */
  readonly onSynced?: (lsn: Lsn) => void;
}

interface Segment {
  readonly seq: number;
  readonly file: string;
  readonly startLsn: Lsn;
}

/** Records bigger than this are written through a staging buffer instead of one allocation. */
const STAGE = 1 << 20;

export class ChangeLog {
  private segments: Segment[] = [];
  private fd: number | undefined;
  private dirty = new Set<number>();
  private retired = new Set<number>();
  private dirDirty = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;
  /** End LSN of the newest record written (0: none yet). */
  writtenLsn: Lsn = 0n;
  syncedLsn: Lsn = 0n;
  /** The log counts as durable only once a dump at or after this LSN is durable. */
  base: Lsn = 0n;
  private checkpointLsn: Lsn = 0n;
  /** Why the log stopped writing (a write or sync error); undefined while it works. */
  failed: string | undefined;
  readonly stats = { records: 0, bytes: 0, syncs: 0, segments: 0 };

  constructor(private readonly o: ChangeLogOptions) {}

  /** Reads the segment list (before begin() or a replay). */
  async load(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true });
    this.segments = await listSegments(this.o.dir);
  }

  /** True until a durable dump covers the log's start: until then only dumps are durable. */
  get needsCheckpoint(): boolean {
    return this.checkpointLsn === 0n || this.checkpointLsn < this.base;
  }

  get dir(): string {
    return this.o.dir;
  }

  /** Start LSN of the oldest segment (undefined: none, or its header is unreadable). */
  get firstSegmentStart(): Lsn | undefined {
    const s = this.segments[0];
    return s && s.startLsn >= 0n ? s.startLsn : undefined;
  }

  /** Segment files on disk, oldest first. */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /** What the slot may forget because of the log: the synced position once a dump covers base. */
  get durableLsn(): Lsn {
    return this.checkpointLsn >= this.base && this.checkpointLsn > 0n ? this.syncedLsn : 0n;
  }

  /**
   * Starts writing a new segment at `startLsn` (the store's applied LSN). `fresh`: the store was
   * rebuilt from something no dump holds — every older segment is deleted and the log counts only
   * after a dump at or after startLsn.
   */
  async begin(startLsn: Lsn, fresh: boolean): Promise<void> {
    if (fresh) {
      await this.retireCurrent();
      for (const s of this.segments) await rm(s.file, { force: true });
      this.segments = [];
      this.base = startLsn;
      this.syncedLsn = 0n;
    } else {
      // A replay may have cut segments; what it read may be only in the page cache of a killed
      // predecessor: sync the newest before counting on it.
      this.segments = await listSegments(this.o.dir);
      const last = this.segments[this.segments.length - 1];
      if (last) {
        const h = await open(last.file, 'r+');
        try {
          await h.datasync();
        } finally {
          await h.close();
        }
      }
    }
    this.failed = undefined;
    this.openSegment(startLsn);
  }

  /** Appends one applied transaction. Never throws: a failure stops the log (see `failed`). */
  appendTransaction(commitLsn: Lsn, endLsn: Lsn, messages: MessageSource): void {
    this.append(RecordKind.Transaction, commitLsn, endLsn, messages);
  }

  /** The stream was idle up to `lsn` (nothing of ours committed in between). */
  appendAdvance(lsn: Lsn): void {
    if (lsn <= this.writtenLsn) return;
    this.append(RecordKind.Advance, lsn, lsn, EMPTY);
  }

  private append(kind: RecordKind, commitLsn: Lsn, endLsn: Lsn, messages: MessageSource): void {
    if (this.fd === undefined || this.failed !== undefined) return;
    const fd = this.fd;
    try {
      const total = RECORD_HEADER + messages.bytes + RECORD_TRAILER;
      const out = Buffer.allocUnsafe(Math.min(total, STAGE));
      out.writeUInt32BE(messages.bytes, 0);
      out.writeUInt8(kind, 4);
      out.writeBigUInt64BE(commitLsn, 5);
      out.writeBigUInt64BE(endLsn, 13);
      let at = RECORD_HEADER;
      let crc = 0;
      let body = 0;
      const flush = (): void => {
        crc = crc32(out.subarray(0, at), crc);
        writeFully(fd, out.subarray(0, at));
        at = 0;
      };
      messages.forEach((msg) => {
        if (at + 4 > out.length) flush();
        out.writeUInt32BE(msg.length, at);
        at += 4;
        body += 4 + msg.length;
        if (at + msg.length > out.length) {
          flush();
          crc = crc32(msg, crc);
          writeFully(fd, msg);
        } else {
          out.set(msg, at);
          at += msg.length;
        }
      });
      if (body !== messages.bytes) throw new Error(`a transaction's messages were counted as ${messages.bytes} bytes but are ${body}`);
      if (at + 4 > out.length) flush();
      crc = crc32(out.subarray(0, at), crc);
      out.writeUInt32BE(crc, at);
      writeFully(fd, out.subarray(0, at + 4));
      this.writtenLsn = endLsn;
      this.stats.records++;
      this.stats.bytes += total;
      this.dirty.add(fd);
      this.scheduleSync();
    } catch (err) {
      this.fail(`writing the change log failed: ${(err as Error).message}`);
    }
  }

  /**
   * A dump at `dumpLsn` is durable: the log counts from now on if the dump covers base, a new
   * segment starts, and segments wholly covered by `pruneTo` (the oldest dump kept, so that a
   * fall-back to it still replays completely) are deleted. After a failure the log starts again
   * here, at `appliedLsn`, from a base no replay could reach before.
   */
  async checkpoint(dumpLsn: Lsn, appliedLsn: Lsn, pruneTo: Lsn = dumpLsn): Promise<void> {
    if (dumpLsn > this.checkpointLsn) this.checkpointLsn = dumpLsn;
    if (this.closed) return;
    if (this.failed !== undefined) {
      this.o.log.warn('change log restarts after a failure; it counts again after the next dump', { failure: this.failed, at: formatLsn(appliedLsn) });
      this.base = appliedLsn;
      this.failed = undefined;
      this.openSegment(appliedLsn);
    } else if (this.fd !== undefined) {
      // Replay reaches the end of the newest record; the new segment starts there.
      this.openSegment(this.writtenLsn > 0n ? this.writtenLsn : appliedLsn);
    }
    const keep: Segment[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      const next = this.segments[i + 1];
      if (next && next.startLsn <= pruneTo && !this.isOpen(s)) {
        await rm(s.file, { force: true });
      } else keep.push(s);
    }
    this.segments = keep;
    this.o.onSynced?.(this.durableLsn);
  }

  /** A durable dump at `lsn` exists (the one the store was loaded from). */
  noteDump(lsn: Lsn): void {
    if (lsn > this.checkpointLsn) this.checkpointLsn = lsn;
  }

  /** Waits for everything written to be synced, then closes the log. */
  async close(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    while (this.syncing) await this.syncing;
    if (this.dirty.size > 0 || this.dirDirty) await this.runSync();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const fd of this.retired) closeSync(fd);
    this.retired.clear();
  }

  /** Resolves once everything written so far is synced (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.syncing) await this.syncing;
    if (this.dirty.size > 0 || this.dirDirty) await this.runSync();
  }

  private isOpen(s: Segment): boolean {
    return this.segments[this.segments.length - 1] === s && this.fd !== undefined;
  }

  private openSegment(startLsn: Lsn): void {
    this.retireCurrentSync();
    const seq = (this.segments[this.segments.length - 1]?.seq ?? 0) + 1;
    const file = path.join(this.o.dir, segmentName(seq));
    try {
      const fd = openSync(file, 'wx');
      const header = Buffer.alloc(SEGMENT_HEADER);
      SEGMENT_MAGIC.copy(header, 0);
      header.writeBigUInt64BE(startLsn, 8);
      header.writeUInt32BE(crc32(header.subarray(0, 16)), 16);
      writeFully(fd, header);
      this.fd = fd;
      this.segments.push({ seq, file, startLsn });
      if (startLsn > this.writtenLsn) this.writtenLsn = startLsn;
      this.dirty.add(fd);
      this.dirDirty = true;
      this.stats.segments++;
      this.scheduleSync();
    } catch (err) {
      this.fail(`creating change log segment ${file} failed: ${(err as Error).message}`);
    }
  }

  private retireCurrentSync(): void {
    if (this.fd === undefined) return;
    if (this.dirty.has(this.fd)) this.retired.add(this.fd);
    else closeSync(this.fd);
    this.fd = undefined;
  }

  private async retireCurrent(): Promise<void> {
    this.retireCurrentSync();
    await this.flush();
  }

  private fail(reason: string): void {
    if (this.failed !== undefined) return;
    this.failed = reason;
    this.o.log.error('change log stopped; the slot keeps the WAL from the newest durable dump until the next one', { error: reason, synced: formatLsn(this.syncedLsn) });
    this.retireCurrentSync();
  }

  private scheduleSync(): void {
    if (this.syncTimer || this.syncing || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.runSync();
    }, this.o.groupMs ?? 2);
  }

  private runSync(): Promise<void> {
    const fds = [...this.dirty];
    this.dirty.clear();
    const dir = this.dirDirty;
    this.dirDirty = false;
    const target = this.writtenLsn;
    const p = (async () => {
      try {
        await Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())))));
        if (dir) await syncDir(this.o.dir);
        for (const fd of fds) {
          if (this.retired.delete(fd)) closeSync(fd);
        }
        this.stats.syncs++;
        if (this.failed === undefined && target > this.syncedLsn) {
          this.syncedLsn = target;
          this.o.onSynced?.(this.durableLsn);
        }
      } catch (err) {
        this.fail(`syncing the change log failed: ${(err as Error).message}`);
      }
    })();
    this.syncing = p.finally(() => {
      this.syncing = undefined;
      if (this.dirty.size > 0 || this.dirDirty) this.scheduleSync();
    });
    return this.syncing;
  }
}

const EMPTY: MessageSource = { bytes: 0, forEach: () => undefined };

function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.seg`;
}

function writeFully(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function listSegments(dir: string): Promise<Segment[]> {
  const out: Segment[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const m = /^(\d{12})\.seg$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    out.push({ seq: Number(m[1]), file, startLsn: readSegmentStart(file) ?? -1n });
  }
  return out;
}

/** The segment's start LSN, or undefined when its header is torn or corrupt. */
function readSegmentStart(file: string): Lsn | undefined {
  const fd = openSync(file, 'r');
  try {
    const h = Buffer.alloc(SEGMENT_HEADER);
    if (readFully(fd, h, SEGMENT_HEADER, 0) < SEGMENT_HEADER) return undefined;
    if (!h.subarray(0, 8).equals(SEGMENT_MAGIC) || crc32(h.subarray(0, 16)) !== h.readUInt32BE(16)) return undefined;
    return h.readBigUInt64BE(8);
  } finally {
    closeSync(fd);
  }
}

// --- reading back ---------------------------------------------------------------------------

export interface LogRecord {
  readonly kind: RecordKind;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  readonly file: string;
  readonly offset: number;
  /** The record's messages (views valid during the callback only). */
  forEach(fn: (msg: Uint8Array) => void): void;
}

export interface ReadResult {
  readonly records: number;
  /** Where the log was cut, when it was: a torn or corrupt record, a bad segment, a gap. */
  readonly cut?: { readonly file: string; readonly offset: number; readonly reason: string };
}

/**
 * Visits every intact record of the log in order; `position()` is the replayed position (the
 * store's applied LSN), checked against each segment's start. A torn or corrupt tail is cut (the
 * segment truncated there, later segments deleted) and never visited.
 */
export async function readLog(dir: string, log: Logger, position: () => Lsn, visit: (r: LogRecord) => Promise<void> | void): Promise<ReadResult> {
  let segments: Segment[];
  try {
    segments = await listSegments(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: 0 };
    throw err;
  }
  let records = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    let cut: { offset: number; reason: string; lsn?: Lsn } | undefined;
    if (seg.startLsn < 0n) cut = { offset: 0, reason: 'the segment header is torn or corrupt' };
    else if (seg.startLsn > position()) cut = { offset: -1, reason: `the segment starts at ${formatLsn(seg.startLsn)}, past the replayed position ${formatLsn(position())} (a gap)` };
    if (!cut) {
      const fd = openSync(seg.file, 'r+');
      try {
        const size = fstatSync(fd).size;
        let off = SEGMENT_HEADER;
        const head = Buffer.alloc(RECORD_HEADER);
        while (off < size) {
          const r = checkRecord(fd, off, size, head);
          if (typeof r === 'string') {
            cut = { offset: off, reason: r, ...(size - off >= RECORD_HEADER ? { lsn: head.readBigUInt64BE(5) } : {}) };
            ftruncateSync(fd, off);
            break;
          }
          const start = off + RECORD_HEADER;
          const end = start + r.length;
          await visit({
            kind: r.kind,
            commitLsn: r.commitLsn,
            endLsn: r.endLsn,
            file: seg.file,
            offset: off,
            forEach(fn) {
              const frames = new FrameReader(fd, start, end);
              for (let m = frames.next(); m; m = frames.next()) fn(m);
            },
          });
          records++;
          off = end + RECORD_TRAILER;
        }
      } finally {
        closeSync(fd);
      }
    }
    if (cut) {
      const later = segments.slice(cut.offset <= 0 ? i : i + 1);
      log.error('change log cut: a torn or corrupt record (or a gap) ends what can be replayed', {
        file: seg.file,
        offset: cut.offset,
        ...(cut.lsn !== undefined ? { lsn: formatLsn(cut.lsn) } : {}),
        reason: cut.reason,
        removed_segments: later.map((s) => path.basename(s.file)),
        replayed_to: formatLsn(position()),
      });
      for (const s of later) await rm(s.file, { force: true });
      return { records, cut: { file: seg.file, offset: cut.offset, reason: cut.reason } };
    }
  }
  return { records };
}

interface RecordHead {
  readonly kind: RecordKind;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  readonly length: number;
}

/** The record at `off` if it is whole and its CRC matches; otherwise why not. */
function checkRecord(fd: number, off: number, size: number, head: Buffer): RecordHead | string {
  if (size - off < RECORD_HEADER) return `torn record header (${size - off} of ${RECORD_HEADER} bytes)`;
  readFully(fd, head, RECORD_HEADER, off);
  const length = head.readUInt32BE(0);
  const kind = head.readUInt8(4);
  if (off + RECORD_HEADER + length + RECORD_TRAILER > size) return `torn record (${length}-byte body, ${size - off - RECORD_HEADER} bytes left)`;
  let crc = crc32(head);
  const chunk = Buffer.allocUnsafe(Math.min(length, STAGE) || 1);
  for (let p = 0; p < length; ) {
    const n = readFully(fd, chunk, Math.min(chunk.length, length - p), off + RECORD_HEADER + p);
    crc = crc32(chunk.subarray(0, n), crc);
    p += n;
  }
  const trailer = Buffer.alloc(4);
  readFully(fd, trailer, 4, off + RECORD_HEADER + length);
  if (trailer.readUInt32BE(0) !== crc) return 'checksum mismatch';
  if (kind !== RecordKind.Transaction && kind !== RecordKind.Advance) return `unknown record kind ${kind}`;
  return { kind, commitLsn: head.readBigUInt64BE(5), endLsn: head.readBigUInt64BE(13), length };
}
