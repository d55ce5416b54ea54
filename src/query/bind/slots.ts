/*
 * slots.ts — which lifted literals (normalize.ts) a plan reads only as values (ConstExpr.slot),
 * so that the plan can serve every text with the same normalised key.
 *
 * A literal is a value slot when no part of the plan depends on its text: strings and decimals
 * (their type does not depend on the digits); integers only where their type cannot reach the
 * output (operands of a boolean operator, IN / ANY items, LIMIT / OFFSET), since `1` is int4 but
 * `3000000000` int8. A literal matched by value against another expression (GROUP BY, ORDER BY,
 * DISTINCT ON matching) shapes the plan and is static.
 *
 * XXX: an integer slot read for a text whose integer does not fit the planned type fails with
 * 22003 where PostgreSQL would have chosen a wider operator.
 */
import type { Expr } from './bound.js';
import { walkExpr } from './exprutil.js';
import type { StmtState } from './state.js';

/** The slot for a literal at `location`, recording its use; undefined when not lifted. */
export function slotAt(st: StmtState, location: number | undefined, integer: boolean): number | undefined {
  if (location === undefined) return undefined;
  const slot = st.liftedAt.get(location);
  if (slot === undefined) return undefined;
  const prev = st.slots.get(slot);
  if (prev !== 'static' && prev !== 'ok') st.slots.set(slot, integer ? 'int' : 'ok');
  return slot;
}

/** e's integer literals cannot change the plan's types: they count as value slots. */
export function markSafe(st: StmtState, e: Expr): void {
  let x = e;
  while (x.kind === 'cast') x = x.arg;
  if (x.kind === 'array') {
    for (const i of x.items) markSafe(st, i);
    return;
  }
  if (x.kind === 'const' && x.slot !== undefined && st.slots.get(x.slot) === 'int') st.slots.set(x.slot, 'ok');
}

/** The literals inside e shaped the plan (matched by value): not shareable across texts. */
export function markStatic(st: StmtState, e: Expr): void {
  walkExpr(e, (x) => {
    if (x.kind === 'const' && (x).slot !== undefined) st.slots.set((x).slot, 'static');
  });
}

export function usedSlots(st: StmtState): Set<number> {
  const out = new Set<number>();
  for (const [slot, use] of st.slots) if (use === 'ok') out.add(slot);
  return out;
}
