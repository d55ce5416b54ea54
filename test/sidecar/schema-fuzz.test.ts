/*
 * Randomized DDL interleaved with DML on 3–4 tables (PostgreSQL 17): ADD/DROP/RENAME COLUMN,
 * ALTER COLUMN TYPE (with and without USING), RENAME TABLE, ADD/DROP PRIMARY KEY, REPLICA
 * IDENTITY changes, CREATE/DROP TABLE, some of it inside multi-statement transactions. At the
 * end the sidecar has reached the primary's LSN, every sync is done, and every table equals the
 * primary (a table the primary has without a usable key is 'skipped' in the store).
 *
 * Odd runs drop the memstore.ddl event triggers and rely on the periodic catalog check (those
 * runs avoid what only the triggers can see: USING with the same type).
 *
 * The suite runs fixed seeds, so CI is reproducible; MEMSTORE_FUZZ_SEED=n reproduces a run,
 * MEMSTORE_FUZZ_SEED=random runs fresh ones, MEMSTORE_FUZZ_RUNS=n runs more (default 2).
 * XXX seed 800993569 (catalog check only) once ended with a table dropped by the last statement
 * (DROP TABLE f63, right after its REPLICA IDENTITY / ADD CONSTRAINT re-sync) still in the store
 * after checkCatalog(); it passed when rerun: a race between a table's re-copy and its drop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';
import { prepareSource, primaryCopy, settled, startSidecar, storeCopy } from '../support/sidecar.js';

interface Col {
  name: string;
  type: 'int' | 'bigint' | 'text' | 'numeric(10,2)' | 'jsonb';
}

interface Table {
  name: string;
  cols: Col[];
  /** Name of the primary key constraint, or null when the table has none. */
  pk: string | null;
  full: boolean;
  nextId: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RUNS = Number(process.env.MEMSTORE_FUZZ_RUNS ?? 2);
const SEED_ENV = process.env.MEMSTORE_FUZZ_SEED;
const BASE_SEED = SEED_ENV === 'random' ? Math.floor(Math.random() * 1e9) : Number(SEED_ENV ?? 20261203);
const OPS = 300;

function valueFor(col: Col, r: () => number, id: number): string {
  switch (col.type) {
    case 'int':
    case 'bigint':
      return String(Math.floor(r() * 1000) - 500);
    case 'numeric(10,2)':
      return (r() * 1000).toFixed(3);
    case 'jsonb':
      return `'{"k": ${id}, "v": [${Math.floor(r() * 9)}]}'`;
    case 'text':
      return r() < 0.1 ? 'NULL' : `'t${id}_${Math.floor(r() * 1e6)}'`;
  }
}

