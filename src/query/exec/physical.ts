/*
 * physical.ts — the physical planner: chooses an operator for each logical node (after the
 * rewrites of logical/rules.ts) and compiles every expression once.
 *
 * Choices:
 *   Filter(Scan)         the scan takes the conjuncts; key-access.ts picks lookup / range / full
 *   Sort over a scan     dropped when a forward or backward key walk gives the order (through
 *                        Project and Filter; key positions fixed by `=` may be skipped)
 *   Limit(Sort)          top-N sort
 *   Join                 LATERAL → nested loop re-running the inner side; equality on every key
 *                        column of an inner table scan (inner/left/semi/anti) → key lookup join;
 *                        other equi-joins → hash join (inner side = right); else nested loop
 *   Aggregate            hash aggregate (grouping sets in the same pass)
 * Column pruning: each node is planned with the set of its output positions that are read above
 * (null = all); a scan decodes only those (plus what its own conjuncts read), a Project does not
 * compute the others (unless volatile or set-returning: remove_unused_subquery_outputs), and a CTE
 * read once and not MATERIALIZED is planned in place, as PostgreSQL inlines it.
 */
import { isOrderedKeyType } from '../../store/key-codec.js';
import type { Store, TableState } from '../../store/store.js';
import type { Expr } from '../bind/bound.js';
import type { AggregateNode, JoinNode, LogicalPlan, ScanNode, SortKey } from '../logical/plan.js';
import { typeInfo } from '../types/registry.js';
import { collationOf, inputCollation, Strength, type Derived } from '../bind/collate.js';
import type { CollationCatalog } from '../../store/collations.js';
import { isByteOrder } from '../types/collation.js';
import { compileExpr, orderOf, orderOfType, type CompileEnv, type Fn } from './eval.js';
import { deparse } from './deparse.js';
import { planKeyAccess, usableKey } from './key-access.js';
import type { PhysNode } from './node.js';
import { AggregateOp, type CompiledAgg } from './ops/agg.js';
import { FilterOp, LimitOp, ProjectOp, ProjectSetOp, ValuesOp, type SrfItem } from './ops/basic.js';
import { HashJoinOp, KeyLookupJoinOp, NestLoopOp } from './ops/join.js';
import { decoder, ScanOp } from './ops/scan.js';
import { CteScanOp, DistinctOp, FunctionScanOp, RecursiveUnionOp, SetOpOp, WorkTableOp } from './ops/sets.js';
import { SortOp, type CompiledKey } from './ops/sort.js';
import { WindowOp } from './ops/window.js';
import { CallSite, orderedSite } from './runtime.js';
import { FALLBACK_SETTINGS } from './settings.js';

export { FALLBACK_SETTINGS };
import { and, childExprs, conjuncts, exprRefs, hasSubquery, planRefs, readsOnly, shiftColumns } from './plan-refs.js';


type Req = Set<number> | null;

/** A volatile or set-returning call: evaluated even where its value is not read. */
function keptUnread(e: Expr): boolean {
  if (e.kind === 'call' && (e.def.volatility === 'v' || e.def.set !== undefined)) return true;
  return e.kind === 'subquery' || childExprs(e).some(keptUnread);
}
type Order = 'fwd' | 'rev' | null;

const all = (): Req => null;

function reqOf(exprs: readonly Expr[], base?: Set<number>): Set<number>;
function reqOf(exprs: readonly Expr[], base: Req): Req;
/** The positions `exprs` read, added to `base` (null, all positions, stays all). */
function reqOf(exprs: readonly Expr[], base: Req = new Set()): Req {
  if (base === null) return null;
  const s = new Set<number>(base);
  for (const e of exprs) exprRefs(e, s);
  return s;
}

