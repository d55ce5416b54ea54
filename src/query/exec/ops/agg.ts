/*
 * agg.ts — HashAggregate (GROUP BY, grouping sets) and plain aggregation (no GROUP BY).
 *
 * One pass over the input: per row the GROUP BY values are evaluated once, then for each grouping
 * set the row's group is found in that set's hash table (keyed by hash-key.ts; NULLs group
 * together) and every aggregate steps its state. At the end each group emits one row:
 *   groupBy values (NULL where the set leaves the column out), one column per aggregate, and with
 *   grouping sets the bitmask of the set (bit i = 1 when groupBy position i is not in the set,
 *   which GROUPING() reads, eval.ts).
 * A set without columns (no GROUP BY, or `()` in GROUPING SETS) has one group even over no rows.
 *
 * Aggregate calls: FILTER (WHERE …) decides per row; a strict aggregate skips rows with a NULL
 * argument; DISTINCT and ORDER BY inside the call (and WITHIN GROUP) buffer the group's argument
 * rows, which are sorted and deduplicated before stepping. Group states and buffers count against
 * work_mem (53200; no spilling: XXX).
 */
import type { AggDef } from '../../functions/registry.js';
import type { Datum } from '../../types/datum.js';
import { NO_ROW, type Fn } from '../eval.js';
import { keyMaker, type Key } from '../hash-key.js';
import type { PhysNode } from '../node.js';
import { MemBudget, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import type { CallSite } from '../runtime.js';
import { keyComparator, type CompiledKey } from './sort.js';

export interface CompiledAgg {
  readonly def: AggDef;
  readonly args: readonly Fn[];
  readonly argTypes: readonly number[];
  readonly site: CallSite;
  readonly distinct: boolean;
  readonly filter: Fn | null;
  readonly order: readonly CompiledKey[];
  readonly directArgs: readonly Fn[];
}

interface Group {
  readonly values: Datum[];
  readonly states: unknown[];
  /** Per aggregate that buffers: [args…, order keys…] per accepted row. */
  readonly buffers: (Datum[][] | null)[];
}

export class AggregateOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    private readonly groupBy: readonly Fn[],
    private readonly groupTypes: readonly number[],
    private readonly sets: readonly (readonly number[])[] | null,
    private readonly aggs: readonly CompiledAgg[],
    readonly details: readonly string[],
  ) {
    this.name = groupBy.length === 0 && sets === null ? 'Aggregate' : sets === null ? 'HashAggregate' : 'MixedAggregate';
    this.children = [input];
  }

  *run(rt: Runtime): Rows {
    const { aggs, groupBy } = this;
    const sets = this.sets ?? [groupBy.map((_g, i) => i)];
    const withMask = this.sets !== null;
    const mem = new MemBudget(rt, 'HashAggregate');
    const tables = sets.map(() => new Map<Key, Group>());
    const makers = sets.map((s) => keyMaker(s.map((i) => this.groupTypes[i]!)));
    const buffered = aggs.map((a) => a.distinct || a.order.length > 0);
    const groupBytes = 64 + 8 * groupBy.length + 72 * aggs.length;
    const newGroup = (values: Datum[]): Group => {
      const states: unknown[] = [];
      for (const a of aggs) {
        a.site.rt = rt;
        states.push(a.def.init(a.site));
      }
      mem.add(groupBytes);
      return { values, states, buffers: buffered.map((b) => (b ? [] : null)) };
    };
    // Sets without columns have their group before any row arrives.
    for (let s = 0; s < sets.length; s++) if (sets[s]!.length === 0) tables[s]!.set('', newGroup(groupBy.map(() => null)));
    const gvals = new Array<Datum>(groupBy.length).fill(null);
    const scratch: Datum[][] = sets.map((s) => new Array<Datum>(s.length).fill(null));
    const argScratch: Datum[][] = aggs.map((a) => new Array<Datum>(a.args.length).fill(null));
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      for (let i = 0; i < groupBy.length; i++) gvals[i] = groupBy[i]!(r, rt);
      for (let s = 0; s < sets.length; s++) {
        const set = sets[s]!;
        const sv = scratch[s]!;
        for (let i = 0; i < set.length; i++) sv[i] = gvals[set[i]!]!;
        const k = makers[s]!(sv);
        let g = tables[s]!.get(k);
        if (g === undefined) {
          const values = new Array<Datum>(groupBy.length).fill(null);
          for (const i of set) values[i] = gvals[i]!;
          g = newGroup(values);
          tables[s]!.set(k, g);
        }
        this.step(g, r, rt, argScratch, buffered, mem);
      }
    }
    for (let s = 0; s < sets.length; s++) {
      let mask = 0;
      if (withMask) for (let i = 0; i < groupBy.length; i++) if (!sets[s]!.includes(i)) mask |= 1 << i;
      for (const g of tables[s]!.values()) {
        const out = g.values.slice();
        for (let a = 0; a < aggs.length; a++) out.push(this.finish(aggs[a]!, g, a, rt));
        if (withMask) out.push(mask);
        yield out;
        if (rt.shouldPause()) yield PAUSE;
      }
    }
  }

  private step(g: Group, r: Row, rt: Runtime, argScratch: Datum[][], buffered: readonly boolean[], mem: MemBudget): void {
    const aggs = this.aggs;
    for (let a = 0; a < aggs.length; a++) {
      const agg = aggs[a]!;
      if (agg.filter !== null && agg.filter(r, rt) !== true) continue;
      const fns = agg.args;
      const buf = buffered[a] ? new Array<Datum>(fns.length + agg.order.length) : argScratch[a]!;
      let skip = false;
      for (let i = 0; i < fns.length; i++) {
        const d = fns[i]!(r, rt);
        if (d === null && agg.def.strict) {
          skip = true;
          break;
        }
        buf[i] = d;
      }
      if (skip) continue;
      if (buffered[a]) {
        for (let i = 0; i < agg.order.length; i++) buf[fns.length + i] = agg.order[i]!.fn(r, rt);
        g.buffers[a]!.push(buf);
        mem.addRow(buf);
        continue;
      }
      agg.site.rt = rt;
      g.states[a] = agg.def.step(g.states[a], buf, agg.site);
    }
  }

  private finish(agg: CompiledAgg, g: Group, a: number, rt: Runtime): Datum {
    let state = g.states[a];
    agg.site.rt = rt;
    const buf = g.buffers[a];
    if (buf !== null && buf !== undefined) {
      const nargs = agg.args.length;
      let rows = buf;
      if (agg.order.length > 0) {
        const cmp = keyComparator(agg.order);
        const keyed = rows.map((r) => ({ r, k: r.slice(nargs) }));
        keyed.sort((x, y) => cmp(x.k, y.k));
        rows = keyed.map((x) => x.r);
      }
      if (agg.distinct) {
        const mk = keyMaker(agg.argTypes);
        const seen = new Set<Key>();
        rows = rows.filter((r) => {
          const k = mk(r.slice(0, nargs));
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      }
      for (const r of rows) state = agg.def.step(state, r.length === nargs ? r : r.slice(0, nargs), agg.site);
    }
    const direct = agg.directArgs.length === 0 ? undefined : agg.directArgs.map((f) => f(NO_ROW, rt));
    return agg.def.final(state, agg.site, direct);
  }
}
