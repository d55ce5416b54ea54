/*
 * from.ts — the FROM clause (parse_clause.c transformFromClause): tables through the BindCatalog
 * and search_path, WITH references, subqueries (LATERAL), functions in FROM (SRFs, WITH
 * ORDINALITY, column aliases; implicitly lateral as in PostgreSQL), joins of every kind with ON,
 * USING and NATURAL (merged columns: left's for INNER/LEFT, right's for RIGHT, COALESCE for FULL),
 * comma lists as cross joins. Produces the level's FROM plan and its namespace items.
 *
 * Invariants: items' column exprs index the returned plan's row; a join's children stay reachable
 * by qualified name (not when the join has an alias) and their columns unqualified only through
 * the join's item.
 *
 * Left out: ROWS FROM with several functions, multi-argument unnest, TABLESAMPLE, a LATERAL item
 * referencing FROM items other than its join's left input (42P01 then; XXX).
 */
import type { Alias, JoinExpr, Node, RangeFunction, RangeSubselect, RangeVar, SelectStmt } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { JoinKind, LogicalPlan, OutColumn } from '../logical/plan.js';
import { locationOf, stringList } from '../parse.js';
import type { Expr } from './bound.js';
import { bindOperator } from './call.js';
import { collationOf, withCollation } from './collate.js';
import { coerceToBoolean, coerceToCommon, selectCommonType } from './coerce.js';
import { columnRef, mapChildren, walkExpr } from './exprutil.js';
import { bindExpr } from './expr.js';
import type { NsItem, ScopeColumn } from './scope.js';
import { shiftLevels } from './scope.js';
import { bindSelect } from './select.js';
import { err, newLevel, type Level } from './state.js';

export interface FromResult {
  readonly plan: LogicalPlan;
  readonly items: NsItem[];
}

const EMPTY_ROW: LogicalPlan = { kind: 'values', rows: [[]], columns: [] };

/** Shifts the row positions of level-0 column references by n (a right join input moved after the left). */
function offsetCols(e: Expr, n: number): Expr {
  if (n === 0) return e;
  if (e.kind === 'column') return e.levelsUp === 0 ? { ...e, index: e.index + n } : e;
  return mapChildren(e, (c) => offsetCols(c, n));
}

function aliasNames(st: Level['stmt'], alias: Alias | undefined, names: readonly string[], what: string, location: number): string[] {
  const cn = stringList(alias?.colnames);
  if (cn.length > names.length) {
    throw err(st, SQLSTATE.invalid_column_reference, `table "${alias?.aliasname ?? what}" has ${names.length} columns available but ${cn.length} columns specified`, location);
  }
  return names.map((n, i) => cn[i] ?? n);
}

function itemFor(refName: string | null, plan: LogicalPlan, names: readonly string[]): NsItem {
  const cols: ScopeColumn[] = plan.columns.map((c, i) => ({ name: names[i]!, expr: columnRef(i, c.type, c.typmod, `${refName ?? ''}${refName === null ? '' : '.'}${names[i]!}`, 0, c.collation), tableOid: c.tableOid, attnum: c.attnum }));
  return { refName, relVisible: refName !== null, colsVisible: true, cols };
}

function renamed(cols: readonly OutColumn[], names: readonly string[]): OutColumn[] {
  return cols.map((c, i) => ({ ...c, name: names[i]! }));
}

/** Binds the FROM list: comma items become cross joins (lateral when the right side refers left). */
export function bindFrom(lv: Level, from: readonly Node[]): FromResult {
  if (from.length === 0) return { plan: EMPTY_ROW, items: [] };
  let acc: FromResult | null = null;
  for (const n of from) {
    const r: { res: FromResult; lateral: boolean } = bindItem(lv, n, acc);
    if (acc === null) acc = { plan: r.res.plan, items: r.res.items };
    else {
      checkConflicts(lv, acc.items, r.res.items);
      const width: number = acc.plan.columns.length;
      const plan: LogicalPlan = { kind: 'join', join: 'inner', left: acc.plan, right: r.res.plan, on: null, lateral: r.lateral, columns: [...acc.plan.columns, ...r.res.plan.columns] };
      acc = { plan, items: [...acc.items, ...r.res.items.map((it) => shiftItem(it, width))] };
    }
  }
  return acc!;
}

