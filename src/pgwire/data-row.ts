/*
 * data-row.ts — encodes a row of text values as a DataRow body (the form rows cross engine.ts in):
 * int16 column count, then per column an int32 byte length (-1 for NULL) and the UTF-8 bytes.
 *
 * For engines and fixtures that start from strings; the store keeps rows already in this form.
 *
 * Interface:
 *   encodeDataRow(values)      Buffer with the DataRow body
 *   decodeDataRow(body)        the values back (tests, debugging)
 */

export function encodeDataRow(values: readonly (string | null)[]): Buffer {
  let size = 2;
  for (const v of values) size += 4 + (v === null ? 0 : Buffer.byteLength(v));
  const b = Buffer.allocUnsafe(size);
  b.writeInt16BE(values.length, 0);
  let p = 2;
  for (const v of values) {
    if (v === null) {
      b.writeInt32BE(-1, p);
      p += 4;
    } else {
      const n = b.write(v, p + 4, 'utf8');
      b.writeInt32BE(n, p);
      p += 4 + n;
    }
  }
  return b;
}

export function decodeDataRow(body: Uint8Array): (string | null)[] {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const n = b.readInt16BE(0);
  const values: (string | null)[] = [];
  let p = 2;
  for (let i = 0; i < n; i++) {
    const len = b.readInt32BE(p);
    p += 4;
    if (len < 0) values.push(null);
    else {
      values.push(b.toString('utf8', p, p + len));
      p += len;
    }
  }
  return values;
}
