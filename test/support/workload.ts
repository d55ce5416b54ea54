/*
 * A concurrent write workload on the primary for the replica tests: small transactions of
 * inserts, updates and deletes on two tables plus memstore.set/delete, a few rolled back. It
 * keeps the memstore keys it committed (the primary holds them nowhere), so a test can compare a
 * sidecar's keys with what was really committed.
 */
import pg from 'pg';

export const WORKLOAD_SCHEMA = `
  CREATE TABLE acct (id int PRIMARY KEY, balance bigint NOT NULL, note text);
  CREATE TABLE doc (k text PRIMARY KEY, body jsonb, updated timestamptz);
  INSERT INTO acct SELECT g, g * 10, 'seed ' || g FROM generate_series(1, 200) g;
  INSERT INTO doc SELECT 'd' || g, jsonb_build_object('g', g), '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute' FROM generate_series(1, 100) g;
`;

export interface Workload {
  /** Committed memstore keys → their value as JSON text. */
  readonly keys: Map<string, string>;
  readonly stats: { transactions: number; rolledBack: number; errors: number };
  /** Starts the memstore ops of a workload started with `memstore: false` (from its next transaction). */
  startMemstore(): void;
  /** Stops after the transaction in flight; rejects if the loop failed. */
  stop(): Promise<void>;
}

/**
 * Runs `connections` loops of small transactions until stop(). `memstore: false` holds the
 * memstore ops back until startMemstore(): a key committed before a sidecar's slot exists is in
 * no WAL that sidecar reads, so a test that compares keys starts them once the slot is there.
 */
export async function startWorkload(url: string, options: { connections?: number; seed?: number; memstore?: boolean } = {}): Promise<Workload> {
  const keys = new Map<string, string>();
  const stats = { transactions: 0, rolledBack: 0, errors: 0 };
  let stopped = false;
  let memstore = options.memstore ?? true;
  let rnd = options.seed ?? 12345;
  const rand = (n: number): number => {
    // xorshift: reproducible runs without a dependency.
    rnd ^= rnd << 13;
    rnd ^= rnd >>> 17;
    rnd ^= rnd << 5;
    return (rnd >>> 0) % n;
  };
  const clients: pg.Client[] = [];
  for (let i = 0; i < (options.connections ?? 1); i++) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
  }
  // Only the first loop writes memstore keys: with one writer, commit order is response order.
  const loop = async (c: pg.Client, index: number): Promise<void> => {
    while (!stopped) {
      const ops: (() => Promise<void>)[] = [];
      const pending = new Map<string, string | null>();
      const n = 1 + rand(4);
      for (let i = 0; i < n; i++) {
        const id = 1 + rand(300);
        const k = `d${1 + rand(150)}`;
        const key = `key-${rand(80)}`;
        switch (rand(index === 0 && memstore ? 8 : 5)) {
          case 0:
            ops.push(async () => void (await c.query('INSERT INTO acct VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, note = EXCLUDED.note', [id, rand(1000), `n${rand(1e6)}`])));
            break;
          case 1:
            ops.push(async () => void (await c.query('UPDATE acct SET balance = balance + 1 WHERE id = $1', [id])));
            break;
          case 2:
            ops.push(async () => void (await c.query('DELETE FROM acct WHERE id = $1', [id])));
            break;
          case 3:
            ops.push(async () => void (await c.query(`INSERT INTO doc VALUES ($1, jsonb_build_object('r', $2::int), now()) ON CONFLICT (k) DO UPDATE SET body = EXCLUDED.body, updated = EXCLUDED.updated`, [k, rand(1000)])));
            break;
          case 4:
            ops.push(async () => void (await c.query('DELETE FROM doc WHERE k = $1', [k])));
            break;
          case 5:
          case 6: {
            const value = JSON.stringify({ v: rand(1e6), s: `x${rand(100)}` });
            ops.push(async () => void (await c.query('SELECT memstore.set($1::text, $2::jsonb)', [key, value])));
            pending.set(key, value);
            break;
          }
          case 7:
            ops.push(async () => void (await c.query('SELECT memstore.delete($1::text)', [key])));
            pending.set(key, null);
            break;
        }
      }
      const rollback = rand(20) === 0;
      await c.query('BEGIN');
      try {
        for (const op of ops) await op();
        await c.query(rollback ? 'ROLLBACK' : 'COMMIT');
      } catch (err) {
        // Two loops may deadlock on the same rows: that transaction is rolled back, nothing else.
        stats.errors++;
        await c.query('ROLLBACK').catch(() => undefined);
        if (!/deadlock|could not serialize/.test((err as Error).message)) throw err;
        continue;
      }
      if (rollback) {
        stats.rolledBack++;
        continue;
      }
      stats.transactions++;
      for (const [k, v] of pending) {
        if (v === null) keys.delete(k);
        else keys.set(k, v);
      }
    }
  };
  const loops = clients.map((c, i) => loop(c, i));
  return {
    keys,
    stats,
    startMemstore() {
      memstore = true;
    },
    async stop() {
      stopped = true;
      try {
        await Promise.all(loops);
      } finally {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      }
    },
  };
}

/** The acct table transferWorkload writes. */
export const TRANSFER_SCHEMA = `CREATE TABLE acct (id int PRIMARY KEY, balance int8 NOT NULL, note text);`;

/**
 * `txns` small transactions, one after another, that move money between two of `accounts` rows
 * (inserted on first touch), with a memstore.set every `memstoreEvery`; resolves with how many
 * committed. Deterministic for a seed, so fault tests can count exactly what must arrive.
 */
export async function transferWorkload(url: string, txns: number, seed: number, o: { accounts: number; spread: number; memstoreEvery: number }): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let committed = 0;
  try {
    for (let i = 0; i < txns; i++) {
      const a = (seed * 7919 + i * 31) % o.accounts;
      const b = (a + 1 + (i % o.spread)) % o.accounts;
      await c.query(
        `BEGIN;
         INSERT INTO acct VALUES (${a}, 100, 'open') ON CONFLICT (id) DO UPDATE SET balance = acct.balance - 1, note = 'tx ${seed}-${i}';
         INSERT INTO acct VALUES (${b}, 100, 'open') ON CONFLICT (id) DO UPDATE SET balance = acct.balance + 1;
         ${i % o.memstoreEvery === o.memstoreEvery - 1 ? `SELECT memstore.set('last-${seed}', '${i}');` : ''}
         COMMIT;`,
      );
      committed++;
    }
  } finally {
    await c.end();
  }
  return committed;
}
