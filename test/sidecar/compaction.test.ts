/*
 * Trees are compacted at the two moments store/compaction.ts names: after a table's own copy
 * (rows arrive in heap order; afterwards the slab is in key order), and in the background once
 * deletes have left a table's slab mostly free (the space goes back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/store/art.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, primaryCopy, startSidecar, storeCopy } from '../support/sidecar.js';

let db: TestDatabase;
let sidecar: Sidecar;

beforeAll(async () => {
  db = await testDatabase('compaction');
  // Inserted in random key order, so the heap (and the copy) is not in key order.
  await prepareSource(db, `
    CREATE TABLE t (id int PRIMARY KEY, pad text);
    INSERT INTO t SELECT i, repeat('x', 200) FROM generate_series(1, 20000) i ORDER BY random();
  `);
  sidecar = await startSidecar(db, { sidecar: { compaction: { minFreeFraction: 0.3, minFreeBytes: 256 * 1024, maxKeys: 100_000, afterCopyMaxKeys: 100_000 } } });
});

afterAll(async () => {
  await sidecar?.stop();
  await db?.drop();
});

function rows(): RadixTree {
  const t = sidecar.store.tableByName('public', 't');
  if (!t || !(t.rows instanceof RadixTree)) throw new Error('no radix tree for t');
  return t.rows;
}

describe('compaction in the sidecar', () => {
  it('lays the copied rows out in key order', () => {
    const c = rows().cursor();
    let ascending = 0;
    let previous = -1;
    let n = 0;
    while (c.next()) {
      const a = c.leafAddress();
      if (a > previous) ascending++;
      previous = a;
      n++;
    }
    expect(n).toBe(20000);
    expect(ascending).toBe(20000);
  });

  it('gives back the space of deleted rows in the background, contents unchanged', async () => {
    await db.client.query('DELETE FROM t WHERE id % 4 <> 0');
    await caughtUp(sidecar, db.client);
    const before = rows().memoryUsage();
    expect(sidecar.compactTables()).toBe(1);
    const after = rows().memoryUsage();
    // Three rows in four went: at least half of the memory comes back.
    expect(after).toBeLessThan(before / 2);
    expect(sidecar.compactTables()).toBe(0); // nothing due any more
    expect(storeCopy(sidecar, 't')).toBe(await primaryCopy(db.client, 't', 'id'));
    // Still applying after the move.
    await db.client.query("UPDATE t SET pad = 'y' WHERE id = 4; INSERT INTO t VALUES (1, 'back')");
    await caughtUp(sidecar, db.client);
    expect(storeCopy(sidecar, 't')).toBe(await primaryCopy(db.client, 't', 'id'));
  });
});
