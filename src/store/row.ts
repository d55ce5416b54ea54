/*
 * row.ts — rows are kept in the form they are served: a DataRow body (layout and the NULL and
 * unchanged-TOAST markers in pg/row-format.ts).
 *
 * A point read therefore copies one buffer to the socket behind a 'D' and a length. This module
 * owns the format: buildRow is the one builder, for stored rows and for rows the query layer makes
 * (pgwire only frames bodies it is given). The unchanged-TOAST marker only appears in decoded new
 * tuples; it is resolved against the stored row at apply and never reaches the store.
 */
import { NULL_LENGTH, UNCHANGED_LENGTH } from '../pg/row-format.js';

/** Byte offset of each column's length word; the value starts 4 bytes later. */
export function columnOffsets(row: Uint8Array): number[] {
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const n = view.getInt16(0);
  const offsets = new Array<number>(n);
  let pos = 2;
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    const len = view.getInt32(pos);
    pos += 4 + (len > 0 ? len : 0);
  }
  return offsets;
}

export function columnCount(row: Uint8Array): number {
  return ((row[0]! << 8) | row[1]!) << 16 >> 16;
}

/** The column's bytes, null for NULL, undefined for an unchanged-TOAST marker. */
export function columnValue(row: Uint8Array, index: number): Uint8Array | null | undefined {
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const n = view.getInt16(0);
  if (index >= n) return null;
  let pos = 2;
  for (let i = 0; i < index; i++) {
    const len = view.getInt32(pos);
    pos += 4 + (len > 0 ? len : 0);
  }
  const len = view.getInt32(pos);
  if (len === NULL_LENGTH) return null;
  if (len === UNCHANGED_LENGTH) return undefined;
  return row.subarray(pos + 4, pos + 4 + len);
}

/** Values of several columns (the key columns), in the order asked. Hot path: one walk, no DataView. */
export function columnValues(row: Uint8Array, indexes: readonly number[]): (Uint8Array | null | undefined)[] {
  const out = new Array<Uint8Array | null | undefined>(indexes.length).fill(null);
  const n = ((row[0]! << 8) | row[1]!) << 16 >> 16;
  let last = -1;
  for (const i of indexes) if (i > last) last = i;
  let pos = 2;
  for (let c = 0; c < n && c <= last; c++) {
    const len = (row[pos]! << 24) | (row[pos + 1]! << 16) | (row[pos + 2]! << 8) | row[pos + 3]!;
    for (let k = 0; k < indexes.length; k++) {
      if (indexes[k] !== c) continue;
      out[k] = len === NULL_LENGTH ? null : len === UNCHANGED_LENGTH ? undefined : row.subarray(pos + 4, pos + 4 + len);
    }
    pos += 4 + (len > 0 ? len : 0);
  }
  return out;
}

export function hasUnchanged(row: Uint8Array): boolean {
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const n = view.getInt16(0);
  let pos = 2;
  for (let i = 0; i < n; i++) {
    const len = view.getInt32(pos);
    if (len === UNCHANGED_LENGTH) return true;
    pos += 4 + (len > 0 ? len : 0);
  }
  return false;
}

/** A column value for buildRow: its bytes, its text (encoded as UTF-8), or null for NULL. */
export type ColumnInput = Uint8Array | string | null;

/**
 * Builds a row from column values: the one DataRow body builder (stored rows, projections, and
 * the rows engines make from strings). Values are written in place, with no intermediate copy of
 * a string's UTF-8; the row owns its buffer (offset 0), so it may be kept in the store.
 */
export function buildRow(values: readonly ColumnInput[]): Uint8Array {
  let size = 2;
  let text = false;
  for (const v of values) {
    if (v === null) size += 4;
    else if (typeof v === 'string') {
      size += 4 + Buffer.byteLength(v);
      text = true;
    } else size += 4 + v.length;
  }
  const out = new Uint8Array(size);
  // Only rows with text need Buffer's in-place UTF-8 writer; one view of the same memory.
  const asBuffer = text ? Buffer.from(out.buffer, 0, size) : null;
  const view = new DataView(out.buffer);
  view.setInt16(0, values.length);
  let pos = 2;
  for (const v of values) {
    if (v === null) {
      view.setInt32(pos, NULL_LENGTH);
      pos += 4;
    } else if (typeof v === 'string') {
      const n = asBuffer!.write(v, pos + 4, 'utf8');
      view.setInt32(pos, n);
      pos += 4 + n;
    } else {
      view.setInt32(pos, v.length);
      out.set(v, pos + 4);
      pos += 4 + v.length;
    }
  }
  return out;
}

/**
 * Replaces unchanged-TOAST markers in `next` by the stored row's values of the same column.
 * A column with no stored value (it cannot happen for a row we hold) becomes NULL.
 */
export function resolveUnchanged(next: Uint8Array, stored: Uint8Array | undefined): Uint8Array {
  const n = columnCount(next);
  const values = new Array<Uint8Array | null>(n);
  for (let i = 0; i < n; i++) {
    const v = columnValue(next, i);
    values[i] = v === undefined ? (stored ? (columnValue(stored, i) ?? null) : null) : v;
  }
  return buildRow(values);
}
