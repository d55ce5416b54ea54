/*
 * setop.ts — VALUES lists, UNION / INTERSECT / EXCEPT [ALL] trees with type unification
 * (select_common_type per column, leaves coerced by a Project), their ORDER BY (output columns
 * only, as PostgreSQL) and LIMIT, and WITH [RECURSIVE] (parse_cte.c): each CTE bound once with
 * one id, WITH RECURSIVE as RecursiveUnion over a WorkTable.
 */
import type { CommonTableExpr, Node, SelectStmt, SortBy, WithClause } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { LogicalPlan, OutColumn, SortKey } from '../logical/plan.js';
import { locationOf, stringList } from '../parse.js';
import type { Expr } from './bound.js';
import { callCollation, collationOf, columnStrength, setOpCollation, withCollation, type Derived } from './collate.js';
import { coerceToCommon, commonTypmod, selectCommonType } from './coerce.js';
import { columnRef, typeSqlName } from './exprutil.js';
import { bindExpr } from './expr.js';
import { bindLimit, bindSelect } from './select.js';
import { err, newLevel, type CteEntry, type Level } from './state.js';

function isSetOp(s: SelectStmt): boolean {
  return s.op !== undefined && s.op !== 'SETOP_NONE';
}

/** Coerces column i..n of a leaf plan to `types` with a Project (literals converted in place). */
function coerceLeaf(lv: Level, plan: LogicalPlan, types: readonly number[], typmods: readonly number[], what: string): LogicalPlan {
  if (plan.columns.every((c, i) => c.type === types[i] && (typmods[i]! < 0 || c.typmod === typmods[i]))) return plan;
  if (plan.kind === 'project' && plan.srfs === undefined) {
    const exprs = plan.exprs.map((e, i) => coerceToCommon(lv.stmt, e, types[i]!, what, -1));
    return { ...plan, exprs, columns: plan.columns.map((c, i) => ({ ...c, type: types[i]!, typmod: exprs[i]!.typmod })) };
  }
  if (plan.kind === 'values') {
    const rows = plan.rows.map((r) => r.map((e, i) => coerceToCommon(lv.stmt, e, types[i]!, what, -1)));
    return { ...plan, rows, columns: plan.columns.map((c, i) => ({ ...c, type: types[i]!, typmod: -1 })) };
  }
  const exprs = plan.columns.map((c, i) => coerceToCommon(lv.stmt, columnRef(i, c.type, c.typmod, c.name, 0, c.collation), types[i]!, what, -1));
  return { kind: 'project', input: plan, exprs, columns: plan.columns.map((c, i) => ({ ...c, type: types[i]!, typmod: exprs[i]!.typmod })) };
}

function bindValues(lv: Level, s: SelectStmt, keepUnknown: boolean): LogicalPlan {
  const st = lv.stmt;
  const rowsRaw = (s.valuesLists ?? []).map((r) => (r as { List: { items: Node[] } }).List.items ?? []);
  const width = rowsRaw[0]?.length ?? 0;
  lv.kind = 'values';
  const rows = rowsRaw.map((r) => {
    if (r.length !== width) throw err(st, SQLSTATE.syntax_error, 'VALUES lists must all be the same length', locationOf(r[0]));
    return r.map((n) => bindExpr(lv, n));
  });
  const columns: OutColumn[] = [];
  const out: Expr[][] = rows.map(() => []);
  for (let c = 0; c < width; c++) {
    const col = rows.map((r) => r[c]!);
    let t = selectCommonType(st, col.map((e) => e.type), rowsRaw.map((r) => locationOf(r[c])), 'VALUES');
    if (keepUnknown && col.every((e) => e.type === Oid.unknown)) t = Oid.unknown;
    const tm = commonTypmod(col, t);
    col.forEach((e, i) => out[i]!.push(t === Oid.unknown ? e : coerceToCommon(st, e, t, 'VALUES', locationOf(rowsRaw[i]![c]))));
    columns.push(withCollation({ name: `column${c + 1}`, type: t, typmod: tm, tableOid: 0, attnum: 0 }, callCollation(t, out.map((r) => r[c]!))));
  }
  return { kind: 'values', rows: out, columns };
}

/** Parse location of output column i of a (leftmost) leaf, for error positions. */
function targetLocation(s: SelectStmt, i = 0): number {
  let q = s;
  while (isSetOp(q) && q.larg !== undefined) q = q.larg;
  const t = q.targetList?.[i];
  if (t === undefined || !('ResTarget' in t)) return -1;
  return locationOf(t.ResTarget.val);
}

