/*
 * The memstore key space (src/store/memstore.ts) and its sweeper, without a server: expiry kept
 * in the stored value, the expiry index kept exact through set/delete/touch/clear/deletePrefix,
 * visibility by the clock passed in, and the sweeper's horizon following the stream clock.
 */
import { describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/store/art.js';
import { decodeStored, encodeStored, formatTimestamptz, MemstoreKeys, parseTimestamptz } from '../../src/store/memstore.js';
import { ExpirySweeper } from '../../src/store/memstore-sweeper.js';
import { Store } from '../../src/store/store.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const t = (u: Uint8Array | undefined): string | undefined => (u === undefined ? undefined : Buffer.from(u).toString('utf8'));
const newMap = (): RadixTree => new RadixTree();

describe('MemstoreKeys', () => {
  it('stores values without expiry unchanged and with expiry behind a 9-byte header', () => {
    expect(encodeStored(b('{"a": 1}'), 0)).toEqual(b('{"a": 1}'));
    const stored = encodeStored(b('[1]'), 1_767_225_600_123_456);
    expect(stored.length).toBe(9 + 3);
    expect(stored[0]).toBe(0);
    const d = decodeStored(stored);
    expect([t(d.json), d.expUs]).toEqual(['[1]', 1_767_225_600_123_456]);
  });

  it('hides a key from the moment its expiry passes, for get, count and walks', () => {
    const kv = new MemstoreKeys(newMap);
    kv.set(b('a'), b('1'), 0);
    kv.set(b('b'), b('2'), 1000);
    kv.set(b('c'), b('3'), 2000);
    expect(t(kv.get(b('b'), 999))).toBe('2');
    expect(kv.get(b('b'), 1000)).toBeUndefined();
    expect(kv.count(null, 999)).toBe(3);
    expect(kv.count(null, 1000)).toBe(2);
    expect(kv.count(b('c'), 2000)).toBe(0);
    expect([...kv.visibleEntries(undefined, 1500)].map(([k]) => t(k))).toEqual(['a', 'c']);
    expect(kv.expiredPending(1500)).toBe(1);
    expect(kv.size).toBe(3); // nothing deleted by reading
  });

  it('keeps the expiry index exact through replace, delete, touch, delete_prefix and clear', () => {
    const kv = new MemstoreKeys(newMap);
    kv.set(b('k1'), b('1'), 500);
    kv.set(b('k1'), b('1'), 0); // no expiry any more: must leave the index
    kv.set(b('k2'), b('2'), 500);
    kv.delete(b('k2'));
    expect(kv.expiringSize).toBe(0);
    kv.set(b('p:1'), b('1'), 100);
    kv.set(b('p:2'), b('2'), 0);
    kv.set(b('q'), b('3'), 100);
    expect(kv.deletePrefix(b('p:'))).toBe(2);
    expect(kv.expiringSize).toBe(1);
    // touch: alive at commit time → new expiry; expired by commit time → deleted; absent → no-op.
    expect(kv.touch(b('q'), 900, 50)).toBe(true);
    expect(kv.lookup(b('q'), 0)?.expUs).toBe(900);
    expect(kv.expiringSize).toBe(1);
    expect(kv.touch(b('q'), 0, 60)).toBe(true); // NULL ttl: persists
    expect(kv.lookup(b('q'), 10 ** 15)?.expUs).toBe(0);
    expect(kv.expiringSize).toBe(0);
    kv.set(b('old'), b('x'), 100);
    expect(kv.touch(b('old'), 5000, 100)).toBe(false);
    expect(kv.size).toBe(2); // k1, q
    expect(kv.touch(b('missing'), 5000, 0)).toBe(false);
    kv.set(b('z'), b('z'), 7);
    kv.clear();
    expect(kv.size + kv.expiringSize).toBe(0);
  });

  it('rebuilds the index when the tree is replaced (a loaded dump)', () => {
    const tree = newMap();
    tree.set(b('x'), encodeStored(b('1'), 10));
    tree.set(b('y'), b('2'));
    const store = new Store(newMap);
    store.memstore = tree;
    expect(store.kv.expiringSize).toBe(1);
    expect(store.kv.sweep(10, 100)).toBe(1);
    expect([...store.memstore.entries()].map(([k]) => t(k))).toEqual(['y']);
  });

  it('sweeps soonest first, in batches, never a key re-set with a later expiry', () => {
    const kv = new MemstoreKeys(newMap);
    for (let i = 0; i < 50; i++) kv.set(b(`k${i}`), b(String(i)), 100 + i);
    kv.set(b('k0'), b('again'), 10_000);
    expect(kv.sweep(120, 5)).toBe(5);
    expect(kv.sweep(120, 100)).toBe(15); // k1..k20 are due; k0 moved past the horizon
    expect(t(kv.get(b('k0'), 120))).toBe('again');
    expect(kv.size).toBe(30);
  });

  it('formats and parses expires_at as PostgreSQL prints timestamptz in UTC', () => {
    const us = Date.UTC(2026, 0, 5, 10, 0, 0) * 1000 + 123_450;
    expect(formatTimestamptz(us)).toBe('2026-01-05 10:00:00.12345+00');
    expect(formatTimestamptz(Date.UTC(2026, 0, 5) * 1000)).toBe('2026-01-05 00:00:00+00');
    expect(parseTimestamptz('2026-01-05 10:00:00.12345+00')).toBe(us);
    expect(parseTimestamptz('2026-01-05 12:00:00.12345+02')).toBe(us);
    expect(parseTimestamptz('2026-01-05 10:00:00.12345+0000')).toBe(us);
    expect(parseTimestamptz('yesterday')).toBeNaN();
  });
});

describe('ExpirySweeper', () => {
  it('deletes only keys expired before the stream clock minus the margin, and compacts', () => {
    const store = new Store(newMap);
    const now = Date.now() * 1000;
    for (let i = 0; i < 5000; i++) store.kv.set(b(`session:${i}`), b(`{"user": ${i}, "pad": "${'x'.repeat(100)}"}`), now - 60_000_000);
    store.kv.set(b('keep'), b('1'), 0);
    const sweeper = new ExpirySweeper(store, { batch: 1000, marginMs: 2000 });
    expect(sweeper.sweepNow()).toBe(0); // no stream clock yet: nothing is known to be safe
    // The stream has shown a commit 30 s ago: keys that expired 60 s ago are safe to delete.
    store.streamClock = BigInt(now - 30_000_000 - 946_684_800_000_000);
    const before = store.kv.memoryUsage();
    expect(sweeper.sweepNow()).toBe(5000);
    expect(store.counters.memstoreExpired).toBe(5000);
    expect(store.kv.size).toBe(1);
    expect(store.kv.memoryUsage()).toBeLessThan(before / 4);
  });

  it('leaves a key the stream clock has not passed, even when the wall clock has', () => {
    const store = new Store(newMap);
    const now = Date.now() * 1000;
    store.kv.set(b('k'), b('1'), now - 1_000_000);
    store.streamClock = BigInt(now - 500_000 - 946_684_800_000_000); // 0.5 s ago, margin 2 s
    expect(new ExpirySweeper(store).sweepNow()).toBe(0);
    expect(store.kv.get(b('k'), now)).toBeUndefined(); // invisible all the same
  });
});
