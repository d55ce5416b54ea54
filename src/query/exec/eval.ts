/*
 * eval.ts — compiles a bound expression (bind/bound.ts) into a closure `(row, rt) => Datum`, once
 * per physical plan. Nothing here walks the Expr tree at run time.
 *
 * Semantics follow PostgreSQL's ExecEvalExpr:
 *   - strict calls return NULL without calling when an argument is NULL;
 *   - AND / OR are three-valued and short-circuit left to right; NOT NULL is NULL;
 *   - CASE evaluates branches lazily; COALESCE stops at the first non-NULL; GREATEST/LEAST ignore
 *     NULLs (NULL only when all are);
 *   - `x op ANY/ALL (array)`: NULL array → NULL; empty array → false (ANY) / true (ALL) even for a
 *     NULL x; otherwise true/false as soon as decided, NULL when a NULL element or x left it open;
 *   - IS [NOT] NULL on a row value tests every field (ROW(NULL, 1) is neither NULL nor NOT NULL);
 *   - subqueries: uncorrelated ones run once per execution (cached in the Runtime; the driver
 *     may have run them ahead in slices, rt.prefetched), correlated ones once per evaluation
 *     with the current row pushed on the outer-row stack (synchronously: XXX a long one holds
 *     the event loop).
 *
 * Call sites keep one argument array each (filled, then passed to the function synchronously), so
 * a call allocates nothing of its own. Left out: ConstExpr.slot (lifted literals are read from
 * `value`: XXX until the plan cache passes literals to runPlan).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { Expr, SubqueryExpr } from '../bind/bound.js';
import { collationOf, inputCollation, isCollatable, mergeCollations, Strength, typeCollation } from '../bind/collate.js';
import type { CollationCatalog } from '../../store/collations.js';
import type { TextOrder } from '../types/collation.js';
import { collatedOrder, comparator, ctypeGuarded, orderOf, orderOfType } from './collate-eval.js';
import type { FuncDef } from '../functions/registry.js';
import type { LogicalPlan } from '../logical/plan.js';
import type { ArrayValue, Datum, RecordValue } from '../types/datum.js';
import { typeInfo, type EvalSettings } from '../types/registry.js';
import { hasherOf, type Key } from './hash-key.js';
import { CallSite, drainSync, type Row, type Rows, type Runtime } from './runtime.js';
import { arraySubscript } from './subscript.js';

export type Fn = (row: Row, rt: Runtime) => Datum;

export interface CompileEnv {
  /** Compiles a subquery's plan; its run(rt) yields its rows. */
  sub(plan: LogicalPlan): { run(rt: Runtime): Rows };
  /**
   * An uncorrelated subquery's plan and how many rows its evaluation reads (1 for EXISTS, 2 for a
   * scalar subquery): the driver may run it ahead, yielding, and leave the rows in
   * rt.prefetched (run.ts). Optional: without it every subquery runs where it is evaluated.
   */
  initPlan?(node: { run(rt: Runtime): Rows }, max: number): void;
  /** Settings used when a function runs outside an execution (constant folding). */
  readonly fallback: EvalSettings;
  /** The primary's collations (store.collations); undefined: all text in byte order. */
  readonly collations?: CollationCatalog;
}

/** The fields' collations and orders of ROW(args), when one differs from its type's default (RecordValue.collations). */
function fieldOrders(args: readonly Expr[], env: CompileEnv): Pick<RecordValue, 'collations' | 'orders'> | null {
  const colls = args.map((a) => (isCollatable(a.type) ? collationOf(a) : null));
  if (colls.every((d, i) => d === null || (d.strength !== Strength.Conflict && d.coll === typeCollation(args[i]!.type)))) return null;
  const collations = colls.map((d) => (d === null || d.strength === Strength.Conflict ? 0 : d.coll));
  const orders = colls.map((d, i) => (d === null ? undefined : comparator(args[i]!.type, orderOf(d, env))));
  return { collations, orders };
}

const isRecord = (d: Datum): d is RecordValue => typeof d === 'object' && d !== null && 'fields' in d && 'types' in d;

