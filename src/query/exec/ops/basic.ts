/*
 * basic.ts — the row-at-a-time operators: Filter, Project, ProjectSet (set-returning functions in
 * the select list), Values, Limit / Offset.
 *
 * Each passes PAUSE from its child through; the ones that make rows without a child (Values,
 * ProjectSet's expansion) yield PAUSE themselves when the time slice is used up.
 */
import { SqlError } from '../../../errors.js';
import { SQLSTATE } from '../../../pgwire/sqlstate.js';
import type { FuncDef } from '../../functions/registry.js';
import type { Datum } from '../../types/datum.js';
import type { Fn } from '../eval.js';
import { NO_ROW } from '../eval.js';
import type { PhysNode } from '../node.js';
import { CallSite, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import type { EvalSettings } from '../../types/registry.js';

export class FilterOp implements PhysNode {
  readonly name = 'Filter';
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    private readonly pred: Fn,
    readonly details: readonly string[],
  ) {
    this.children = [input];
  }

  *run(rt: Runtime): Rows {
    const pred = this.pred;
    for (const r of this.input.run(rt)) {
      if (r === PAUSE || pred(r, rt) === true) yield r;
    }
  }
}

export class ProjectOp implements PhysNode {
  /** Not shown by EXPLAIN (node.ts). */
  readonly name = '';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    private readonly exprs: readonly Fn[],
    /** Input positions when every expr is a plain column (no evaluation). */
    private readonly columns: readonly number[] | null,
  ) {
    this.children = [input];
  }

  *run(rt: Runtime): Rows {
    const exprs = this.exprs;
    const n = exprs.length;
    const cols = this.columns;
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const out = new Array<Datum>(n);
      if (cols !== null) for (let i = 0; i < n; i++) out[i] = r[cols[i]!] ?? null;
      else for (let i = 0; i < n; i++) out[i] = exprs[i]!(r, rt);
      yield out;
    }
  }
}

export interface SrfItem {
  readonly def: FuncDef;
  readonly args: readonly Fn[];
  readonly argTypes: readonly number[];
  readonly type: number;
}

/**
 * ProjectSet (PostgreSQL 10+): per input row, the set-returning items run in lockstep; the row
 * count is the longest, shorter ones are padded with NULL; a strict SRF with a NULL argument
 * returns no rows.
 */
export class ProjectSetOp implements PhysNode {
  readonly name = 'ProjectSet';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  private readonly sites: CallSite[];
  constructor(
    readonly input: PhysNode,
    private readonly exprs: readonly (Fn | SrfItem)[],
    fallback: EvalSettings,
  ) {
    this.children = [input];
    this.sites = exprs.map((e) => (typeof e === 'function' ? new CallSite([], 0, fallback) : new CallSite(e.argTypes, e.type, fallback)));
  }

  *run(rt: Runtime): Rows {
    const exprs = this.exprs;
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const iters: (Iterator<Datum> | null)[] = [];
      const plain: Datum[] = [];
      for (let i = 0; i < exprs.length; i++) {
        const e = exprs[i]!;
        if (typeof e === 'function') {
          iters.push(null);
          plain.push(e(r, rt));
          continue;
        }
        plain.push(null);
        const args = e.args.map((a) => a(r, rt));
        const site = this.sites[i]!;
        site.rt = rt;
        iters.push(e.def.strict && args.some((a) => a === null) ? [][Symbol.iterator]() : e.def.set!(args, site)[Symbol.iterator]());
      }
      for (;;) {
        let any = false;
        const out = plain.slice();
        for (let i = 0; i < iters.length; i++) {
          const it = iters[i];
          if (it === null || it === undefined) continue;
          const n = it.next();
          if (n.done === true) {
            iters[i] = undefined as unknown as null;
            out[i] = null;
          } else {
            any = true;
            out[i] = n.value;
          }
        }
        if (!any) break;
        yield out;
        if (rt.shouldPause()) yield PAUSE;
      }
    }
  }
}

export class ValuesOp implements PhysNode {
  readonly name: string;
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[] = [];
  constructor(private readonly rows: readonly (readonly Fn[])[]) {
    this.name = rows.length === 1 && rows[0]!.length === 0 ? 'Result' : 'Values Scan';
  }

  *run(rt: Runtime): Rows {
    for (const fns of this.rows) {
      const out = new Array<Datum>(fns.length);
      for (let i = 0; i < fns.length; i++) out[i] = fns[i]!(NO_ROW, rt);
      yield out;
      if (rt.shouldPause()) yield PAUSE;
    }
  }
}

/** LIMIT / OFFSET values, PostgreSQL's checks: negative is an error, NULL is "none". */
export function limitValues(rt: Runtime, limit: Fn | null, offset: Fn | null): { limit: number; offset: number } {
  let l = Infinity;
  let o = 0;
  if (limit !== null) {
    const v = limit(NO_ROW, rt);
    if (v !== null) {
      l = Number(v);
      if (l < 0) throw new SqlError(SQLSTATE.invalid_row_count_in_limit_clause, 'LIMIT must not be negative');
    }
  }
  if (offset !== null) {
    const v = offset(NO_ROW, rt);
    if (v !== null) {
      o = Number(v);
      if (o < 0) throw new SqlError(SQLSTATE.invalid_row_count_in_result_offset_clause, 'OFFSET must not be negative');
    }
  }
  return { limit: l, offset: o };
}

export class LimitOp implements PhysNode {
  readonly name = 'Limit';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  constructor(
    readonly input: PhysNode,
    private readonly limit: Fn | null,
    private readonly offset: Fn | null,
  ) {
    this.children = [input];
  }

  *run(rt: Runtime): Rows {
    const { limit, offset } = limitValues(rt, this.limit, this.offset);
    if (limit === 0) return;
    let skipped = 0;
    let sent = 0;
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      if (skipped < offset) {
        skipped++;
        continue;
      }
      yield r;
      if (++sent >= limit) return;
    }
  }
}

/** Rows handed in at run time (a materialised CTE, a work table). */
export function* replay(rows: readonly Row[], rt: Runtime): Rows {
  for (let i = 0; i < rows.length; i++) {
    yield rows[i]!;
    if (rt.shouldPause()) yield PAUSE;
  }
}
