/*
 * window.ts — WindowAgg: window functions and aggregates OVER (PARTITION BY … ORDER BY … frame).
 *
 * Algorithm: the input is materialised (forwarding PAUSE; counted against work_mem). For each
 * window call: rows are split into partitions (hash of the PARTITION BY values), each partition
 * sorted by the ORDER BY keys (evaluated once per row), peer groups found (equal ORDER BY values),
 * and the call's value computed for every row from its frame:
 *   ROWS     offsets count rows;   GROUPS  offsets count peer groups;
 *   RANGE    CURRENT ROW is the peer group; offsets compare the single ORDER BY value (numbers
 *            only here: XXX other types are 0A000).
 * EXCLUDE CURRENT ROW / GROUP / TIES removes rows from an aggregate's frame. Aggregates whose frame
 * starts at UNBOUNDED PRECEDING without EXCLUDE are computed incrementally (the frame end only
 * moves forward), others are recomputed per row. Window functions proper (WindowDef) get a view
 * of the partition (frame, peers, arguments per row).
 *
 * Output: input ++ one column per call, rows in the last call's partition/sort order.
 * Left out: EXCLUDE for window functions proper (first_value … see the whole frame: XXX).
 */
import { SqlError } from '../../../errors.js';
import { SQLSTATE } from '../../../pgwire/sqlstate.js';
import type { SortKey, WindowCall, FrameBound } from '../../logical/plan.js';
import type { WindowFrameView } from '../../functions/registry.js';
import type { Datum } from '../../types/datum.js';
import { compileExpr, NO_ROW, orderOf, type CompileEnv, type Fn } from '../eval.js';
import { inputCollation } from '../../bind/collate.js';
import { keyMaker, type Key } from '../hash-key.js';
import type { PhysNode } from '../node.js';
import { CallSite, MemBudget, orderedSite, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';
import { keyComparator, type CompiledKey } from './sort.js';
import { notSupported } from '../../errors.js';
import { funcsNamed } from '../../functions/registry.js';
import { findCast, typeInfo } from '../../types/registry.js';
import { FALLBACK_SETTINGS as FALLBACK } from '../settings.js';

interface CompiledBound {
  readonly kind: FrameBound['kind'];
  readonly offset: Fn | null;
  readonly offsetType: number;
}

/**
 * `value ± offset` for a RANGE frame edge and how to compare rows with it: numbers directly, other
 * types through the registry's `+` / `-` operator for (key type, offset type) (numeric, date or
 * timestamp with interval…), comparing in the operator's result type as PostgreSQL's in_range does.
 */
function rangeShift(keyType: number, offsetType: number, minus: boolean): { shift: (v: Datum, off: Datum) => Datum; compare: (x: Datum, target: Datum) => number } {
  const def = funcsNamed(minus ? '-' : '+', 'op').find((d) => d.args.length === 2 && d.args[0] === keyType && d.args[1] === offsetType && d.call !== undefined);
  if (def === undefined) throw notSupported(`RANGE frame offsets of type ${typeInfo(offsetType).sqlName} over ${typeInfo(keyType).sqlName}`);
  const rtype = typeof def.returns === 'number' ? def.returns : def.returns([keyType, offsetType]);
  const cmp = typeInfo(rtype).compare;
  if (cmp === undefined) throw notSupported(`RANGE frame offsets over ${typeInfo(rtype).sqlName}`);
  const cast = rtype === keyType ? null : findCast(keyType, rtype);
  const cx = { settings: FALLBACK, argTypes: [keyType, offsetType], resultType: rtype, checkInterrupts: () => undefined };
  return {
    shift: (v, off) => def.call!([v, off], cx),
    compare: cast === null || cast === undefined ? cmp : (x, t) => cmp(cast.convert(x, FALLBACK), t),
  };
}

interface CompiledCall {
  readonly call: WindowCall;
  readonly args: readonly Fn[];
  readonly filter: Fn | null;
  readonly partition: readonly Fn[];
  readonly partitionKey: (v: readonly Datum[]) => Key;
  readonly order: readonly CompiledKey[];
  readonly start: CompiledBound;
  readonly end: CompiledBound;
  readonly site: CallSite;
}

export class WindowOp implements PhysNode {
  readonly name = 'WindowAgg';
  readonly details: readonly string[] = [];
  readonly children: readonly PhysNode[];
  private readonly calls: readonly CompiledCall[];

  constructor(
    readonly input: PhysNode,
    calls: readonly WindowCall[],
    env: CompileEnv,
    key: (k: SortKey) => CompiledKey,
    private readonly width: number,
  ) {
    this.children = [input];
    const bound = (b: FrameBound): CompiledBound => ({ kind: b.kind, offset: 'offset' in b ? compileExpr(b.offset, env) : null, offsetType: 'offset' in b ? b.offset.type : 0 });
    this.calls = calls.map((c) => ({
      call: c,
      args: c.args.map((a) => compileExpr(a, env)),
      filter: c.filter === null ? null : compileExpr(c.filter, env),
      partition: c.partitionBy.map((p) => compileExpr(p, env)),
      partitionKey: keyMaker(c.partitionBy.map((p) => p.type)),
      order: c.orderBy.map(key),
      start: bound(c.frame.start),
      end: bound(c.frame.end),
      site: orderedSite(new CallSite(c.argTypes, c.resultType, env.fallback), orderOf(inputCollation(c.args), env)),
    }));
  }

  *run(rt: Runtime): Rows {
    const mem = new MemBudget(rt, 'WindowAgg');
    const rows: Row[] = [];
    for (const r of this.input.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const out = r.length === this.width ? r.slice() : r.slice(0, this.width);
      for (let i = 0; i < this.calls.length; i++) out.push(null);
      rows.push(out);
      mem.addRow(out);
    }
    let order: number[] = rows.map((_r, i) => i);
    for (let ci = 0; ci < this.calls.length; ci++) {
      order = this.compute(this.calls[ci]!, this.width + ci, rows, rt);
      rt.checkInterrupts();
    }
    for (const i of order) {
      yield rows[i]!;
      if (rt.shouldPause()) yield PAUSE;
    }
  }

  /** Fills column `col` for every row; returns the rows' order (partitions, each sorted). */
  private compute(c: CompiledCall, col: number, rows: Row[], rt: Runtime): number[] {
    const parts = new Map<Key, number[]>();
    const pv = new Array<Datum>(c.partition.length).fill(null);
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < c.partition.length; k++) pv[k] = c.partition[k]!(rows[i]!, rt);
      const key = c.partitionKey(pv);
      const list = parts.get(key);
      if (list === undefined) parts.set(key, [i]);
      else list.push(i);
    }
    const cmp = keyComparator(c.order);
    const result: number[] = [];
    for (const idx of parts.values()) {
      const keys = idx.map((i) => c.order.map((k) => k.fn(rows[i]!, rt)));
      const perm = idx.map((_x, j) => j);
      if (c.order.length > 0) perm.sort((a, b) => cmp(keys[a]!, keys[b]!));
      const part = perm.map((j) => rows[idx[j]!]!);
      const pkeys = perm.map((j) => keys[j]!);
      this.partition(c, col, part, pkeys, cmp, rt);
      for (const j of perm) result.push(idx[j]!);
    }
    return result;
  }

  private partition(c: CompiledCall, col: number, part: Row[], keys: Datum[][], cmp: (a: readonly Datum[], b: readonly Datum[]) => number, rt: Runtime): void {
    const n = part.length;
    // Peer groups: [first, last] per row and the group number.
    const peerFirst = new Int32Array(n);
    const peerLast = new Int32Array(n);
    const group = new Int32Array(n);
    const groupFirst: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0 && cmp(keys[i - 1]!, keys[i]!) === 0) {
        peerFirst[i] = peerFirst[i - 1]!;
        group[i] = group[i - 1]!;
      } else {
        peerFirst[i] = i;
        group[i] = groupFirst.length;
        groupFirst.push(i);
      }
    }
    for (let i = n - 1; i >= 0; i--) peerLast[i] = i < n - 1 && group[i + 1] === group[i] ? peerLast[i + 1]! : i;
    const groupLast = (g: number): number => (g + 1 < groupFirst.length ? groupFirst[g + 1]! - 1 : n - 1);
    const frame = c.call.frame;
    const offsetOf = (b: CompiledBound): Datum => {
      const d = b.offset!(NO_ROW, rt);
      if (d === null) throw new SqlError(SQLSTATE.null_value_not_allowed, `frame ${b === c.start ? 'starting' : 'ending'} offset must not be null`);
      const negative = typeof d === 'number' || typeof d === 'bigint' ? d < 0 : typeof d === 'object' && 'd' in d && 'dscale' in d ? d.d.isNegative() && !d.d.isZero() : false;
      if (negative) throw new SqlError(SQLSTATE.invalid_preceding_or_following_size, frame.mode === 'range' ? 'invalid preceding or following size in window function' : `frame ${b === c.start ? 'starting' : 'ending'} offset must not be negative`);
      return d;
    };
    const startOff: Datum = c.start.offset === null ? 0 : offsetOf(c.start);
    const endOff: Datum = c.end.offset === null ? 0 : offsetOf(c.end);
    const desc = c.order[0]?.desc ?? false;
    const shifts = new Map<string, ReturnType<typeof rangeShift>>();
    const rangeEdge = (i: number, b: CompiledBound, off: Datum, isStart: boolean): number => {
      // RANGE offset: rows whose single ORDER BY value is within off of this row's.
      const v = keys[i]![0];
      if (v === null || v === undefined) return isStart ? peerFirst[i]! : peerLast[i]!;
      const minus = (b.kind === 'preceding') !== desc;
      let target: Datum;
      let cmp: (x: Datum, t: Datum) => number;
      if (typeof v === 'number' && (typeof off === 'number' || typeof off === 'bigint')) {
        target = v + (minus ? -1 : 1) * Number(off);
        cmp = (x, t) => (x as number) - (t as number);
      } else if (typeof v === 'bigint' && (typeof off === 'number' || typeof off === 'bigint')) {
        target = v + (minus ? -1n : 1n) * BigInt(off);
        cmp = (x, t) => ((x as bigint) < (t as bigint) ? -1 : (x as bigint) > (t as bigint) ? 1 : 0);
      } else {
        const k = `${minus}:${b.offsetType}`;
        let sh = shifts.get(k);
        if (sh === undefined) {
          sh = rangeShift(c.order[0]!.type, b.offsetType, minus);
          shifts.set(k, sh);
        }
        target = sh.shift(v, off);
        cmp = sh.compare;
      }
      const nullsFirst = c.order[0]!.nullsFirst;
      const before = (x: Datum): boolean => (x === null ? nullsFirst : desc ? cmp(x, target) > 0 : cmp(x, target) < 0);
      const after = (x: Datum): boolean => (x === null ? !nullsFirst : desc ? cmp(x, target) < 0 : cmp(x, target) > 0);
      if (isStart) {
        let j = 0;
        while (j < n && before(keys[j]![0] ?? null)) j++;
        return j;
      }
      let j = n - 1;
      while (j >= 0 && after(keys[j]![0] ?? null)) j--;
      return j;
    };
    const edge = (i: number, b: CompiledBound, off: Datum, isStart: boolean): number => {
      switch (b.kind) {
        case 'unbounded preceding':
          return 0;
        case 'unbounded following':
          return n - 1;
        case 'current row':
          return frame.mode === 'rows' ? i : isStart ? peerFirst[i]! : peerLast[i]!;
        case 'preceding':
        case 'following': {
          const o = Number(off);
          const s = b.kind === 'preceding' ? -o : o;
          if (frame.mode === 'rows') return i + s;
          if (frame.mode === 'groups') {
            const g = group[i]! + s;
            if (g < 0) return isStart ? 0 : -1;
            if (g >= groupFirst.length) return isStart ? n : n - 1;
            return isStart ? groupFirst[g]! : groupLast(g);
          }
          return rangeEdge(i, b, off, isStart);
        }
      }
    };
    const fn = c.call.fn;
    const site = c.site;
    site.rt = rt;
    if (fn.kind === 'window') {
      let cur = 0;
      const frameArr: [number, number] = [0, 0];
      const peersArr: [number, number] = [0, 0];
      const view: WindowFrameView = {
        size: n,
        get row() {
          return cur;
        },
        peers: peersArr,
        frame: frameArr,
        arg: (k, r) => c.args[k]!(part[r]!, rt),
        peerGroup: (r) => group[r]! + 1,
      };
      for (let i = 0; i < n; i++) {
        cur = i;
        frameArr[0] = Math.max(0, edge(i, c.start, startOff, true));
        frameArr[1] = Math.min(n - 1, edge(i, c.end, endOff, false));
        peersArr[0] = peerFirst[i]!;
        peersArr[1] = peerLast[i]!;
        part[i]![col] = fn.def.eval(view, site);
      }
      return;
    }
    const def = fn.def;
    const args = new Array<Datum>(c.args.length).fill(null);
    const stepRow = (state: unknown, r: number): unknown => {
      const row = part[r]!;
      if (c.filter !== null && c.filter(row, rt) !== true) return state;
      for (let k = 0; k < c.args.length; k++) {
        const d = c.args[k]!(row, rt);
        if (d === null && def.strict) return state;
        args[k] = d;
      }
      return def.step(state, args, site);
    };
    const incremental = c.start.kind === 'unbounded preceding' && frame.exclude === 'none';
    let state = incremental ? def.init(site) : null;
    let stepped = 0;
    for (let i = 0; i < n; i++) {
      const fs = Math.max(0, edge(i, c.start, startOff, true));
      const fe = Math.min(n - 1, edge(i, c.end, endOff, false));
      if (incremental) {
        while (stepped <= fe) state = stepRow(state, stepped++);
        part[i]![col] = def.final(state, site);
        continue;
      }
      let s = def.init(site);
      for (let r = fs; r <= fe; r++) {
        if (frame.exclude === 'current row' && r === i) continue;
        if (frame.exclude === 'group' && group[r] === group[i]) continue;
        if (frame.exclude === 'ties' && group[r] === group[i] && r !== i) continue;
        s = stepRow(s, r);
      }
      part[i]![col] = def.final(s, site);
      if ((i & 255) === 0) rt.checkInterrupts();
    }
  }
}
