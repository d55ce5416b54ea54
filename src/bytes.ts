/*
 * bytes.ts — copying byte ranges safely.
 *
 * `Buffer.prototype.slice` is a view, unlike `Uint8Array.prototype.slice`; anything that may be
 * a Buffer (node-postgres hands out views into its receive buffer, which it reuses) and must
 * outlive the current call is copied with copyBytes, never with .slice().
 */

export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(src.subarray(start, end));
  return out;
}
