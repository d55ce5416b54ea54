/*
 * The executor's view of the memstore key space (functions/memstore-keyspace.ts): one state of the
 * keys per statement while ops apply between its time slices (restart, then private copies taken
 * with the statement's tables), one expiry clock, and memstore.kv's key translation between the
 * key codec's bytea encoding and raw memstore keys.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LsnWaiters } from '../../../src/apply/lsn-waiters.js';
import type { ExecContext, SessionState } from '../../../src/pgwire/engine.js';
import { decodeRawKey, encodeRawKey, KeySpace } from '../../../src/query/functions/memstore-keyspace.js';
import { QueryEngine } from '../../../src/query/engine.js';
import { RadixTree } from '../../../src/store/art.js';
import { encodeKey } from '../../../src/store/key-codec.js';
import { encodeStored } from '../../../src/store/memstore.js';
import { buildRow, columnCount, columnValue } from '../../../src/store/row.js';
import { rowKey, Store, tableChanged, type TableState } from '../../../src/store/store.js';

const N = 20_000;
let store: Store;
let engine: QueryEngine;
let t: TableState;

const session: SessionState = { parameters: new Map([['timezone', 'UTC']]), txStatus: 'I', user: 'postgres', database: 'x', processId: 1 };
const ctx: ExecContext = { session, signal: new AbortController().signal, notice: () => undefined };

/** One memstore op as the applier applies it (memstore ops bump the counter readers watch). */
function setKey(key: string, json: string): void {
  store.kv.set(Buffer.from(key), Buffer.from(json), 0);
  store.counters.memstoreOps++;
}

function insertRow(id: number): void {
  const row = buildRow([String(id), `row ${id}`]);
  t.rows.set(rowKey(t, row), row);
  tableChanged(t);
}

beforeAll(async () => {
  store = new Store(() => new RadixTree());
  t = store.createTable({
    oid: 16500,
    schema: 'public',
    name: 't',
    replicaIdentity: 'default',
    columns: [
      { name: 'id', typeOid: 23, typeMod: -1, isKey: true },
      { name: 's', typeOid: 25, typeMod: -1, isKey: false },
    ],
  });
  for (let i = 0; i < N; i++) {
    setKey(`a:${String(i).padStart(6, '0')}`, `{"n": ${i}, "pad": "some text to parse"}`);
    setKey(`b:${String(i).padStart(6, '0')}`, `{"n": ${i}, "pad": "some text to parse"}`);
    insertRow(i);
  }
  engine = await QueryEngine.create(store, { waiters: new LsnWaiters(() => store.appliedLsn), serverVersion: 'test' });
});

async function query(sql: string): Promise<(string | null)[][]> {
  const [st] = engine.prepare(sql, [], session);
  const res = await st!.execute(ctx, []);
  if (res.kind !== 'rows') throw new Error('not rows');
  const out: (string | null)[][] = [];
  for (let n = res.rows.next(); n.done !== true; n = res.rows.next()) {
    const r: (string | null)[] = [];
    for (let i = 0; i < columnCount(n.value); i++) {
      const v = columnValue(n.value, i);
      r.push(v === null || v === undefined ? null : Buffer.from(v).toString('utf8'));
    }
    out.push(r);
  }
  return out;
}

async function explain(sql: string): Promise<string> {
  return (await query(`EXPLAIN ${sql}`)).map((r) => r[0]).join('\n');
}

/** Runs `sql` while `apply` runs once per event-loop turn; returns its rows and how often apply ran. */
async function duringApplies(sql: string, apply: (n: number) => void): Promise<{ rows: (string | null)[][]; applied: number }> {
  let applied = 0;
  let done = false;
  const step = (): void => {
    if (done) return;
    apply(applied++);
    setImmediate(step);
  };
  setImmediate(step);
  try {
    return { rows: await query(sql), applied };
  } finally {
    done = true;
  }
}

