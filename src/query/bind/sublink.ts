/*
 * sublink.ts — subqueries inside expressions: scalar `(SELECT …)`, EXISTS, ARRAY(SELECT …),
 * `x IN (SELECT …)`, `x op ANY/ALL (SELECT …)`, row forms `(a, b) IN (SELECT x, y …)`.
 * The subquery is bound as a child level (its outer references get levelsUp ≥ 1).
 */
import type { Node, SelectStmt, SubLink } from 'libpg-query';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { FuncDef } from '../functions/registry.js';
import type { LogicalPlan } from '../logical/plan.js';
import { locationOf, stringList } from '../parse.js';
import type { Expr, SubqueryExpr } from './bound.js';
import { bindOperator } from './call.js';
import { outputCollation, withCollation } from './collate.js';
import { coerceTo } from './coerce.js';
import { arrayOf, columnRef, typeSqlName } from './exprutil.js';
import { bindExpr } from './expr.js';
import { bindSelect } from './select.js';
import { err, type Level } from './state.js';

export function bindSubLink(lv: Level, s: SubLink): Expr {
  const st = lv.stmt;
  const location = s.location ?? -1;
  const sel = (s.subselect as { SelectStmt: SelectStmt }).SelectStmt;
  const { plan, correlated } = bindSelect(st, sel, lv, lv.ctes);
  const cols = plan.columns;
  const key = JSON.stringify(s, (k, v: unknown) => (k === 'location' ? undefined : v));
  switch (s.subLinkType) {
    case 'EXISTS_SUBLINK':
      return { kind: 'subquery', sublink: 'exists', type: Oid.bool, typmod: -1, plan, correlated, key };
    case 'EXPR_SUBLINK':
    case 'ARRAY_SUBLINK': {
      if (cols.length !== 1) throw err(st, SQLSTATE.syntax_error, 'subquery must return only one column', location);
      const c = cols[0]!;
      if (s.subLinkType === 'EXPR_SUBLINK') return { kind: 'subquery', sublink: 'scalar', type: c.type, typmod: c.typmod, plan, correlated, key };
      const at = arrayOf(c.type);
      if (at === 0) throw err(st, SQLSTATE.undefined_object, `could not find array type for data type ${typeSqlName(c.type)}`, location);
      return { kind: 'subquery', sublink: 'array', type: at, typmod: -1, plan, correlated, key };
    }
    case 'ANY_SUBLINK':
    case 'ALL_SUBLINK': {
      const opName = s.operName === undefined ? '=' : stringList(s.operName).filter((n) => n !== 'pg_catalog').join('.');
      const testNode = s.testexpr!;
      const tests: Node[] = 'RowExpr' in testNode ? testNode.RowExpr.args ?? [] : [testNode];
      if (tests.length > cols.length) throw err(st, SQLSTATE.syntax_error, 'subquery has too few columns', location);
      if (tests.length < cols.length) throw err(st, SQLSTATE.syntax_error, 'subquery has too many columns', location);
      const test: Expr[] = [];
      const ops: FuncDef[] = [];
      const opArgTypes: (readonly [number, number])[] = [];
      const casts: Expr[] = [];
      let needProject = false;
      tests.forEach((t, i) => {
        const c = cols[i]!;
        const inner = columnRef(i, c.type, c.typmod, c.name, 0, c.collation);
        const call = bindOperator(st, opName, bindExpr(lv, t), inner, location, [locationOf(t), -1]);
        if (call.type !== Oid.bool) throw err(st, SQLSTATE.datatype_mismatch, `operator ${opName} must return type boolean, not type ${typeSqlName(call.type)}`, location);
        test.push(call.args[0]!);
        ops.push(call.def);
        opArgTypes.push([call.argTypes[0]!, call.argTypes[1]!]);
        const rhs = call.args[1]!;
        if (rhs !== inner) needProject = true;
        casts.push(rhs === inner ? inner : coerceTo(st, inner, call.argTypes[1]!, -1, 'i', -1, false));
      });
      const p: LogicalPlan = needProject
        ? { kind: 'project', input: plan, exprs: casts, columns: casts.map((e, i) => withCollation({ name: cols[i]!.name, type: e.type, typmod: e.typmod, tableOid: 0, attnum: 0 }, outputCollation(e))) }
        : plan;
      const out: SubqueryExpr = { kind: 'subquery', sublink: s.subLinkType === 'ANY_SUBLINK' ? 'any' : 'all', type: Oid.bool, typmod: -1, plan: p, correlated, test, ops, opArgTypes, key };
      return out;
    }
    case 'CTE_SUBLINK':
    case 'MULTIEXPR_SUBLINK':
    case 'ROWCOMPARE_SUBLINK':
    case undefined:
    default:
      throw notSupported(`${s.subLinkType} subqueries`, { sql: st.sql, location });
  }
}
