/*
 * The seeded statement generator of the randomized schema tests (schema-fuzz*.test.ts): DML
 * interleaved with ADD/DROP/RENAME COLUMN, ALTER COLUMN TYPE (with and without USING), RENAME
 * TABLE, ADD/DROP PRIMARY KEY, REPLICA IDENTITY changes, CREATE/DROP TABLE and TRUNCATE on 3–4
 * tables, some of it inside multi-statement transactions. It keeps a model of what the primary
 * holds (table names, columns, key, identity) for the end-of-run comparison.
 *
 * Without the memstore.ddl event triggers it avoids what only they can see (ALTER COLUMN TYPE …
 * USING with the same type).
 */
import type pg from 'pg';
import { expect } from 'vitest';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { primaryCopy, settled, storeCopy } from '../support/sidecar.js';

export interface FuzzCol {
  name: string;
  type: 'int' | 'bigint' | 'text' | 'numeric(10,2)' | 'jsonb';
}

export interface FuzzTable {
  name: string;
  cols: FuzzCol[];
  /** Name of the primary key constraint, or null when the table has none. */
  pk: string | null;
  full: boolean;
  nextId: number;
}

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MEMSTORE_FUZZ_SEED=n (or 'random'), else `fixed`. */
export function baseSeed(fixed: number): number {
  const env = process.env.MEMSTORE_FUZZ_SEED;
  return env === 'random' ? Math.floor(Math.random() * 1e9) : Number(env ?? fixed);
}

function valueFor(col: FuzzCol, r: () => number, id: number): string {
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

export class SchemaFuzz {
  readonly tables: FuzzTable[] = [];
  private serial = 0;

  constructor(
    readonly r: () => number,
    private readonly withTriggers: boolean,
  ) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  create(): string {
    const t: FuzzTable = { name: `f${this.serial}`, cols: [{ name: 'a', type: 'text' }], pk: `f${this.serial}_pk`, full: false, nextId: 1 };
    this.serial++;
    this.tables.push(t);
    return `CREATE TABLE ${t.name} (id int CONSTRAINT ${t.pk} PRIMARY KEY, a text)`;
  }

  /** The next statement text: one statement, or a BEGIN … COMMIT of 2–4 (undefined: nothing). */
  next(): string | undefined {
    const r = this.r;
    const batch: string[] = [];
    const n = r() < 0.2 ? 2 + Math.floor(r() * 3) : 1;
    for (let k = 0; k < n; k++) {
      const sql = this.step();
      if (sql) batch.push(sql);
    }
    if (batch.length === 0) return undefined;
    return batch.length > 1 ? `BEGIN; ${batch.join('; ')}; COMMIT` : batch[0]!;
  }

  /** One statement (or none), updating the model. */
  private step(): string | undefined {
    const { r, tables } = this;
    const x = r();
    if (tables.length === 0 || (x < 0.03 && tables.length < 4)) return this.create();
    const t = this.pick(tables);
    const data = t.cols;
    // The primary refuses UPDATE and DELETE on a published table with no replica identity.
    const canChange = t.pk !== null || t.full;
    if (x < 0.55) {
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
        const col = this.pick(data);
        return `UPDATE ${t.name} SET ${col.name} = ${valueFor(col, r, 0)} WHERE id % ${2 + Math.floor(r() * 5)} = 0`;
      }
      return `DELETE FROM ${t.name} WHERE id % ${3 + Math.floor(r() * 7)} = 1`;
    }
    const z = Math.floor(r() * 11);
    switch (z) {
      case 0: {
        const name = `c${this.serial++}`;
        const type = this.pick(['int', 'text', 'jsonb'] as const);
        t.cols.push({ name, type });
        const dflt = r() < 0.5 ? ` DEFAULT ${type === 'int' ? '7' : type === 'jsonb' ? `'{"d": 1}'` : `'dflt'`}` : '';
        return `ALTER TABLE ${t.name} ADD COLUMN ${name} ${type}${dflt}`;
      }
      case 1: {
        if (data.length < 2) return undefined;
        const col = this.pick(data);
        t.cols = data.filter((d) => d !== col);
        return `ALTER TABLE ${t.name} DROP COLUMN ${col.name}`;
      }
      case 2: {
        if (data.length === 0) return undefined;
        const col = this.pick(data);
        const old = col.name;
        col.name = `r${this.serial++}`;
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
        if (this.withTriggers && r() < 0.5) return `ALTER TABLE ${t.name} ALTER COLUMN ${col.name} TYPE text USING upper(${col.name})`;
        col.type = 'jsonb';
        return `ALTER TABLE ${t.name} ALTER COLUMN ${col.name} DROP DEFAULT, ALTER COLUMN ${col.name} TYPE jsonb USING to_jsonb(${col.name})`;
      }
      case 5: {
        const old = t.name;
        t.name = `f${this.serial++}`;
        return `ALTER TABLE ${old} RENAME TO ${t.name}`;
      }
      case 6: {
        if (t.pk !== null) {
          const pk = t.pk;
          t.pk = null;
          return `ALTER TABLE ${t.name} DROP CONSTRAINT ${pk}`;
        }
        t.pk = `pk${this.serial++}`;
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
}

export const DROP_DDL_TRIGGERS = 'DROP EVENT TRIGGER memstore_ddl_notify; DROP EVENT TRIGGER memstore_ddl_drop; DROP EVENT TRIGGER memstore_ddl_rewrite';

/** Without the event triggers on odd seeds: a seed alone says how to replay a run. */
export function triggersFor(seed: number): boolean {
  return seed % 2 === 0;
}

/**
 * Waits until the sidecar is done (caught up, no table syncing; with a catalog check after the
 * last DDL when there are no triggers), then compares every table with the primary: a table the
 * primary has without a usable key is 'skipped' in the store; the stream is alive after.
 */
export async function expectEqualToPrimary(sidecar: Sidecar, c: pg.Client, fuzz: SchemaFuzz, withTriggers: boolean): Promise<void> {
  await settled(sidecar, c, 45_000);
  if (!withTriggers) {
    // The catalog check sees what the stream did not show; run it after the last DDL.
    await sidecar.follower.checkCatalog();
    await settled(sidecar, c, 45_000);
  }
  const inStore = [...sidecar.store.tables.values()].map((t) => `${t.relation.schema}.${t.relation.name}`).sort();
  expect(inStore).toEqual(['public.beat', ...fuzz.tables.map((t) => `public.${t.name}`)].sort());
  for (const t of fuzz.tables) {
    const state = sidecar.store.tableByName('public', t.name)!;
    if (t.pk === null || t.full) {
      expect(state.status, t.name).toBe('skipped');
    } else {
      expect(state.status, t.name).toBe('live');
      expect(storeCopy(sidecar, t.name), t.name).toBe(await primaryCopy(c, t.name, 'id'));
    }
  }
  await c.query('INSERT INTO beat VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 1');
  await settled(sidecar, c);
  expect(storeCopy(sidecar, 'beat')).toBe('1\n');
}
