/*
 * The walsender conversation on its own: every XLogData reaches the consumer, including those
 * that share a TCP chunk with the CopyBothResponse; status updates move the slot exactly to the
 * positions the consumer reports; keepalives answer a reply request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLsn, parseLsn, type Lsn } from '../../src/lsn.js';
import { ReplicationStream } from '../../src/replication/stream.js';
import { dropSlotWhenInactive, testDatabase, type TestDatabase } from '../support/pg.js';
import { waitForValue } from '../support/wait.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase('stream');
  await db.client.query('CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t');
});

afterAll(async () => {
  await db?.drop();
});

async function slotFlush(slot: string): Promise<Lsn> {
  const r = await db.client.query<{ lsn: string }>(`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
  return parseLsn(r.rows[0]!.lsn);
}

describe('ReplicationStream', () => {
  it('delivers every message of a backlog, the first chunk included, and acknowledges only what it is told', async () => {
    const slot = 'backlog';
    const created = await db.client.query<{ lsn: string }>(`SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const start = parseLsn(created.rows[0]!.lsn);
    const N = 2000;
    for (let i = 0; i < N; i += 100) {
      await db.client.query(Array.from({ length: 100 }, (_, k) => `BEGIN; INSERT INTO t VALUES (${i + k}); COMMIT;`).join(''));
    }
    const end = parseLsn((await db.client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn);
    let commits = 0;
    let begins = 0;
    let firstTag = -1;
    let reported: Lsn = start;
    let done!: () => void;
    const allIn = new Promise<void>((r) => (done = r));
    const stream = new ReplicationStream({
      source: { url: db.url },
      slot,
      publication: 'p',
      startLsn: 0n,
      statusIntervalMs: 50,
      consumer: {
        onXLogData(m) {
          if (firstTag < 0) firstTag = m.data[0]!;
          if (m.data[0] === 0x42) begins++;
          if (m.data[0] === 0x43) {
            commits++;
            if (commits === N) done();
          }
        },
        onKeepalive() {},
        positions: () => ({ write: reported, flush: reported }),
      },
    });
    await stream.start();
    await Promise.race([allIn, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${commits} of ${N} commits arrived`)), 20_000))]);
    expect(firstTag).toBe(0x42); // the stream starts with the first Begin: nothing was dropped
    expect(begins).toBe(N);
    expect(commits).toBe(N);
    // Nothing was reported yet beyond the start: the slot must not have moved.
    expect(await slotFlush(slot)).toBeLessThanOrEqual(start);
    reported = end;
    stream.sendStatus(true);
    await waitForValue(() => slotFlush(slot), (f) => f >= end, 10_000, 'the slot to take the reported flush position');
    expect(formatLsn(await slotFlush(slot))).toBe(formatLsn(end));
    await stream.stop();
    await dropSlotWhenInactive(db.client, slot);
  });

  it('fails start() with the server error when the slot does not exist', async () => {
    const stream = new ReplicationStream({
      source: { url: db.url },
      slot: 'no_such_slot',
      publication: 'p',
      startLsn: 0n,
      consumer: { onXLogData() {}, onKeepalive() {}, positions: () => ({ write: 0n, flush: 0n }) },
    });
    await expect(stream.start()).rejects.toThrow(/replication slot "no_such_slot" does not exist/);
  });
});
