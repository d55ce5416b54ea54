/*
 * spill.ts — the messages of the open transaction, kept as the raw pgoutput bytes they arrived as,
 * in memory up to a limit and in a temporary file beyond it.
 *
 * Why raw bytes: they are what the change log records and what a spill file can hold without a
 * second encoding; the applier decodes each message when it applies the transaction. The messages
 * of a transaction are applied in one synchronous step at its Commit (readers see all or nothing),
 * so a spilled transaction is read back with synchronous reads through a bounded window
 * (frames.ts): memory stays at the limit plus one window however big the transaction is.
 *
 * The spill file is created under the spill directory and unlinked at once: only its descriptor
 * names it, so a crash leaves nothing to clean up. It is written with plain (page-cache) writes,
 * never synced: it is not durable state, the server resends the transaction after a restart.
 *
 * Left out: spilling Begin/Relation messages separately (they are small and go with the rest).
 */
import { closeSync, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyBytes } from '../bytes.js';
import { FrameReader } from '../frames.js';

export const DEFAULT_TXN_MEMORY_LIMIT = 64 * 1024 * 1024;
const STAGE = 1 << 20;

export interface SpillOptions {
  /** Bytes of messages kept in memory before the transaction spills (default 64 MiB). */
  readonly memoryLimit?: number;
  /** Where spill files are created (default os.tmpdir()). */
  readonly dir?: string;
  /** Called when a transaction starts spilling. */
  readonly onSpill?: () => void;
}

export class TxnBuffer {
  private mem: Uint8Array[] = [];
  /** Bytes as frames (4 + length per message), in memory or in the file. */
  private total = 0;
  private fd: number | undefined;
  private fileSize = 0;
  private stage: Buffer | undefined;
  private staged = 0;
  private readonly limit: number;

  constructor(private readonly o: SpillOptions = {}) {
    this.limit = o.memoryLimit ?? DEFAULT_TXN_MEMORY_LIMIT;
  }

  get bytes(): number {
    return this.total;
  }

  get spilled(): boolean {
    return this.fd !== undefined;
  }

  get count(): number {
    return this.mem.length;
  }

  /** Keeps a copy of `msg` (a view into a reused receive buffer). */
  push(msg: Uint8Array): void {
    this.total += 4 + msg.length;
    if (this.fd !== undefined) {
      this.write(msg);
      return;
    }
    this.mem.push(copyBytes(msg));
    if (this.total > this.limit) this.spill();
  }

  /** Every message in order (views valid during the callback only). */
  forEach(fn: (msg: Uint8Array) => void): void {
    if (this.fd === undefined) {
      for (const m of this.mem) fn(m);
      return;
    }
    this.flushStage();
    const frames = new FrameReader(this.fd, 0, this.fileSize);
    for (let m = frames.next(); m; m = frames.next()) fn(m);
  }

  clear(): void {
    this.mem = [];
    this.total = 0;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.stage = undefined;
      this.staged = 0;
      this.fileSize = 0;
    }
  }

  private spill(): void {
    const dir = this.o.dir ?? os.tmpdir();
    const file = path.join(dir, `memstore-spill-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const fd = openSync(file, 'wx+', 0o600);
    unlinkSync(file);
    ftruncateSync(fd, 0);
    this.fd = fd;
    this.stage = Buffer.allocUnsafe(STAGE);
    const held = this.mem;
    this.mem = [];
    for (const m of held) this.write(m);
    this.o.onSpill?.();
  }

  private write(msg: Uint8Array): void {
    const stage = this.stage!;
    if (this.staged + 4 > stage.length) this.flushStage();
    stage.writeUInt32BE(msg.length, this.staged);
    this.staged += 4;
    if (this.staged + msg.length > stage.length) {
      this.flushStage();
      this.writeFile(msg);
    } else {
      stage.set(msg, this.staged);
      this.staged += msg.length;
    }
  }

  private flushStage(): void {
    if (this.staged === 0) return;
    this.writeFile(this.stage!.subarray(0, this.staged));
    this.staged = 0;
  }

  private writeFile(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) {
      const n = writeSync(this.fd!, buf, off, buf.length - off, this.fileSize);
      off += n;
      this.fileSize += n;
    }
  }
}