/** 42712 when two visible items at one level have the same name (checkNameSpaceConflicts). */
function checkConflicts(lv: Level, a: readonly NsItem[], b: readonly NsItem[]): void {
  for (const x of b) {
    if (!x.relVisible || x.refName === null) continue;
    if (a.some((y) => y.relVisible && y.refName === x.refName)) throw err(lv.stmt, SQLSTATE.duplicate_alias, `table name "${x.refName}" specified more than once`);
  }
}

function shiftItem(it: NsItem, n: number): NsItem {
  return { ...it, cols: it.cols.map((c) => ({ ...c, expr: offsetCols(c.expr, n) })) };
}

/** A level whose namespace is the left input of a lateral join (levelsUp 1 from the right side). */
function lateralLevel(lv: Level, left: FromResult | null): Level {
  const l = newLevel(lv.stmt, { items: left === null ? [] : left.items }, lv.parent, lv.ctes);
  return l;
}

function bindItem(lv: Level, n: Node, left: FromResult | null): { res: FromResult; lateral: boolean } {
  if ('RangeVar' in n) return { res: bindRangeVar(lv, n.RangeVar), lateral: false };
  if ('RangeSubselect' in n) return bindRangeSubselect(lv, n.RangeSubselect, left);
  if ('RangeFunction' in n) return bindRangeFunction(lv, n.RangeFunction, left);
  if ('JoinExpr' in n) return { res: bindJoin(lv, n.JoinExpr, left), lateral: false };
  throw notSupported(`${Object.keys(n)[0]} in FROM`, { sql: lv.stmt.sql, location: locationOf(n) });
}

function bindRangeVar(lv: Level, rv: RangeVar): FromResult {
  const st = lv.stmt;
  const name = rv.relname ?? '';
  const location = rv.location ?? -1;
  const refName = rv.alias?.aliasname ?? name;
  if (rv.schemaname === undefined) {
    const cte = lv.ctes.get(name);
    if (cte !== undefined) {
      let plan: LogicalPlan;
      if (cte.recursive !== null) {
        cte.recursive.used = true;
        plan = { kind: 'worktable', id: cte.id, columns: cte.recursive.columns };
      } else if (cte.plan === null) {
        throw err(st, SQLSTATE.invalid_recursion, `recursive reference to query "${name}" must not appear within its non-recursive term`, location);
      } else plan = { kind: 'cte', id: cte.id, name, plan: cte.plan, columns: cte.plan.columns, ...(cte.materialized ? { materialized: true } : {}) };
      const names = aliasNames(st, rv.alias, plan.columns.map((c) => c.name), name, location);
      plan = { ...plan, columns: renamed(plan.columns, names) };
      return { plan, items: [{ ...itemFor(refName, plan, names), relName: name }] };
    }
  }
  const t = st.catalog.table(rv.schemaname ?? null, name);
  if (t === undefined) {
    const shown = rv.schemaname === undefined ? name : `${rv.schemaname}.${name}`;
    throw err(st, SQLSTATE.undefined_table, `relation "${shown}" does not exist`, location);
  }
  st.tables.add(t.oid);
  const sorted = [...t.columns].sort((a, b) => a.attnum - b.attnum);
  const names = aliasNames(st, rv.alias, sorted.map((c) => c.name), name, location);
  const columns: OutColumn[] = sorted.map((c, i) => withCollation({ name: names[i]!, type: c.type, typmod: c.typmod, tableOid: t.oid, attnum: c.attnum }, c.collation));
  const plan: LogicalPlan = {
    kind: 'scan', tableOid: t.oid, schema: t.schema, table: t.name, refName, columns,
    keyColumns: t.keyColumns.map((k) => sorted.indexOf(t.columns[k]!)),
  };
  return { plan, items: [{ ...itemFor(refName, plan, names), keyCols: plan.keyColumns, relName: name }] };
}

function bindRangeSubselect(lv: Level, rs: RangeSubselect, left: FromResult | null): { res: FromResult; lateral: boolean } {
  const st = lv.stmt;
  const lateral = rs.lateral === true;
  const parent = lateral ? lateralLevel(lv, left) : lv.parent;
  const sel = (rs.subquery as { SelectStmt: SelectStmt }).SelectStmt;
  const { plan, correlated } = bindSelect(st, sel, parent, lv.ctes);
  // A reference past this level's FROM makes the level itself correlated.
  if (lateral ? parent!.correlated : correlated) lv.correlated = true;
  const refName = rs.alias?.aliasname ?? null;
  const names = aliasNames(st, rs.alias, plan.columns.map((c) => c.name), 'unnamed_subquery', locationOf(rs.subquery));
  const p = { ...plan, columns: renamed(plan.columns, names) } as LogicalPlan;
  return { res: { plan: p, items: [itemFor(refName, p, names)] }, lateral };
}

