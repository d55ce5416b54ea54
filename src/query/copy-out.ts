/*
 * copy-out.ts — DataRow bodies → COPY TO data in PostgreSQL's text, CSV and binary formats, as
 * copyto.c writes them (CopyAttributeOutText, CopyAttributeOutCSV, CopyOneRowTo).
 *
 * One CopyData chunk per row, as PostgreSQL sends them; the header line (text/CSV) is a chunk of
 * its own; the binary file header goes out with the first row and the trailer (-1) as the last
 * chunk (with the header when there are no rows), so even the message boundaries match.
 *
 * Text with the default delimiter and NULL uses decode/copy-text.ts's encoder (the hot path of
 * `COPY t TO STDOUT`); other options go through the general writer below. CSV quotes a value
 * when it contains the delimiter, the quote, CR or LF, equals the NULL string, is `\.` as the only
 * column, or its column is in FORCE_QUOTE; inside quotes the quote and escape bytes are escaped.
 * Binary rows are the text values converted by pgwire/binary-format.ts (the types it knows; any
 * other type is refused with 0A000 before the first row).
 *
 * Interface:
 *   copyChunks(bodies, options, columns)  Iterator of chunks, and the row count so far
 */
import { encodeCopyRow } from '../decode/copy-text.js';
import type { FieldDescription } from '../pgwire/engine.js';
import { makeRowEncoder } from '../pgwire/binary-format.js';
import { MessageWriter } from '../pgwire/message-writer.js';
import type { CopyOptions } from './copy-options.js';

const NL = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;

export interface CopyColumn {
  readonly name: string;
  readonly typeOid: number;
  /** FORCE_QUOTE applies (CSV). */
  readonly forceQuote: boolean;
}

