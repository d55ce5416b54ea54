/*
 * sort.ts — Sort and top-N (Sort under a Limit with a constant count).
 *
 * Sort reads its whole input (forwarding PAUSE), computes the key values of each row once (a row
 * whose keys are all plain columns is compared in place), sorts in memory with the types' btree
 * comparators (in slices that yield PAUSE: sort-slices.ts), and replays the result. NULLs go where the key says (NULLS FIRST / LAST).
 * PostgreSQL's sort is not stable and only ORDER BY fixes the order; ours happens to be stable.
 *
 * Top-N keeps at most 2·N rows: when the buffer is full it is sorted and cut back to N, so the
 * cost is O(rows · log N) and memory O(N). Both count their buffer against work_mem (53200, no
 * spilling: XXX).
 */
import type { TextOrder } from '../../types/collation.js';
import type { Datum } from '../../types/datum.js';
import { comparator, type Fn } from '../eval.js';
import type { PhysNode } from '../node.js';
import { MemBudget, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import { sortInSlices } from '../sort-slices.js';
import { limitValues } from './basic.js';

export interface CompiledKey {
  readonly fn: Fn;
  /** Input position when the key is a plain column of the row, else -1. */
  readonly col: number;
  readonly type: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  /** The key's collation order when it is not bytes (query/types/collation.ts). */
  readonly order?: TextOrder;
}

/** Compares two key-value vectors with the keys' directions and NULL placement. */
export function keyComparator(keys: readonly CompiledKey[]): (a: readonly Datum[], b: readonly Datum[]) => number {
  const cmps = keys.map((k) => comparator(k.type, k.order));
  return (a, b) => {
    for (let i = 0; i < cmps.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x === null || y === null) {
        if (x === y) continue;
        const nf = keys[i]!.nullsFirst;
        return x === null ? (nf ? -1 : 1) : nf ? 1 : -1;
      }
      const c = cmps[i]!(x, y);
      if (c !== 0) return keys[i]!.desc ? -c : c;
    }
    return 0;
  };
}

/** Row comparator: reads columns directly when every key is one, else evaluates keys once per row. */
export function rowSorter(keys: readonly CompiledKey[]): { decorate: (r: Row, rt: Runtime) => Row; compare: (a: Row, b: Row) => number; direct: boolean } {
  const direct = keys.every((k) => k.col >= 0);
  const cmpKeys = keyComparator(keys);
  if (direct) {
    const cols = keys.map((k) => k.col);
    const cmps = keys.map((k) => comparator(k.type, k.order));
    const compare = (a: Row, b: Row): number => {
      for (let i = 0; i < cols.length; i++) {
        const x = a[cols[i]!]!;
        const y = b[cols[i]!]!;
        if (x === null || y === null) {
          if (x === y) continue;
          const nf = keys[i]!.nullsFirst;
          return x === null ? (nf ? -1 : 1) : nf ? 1 : -1;
        }
        const c = cmps[i]!(x, y);
        if (c !== 0) return keys[i]!.desc ? -c : c;
      }
      return 0;
    };
    return { decorate: (r) => r, compare, direct };
  }
  // Decorated rows: the key values, then the row itself as the last element.
  const n = keys.length;
  const decorate = (r: Row, rt: Runtime): Row => {
    const d = new Array<Datum>(n + 1);
    for (let i = 0; i < n; i++) d[i] = keys[i]!.fn(r, rt);
    d[n] = r as unknown as Datum;
    return d;
  };
  return { decorate, compare: cmpKeys, direct };
}

export class SortOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    private readonly keys: readonly CompiledKey[],
    readonly details: readonly string[],
    /** Top-N: the Limit above (evaluated per execution). */
    private readonly limit: { limit: Fn | null; offset: Fn | null } | null = null,
  ) {
    this.children = [input];
    this.name = limit === null ? 'Sort' : 'Sort (top-N)';
  }

  *run(rt: Runtime): Rows {
    const { decorate, compare, direct } = rowSorter(this.keys);
    const mem = new MemBudget(rt, 'Sort');
    const pause = (): boolean => rt.shouldPause();
    let cap = Infinity;
    if (this.limit !== null) {
      const l = limitValues(rt, this.limit.limit, this.limit.offset);
      cap = l.limit + l.offset;
    }
    let buf: Row[] = [];
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      buf.push(decorate(r, rt));
      if (buf.length >= 2 * cap && buf.length > 0) {
        for (const _ of sortInSlices(buf, compare, pause)) yield PAUSE;
        buf.length = cap;
      } else if (cap === Infinity) mem.addRow(r, direct ? 0 : 16 + 8 * this.keys.length);
    }
    rt.checkInterrupts();
    for (const _ of sortInSlices(buf, compare, pause)) yield PAUSE;
    if (buf.length > cap) buf.length = cap;
    rt.checkInterrupts();
    const last = this.keys.length;
    for (let i = 0; i < buf.length; i++) {
      yield direct ? buf[i]! : (buf[i]![last] as unknown as Row);
      if (rt.shouldPause()) yield PAUSE;
    }
    buf = [];
  }
}
