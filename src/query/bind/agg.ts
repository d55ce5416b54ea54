/*
 * agg.ts — GROUP BY and the expressions above an Aggregate (parse_agg.c parseCheckAggregates,
 * parse_clause.c transformGroupClause): group items by ordinal, output-column name (when no FROM
 * column has it) or expression; ROLLUP / CUBE / GROUPING SETS expanded into sets of positions;
 * then every select-list / HAVING / ORDER BY expression is rewritten to read the Aggregate's
 * output: a subtree equal to a GROUP BY item → its column, an aggregate placeholder → its column,
 * GROUPING() → a GroupingExpr, any other column of the level → 42803.
 *
 * A column of a table whose primary key is grouped is functionally dependent on it and allowed,
 * as PostgreSQL does: it is appended to the GROUP BY list (same groups).
 *
 * Correlated subqueries above the Aggregate have their references to this level rewritten the
 * same way (planwalk.ts); only plain grouped columns match there.
 *
 * Left out: GROUP BY DISTINCT.
 */
import type { Node } from 'libpg-query';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { AggCall, LogicalPlan, OutColumn, WindowCall } from '../logical/plan.js';
import { locationOf } from '../parse.js';
import type { ColumnExpr, Expr } from './bound.js';
import { callCollation, outputCollation, withCollation } from './collate.js';
import { columnRef, exprEqual, mapChildren, walkExpr } from './exprutil.js';
import { bindExpr } from './expr.js';
import { mapOuterPlan } from './planwalk.js';
import { markStatic } from './slots.js';
import { err, type Level } from './state.js';

export interface Target {
  name: string;
  expr: Expr;
  readonly tableOid: number;
  readonly attnum: number;
  readonly location: number;
}

export interface GroupSpec {
  readonly exprs: Expr[];
  readonly sets: number[][] | null;
}

function addExpr(lv: Level, spec: Expr[], e: Expr): number {
  const i = spec.findIndex((x) => exprEqual(x, e));
  if (i >= 0) {
    // Matched by value: the literals inside decided the plan's shape.
    if (spec[i] !== e) markStatic(lv.stmt, e);
    return i;
  }
  spec.push(e);
  return spec.length - 1;
}

/** A GROUP BY / ORDER BY item that is an ordinal or an output name, else null. */
export function targetByRef(lv: Level, n: Node, targets: readonly Target[], clause: 'GROUP BY' | 'ORDER BY' | 'DISTINCT ON'): number | null {
  if ('A_Const' in n && n.A_Const.ival !== undefined) {
    const k = n.A_Const.ival.ival ?? 0;
    if (k < 1 || k > targets.length) throw err(lv.stmt, SQLSTATE.invalid_column_reference, `${clause} position ${k} is not in select list`, n.A_Const.location);
    return k - 1;
  }
  return null;
}

function byName(lv: Level, n: Node, targets: readonly Target[], clause: string): number | null {
  if (!('ColumnRef' in n)) return null;
  const f = n.ColumnRef.fields ?? [];
  if (f.length !== 1 || !('String' in f[0]!)) return null;
  const name = f[0].String.sval ?? '';
  let found: number | null = null;
  targets.forEach((t, i) => {
    if (t.name !== name) return;
    if (found !== null && !exprEqual(targets[found]!.expr, t.expr)) throw err(lv.stmt, SQLSTATE.ambiguous_column, `${clause} "${name}" is ambiguous`, n.ColumnRef.location);
    found ??= i;
  });
  return found;
}

/** Binds one plain GROUP BY item: ordinal, FROM column (preferred), output name, expression. */
function groupItem(lv: Level, n: Node, targets: readonly Target[]): Expr {
  const ord = targetByRef(lv, n, targets, 'GROUP BY');
  if (ord !== null) return targets[ord]!.expr;
  try {
    return bindExpr(lv, n);
  } catch (e) {
    if (e instanceof SqlError && e.sqlstate === SQLSTATE.undefined_column) {
      const t = byName(lv, n, targets, 'GROUP BY');
      if (t !== null) return targets[t]!.expr;
    }
    throw e;
  }
}

