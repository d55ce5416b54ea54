/*
 * frames.ts — length-prefixed byte frames ([u32 big-endian length][bytes]) read back from a file
 * with synchronous positional reads through a bounded window.
 *
 * The change log (snapshot/change-log.ts) and the spill file of a big transaction
 * (apply/spill.ts) both hold pgoutput messages this way. Reading them back happens inside one
 * synchronous step (a transaction is applied whole, or a record is checked before it is applied),
 * so the reads are sync; the window keeps memory bounded by the largest single message, not the
 * file. Each frame handed out is a view into the window, valid until the next call: a caller that
 * keeps bytes copies them (the pgoutput decoder copies every tuple it returns).
 */
import { readSync } from 'node:fs';

const WINDOW = 1 << 20;

export class FrameReader {
  private buf: Buffer = Buffer.allocUnsafe(WINDOW);
  /** File position of buf[0]. */
  private base: number;
  /** Valid bytes in buf. */
  private size = 0;
  private pos: number;

  /** Frames in the file range [start, end). */
  constructor(private readonly fd: number, start: number, private readonly end: number) {
    this.base = start;
    this.pos = start;
  }

  /** The next frame, or undefined at the end of the range. Throws on a frame that overruns it. */
  next(): Uint8Array | undefined {
    if (this.pos >= this.end) return undefined;
    this.ensure(4);
    const len = this.buf.readUInt32BE(this.pos - this.base);
    if (this.pos + 4 + len > this.end) throw new Error(`frame at ${this.pos} of ${len} bytes overruns its range (ends at ${this.end})`);
    this.ensure(4 + len);
    const at = this.pos - this.base + 4;
    this.pos += 4 + len;
    return this.buf.subarray(at, at + len);
  }

  /** Makes buf hold [pos, pos + n). */
  private ensure(n: number): void {
    if (this.pos + n <= this.base + this.size) return;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, WINDOW));
    const want = Math.min(this.buf.length, this.end - this.pos);
    this.base = this.pos;
    this.size = readFully(this.fd, this.buf, want, this.pos);
    if (this.size < n) throw new Error(`short read at ${this.pos}: wanted ${n} bytes, the file has ${this.size}`);
  }
}

/** Reads up to `length` bytes at `position` into buf[0..]; returns how many were read. */
export function readFully(fd: number, buf: Uint8Array, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Appends the frame header of a message of `len` bytes to out at `at`; returns the new offset. */
export function putFrameLength(out: Buffer, at: number, len: number): number {
  out.writeUInt32BE(len, at);
  return at + 4;
}

/** Messages of one transaction, as frames; `bytes` counts the frames (4 + length each). */
export interface MessageSource {
  readonly bytes: number;
  forEach(fn: (msg: Uint8Array) => void): void;
}
