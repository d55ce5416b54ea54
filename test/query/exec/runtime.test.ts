/*
 * The executor's driver: it yields to the event loop during long statements, and meanwhile
 * applied transactions never show half in a result (restart, then private copies); cancel,
 * statement_timeout and work_mem end a statement with PostgreSQL's errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import type { Expr } from '../../../src/query/bind/bound.js';
import { aggsNamed } from '../../../src/query/functions/registry.js';
import type { LogicalPlan } from '../../../src/query/logical/plan.js';
import type { Store } from '../../../src/store/store.js';
import { context, INT4, INT8, key, LIMITS, lit, newStore, out, run, table, TEXT, col, type TestTable } from './support.js';

let store: Store;
let a: TestTable;
let b: TestTable;
const N = 30_000;

beforeAll(() => {
  store = newStore();
  a = table(store, 'a', [
    ['id', INT4],
    ['s', TEXT],
  ]);
  b = table(store, 'b', [
    ['id', INT4],
    ['s', TEXT],
  ]);
  for (let i = 0; i < N; i++) {
    a.insert([String(i), `row ${i} of a, with some text to decode`]);
    b.insert([String(i), `row ${i} of b, with some text to decode`]);
  }
});

const project = (input: LogicalPlan, exprs: Expr[]): LogicalPlan => ({ kind: 'project', input, exprs, columns: exprs.map((e, i) => out(`x${i}`, e.type)) });
const countStar = () => ({ def: aggsNamed('count').find((d) => d.args.length === 0)!, args: [], argTypes: [], resultType: INT8, distinct: false, filter: null, orderBy: [], directArgs: [] });

/** count(*) per side of `a UNION ALL b`: equal in every consistent state. */
const perSideOf = (): LogicalPlan => ({
  kind: 'aggregate',
  input: { kind: 'setop', op: 'union', all: true, left: project(a.scan, [lit(1), col(1, TEXT)]), right: project(b.scan, [lit(2), col(1, TEXT)]), columns: [out('side'), out('s', TEXT)] },
  groupBy: [col(0)],
  groupingSets: null,
  aggs: [countStar()],
  columns: [out('side'), out('count', INT8)],
});

describe('consistency', () => {
  it('never mixes states of the store while transactions apply during the statement', async () => {
    let next = N;
    let applied = 0;
    let done = false;
    // One "transaction" per event-loop turn: a row into each table.
    const apply = (): void => {
      if (done) return;
      a.insert([String(next), 'new']);
      b.insert([String(next), 'new']);
      next++;
      applied++;
      setImmediate(apply);
    };
    setImmediate(apply);
    const rows = await run(store, perSideOf());
    done = true;
    expect(applied).toBeGreaterThan(0);
    expect(rows).toHaveLength(2);
    const counts = new Map(rows.map((r) => [r[0], r[1]]));
    expect(counts.get('1')).toBe(counts.get('2'));
    expect(Number(counts.get('1'))).toBeGreaterThanOrEqual(N);
  });

  it('lets the event loop run during a long statement', async () => {
    let turns = 0;
    let stop = false;
    const tick = (): void => {
      turns++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    await run(store, perSideOf());
    stop = true;
    expect(turns).toBeGreaterThan(1);
  });
});

/** `s` passed through a volatile function that calls `seen` each time it is evaluated. */
const tap = (s: Expr, seen: () => void): Expr => ({
  kind: 'call',
  def: { name: 'tap', kind: 'func', args: [TEXT], returns: TEXT, strict: false, volatility: 'v', call: ([d]) => (seen(), d ?? null) },
  args: [s],
  argTypes: [TEXT],
  type: TEXT,
  typmod: -1,
});

describe('time slices', () => {
  it('lets the event loop run while a Sort sorts, between its last input row and its first output row', async () => {
    let input = 0;
    let output = 0;
    const turns: [number, number][] = [];
    let stop = false;
    const tick = (): void => {
      turns.push([input, output]);
      if (!stop) setImmediate(tick);
    };
    const tapped = project(a.scan, [col(0), tap(col(1, TEXT), () => input++)]);
    const sorted: LogicalPlan = { kind: 'sort', input: tapped, keys: [key(col(1, TEXT), true)], columns: tapped.columns };
    setImmediate(tick);
    const rows = await run(store, project(sorted, [col(0), tap(col(1, TEXT), () => output++)]));
    stop = true;
    expect(rows.length).toBe(input);
    expect(output).toBe(input);
    // Turns of the event loop that saw every input row read and no output row made: the sort.
    const duringSort = turns.filter(([i, o]) => i === input && o === 0).length;
    expect(duringSort).toBeGreaterThanOrEqual(2);
  });
});

describe('interrupts and limits', () => {
  it('cancel rejects with the signal reason', async () => {
    const ac = new AbortController();
    const reason = new SqlError('57014', 'canceling statement due to user request');
    setImmediate(() => ac.abort(reason));
    await expect(run(store, perSideOf(), [], LIMITS, context(ac.signal))).rejects.toBe(reason);
  });

  it('statement_timeout ends a long statement with 57014', async () => {
    const cross: LogicalPlan = {
      kind: 'aggregate',
      input: { kind: 'join', join: 'inner', left: a.scan, right: b.scan, on: null, lateral: false, columns: [...a.scan.columns, ...b.scan.columns] },
      groupBy: [],
      groupingSets: null,
      aggs: [countStar()],
      columns: [out('count', INT8)],
    };
    await expect(run(store, cross, [], { ...LIMITS, statementTimeoutMs: 20 })).rejects.toMatchObject({ sqlstate: '57014', message: 'canceling statement due to statement timeout' });
  });

  it('a sort over work_mem fails with 53200 naming the operator', async () => {
    const sorted: LogicalPlan = { kind: 'sort', input: a.scan, keys: [key(col(1, TEXT))], columns: a.scan.columns };
    const err = await run(store, sorted, [], { ...LIMITS, workMemBytes: 64 * 1024 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ sqlstate: '53200', message: 'out of memory' });
    expect((err as SqlError).detail).toContain('Sort');
  });

  it('syncing tables are 55000', async () => {
    a.state.status = 'syncing';
    try {
      await expect(run(store, a.scan)).rejects.toMatchObject({ sqlstate: '55000' });
    } finally {
      a.state.status = 'live';
    }
  });
});

void INT4;
