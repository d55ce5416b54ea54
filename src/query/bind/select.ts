/*
 * select.ts — one SELECT level (parse_select / transformSelectStmt): FROM, WHERE, the select list
 * (with * and t.*), GROUP BY / aggregates / HAVING (agg.ts), window functions, DISTINCT [ON],
 * ORDER BY (output name, ordinal or expression; non-output expressions as junk columns dropped by
 * a last Project), LIMIT / OFFSET; and the dispatch to VALUES, set operations and WITH (setop.ts).
 *
 * Plan shape: Filter(HAVING)?(Aggregate(Filter(WHERE)?(FROM))) → Window? → Project(targets ++ junk)
 * → Distinct? / Sort → Project(drop junk)? → Limit?. DISTINCT ON sorts first (its expressions lead
 * the ORDER BY, 42P10 otherwise), then keeps the first row of each group.
 */
import type { Node, ResTarget, SelectStmt, SortBy, WindowDef } from 'libpg-query';
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { LogicalPlan, OutColumn, SortKey } from '../logical/plan.js';
import { locationOf, stringList } from '../parse.js';
import { aboveAgg, aboveWindow, aggregateNode, bindGroupBy, checkUngrouped, targetByRef, windowAboveAgg, type GroupSpec, type Target } from './agg.js';
import type { Expr } from './bound.js';
import { callCollation, outputCollation, withCollation } from './collate.js';
import { coerceTo, coerceToBoolean, resolveUnknown } from './coerce.js';
import { columnRef, exprEqual, mapChildren, walkExpr } from './exprutil.js';
import { bindExpr } from './expr.js';
import { bindFrom } from './from.js';
import { figureColname } from './names.js';
import { expandStar } from './scope.js';
import { bindSetOpOrValues, bindWith } from './setop.js';
import { markSafe, markStatic } from './slots.js';
import { err, newLevel, type CteEntry, type Level, type StmtState } from './state.js';

export interface BoundSelect {
  readonly plan: LogicalPlan;
  /** Some expression inside referenced an enclosing level (a correlated subquery). */
  readonly correlated: boolean;
}

/** Binds a SELECT / VALUES / set operation as a query level under `parent`. */
export function bindSelect(st: StmtState, s: SelectStmt, parent: Level | null, ctes: ReadonlyMap<string, CteEntry>, keepUnknown = false): BoundSelect {
  if (s.intoClause !== undefined) throw notSupported('SELECT INTO');
  if ((s.lockingClause?.length ?? 0) > 0) throw notSupported('SELECT … FOR UPDATE/SHARE (memstore is read-only and takes no row locks)');
  const scope = new Map(ctes);
  const lv = newLevel(st, { items: [] }, parent, scope);
  if (s.withClause !== undefined) bindWith(lv, s.withClause);
  if ((s.op !== undefined && s.op !== 'SETOP_NONE') || s.valuesLists !== undefined) {
    const plan = bindSetOpOrValues(lv, s, keepUnknown);
    return { plan, correlated: lv.correlated };
  }
  const plan = bindPlainSelect(lv, s, keepUnknown);
  return { plan, correlated: lv.correlated };
}

function bindTargets(lv: Level, list: readonly Node[]): Target[] {
  const out: Target[] = [];
  for (const n of list) {
    const rt = (n as { ResTarget: ResTarget }).ResTarget;
    const val = rt.val!;
    const location = rt.location ?? locationOf(val);
    if ('ColumnRef' in val) {
      const f = stringList(val.ColumnRef.fields);
      if (f[f.length - 1] === '*') {
        const rel = f.length >= 2 ? f[f.length - 2]! : null;
        for (const c of expandStar(lv, rel, location)) out.push({ name: c.name, expr: c.expr, tableOid: c.tableOid, attnum: c.attnum, location });
        continue;
      }
    }
    const expr = bindExpr(lv, val);
    let tableOid = 0;
    let attnum = 0;
    if ('ColumnRef' in val && expr.kind === 'column' && expr.levelsUp === 0) {
      for (const it of lv.ns.items) for (const c of it.cols) if (c.expr.kind === 'column' && c.expr.index === expr.index && c.expr.levelsUp === 0 && c.tableOid !== 0) ({ tableOid, attnum } = c);
    }
    out.push({ name: rt.name ?? figureColname(val), expr, tableOid, attnum, location });
  }
  return out;
}

