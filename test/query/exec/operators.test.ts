/*
 * The executor's operators over a real Store with hand-built logical plans: access paths (and
 * what EXPLAIN says of them), joins of every kind with NULL keys, aggregation, sorting, set
 * operations, subqueries.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/query/bind/bound.js';
import { aggsNamed, windowsNamed } from '../../../src/query/functions/registry.js';
import type { JoinKind, LogicalPlan } from '../../../src/query/logical/plan.js';
import type { Store } from '../../../src/store/store.js';
import { and, cmp, col, explain, INT4, INT8, key, lit, newStore, out, param, plus, run, table, TEXT, type TestTable } from './support.js';

let store: Store;
let t: TestTable; // t(id int4 pk, v int4, s text)
let u: TestTable; // u(id int4 pk, t_id int4)

beforeAll(() => {
  store = newStore();
  t = table(store, 't', [
    ['id', INT4],
    ['v', INT4],
    ['s', TEXT],
  ]);
  for (let i = 1; i <= 10; i++) t.insert([String(i), i % 3 === 0 ? null : String(i % 4), `s${i}`]);
  u = table(store, 'u', [
    ['id', INT4],
    ['t_id', INT4],
  ]);
  u.insert(['100', '1']);
  u.insert(['101', '1']);
  u.insert(['102', '3']);
  u.insert(['103', null]);
  u.insert(['104', '42']);
});

const filter = (input: LogicalPlan, predicate: Expr): LogicalPlan => ({ kind: 'filter', input, predicate, columns: input.columns });
const project = (input: LogicalPlan, exprs: Expr[]): LogicalPlan => ({ kind: 'project', input, exprs, columns: exprs.map((_e, i) => out(`x${i}`, exprs[i]!.type)) });
const sort = (input: LogicalPlan, ...keys: ReturnType<typeof key>[]): LogicalPlan => ({ kind: 'sort', input, keys, columns: input.columns });
const limit = (input: LogicalPlan, n: number): LogicalPlan => ({ kind: 'limit', input, limit: lit(BigInt(n), INT8), offset: null, columns: input.columns });
const join = (kind: JoinKind, left: LogicalPlan, right: LogicalPlan, on: Expr | null): LogicalPlan => ({
  kind: 'join',
  join: kind,
  left,
  right,
  on,
  lateral: false,
  columns: kind === 'semi' || kind === 'anti' ? left.columns : [...left.columns, ...right.columns],
});

describe('scans', () => {
  it('reads the whole table in key order, filters and projects', async () => {
    const plan = project(filter(t.scan, cmp('>', col(1), lit(1))), [col(0), col(2, TEXT)]);
    expect(await run(store, plan)).toEqual([
      ['2', 's2'],
      ['7', 's7'],
      ['10', 's10'],
    ]);
    expect(explain(store, plan)).toContain('Full Scan on t');
  });

  it('turns equality on the key into a lookup, ranges into a range walk', async () => {
    const point = filter(t.scan, cmp('=', col(0), param(1)));
    expect(await run(store, point, ['4'])).toEqual([['4', '0', 's4']]);
    expect(await run(store, point, ['99'])).toEqual([]);
    expect(await run(store, point, [null])).toEqual([]);
    expect(explain(store, point)).toMatch(/^Key Lookup on t\n {2}Key Cond: \(c0 = \$1\)/);
    const range = filter(t.scan, and(cmp('>', col(0), lit(5)), cmp('<=', lit(8), col(0, INT4, 'id')), cmp('<', col(0), lit(9))));
    expect((await run(store, range)).map((r) => r[0])).toEqual(['8']);
    expect(explain(store, range)).toContain('Key Range Scan on t');
  });

  it('drops the sort when a key walk gives the order, also backward with a limit', async () => {
    const plan = limit(sort(project(t.scan, [col(0), col(1)]), key(col(0), true)), 3);
    expect(await run(store, plan)).toEqual([
      ['10', '2'],
      ['9', null],
      ['8', '0'],
    ]);
    const text = explain(store, plan);
    expect(text).toContain('Full Scan Backward on t');
    expect(text).not.toContain('Sort');
  });

  it('sorts other columns with NULLs where asked, top-N under a limit', async () => {
    const asc = sort(project(t.scan, [col(1), col(0)]), key(col(0)), key(col(1), true));
    const rows = await run(store, asc);
    expect(rows.map((r) => r[0])).toEqual(['0', '0', '1', '1', '2', '2', '3', null, null, null]);
    expect(rows.slice(0, 2).map((r) => r[1])).toEqual(['8', '4']);
    const nullsFirst = limit(sort(project(t.scan, [col(1), col(0)]), key(col(0), false, true), key(col(1))), 4);
    expect(await run(store, nullsFirst)).toEqual([
      [null, '3'],
      [null, '6'],
      [null, '9'],
      ['0', '4'],
    ]);
    expect(explain(store, nullsFirst)).toContain('Sort (top-N)');
  });
});

describe('joins', () => {
  const on = cmp('=', col(0), col(4, INT4, 'u.t_id'));
  const ids = (rows: (string | null)[][]): string[] => rows.map((r) => r.map((x) => x ?? 'N').join(',')).sort();

  it('hash-joins every kind; NULL keys never match', async () => {
    const left = project(t.scan, [col(0), col(1), col(2, TEXT)]);
    const right = project(u.scan, [col(0), col(1)]);
    expect(ids(await run(store, project(join('inner', left, right, on), [col(0), col(3)])))).toEqual(['1,100', '1,101', '3,102']);
    expect(await run(store, project(join('left', left, right, on), [col(0), col(3)]))).toHaveLength(11);
    const right_ = ids(await run(store, project(join('right', left, right, on), [col(0), col(3)])));
    expect(right_).toEqual(['1,100', '1,101', '3,102', 'N,103', 'N,104']);
    expect(await run(store, project(join('full', left, right, on), [col(0), col(3)]))).toHaveLength(3 + 8 + 2);
    expect(ids(await run(store, project(join('semi', left, right, on), [col(0)])))).toEqual(['1', '3']);
    expect(await run(store, project(join('anti', left, right, on), [col(0)]))).toHaveLength(8);
    expect(explain(store, join('full', left, right, on))).toContain('Hash Full Join');
    // The smaller side (u) on the left is the one hashed; rows still come out as left ++ right.
    const swapped = project(join('inner', right, left, cmp('=', col(1), col(2, INT4))), [col(0), col(2), col(4, TEXT)]);
    expect(ids(await run(store, swapped))).toEqual(['100,1,s1', '101,1,s1', '102,3,s3']);
  });

  it('looks the inner table up by its key when the join key is that key', async () => {
    const plan = project(join('left', u.scan, t.scan, cmp('=', col(1), col(2, INT4, 't.id'))), [col(0), col(4, TEXT)]);
    expect(ids(await run(store, plan))).toEqual(['100,s1', '101,s1', '102,s3', '103,N', '104,N']);
    expect(explain(store, plan)).toContain('Key Lookup on t');
    const anti = join('anti', u.scan, t.scan, cmp('=', col(1), col(2, INT4, 't.id')));
    expect(ids(await run(store, anti))).toEqual(['103,N', '104,42']);
  });

  it('nested-loops a non-equi join, pushes single-side conditions down', async () => {
    const plan = project(filter(join('inner', t.scan, u.scan, cmp('<', col(0), col(4, INT4))), cmp('=', col(3), lit(102))), [col(0), col(3)]);
    expect(ids(await run(store, plan))).toEqual(['1,102', '2,102']);
    const text = explain(store, plan);
    expect(text).toContain('Nested Loop');
    expect(text).toContain('Key Lookup on u');
  });
});

describe('aggregates', () => {
  const agg = (name: string, nargs: number) => aggsNamed(name).find((a) => a.args.length === nargs)!;

  it('groups with NULLs together and computes count/min/max', async () => {
    const plan: LogicalPlan = {
      kind: 'aggregate',
      input: t.scan,
      groupBy: [col(1)],
      groupingSets: null,
      aggs: [
        { def: agg('count', 0), args: [], argTypes: [], resultType: INT8, distinct: false, filter: null, orderBy: [], directArgs: [] },
        { def: agg('min', 1), args: [col(2, TEXT)], argTypes: [TEXT], resultType: TEXT, distinct: false, filter: null, orderBy: [], directArgs: [] },
        { def: agg('max', 1), args: [col(0)], argTypes: [INT4], resultType: INT4, distinct: false, filter: cmp('<', col(0), lit(9)), orderBy: [], directArgs: [] },
      ],
      columns: [out('v'), out('count', INT8), out('min', TEXT), out('max')],
    };
    const rows = await run(store, sort(plan, key(col(0))));
    expect(rows).toEqual([
      ['0', '2', 's4', '8'],
      ['1', '2', 's1', '5'],
      ['2', '2', 's10', '2'],
      ['3', '1', 's7', '7'],
      [null, '3', 's3', '6'],
    ]);
  });

  it('has one group without GROUP BY even over no rows; grouping sets with a bitmask', async () => {
    const count = { def: agg('count', 1), args: [col(1)], argTypes: [INT4], resultType: INT8, distinct: true, filter: null, orderBy: [], directArgs: [] };
    const empty: LogicalPlan = { kind: 'aggregate', input: filter(t.scan, lit(false, 16)), groupBy: [], groupingSets: null, aggs: [count], columns: [out('count', INT8)] };
    expect(await run(store, empty)).toEqual([['0']]);
    const distinct: LogicalPlan = { kind: 'aggregate', input: t.scan, groupBy: [], groupingSets: null, aggs: [count], columns: [out('count', INT8)] };
    expect(await run(store, distinct)).toEqual([['4']]);
    const sets: LogicalPlan = { kind: 'aggregate', input: t.scan, groupBy: [col(1)], groupingSets: [[0], []], aggs: [count], columns: [out('v'), out('count', INT8), out('mask')] };
    const rows = await run(store, sets);
    expect(rows).toContainEqual([null, '4', '1']);
    expect(rows).toContainEqual([null, '0', '0']);
    expect(rows).toHaveLength(6);
  });

  it('computes window functions over partitions and frames', async () => {
    const rowNumber = windowsNamed('row_number')[0]!;
    const countAny = agg('count', 1);
    const plan: LogicalPlan = {
      kind: 'window',
      input: project(t.scan, [col(0), col(1)]),
      calls: [
        { fn: { kind: 'window', def: rowNumber }, args: [], argTypes: [], resultType: INT8, filter: null, partitionBy: [col(1)], orderBy: [key(col(0), true)], frame: { mode: 'range', start: { kind: 'unbounded preceding' }, end: { kind: 'current row' }, exclude: 'none' } },
        { fn: { kind: 'agg', def: countAny }, args: [col(1)], argTypes: [INT4], resultType: INT8, filter: null, partitionBy: [], orderBy: [key(col(0))], frame: { mode: 'rows', start: { kind: 'preceding', offset: lit(1n, INT8) }, end: { kind: 'following', offset: lit(1n, INT8) }, exclude: 'none' } },
      ],
      columns: [out('id'), out('v'), out('rn', INT8), out('c', INT8)],
    };
    const rows = await run(store, sort(plan, key(col(0))));
    expect(rows.map((r) => r.join(','))).toEqual(['1,1,2,2', '2,2,2,2', '3,,3,2', '4,0,2,2', '5,1,1,2', '6,,2,2', '7,3,1,2', '8,0,1,2', '9,,1,2', '10,2,1,1']);
  });
});

describe('subqueries', () => {
  it('scalar subqueries: NULL when empty, 21000 on two rows; correlated ones per row', async () => {
    const sub = (plan: LogicalPlan, correlated = false): Expr => ({ kind: 'subquery', sublink: 'scalar', plan, correlated, type: INT4, typmod: -1 });
    const one = project({ kind: 'values', rows: [[]], columns: [] }, [sub(project(filter(t.scan, cmp('=', col(0), lit(3))), [col(0)]))]);
    expect(await run(store, one)).toEqual([['3']]);
    const none = project({ kind: 'values', rows: [[]], columns: [] }, [sub(project(filter(t.scan, cmp('=', col(0), lit(30))), [col(0)]))]);
    expect(await run(store, none)).toEqual([[null]]);
    const two = project({ kind: 'values', rows: [[]], columns: [] }, [sub(project(t.scan, [col(0)]))]);
    await expect(run(store, two)).rejects.toMatchObject({ sqlstate: '21000', message: 'more than one row returned by a subquery used as an expression' });
    // For each u row: the t row it points at (correlated: u.t_id one level up).
    const corr = project(u.scan, [col(0), sub(project(filter(t.scan, cmp('=', col(0), col(1, INT4, 'u.t_id', 1))), [col(2, TEXT)]), true)]);
    expect(await run(store, corr)).toEqual([
      ['100', 's1'],
      ['101', 's1'],
      ['102', 's3'],
      ['103', null],
      ['104', null],
    ]);
  });

  it('IN / NOT IN follow the NULL rules', async () => {
    const inSub = (x: Expr): Expr => ({ kind: 'subquery', sublink: 'any', plan: project(u.scan, [col(1)]), correlated: false, test: [x], ops: [(cmp('=', lit(0), lit(0)) as Expr & { kind: 'call' }).def], opArgTypes: [[INT4, INT4]], type: 16, typmod: -1 });
    const plan = project({ kind: 'values', rows: [[lit(1)], [lit(2)], [lit(null)]], columns: [out('x')] }, [col(0), inSub(col(0)), { kind: 'not', arg: inSub(col(0)), type: 16, typmod: -1 }]);
    expect(await run(store, plan)).toEqual([
      ['1', 't', 'f'],
      ['2', null, null],
      [null, null, null],
    ]);
  });
});

describe('expressions', () => {
  it('evaluates three-valued logic, CASE, COALESCE', async () => {
    const v = col(1);
    const plan = project(t.scan, [
      col(0),
      { kind: 'or', args: [cmp('>', v, lit(1)), cmp('=', col(0), lit(3))], type: 16, typmod: -1 },
      { kind: 'case', whens: [{ when: cmp('=', v, lit(0)), then: lit('zero', TEXT) }], else: lit('other', TEXT), type: TEXT, typmod: -1 },
      { kind: 'coalesce', args: [v, plus(col(0), lit(100))], type: INT4, typmod: -1 },
    ]);
    const rows = await run(store, limit(plan, 4));
    expect(rows).toEqual([
      ['1', 'f', 'other', '1'],
      ['2', 't', 'other', '2'],
      ['3', 't', 'other', '103'],
      ['4', 'f', 'zero', '0'],
    ]);
  });
});