export class Planner {
  /** Tables the plan reads: oid → qualified name (for the statement's consistent view). */
  readonly tables = new Map<number, string>();
  /** Uncorrelated subqueries in the order compiled, with the rows one evaluation reads. */
  readonly initPlans: { readonly node: PhysNode; readonly max: number }[] = [];
  private readonly ctes = new Map<number, PhysNode>();
  /** How many times each CTE is read in the statement (set by the caller before plan()). */
  cteReads: ReadonlyMap<number, number> = new Map();
  readonly env: CompileEnv;

  constructor(
    private readonly store: Store,
    /** Catalog snapshot relations the plan may read (their sizes for estimates). */
    private readonly fixed: ReadonlyMap<number, TableState> = new Map(),
  ) {
    this.env = {
      sub: (p) => {
        const node = this.plan(p, all(), null);
        this.pending.push(node);
        return node;
      },
      initPlan: (node, max) => {
        this.initPlans.push({ node: node as PhysNode, max });
      },
      fallback: FALLBACK_SETTINGS,
      ...(store.collations !== undefined ? { collations: store.collations } : {}),
    };
  }

  /** Subquery plans compiled since the last node was made: they belong to the next node made. */
  private pending: PhysNode[] = [];

  private fn(e: Expr): Fn {
    return compileExpr(e, this.env);
  }

  private key(k: SortKey): CompiledKey {
    const order = orderOfType(k.expr.type, collationOf(k.expr), this.env);
    return { fn: this.fn(k.expr), col: k.expr.kind === 'column' && k.expr.levelsUp === 0 ? k.expr.index : -1, type: k.expr.type, desc: k.desc, nullsFirst: k.nullsFirst, ...(order !== undefined ? { order } : {}) };
  }

  plan(p: LogicalPlan, req: Req, order: Order): PhysNode {
    const outer = this.pending;
    this.pending = [];
    const node = this.node(p, req, order);
    if (this.pending.length > 0) node.subplans = [...(node.subplans ?? []), ...this.pending];
    this.pending = outer;
    return node;
  }