function bindRangeFunction(lv: Level, rf: RangeFunction, left: FromResult | null): { res: FromResult; lateral: boolean } {
  const st = lv.stmt;
  const fns = rf.functions ?? [];
  if (fns.length !== 1 || rf.is_rowsfrom === true) throw notSupported('ROWS FROM with several functions');
  const items = (fns[0] as { List: { items: Node[] } }).List.items;
  const fnode = items[0]!;
  if (items[1] !== undefined && Object.keys(items[1]).length > 0) throw notSupported('a column definition list for a function in FROM', { sql: st.sql, location: locationOf(fnode) });
  const location = locationOf(fnode);
  if ((rf.coldeflist?.length ?? 0) > 0) throw notSupported('a column definition list for a function in FROM', { sql: st.sql, location });
  if ('FuncCall' in fnode && stringList(fnode.FuncCall.funcname).at(-1) === 'unnest' && (fnode.FuncCall.args?.length ?? 0) > 1) {
    throw notSupported('unnest with several arguments in FROM', { sql: st.sql, location });
  }
  // Arguments see the preceding FROM items one level up (functions in FROM are implicitly LATERAL).
  const outer = lateralLevel(lv, left);
  const argLevel = newLevel(st, { items: [] }, outer, lv.ctes);
  argLevel.kind = 'from';
  const call = bindExpr(argLevel, fnode);
  if (outer.correlated) lv.correlated = true;
  if (call.kind !== 'call') throw notSupported('this expression in FROM', { sql: st.sql, location });
  let lateral = false;
  for (const a of call.args) walkExpr(a, (e) => {
    if (e.kind === 'column' && e.levelsUp === 1) lateral = true;
  });
  const args = lateral ? call.args : call.args.map((a) => shiftLevels(a, -1, 2));
  const def = call.def;
  // A schema-qualified function (memstore.list) is named by its own name, as in PostgreSQL.
  const fname = def.name.slice(def.name.lastIndexOf('.') + 1);
  if (fname === 'unnest' && args.length > 1) throw notSupported('unnest with several arguments in FROM', { sql: st.sql, location });
  const alias = rf.alias;
  let cols: OutColumn[];
  if (def.setColumns !== undefined) cols = def.setColumns.map((c) => ({ name: c.name, type: c.type, typmod: -1, tableOid: 0, attnum: 0 }));
  else cols = [withCollation({ name: OUT_NAMES[fname] ?? alias?.aliasname ?? fname, type: call.type, typmod: -1, tableOid: 0, attnum: 0 }, collationOf(call).coll)];
  if (rf.ordinality === true) cols.push({ name: 'ordinality', type: Oid.int8, typmod: -1, tableOid: 0, attnum: 0 });
  const names = aliasNames(st, alias, cols.map((c) => c.name), fname, location);
  const plan: LogicalPlan = { kind: 'function', def, args, argTypes: call.argTypes, ordinality: rf.ordinality === true, columns: renamed(cols, names) };
  return { res: { plan, items: [itemFor(alias?.aliasname ?? fname, plan, names)] }, lateral };
}

/** Set-returning functions whose single result column is a named OUT parameter (pg_proc.proargnames). */
const OUT_NAMES: Readonly<Record<string, string>> = {
  jsonb_array_elements: 'value', jsonb_array_elements_text: 'value', json_array_elements: 'value', json_array_elements_text: 'value',
};

const JOIN_KIND: Record<string, JoinKind> = { JOIN_INNER: 'inner', JOIN_LEFT: 'left', JOIN_RIGHT: 'right', JOIN_FULL: 'full' };

function visibleCols(items: readonly NsItem[]): ScopeColumn[] {
  const out: ScopeColumn[] = [];
  for (const it of items) if (it.colsVisible) out.push(...it.cols);
  return out;
}

