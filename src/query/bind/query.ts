/*
 * query.ts — bindQuery: a SELECT / VALUES / set-operation parse tree (libpg-query) → LogicalPlan.
 */
import type { Node } from '../parse.js';
import { notSupported } from '../errors.js';
import type { BindOptions, BoundQuery } from './context.js';

export function bindQuery(stmt: Node, opts: BindOptions): BoundQuery {
  void stmt;
  void opts;
  throw notSupported('this query');
}
