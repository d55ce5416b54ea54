/*
 * byte-reader.ts — reads the big-endian fields of one message body: the one reader behind both
 * protocols this program speaks, the client's (pgwire/message-reader.ts, FieldReader) and
 * pgoutput's (decode/pgoutput.ts).
 *
 * The two differ only in what a broken message is and how text is decoded: a client's truncated
 * message is FATAL 08P01 and its strings are validated UTF-8 (22021), while a replication message
 * that does not parse is a DecodeError that stops the stream, and its strings come from the
 * server. So the reader takes a policy for exactly those two things and is otherwise shared.
 *
 * Hot path (every client message, every pgoutput tuple): integers are assembled from bytes, with
 * no DataView to allocate per message; a reader is reset per message rather than rebuilt. `buf`
 * and `pos` are public so a decoder may walk a run of fields itself (pgoutput's TupleData copy).
 *
 * Interface:
 *   new ByteReader(policy, buf?)    reset(buf)          remaining
 *   u8 i16 i32 u32 i64 u64          cstring()           NUL-terminated, decoded by the policy
 *   view(n)                         the next n bytes as a view (valid while buf is)
 *   copy(n)                         the next n bytes as a fresh copy (to outlive buf)
 *   rest()                          the unread bytes as a view
 *   end()                           the body must be fully consumed
 *   need(n)                         n more bytes must be there
 */
import { copyBytes } from './bytes.js';

export type ReadFailure =
  /** A field runs past the end of the body. */
  | 'truncated'
  /** A string has no NUL terminator. */
  | 'unterminated'
  /** end(): bytes are left over. */
  | 'trailing';

export interface ByteReaderPolicy<B extends Uint8Array> {
  /** The error to throw; `need` is the byte count asked for, `pos` where. */
  fail(kind: ReadFailure, need: number, pos: number, length: number): Error;
  /** Text of buf[start, end), a string's bytes without its terminator. */
  text(buf: B, start: number, end: number): string;
}

export class ByteReader<B extends Uint8Array = Uint8Array> {
  pos = 0;

  constructor(
    private readonly policy: ByteReaderPolicy<B>,
    public buf: B,
  ) {}

  reset(buf: B): this {
    this.buf = buf;
    this.pos = 0;
    return this;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw this.policy.fail('truncated', n, this.pos, this.buf.length);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  i16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
  }

  i32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  u64(): bigint {
    this.need(8);
    const hi = this.u32();
    const lo = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  i64(): bigint {
    return BigInt.asIntN(64, this.u64());
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw this.policy.fail('unterminated', 1, this.pos, this.buf.length);
    const s = this.policy.text(this.buf, this.pos, end);
    this.pos = end + 1;
    return s;
  }

  view(n: number): B {
    this.need(n);
    // subarray of a Buffer is a Buffer, of a Uint8Array a Uint8Array: B either way.
    const v = this.buf.subarray(this.pos, this.pos + n) as B;
    this.pos += n;
    return v;
  }

  copy(n: number): Uint8Array {
    this.need(n);
    const v = copyBytes(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  rest(): B {
    const v = this.buf.subarray(this.pos) as B;
    this.pos = this.buf.length;
    return v;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw this.policy.fail('trailing', 0, this.pos, this.buf.length);
  }
}
