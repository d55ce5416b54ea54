import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, type ByteReaderPolicy, type ReadFailure } from '../src/byte-reader.js';

class Failed extends Error {
  constructor(readonly kind: ReadFailure) {
    super(kind);
  }
}

const policy: ByteReaderPolicy<Uint8Array> = {
  fail: (kind) => new Failed(kind),
  text: (buf, start, end) => Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8'),
};

function failure(f: () => unknown): ReadFailure | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof Failed) return e.kind;
    throw e;
  }
  return undefined;
}

describe('ByteReader', () => {
  it('reads big-endian integers of every width as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const b = Buffer.from(bytes);
        const r = new ByteReader(policy, bytes);
        expect(r.i16()).toBe(b.readInt16BE(0));
        expect(r.reset(bytes).i32()).toBe(b.readInt32BE(0));
        expect(r.reset(bytes).u32()).toBe(b.readUInt32BE(0));
        expect(r.reset(bytes).u64()).toBe(b.readBigUInt64BE(0));
        expect(r.reset(bytes).i64()).toBe(b.readBigInt64BE(0));
        expect(r.remaining).toBe(0);
      }),
    );
  });

  it('reads strings, views, copies and the rest, and checks the end', () => {
    const body = Buffer.from('ab\0\x01\x02\x03\x04\x05');
    const r = new ByteReader(policy, new Uint8Array(body));
    expect(r.cstring()).toBe('ab');
    const view = r.view(2);
    const copy = r.copy(1);
    expect([...view, ...copy]).toEqual([1, 2, 3]);
    expect(failure(() => r.end())).toBe('trailing');
    r.buf[3] = 9;
    expect(view[0]).toBe(9); // a view follows its buffer
    r.buf[5] = 9;
    expect(copy[0]).toBe(3); // a copy does not
    expect([...r.rest()]).toEqual([4, 5]);
    expect(failure(() => r.end())).toBeUndefined();
  });

  it('fails through the policy on truncation, a missing terminator and a negative length', () => {
    const r = new ByteReader(policy, Uint8Array.of(1, 2, 3));
    expect(failure(() => r.i32())).toBe('truncated');
    expect(r.pos).toBe(0);
    expect(failure(() => r.view(-1))).toBe('truncated');
    expect(failure(() => r.cstring())).toBe('unterminated');
  });
});
