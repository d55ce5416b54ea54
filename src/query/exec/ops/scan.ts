/*
 * scan.ts — reading a replicated table: Key Lookup (point reads), Key Range Scan (a walk of part
 * of the key tree), Full Scan (the whole tree), forward or backward (key order = ORDER BY pk).
 *
 * The stored row is a DataRow body in text format. Only the columns the plan references are
 * decoded (column pruning: `needed`, ascending), with their type's input function (numeric and
 * int2/int4 and ISO dates straight from the bytes when they look as their output function prints them); the
 * others stay NULL in the row handed up. The scan's own conjuncts run here, before the row
 * leaves. A walk copies each row into one reusable buffer instead of a fresh copy per row.
 *
 * States: bind the key access for this execution (segments) → for each segment, a lookup or a
 * tree walk → decode, filter, yield; PAUSE every time slice. The tree iterator stays valid across
 * a PAUSE only because the driver restarts the statement when the table changed (run.ts).
 */
import { SqlError } from '../../../errors.js';
import { SQLSTATE } from '../../../pgwire/sqlstate.js';
import type { Datum } from '../../types/datum.js';
import { typeInfo, type EvalSettings } from '../../types/registry.js';
import type { Fn } from '../eval.js';
import { bindKeyAccess, type KeyAccess, type Segment } from '../key-access.js';
import type { PhysNode } from '../node.js';
import { PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import { Oid } from '../../../pg/types.js';
import { RadixTree } from '../../../store/art.js';
import { SmallNumeric } from '../../types/numeric-small.js';
import { dateOf } from '../../types/datetime-format.js';
import { daysInMonth } from '../../types/datetime-parse.js';

export interface ScanColumn {
  readonly type: number;
  readonly typmod: number;
}

/** UTF-8 text of bytes [start, end) of a row; short ASCII without a Buffer. */
function text(row: Uint8Array, buf: Buffer, start: number, end: number): string {
  if (end - start <= 16) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = row[i]!;
      if (c >= 0x80) return buf.toString('utf8', start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return buf.toString('utf8', start, end);
}

/** Reads one stored column value: bytes [start, end) of `row` (a Buffer view of it is `buf`). */
type ColumnReader = (row: Uint8Array, buf: Buffer, start: number, end: number, s: EvalSettings) => Datum;

/**
 * `-?[0-9]+(.[0-9]+)?` with at most 15 digits, as numeric_out prints it, straight from the bytes
 * into a SmallNumeric; undefined for anything else (the type's input function decides).
 */
function smallNumericAt(row: Uint8Array, start: number, end: number): SmallNumeric | undefined {
  let i = start;
  let neg = false;
  if (i < end && row[i] === 45) {
    neg = true;
    i++;
  }
  let u = 0;
  let digits = 0;
  let scale = -1;
  for (; i < end; i++) {
    const c = row[i]!;
    if (c >= 48 && c <= 57) {
      u = u * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0 && digits > 0) scale = 0;
    else return undefined;
  }
  if (digits === 0 || digits > 15 || scale === 0) return undefined;
  return new SmallNumeric(neg && u !== 0 ? -u : u, scale < 0 ? 0 : scale);
}

/** `-?[0-9]{1,9}` (what int2/int4 output prints) as a number; undefined otherwise. */
function smallIntAt(row: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  if (i < end && row[i] === 45) {
    neg = true;
    i++;
  }
  if (i === end || end - i > 9) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const c = row[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** `YYYY-MM-DD` (ISO DateStyle's date_out for years 1–9999 AD) as days; undefined otherwise. */
function isoDateAt(row: Uint8Array, start: number, end: number): number | undefined {
  if (end - start !== 10 || row[start + 4] !== 45 || row[start + 7] !== 45) return undefined;
  let y = 0;
  for (let i = start; i < start + 4; i++) {
    const c = row[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    y = y * 10 + c;
  }
  const m1 = row[start + 5]! - 48;
  const m2 = row[start + 6]! - 48;
  const d1 = row[start + 8]! - 48;
  const d2 = row[start + 9]! - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y === 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return dateOf(y, m, d);
}

/**
 * The reader of a column: the type's input function over the text, with byte-level fast paths
 * for what the primary's output functions print most (numeric, int2, int4, ISO date), which skip making a
 * string. Values replicated from PostgreSQL already fit their column's typmod (it applied it),
 * so a numeric is read as printed.
 */
function readerOf(c: ScanColumn): ColumnReader {
  const info = typeInfo(c.type);
  const typmod = c.typmod;
  const general: ColumnReader = (row, buf, start, end, s) => info.input(text(row, buf, start, end), typmod, s);
  switch (c.type) {
    case Oid.numeric:
      return (row, buf, start, end, s) => smallNumericAt(row, start, end) ?? general(row, buf, start, end, s);
    case Oid.int2:
    case Oid.int4:
      return (row, buf, start, end, s) => smallIntAt(row, start, end) ?? general(row, buf, start, end, s);
    case Oid.date:
      return (row, buf, start, end, s) => isoDateAt(row, start, end) ?? general(row, buf, start, end, s);
    default:
      return general;
  }
}

/**
 * Decodes the needed columns (ascending positions) of a stored row (bytes [0, len) of `row`,
 * `buf` a Buffer over the same memory) into a full-width Row.
 */
export function decoder(columns: readonly ScanColumn[], needed: readonly number[]): (row: Uint8Array, s: EvalSettings, buf?: Buffer) => Row {
  const width = columns.length;
  const readers: (ColumnReader | null)[] = columns.map(() => null);
  for (const i of needed) readers[i] = readerOf(columns[i]!);
  const last = needed.length === 0 ? -1 : needed[needed.length - 1]!;
  return (row, s, buffer) => {
    const out = new Array<Datum>(width).fill(null);
    if (last < 0) return out;
    const buf = buffer ?? Buffer.from(row.buffer, row.byteOffset, row.byteLength);
    const n = ((row[0]! << 8) | row[1]!) << 16 >> 16;
    let pos = 2;
    for (let c = 0; c < n && c <= last; c++) {
      const len = (row[pos]! << 24) | (row[pos + 1]! << 16) | (row[pos + 2]! << 8) | row[pos + 3]!;
      const read = readers[c];
      if (read !== null && read !== undefined && len >= 0) out[c] = read(row, buf, pos + 4, pos + 4 + len, s);
      pos += 4 + (len > 0 ? len : 0);
    }
    return out;
  };
}

/**
 * A reusable buffer the scans copy each stored row into (no allocation per row). One for all
 * scans: a row is copied and decoded in one synchronous step and the decoded row holds no
 * reference to the bytes, so a nested scan (a SubPlan run by the filter) may reuse it at once.
 */
class Scratch {
  bytes = new Uint8Array(4096);
  buf = Buffer.from(this.bytes.buffer, 0, this.bytes.byteLength);
  ensure(n: number): void {
    if (n <= this.bytes.length) return;
    this.bytes = new Uint8Array(Math.max(n, this.bytes.length * 2));
    this.buf = Buffer.from(this.bytes.buffer, 0, this.bytes.byteLength);
  }
}

const SCRATCH = new Scratch();

export class ScanOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[] = [];
  private readonly decode: (row: Uint8Array, s: EvalSettings, buf?: Buffer) => Row;
  constructor(
    readonly tableOid: number,
    readonly qualified: string,
    refName: string,
    private readonly columns: readonly ScanColumn[],
    needed: readonly number[],
    private readonly keyTypes: readonly number[],
    private readonly access: KeyAccess | null,
    private readonly filter: Fn | null,
    readonly reverse: boolean,
    readonly details: readonly string[],
  ) {
    const kind = access === null ? 'Full Scan' : access.eq.length === keyTypes.length ? 'Key Lookup' : 'Key Range Scan';
    const alias = refName !== qualified.split('.').pop() ? ` ${refName}` : '';
    this.name = `${kind}${reverse ? ' Backward' : ''} on ${qualified.split('.').pop()}${alias}`;
    this.decode = decoder(columns, needed);
  }

  *run(rt: Runtime): Rows {
    const t = rt.table(this.tableOid, this.qualified);
    if (t.state.relation.columns.length !== this.columns.length) {
      throw new SqlError(SQLSTATE.feature_not_supported, 'cached plan must not change result type');
    }
    const segments: Segment[] | null = this.access === null ? [{ range: this.reverse ? { reverse: true } : {} }] : bindKeyAccess(this.access, this.keyTypes, rt, this.reverse);
    if (segments === null) return;
    const decode = this.decode;
    const filter = this.filter;
    const settings = rt.settings;
    const rows = t.rows;
    for (const seg of segments) {
      if ('point' in seg) {
        const v = rows.get(seg.point);
        if (v === undefined) continue;
        const r = decode(v, settings);
        if (filter === null || filter(r, rt) === true) yield r;
        if (rt.shouldPause()) yield PAUSE;
        continue;
      }
      if (!(rows instanceof RadixTree)) {
        for (const [, v] of rows.entries(seg.range)) {
          const r = decode(v, settings);
          if (filter === null || filter(r, rt) === true) yield r;
          if (rt.shouldPause()) yield PAUSE;
        }
        continue;
      }
      // The cursor re-seeks by itself when the tree changed during a PAUSE (art.ts).
      const cur = rows.cursor(seg.range);
      const scratch = SCRATCH;
      while (cur.next()) {
        scratch.ensure(cur.valueLength);
        cur.copyValue(scratch.bytes, 0);
        const r = decode(scratch.bytes, settings, scratch.buf);
        if (filter === null || filter(r, rt) === true) yield r;
        if (rt.shouldPause()) yield PAUSE;
      }
    }
  }
}
