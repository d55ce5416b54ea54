/*
 * A periodic dump waits while a big transaction is being received (Snapshotter `busy`): the
 * dump's clone of the store and the transaction's buffer are then never held at once (issue
 * #13's RSS bound). It is taken once the transaction is over, or at the next tick at the latest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { Snapshotter } from '../../src/snapshot/snapshotter.js';
import { RadixTree } from '../../src/store/art.js';
import { Store } from '../../src/store/store.js';
import { waitFor } from '../support/wait.js';

const dirs: string[] = [];
const running: Snapshotter[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function snapshotter(intervalSeconds: number, busy: () => boolean): Snapshotter {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memstore-defer-'));
  dirs.push(dir);
  const store = new Store(() => new RadixTree());
  store.appliedLsn = 100n;
  const s = new Snapshotter({ store, dumpsDir: dir, sidecarId: 't', slot: 't', intervalSeconds, keep: 2, log: silentLogger, onDurable: () => undefined, busy });
  running.push(s);
  return s;
}

const deferring = (s: Snapshotter): boolean => (s as unknown as { deferTimer: unknown }).deferTimer !== undefined;

describe('periodic dumps and big transactions', () => {
  it('a tick during a big transaction waits for its end, then dumps', async () => {
    let busy = true;
    const s = snapshotter(1, () => busy);
    s.start();
    await waitFor(() => deferring(s), 10_000, 'the first tick to defer its dump', 5);
    expect(s.state.dumps).toBe(0);
    busy = false; // the transaction committed: well before the next tick
    await waitFor(() => s.state.dumps === 1, 10_000, 'the deferred dump');
    expect(deferring(s)).toBe(false);
  });

  it('a transaction that outlasts the interval delays the dump by one tick at most', async () => {
    const s = snapshotter(0.3, () => true);
    s.start();
    await waitFor(() => deferring(s), 10_000, 'the first tick to defer its dump', 5);
    await waitFor(() => s.state.dumps >= 1, 10_000, 'the dump at the next tick');
  });
});