function bindSetTree(lv: Level, s: SelectStmt, top: boolean): LogicalPlan {
  const leafLike = !isSetOp(s) || (!top && ((s.sortClause?.length ?? 0) > 0 || s.limitCount !== undefined || s.limitOffset !== undefined || s.withClause !== undefined));
  if (leafLike) return bindSelect(lv.stmt, s, lv.parent, lv.ctes, true).plan;
  const op = s.op === 'SETOP_UNION' ? 'union' : s.op === 'SETOP_INTERSECT' ? 'intersect' : 'except';
  const what = op.toUpperCase();
  const left = bindSetTree(lv, s.larg!, false);
  const right = bindSetTree(lv, s.rarg!, false);
  if (left.columns.length !== right.columns.length) {
    const longer = left.columns.length > right.columns.length ? s.larg! : s.rarg!;
    throw err(lv.stmt, SQLSTATE.syntax_error, `each ${what} query must have the same number of columns`, targetLocation(longer));
  }
  const types = left.columns.map((c, i) => selectCommonType(lv.stmt, [c.type, right.columns[i]!.type], [targetLocation(s.larg!, i), targetLocation(s.rarg!, i)], what));
  const typmods = left.columns.map((c, i) => (c.type === types[i] && right.columns[i]!.type === types[i] && c.typmod === right.columns[i]!.typmod ? c.typmod : -1));
  const l = coerceLeaf(lv, left, types, typmods, what);
  const r = coerceLeaf(lv, right, types, typmods, what);
  const noneOk = op === 'union' && s.all === true;
  const columns = l.columns.map((c, i) => {
    let coll: number | undefined;
    try {
      coll = setOpCollation(types[i]!, leafCollation(left, i), leafCollation(right, i), noneOk);
    } catch (e) {
      if (e instanceof SqlError) throw err(lv.stmt, e.sqlstate, e.message, targetLocation(s.rarg!, i), { hint: e.hint });
      throw e;
    }
    return withCollation({ name: c.name, type: types[i]!, typmod: typmods[i]!, tableOid: 0, attnum: 0 }, coll);
  });
  return { kind: 'setop', op, all: s.all === true, left: l, right: r, columns };
}

/** The collation and its strength of a set operation input's column i: a COLLATE in its select list is explicit. */
function leafCollation(p: LogicalPlan, i: number): Derived {
  if (p.kind === 'sort' || p.kind === 'limit' || p.kind === 'distinct') return leafCollation(p.input, i);
  if (p.kind === 'project' && (p.srfs === undefined || p.srfs.length === 0)) return collationOf(p.exprs[i]!);
  const c = p.columns[i]!;
  return columnStrength(c.type, c.collation);
}

/** ORDER BY over a VALUES / set-operation result: output names or ordinals only. */
function outputSort(lv: Level, plan: LogicalPlan, items: readonly { SortBy: SortBy }[]): LogicalPlan {
  if (items.length === 0) return plan;
  const st = lv.stmt;
  const cols = plan.columns;
  const keys: SortKey[] = items.map(({ SortBy: sb }) => {
    const n = sb.node!;
    let idx = -1;
    if ('A_Const' in n && n.A_Const.ival !== undefined) {
      const k = n.A_Const.ival.ival ?? 0;
      if (k < 1 || k > cols.length) throw err(st, SQLSTATE.invalid_column_reference, `ORDER BY position ${k} is not in select list`, n.A_Const.location);
      idx = k - 1;
    } else if ('ColumnRef' in n) {
      const f = stringList(n.ColumnRef.fields);
      if (f.length === 1) idx = cols.findIndex((c) => c.name === f[0]);
      if (idx < 0) throw err(st, SQLSTATE.undefined_column, `column "${f.join('.')}" does not exist`, n.ColumnRef.location);
    } else {
      throw err(st, SQLSTATE.feature_not_supported, 'invalid UNION/INTERSECT/EXCEPT ORDER BY clause', locationOf(n), { detail: 'Only result column names can be used, not expressions or functions.', hint: 'Add the expression/function to every SELECT, or move the UNION into a FROM clause.' });
    }
    const c = cols[idx]!;
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
    return { expr: columnRef(idx, c.type, c.typmod, c.name, 0, c.collation), desc, nullsFirst };
  });
  return { kind: 'sort', input: plan, keys, columns: plan.columns };
}

