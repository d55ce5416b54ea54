/*
 * The PostgreSQL 17 oracle for the datetime tests: runs an expression per input under given
 * session settings and returns the text PostgreSQL prints, or the error's SQLSTATE and message.
 */
import pg from 'pg';
import { DEFAULT_OUTPUT, type OutputSettings } from '../../../src/query/types/datum.js';
import type { EvalSettings } from '../../../src/query/types/registry.js';

export type Outcome = { ok: string | null } | { err: string; message: string };

export interface Session extends OutputSettings {
  /** now() on the server, µs since 2000 (so 'now' inputs agree). */
  readonly transactionStart: bigint;
}

/** A seeded PRNG (mulberry32): the seed is printed by the tests on a mismatch. */
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

export function settingsSql(s: OutputSettings): string {
  return `SET TimeZone = '${s.timeZone}'; SET DateStyle = '${s.dateStyle}, ${s.dateOrder}'; SET IntervalStyle = '${s.intervalStyle}'`;
}

export class Oracle {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<Oracle> {
    const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
    return new Oracle(client);
  }

  async set(s: OutputSettings): Promise<void> {
    await this.client.query(settingsSql(s));
  }

  /** Runs `sql` (with $1 = the input text) for each input, pipelined, under the current settings. */
  async each(sql: string, inputs: readonly (string | null)[]): Promise<Outcome[]> {
    return Promise.all(
      inputs.map(async (i) => {
        try {
          const r = await this.client.query<{ v: string | null }>({ text: sql, values: [i] });
          return { ok: r.rows[0]!.v };
        } catch (e) {
          const err = e as { code?: string; message: string };
          return { err: err.code ?? '?', message: err.message };
        }
      }),
    );
  }

  async value(sql: string): Promise<string | null> {
    const r = await this.client.query<{ v: string | null }>(sql);
    return r.rows[0]!.v;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Runs a local implementation the way the oracle reports outcomes. */
export function local(f: () => string | null): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    const err = e as { sqlstate?: string; message: string };
    if (err.sqlstate === undefined) throw e;
    return { err: err.sqlstate, message: err.message };
  }
}

export function evalSettings(s: OutputSettings, transactionStart = 0n): EvalSettings {
  return { ...DEFAULT_OUTPUT, ...s, transactionStart, statementStart: transactionStart };
}
