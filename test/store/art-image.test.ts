/*
 * Tree images (RadixTree.toImage / fromImage, as dumps write and load them): a restored tree is
 * the same map, stays correct under further changes, and owns its memory — a clone of a restored
 * tree must not share bytes with it (the dump writes such clones while the live tree changes).
 */
import { describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/store/art.js';

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

  it('refuses an image of another format', () => {
    const { meta, buffers } = new RadixTree().toImage();
    expect(() => RadixTree.fromImage({ ...meta, format: meta.format + 1 }, buffers)).toThrow(/format/);
  });
});