  private node(p: LogicalPlan, req: Req, order: Order): PhysNode {
    switch (p.kind) {
      case 'scan':
        return this.scan(p, [], req, order);
      case 'filter':
        if (p.input.kind === 'scan') return this.scan(p.input, conjuncts(p.predicate), req, order);
        return new FilterOp(this.plan(p.input, reqOf([p.predicate], req), order), this.fn(p.predicate), [`Filter: ${deparse(p.predicate)}`]);
      case 'project': {
        // Outputs nothing above reads are not computed (PostgreSQL's remove_unused_subquery_outputs:
        // `SELECT id FROM (SELECT 1/0 AS x, id FROM t) s` does not fail), unless volatile or a set.
        const exprs = req === null ? p.exprs : p.exprs.map((e, i): Expr => (req.has(i) || e.kind === 'column' || keptUnread(e) || (p.srfs?.includes(i) ?? false) ? e : { kind: 'const', type: e.type, typmod: e.typmod, value: null }));
        const input = this.plan(p.input, reqOf(exprs), order);
        if (p.srfs !== undefined && p.srfs.length > 0) {
          const srfs = new Set(p.srfs);
          const items = exprs.map((e, i): Fn | SrfItem => {
            if (srfs.has(i) && e.kind === 'call' && e.def.set !== undefined) return { def: e.def, args: e.args.map((a) => this.fn(a)), argTypes: e.argTypes, type: e.type };
            return this.fn(e);
          });
          return new ProjectSetOp(input, items, FALLBACK_SETTINGS);
        }
        const cols = exprs.every((e) => e.kind === 'column' && e.levelsUp === 0) ? exprs.map((e) => (e as Expr & { kind: 'column' }).index) : null;
        return new ProjectOp(input, exprs.map((e) => this.fn(e)), cols);
      }
      case 'values':
        return new ValuesOp(p.rows.map((r) => r.map((e) => this.fn(e))));
      case 'function':
        return new FunctionScanOp(p.def, p.args.map((a) => this.fn(a)), p.argTypes, p.columns[0]?.type ?? 0, p.def.setColumns !== undefined, p.ordinality, FALLBACK_SETTINGS);
      case 'join':
        return this.join(p, req);
      case 'aggregate':
        return this.aggregate(p);
      case 'window': {
        const w = p.input.columns.length;
        const inReq = req === null ? null : new Set([...req].filter((i) => i < w));
        const input = this.plan(p.input, reqOf(p.calls.flatMap((c) => [...c.args, ...(c.filter ? [c.filter] : []), ...c.partitionBy, ...c.orderBy.map((k) => k.expr)]), inReq), null);
        return new WindowOp(input, p.calls, this.env, (k) => this.key(k), w);
      }
      case 'sort':
        return this.sort(p.input, p.keys, req, null);
      case 'limit': {
        const limit = p.limit === null ? null : this.fn(p.limit);
        const offset = p.offset === null ? null : this.fn(p.offset);
        if (p.input.kind === 'sort' && p.limit !== null) return new LimitOp(this.sort(p.input.input, p.input.keys, req, { limit, offset }), limit, offset);
        return new LimitOp(this.plan(p.input, req, order), limit, offset);
      }
      case 'distinct': {
        if (p.on === null) return new DistinctOp(this.plan(p.input, all(), order), null, p.columns.map((c) => c.type), []);
        return new DistinctOp(this.plan(p.input, reqOf(p.on, req), order), p.on.map((e) => this.fn(e)), p.on.map((e) => e.type), [`Key: ${p.on.map(deparse).join(', ')}`]);
      }
      case 'setop':
        return new SetOpOp(p.op, p.all, this.plan(p.left, all(), null), this.plan(p.right, all(), null), p.columns.map((c) => c.type));
      case 'cte': {
        // Read once and not MATERIALIZED: inlined as a subquery, as PostgreSQL 12+ does (its
        // unread outputs are then not computed).
        if (p.materialized !== true && this.cteReads.get(p.id) === 1) return this.plan(p.plan, req, order);
        let node = this.ctes.get(p.id);
        const first = node === undefined;
        if (node === undefined) {
          node = this.plan(p.plan, all(), null);
          this.ctes.set(p.id, node);
        }
        return new CteScanOp(p.id, p.name, node, first);
      }
      case 'recursiveunion':
        return new RecursiveUnionOp(p.id, p.all, this.plan(p.nonRecursive, all(), null), this.plan(p.recursive, all(), null), p.columns.map((c) => c.type));
      case 'worktable':
        return new WorkTableOp(p.id);
    }
  }

  private scan(s: ScanNode, conds: readonly Expr[], req: Req, order: Order): PhysNode {
    const rel = this.store.tables.get(s.tableOid)?.relation;
    this.tables.set(s.tableOid, `${s.schema}.${s.table}`);
    const width = s.columns.length;
    const needed = req === null ? new Set(s.columns.map((_c, i) => i)) : new Set(req);
    for (const c of conds) exprRefs(c, needed);
    const keyTypes = s.keyColumns.map((i) => s.columns[i]!.type);
    const cat = this.env.collations;
    const access = planKeyAccess(conds, s.keyColumns, keyTypes, (e) => this.fn(e), (c) => c.kind !== 'call' || byteOrdered(cat, inputCollation(c.args)));
    const filter = and(conds);
    const details: string[] = [];
    if (access !== null) details.push(`Key Cond: ${conds.filter((c) => keyCond(c, s.keyColumns)).map(deparse).join(' AND ') || '(none)'}`);
    if (filter !== null) details.push(`Filter: ${deparse(filter)}`);
    void rel;
    return new ScanOp(
      s.tableOid,
      `${s.schema}.${s.table}`,
      s.refName,
      s.columns.map((c) => ({ type: c.type, typmod: c.typmod })),
      [...needed].filter((i) => i < width).sort((a, b) => a - b),
      keyTypes,
      access,
      filter === null ? null : this.fn(filter),
      order === 'rev',
      details,
    );
  }

