/*
 * names.ts — FigureColname (parse_target.c): the output-column name PostgreSQL gives a select-list
 * expression without AS: the column or function name, a cast's type name, `case`, `exists`,
 * `array`, `coalesce`, …, else `?column?`.
 */
import type { Node, SelectStmt } from 'libpg-query';
import { stringList } from '../parse.js';

const SVF_NAMES: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date', SVFOP_CURRENT_TIME: 'current_time', SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp', SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime', SVFOP_LOCALTIME_N: 'localtime', SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp', SVFOP_CURRENT_ROLE: 'current_role', SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user', SVFOP_SESSION_USER: 'session_user', SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/** The name of the first output column of a (raw) SELECT, for a scalar sublink's column name. */
function firstColumnName(s: SelectStmt): string | null {
  let q = s;
  while (q.op !== undefined && q.op !== 'SETOP_NONE' && q.larg !== undefined) q = q.larg;
  const t = q.targetList?.[0];
  if (t === undefined || !('ResTarget' in t)) return null;
  if (t.ResTarget.name !== undefined) return t.ResTarget.name;
  const r = figure(t.ResTarget.val!);
  return r === null ? '?column?' : r[0];
}

/** [name, strength]: 2 = a real name, 1 = a type name from a cast (weaker). null = no name. */
function figure(n: Node): [string, number] | null {
  if ('ColumnRef' in n) {
    const f = stringList(n.ColumnRef.fields);
    const last = f[f.length - 1];
    return last === undefined || last === '*' ? null : [last, 2];
  }
  if ('A_Indirection' in n) {
    const ind = n.A_Indirection.indirection ?? [];
    for (let i = ind.length - 1; i >= 0; i--) {
      const x = ind[i]!;
      if ('String' in x) return [x.String.sval ?? '', 2];
    }
    return figure(n.A_Indirection.arg!);
  }
  if ('FuncCall' in n) {
    const f = stringList(n.FuncCall.funcname);
    return [f[f.length - 1]!, 2];
  }
  if ('A_Expr' in n) return n.A_Expr.kind === 'AEXPR_NULLIF' ? ['nullif', 2] : null;
  if ('TypeCast' in n) {
    const r = figure(n.TypeCast.arg!);
    if (r !== null && r[1] > 1) return r;
    const names = stringList(n.TypeCast.typeName?.names);
    return [names[names.length - 1]!, 1];
  }
  if ('CollateClause' in n) return figure(n.CollateClause.arg!);
  if ('GroupingFunc' in n) return ['grouping', 2];
  if ('SubLink' in n) {
    const s = n.SubLink;
    if (s.subLinkType === 'EXISTS_SUBLINK') return ['exists', 2];
    if (s.subLinkType === 'ARRAY_SUBLINK') return ['array', 2];
    if (s.subLinkType === 'EXPR_SUBLINK') {
      const name = firstColumnName((s.subselect as { SelectStmt: SelectStmt }).SelectStmt);
      return name === null ? null : [name, 2];
    }
    return null;
  }
  if ('CaseExpr' in n) {
    const d = n.CaseExpr.defresult;
    const r = d === undefined ? null : figure(d);
    return r !== null && r[1] > 1 ? r : ['case', 1];
  }
  if ('A_ArrayExpr' in n) return ['array', 2];
  if ('RowExpr' in n) return ['row', 2];
  if ('CoalesceExpr' in n) return ['coalesce', 2];
  if ('MinMaxExpr' in n) return [n.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least', 2];
  if ('SQLValueFunction' in n) return [SVF_NAMES[n.SQLValueFunction.op ?? ''] ?? '?column?', 2];
  return null;
}

export function figureColname(n: Node): string {
  return figure(n)?.[0] ?? '?column?';
}
