/*
 * copy-text.ts — PostgreSQL COPY text format ⇄ DataRow bodies.
 *
 * COPY text is one row per line, columns separated by a tab, NULL as \N, and within a value the
 * backslash escapes \b \f \n \r \t \v \\ (COPY TO emits exactly these), plus \ooo octal and \xhh
 * hex on input. A raw newline byte therefore always ends a row, so chunks can be split on 0x0A
 * before any unescaping. Values are the type's text output, the same bytes pgoutput streams, so
 * a copied row and a streamed row of the same data are byte-identical.
 *
 * Written by hand because no maintained package converts COPY text to the wire's DataRow form;
 * pg-copy-streams moves the bytes, this file gives them meaning.
 */

import { copyBytes } from '../bytes.js';

const TAB = 0x09;
const NL = 0x0a;
const BACKSLASH = 0x5c;
const MAX_SCRATCH = 1 << 20;

/**
 * Streams COPY text chunks into DataRow bodies.
 *
 * Linear in the input: each byte is scanned for the newline once (only the new chunk is
 * searched), and a row split over several chunks is kept as a list of its pieces and joined once
 * when its newline arrives. A 50 MB row in 64 KiB chunks used to be re-joined and re-scanned
 * at every chunk (quadratic: over a minute per row).
 */
export class CopyTextDecoder {
  /** Pieces of the row whose newline has not arrived yet (copies: chunks may be reused). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private scratch = new Uint8Array(64 * 1024);
  rows = 0;
  /**
   * Bytes read or written so far (newline search, copies of pieces, unescaping): a measure of
   * the work done that tests compare across input sizes instead of timing it.
   */
  work = 0;

  constructor(private readonly onRow: (row: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      this.work += (nl < 0 ? chunk.length : nl + 1) - start;
      if (nl < 0) break;
      if (this.pendingBytes > 0) {
        const line = this.joinPending(chunk, start, nl);
        this.onRow(this.decodeLine(line, 0, line.length));
      } else {
        this.onRow(this.decodeLine(chunk, start, nl));
      }
      this.rows++;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pending.push(copyBytes(chunk, start));
      this.pendingBytes += chunk.length - start;
      this.work += chunk.length - start;
    }
  }

  /** Call at the end of the copy; a row without its newline means the copy was cut short. */
  end(): void {
    if (this.pendingBytes > 0) {
      throw new Error(`COPY data ended in the middle of a row (${this.pendingBytes} bytes left)`);
    }
  }

  /** The pending pieces followed by chunk[start, end), as one buffer; empties `pending`. */
  private joinPending(chunk: Uint8Array, start: number, end: number): Uint8Array {
    const line = new Uint8Array(this.pendingBytes + end - start);
    let o = 0;
    for (const piece of this.pending) {
      line.set(piece, o);
      o += piece.length;
    }
    line.set(chunk.subarray(start, end), o);
    this.work += line.length;
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  private decodeLine(buf: Uint8Array, start: number, end: number): Uint8Array {
    // A row never grows when unescaped; the DataRow adds 4 bytes per column and 2 for the count.
    let columns = 1;
    for (let i = start; i < end; i++) if (buf[i] === TAB) columns++;
    const need = 2 + columns * 4 + (end - start);
    this.work += 2 * (end - start); // the tab count above, the unescaping below
    // A huge row gets a buffer of its own: keeping it as scratch would pin it for the whole copy.
    if (need > MAX_SCRATCH) return this.decodeInto(new Uint8Array(need), buf, start, end, columns);
    if (this.scratch.length < need) this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2));
    return this.decodeInto(this.scratch, buf, start, end, columns);
  }

  private decodeInto(out: Uint8Array, buf: Uint8Array, start: number, end: number, columns: number): Uint8Array {
    out[0] = (columns >> 8) & 0xff;
    out[1] = columns & 0xff;
    let o = 2;
    let i = start;
    for (let c = 0; c < columns; c++) {
      const lenAt = o;
      o += 4;
      // NULL is exactly \N as the whole field.
      if (buf[i] === BACKSLASH && buf[i + 1] === 0x4e && (i + 2 === end || buf[i + 2] === TAB)) {
        writeInt32(out, lenAt, -1);
        o = lenAt + 4;
        i += 3;
        continue;
      }
      while (i < end && buf[i] !== TAB) {
        const b = buf[i]!;
        if (b !== BACKSLASH) {
          out[o++] = b;
          i++;
          continue;
        }
        const e = buf[i + 1]!;
        i += 2;
        switch (e) {
          case 0x62: out[o++] = 0x08; break; // b
          case 0x66: out[o++] = 0x0c; break; // f
          case 0x6e: out[o++] = 0x0a; break; // n
          case 0x72: out[o++] = 0x0d; break; // r
          case 0x74: out[o++] = 0x09; break; // t
          case 0x76: out[o++] = 0x0b; break; // v
          case 0x78: { // x: up to two hex digits
            let v = 0;
            let n = 0;
            while (n < 2 && i < end && isHex(buf[i]!)) {
              v = v * 16 + hexValue(buf[i]!);
              i++;
              n++;
            }
            out[o++] = n === 0 ? 0x78 : v;
            break;
          }
          default:
            if (e >= 0x30 && e <= 0x37) { // octal, up to three digits
              let v = e - 0x30;
              let n = 1;
              while (n < 3 && i < end && buf[i]! >= 0x30 && buf[i]! <= 0x37) {
                v = v * 8 + (buf[i]! - 0x30);
                i++;
                n++;
              }
              out[o++] = v & 0xff;
            } else {
              out[o++] = e;
            }
        }
      }
      writeInt32(out, lenAt, o - lenAt - 4);
      i++; // the tab (or one past the end)
    }
    return out.slice(0, o);
  }
}

function writeInt32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >>> 24) & 0xff;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10;
}

/** DataRow body → one COPY text line (with its newline), byte-identical to PostgreSQL's COPY TO. */
export function encodeCopyRow(row: Uint8Array): Buffer {
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const n = view.getInt16(0);
  // Worst case every byte doubles.
  const out = Buffer.allocUnsafe(row.length * 2 + n * 3 + 1);
  let o = 0;
  let p = 2;
  for (let c = 0; c < n; c++) {
    if (c > 0) out[o++] = TAB;
    const len = view.getInt32(p);
    p += 4;
    if (len < 0) {
      out[o++] = BACKSLASH;
      out[o++] = 0x4e;
      continue;
    }
    for (let k = 0; k < len; k++) {
      const b = row[p + k]!;
      let esc = 0;
      switch (b) {
        case 0x08: esc = 0x62; break;
        case 0x0c: esc = 0x66; break;
        case 0x0a: esc = 0x6e; break;
        case 0x0d: esc = 0x72; break;
        case 0x09: esc = 0x74; break;
        case 0x0b: esc = 0x76; break;
        case BACKSLASH: esc = BACKSLASH; break;
      }
      if (esc) {
        out[o++] = BACKSLASH;
        out[o++] = esc;
      } else {
        out[o++] = b;
      }
    }
    p += len;
  }
  out[o++] = NL;
  return out.subarray(0, o);
}
