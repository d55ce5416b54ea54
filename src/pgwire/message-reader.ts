/*
 * message-reader.ts — cuts the client's byte stream into messages, and reads fields out of one.
 *
 * What for: TCP delivers chunks cut anywhere. MessageReader turns them back into whole messages
 * (type byte, int32 length, body) without trusting the claimed length: a length is checked against
 * the limit for its message type as soon as the 5 header bytes are in, before anything is waited
 * for or allocated. A client claiming 1 GiB gets 08P01 after 5 bytes, not a 1 GiB buffer.
 *
 * Against the obvious alternative (append every chunk to one growing buffer and re-scan): the
 * common case, whole messages inside one chunk, costs no copy at all: bodies are views into the
 * chunk Node gave us. Only a message that straddles chunks is copied, once, when its last byte
 * arrives (the pieces wait in a list, so a 10 MB Query in 64 KiB chunks costs 10 MB of copying,
 * not 800 MB). Costs: a body view keeps its whole chunk alive; callers must not hold bodies after
 * the message is handled (decoders turn them into strings and small copies).
 *
 * Concurrency: one reader per connection, used from that connection's event handlers only. Views
 * returned earlier stay valid when more chunks are pushed: memory is never reused in place.
 *
 * Interface:
 *   new MessageReader(limits)    limits: per type byte, the largest allowed length (0 = not allowed)
 *   push(chunk)                  add received bytes
 *   next()                       type byte of the next whole message, STARTUP_PACKET, or NONE;
 *                                `body` then holds its body; throws FATAL 08P01 on bad framing
 *   setLimits(limits)            switch message table (startup → auth → ready)
 *   bufferedBytes                bytes received and not yet returned
 *   FieldReader                  a ByteReader (src/byte-reader.ts) whose strings are validated UTF-8
 *                                and whose damage is FATAL 08P01
 */
import { isUtf8 } from 'node:buffer';
import { ByteReader, type ByteReaderPolicy, type ReadFailure } from '../byte-reader.js';
import { SqlError } from '../errors.js';
import { Limits } from './messages.js';
import { SQLSTATE } from './sqlstate.js';

/** next(): no whole message buffered yet. */
export const NONE = -1;
/** next(): a startup-phase packet (no type byte); its body starts with the int32 request code. */
export const STARTUP_PACKET = 0;

const EMPTY = Buffer.alloc(0);

export function protocolViolation(message: string, fatal = true): SqlError {
  return new SqlError(SQLSTATE.protocol_violation, message, fatal ? { severity: 'FATAL' } : {});
}

/**
 * Per type byte, the largest total length (the int32 length field, which counts itself) a message
 * of that type may claim; 0 = the type is not valid here. STARTUP is the table for the startup
 * phase, where packets have no type byte (index 0 is used).
 */
export type MessageLimits = Int32Array;

export function makeLimits(entries: ReadonlyArray<readonly [code: number, maxLength: number]>): MessageLimits {
  const t = new Int32Array(256);
  for (const [code, max] of entries) t[code] = max;
  return t;
}

export class MessageReader {
  /** Body of the message last returned by next(): a view, valid until the caller is done with it. */
  body: Buffer = EMPTY;

  private buf: Buffer = EMPTY;
  private off = 0;
  /** Pieces of a message that straddles chunks, waiting until `need` bytes are in. */
  private parts: Buffer[] | null = null;
  private partsLen = 0;
  private need = 0;

  constructor(private limits: MessageLimits) {}

  setLimits(limits: MessageLimits): void {
    this.limits = limits;
  }

