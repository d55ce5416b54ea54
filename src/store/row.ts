/*
 * row.ts — rows are kept in the form they are served: a DataRow body (layout and the NULL and
 * unchanged-TOAST markers in pg/row-format.ts).
 *
 * A point read therefore copies one buffer to the socket behind a 'D' and a length. The
 * unchanged-TOAST marker (length -2) only appears in decoded new tuples; it is resolved against
 * the stored row at apply and never reaches the store.
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

/** Builds a row from column values (null = NULL). */
export function buildRow(values: readonly (Uint8Array | null)[]): Uint8Array {
  let size = 2;
  for (const v of values) size += 4 + (v ? v.length : 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt16(0, values.length);
  let pos = 2;
  for (const v of values) {
    if (v === null) {
      view.setInt32(pos, NULL_LENGTH);
      pos += 4;
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
