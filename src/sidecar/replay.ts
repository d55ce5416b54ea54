/*
 * replay.ts — a restart applies the change log's records after the loaded dump through the
 * stream's own path (the follower's process()), so replay and streaming cannot disagree: a
 * record's transaction is skipped whole when the dump already holds it (exactly once), a table
 * the record needs but the store lacks, or whose shape changed, is copied beside the stream by
 * the sync worker exactly as when the record first came from the slot, and an advance record
 * moves the applied position as the idle keepalive did.
 */
import type { Applier } from '../apply/applier.js';
import type { Logger } from '../log.js';
import { formatLsn } from '../lsn.js';
import { readLog, RecordKind, type ChangeLog } from '../snapshot/change-log.js';
import type { Store } from '../store/store.js';

export async function replayChangeLog(changeLog: ChangeLog, store: Store, log: Logger, applier: Applier, process: (message: Uint8Array) => void): Promise<void> {
  const from = store.appliedLsn;
  const t0 = performance.now();
  const before = store.counters.transactions;
  const r = await readLog(changeLog.dir, log, () => store.appliedLsn, (rec) => {
    if (rec.kind === RecordKind.Advance) {
      applier.advanceIdle(rec.endLsn);
      return;
    }
    // Already in the dump: the applier would skip it whole; do not even buffer it.
    if (rec.commitLsn < store.appliedLsn) return;
    rec.forEach(process);
  });
  log.info('replayed the change log', {
    from: formatLsn(from),
    to: formatLsn(store.appliedLsn),
    records: r.records,
    applied: store.counters.transactions - before,
    seconds: +((performance.now() - t0) / 1000).toFixed(2),
    ...(r.cut ? { cut: r.cut } : {}),
  });
}
