/*
 * Model-based tests: random operation sequences run against RadixTree and against a model (a Map
 * plus a sorted key array, ordered by the same memcmp comparator), compared after every step.
 * Key families are chosen to hit the hard cases: tiny alphabets (deep shared prefixes, keys that
 * are prefixes of others, the empty key), all 256 byte values (nodes 48 and 256), and 4 KiB keys
 * that share long compressed paths and differ past the 8 inline bytes.
 */
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { RadixTree, compareBytes, type RadixTreeStats } from '../../src/store/art.js';
import type { RangeOptions } from '../../src/store/byte-map.js';

const hex = (a: Uint8Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

class Model {
  readonly map = new Map<string, [Uint8Array, Uint8Array]>();
  private sortedCache: Uint8Array[] | null = null;

  set(k: Uint8Array, v: Uint8Array): boolean {
    const had = this.map.has(hex(k));
    this.map.set(hex(k), [k.slice(), v.slice()]);
    if (!had) this.sortedCache = null;
    return had;
  }

  delete(k: Uint8Array): boolean {
    const had = this.map.delete(hex(k));
    if (had) this.sortedCache = null;
    return had;
  }

  get(k: Uint8Array): Uint8Array | undefined {
    return this.map.get(hex(k))?.[1];
  }

  sorted(): Uint8Array[] {
    this.sortedCache ??= [...this.map.values()].map(([k]) => k).sort(compareBytes);
    return this.sortedCache;
  }

  range(o: RangeOptions): Uint8Array[] {
    const out = this.sorted().filter(
      (k) =>
        (o.lo === undefined || compareBytes(k, o.lo) >= 0) &&
        (o.hi === undefined || compareBytes(k, o.hi) < 0) &&
        (o.prefix === undefined || (k.length >= o.prefix.length && compareBytes(k.subarray(0, o.prefix.length), o.prefix) === 0)),
    );
    return o.reverse === true ? out.reverse() : out;
  }
}

// --- key families ---------------------------------------------------------------------------------

const LONG = new Uint8Array(4200).fill(0x6c);
const LONG_B = LONG.slice();
LONG_B[10] = 0x6d; // differs just past the inline bytes
const LONG_C = LONG.slice();
LONG_C[3000] = 0x6b; // differs deep inside the shared path

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const families: Record<string, fc.Arbitrary<Uint8Array>> = {
  'alphabet of 2, length ≤ 6': fc.uint8Array({ maxLength: 6 }).map((a) => a.map((x) => 0x61 + (x & 1))),
  'alphabet of 5, length ≤ 4': fc.uint8Array({ maxLength: 4 }).map((a) => a.map((x) => 0x61 + (x % 5))),
  'all bytes, length ≤ 2': fc.uint8Array({ maxLength: 2 }),
  'all bytes under a shared 9-byte path': fc.uint8Array({ minLength: 0, maxLength: 2 }).map((a) => concat(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), a)),
  '4 KiB keys with long shared paths': fc
    .tuple(fc.constantFrom(LONG, LONG_B, LONG_C), fc.integer({ min: 0, max: 4200 }), fc.uint8Array({ maxLength: 3 }))
    .map(([base, cut, suffix]) => concat(base.subarray(0, cut < 4096 ? 4096 + (cut % 104) : cut), suffix.map((x) => x & 3))),
};

const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 6000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
);

type Op =
  | { readonly op: 'set'; readonly k: Uint8Array; readonly v: Uint8Array }
  | { readonly op: 'delete'; readonly k: Uint8Array }
  | { readonly op: 'get'; readonly k: Uint8Array }
  | { readonly op: 'range'; readonly o: RangeOptions; readonly limit: number }
  | { readonly op: 'compact' };

function opArb(key: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Op> {
  const bound = fc.option(key, { nil: undefined });
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ op: fc.constant('set' as const), k: key, v: valueArb }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('delete' as const), k: key }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), k: key }) },
    { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('range' as const),
        o: fc.record({ lo: bound, hi: bound, prefix: fc.option(key.map((k) => k.subarray(0, k.length >> 1)), { nil: undefined }), reverse: fc.boolean() }),
        limit: fc.integer({ min: 1, max: 400 }),
      }),
    },
  );
}

