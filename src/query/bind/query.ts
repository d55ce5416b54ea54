/*
 * query.ts — bindQuery: a SELECT / VALUES / set-operation parse tree (libpg-query) → LogicalPlan,
 * the final parameter types and the tables read. See select.ts for the plan shape of one level.
 */
import type { Node } from 'libpg-query';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { BindOptions, BoundQuery } from './context.js';
import { bindSelect } from './select.js';
import { usedSlots } from './slots.js';
import { err, type StmtState } from './state.js';
import { Oid } from '../../pg/types.js';

export function bindQuery(stmt: Node, opts: BindOptions): BoundQuery {
  if (!('SelectStmt' in stmt)) throw notSupported('this statement');
  const st: StmtState = {
    sql: opts.sql,
    params: [...opts.paramTypes],
    catalog: opts.catalog,
    tables: new Set(),
    nextCteId: 1,
    locations: new WeakMap(),
    liftedAt: opts.liftedAt ?? new Map(),
    slots: new Map(),
  };
  const { plan } = bindSelect(st, stmt.SelectStmt, null, new Map());
  st.params.forEach((t, i) => {
    if (t === 0 || t === Oid.unknown) throw err(st, SQLSTATE.indeterminate_datatype, `could not determine data type of parameter $${i + 1}`);
  });
  return { plan, paramTypes: st.params, tables: st.tables, ...(opts.liftedAt !== undefined ? { usedLiterals: usedSlots(st) } : {}) };
}
