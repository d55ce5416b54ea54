/*
 * message-writer.ts — builds backend messages into one buffer per burst and hands that to the
 * socket in one write.
 *
 * What for: a point SELECT answers RowDescription + DataRow + CommandComplete + ReadyForQuery;
 * written one by one that is four syscalls, here it is one. Messages are encoded straight into a
 * slab (8 KiB, doubling up to 64 KiB while answers are big, larger when one message needs it):
 * the length field is reserved and patched when the message ends, so nothing is measured twice
 * and no per-message Buffer is allocated.
 *
 * Against the alternative (Buffer.concat of per-message buffers, or cork/uncork): no intermediate
 * objects per message. Cost: bytes handed to the socket are views of the slab, so the slab is never
 * written again below the flushed mark; a new slab is taken when the current one is full (the
 * socket keeps the old one alive until it has sent it). A message still being built when the slab
 * fills is copied to the new slab (only the open message; finished ones are flushed first).
 *
 * Backpressure: flush() returns what socket.write returned. `blocked` stays true until the
 * connection sees 'drain' and clears it; the row loop stops pulling rows while it is set.
 *
 * Interface (one method per message, the letter beside each):
 *   flush(), pendingBytes, blocked
 *   begin(code) … end()          build any message from int8/int16/int32/cstring/bytes
 *   raw(bytes)                    pre-encoded messages (cached RowDescription)
 *   authentication 'R', parameterStatus 'S', backendKeyData 'K', readyForQuery 'Z',
 *   parseComplete '1', bindComplete '2', closeComplete '3', noData 'n', portalSuspended 's',
 *   emptyQueryResponse 'I', commandComplete 'C', parameterDescription 't', rowDescription 'T',
 *   dataRow 'D', copyOutResponse 'H', copyData 'd', copyDone 'c', errorResponse 'E',
 *   noticeResponse 'N', negotiateProtocolVersion 'v'
 */
import type { SqlError } from '../errors.js';
import type { FieldDescription } from './engine.js';
import { AuthCode, Backend, ErrorField } from './messages.js';

/** First slab of a connection: enough for hundreds of point answers, cheap for idle ones. */
const SLAB_MIN = 8 * 1024;
/** Slabs grow (doubling) to this while answers are big (streamed results). */
const SLAB_MAX = 64 * 1024;

export type Sink = (chunk: Buffer) => boolean;

export class MessageWriter {
  /** True after the socket refused more (write returned false) until the owner sees 'drain'. */
  blocked = false;
  /** Chunks handed to the socket so far (the row loop yields to the event loop every so many). */
  writes = 0;

  private buf: Buffer = Buffer.allocUnsafeSlow(SLAB_MIN);
  /** Start of bytes not yet handed to the sink. */
  private start = 0;
  private pos = 0;
  /** Start of the message being built, -1 when none is open. */
  private msg = -1;

  constructor(private sink: Sink) {}

  setSink(sink: Sink): void {
    this.sink = sink;
  }

  get pendingBytes(): number {
    return this.pos - this.start;
  }

  /** Hands finished messages to the socket. Returns false when the socket asked us to wait. */
  flush(): boolean {
    const end = this.msg >= 0 ? this.msg : this.pos;
    if (end > this.start) {
      const chunk = this.buf.subarray(this.start, end);
      this.start = end;
      this.writes++;
      if (!this.sink(chunk)) this.blocked = true;
    }
    return !this.blocked;
  }

  /** Drops a message left half-built by an error (e.g. a row that failed to convert). */
  cancelOpen(): void {
    if (this.msg < 0) return;
    this.pos = this.msg;
    this.msg = -1;
  }