  get bufferedBytes(): number {
    return this.parts !== null ? this.partsLen : this.buf.length - this.off;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.parts !== null) {
      this.parts.push(chunk);
      this.partsLen += chunk.length;
    } else if (this.off >= this.buf.length) {
      this.buf = chunk;
      this.off = 0;
    } else {
      // Unread messages are still buffered (the connection was busy): keep both, no copy yet.
      this.parts = [this.buf.subarray(this.off), chunk];
      this.partsLen = this.buf.length - this.off + chunk.length;
      this.need = this.partsLen;
      this.buf = EMPTY;
      this.off = 0;
    }
  }

  next(): number {
    if (this.parts !== null) {
      if (this.partsLen < this.need) return NONE;
      this.buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
      this.off = 0;
      this.parts = null;
    }
    const buf = this.buf;
    const off = this.off;
    const avail = buf.length - off;
    const startup = this.limits[STARTUP_PACKET] !== 0;
    const headerSize = startup ? 4 : 5;
    if (avail < headerSize) {
      if (avail > 0) this.stash(headerSize);
      return NONE;
    }
    const code = startup ? STARTUP_PACKET : buf[off]!;
    const max = this.limits[code]!;
    if (max === 0) {
      throw protocolViolation(`invalid frontend message type ${code}`);
    }
    const len = buf.readInt32BE(off + headerSize - 4);
    if (startup) {
      // Like ProcessStartupPacket: at least the 4-byte request code, at most 10000 bytes.
      if (len < 8 || len > max) throw protocolViolation('invalid length of startup packet');
    } else if (len < 4 || len > max) {
      throw protocolViolation('invalid message length');
    }
    const total = headerSize - 4 + len;
    if (avail < total) {
      this.stash(total);
      return NONE;
    }
    this.body = buf.subarray(off + headerSize, off + total);
    this.off = off + total;
    return code;
  }

  /** Keeps the unread tail as the first piece of a message needing `need` bytes in all. */
  private stash(need: number): void {
    this.parts = [this.buf.subarray(this.off)];
    this.partsLen = this.buf.length - this.off;
    this.need = need;
    this.buf = EMPTY;
    this.off = 0;
  }
}

/** A client message's structural damage is FATAL 08P01; its text is validated UTF-8 (22021). */
const CLIENT_MESSAGE: ByteReaderPolicy<Buffer> = {
  fail(kind: ReadFailure): Error {
    return protocolViolation(
      kind === 'truncated' ? 'insufficient data left in message' : kind === 'unterminated' ? 'invalid string in message' : 'invalid message format',
    );
  },
  text: decodeUtf8,
};

/** Reads the fields of one client message body. One instance per connection, reset per message. */
export class FieldReader extends ByteReader<Buffer> {
  constructor() {
    super(CLIENT_MESSAGE, EMPTY);
  }
}

/** Decodes UTF-8 text, rejecting invalid sequences and NUL bytes with 22021 as PostgreSQL does. */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  if (end - start < 32) {
    // Short strings (names, small SQL): a plain ASCII scan is cheaper than the native round trip.
    let ascii = true;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b === 0 || b >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', start, end);
  }
  const view = buf.subarray(start, end);
  if (!isUtf8(view) || view.indexOf(0) >= 0) throw invalidUtf8(view);
  return buf.toString('utf8', start, end);
}

function invalidUtf8(view: Buffer): SqlError {
  const at = firstInvalidUtf8(view);
  // Like report_invalid_encoding: as many bytes as the lead byte announces (pg_utf_mblen).
  const lead = view[at]!;
  const len = (lead & 0x80) === 0 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
  const shown: string[] = [];
  for (let i = at; i < Math.min(view.length, at + len); i++) shown.push('0x' + view[i]!.toString(16).padStart(2, '0'));
  return new SqlError(SQLSTATE.character_not_in_repertoire, `invalid byte sequence for encoding "UTF8": ${shown.join(' ')}`);
}

/** Index of the first byte that does not start a valid UTF-8 sequence (or is NUL). */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c === 0) return i;
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    if (i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return 0;
}

/** Message tables for the three phases of a connection. */
export const STARTUP_LIMITS = makeLimits([[STARTUP_PACKET, Limits.startupPacket]]);
export const AUTH_LIMITS = makeLimits([[0x70 /* 'p' */, Limits.authMessage]]);
export const READY_LIMITS = makeLimits([
  [0x51 /* 'Q' Query */, Limits.largeMessage],
  [0x50 /* 'P' Parse */, Limits.largeMessage],
  [0x42 /* 'B' Bind */, Limits.largeMessage],
  [0x46 /* 'F' FunctionCall */, Limits.largeMessage],
  [0x64 /* 'd' CopyData */, Limits.largeMessage],
  [0x44 /* 'D' Describe */, Limits.smallMessage],
  [0x45 /* 'E' Execute */, Limits.smallMessage],
  [0x43 /* 'C' Close */, Limits.smallMessage],
  [0x48 /* 'H' Flush */, Limits.smallMessage],
  [0x53 /* 'S' Sync */, Limits.smallMessage],
  [0x58 /* 'X' Terminate */, Limits.smallMessage],
  [0x63 /* 'c' CopyDone */, Limits.smallMessage],
  [0x66 /* 'f' CopyFail */, Limits.smallMessage],
]);