export function bindSetOpOrValues(lv: Level, s: SelectStmt, keepUnknown: boolean): LogicalPlan {
  let plan = s.valuesLists !== undefined ? bindValues(lv, s, keepUnknown) : bindSetTree(lv, s, true);
  if (!keepUnknown && plan.columns.some((c) => c.type === Oid.unknown)) {
    plan = coerceLeaf(lv, plan, plan.columns.map((c) => (c.type === Oid.unknown ? Oid.text : c.type)), plan.columns.map((c) => c.typmod), 'VALUES');
  }
  plan = outputSort(lv, plan, (s.sortClause ?? []) as { SortBy: SortBy }[]);
  return bindLimit(lv, s, plan);
}

export function bindWith(lv: Level, w: WithClause): void {
  const st = lv.stmt;
  const seen = new Set<string>();
  for (const n of w.ctes ?? []) {
    const c = (n as { CommonTableExpr: CommonTableExpr }).CommonTableExpr;
    const name = c.ctename ?? '';
    if (seen.has(name)) throw err(st, SQLSTATE.duplicate_alias, `WITH query name "${name}" specified more than once`, c.location);
    seen.add(name);
    const q = c.ctequery!;
    if (!('SelectStmt' in q)) throw notSupported('data-modifying statements in WITH (memstore is read-only)', { sql: st.sql, location: c.location });
    if (c.search_clause !== undefined || c.cycle_clause !== undefined) throw notSupported('SEARCH / CYCLE clauses of WITH RECURSIVE', { sql: st.sql, location: c.location });
    const colNames = stringList(c.aliascolnames);
    const entry: CteEntry = { name, id: st.nextCteId++, plan: null, colNames: colNames.length > 0 ? colNames : null, materialized: c.ctematerialized === 'CTEMaterializeAlways', recursive: null };
    const sel = q.SelectStmt;
    let plan: LogicalPlan;
    if (w.recursive === true && isSetOp(sel) && sel.op === 'SETOP_UNION' && (sel.sortClause?.length ?? 0) === 0) {
      lv.ctes.set(name, entry);
      const cteLevel = newLevel(st, { items: [] }, lv.parent, lv.ctes);
      const nonRec = bindSelect(st, sel.larg!, lv.parent, lv.ctes).plan;
      const renamedCols = nonRec.columns.map((col, i) => ({ ...col, name: entry.colNames?.[i] ?? col.name, tableOid: 0, attnum: 0 }));
      entry.recursive = { columns: renamedCols, used: false };
      const rec = bindSelect(st, sel.rarg!, lv.parent, lv.ctes, true).plan;
      const used = entry.recursive.used;
      entry.recursive = null;
      if (rec.columns.length !== nonRec.columns.length) throw err(st, SQLSTATE.syntax_error, 'each UNION query must have the same number of columns', c.location);
      const types = nonRec.columns.map((col, i) => selectCommonType(st, [col.type, rec.columns[i]!.type], [-1, -1], 'UNION'));
      types.forEach((t, i) => {
        if (t !== nonRec.columns[i]!.type) {
          throw err(st, SQLSTATE.datatype_mismatch, `recursive query "${name}" column ${i + 1} has type ${typeSqlName(nonRec.columns[i]!.type)} in non-recursive term but type ${typeSqlName(t)} overall`, locationOf(sel.larg?.targetList?.[i]), { hint: 'Cast the output of the non-recursive term to the correct type.' });
        }
      });
      const r = coerceLeaf(cteLevel, rec, types, nonRec.columns.map(() => -1), 'UNION');
      plan = used
        ? { kind: 'recursiveunion', id: entry.id, all: sel.all === true, nonRecursive: nonRec, recursive: r, columns: renamedCols }
        : { kind: 'setop', op: 'union', all: sel.all === true, left: nonRec, right: r, columns: renamedCols };
    } else {
      plan = bindSelect(st, sel, lv.parent, lv.ctes).plan;
    }
    if (entry.colNames !== null) {
      if (entry.colNames.length > plan.columns.length) throw err(st, SQLSTATE.invalid_column_reference, `WITH query "${name}" has ${plan.columns.length} columns available but ${entry.colNames.length} columns specified`, c.location);
      plan = { ...plan, columns: plan.columns.map((col, i) => ({ ...col, name: entry.colNames![i] ?? col.name })) };
    }
    entry.plan = plan;
    lv.ctes.set(name, entry);
  }
}


