/*
 * The change log on its own (no database): records round-trip, a torn tail at every byte offset
 * of the last record is cut and never visited, a corrupt checksum in the middle ends the replay
 * there, an empty log replays nothing, and a checkpoint deletes the segments a dump covers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeLog, readLog, RecordKind, RECORD_HEADER, RECORD_TRAILER, SEGMENT_HEADER } from '../../src/snapshot/change-log.js';
import type { MessageSource } from '../../src/frames.js';
import { TxnBuffer } from '../../src/apply/spill.js';
import { createLogger } from '../../src/log.js';
import type { Lsn } from '../../src/lsn.js';

const lines: string[] = [];
const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
const dirs: string[] = [];

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'memstore-log-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function source(msgs: Uint8Array[]): MessageSource {
  return { bytes: msgs.reduce((n, m) => n + 4 + m.length, 0), forEach: (fn) => msgs.forEach((m) => fn(m)) };
}

function msgsOf(i: number): Uint8Array[] {
  return [Buffer.from(`B${i}`), Buffer.alloc(i * 37, i & 0xff), Buffer.from(`C${i}`)];
}

interface Seen {
  kind: number;
  commit: Lsn;
  end: Lsn;
  msgs: string[];
}

async function replay(dir: string, from: Lsn = 0n): Promise<{ seen: Seen[]; cut: unknown }> {
  const seen: Seen[] = [];
  let pos = from;
  const r = await readLog(dir, log, () => pos, (rec) => {
    const msgs: string[] = [];
    rec.forEach((m) => msgs.push(Buffer.from(m).toString('hex')));
    seen.push({ kind: rec.kind, commit: rec.commitLsn, end: rec.endLsn, msgs });
    if (rec.endLsn > pos) pos = rec.endLsn;
  });
  return { seen, cut: r.cut };
}

async function writeLog(dir: string, n: number): Promise<ChangeLog> {
  const cl = new ChangeLog({ dir, log });
  await cl.load();
  await cl.begin(100n, true);
  for (let i = 1; i <= n; i++) cl.appendTransaction(BigInt(100 + i * 10), BigInt(105 + i * 10), source(msgsOf(i)));
  cl.appendAdvance(BigInt(100 + n * 10 + 50));
  await cl.flush();
  return cl;
}

describe('change log', () => {
  it('round-trips transactions and idle advances, and reports the synced position', async () => {
    const dir = tmp();
    const synced: Lsn[] = [];
    const cl = new ChangeLog({ dir, log, onSynced: (l) => synced.push(l) });
    await cl.load();
    await cl.begin(100n, true);
    for (let i = 1; i <= 5; i++) cl.appendTransaction(BigInt(100 + i * 10), BigInt(105 + i * 10), source(msgsOf(i)));
    cl.appendAdvance(200n);
    cl.appendAdvance(150n); // behind what was written: ignored
    await cl.flush();
    expect(cl.syncedLsn).toBe(200n);
    // Not durable before a dump covers the fresh start; then durable up to the synced position.
    expect(cl.durableLsn).toBe(0n);
    await cl.checkpoint(100n, 200n);
    expect(cl.durableLsn).toBe(200n);
    expect(synced.at(-1)).toBe(200n);
    await cl.close();
    const { seen, cut } = await replay(dir, 100n);
    expect(cut).toBeUndefined();
    expect(seen.map((s) => [s.kind, s.commit, s.end])).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => [RecordKind.Transaction, BigInt(100 + i * 10), BigInt(105 + i * 10)]),
      [RecordKind.Advance, 200n, 200n],
    ]);
    expect(seen[2]!.msgs).toEqual(msgsOf(3).map((m) => Buffer.from(m).toString('hex')));
  });

  it('replays nothing from an empty or missing log', async () => {
    const dir = tmp();
    expect(await replay(path.join(dir, 'nope'))).toEqual({ seen: [], cut: undefined });
    const cl = new ChangeLog({ dir, log });
    await cl.load();
    await cl.begin(5n, true);
    await cl.close();
    expect(await replay(dir, 5n)).toEqual({ seen: [], cut: undefined });
  });

  it('cuts a torn last record at every byte offset and never visits it', async () => {
    const dir = tmp();
    const cl = await writeLog(dir, 3);
    await cl.close();
    const [seg] = readdirSync(dir);
    const file = path.join(dir, seg!);
    const whole = readFileSync(file);
    // The last record is the idle advance (empty body); the one before it, transaction 3.
    const advanceSize = RECORD_HEADER + RECORD_TRAILER;
    const tx3Size = RECORD_HEADER + source(msgsOf(3)).bytes + RECORD_TRAILER;
    const lastTxStart = whole.length - advanceSize - tx3Size;
    for (let cutAt = lastTxStart; cutAt < whole.length - advanceSize; cutAt++) {
      writeFileSync(file, whole.subarray(0, cutAt));
      const { seen, cut } = await replay(dir, 100n);
      expect(seen.map((s) => s.commit)).toEqual([110n, 120n]);
      if (cutAt > lastTxStart) expect(cut).toMatchObject({ offset: lastTxStart });
      expect(statSync(file).size).toBe(lastTxStart); // truncated there
    }
    // And with the advance record torn at every offset.
    for (let cutAt = whole.length - advanceSize + 1; cutAt < whole.length; cutAt++) {
      writeFileSync(file, whole.subarray(0, cutAt));
      const { seen } = await replay(dir, 100n);
      expect(seen.map((s) => s.commit)).toEqual([110n, 120n, 130n]);
      expect(statSync(file).size).toBe(whole.length - advanceSize);
    }
    expect(lines.some((l) => l.includes('change log cut') && l.includes('torn record'))).toBe(true);
  });

  it('stops at a corrupt checksum in the middle: nothing from there on is applied', async () => {
    const dir = tmp();
    const cl = await writeLog(dir, 6);
    await cl.close();
    const file = path.join(dir, readdirSync(dir)[0]!);
    const bytes = readFileSync(file);
    // Flip one byte inside the body of transaction 4.
    let off = SEGMENT_HEADER;
    for (let i = 1; i < 4; i++) off += RECORD_HEADER + source(msgsOf(i)).bytes + RECORD_TRAILER;
    bytes[off + RECORD_HEADER + 9]! ^= 0x40;
    writeFileSync(file, bytes);
    const { seen, cut } = await replay(dir, 100n);
    expect(seen.map((s) => s.commit)).toEqual([110n, 120n, 130n]);
    expect(cut).toMatchObject({ offset: off, reason: 'checksum mismatch' });
    expect(statSync(file).size).toBe(off);
    expect(lines.some((l) => l.includes('change log cut') && l.includes('"lsn":"0/8C"'))).toBe(true);
  });

  it('does not apply a segment that starts past the replayed position (a gap)', async () => {
    const dir = tmp();
    const cl = await writeLog(dir, 2);
    await cl.close();
    expect((await replay(dir, 50n)).seen).toEqual([]); // the dump is older than the log's start
    expect(readdirSync(dir)).toEqual([]); // removed: it can never be applied
  });

  it('starts a segment at each checkpoint and deletes the segments a dump covers', async () => {
    const dir = tmp();
    const cl = new ChangeLog({ dir, log });
    await cl.load();
    await cl.begin(100n, true);
    cl.appendTransaction(110n, 115n, source(msgsOf(1)));
    await cl.checkpoint(100n, 115n); // dump at the copy: nothing covered yet besides the start
    cl.appendTransaction(120n, 125n, source(msgsOf(2)));
    await cl.checkpoint(115n, 125n); // covers segment 1 (segment 2 starts at 115)
    cl.appendTransaction(130n, 135n, source(msgsOf(3)));
    await cl.flush();
    expect(readdirSync(dir).sort()).toEqual(['000000000002.seg', '000000000003.seg']);
    await cl.close();
    const { seen } = await replay(dir, 115n);
    expect(seen.map((s) => s.commit)).toEqual([120n, 130n]);
    // A fresh start (a new copy) deletes every segment.
    const again = new ChangeLog({ dir, log });
    await again.load();
    await again.begin(500n, true);
    await again.close();
    expect(readdirSync(dir)).toEqual(['000000000001.seg']);
  });

  it('writes a transaction bigger than the staging buffer, from a spilled buffer, intact', async () => {
    const dir = tmp();
    const spilled: number[] = [];
    const buf = new TxnBuffer({ memoryLimit: 64 * 1024, dir, onSpill: () => spilled.push(1) });
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) msgs.push(Buffer.alloc(1 + ((i * 7919) % 3000), i & 0xff));
    msgs.push(Buffer.alloc(3 << 20, 7)); // one message larger than every window
    for (const m of msgs) buf.push(m);
    expect(spilled.length).toBe(1);
    expect(buf.spilled).toBe(true);
    const back: Uint8Array[] = [];
    buf.forEach((m) => back.push(Buffer.from(m)));
    expect(back.length).toBe(msgs.length);
    expect(back.every((m, i) => Buffer.compare(m, msgs[i]!) === 0)).toBe(true);
    const cl = new ChangeLog({ dir: path.join(dir, 'log'), log });
    await cl.load();
    await cl.begin(1n, true);
    cl.appendTransaction(10n, 20n, buf);
    await cl.close();
    buf.clear();
    expect(readdirSync(dir).filter((n) => n.startsWith('memstore-spill'))).toEqual([]); // unlinked at creation
    const { seen } = await replay(path.join(dir, 'log'), 1n);
    expect(seen.length).toBe(1);
    expect(seen[0]!.msgs.length).toBe(msgs.length);
    expect(seen[0]!.msgs.every((h, i) => h === Buffer.from(msgs[i]!).toString('hex'))).toBe(true);
  });

  it('stops writing after a write error and says why', async () => {
    const dir = tmp();
    const cl = new ChangeLog({ dir, log });
    await cl.load();
    await cl.begin(1n, true);
    await cl.flush();
    // The directory disappears underneath the log: the next segment cannot be created.
    rmSync(dir, { recursive: true, force: true });
    await cl.checkpoint(1n, 1n);
    expect(cl.failed ?? '').toMatch(/creating change log segment/);
    cl.appendTransaction(5n, 6n, source(msgsOf(1))); // ignored, no throw
    expect(cl.writtenLsn).toBe(1n);
  });
});
