/*
 * lsn-waiters.ts — promises that resolve once the store's applied LSN reaches a position
 * (read-your-writes, tests, readiness). Checked after every applied transaction and idle
 * advance; kept sorted so a check costs O(1) when nobody is due.
 */
import { formatLsn, type Lsn } from '../lsn.js';

interface Waiter {
  readonly lsn: Lsn;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class LsnWaitTimeout extends Error {
  override readonly name = 'LsnWaitTimeout';
}

export class LsnWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly current: () => Lsn) {}

  /** Resolves when current() ≥ lsn; rejects with LsnWaitTimeout after timeoutMs (if given). */
  wait(lsn: Lsn, timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    if (this.current() >= lsn) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // A session's signal lives as long as its connection: the listener must go when the wait
      // ends, or every wait_lsn of a long-lived connection leaves one behind.
      const onAbort = (): void => {
        remove();
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      const w: Waiter = {
        lsn,
        resolve: () => (settled(), resolve()),
        reject: (err) => (settled(), reject(err)),
        timer: undefined,
      };
      const remove = (): void => {
        this.waiters = this.waiters.filter((x) => x !== w);
        if (w.timer) clearTimeout(w.timer);
        settled();
      };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          remove();
          reject(new LsnWaitTimeout(`timed out after ${timeoutMs} ms waiting for LSN ${formatLsn(lsn)} (applied: ${formatLsn(this.current())})`));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.lsn > lsn) i--;
      this.waiters.splice(i, 0, w);
    });
  }

  /** Call after the applied LSN moved. */
  notify(): void {
    if (this.waiters.length === 0) return;
    const now = this.current();
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.lsn <= now) n++;
    if (n === 0) return;
    const due = this.waiters.splice(0, n);
    for (const w of due) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve();
    }
  }

  /** Fails every waiter (shutdown). */
  rejectAll(err: Error): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