export function compileExpr(e: Expr, env: CompileEnv): Fn {
  switch (e.kind) {
    case 'const': {
      const v = e.value;
      return () => v;
    }
    case 'param': {
      const i = e.index - 1;
      return (_row, rt) => rt.params[i] ?? null;
    }
    case 'column': {
      const i = e.index;
      const up = e.levelsUp;
      if (up === 0) return (row) => row[i] ?? null;
      return (_row, rt) => rt.outer[rt.outer.length - up]![i] ?? null;
    }
    case 'call': {
      const def = ctypeGuarded(e.def, e.args, env);
      return compileCall(def, e.args.map((a) => compileExpr(a, env)), e.argTypes, e.type, env, def.collated === true ? collatedOrder(e.args, env) : undefined);
    }
    case 'cast': {
      const arg = compileExpr(e.arg, env);
      const convert = e.cast.convert;
      const target = typeInfo(e.type);
      const typmod = e.typmod;
      const explicit = e.explicit;
      const apply = typmod >= 0 ? target.applyTypmod : undefined;
      if (apply === undefined) {
        return (row, rt) => {
          const d = arg(row, rt);
          return d === null ? null : convert(d, rt.settings);
        };
      }
      return (row, rt) => {
        const d = arg(row, rt);
        return d === null ? null : apply(convert(d, rt.settings), typmod, explicit);
      };
    }
    case 'and':
    case 'or': {
      const args = e.args.map((a) => compileExpr(a, env));
      const stopOn = e.kind === 'or';
      return (row, rt) => {
        let sawNull = false;
        for (let i = 0; i < args.length; i++) {
          const d = args[i]!(row, rt);
          if (d === null) sawNull = true;
          else if (d === stopOn) return stopOn;
        }
        return sawNull ? null : !stopOn;
      };
    }
    case 'not': {
      const arg = compileExpr(e.arg, env);
      return (row, rt) => {
        const d = arg(row, rt);
        return d === null ? null : !d;
      };
    }
    case 'case': {
      const whens = e.whens.map((w) => ({ when: compileExpr(w.when, env), then: compileExpr(w.then, env) }));
      const otherwise = e.else === null ? null : compileExpr(e.else, env);
      return (row, rt) => {
        for (let i = 0; i < whens.length; i++) {
          if (whens[i]!.when(row, rt) === true) return whens[i]!.then(row, rt);
        }
        return otherwise === null ? null : otherwise(row, rt);
      };
    }
    case 'coalesce': {
      const args = e.args.map((a) => compileExpr(a, env));
      return (row, rt) => {
        for (let i = 0; i < args.length; i++) {
          const d = args[i]!(row, rt);
          if (d !== null) return d;
        }
        return null;
      };
    }
    case 'nullif': {
      const a = compileExpr(e.args[0], env);
      const b = compileExpr(e.args[1], env);
      const eq = e.eq.def;
      const site = new CallSite(e.eq.argTypes, e.eq.type, env.fallback);
      const pair: Datum[] = [null, null];
      return (row, rt) => {
        const x = a(row, rt);
        const y = b(row, rt);
        if (x === null || y === null) return x;
        pair[0] = x;
        pair[1] = y;
        site.rt = rt;
        return eq.call!(pair, site) === true ? null : x;
      };
    }
    case 'greatest':
    case 'least': {
      const args = e.args.map((a) => compileExpr(a, env));
      const cmp = comparator(e.type, orderOfType(e.type, collationOf(e), env));
      const sign = e.kind === 'greatest' ? 1 : -1;
      return (row, rt) => {
        let best: Datum = null;
        for (let i = 0; i < args.length; i++) {
          const d = args[i]!(row, rt);
          if (d !== null && (best === null || sign * cmp(d, best) > 0)) best = d;
        }
        return best;
      };
    }
    case 'nulltest': {
      const arg = compileExpr(e.arg, env);
      const isNull = e.isNull;
      return (row, rt) => {
        const d = arg(row, rt);
        if (d === null) return isNull;
        if (isRecord(d)) {
          // PostgreSQL: a row IS NULL when all fields are, IS NOT NULL when none is.
          for (const f of d.fields) if ((f === null) !== isNull) return false;
          return true;
        }
        return !isNull;
      };
    }
    case 'booltest': {
      const arg = compileExpr(e.arg, env);
      const test = e.test;
      const negate = e.negate;
      return (row, rt) => {
        const d = arg(row, rt);
        const r = test === 'unknown' ? d === null : d === (test === 'true');
        return negate ? !r : r;
      };
    }
    case 'distinct': {
      const a = compileExpr(e.args[0], env);
      const b = compileExpr(e.args[1], env);
      const eq = e.eq.def;
      const site = new CallSite(e.eq.argTypes, e.eq.type, env.fallback);
      const pair: Datum[] = [null, null];
      const not = e.not;
      return (row, rt) => {
        const x = a(row, rt);
        const y = b(row, rt);
        let same: boolean;
        if (x === null || y === null) same = x === y;
        else {
          pair[0] = x;
          pair[1] = y;
          site.rt = rt;
          same = eq.call!(pair, site) === true;
        }
        return not ? same : !same;
      };
    }
    case 'scalararrayop':
      return compileArrayOp(e.op, e.opArgTypes, e.useOr, compileExpr(e.left, env), compileExpr(e.right, env), env, e.op.collated === true ? orderOf(inputCollation([e.left, e.right]), env) : undefined);
    case 'array':
      return compileArray(e.items.map((i) => compileExpr(i, env)), e.elemType, e.items.length > 0 && e.items.every((i) => i.type === e.type));
    case 'row': {
      const args = e.args.map((a) => compileExpr(a, env));
      const types = e.args.map((a) => a.type);
      const ordered = fieldOrders(e.args, env);
      return (row, rt) => {
        const fields = new Array<Datum>(args.length);
        for (let i = 0; i < args.length; i++) fields[i] = args[i]!(row, rt);
        return ordered === null ? ({ types, fields } satisfies RecordValue) : ({ types, fields, ...ordered } satisfies RecordValue);
      };
    }
    case 'subscript': {
      const arg = compileExpr(e.arg, env);
      const lower = e.lower.map((l) => (l === null ? null : compileExpr(l, env)));
      const upper = e.upper === null ? null : e.upper.map((u) => (u === null ? null : compileExpr(u, env)));
      return (row, rt) => {
        const a = arg(row, rt);
        if (a === null) return null;
        const lo = lower.map((f) => (f === null ? undefined : subscriptValue(f(row, rt))));
        const hi = upper === null ? null : upper.map((f) => (f === null ? undefined : subscriptValue(f(row, rt))));
        return arraySubscript(a as ArrayValue, lo, hi);
      };
    }
    case 'field': {
      const arg = compileExpr(e.arg, env);
      const f = e.field;
      return (row, rt) => {
        const d = arg(row, rt);
        return d === null ? null : ((d as RecordValue).fields[f] ?? null);
      };
    }
    case 'subquery':
      return compileSubquery(e, env);
    case 'grouping': {
      const i = e.index;
      const refs = e.refs;
      return (row) => {
        const mask = row[i] as number;
        let r = 0;
        for (const ref of refs) r = (r << 1) | ((mask >> ref) & 1);
        return r;
      };
    }
  }
}