  // --- primitives -------------------------------------------------------------------------------

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Finished messages go out as they are; an open message moves to the new slab.
    const open = this.msg >= 0 ? this.pos - this.msg : 0;
    // A burst that filled at least half of this slab asks for a bigger one next.
    const burst = this.pos - this.start >= this.buf.length / 2;
    this.flush();
    const size = Math.max(burst ? Math.min(this.buf.length * 2, SLAB_MAX) : Math.max(SLAB_MIN, Math.min(this.buf.length, SLAB_MAX)), open + n);
    const next = Buffer.allocUnsafeSlow(size);
    if (open > 0) this.buf.copy(next, 0, this.msg, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = open;
    if (this.msg >= 0) this.msg = 0;
  }

  /** Opens a message: type byte and a length placeholder. */
  begin(code: number): void {
    this.ensure(5);
    this.msg = this.pos;
    this.buf[this.pos] = code;
    this.pos += 5;
  }

  /** Closes the open message by writing its length. */
  end(): void {
    this.buf.writeInt32BE(this.pos - this.msg - 1, this.msg + 1);
    this.msg = -1;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  float32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** A string in UTF-8 followed by NUL. */
  cstring(s: string): void {
    this.ensure(s.length * 3 + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = 0;
  }

  /** A string in UTF-8 without terminator (inside a length-prefixed field). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  bytes(b: Uint8Array, from = 0, to = b.length): void {
    const n = to - from;
    this.ensure(n);
    if (n < 64) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = from; i < to; i++) buf[p++] = b[i]!;
    } else {
      this.buf.set(from === 0 && to === b.length ? b : b.subarray(from, to), this.pos);
    }
    this.pos += n;
  }

  /** Reserves an int32 to patch later (a column length inside DataRow); returns its offset token. */
  reserve32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at - (this.msg >= 0 ? this.msg : 0);
  }

  /** Writes the int32 reserved by reserve32 with the number of bytes written since. */
  patchLength(token: number): void {
    const at = token + (this.msg >= 0 ? this.msg : 0);
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  raw(b: Uint8Array): void {
    this.bytes(b);
  }

  // --- messages ---------------------------------------------------------------------------------

  /** 'R' AuthenticationOk / SASL / SASLContinue / SASLFinal. */
  authentication(code: number, data?: Uint8Array | string): void {
    this.begin(Backend.Authentication);
    this.int32(code);
    if (code === AuthCode.SASL && typeof data === 'string') {
      this.cstring(data);
      this.int8(0);
    } else if (typeof data === 'string') {
      this.utf8(data);
    } else if (data !== undefined) {
      this.bytes(data);
    }
    this.end();
  }

  /** 'S' */
  parameterStatus(name: string, value: string): void {
    this.begin(Backend.ParameterStatus);
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  /** 'K' */
  backendKeyData(processId: number, secretKey: number): void {
    this.begin(Backend.BackendKeyData);
    this.int32(processId);
    this.int32(secretKey);
    this.end();
  }

  /** 'Z' with 'I', 'T' or 'E'. */
  readyForQuery(status: number): void {
    this.ensure(6);
    const b = this.buf;
    const p = this.pos;
    b[p] = Backend.ReadyForQuery;
    b[p + 1] = 0;
    b[p + 2] = 0;
    b[p + 3] = 0;
    b[p + 4] = 5;
    b[p + 5] = status;
    this.pos = p + 6;
  }

  /** Messages without a body: '1' '2' '3' 'n' 's' 'I' 'c'. */
  private empty(code: number): void {
    this.ensure(5);
    const b = this.buf;
    const p = this.pos;
    b[p] = code;
    b[p + 1] = 0;
    b[p + 2] = 0;
    b[p + 3] = 0;
    b[p + 4] = 4;
    this.pos = p + 5;
  }

  parseComplete(): void {
    this.empty(Backend.ParseComplete);
  }
  bindComplete(): void {
    this.empty(Backend.BindComplete);
  }
  closeComplete(): void {
    this.empty(Backend.CloseComplete);
  }
  noData(): void {
    this.empty(Backend.NoData);
  }
  portalSuspended(): void {
    this.empty(Backend.PortalSuspended);
  }
  emptyQueryResponse(): void {
    this.empty(Backend.EmptyQueryResponse);
  }
  copyDone(): void {
    this.empty(Backend.CopyDone);
  }

  /** 'C' */
  commandComplete(tag: string): void {
    this.begin(Backend.CommandComplete);
    this.cstring(tag);
    this.end();
  }

  /** 't' */
  parameterDescription(typeOids: readonly number[]): void {
    this.begin(Backend.ParameterDescription);
    this.int16(typeOids.length);
    for (const oid of typeOids) this.uint32(oid);
    this.end();
  }

  /** 'T' — formats: per column 0 (text) / 1 (binary), or null for all text. */
  rowDescription(fields: readonly FieldDescription[], formats: Uint8Array | null): void {
    this.begin(Backend.RowDescription);
    this.int16(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      this.cstring(f.name);
      this.uint32(f.tableOid);
      this.int16(f.columnAttr);
      this.uint32(f.typeOid);
      this.int16(f.typeSize);
      this.int32(f.typeMod);
      this.int16(formats === null ? 0 : formats[i]!);
    }
    this.end();
  }

  /** 'D' from a DataRow body as the engine hands it. */
  dataRow(body: Uint8Array): void {
    const n = body.length;
    this.ensure(n + 5);
    const b = this.buf;
    const p = this.pos;
    b[p] = Backend.DataRow;
    b.writeInt32BE(n + 4, p + 1);
    if (n < 64) {
      for (let i = 0; i < n; i++) b[p + 5 + i] = body[i]!;
    } else {
      b.set(body, p + 5);
    }
    this.pos = p + 5 + n;
  }

  /** 'H' CopyOutResponse: text (0) or binary (1), overall and for every column. */
  copyOutResponse(columnCount: number, binary = false): void {
    const format = binary ? 1 : 0;
    this.begin(Backend.CopyOutResponse);
    this.int8(format);
    this.int16(columnCount);
    for (let i = 0; i < columnCount; i++) this.int16(format);
    this.end();
  }

  /** 'd' */
  copyData(chunk: Uint8Array): void {
    this.begin(Backend.CopyData);
    this.bytes(chunk);
    this.end();
  }

  /** 'E' */
  errorResponse(err: SqlError): void {
    this.errorFields(Backend.ErrorResponse, err);
  }

  /** 'N' */
  noticeResponse(err: SqlError): void {
    this.errorFields(Backend.NoticeResponse, err);
  }

  private errorFields(code: number, err: SqlError): void {
    this.begin(code);
    this.int8(ErrorField.Severity);
    this.cstring(err.severity);
    this.int8(ErrorField.SeverityNonLocalized);
    this.cstring(err.severity);
    this.int8(ErrorField.Code);
    this.cstring(err.sqlstate);
    this.int8(ErrorField.Message);
    this.cstring(err.message);
    if (err.detail !== undefined) {
      this.int8(ErrorField.Detail);
      this.cstring(err.detail);
    }
    if (err.hint !== undefined) {
      this.int8(ErrorField.Hint);
      this.cstring(err.hint);
    }
    if (err.position !== undefined) {
      this.int8(ErrorField.Position);
      this.cstring(String(err.position));
    }
    this.int8(0);
    this.end();
  }

  /** 'v' — the newest protocol version supported (as PostgreSQL sends it: 3.0 = 196608) and the options not recognized. */
  negotiateProtocolVersion(newest: number, unrecognized: readonly string[]): void {
    this.begin(Backend.NegotiateProtocolVersion);
    this.int32(newest);
    this.int32(unrecognized.length);
    for (const o of unrecognized) this.cstring(o);
    this.end();
  }

  /** Protocol 2.0 ErrorResponse ('E' and a NUL-terminated text), for clients older than 3.0. */
  legacyErrorResponse(text: string): void {
    this.int8(Backend.ErrorResponse);
    this.cstring(text);
  }

  /** A single unframed byte (the answer to SSLRequest / GSSENCRequest). */
  singleByte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
}
