/*
 * sets.ts — operators over whole rows: Distinct / DISTINCT ON (hash, first row of each group in
 * input order), set operations (UNION / INTERSECT / EXCEPT [ALL], hashed, counts as PostgreSQL:
 * INTERSECT ALL keeps min(l, r) copies, EXCEPT ALL max(l − r, 0)), CTE scans (the CTE's plan
 * materialised once per execution and shared by every reference with the same id), recursive
 * union with its work table, and function scans (set-returning functions in FROM).
 *
 * NULLs are equal to each other here, as in PostgreSQL's DISTINCT and set operations.
 */
import type { FuncDef } from '../../functions/registry.js';
import type { Datum, RecordValue } from '../../types/datum.js';
import type { EvalSettings } from '../../types/registry.js';
import { NO_ROW, type Fn } from '../eval.js';
import { keyMaker, type Key } from '../hash-key.js';
import type { PhysNode } from '../node.js';
import { CallSite, MemBudget, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import { replay } from './basic.js';

export class DistinctOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    /** DISTINCT ON expressions, or null for the whole row. */
    private readonly on: readonly Fn[] | null,
    private readonly types: readonly number[],
    readonly details: readonly string[],
  ) {
    this.name = on === null ? 'HashAggregate' : 'Unique';
    this.children = [input];
  }

  *run(rt: Runtime): Rows {
    const mk = keyMaker(this.types);
    const seen = new Set<Key>();
    const mem = new MemBudget(rt, this.on === null ? 'HashAggregate (DISTINCT)' : 'Unique');
    const on = this.on;
    const vals = new Array<Datum>(on === null ? 0 : on.length).fill(null);
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      let k: Key;
      if (on === null) k = mk(r);
      else {
        for (let i = 0; i < on.length; i++) vals[i] = on[i]!(r, rt);
        k = mk(vals);
      }
      if (seen.has(k)) continue;
      seen.add(k);
      mem.add(typeof k === 'string' ? 48 + k.length : 48);
      yield r;
    }
  }
}

export class SetOpOp implements PhysNode {
  readonly name: string;
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  constructor(
    private readonly op: 'union' | 'intersect' | 'except',
    private readonly all: boolean,
    readonly left: PhysNode,
    readonly right: PhysNode,
    private readonly types: readonly number[],
  ) {
    this.children = [left, right];
    this.name = op === 'union' ? (all ? 'Append' : 'HashAggregate (UNION)') : `HashSetOp ${op === 'intersect' ? 'Intersect' : 'Except'}${all ? ' All' : ''}`;
  }

  *run(rt: Runtime): Rows {
    const { op, all } = this;
    if (op === 'union' && all) {
      yield* this.left.run(rt);
      yield* this.right.run(rt);
      return;
    }
    const mk = keyMaker(this.types);
    const mem = new MemBudget(rt, 'HashSetOp');
    if (op === 'union') {
      const seen = new Set<Key>();
      for (const side of [this.left, this.right]) {
        for (const r of side.run(rt)) {
          if (r === PAUSE) {
            yield r;
            continue;
          }
          const k = mk(r);
          if (seen.has(k)) continue;
          seen.add(k);
          mem.addRow(r);
          yield r;
        }
      }
      return;
    }
    // INTERSECT / EXCEPT: count the left rows per key (keeping the first of each), then the right.
    const groups = new Map<Key, { row: Row; l: number; r: number }>();
    for (const r of this.left.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const k = mk(r);
      const g = groups.get(k);
      if (g === undefined) {
        groups.set(k, { row: r, l: 1, r: 0 });
        mem.addRow(r, 48);
      } else g.l++;
    }
    for (const r of this.right.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const g = groups.get(mk(r));
      if (g !== undefined) g.r++;
    }
    for (const g of groups.values()) {
      const n = op === 'intersect' ? (all ? Math.min(g.l, g.r) : g.l > 0 && g.r > 0 ? 1 : 0) : all ? Math.max(g.l - g.r, 0) : g.r === 0 ? 1 : 0;
      for (let i = 0; i < n; i++) yield g.row;
      if (rt.shouldPause()) yield PAUSE;
    }
  }
}