function subscriptValue(d: Datum): number | null {
  return d === null ? null : Number(d);
}


export function compileCall(def: FuncDef, args: readonly Fn[], argTypes: readonly number[], type: number, env: CompileEnv, order?: TextOrder): Fn {
  const call = def.call;
  if (call === undefined) {
    return () => {
      throw notSupported(`set-returning function ${def.name}() in this position`);
    };
  }
  const site = new CallSite(argTypes, type, env.fallback);
  site.textOrder = order;
  const strict = def.strict;
  if (args.length === 0) {
    const none: Datum[] = [];
    return (_row, rt) => {
      site.rt = rt;
      return call(none, site);
    };
  }
  const values: Datum[] = new Array<Datum>(args.length).fill(null);
  if (args.length === 1) {
    const a = args[0]!;
    return (row, rt) => {
      const x = a(row, rt);
      if (x === null && strict) return null;
      values[0] = x;
      site.rt = rt;
      return call(values, site);
    };
  }
  if (args.length === 2) {
    const a = args[0]!;
    const b = args[1]!;
    return (row, rt) => {
      const x = a(row, rt);
      if (x === null && strict) return null;
      const y = b(row, rt);
      if (y === null && strict) return null;
      values[0] = x;
      values[1] = y;
      site.rt = rt;
      return call(values, site);
    };
  }
  return (row, rt) => {
    for (let i = 0; i < args.length; i++) {
      const x = args[i]!(row, rt);
      if (x === null && strict) return null;
      values[i] = x;
    }
    site.rt = rt;
    return call(values, site);
  };
}

