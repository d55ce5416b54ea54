/*
 * Partitioned tables, both ways PostgreSQL 17 can publish them, compared with the primary:
 *   - publish_via_partition_root = true: the stream names the root (every partition's changes,
 *     a row moving between partitions as DELETE + INSERT of the root); the copy must read the
 *     root with COPY (SELECT …), which once failed start-up ("cannot copy from partitioned table").
 *     pgoutput also describes the leaf each change went to: no table of the stream's.
 *   - false: each leaf partition is a table of its own (a moving row is DELETE from one leaf and
 *     INSERT into another); a partition created later is copied when it first changes.
 * Also: the setting switched on while running, an ordinary table with an inheritance child and a
 * row filter (read with ONLY), and a start whose copy fails (its new slot must not stay behind).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, withDatabase, type TestDatabase } from '../support/pg.js';
import { captured, settled, prepareSource, primaryCopy, startSidecar, storeCopy, testLogger } from '../support/sidecar.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let viaRoot: Sidecar;
let leaves: Sidecar;

const SETUP = `
  CREATE TABLE root (id int, part int, v text, PRIMARY KEY (part, id)) PARTITION BY LIST (part);
  CREATE TABLE p1 PARTITION OF root FOR VALUES IN (1);
  CREATE TABLE p2 PARTITION OF root FOR VALUES IN (2);
  -- A second level: p3 is itself partitioned.
  CREATE TABLE p3 PARTITION OF root FOR VALUES IN (3) PARTITION BY RANGE (id);
  CREATE TABLE p3a PARTITION OF p3 FOR VALUES FROM (MINVALUE) TO (100);
  CREATE TABLE p3b PARTITION OF p3 FOR VALUES FROM (100) TO (MAXVALUE);
  INSERT INTO root SELECT i, 1 + i % 3, 'pre ' || i FROM generate_series(1, 300) i;
  CREATE TABLE inh_parent (id int PRIMARY KEY, v text);
  CREATE TABLE inh_child (extra int) INHERITS (inh_parent);
  INSERT INTO inh_parent VALUES (1, 'parent'), (2, 'hidden');
  INSERT INTO inh_child VALUES (3, 'child', 0);
  CREATE PUBLICATION pub_root FOR TABLE root, ONLY inh_parent WHERE (v <> 'hidden') WITH (publish_via_partition_root = true);
  CREATE PUBLICATION pub_leaf FOR TABLE root WITH (publish_via_partition_root = false);
  CREATE PUBLICATION pub_switch FOR TABLE root WITH (publish_via_partition_root = false);
`;

const LEAVES = ['p1', 'p2', 'p3a', 'p3b'];

beforeAll(async () => {
  db = await testDatabase('parts');
  await prepareSource(db, SETUP, 'pub_root');
  viaRoot = await startSidecar(db, { publication: 'pub_root', slot: `root_${db.name}` });
  leaves = await startSidecar(db, { publication: 'pub_leaf', slot: `leaf_${db.name}`, follower: { publicationCheckMs: 200 } });
});

afterAll(async () => {
  await viaRoot?.stop();
  await leaves?.stop();
  await db?.drop();
});

async function expectBothEqual(leafNames: readonly string[]): Promise<void> {
  await settled(viaRoot, db.client);
  await settled(leaves, db.client);
  expect(storeCopy(viaRoot, 'root')).toBe(await primaryCopy(db.client, 'root', 'part, id'));
  for (const leaf of LEAVES) expect(viaRoot.store.tableByName('public', leaf), leaf).toBeUndefined();
  expect(leaves.store.tableByName('public', 'root')).toBeUndefined();
  for (const leaf of leafNames) expect(storeCopy(leaves, leaf), leaf).toBe(await primaryCopy(db.client, `ONLY ${leaf}`, 'part, id'));
}

describe('partitioned tables', () => {
  it('copies the root (via root) or each leaf (not via root) at start', async () => {
    expect(viaRoot.store.tableByName('public', 'root')!.rows.size).toBe(300);
    await expectBothEqual(LEAVES);
  });

  it('reads an inheritance parent with ONLY under a row filter', () => {
    expect(storeCopy(viaRoot, 'inh_parent')).toBe('1\tparent\n');
    expect(viaRoot.store.tableByName('public', 'inh_child')).toBeUndefined();
  });

  it('applies changes in every partition, and rows moving between partitions', async () => {
    const c = db.client;
    await c.query(`INSERT INTO root VALUES (1000, 1, 'new1'), (1001, 2, 'new2'), (51, 3, 'new3a'), (500, 3, 'new3b')`);
    await c.query(`UPDATE root SET v = v || ' updated' WHERE id % 7 = 0`);
    await c.query(`UPDATE root SET part = 2 WHERE part = 1 AND id < 40`); // moves p1 → p2
    await c.query(`UPDATE root SET id = id + 10000 WHERE part = 3 AND id BETWEEN 60 AND 90`); // p3a → p3b
    await c.query(`DELETE FROM root WHERE id % 11 = 0`);
    await expectBothEqual(LEAVES);
  });

  it('follows a partition created later (a new leaf is a new table when not via root)', async () => {
    const c = db.client;
    await c.query(`CREATE TABLE p4 PARTITION OF root FOR VALUES IN (4)`);
    await c.query(`INSERT INTO root SELECT i, 4, 'four' FROM generate_series(1, 20) i`);
    await c.query(`UPDATE root SET part = 4 WHERE part = 1 AND id BETWEEN 40 AND 60`);
    await expectBothEqual([...LEAVES, 'p4']);
    expect(viaRoot.store.tableByName('public', 'p4')).toBeUndefined();
    expect(storeCopy(leaves, 'p4')).toContain('four');
  });

  it('TRUNCATE of the root empties it, and every leaf', async () => {
    const c = db.client;
    await c.query(`TRUNCATE root`);
    await c.query(`INSERT INTO root VALUES (1, 1, 'after truncate'), (2, 4, 'after truncate')`);
    await expectBothEqual([...LEAVES, 'p4']);
    expect(viaRoot.store.tableByName('public', 'root')!.rows.size).toBe(2);
  });

  it('follows publish_via_partition_root switched on while running: the root is copied, the leaves leave', async () => {
    const c = db.client;
    const sw = await startSidecar(db, { publication: 'pub_switch', slot: `switch_${db.name}`, follower: { publicationCheckMs: 200 } });
    try {
      expect(sw.store.tableByName('public', 'p1')).toBeDefined();
      expect(sw.store.tableByName('public', 'root')).toBeUndefined();
      await c.query(`ALTER PUBLICATION pub_switch SET (publish_via_partition_root = true)`);
      await c.query(`INSERT INTO root VALUES (7, 1, 'after the switch'), (8, 3, 'after the switch')`);
      await c.query(`UPDATE root SET v = 'moved after the switch', part = 2 WHERE id = 1 AND part = 1`);
      await settled(sw, c);
      expect(storeCopy(sw, 'root')).toBe(await primaryCopy(c, 'root', 'part, id'));
      await waitFor(() => [...LEAVES, 'p4'].every((l) => sw.store.tableByName('public', l) === undefined), 10_000, 'the leaves to leave the store');
      await c.query(`DELETE FROM root WHERE id = 7`);
      await settled(sw, c);
      expect(storeCopy(sw, 'root')).toBe(await primaryCopy(c, 'root', 'part, id'));
    } finally {
      await sw.stop();
    }
  });
});

describe('ATTACH PARTITION and DETACH PARTITION (no row changes in the stream)', () => {
  it('not via root: an attached table is copied at its first change, a detached one leaves the store', async () => {
    const c = db.client;
    await c.query(`CREATE TABLE stand (id int, part int, v text, PRIMARY KEY (part, id));
                   INSERT INTO stand SELECT i, 5, 'standalone' FROM generate_series(1, 30) i;
                   ALTER TABLE root ATTACH PARTITION stand FOR VALUES IN (5)`);
    await c.query(`UPDATE root SET v = 'changed once attached' WHERE part = 5 AND id = 1`);
    await settled(leaves, c);
    expect(storeCopy(leaves, 'stand')).toBe(await primaryCopy(c, 'ONLY stand', 'part, id'));
    expect(leaves.store.tableByName('public', 'stand')!.rows.size).toBe(30);
    await c.query(`ALTER TABLE root DETACH PARTITION stand`);
    await waitFor(() => leaves.store.tableByName('public', 'stand') === undefined, 10_000, 'the detached partition to leave the store');
  });

  const rootEqual = async (s: Sidecar): Promise<void> => {
    await settled(s, db.client);
    expect(storeCopy(s, 'root')).toBe(await primaryCopy(db.client, 'root', 'part, id'));
  };

  it('via root, event trigger: ATTACH and DETACH PARTITION copy the root again at their commit', async () => {
    const c = db.client;
    const watch = await startSidecar(db, { publication: 'pub_root', slot: `watch_${db.name}`, follower: { publicationCheckMs: 0 } });
    try {
      await c.query(`CREATE TABLE p6 PARTITION OF root FOR VALUES IN (6)`); // created empty: filled through the stream
      await c.query(`ALTER TABLE root ATTACH PARTITION stand FOR VALUES IN (5)`); // stand has 30 rows
      await rootEqual(watch);
      await c.query(`ALTER TABLE root DETACH PARTITION p2`);
      await rootEqual(watch);
      expect(captured.some((l) => l.includes(`"db":"${db.name}"`) && l.includes('partitions may have been attached or detached'))).toBe(true);
    } finally {
      await watch.stop();
    }
  });

  it('via root, catalog check only: attached, detached and dropped partitions copy the root again', async () => {
    const c = db.client;
    await c.query('ALTER EVENT TRIGGER memstore_ddl_notify DISABLE');
    const watch = await startSidecar(db, { publication: 'pub_root', slot: `watch2_${db.name}`, follower: { publicationCheckMs: 0 } });
    try {
      await rootEqual(watch);
      await c.query(`ALTER TABLE root ATTACH PARTITION p2 FOR VALUES IN (2)`); // p2 has 100 rows
      await watch.follower.checkCatalog();
      await rootEqual(watch);
      await c.query(`ALTER TABLE root DETACH PARTITION stand`);
      await watch.follower.checkCatalog();
      await rootEqual(watch);
      await c.query(`CREATE TABLE p7 PARTITION OF root FOR VALUES IN (7); INSERT INTO root SELECT i, 7, 'seven' FROM generate_series(1, 20) i`);
      await rootEqual(watch);
      // A check sees p7 (filled through the stream: no copy needed); its DROP is seen by the next.
      await watch.follower.checkCatalog();
      await rootEqual(watch);
      await c.query(`DROP TABLE p7`);
      await watch.follower.checkCatalog();
      await rootEqual(watch);
    } finally {
      await watch.stop();
      await c.query('ALTER EVENT TRIGGER memstore_ddl_notify ENABLE');
    }
  });
});

describe('a start whose copy fails', () => {
  it('drops the slot it created', async () => {
    const c = db.client;
    await c.query(`CREATE TABLE secret (id int PRIMARY KEY); CREATE PUBLICATION pub_denied FOR TABLE secret`);
    await c.query(`CREATE ROLE limited_${db.name} LOGIN REPLICATION PASSWORD 'limited'`);
    const url = new URL(withDatabase(db.url, db.name));
    url.username = `limited_${db.name}`;
    url.password = 'limited';
    const slot = `denied_${db.name}`;
    const sidecar = new Sidecar({
      source: { url: url.toString(), applicationName: 'memstore-test' },
      publication: 'pub_denied',
      slot,
      id: `${db.name}_denied`,
      log: testLogger({ db: db.name }),
    });
    try {
      await expect(sidecar.start()).rejects.toThrow(/permission denied for table secret/);
    } finally {
      await sidecar.stop();
    }
    const r = await c.query('SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    expect(r.rows).toEqual([]);
  });
});