/** ORDER BY / DISTINCT ON item → target position: output name, ordinal, or an expression (appended as junk when new). */
function sortTarget(lv: Level, n: Node, targets: Target[], clause: 'ORDER BY' | 'DISTINCT ON', junkAllowed: boolean): number {
  const ord = targetByRef(lv, n, targets, clause);
  if (ord !== null) return ord;
  if ('ColumnRef' in n) {
    const f = n.ColumnRef.fields ?? [];
    if (f.length === 1 && 'String' in f[0]!) {
      const name = f[0].String.sval ?? '';
      let found = -1;
      targets.forEach((t, i) => {
        if (t.name !== name || i >= targets.length) return;
        if (found >= 0 && !exprEqual(targets[found]!.expr, t.expr)) throw err(lv.stmt, SQLSTATE.ambiguous_column, `${clause} "${name}" is ambiguous`, n.ColumnRef.location);
        if (found < 0) found = i;
      });
      if (found >= 0) return found;
    }
  }
  const prev = lv.kind;
  lv.kind = clause === 'ORDER BY' ? 'order' : 'distinct-on';
  let e: Expr;
  try {
    e = bindExpr(lv, n);
  } finally {
    lv.kind = prev;
  }
  const i = targets.findIndex((t) => exprEqual(t.expr, e));
  if (i >= 0) {
    markStatic(lv.stmt, e);
    markStatic(lv.stmt, targets[i]!.expr);
    return i;
  }
  if (!junkAllowed) throw err(lv.stmt, SQLSTATE.invalid_column_reference, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', locationOf(n));
  targets.push({ name: '?column?', expr: e.type === Oid.unknown ? resolveUnknown(lv.stmt, e, locationOf(n)) : e, tableOid: 0, attnum: 0, location: locationOf(n) });
  return targets.length - 1;
}

function sortKeyOf(s: SortBy, index: number, t: Target): SortKey {
  if (s.useOp !== undefined) throw notSupported('ORDER BY … USING');
  const desc = s.sortby_dir === 'SORTBY_DESC';
  const nullsFirst = s.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : s.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
  return { expr: columnRef(index, t.expr.type, t.expr.typmod, t.name, 0, outputCollation(t.expr)), desc, nullsFirst };
}

function outColumns(targets: readonly Target[]): OutColumn[] {
  return targets.map((t) => withCollation({ name: t.name, type: t.expr.type, typmod: t.expr.typmod, tableOid: t.tableOid, attnum: t.attnum }, outputCollation(t.expr)));
}

const isSrf = (e: Expr): boolean => e.kind === 'call' && e.def.set !== undefined;

function containsSrf(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (isSrf(x)) found = true;
  });
  return found;
}

/**
 * Set-returning calls that PostgreSQL evaluates below the select list, in a ProjectSet of their
 * own: in an aggregating query, those of GROUP BY (`SELECT unnest(tags) t, count(*) … GROUP BY
 * t`: rows are expanded, then grouped); without aggregation, all of them once one is nested in an
 * expression (`unnest(a) || '!'`), so that they still expand in lockstep. The ProjectSet passes
 * its input's columns through at the same positions and appends one column per distinct call; the
 * calls in the targets and GROUP BY become references to those columns. SRFs that stay top-level
 * in a plain select list, or that sit above aggregation (`unnest(array_agg(x))`), keep the final
 * projection's zipping.
 */
function srfsBelow(plan: LogicalPlan, targets: Target[], spec: GroupSpec | null, aggregating: boolean): LogicalPlan {
  let wanted: (e: Expr) => boolean;
  if (aggregating) {
    const grouped: Expr[] = [];
    for (const g of spec?.exprs ?? []) walkExpr(g, (x) => (isSrf(x) ? grouped.push(x) : undefined));
    if (grouped.length === 0) return plan;
    wanted = (e) => grouped.some((g) => exprEqual(g, e));
  } else {
    if (targets.every((t) => isSrf(t.expr) || !containsSrf(t.expr))) return plan;
    wanted = () => true;
  }
  const columns: OutColumn[] = [...plan.columns];
  const exprs: Expr[] = plan.columns.map((c, i) => columnRef(i, c.type, c.typmod, c.name, 0, c.collation));
  const srfs: number[] = [];
  const replace = (e: Expr): Expr => {
    if (isSrf(e) && wanted(e)) {
      if (e.kind === 'call' && e.args.some(containsSrf)) {
        throw notSupported('a set-returning function in the arguments of another');
      }
      let k = srfs.find((i) => exprEqual(exprs[i]!, e));
      if (k === undefined) {
        k = exprs.length;
        exprs.push(e);
        srfs.push(k);
        columns.push(withCollation({ name: '?column?', type: e.type, typmod: e.typmod, tableOid: 0, attnum: 0 }, outputCollation(e)));
      }
      return columnRef(k, e.type, e.typmod, '?column?', 0, outputCollation(e));
    }
    if (e.kind === 'subquery') return e;
    return mapChildren(e, replace);
  };
  for (const t of targets) t.expr = replace(t.expr);
  if (spec !== null) spec.exprs.forEach((g, i) => (spec.exprs[i] = replace(g)));
  return { kind: 'project', input: plan, exprs, columns, srfs };
}

