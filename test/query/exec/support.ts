/*
 * Hand-built logical plans over a real Store, for the executor's own tests: a few minimal types
 * (registered only when no family registered them yet), operators as FuncDefs, plan builders,
 * and run() returning each row's output texts.
 */
import type { Expr } from '../../../src/query/bind/bound.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { explainPlan, physicalPlan, runPlan, type ExecLimits } from '../../../src/query/exec/run.js';
import { FALLBACK_SETTINGS } from '../../../src/query/exec/physical.js';
import type { FuncDef } from '../../../src/query/functions/registry.js';
import type { LogicalPlan, OutColumn, ScanNode, SortKey } from '../../../src/query/logical/plan.js';
import type { Datum } from '../../../src/query/types/datum.js';
import { hasType, registerType, type TypeInfo } from '../../../src/query/types/registry.js';
import type { ExecContext, SessionState } from '../../../src/pgwire/engine.js';
import { RadixTree } from '../../../src/store/art.js';
import { columnCount, columnValue, buildRow } from '../../../src/store/row.js';
import { rowKey, Store, tableChanged, type TableState } from '../../../src/store/store.js';

export const INT4 = 23;
export const INT8 = 20;
export const TEXT = 25;
export const BOOL = 16;

function base(oid: number, name: string, category: string): Omit<TypeInfo, 'input' | 'output'> {
  return { oid, name, sqlName: name, category, preferred: false, len: -1, elem: 0, array: 0 };
}

export function installTestTypes(): void {
  ensureBuiltins();
  const add = (t: TypeInfo): void => {
    if (!hasType(t.oid)) registerType(t);
  };
  add({ ...base(INT4, 'int4', 'N'), input: (s) => Number.parseInt(s, 10), output: (d) => (d as number).toString(), compare: (a, b) => (a as number) - (b as number), hashKey: (d) => d as number });
  add({ ...base(INT8, 'int8', 'N'), input: (s) => BigInt(s), output: (d) => (d as bigint).toString(), compare: (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0), hashKey: (d) => d as bigint });
  add({ ...base(TEXT, 'text', 'S'), input: (s) => s, output: (d) => d as string, compare: (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0), hashKey: (d) => d as string });
  add({ ...base(BOOL, 'bool', 'B'), input: (s) => s === 't', output: (d) => (d ? 't' : 'f'), compare: (a, b) => Number(a) - Number(b), hashKey: (d) => d as boolean });
}

const cmpOps: Record<string, (c: number) => boolean> = { '=': (c) => c === 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0, '<>': (c) => c !== 0 };

export function opDef(name: string, type: number): FuncDef {
  const test = cmpOps[name]!;
  return {
    name,
    kind: 'op',
    args: [type, type],
    returns: BOOL,
    strict: true,
    volatility: 'i',
    call: ([a, b]) => {
      const x = a as number | bigint | string;
      const y = b as number | bigint | string;
      return test(x < y ? -1 : x > y ? 1 : 0);
    },
  };
}

export const plusInt4: FuncDef = { name: '+', kind: 'op', args: [INT4, INT4], returns: INT4, strict: true, volatility: 'i', call: ([a, b]) => (a as number) + (b as number) };

export const col = (index: number, type = INT4, name = `c${index}`, levelsUp = 0): Expr => ({ kind: 'column', index, levelsUp, name, type, typmod: -1 });
export const lit = (value: Datum, type = INT4): Expr => ({ kind: 'const', value, type, typmod: -1 });
export const param = (index: number, type = INT4): Expr => ({ kind: 'param', index, type, typmod: -1 });
export const cmp = (name: string, a: Expr, b: Expr): Expr => ({ kind: 'call', def: opDef(name, a.type), args: [a, b], argTypes: [a.type, a.type], type: BOOL, typmod: -1 });
export const plus = (a: Expr, b: Expr): Expr => ({ kind: 'call', def: plusInt4, args: [a, b], argTypes: [INT4, INT4], type: INT4, typmod: -1 });
export const and = (...args: Expr[]): Expr => ({ kind: 'and', args, type: BOOL, typmod: -1 });
export const out = (name: string, type = INT4): OutColumn => ({ name, type, typmod: -1, tableOid: 0, attnum: 0 });
export const key = (expr: Expr, desc = false, nullsFirst = desc): SortKey => ({ expr, desc, nullsFirst });

export interface TestTable {
  readonly state: TableState;
  readonly scan: ScanNode;
  insert(values: readonly (string | null)[]): void;
}

let nextOid = 50_000;

/** A live table with columns (name, type); the first `keys` columns form the primary key. */
export function table(store: Store, name: string, columns: readonly (readonly [string, number])[], keys = 1): TestTable {
  const oid = nextOid++;
  const state = store.createTable({
    oid,
    schema: 'public',
    name,
    replicaIdentity: 'default',
    columns: columns.map(([n, t], i) => ({ name: n, typeOid: t, typeMod: -1, isKey: i < keys })),
  });
  const scan: ScanNode = {
    kind: 'scan',
    tableOid: oid,
    schema: 'public',
    table: name,
    refName: name,
    keyColumns: columns.slice(0, keys).map((_c, i) => i),
    columns: columns.map(([n, t], i) => ({ name: n, type: t, typmod: -1, tableOid: oid, attnum: i + 1 })),
  };
  return {
    state,
    scan,
    insert(values) {
      const row = buildRow(values);
      state.rows.set(rowKey(state, row), row);
      tableChanged(state);
    },
  };
}

export function newStore(): Store {
  installTestTypes();
  return new Store(() => new RadixTree());
}

export function context(signal = new AbortController().signal): ExecContext {
  return { session: { parameters: new Map(), txStatus: 'I' } as unknown as SessionState, signal, notice: () => undefined };
}

export const LIMITS: ExecLimits = { statementTimeoutMs: 0, workMemBytes: 64 << 20 };

/** Runs the plan; each row as its columns' output texts (null for NULL). */
export async function run(store: Store, plan: LogicalPlan, params: readonly (string | null)[] = [], limits: ExecLimits = LIMITS, ctx = context()): Promise<(string | null)[][]> {
  const p = physicalPlan(plan, store);
  const res = await runPlan(p, store, ctx, params, params.map(() => INT4), FALLBACK_SETTINGS, limits);
  if (res.kind !== 'rows') throw new Error('not rows');
  const rows: (string | null)[][] = [];
  for (let n = res.rows.next(); n.done !== true; n = res.rows.next()) {
    const body = n.value;
    const r: (string | null)[] = [];
    for (let i = 0; i < columnCount(body); i++) {
      const v = columnValue(body, i);
      r.push(v === null || v === undefined ? null : Buffer.from(v).toString('utf8'));
    }
    rows.push(r);
  }
  return rows;
}

export function explain(store: Store, plan: LogicalPlan): string {
  return explainPlan(physicalPlan(plan, store)).join('\n');
}