function cross(a: number[][], b: number[][]): number[][] {
  const out: number[][] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

export function bindGroupBy(lv: Level, clause: readonly Node[], targets: readonly Target[], distinct: boolean): GroupSpec {
  if (distinct) throw notSupported('GROUP BY DISTINCT');
  const exprs: Expr[] = [];
  let sets: number[][] = [[]];
  let hasSets = false;
  const prev = lv.kind;
  lv.kind = 'group';
  try {
    const setsOf = (n: Node): number[][] => {
      if ('GroupingSet' in n) {
        hasSets = true;
        const g = n.GroupingSet;
        const content = g.content ?? [];
        switch (g.kind) {
          case 'GROUPING_SET_EMPTY': return [[]];
          case 'GROUPING_SET_SIMPLE': return [content.flatMap((c) => setsOf(c)[0]!)];
          case 'GROUPING_SET_ROLLUP': {
            const parts = content.map((c) => setsOf(c)[0]!);
            const out: number[][] = [];
            for (let k = parts.length; k >= 0; k--) out.push(parts.slice(0, k).flat());
            return out;
          }
          case 'GROUPING_SET_CUBE': {
            const parts = content.map((c) => setsOf(c)[0]!);
            const out: number[][] = [];
            for (let m = (1 << parts.length) - 1; m >= 0; m--) out.push(parts.filter((_, i) => (m & (1 << (parts.length - 1 - i))) !== 0).flat());
            return out;
          }
          case 'GROUPING_SET_SETS': return content.flatMap((c) => setsOf(c));
          case undefined:
          default: throw notSupported(`${g.kind}`);
        }
      }
      if ('RowExpr' in n) return [(n.RowExpr.args ?? []).map((a) => addExpr(lv, exprs, groupItem(lv, a, targets)))];
      return [[addExpr(lv, exprs, groupItem(lv, n, targets))]];
    };
    for (const n of clause) sets = cross(sets, setsOf(n));
  } finally {
    lv.kind = prev;
  }
  return { exprs, sets: hasSets ? sets.map((s) => [...new Set(s)]) : null };
}

/** The item / key info of a level-0 FROM column, for the primary-key dependency rule. */
function dependsOnGroupedKey(lv: Level, c: Expr, group: readonly Expr[]): boolean {
  if (c.kind !== 'column' || c.levelsUp !== 0) return false;
  for (const it of lv.ns.items) {
    if (it.keyCols === undefined || it.keyCols.length === 0) continue;
    if (!it.cols.some((x) => x.expr.kind === 'column' && x.expr.index === c.index && x.expr.levelsUp === 0)) continue;
    return it.keyCols.every((k) => group.some((g) => exprEqual(g, it.cols[k]!.expr)));
  }
  return false;
}

/**
 * Checks the expressions that will sit above the Aggregate, appending functionally dependent
 * columns to spec.exprs; 42803 for any other ungrouped column.
 */
export function checkUngrouped(lv: Level, spec: GroupSpec, e: Expr, _clause: string): void {
  const visit = (x: Expr): void => {
    if (lv.marks.has(x)) {
      const m = lv.marks.get(x)!;
      if (m.kind === 'grouping') for (const a of m.args) if (!spec.exprs.some((g) => exprEqual(g, a))) throw err(lv.stmt, SQLSTATE.grouping_error, 'arguments to GROUPING must be grouping expressions of the associated query level', m.location);
      return;
    }
    if (spec.exprs.some((g) => exprEqual(g, x))) return;
    if (x.kind === 'column' && x.levelsUp === 0) {
      if (spec.sets === null && dependsOnGroupedKey(lv, x, spec.exprs)) {
        spec.exprs.push(x);
        return;
      }
      const name = x.name.includes('.') ? x.name : x.name;
      throw err(lv.stmt, SQLSTATE.grouping_error, `column "${name}" must appear in the GROUP BY clause or be used in an aggregate function`, lv.stmt.locations.get(x));
    }
    if (x.kind === 'subquery' && x.correlated) {
      // Its references to this level must be grouped columns too (PostgreSQL: "subquery uses ungrouped column").
      mapOuterPlan(x.plan, 1, (c) => {
        const here = { ...c, levelsUp: 0 };
        if (spec.exprs.some((g) => exprEqual(g, here))) return c;
        if (spec.sets === null && dependsOnGroupedKey(lv, here, spec.exprs)) {
          spec.exprs.push(here);
          return c;
        }
        throw err(lv.stmt, SQLSTATE.grouping_error, `subquery uses ungrouped column "${c.name}" from outer query`, lv.stmt.locations.get(c));
      });
    }
    mapChildren(x, (c) => (visit(c), c));
  };
  visit(e);
}

/** Rewrites e (bound over the FROM row) to read the Aggregate's output row. */
export function aboveAgg(lv: Level, spec: GroupSpec, e: Expr): Expr {
  const G = spec.exprs.length;
  const A = lv.aggs.length;
  const rw = (x: Expr): Expr => {
    const m = lv.marks.get(x);
    if (m !== undefined) {
      if (m.kind === 'agg') return columnRef(G + m.k, x.type, -1, (x as ColumnExpr).name, 0, callCollation(x.type, lv.aggs[m.k]!.args));
      if (m.kind === 'grouping') {
        const refs = m.args.map((a) => spec.exprs.findIndex((g) => exprEqual(g, a)));
        return { kind: 'grouping', type: Oid.int4, typmod: -1, index: G + A, refs };
      }
      return x;
    }
    const i = spec.exprs.findIndex((g) => exprEqual(g, x));
    if (i >= 0 && spec.exprs[i] !== x) {
      markStatic(lv.stmt, x);
      markStatic(lv.stmt, spec.exprs[i]!);
    }
    if (i >= 0) return keepCollate(x, columnRef(i, x.type, x.typmod, x.kind === 'column' ? x.name : `group ${i + 1}`, 0, outputCollation(spec.exprs[i]!)));
    if (x.kind === 'subquery' && x.correlated) {
      const m = mapChildren(x, rw) as typeof x;
      const plan = mapOuterPlan(x.plan, 1, (c) => {
        const g = spec.exprs.findIndex((e) => exprEqual(e, { ...c, levelsUp: 0 }));
        return { ...c, index: g };
      });
      return { ...m, plan };
    }
    return mapChildren(x, rw);
  };
  return rw(e);
}

export function aggregateNode(lv: Level, input: LogicalPlan, spec: GroupSpec): LogicalPlan {
  const columns: OutColumn[] = spec.exprs.map((g, i) => withCollation({ name: g.kind === 'column' ? g.name : `group${i + 1}`, type: g.type, typmod: g.typmod, tableOid: 0, attnum: 0 }, outputCollation(g)));
  const aggs: AggCall[] = lv.aggs;
  for (const a of aggs) columns.push(withCollation({ name: a.def.name, type: a.resultType, typmod: -1, tableOid: 0, attnum: 0 }, callCollation(a.resultType, a.args)));
  if (spec.sets !== null) columns.push({ name: 'grouping', type: Oid.int4, typmod: -1, tableOid: 0, attnum: 0 });
  return { kind: 'aggregate', input, groupBy: spec.exprs, groupingSets: spec.sets, aggs, columns };
}

/** Rewrites a window call's expressions to read the Aggregate's output. */
export function windowAboveAgg(lv: Level, spec: GroupSpec, w: WindowCall): WindowCall {
  const f = (e: Expr): Expr => aboveAgg(lv, spec, e);
  for (const e of [...w.args, ...w.partitionBy, ...w.orderBy.map((k) => k.expr), ...(w.filter === null ? [] : [w.filter])]) checkUngrouped(lv, spec, e, 'a window definition');
  return {
    ...w, args: w.args.map(f), partitionBy: w.partitionBy.map(f), filter: w.filter === null ? null : f(w.filter),
    orderBy: w.orderBy.map((k) => ({ ...k, expr: f(k.expr) })),
    frame: w.frame,
  };
}

/** Replaces window placeholders by the Window node's output columns (after `width` input columns). */
export function aboveWindow(lv: Level, width: number, e: Expr): Expr {
  const rw = (x: Expr): Expr => {
    const m = lv.marks.get(x);
    if (m?.kind === 'window') return columnRef(width + m.k, x.type, -1, (x as ColumnExpr).name, 0, callCollation(x.type, lv.windows[m.k]!.args));
    return mapChildren(x, rw);
  };
  return rw(e);
}

export function hasMarks(lv: Level, e: Expr, kind: 'agg' | 'window'): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (lv.marks.get(x)?.kind === kind) found = true;
  });
  return found;
}

export { locationOf };

/** A column reference standing for x keeps x's explicit COLLATE (it is x, computed below). */
function keepCollate(x: Expr, c: ColumnExpr): Expr {
  return x.collate === undefined ? c : { ...c, collate: x.collate };
}
