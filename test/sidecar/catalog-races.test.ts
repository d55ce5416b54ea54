/*
 * The periodic catalog check racing the stream (issue #12; schema-fuzz seed 800993569 ended
 * with a dropped table still in the store). The check reads the primary's catalog over its own
 * connection; meanwhile the stream goes on. A pause point between the read and its use (a gate
 * around readCatalog) forces each interleaving:
 *
 *   - the stream passes the check's point P before the check ends: the tables it found gone are
 *     dropped when it ends, not at some later message (there may be none: an idle slot);
 *   - the stream applied a rename, a new replica identity or a drop after the read began: the
 *     older read must not undo it (rename back, skip a table that has a key again, re-add a
 *     dropped table).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import type * as SourceCatalog from '../../src/sidecar/source-catalog.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { caughtUp, prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';

/** While set, a catalog check waits here after reading the catalog, before acting on it. */
let gate: { reached: () => void; release: Promise<void> } | undefined;

vi.mock('../../src/sidecar/source-catalog.js', async (importOriginal) => {
  const actual = await importOriginal<typeof SourceCatalog>();
  return {
    ...actual,
    readCatalog: async (...args: Parameters<typeof actual.readCatalog>) => {
      const read = await actual.readCatalog(...args);
      const g = gate;
      if (g) {
        gate = undefined;
        g.reached();
        await g.release;
      }
      return read;
    },
  };
});

/** Arms the gate: `reached` resolves once a check has read the catalog; `release()` lets it go on. */
function armGate(): { reached: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const releaseP = new Promise<void>((r) => (release = r));
  gate = { reached, release: releaseP };
  return { reached: reachedP, release };
}

const DROP_TRIGGERS = 'DROP EVENT TRIGGER memstore_ddl_notify; DROP EVENT TRIGGER memstore_ddl_drop; DROP EVENT TRIGGER memstore_ddl_rewrite';

describe('the catalog check racing the stream', () => {
  let db: TestDatabase | undefined;
  let sidecar: Sidecar | undefined;

  afterEach(async () => {
    gate = undefined;
    await sidecar?.stop();
    sidecar = undefined;
    await db?.drop();
    db = undefined;
  });

  it('a table found dropped is gone when the check ends if the stream is already past its point', async () => {
    db = await testDatabase('race');
    await prepareSource(db, `CREATE TABLE beat (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a text); INSERT INTO t VALUES (1, 'x')`);
    const c = db.client;
    await c.query(DROP_TRIGGERS);
    sidecar = await startSidecar(db, { follower: { publicationCheckMs: 0 } });
    await c.query('DROP TABLE t');
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 't')).toBeDefined(); // nothing in the stream says so

    const g = armGate();
    const check = sidecar.follower.checkCatalog();
    await g.reached;
    // The stream passes the check's point P before the check acts: no later message need come.
    await c.query('INSERT INTO beat VALUES (1)');
    await caughtUp(sidecar, c);
    g.release();
    await check;
    expect(sidecar.store.tableByName('public', 't')).toBeUndefined();
  });

  it('a read older than a rename the stream applied does not rename the table back', async () => {
    db = await testDatabase('race');
    await prepareSource(db, `CREATE TABLE beat (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a text); INSERT INTO t VALUES (1, 'x')`);
    const c = db.client;
    await c.query(DROP_TRIGGERS);
    sidecar = await startSidecar(db, { follower: { publicationCheckMs: 0 } });

    const g = armGate();
    const check = sidecar.follower.checkCatalog();
    await g.reached;
    await c.query(`BEGIN; ALTER TABLE t RENAME TO u; INSERT INTO u VALUES (2, 'y'); COMMIT`);
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 'u')).toBeDefined();
    g.release();
    await check;
    expect(sidecar.store.tableByName('public', 't')).toBeUndefined();
    expect(storeCopy(sidecar, 'u')).toBe(await primaryCopy(c, 'u', 'id'));
  });

  it('a read older than a new replica identity the stream applied does not skip the table again', async () => {
    db = await testDatabase('race');
    await prepareSource(db, `CREATE TABLE beat (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a text); ALTER TABLE t REPLICA IDENTITY FULL; INSERT INTO t VALUES (1, 'x')`);
    const c = db.client;
    await c.query(DROP_TRIGGERS);
    sidecar = await startSidecar(db, { follower: { publicationCheckMs: 0 } });
    expect(sidecar.store.tableByName('public', 't')!.status).toBe('skipped');

    const g = armGate();
    const check = sidecar.follower.checkCatalog();
    await g.reached;
    await c.query(`BEGIN; ALTER TABLE t REPLICA IDENTITY DEFAULT; INSERT INTO t VALUES (2, 'y'); COMMIT`);
    await settled(sidecar, c);
    expect(sidecar.store.tableByName('public', 't')!.status).toBe('live');
    g.release();
    await check;
    await settled(sidecar, c);
    expect(sidecar.store.tableByName('public', 't')!.status).toBe('live');
    expect(storeCopy(sidecar, 't')).toBe(await primaryCopy(c, 't', 'id'));
  });

  it('a read older than a drop the stream applied (event trigger) does not bring the table back', async () => {
    db = await testDatabase('race');
    await prepareSource(db, `CREATE TABLE beat (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, a text); INSERT INTO t VALUES (1, 'x')`);
    const c = db.client;
    sidecar = await startSidecar(db, { follower: { publicationCheckMs: 0 } });

    const g = armGate();
    const check = sidecar.follower.checkCatalog();
    await g.reached;
    await c.query('DROP TABLE t');
    await caughtUp(sidecar, c);
    expect(sidecar.store.tableByName('public', 't')).toBeUndefined();
    g.release();
    await check;
    expect([...sidecar.store.tables.values()].map((t) => t.relation.name)).toEqual(['beat']);
  });
});
