/*
 * node.ts — what every physical operator provides: a pull-based run (a generator of rows that
 * forwards PAUSE, runtime.ts) and what EXPLAIN prints about it.
 *
 * EXPLAIN's layout is PostgreSQL's text format without costs: the root on the first line, each
 * child as `->  Name` indented under its parent, details (`Hash Cond: …`) two spaces under the
 * name they belong to.
 */
import type { Rows, Runtime } from './runtime.js';

export interface PhysNode {
  /** EXPLAIN's node line ("Hash Join", "Key Range Scan on t"). */
  readonly name: string;
  /** EXPLAIN's detail lines ("Hash Cond: (a.id = b.a_id)"). */
  readonly details: readonly string[];
  readonly children: readonly PhysNode[];
  run(rt: Runtime): Rows;
  /** Plans of the subqueries in this node's expressions (EXPLAIN shows them as SubPlan n). */
  subplans?: PhysNode[];
}

export function explainLines(root: PhysNode): string[] {
  const out: string[] = [];
  const walk = (n: PhysNode, arrowAt: number, isRoot: boolean): void => {
    // Projections print nothing of their own (as in PostgreSQL, where they ride on other nodes).
    if (n.name === '' && n.children.length === 1) {
      walk(n.children[0]!, arrowAt, isRoot);
      return;
    }
    const labelAt = isRoot ? arrowAt : arrowAt + 4;
    out.push(isRoot ? ' '.repeat(arrowAt) + n.name : `${' '.repeat(arrowAt)}->  ${n.name}`);
    for (const d of n.details) out.push(' '.repeat(labelAt + 2) + d);
    for (const c of n.children) walk(c, labelAt + 2, false);
    for (const sp of n.subplans ?? []) {
      out.push(`${' '.repeat(labelAt + 2)}SubPlan ${++subplan}`);
      walk(sp, labelAt + 4, false);
    }
  };
  let subplan = 0;
  walk(root, 0, true);
  return out;
}