/** Materialises `plan` once per execution into rt.ctes[id] (forwarding PAUSE), then replays it. */
export class CteScanOp implements PhysNode {
  readonly name: string;
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  constructor(
    private readonly id: number,
    cteName: string,
    private readonly plan: PhysNode,
    /** Only the first reference of a CTE prints its plan in EXPLAIN. */
    showPlan: boolean,
  ) {
    this.name = `CTE Scan on ${cteName}`;
    this.children = showPlan ? [plan] : [];
  }

  *run(rt: Runtime): Rows {
    let rows = rt.ctes.get(this.id);
    if (rows === undefined) {
      const buf: Row[] = [];
      const mem = new MemBudget(rt, `CTE ${this.name.slice(12)}`);
      for (const r of this.plan.run(rt)) {
        if (r === PAUSE) {
          yield r;
          continue;
        }
        buf.push(r);
        mem.addRow(r);
      }
      rows = buf;
      rt.ctes.set(this.id, rows);
    }
    yield* replay(rows, rt);
  }
}

export class WorkTableOp implements PhysNode {
  readonly name = 'WorkTable Scan';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[] = [];
  constructor(private readonly id: number) {}

  *run(rt: Runtime): Rows {
    yield* replay(rt.worktables.get(this.id) ?? [], rt);
  }
}

/**
 * WITH RECURSIVE: the non-recursive side's rows are emitted and become the work table; the
 * recursive side runs over the work table until it produces no (new, for UNION) rows.
 */
export class RecursiveUnionOp implements PhysNode {
  readonly name = 'Recursive Union';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  constructor(
    private readonly id: number,
    private readonly all: boolean,
    readonly nonRecursive: PhysNode,
    readonly recursive: PhysNode,
    private readonly types: readonly number[],
  ) {
    this.children = [nonRecursive, recursive];
  }

  *run(rt: Runtime): Rows {
    const mk = keyMaker(this.types);
    const seen = this.all ? null : new Set<Key>();
    const mem = new MemBudget(rt, 'Recursive Union');
    let work: Row[] = [];
    const accept = (r: Row): boolean => {
      if (seen === null) return true;
      const k = mk(r);
      if (seen.has(k)) return false;
      seen.add(k);
      mem.addRow(r);
      return true;
    };
    for (const r of this.nonRecursive.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      if (!accept(r)) continue;
      work.push(r);
      yield r;
    }
    while (work.length > 0) {
      rt.worktables.set(this.id, work);
      const next: Row[] = [];
      for (const r of this.recursive.run(rt)) {
        if (r === PAUSE) {
          yield r;
          continue;
        }
        if (!accept(r)) continue;
        next.push(r);
        yield r;
      }
      work = next;
    }
    rt.worktables.delete(this.id);
  }
}

/** A function in FROM: a set-returning one's values as rows (a record's fields as columns), a plain one's value as one row; then ordinality. */
export class FunctionScanOp implements PhysNode {
  readonly name: string;
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[] = [];
  private readonly site: CallSite;
  constructor(
    private readonly def: FuncDef,
    private readonly args: readonly Fn[],
    argTypes: readonly number[],
    resultType: number,
    private readonly multi: boolean,
    private readonly ordinality: boolean,
    fallback: EvalSettings,
  ) {
    this.name = `Function Scan on ${def.name}`;
    this.site = new CallSite(argTypes, resultType, fallback);
  }

  *run(rt: Runtime): Rows {
    const args = this.args.map((a) => a(NO_ROW, rt));
    const strictNull = this.def.strict && args.some((a) => a === null);
    this.site.rt = rt;
    // A plain function in FROM (`SELECT * FROM current_schema()`) is one row, NULL included.
    const set = this.def.set;
    if (set === undefined) {
      const row: Row = [strictNull ? null : this.def.call!(args, this.site)];
      if (this.ordinality) row.push(1n);
      yield row;
      return;
    }
    if (strictNull) return;
    let n = 0;
    for (const v of set(args, this.site)) {
      n++;
      const row: Row = this.multi ? (v === null ? [] : [...(v as RecordValue).fields]) : [v];
      if (this.ordinality) row.push(BigInt(n));
      yield row;
      if (rt.shouldPause()) yield PAUSE;
      this.site.rt = rt;
    }
  }
}
