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

/**
 * In memory, messages are framed ([u32 length][bytes], the spill file's own format) into arenas of
 * ARENA bytes rather than kept as one Uint8Array each: a 64 MiB transaction of 150-byte messages
 * is then 64 buffers instead of 400k typed-array objects, whose headers and allocator overhead
 * had doubled its footprint in memory (issue #13's RSS bound), and spilling is a plain copy of the
 * arenas to the file.
 */
const ARENA = 1 << 20;

export class TxnBuffer {
  private arenas: Buffer[] = [];
  /** Bytes used in each arena (the last one is being filled). */
  private used: number[] = [];
  private messages = 0;
  private spare: Buffer | undefined;
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
    return this.messages;
  }

  /** Keeps a copy of `msg` (a view into a reused receive buffer). */
  push(msg: Uint8Array): void {
    this.total += 4 + msg.length;
    this.messages++;
    if (this.fd !== undefined) {
      this.write(msg);
      return;
    }
    const need = 4 + msg.length;
    let i = this.arenas.length - 1;
    if (i < 0 || this.used[i]! + need > this.arenas[i]!.length) {
      const spare = this.spare;
      this.spare = undefined;
      this.arenas.push(spare !== undefined && need <= spare.length ? spare : Buffer.allocUnsafeSlow(Math.max(ARENA, need)));
      this.used.push(0);
      i++;
    }
    const arena = this.arenas[i]!;
    const at = this.used[i]!;
    arena.writeUInt32BE(msg.length, at);
    arena.set(msg, at + 4);
    this.used[i] = at + need;
    if (this.total > this.limit) this.spill();
  }

  /**
   * Every message in order. In memory the views stay valid until clear() (they point into the
   * arenas); read back from a spill file they are valid during the callback only.
   */
  forEach(fn: (msg: Uint8Array) => void): void {
    if (this.fd === undefined) {
      for (let i = 0; i < this.arenas.length; i++) {
        const arena = this.arenas[i]!;
        const end = this.used[i]!;
        for (let at = 0; at < end; ) {
          const len = arena.readUInt32BE(at);
          fn(arena.subarray(at + 4, at + 4 + len));
          at += 4 + len;
        }
      }
      return;
    }
    this.flushStage();
    const frames = new FrameReader(this.fd, 0, this.fileSize);
    for (let m = frames.next(); m; m = frames.next()) fn(m);
  }

  clear(): void {
    // The first arena serves the next transaction: most transactions fit in it, and nothing
    // keeps views into it past the apply step (the applier copies what it holds).
    this.spare = this.arenas[0]?.length === ARENA ? this.arenas[0] : this.spare;
    this.arenas = [];
    this.used = [];
    this.messages = 0;
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
    const arenas = this.arenas;
    const used = this.used;
    this.arenas = [];
    this.used = [];
    // The arenas are already in the file's framing.
    arenas.forEach((a, i) => this.writeFile(a.subarray(0, used[i])));
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