const totals = { grow4to16: 0, grow16to48: 0, grow48to256: 0, shrink256to48: 0, shrink48to16: 0, shrink16to4: 0, collapses: 0 };
function addStats(st: RadixTreeStats): void {
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += st[k];
}

function sameKeys(got: Uint8Array[], want: Uint8Array[]): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < got.length; i++) if (compareBytes(got[i]!, want[i]!) !== 0) return false;
  return true;
}

describe('RadixTree against a model', () => {
  for (const [name, key] of Object.entries(families)) {
    it(`random set/delete/get/seek/range/prefix: ${name}`, () => {
      fc.assert(
        fc.property(fc.array(opArb(key), { minLength: 1, maxLength: 300, size: 'max' }), (ops) => {
          const t = new RadixTree();
          const m = new Model();
          for (const o of ops) {
            switch (o.op) {
              case 'set':
                expect(t.set(o.k, o.v)).toBe(m.set(o.k, o.v));
                break;
              case 'delete':
                expect(t.delete(o.k)).toBe(m.delete(o.k));
                break;
              case 'compact':
                t.compact();
                break;
              case 'get': {
                const got = t.get(o.k);
                const want = m.get(o.k);
                expect(got === undefined ? undefined : hex(got)).toBe(want === undefined ? undefined : hex(want));
                break;
              }
              case 'range': {
                const want = m.range(o.o).slice(0, o.limit);
                const got: Uint8Array[] = [];
                for (const [k, v] of t.entries(o.o)) {
                  expect(hex(v)).toBe(hex(m.get(k)!));
                  got.push(k);
                  if (got.length === o.limit) break;
                }
                expect(sameKeys(got, want)).toBe(true);
                if (o.o.lo !== undefined && o.o.reverse !== true) {
                  const fromSeek = [...t.seek(o.o.lo)].map(([k]) => k);
                  expect(sameKeys(fromSeek, m.range({ lo: o.o.lo }))).toBe(true);
                }
                break;
              }
            }
            expect(t.size).toBe(m.map.size);
          }
          t.verify();
          expect(sameKeys([...t.keys()], m.sorted())).toBe(true);
          expect(sameKeys([...t.keys({ reverse: true })], m.sorted().slice().reverse())).toBe(true);
          // Emptying the tree by deletes gives every byte back.
          for (const k of m.sorted()) expect(t.delete(k)).toBe(true);
          expect(t.memoryUsage()).toBe(new RadixTree().memoryUsage());
          addStats(t.stats());
        }),
        // 4 KiB keys make the model (hex strings, sorting) slow: fewer runs there.
        { numRuns: name.startsWith('4 KiB') ? 40 : 120 },
      );
    });
  }

  it('bulk insert and delete of random subsets reaches every node conversion', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 256, size: 'max' }),
        fc.integer({ min: 0, max: 256 }),
        (prefix, bytesIn, keep) => {
          const t = new RadixTree();
          const m = new Model();
          for (const x of bytesIn) {
            const k = concat(prefix, Uint8Array.of(x, x ^ 0x55));
            t.set(k, k);
            m.set(k, k);
          }
          t.verify();
          for (const x of bytesIn.slice(keep)) {
            const k = concat(prefix, Uint8Array.of(x, x ^ 0x55));
            expect(t.delete(k)).toBe(true);
            m.delete(k);
          }
          t.verify();
          expect(sameKeys([...t.keys()], m.sorted())).toBe(true);
          addStats(t.stats());
        },
      ),
      { numRuns: 150 },
    );
  });

  afterAll(() => {
    // Every growth and shrink path ran somewhere in the random tests above.
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(0);
  });
});