  /** Sort, or nothing when the input already comes in key order. */
  private sort(input: LogicalPlan, keys: readonly SortKey[], req: Req, limit: { limit: Fn | null; offset: Fn | null } | null): PhysNode {
    const walk = keyOrder(input, keys, this.env.collations);
    if (walk !== null) return this.plan(input, reqOf(keys.map((k) => k.expr), req), walk);
    const details = [`Sort Key: ${keys.map((k) => `${deparse(k.expr)}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ')}`];
    return new SortOp(this.plan(input, reqOf(keys.map((k) => k.expr), req), null), keys.map((k) => this.key(k)), details, limit);
  }

  private join(j: JoinNode, req: Req): PhysNode {
    const L = j.left.columns.length;
    const R = j.right.columns.length;
    const outLeftOnly = j.join === 'semi' || j.join === 'anti';
    const lreq = new Set<number>();
    const rreq = new Set<number>();
    if (req === null) {
      for (let i = 0; i < L; i++) lreq.add(i);
      if (!outLeftOnly) for (let i = 0; i < R; i++) rreq.add(i);
    } else for (const i of req) (i < L ? lreq : rreq).add(i < L ? i : i - L);
    const onRefs = new Set<number>();
    if (j.on !== null) exprRefs(j.on, onRefs);
    for (const i of onRefs) (i < L ? lreq : rreq).add(i < L ? i : i - L);
    if (j.lateral) planRefs(j.right, lreq, 1);
    const conds = conjuncts(j.on);
    const onText = j.on === null ? [] : [`Join Filter: ${deparse(j.on)}`];
    if (j.lateral) {
      return new NestLoopOp(j.join, this.plan(j.left, lreq, null), this.plan(j.right, rreq, null), j.on === null ? null : this.fn(j.on), true, L, R, onText);
    }
    const eq: { l: Expr; r: Expr; cond: Expr }[] = [];
    const rest: Expr[] = [];
    for (const c of conds) {
      const pair = c.kind === 'call' && c.def.kind === 'op' && c.def.name === '=' && c.args.length === 2 && !hasSubquery(c) ? equiSides(c.args[0]!, c.args[1]!, L, L + R) : null;
      if (pair !== null && c.kind === 'call' && c.argTypes[0] === c.argTypes[1] && typeInfo(c.argTypes[0]!).hashKey !== undefined) eq.push({ ...pair, cond: c });
      else rest.push(c);
    }
    const lookup = this.keyLookup(j, eq, rest, lreq, rreq, L);
    if (lookup !== null) return lookup;
    const left = this.plan(j.left, lreq, null);
    const right = this.plan(j.right, rreq, null);
    if (eq.length > 0) {
      const residual = and(rest);
      const details = [`Hash Cond: ${eq.length === 1 ? deparse(eq[0]!.cond) : `(${eq.map((e) => deparse(e.cond)).join(' AND ')})`}`];
      if (residual !== null) details.push(`Join Filter: ${deparse(residual)}`);
      return new HashJoinOp(
        j.join,
        left,
        right,
        eq.map((e) => this.fn(e.l)),
        eq.map((e) => this.fn(shiftColumns(e.r, -L))),
        eq.map((e) => e.l.type),
        residual === null ? null : this.fn(residual),
        L,
        R,
        details,
        j.join === 'inner' && this.estimate(j.left) < this.estimate(j.right),
      );
    }
    return new NestLoopOp(j.join, left, right, j.on === null ? null : this.fn(j.on), false, L, R, onText);
  }

  /** A key lookup join when the inner side is a table scan and `=` covers its whole key. */
  private keyLookup(j: JoinNode, eq: readonly { l: Expr; r: Expr; cond: Expr }[], rest: readonly Expr[], lreq: Set<number>, rreq: Set<number>, L: number): PhysNode | null {
    if (!(j.join === 'inner' || j.join === 'left' || j.join === 'semi' || j.join === 'anti')) return null;
    let inner = j.right;
    let innerConds: Expr[] = [];
    if (inner.kind === 'filter' && inner.input.kind === 'scan') {
      innerConds = conjuncts(inner.predicate);
      inner = inner.input;
    }
    if (inner.kind !== 'scan' || eq.length === 0) return null;
    const scan = inner;
    const keys: { fn: Fn; type: number }[] = [];
    const used = new Set<Expr>();
    for (const kc of scan.keyColumns) {
      const m = eq.find((e) => e.r.kind === 'column' && e.r.index - L === kc && usableKey(scan.columns[kc]!.type, e.l.type, '='));
      if (m === undefined) return null;
      used.add(m.cond);
      keys.push({ fn: this.fn(m.l), type: m.l.type });
    }
    this.tables.set(scan.tableOid, `${scan.schema}.${scan.table}`);
    const residual = and([...eq.filter((e) => !used.has(e.cond)).map((e) => e.cond), ...rest]);
    const needed = reqOf(innerConds, rreq);
    const innerFilter = and(innerConds);
    const details = [`Key Cond: ${eq.filter((e) => used.has(e.cond)).map((e) => deparse(e.cond)).join(' AND ')}`];
    if (innerFilter !== null) details.push(`Inner Filter: ${deparse(innerFilter)}`);
    if (residual !== null) details.push(`Join Filter: ${deparse(residual)}`);
    return new KeyLookupJoinOp(
      j.join,
      this.plan(j.left, lreq, null),
      {
        tableOid: scan.tableOid,
        qualified: `${scan.schema}.${scan.table}`,
        keyTypes: scan.keyColumns.map((i) => scan.columns[i]!.type),
        width: scan.columns.length,
        decode: decoder(
          scan.columns.map((c) => ({ type: c.type, typmod: c.typmod })),
          [...needed].sort((a, b) => a - b),
        ),
        filter: innerFilter === null ? null : this.fn(innerFilter),
      },
      keys,
      residual === null ? null : this.fn(residual),
      details,
      scan.refName,
    );
  }

  /** A rough row count, only to pick the hash join's build side (the smaller). */
  estimate(p: LogicalPlan): number {
    switch (p.kind) {
      case 'scan':
        return (this.store.tables.get(p.tableOid) ?? this.fixed.get(p.tableOid))?.rows.size ?? 1000;
      case 'filter':
        return p.input.kind === 'scan' && conjuncts(p.predicate).some((c) => keyCond(c, p.input.kind === 'scan' ? p.input.keyColumns : [])) ? 1 : this.estimate(p.input) / 4;
      case 'join':
        return p.join === 'semi' || p.join === 'anti' ? this.estimate(p.left) : Math.max(this.estimate(p.left), this.estimate(p.right));
      case 'aggregate':
        return p.groupBy.length === 0 ? 1 : this.estimate(p.input) / 10;
      case 'values':
        return p.rows.length;
      case 'project':
      case 'sort':
      case 'distinct':
      case 'window':
      case 'limit':
        return this.estimate(p.input);
      case 'setop':
        return this.estimate(p.left) + this.estimate(p.right);
      case 'cte':
        return this.estimate(p.plan);
      case 'function':
      case 'recursiveunion':
      case 'worktable':
        return 1000;
    }
  }

  private aggregate(a: AggregateNode): PhysNode {
    const exprs: Expr[] = [...a.groupBy];
    for (const c of a.aggs) exprs.push(...c.args, ...(c.filter === null ? [] : [c.filter]), ...c.orderBy.map((k) => k.expr));
    const input = this.plan(a.input, reqOf(exprs), null);
    const aggs: CompiledAgg[] = a.aggs.map((c) => ({
      def: c.def,
      args: c.args.map((x) => this.fn(x)),
      argTypes: c.argTypes,
      site: orderedSite(new CallSite(c.argTypes, c.resultType, FALLBACK_SETTINGS), orderOf(inputCollation(c.args), this.env)),
      distinct: c.distinct,
      filter: c.filter === null ? null : this.fn(c.filter),
      order: c.orderBy.map((k) => this.key(k)),
      directArgs: c.directArgs.map((x) => this.fn(x)),
    }));
    const details = a.groupBy.length > 0 ? [`Group Key: ${a.groupBy.map(deparse).join(', ')}`] : [];
    return new AggregateOp(input, a.groupBy.map((g) => this.fn(g)), a.groupBy.map((g) => g.type), a.groupingSets, aggs, details);
  }
}

function keyCond(c: Expr, keyColumns: readonly number[]): boolean {
  if (c.kind === 'call' && c.args.length === 2) return c.args.some((x) => x.kind === 'column' && x.levelsUp === 0 && keyColumns.includes(x.index));
  if (c.kind === 'scalararrayop') return c.left.kind === 'column' && keyColumns.includes(c.left.index);
  return false;
}

/** For `l = r`, which side reads only left ([0, L)) and which only right ([L, W)). */
function equiSides(a: Expr, b: Expr, L: number, W: number): { l: Expr; r: Expr } | null {
  if (readsOnly(a, 0, L) && readsOnly(b, L, W)) return { l: a, r: b };
  if (readsOnly(b, 0, L) && readsOnly(a, L, W)) return { l: b, r: a };
  return null;
}

/**
 * Whether `input` already delivers rows in the order of `keys` by walking a table's key tree
 * forward ('fwd') or backward ('rev'); null when a Sort is needed.
 */
export function keyOrder(input: LogicalPlan, keys: readonly SortKey[], collations?: CollationCatalog): Order {
  let cols: number[] = [];
  for (const k of keys) {
    if (k.expr.kind !== 'column' || k.expr.levelsUp !== 0) return null;
    // Text keys are stored in byte order: only a byte-ordered collation is that order.
    if (!byteOrdered(collations, collationOf(k.expr))) return null;
    cols.push(k.expr.index);
  }
  let p = input;
  let conds: Expr[] = [];
  for (;;) {
    if (p.kind === 'project') {
      const next: number[] = [];
      for (const c of cols) {
        const e = p.exprs[c]!;
        if (e.kind !== 'column' || e.levelsUp !== 0) return null;
        next.push(e.index);
      }
      if (p.srfs !== undefined && p.srfs.length > 0) return null;
      cols = next;
      p = p.input;
    } else if (p.kind === 'filter') {
      conds = [...conds, ...conjuncts(p.predicate)];
      p = p.input;
    } else break;
  }
  if (p.kind !== 'scan' || keys.length === 0) return null;
  const desc = keys[0]!.desc;
  if (keys.some((k) => k.desc !== desc)) return null;
  const keyTypes = p.keyColumns.map((i) => p.columns[i]!.type);
  if (!keyTypes.every(isOrderedKeyType)) return null;
  const access = planKeyAccess(conds, p.keyColumns, keyTypes, () => () => null);
  const fixed = access?.fixed ?? new Set<number>();
  // Walk the key positions: each is the next sort key or fixed by `=`. Once every key position is
  // passed the key is unique, so later sort keys cannot reorder anything.
  let k = 0;
  let pos = 0;
  for (; pos < p.keyColumns.length && k < cols.length; pos++) {
    if (cols[k] === p.keyColumns[pos]) k++;
    else if (!fixed.has(pos)) return null;
  }
  return k === cols.length || pos === p.keyColumns.length ? (desc ? 'rev' : 'fwd') : null;
}

/** Whether text under the derived collation d is ordered as bytes (true for non-text). */
function byteOrdered(cat: CollationCatalog | undefined, d: Derived): boolean {
  if (d.strength === Strength.None) return true;
  return d.strength !== Strength.Conflict && isByteOrder(cat, d.coll);
}