/** Combines per-element results of ANY (useOr) / ALL with SQL's NULL rules. */
function compileArrayOp(op: FuncDef, argTypes: readonly number[], useOr: boolean, left: Fn, right: Fn, env: CompileEnv, order: TextOrder | undefined): Fn {
  const site = new CallSite(argTypes, 16, env.fallback);
  site.textOrder = order;
  const pair: Datum[] = [null, null];
  const call = op.call!;
  const strict = op.strict;
  return (row, rt) => {
    const arr = right(row, rt) as ArrayValue | null;
    if (arr === null) return null;
    if (arr.items.length === 0) return !useOr;
    const x = left(row, rt);
    if (x === null && strict) return null;
    let sawNull = false;
    site.rt = rt;
    for (const item of arr.items) {
      let r: Datum;
      if (item === null && strict) r = null;
      else {
        pair[0] = x;
        pair[1] = item;
        r = call(pair, site);
      }
      if (r === null) sawNull = true;
      else if (r === useOr) return useOr;
    }
    return sawNull ? null : !useOr;
  };
}

function compileArray(items: readonly Fn[], elemType: number, nested: boolean): Fn {
  if (!nested) {
    return (row, rt) => {
      const out = new Array<Datum>(items.length);
      for (let i = 0; i < items.length; i++) out[i] = items[i]!(row, rt);
      return items.length === 0 ? { elemType, dims: [], lbounds: [], items: [] } : { elemType, dims: [items.length], lbounds: [1], items: out };
    };
  }
  return (row, rt) => {
    // ARRAY[ARRAY[…], …]: sub-arrays of identical dimensions make one more dimension.
    const subs: ArrayValue[] = [];
    for (const f of items) {
      const d = f(row, rt) as ArrayValue | null;
      if (d === null) throw new SqlError(SQLSTATE.array_subscript_error, 'multidimensional arrays must have array expressions with matching dimensions');
      subs.push(d);
    }
    const nonEmpty = subs.filter((s) => s.items.length > 0);
    if (nonEmpty.length === 0) return { elemType, dims: [], lbounds: [], items: [] };
    const first = nonEmpty[0]!;
    if (nonEmpty.length !== subs.length) throw new SqlError(SQLSTATE.array_subscript_error, 'multidimensional arrays must have array expressions with matching dimensions');
    const out: Datum[] = [];
    for (const s of subs) {
      if (s.dims.length !== first.dims.length || s.dims.some((d, i) => d !== first.dims[i])) {
        throw new SqlError(SQLSTATE.array_subscript_error, 'multidimensional arrays must have array expressions with matching dimensions');
      }
      out.push(...s.items);
    }
    return { elemType, dims: [subs.length, ...first.dims], lbounds: [1, ...first.lbounds], items: out };
  };
}

interface SetTest {
  /** Hash set of the subquery's single column, when the test is `=` over a hashable type. */
  readonly keys: Set<Key> | null;
  readonly rows: Row[];
  readonly sawNull: boolean;
}