describe('RadixTree iteration under modification, against a model', () => {
  type Step =
    | { readonly op: 'next' }
    | { readonly op: 'set'; readonly k: Uint8Array; readonly v: Uint8Array }
    | { readonly op: 'delete'; readonly k: Uint8Array }
    | { readonly op: 'compact' };
  const key = fc.uint8Array({ maxLength: 4 }).map((a) => a.map((x) => 0x61 + (x % 4)));
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.constant({ op: 'next' as const }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), k: key, v: fc.uint8Array({ maxLength: 8 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), k: key }) },
    { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  );

  it('each step returns the model successor of the last key returned, with its current value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 8 })), { maxLength: 60, size: 'max' }),
        fc.record({ lo: fc.option(key, { nil: undefined }), hi: fc.option(key, { nil: undefined }), reverse: fc.boolean() }),
        fc.array(stepArb, { maxLength: 120, size: 'max' }),
        (initial, bounds, steps) => {
          const t = new RadixTree();
          const m = new Model();
          for (const [k, v] of initial) {
            t.set(k, v);
            m.set(k, v);
          }
          const it = t.entries(bounds);
          let last: Uint8Array | undefined;
          let done = false;
          for (const s of steps) {
            if (s.op === 'set') {
              t.set(s.k, s.v);
              m.set(s.k, s.v);
              continue;
            }
            if (s.op === 'delete') {
              t.delete(s.k);
              m.delete(s.k);
              continue;
            }
            if (s.op === 'compact') {
              // Moves every leaf: an open iterator must re-seek, not follow stale addresses.
              t.compact();
              continue;
            }
            // The model's next: first key in range strictly after `last` (before, in reverse).
            const inRange = m.range(bounds);
            const want = done
              ? undefined
              : last === undefined
                ? inRange[0]
                : inRange.find((k) => (bounds.reverse === true ? compareBytes(k, last!) < 0 : compareBytes(k, last!) > 0));
            const r = it.next();
            if (want === undefined) {
              expect(r.done).toBe(true);
              done = true;
            } else {
              expect(r.done).toBe(false);
              const [k, v] = r.value as [Uint8Array, Uint8Array];
              expect(hex(k)).toBe(hex(want));
              expect(hex(v)).toBe(hex(m.get(want)!));
              last = want;
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('RadixTree at one million keys', () => {
  it('matches a Map model: size, lookups, ordered scan, deletes, memory', () => {
    const n = 1_000_000;
    const t = new RadixTree();
    const base = t.memoryUsage();
    const model = new Map<string, number>();
    let x = 0x9e3779b9;
    const rnd = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const keys: Uint8Array[] = [];
    const value = new Uint8Array(20);
    for (let i = 0; i < n; i++) {
      // Shared prefixes: few distinct first bytes, variable lengths (1..16).
      const len = 1 + (rnd() % 16);
      const k = new Uint8Array(len);
      k[0] = rnd() % 12;
      for (let j = 1; j < len; j++) k[j] = rnd() & 0xff;
      keys.push(k);
      value[0] = i & 0xff;
      value[1] = (i >>> 8) & 0xff;
      t.set(k, value);
      model.set(String.fromCharCode(...k), i);
    }
    expect(t.size).toBe(model.size);
    const perKey = (t.memoryUsage() - base) / t.size;
    expect(perKey).toBeLessThan(20 + 8.5 + 40); // value + average key + overhead target
    for (let i = 0; i < n; i += 97) {
      const k = keys[i]!;
      const v = t.get(k)!;
      const want = model.get(String.fromCharCode(...k))!;
      expect(v[0]! | (v[1]! << 8)).toBe(want & 0xffff);
    }
    let count = 0;
    let prev: Uint8Array | undefined;
    const c = t.cursor();
    const buf = new Uint8Array(64);
    let ordered = true;
    let known = true;
    while (c.next()) {
      const len = c.copyKey(buf, 0);
      const k = buf.slice(0, len);
      if (prev !== undefined && compareBytes(prev, k) >= 0) ordered = false;
      if (!model.has(String.fromCharCode(...k))) known = false;
      prev = k;
      count++;
    }
    // Strictly increasing, all known, as many as the model: the same set in the right order.
    expect(ordered).toBe(true);
    expect(known).toBe(true);
    expect(count).toBe(model.size);
    for (const k of keys) t.delete(k);
    expect(t.size).toBe(0);
    expect(t.memoryUsage()).toBe(base);
  });
});