describe('randomized schema changes', () => {
  let db: TestDatabase | undefined;
  let sidecar: Sidecar | undefined;

  afterEach(async () => {
    await sidecar?.stop();
    sidecar = undefined;
    await db?.drop();
    db = undefined;
  });

  for (let run = 0; run < RUNS; run++) {
    const seed = BASE_SEED + run;
    const withTriggers = run % 2 === 0;
    it(`seed ${seed} (${withTriggers ? 'event triggers' : 'catalog check only'})`, { timeout: 120_000 }, async () => {
      const r = rng(seed);
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      db = await testDatabase('fuzz');
      await prepareSource(db, 'CREATE TABLE beat (id int PRIMARY KEY)');
      const c = db.client;
      if (!withTriggers) await c.query('DROP EVENT TRIGGER memstore_ddl_notify; DROP EVENT TRIGGER memstore_ddl_drop; DROP EVENT TRIGGER memstore_ddl_rewrite');
      let serial = 0;
      const tables: Table[] = [];
      const create = (): string => {
        const t: Table = { name: `f${serial}`, cols: [{ name: 'a', type: 'text' }], pk: `f${serial}_pk`, full: false, nextId: 1 };
        serial++;
        tables.push(t);
        return `CREATE TABLE ${t.name} (id int CONSTRAINT ${t.pk} PRIMARY KEY, a text)`;
      };
      for (let i = 0; i < 3; i++) await c.query(create());
      sidecar = await startSidecar(db, { follower: { publicationCheckMs: withTriggers ? 0 : 150 } });
      const log: string[] = [];
      try {
        for (let op = 0; op < OPS; op++) {
          const batch: string[] = [];
          const n = r() < 0.2 ? 2 + Math.floor(r() * 3) : 1;
          for (let k = 0; k < n; k++) {
            const sql = step();
            if (sql) batch.push(sql);
          }
          if (batch.length === 0) continue;
          const text = batch.length > 1 ? `BEGIN; ${batch.join('; ')}; COMMIT` : batch[0]!;
          log.push(text);
          await c.query(text);
        }
        await settled(sidecar, c, 45_000);
        if (!withTriggers) {
          // The catalog check sees what the stream did not show; run it after the last DDL.
          await sidecar.follower.checkCatalog();
          await settled(sidecar, c, 45_000);
        }
        const inStore = [...sidecar.store.tables.values()].map((t) => `${t.relation.schema}.${t.relation.name}`).sort();
        expect(inStore).toEqual(['public.beat', ...tables.map((t) => `public.${t.name}`)].sort());
        for (const t of tables) {
          const state = sidecar.store.tableByName('public', t.name)!;
          if (t.pk === null || t.full) {
            expect(state.status, t.name).toBe('skipped');
          } else {
            expect(state.status, t.name).toBe('live');
            expect(storeCopy(sidecar, t.name), t.name).toBe(await primaryCopy(c, t.name, 'id'));
          }
        }
        // The stream is alive.
        await c.query('INSERT INTO beat VALUES (1)');
        await settled(sidecar, c);
        expect(storeCopy(sidecar, 'beat')).toBe('1\n');
      } catch (err) {
        console.error(`schema fuzz failed: MEMSTORE_FUZZ_SEED=${seed} MEMSTORE_FUZZ_RUNS=1 (${withTriggers ? 'triggers' : 'no triggers'})\n${log.slice(-40).join('\n')}`);
        throw err;
      }

      /** One statement (or none), updating the model. */
      function step(): string | undefined {
        const x = r();
        if (tables.length === 0 || (x < 0.03 && tables.length < 4)) return create();
        const t = pick(tables);
        const data = t.cols;
        // The primary refuses UPDATE and DELETE on a published table with no replica identity.
        const canChange = t.pk !== null || t.full;
        if (x < 0.55) {
          // DML
          const y = r();
          if (y < 0.5 || !canChange) {
            const rows: string[] = [];
            const count = 1 + Math.floor(r() * 5);
            for (let i = 0; i < count; i++) {
              const id = t.nextId++;
              rows.push(`(${[String(id), ...data.map((col) => valueFor(col, r, id))].join(', ')})`);
            }
            return `INSERT INTO ${t.name} (id${data.map((col) => `, ${col.name}`).join('')}) VALUES ${rows.join(', ')}`;
          }
          if (y < 0.8 && data.length > 0) {
            const col = pick(data);
            return `UPDATE ${t.name} SET ${col.name} = ${valueFor(col, r, 0)} WHERE id % ${2 + Math.floor(r() * 5)} = 0`;
          }
          return `DELETE FROM ${t.name} WHERE id % ${3 + Math.floor(r() * 7)} = 1`;
        }
        const z = Math.floor(r() * 11);
        switch (z) {
          case 0: {
            const name = `c${serial++}`;
            const type = pick(['int', 'text', 'jsonb'] as const);
            t.cols.push({ name, type });
            const dflt = r() < 0.5 ? ` DEFAULT ${type === 'int' ? '7' : type === 'jsonb' ? `'{"d": 1}'` : `'dflt'`}` : '';
            return `ALTER TABLE ${t.name} ADD COLUMN ${name} ${type}${dflt}`;
          }
          case 1: {
            if (data.length < 2) return undefined;
            const col = pick(data);
            t.cols = data.filter((d) => d !== col);
            return `ALTER TABLE ${t.name} DROP COLUMN ${col.name}`;
          }
          case 2: {
            if (data.length === 0) return undefined;
            const col = pick(data);
            const old = col.name;
            col.name = `r${serial++}`;
            return `ALTER TABLE ${t.name} RENAME COLUMN ${old} TO ${col.name}`;
          }
          case 3: {
            const col = data.find((d) => d.type === 'int' || d.type === 'bigint' || d.type === 'numeric(10,2)');
            if (!col) return undefined;
            const to = col.type === 'int' ? 'bigint' : col.type === 'bigint' ? 'numeric(10,2)' : 'text';
            col.type = to;
            return `ALTER TABLE ${t.name} ALTER COLUMN ${col.name} TYPE ${to}`;
          }
          case 4: {
            const col = data.find((d) => d.type === 'text');
            if (!col) return undefined;
            if (withTriggers && r() < 0.5) return `ALTER TABLE ${t.name} ALTER COLUMN ${col.name} TYPE text USING upper(${col.name})`;
            col.type = 'jsonb';
            return `ALTER TABLE ${t.name} ALTER COLUMN ${col.name} DROP DEFAULT, ALTER COLUMN ${col.name} TYPE jsonb USING to_jsonb(${col.name})`;
          }
          case 5: {
            const old = t.name;
            t.name = `f${serial++}`;
            return `ALTER TABLE ${old} RENAME TO ${t.name}`;
          }
          case 6: {
            if (t.pk !== null) {
              const pk = t.pk;
              t.pk = null;
              return `ALTER TABLE ${t.name} DROP CONSTRAINT ${pk}`;
            }
            t.pk = `pk${serial++}`;
            return `ALTER TABLE ${t.name} ADD CONSTRAINT ${t.pk} PRIMARY KEY (id)`;
          }
          case 7:
            t.full = !t.full;
            return `ALTER TABLE ${t.name} REPLICA IDENTITY ${t.full ? 'FULL' : 'DEFAULT'}`;
          case 8:
            if (tables.length <= 2) return undefined;
            tables.splice(tables.indexOf(t), 1);
            return `DROP TABLE ${t.name}`;
          case 9:
            return `TRUNCATE ${t.name}`;
          default:
            if (!canChange) return undefined;
            return `UPDATE ${t.name} SET id = id + 100000 WHERE id % 11 = 3 AND id < 100000`;
        }
      }
    });
  }
});