function compileSubquery(e: SubqueryExpr, env: CompileEnv): Fn {
  const node = env.sub(e.plan);
  const correlated = e.correlated;
  const key = {};
  if (!correlated) env.initPlan?.(node, e.sublink === 'exists' ? 1 : e.sublink === 'scalar' ? 2 : Infinity);
  const run = (row: Row, rt: Runtime, max?: number): Row[] => {
    if (!correlated) {
      // Run ahead by the driver, in slices (run.ts): the same rows drainSync would read now.
      const pre = rt.prefetched.get(node);
      if (pre !== undefined) return pre;
    }
    rt.outer.push(row);
    try {
      return drainSync(node.run(rt), rt, max);
    } finally {
      rt.outer.pop();
    }
  };
  const once = <T>(row: Row, rt: Runtime, make: () => T): T => {
    if (correlated) return make();
    if (rt.subqueries.has(key)) return rt.subqueries.get(key) as T;
    const v = make();
    rt.subqueries.set(key, v);
    return v;
  };
  switch (e.sublink) {
    case 'scalar':
      return (row, rt) =>
        once(row, rt, () => {
          const rows = run(row, rt, 2);
          if (rows.length > 1) throw new SqlError(SQLSTATE.cardinality_violation, 'more than one row returned by a subquery used as an expression');
          return rows.length === 0 ? null : (rows[0]![0] ?? null);
        });
    case 'exists':
      return (row, rt) => once(row, rt, () => run(row, rt, 1).length > 0);
    case 'array': {
      const elemType = e.plan.columns[0]!.type;
      return (row, rt) =>
        once(row, rt, () => {
          const rows = run(row, rt);
          const items = rows.map((r) => r[0] ?? null);
          return items.length === 0 ? { elemType, dims: [], lbounds: [], items: [] } : { elemType, dims: [items.length], lbounds: [1], items };
        });
    }
    case 'any':
    case 'all': {
      const useOr = e.sublink === 'any';
      const tests = (e.test ?? []).map((t) => compileExpr(t, env));
      const ops = e.ops ?? [];
      const sites = ops.map((o, i) => {
        const site = new CallSite(e.opArgTypes![i]!, 16, env.fallback);
        // The subquery's column is implicit, as a Var of the subquery would be.
        const col = e.plan.columns[i]!;
        const own = typeCollation(col.type);
        if (o.collated === true && own !== 0) site.textOrder = orderOf(mergeCollations(collationOf(e.test![i]!), { coll: col.collation ?? own, strength: Strength.Implicit }), env);
        return site;
      });
      const pair: Datum[] = [null, null];
      const t0 = e.opArgTypes?.[0];
      const hashable = useOr && tests.length === 1 && ops[0]!.name === '=' && t0 !== undefined && t0[0] === t0[1] && typeInfo(t0[0]).hashKey !== undefined;
      const hash = hashable ? hasherOf(t0[0]) : null;
      const lefts: Datum[] = new Array<Datum>(tests.length).fill(null);
      const material = (row: Row, rt: Runtime): SetTest =>
        once(row, rt, () => {
          const rows = run(row, rt);
          if (hash === null) return { keys: null, rows, sawNull: false };
          const keys = new Set<Key>();
          let sawNull = false;
          for (const r of rows) {
            const d = r[0] ?? null;
            if (d === null) sawNull = true;
            else keys.add(hash(d));
          }
          return { keys, rows, sawNull };
        });
      return (row, rt) => {
        for (let i = 0; i < tests.length; i++) lefts[i] = tests[i]!(row, rt);
        const m = material(row, rt);
        if (m.rows.length === 0) return !useOr;
        if (m.keys !== null) {
          const x = lefts[0]!;
          if (x === null) return null;
          if (m.keys.has(hash!(x))) return true;
          return m.sawNull ? null : false;
        }
        let sawNull = false;
        for (const r of m.rows) {
          // Row comparison: all columns true → true, any false → false, else NULL.
          let res: boolean | null = true;
          for (let i = 0; i < tests.length; i++) {
            const x = lefts[i]!;
            const y = r[i] ?? null;
            let c: Datum;
            if ((x === null || y === null) && ops[i]!.strict) c = null;
            else {
              pair[0] = x;
              pair[1] = y;
              sites[i]!.rt = rt;
              c = ops[i]!.call!(pair, sites[i]!);
            }
            if (c === false) {
              res = false;
              break;
            }
            if (c === null) res = null;
          }
          if (res === null) sawNull = true;
          else if (res === useOr) return useOr;
        }
        return sawNull ? null : !useOr;
      };
    }
  }
}

/** Evaluates a closure that reads no row (LIMIT, function arguments, constant folding). */
export const NO_ROW: Row = [];

export { comparator, orderOf, orderOfType };