describe('one state of the key space per statement', () => {
  let next = N;

  it('a memstore.kv scan never shows half of the ops applied during it', async () => {
    const { rows, applied } = await duringApplies(`SELECT count(*) FILTER (WHERE key < '\\x62'), count(*) FILTER (WHERE key >= '\\x62'), count(*) FILTER (WHERE value IS NOT NULL) FROM memstore.kv`, () => {
      const k = String(next++).padStart(6, '0');
      setKey(`a:${k}`, '{"n": 0}');
      setKey(`b:${k}`, '{"n": 0}');
    });
    expect(applied).toBeGreaterThan(0);
    const [a, b] = rows[0]!;
    expect(a).toBe(b);
    expect(Number(a)).toBeGreaterThanOrEqual(N);
  });

  it('every memstore call of one statement reads the same keys', async () => {
    // A hash join reads one side whole, then the other: every a:n has its b:n in any one state.
    const sql = `SELECT count(*) FILTER (WHERE a.key IS NULL OR b.key IS NULL), count(*), memstore.count('a:')
      FROM memstore.list('a:') a FULL JOIN memstore.list('b:') b ON substr(a.key, 3) = substr(b.key, 3) WHERE a.value IS NOT NULL OR b.value IS NOT NULL`;
    expect(await explain(sql)).toMatch(/Hash Full Join/);
    const { rows, applied } = await duringApplies(sql, () => {
      const k = String(next++).padStart(6, '0');
      setKey(`a:${k}`, '{"pad": ""}');
      setKey(`b:${k}`, '{"pad": ""}');
    });
    expect(applied).toBeGreaterThan(0);
    const [unmatched, all, count] = rows[0]!;
    expect(unmatched).toBe('0');
    expect(all).toBe(count);
  });

  it('the key space and the tables are taken together, also when the statement reads private copies', async () => {
    // Each "transaction" adds a row and a key: every consistent state has as many of both. The
    // churn never stops, so the statement ends up reading copies (run.ts: after 3 restarts).
    let id = N;
    // The sort reads all of t before the join's first row; only then does the hash join build
    // from the key space: read after pauses, it must still be the state the rows are from.
    const sql = `SELECT count(*) FILTER (WHERE x.id IS NULL) FROM (SELECT id, s FROM t ORDER BY s DESC) x
      RIGHT JOIN memstore.list('a:') l ON 'a:' || lpad(x.id::text, 6, '0') = convert_from(l.key, 'UTF8')`;
    expect(await explain(sql)).toMatch(/Hash Right Join[^]*Sort[^]*Function Scan/);
    const { rows, applied } = await duringApplies(sql, () => {
      insertRow(id++);
      setKey(`a:${String(next++).padStart(6, '0')}`, '{}');
    });
    expect(applied).toBeGreaterThan(0);
    // a: keys 0 … next-1 against rows 0 … id-1: next - id keys without a row in every state.
    expect(Number(rows[0]![0])).toBe(next - id);
  });
});

describe('KeySpace', () => {
  it('compares every expiry with its one clock; a clone counts like the live keys', () => {
    const s = new Store(() => new RadixTree());
    s.kv.set(Buffer.from('k1'), Buffer.from('1'), 0);
    s.kv.set(Buffer.from('k2'), Buffer.from('2'), 1_000);
    s.kv.set(Buffer.from('k3'), Buffer.from('3'), 2_000);
    for (const live of [s.kv, null]) {
      const at = (now: number): KeySpace => new KeySpace(live === null ? s.kv.tree.clone() : s.kv.tree, now, live);
      expect(at(999).count(null)).toBe(3);
      expect(at(1_000).count(null)).toBe(2);
      expect(at(1_000).count(Buffer.from('k2'))).toBe(0);
      expect(at(1_000).get(Buffer.from('k2'))).toBeUndefined();
      expect(at(1_999).get(Buffer.from('k3'))).toEqual(encodeStored(Buffer.from('3'), 2_000));
      expect([...at(2_000).entries()].map(([k]) => Buffer.from(k).toString())).toEqual(['k1']);
    }
  });
});

describe('memstore.kv key translation', () => {
  const hex = (b: Uint8Array): Buffer => Buffer.from(`\\x${Buffer.from(b).toString('hex')}`);
  const keys = [[], [0], [0, 0], [0, 0xff], [0xff, 0], [1, 2, 3], [0x61, 0, 0x62], [0xff, 0xff, 0xff]].map((k) => new Uint8Array(k));

  it('encodes a raw key as the key codec encodes the bytea, and decodes it back', () => {
    for (const k of keys) {
      const enc = encodeRawKey(k);
      expect(enc).toEqual(encodeKey([17], [hex(k)]));
      expect(decodeRawKey(enc)).toEqual(k);
    }
  });

  it('decodes the bound just after a key (enc(x) ‖ 00) as x ‖ 00; anything else as null', () => {
    for (const k of keys) {
      const after = new Uint8Array([...encodeRawKey(k), 0]);
      expect(decodeRawKey(after)).toEqual(new Uint8Array([...k, 0]));
    }
    expect(decodeRawKey(new Uint8Array([0x61]))).toBeNull();
    expect(decodeRawKey(new Uint8Array([0x61, 0, 0, 1]))).toBeNull();
    expect(decodeRawKey(new Uint8Array([0x61, 0, 7]))).toBeNull();
  });
});