function bindPlainSelect(lv: Level, s: SelectStmt, keepUnknown: boolean): LogicalPlan {
  const st = lv.stmt;
  const from = bindFrom(lv, s.fromClause ?? []);
  lv.ns.items.push(...from.items);
  let plan = from.plan;
  if (s.whereClause !== undefined) {
    lv.kind = 'where';
    const pred = coerceToBoolean(st, bindExpr(lv, s.whereClause), 'WHERE', locationOf(s.whereClause));
    plan = { kind: 'filter', input: plan, predicate: pred, columns: plan.columns };
  }
  for (const w of s.windowClause ?? []) {
    const wd = (w as { WindowDef: WindowDef }).WindowDef;
    if (lv.windowDefs.has(wd.name ?? '')) throw err(st, SQLSTATE.windowing_error, `window "${wd.name}" is already defined`, wd.location);
    lv.windowDefs.set(wd.name ?? '', wd);
  }
  lv.kind = 'select';
  const targets = bindTargets(lv, s.targetList ?? []);
  const nOut = targets.length;
  if (!keepUnknown) for (const t of targets) t.expr = resolveUnknown(st, t.expr, t.location);
  let spec: GroupSpec | null = null;
  if ((s.groupClause?.length ?? 0) > 0) spec = bindGroupBy(lv, s.groupClause!, targets, s.groupDistinct === true);
  let having: Expr | null = null;
  if (s.havingClause !== undefined) {
    lv.kind = 'having';
    having = coerceToBoolean(st, bindExpr(lv, s.havingClause), 'HAVING', locationOf(s.havingClause));
  }
  lv.kind = 'select';
  const distinct = s.distinctClause;
  const isDistinct = distinct !== undefined;
  const distinctOn = isDistinct && distinct.length > 0 && Object.keys(distinct[0]!).length > 0;
  const sortItems = (s.sortClause ?? []) as { SortBy: SortBy }[];
  const sortIdx = sortItems.map(({ SortBy: sb }) => sortTarget(lv, sb.node!, targets, 'ORDER BY', !isDistinct || distinctOn));
  const onIdx = distinctOn ? distinct.map((n) => sortTarget(lv, n, targets, 'DISTINCT ON', true)) : [];
  for (let i = nOut; i < targets.length; i++) targets[i]!.expr = resolveUnknown(st, targets[i]!.expr, targets[i]!.location);

  if (lv.hasSrf && lv.windows.length === 0) plan = srfsBelow(plan, targets, spec, spec !== null || lv.aggs.length > 0 || having !== null);
  // Aggregation.
  if (spec !== null || lv.aggs.length > 0 || having !== null) {
    const g: GroupSpec = spec ?? { exprs: [], sets: null };
    for (const t of targets) checkUngrouped(lv, g, t.expr, 'the select list');
    if (having !== null) checkUngrouped(lv, g, having, 'HAVING');
    plan = aggregateNode(lv, plan, g);
    for (const t of targets) t.expr = aboveAgg(lv, g, t.expr);
    if (having !== null) plan = { kind: 'filter', input: plan, predicate: aboveAgg(lv, g, having), columns: plan.columns };
    for (let k = 0; k < lv.windows.length; k++) lv.windows[k] = windowAboveAgg(lv, g, lv.windows[k]!);
  }
  if (lv.windows.length > 0) {
    const width = plan.columns.length;
    const cols = [...plan.columns, ...lv.windows.map((w, k) => withCollation({ name: `window${k + 1}`, type: w.resultType, typmod: -1, tableOid: 0, attnum: 0 }, callCollation(w.resultType, w.args)))];
    plan = { kind: 'window', input: plan, calls: lv.windows, columns: cols };
    for (const t of targets) t.expr = aboveWindow(lv, width, t.expr);
  }
  const srfs: number[] = [];
  targets.forEach((t, i) => {
    if (t.expr.kind === 'call' && t.expr.def.set !== undefined) srfs.push(i);
  });
  if (lv.hasSrf && targets.some((t) => !isSrf(t.expr) && containsSrf(t.expr))) throw notSupported('a set-returning function nested inside an expression');
  plan = { kind: 'project', input: plan, exprs: targets.map((t) => t.expr), columns: outColumns(targets), ...(srfs.length > 0 ? { srfs } : {}) };
  const keys = sortItems.map(({ SortBy: sb }, i) => sortKeyOf(sb, sortIdx[i]!, targets[sortIdx[i]!]!));
  if (distinctOn) {
    for (let i = 0; i < Math.min(onIdx.length, keys.length); i++) {
      if (!onIdx.includes(sortIdx[i]!)) throw err(st, SQLSTATE.invalid_column_reference, 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions', locationOf(distinct[i]));
    }
    if (keys.length < onIdx.length) {
      for (const i of onIdx) if (!sortIdx.includes(i)) keys.push({ expr: columnRef(i, targets[i]!.expr.type, targets[i]!.expr.typmod, targets[i]!.name, 0, outputCollation(targets[i]!.expr)), desc: false, nullsFirst: false });
    }
    plan = { kind: 'sort', input: plan, keys, columns: plan.columns };
    plan = { kind: 'distinct', input: plan, on: onIdx.map((i) => columnRef(i, targets[i]!.expr.type, targets[i]!.expr.typmod, targets[i]!.name, 0, outputCollation(targets[i]!.expr))), columns: plan.columns };
  } else {
    if (isDistinct) plan = { kind: 'distinct', input: plan, on: null, columns: plan.columns };
    if (keys.length > 0) plan = { kind: 'sort', input: plan, keys, columns: plan.columns };
  }
  if (targets.length > nOut) {
    const keep = targets.slice(0, nOut);
    plan = { kind: 'project', input: plan, exprs: keep.map((t, i) => columnRef(i, t.expr.type, t.expr.typmod, t.name, 0, outputCollation(t.expr))), columns: outColumns(keep) };
  }
  return bindLimit(lv, s, plan);
}

/** LIMIT / OFFSET / FETCH FIRST over plan (int8, no column references, 2201W / 2201X for negative constants). */
export function bindLimit(lv: Level, s: SelectStmt, plan: LogicalPlan): LogicalPlan {
  const st = lv.stmt;
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw notSupported('FETCH FIRST … WITH TIES');
  const one = (n: Node | undefined, what: 'LIMIT' | 'OFFSET'): Expr | null => {
    if (n === undefined) return null;
    const empty = newLevel(st, { items: [] }, lv.parent, lv.ctes);
    empty.kind = what === 'LIMIT' ? 'limit' : 'offset';
    let e: Expr;
    let raw: Expr;
    try {
      raw = bindExpr(empty, n);
      e = coerceTo(st, raw, Oid.int8, -1, 'i', locationOf(n), false);
      if (empty.correlated) lv.correlated = true;
    } catch (x) {
      if (x instanceof SqlError && x.sqlstate === SQLSTATE.undefined_column) {
        throw err(st, SQLSTATE.invalid_column_reference, `argument of ${what} must not contain variables`, locationOf(n));
      }
      throw x;
    }
    markSafe(st, e);
    if (raw.kind === 'const' && raw.slot === undefined && (typeof raw.value === 'number' || typeof raw.value === 'bigint' || raw.value === null)) {
      if (raw.value === null) return null;
      if (raw.value < 0) {
        if (what === 'LIMIT') throw err(st, SQLSTATE.invalid_row_count_in_limit_clause, 'LIMIT must not be negative');
        throw err(st, SQLSTATE.invalid_row_count_in_result_offset_clause, 'OFFSET must not be negative');
      }
    }
    return e;
  };
  const limit = one(s.limitCount, 'LIMIT');
  const offset = one(s.limitOffset, 'OFFSET');
  if (limit === null && offset === null) return plan;
  return { kind: 'limit', input: plan, limit, offset, columns: plan.columns };
}

export function keepOrder(keys: readonly SortKey[]): readonly SortKey[] {
  return keys;
}
