/*
 * scope.ts — the FROM namespace of a query level (PostgreSQL's ParseNamespaceItem list) and
 * column-reference resolution: unqualified and qualified names, merged USING / NATURAL columns,
 * outer query levels for correlated subqueries, ambiguity and the not-found errors with
 * PostgreSQL's messages and positions.
 *
 * Invariants: a ScopeColumn's expr is bound against its level's FROM row (levelsUp 0); resolving
 * it from d levels below shifts every column reference inside it by d. A join's children stay
 * reachable by qualified name (unless the join has an alias) but their columns are visible
 * unqualified only through the join's own item, as in parse_clause.c.
 */
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Expr, RowExpr } from './bound.js';
import { mapChildren, walkExpr } from './exprutil.js';
import { err, type Level } from './state.js';
import { Pseudo } from '../functions/registry.js';

export interface ScopeColumn {
  readonly name: string;
  readonly expr: Expr;
  readonly tableOid: number;
  readonly attnum: number;
}

export interface NsItem {
  readonly refName: string | null;
  relVisible: boolean;
  colsVisible: boolean;
  readonly cols: readonly ScopeColumn[];
  /** For a table: positions in cols of its primary key (GROUP BY functional dependency). */
  readonly keyCols?: readonly number[];
  /** The table's own name when an alias hides it (42P01 "invalid reference to FROM-clause entry"). */
  readonly relName?: string;
}

export interface Namespace {
  readonly items: NsItem[];
}

export const EMPTY_NS: Namespace = { items: [] };

/** Adds d to levelsUp of every column reference in e (a column moved d levels up). */
export function shiftLevels(e: Expr, d: number, depth = 0): Expr {
  if (d === 0) return e;
  if (e.kind === 'column') return e.levelsUp >= depth ? { ...e, levelsUp: e.levelsUp + d } : e;
  return mapChildren(e, (c) => shiftLevels(c, d, depth));
}

function findRel(lv: Level, name: string, location: number): NsItem | undefined {
  let found: NsItem | undefined;
  for (const it of lv.ns.items) {
    if (!it.relVisible || it.refName !== name) continue;
    if (found !== undefined) throw err(lv.stmt, SQLSTATE.ambiguous_alias, `table reference "${name}" is ambiguous`, location);
    found = it;
  }
  return found;
}

function findCol(lv: Level, name: string, location: number): ScopeColumn | undefined {
  let found: ScopeColumn | undefined;
  for (const it of lv.ns.items) {
    if (!it.colsVisible) continue;
    for (const c of it.cols) {
      if (c.name !== name) continue;
      if (found !== undefined) throw err(lv.stmt, SQLSTATE.ambiguous_column, `column reference "${name}" is ambiguous`, location);
      found = c;
    }
  }
  return found;
}

function colOf(lv: Level, it: NsItem, name: string, location: number): ScopeColumn | undefined {
  let found: ScopeColumn | undefined;
  for (const c of it.cols) {
    if (c.name !== name) continue;
    if (found !== undefined) throw err(lv.stmt, SQLSTATE.ambiguous_column, `column reference "${name}" is ambiguous`, location);
    found = c;
  }
  return found;
}

function markCorrelated(from: Level, d: number): void {
  let l: Level | null = from;
  for (let i = 0; i < d && l !== null; i++, l = l.parent) l.correlated = true;
}

/** A whole-row reference `t` / `t.*` as an expression: ROW(t.a, t.b, …) of type record. */
function wholeRow(it: NsItem): RowExpr {
  return { kind: 'row', type: Pseudo.record, typmod: -1, args: it.cols.map((c) => c.expr) };
}

/**
 * Resolves a ColumnRef's names (`x`, `t.x`, `s.t.x`, `t.*`) against the levels from lv outwards.
 * `t.*` outside a select list binds as a whole-row value.
 */
export function resolveColumnRef(lv: Level, names: readonly string[], location: number): Expr {
  const stmt = lv.stmt;
  const found = (l: Level, d: number, e: Expr): Expr => {
    markCorrelated(lv, d);
    // A fresh node per reference: positions (42803) are kept per node.
    const out = d === 0 && e.kind === 'column' ? { ...e } : shiftLevels(e, d);
    walkExpr(out, (x) => {
      if (x.kind === 'column') stmt.locations.set(x, location);
    });
    stmt.locations.set(out, location);
    void l;
    return out;
  };
  if (names.length === 1) {
    const name = names[0]!;
    let d = 0;
    for (let l: Level | null = lv; l !== null; l = l.parent, d++) {
      const c = findCol(l, name, location);
      if (c !== undefined) return found(l, d, c.expr);
    }
    // A bare table name as a whole-row value (`SELECT t FROM t`).
    d = 0;
    for (let l: Level | null = lv; l !== null; l = l.parent, d++) {
      const it = findRel(l, name, location);
      if (it !== undefined) return found(l, d, wholeRow(it));
    }
    throw err(stmt, SQLSTATE.undefined_column, `column "${name}" does not exist`, location);
  }
  if (names.length > 4) throw err(stmt, SQLSTATE.syntax_error, `improper qualified name (too many dotted names): ${names.join('.')}`, location);
  // [schema.]table.column: the schema part is checked only against items of that schema's table.
  const col = names[names.length - 1]!;
  const rel = names[names.length - 2]!;
  let d = 0;
  for (let l: Level | null = lv; l !== null; l = l.parent, d++) {
    const it = findRel(l, rel, location);
    if (it === undefined) continue;
    if (col === '*') return found(l, d, wholeRow(it));
    const c = colOf(l, it, col, location);
    if (c === undefined) throw err(stmt, SQLSTATE.undefined_column, `column ${rel}.${col} does not exist`, location);
    return found(l, d, c.expr);
  }
  throw missingRel(lv, rel, location);
}

/** 42P01: "invalid reference …" when an alias hides the table's name, else "missing FROM-clause entry". */
function missingRel(lv: Level, rel: string, location: number): Error {
  for (let l: Level | null = lv; l !== null; l = l.parent) {
    for (const it of l.ns.items) {
      if (it.relName === rel && it.refName !== null && it.refName !== rel) {
        return err(lv.stmt, SQLSTATE.undefined_table, `invalid reference to FROM-clause entry for table "${rel}"`, location, { hint: `Perhaps you meant to reference the table alias "${it.refName}".` });
      }
    }
  }
  return err(lv.stmt, SQLSTATE.undefined_table, `missing FROM-clause entry for table "${rel}"`, location);
}

/** The items `*` / `t.*` expand to in a select list: [name, expr, table oid, attnum]. */
export function expandStar(lv: Level, rel: string | null, location: number): ScopeColumn[] {
  if (rel === null) {
    const out: ScopeColumn[] = [];
    for (const it of lv.ns.items) if (it.colsVisible) out.push(...it.cols);
    if (lv.ns.items.length === 0) throw err(lv.stmt, SQLSTATE.syntax_error, 'SELECT * with no tables specified is not valid', location);
    return out;
  }
  for (let l: Level | null = lv, d = 0; l !== null; l = l.parent, d++) {
    const it = findRel(l, rel, location);
    if (it === undefined) continue;
    if (d === 0) return [...it.cols];
    markCorrelated(lv, d);
    return it.cols.map((c) => ({ ...c, expr: shiftLevels(c.expr, d) }));
  }
  throw missingRel(lv, rel, location);
}
