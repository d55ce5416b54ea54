/*
 * Tree images (RadixTree.toImage / fromImage, as dumps write and load them): a restored tree is
 * the same map, stays correct under further changes, and owns its memory — a clone of a restored
 * tree must not share bytes with it (the dump writes such clones while the live tree changes).
 * Clones are laid out in a few large buffers and release() frees one's memory without a GC.
 */
import { describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/store/art.js';
import { waitFor } from '../support/wait.js';

function restore(t: RadixTree): RadixTree {
  const { meta, buffers } = t.toImage();
  // As read from a file: one Buffer, the parts views into it at odd offsets.
  const whole = Buffer.concat([Buffer.alloc(3), ...buffers]);
  let at = 3;
  const views = buffers.map((b) => {
    const v = whole.subarray(at, at + b.length);
    at += b.length;
    return v;
  });
  return RadixTree.fromImage(JSON.parse(JSON.stringify(meta)) as typeof meta, views);
}

const k = (i: number): Uint8Array => Buffer.from(`key-${i}`);
const v = (i: number, n = 40): Uint8Array => Buffer.alloc(n, i % 251);

describe('tree images', () => {
  it('restore the same map, which then goes on changing correctly', () => {
    const t = new RadixTree();
    for (let i = 0; i < 5000; i++) t.set(k(i), v(i, i % 7 === 0 ? 5000 : 40));
    for (let i = 0; i < 5000; i += 3) t.delete(k(i));
    const u = restore(t);
    expect(u.size).toBe(t.size);
    expect([...u.entries()].map(([a, b]) => Buffer.from(a).toString() + Buffer.from(b).length)).toEqual(
      [...t.entries()].map(([a, b]) => Buffer.from(a).toString() + Buffer.from(b).length),
    );
    for (let i = 0; i < 5000; i += 2) u.set(k(i), v(i + 1));
    for (let i = 1; i < 5000; i += 4) u.delete(k(i));
    u.verify();
    expect(Buffer.from(u.get(k(2))!)).toEqual(Buffer.from(v(3)));
    expect(u.get(k(1))).toBeUndefined();
  });

  it('gives a restored tree memory of its own: its clone does not change with it', () => {
    const t = new RadixTree();
    for (let i = 0; i < 2000; i++) t.set(k(i), v(i));
    const u = restore(t);
    const snapshot = u.clone();
    for (let i = 0; i < 2000; i++) u.set(k(i), v(i + 7));
    for (let i = 0; i < 1000; i++) u.delete(k(i));
    snapshot.verify();
    expect(snapshot.size).toBe(2000);
    for (let i = 0; i < 2000; i += 97) expect(Buffer.from(snapshot.get(k(i))!)).toEqual(Buffer.from(v(i)));
  });

  it('clones into a few large buffers that stay independent, and can be changed and imaged like any tree', () => {
    const t = new RadixTree();
    // Many 1 MiB chunks, a large record (its own chunk) and free-list entries.
    for (let i = 0; i < 60_000; i++) t.set(k(i), v(i, i === 777 ? 300_000 : 100));
    for (let i = 0; i < 60_000; i += 5) t.delete(k(i));
    const c = t.clone();
    const chunkBuffers = new Set((c as unknown as { t: { slab: { chunks: Uint8Array[] } } }).t.slab.chunks.filter((ch) => ch.length > 0).map((ch) => ch.buffer));
    expect(chunkBuffers.size).toBe(1); // one segment (< 1 GiB), not one buffer per chunk
    for (let i = 0; i < 60_000; i += 7) t.set(k(i), v(i + 3, 100));
    c.verify();
    expect(c.size).toBe(48_000);
    for (let i = 1; i < 60_000; i += 331) if (i % 5 !== 0) expect(Buffer.from(c.get(k(i))!)).toEqual(Buffer.from(v(i, i === 777 ? 300_000 : 100)));
    // A clone is a whole tree: it takes changes (its first chunk may grow, records are freed)
    // and images restore from it.
    for (let i = 0; i < 60_000; i += 2) c.delete(k(i));
    c.set(k(1_000_001), v(1, 200));
    c.verify();
    const r = restore(c);
    r.verify();
    expect(r.size).toBe(c.size);
    expect(Buffer.from(r.get(k(1_000_001))!)).toEqual(Buffer.from(v(1, 200)));
  });

  it('release() frees a clone\'s memory at once, leaves it empty and the original untouched', async () => {
    const t = new RadixTree();
    for (let i = 0; i < 200_000; i++) t.set(k(i), v(i, 120));
    const c = t.clone();
    const held = c.memoryUsage();
    expect(held).toBeGreaterThan(20e6);
    const before = process.memoryUsage().arrayBuffers;
    const value = c.get(k(5))!; // reads hand out copies: they outlive the release
    c.release();
    expect(c.size).toBe(0);
    expect(c.get(k(5))).toBeUndefined();
    c.verify();
    // Freed on the next turns of the event loop, with no GC (nothing here forces one).
    await waitFor(() => process.memoryUsage().arrayBuffers < before - held * 0.9, 5_000, 'the clone\'s buffers to be freed', 5);
    expect(Buffer.from(value)).toEqual(Buffer.from(v(5, 120)));
    t.verify();
    expect(t.size).toBe(200_000);
    expect(Buffer.from(t.get(k(199_999))!)).toEqual(Buffer.from(v(199_999, 120)));
    // The released tree is an empty tree that works.
    c.set(k(1), v(1));
    expect(Buffer.from(c.get(k(1))!)).toEqual(Buffer.from(v(1)));
  });

  it('refuses an image of another format', () => {
    const { meta, buffers } = new RadixTree().toImage();
    expect(() => RadixTree.fromImage({ ...meta, format: meta.format + 1 }, buffers)).toThrow(/format/);
  });
});