function bindJoin(lv: Level, j: JoinExpr, before: FromResult | null): FromResult {
  const st = lv.stmt;
  const kind = JOIN_KIND[j.jointype ?? 'JOIN_INNER'];
  if (kind === undefined) throw notSupported(`${j.jointype}`);
  void before;
  const lres = bindItem(lv, j.larg!, null).res;
  const r = bindItem(lv, j.rarg!, lres);
  if (r.lateral && (kind === 'right' || kind === 'full')) throw err(st, SQLSTATE.invalid_column_reference, `invalid reference to FROM-clause entry for table`, locationOf(j.rarg), { detail: 'The combining JOIN type must be INNER or LEFT for a LATERAL reference.' });
  checkConflicts(lv, lres.items, r.res.items);
  const width = lres.plan.columns.length;
  const rItems = r.res.items.map((it) => shiftItem(it, width));
  const lCols = visibleCols(lres.items);
  const rCols = visibleCols(rItems);
  let usingNames = stringList(j.usingClause);
  if (j.isNatural === true) {
    const rn = new Set(rCols.map((c) => c.name));
    usingNames = [...new Set(lCols.map((c) => c.name).filter((n) => rn.has(n)))];
  }
  const merged: ScopeColumn[] = [];
  const conds: Expr[] = [];
  const usedL = new Set<ScopeColumn>();
  const usedR = new Set<ScopeColumn>();
  const location = locationOf(j.larg);
  for (const name of usingNames) {
    const pick = (cols: ScopeColumn[], side: string): ScopeColumn => {
      const m = cols.filter((c) => c.name === name);
      if (m.length === 0) throw err(st, SQLSTATE.undefined_column, `column "${name}" specified in USING clause does not exist in ${side} table`);
      if (m.length > 1) throw err(st, SQLSTATE.ambiguous_column, `common column name "${name}" appears more than once in ${side} table`, location);
      return m[0]!;
    };
    const lc = pick(lCols, 'left');
    const rc = pick(rCols, 'right');
    usedL.add(lc);
    usedR.add(rc);
    const t = selectCommonType(st, [lc.expr.type, rc.expr.type], [location, location], 'JOIN/USING');
    const le = coerceToCommon(st, lc.expr, t, 'JOIN/USING', location);
    const re = coerceToCommon(st, rc.expr, t, 'JOIN/USING', location);
    conds.push(bindOperator(st, '=', le, re, location));
    const expr: Expr = kind === 'full' ? { kind: 'coalesce', type: t, typmod: -1, args: [le, re] } : kind === 'right' ? re : le;
    merged.push({ name, expr, tableOid: kind === 'full' ? 0 : (kind === 'right' ? rc : lc).tableOid, attnum: kind === 'full' ? 0 : (kind === 'right' ? rc : lc).attnum });
  }
  let on: Expr | null = null;
  if (j.quals !== undefined) {
    const ql = newLevel(st, { items: [...lres.items, ...rItems] }, lv.parent, lv.ctes);
    ql.kind = 'join';
    on = coerceToBoolean(st, bindExpr(ql, j.quals), 'JOIN/ON', locationOf(j.quals));
    if (ql.correlated) lv.correlated = true;
  } else if (conds.length > 0) on = conds.length === 1 ? conds[0]! : { kind: 'and', type: Oid.bool, typmod: -1, args: conds };
  const res = joinOf(lres, { plan: r.res.plan, items: rItems }, kind, on, r.lateral, true);
  const aliasName = j.alias?.aliasname ?? null;
  const cols = [...merged, ...lCols.filter((c) => !usedL.has(c)), ...rCols.filter((c) => !usedR.has(c))];
  const names = aliasNames(st, j.alias, cols.map((c) => c.name), 'unnamed_join', location);
  const children = res.items.map((it) => ({ ...it, colsVisible: false, relVisible: aliasName === null && it.relVisible }));
  const joinItem: NsItem = { refName: aliasName, relVisible: aliasName !== null, colsVisible: true, cols: cols.map((c, i) => ({ ...c, name: names[i]! })) };
  return { plan: res.plan, items: [...children, joinItem] };
}

/** left ⋈ right; right's items are already shifted when `shifted`. */
function joinOf(left: FromResult, right: FromResult, join: JoinKind, on: Expr | null, lateral: boolean, shifted = false): FromResult {
  const width = left.plan.columns.length;
  const plan: LogicalPlan = { kind: 'join', join, left: left.plan, right: right.plan, on, lateral, columns: [...left.plan.columns, ...right.plan.columns] };
  return { plan, items: [...left.items, ...(shifted ? right.items : right.items.map((it) => shiftItem(it, width)))] };
}