/** A growable byte buffer for one line (reused: each line leaves as a copy). */
class Line {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array, from: number, to: number): void {
    this.ensure(to - from);
    this.buf.set(b.subarray(from, to), this.pos);
    this.pos += to - from;
  }

  take(): Uint8Array {
    const out = Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

/** CopyAttributeOutText with a delimiter other than tab (or a header name). */
function textAttribute(line: Line, v: Uint8Array, from: number, to: number, delim: number): void {
  let start = from;
  for (let i = from; i < to; i++) {
    let c = v[i]!;
    if (c < 0x20) {
      switch (c) {
        case 0x08: c = 0x62; break; // \b
        case 0x0c: c = 0x66; break; // \f
        case 0x0a: c = 0x6e; break; // \n
        case 0x0d: c = 0x72; break; // \r
        case 0x09: c = 0x74; break; // \t
        case 0x0b: c = 0x76; break; // \v
        default:
          if (c !== delim) continue;
      }
      line.bytes(v, start, i);
      line.byte(BACKSLASH);
      line.byte(c);
      start = i + 1;
    } else if (c === BACKSLASH || c === delim) {
      line.bytes(v, start, i);
      line.byte(BACKSLASH);
      start = i; // the byte itself goes out with the next run
    }
  }
  line.bytes(v, start, to);
}

function equalsBytes(v: Uint8Array, from: number, to: number, s: Uint8Array): boolean {
  if (to - from !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (v[from + i] !== s[i]) return false;
  return true;
}

/** CopyAttributeOutCSV. */
function csvAttribute(line: Line, v: Uint8Array, from: number, to: number, forceQuote: boolean, singleColumn: boolean, o: CopyOptions): void {
  let quote = forceQuote || equalsBytes(v, from, to, o.nullPrint);
  if (!quote) {
    if (singleColumn && to - from === 2 && v[from] === BACKSLASH && v[from + 1] === 0x2e) quote = true;
    else {
      for (let i = from; i < to; i++) {
        const c = v[i]!;
        if (c === o.delimiter || c === o.quote || c === NL || c === CR) {
          quote = true;
          break;
        }
      }
    }
  }
  if (!quote) {
    line.bytes(v, from, to);
    return;
  }
  line.byte(o.quote);
  let start = from;
  for (let i = from; i < to; i++) {
    const c = v[i]!;
    if (c === o.quote || c === o.escape) {
      line.bytes(v, start, i);
      line.byte(o.escape);
      start = i;
    }
  }
  line.bytes(v, start, to);
  line.byte(o.quote);
}

function headerLine(line: Line, columns: readonly CopyColumn[], o: CopyOptions): Uint8Array {
  columns.forEach((c, i) => {
    if (i > 0) line.byte(o.delimiter);
    const name = Buffer.from(c.name, 'utf8');
    if (o.format === 'csv') csvAttribute(line, name, 0, name.length, false, columns.length === 1, o);
    else textAttribute(line, name, 0, name.length, o.delimiter);
  });
  line.byte(NL);
  return line.take();
}

function rowLine(line: Line, body: Uint8Array, columns: readonly CopyColumn[], o: CopyOptions): Uint8Array {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = view.getInt16(0);
  let p = 2;
  for (let i = 0; i < n; i++) {
    if (i > 0) line.byte(o.delimiter);
    const len = view.getInt32(p);
    p += 4;
    if (len < 0) {
      line.bytes(o.nullPrint, 0, o.nullPrint.length);
      continue;
    }
    if (o.format === 'csv') csvAttribute(line, body, p, p + len, columns[i]?.forceQuote === true, n === 1, o);
    else textAttribute(line, body, p, p + len, o.delimiter);
    p += len;
  }
  line.byte(NL);
  return line.take();
}

const BINARY_SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
/** Signature, flags 0, header extension length 0. */
const BINARY_HEADER = Buffer.concat([BINARY_SIGNATURE, Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** Converts text DataRow bodies into binary COPY tuples (a tuple is a DataRow body in binary). */
function binaryTuples(columns: readonly CopyColumn[]): (body: Uint8Array) => Uint8Array {
  const fields: FieldDescription[] = columns.map((c) => ({ name: c.name, tableOid: 0, columnAttr: 0, typeOid: c.typeOid, typeSize: -1, typeMod: -1 }));
  const encoder = makeRowEncoder(fields, new Uint8Array(fields.length).fill(1));
  let last: Buffer | null = null;
  const out = new MessageWriter((chunk) => {
    last = chunk;
    return true;
  });
  return (body) => {
    if (encoder === null) return body; // no columns
    encoder.write(out, body);
    out.flush();
    // The message is 'D' + int32 length + body: the body is the tuple.
    return Uint8Array.prototype.slice.call(last!, 5);
  };
}

export interface CopyStream {
  readonly chunks: Iterator<Uint8Array>;
  /** Rows sent so far (the command tag's count: header and trailer chunks are not rows). */
  rows(): number;
}

export function copyChunks(bodies: Iterator<Uint8Array>, o: CopyOptions, columns: readonly CopyColumn[]): CopyStream {
  let rows = 0;
  const defaultText = o.format === 'text' && o.delimiter === 0x09 && o.nullPrint.length === 2 && o.nullPrint[0] === BACKSLASH && o.nullPrint[1] === 0x4e;
  const toBinary = o.format === 'binary' ? binaryTuples(columns) : null;
  function* gen(): Generator<Uint8Array> {
    const line = new Line();
    try {
      if (o.header) yield headerLine(line, columns, o);
      let first = true;
      for (;;) {
        const r = bodies.next();
        if (r.done === true) break;
        rows++;
        if (toBinary !== null) {
          const tuple = toBinary(r.value);
          yield first ? Buffer.concat([BINARY_HEADER, tuple]) : tuple;
        } else {
          yield defaultText ? encodeCopyRow(r.value) : rowLine(line, r.value, columns, o);
        }
        first = false;
      }
      if (toBinary !== null) yield first ? Buffer.concat([BINARY_HEADER, BINARY_TRAILER]) : BINARY_TRAILER;
    } finally {
      bodies.return?.();
    }
  }
  return { chunks: gen(), rows: () => rows };
}
