/*
 * join.ts — Hash Join, Nested Loop, and Key Lookup Join (a nested loop whose inner side is a point
 * read of the inner table's key tree).
 *
 * Hash Join (nodeHashjoin.c): states BUILD (read the inner side into a hash table keyed by the
 * inner join keys, forwarding PAUSE; rows with a NULL key are kept only for RIGHT/FULL, never
 * matched) → PROBE (per outer row: its key, the bucket's rows, the residual condition) → FILL
 * (RIGHT/FULL: inner rows never matched, with NULLs for the outer side). The build is skipped when
 * the outer side is empty and no inner row must be emitted.
 *
 * Join kinds: inner, left, right, full; semi (outer rows with at least one match, once) and anti
 * (outer rows with none). Output: outer ++ inner (semi/anti: outer only).
 *
 * Nested Loop: the inner side is materialised once (not for LATERAL, which re-runs the inner side
 * per outer row with the outer row on the runtime's outer stack); the ON condition decides.
 */
import type { Datum } from '../../types/datum.js';
import type { JoinKind } from '../../logical/plan.js';
import type { ByteMap } from '../../../store/byte-map.js';
import type { EvalSettings } from '../../types/registry.js';
import { encodeBound } from '../key-access.js';
import { keyMaker, type Key } from '../hash-key.js';
import type { Fn } from '../eval.js';
import type { PhysNode } from '../node.js';
import { MemBudget, PAUSE, type Row, type Rows, type Runtime } from '../runtime.js';

const nulls = (n: number): Row => new Array<Datum>(n).fill(null);

const SUFFIX: Record<JoinKind, string> = { inner: '', left: ' Left Join', right: ' Right Join', full: ' Full Join', semi: ' Semi Join', anti: ' Anti Join' };

function joinName(kind: JoinKind, base: string): string {
  return base + SUFFIX[kind];
}

export class HashJoinOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly kind: JoinKind,
    readonly left: PhysNode,
    readonly right: PhysNode,
    private readonly leftKeys: readonly Fn[],
    private readonly rightKeys: readonly Fn[],
    private readonly keyTypes: readonly number[],
    private readonly residual: Fn | null,
    private readonly leftWidth: number,
    private readonly rightWidth: number,
    readonly details: readonly string[],
    /** Inner joins only: hash the left side (the smaller one) and probe with the right. */
    private readonly buildLeft = false,
  ) {
    this.name = kind === 'inner' ? 'Hash Join' : joinName(kind, 'Hash');
    this.children = [left, right];
  }

  /** Inner join hashing the left input: rows still come out as left ++ right. */
  private *runBuildLeft(rt: Runtime): Rows {
    const mk = keyMaker(this.keyTypes);
    const nk = this.keyTypes.length;
    const scratch = new Array<Datum>(nk).fill(null);
    const keyOf = (fns: readonly Fn[], r: Row): Key | null => {
      for (let i = 0; i < nk; i++) {
        const d = fns[i]!(r, rt);
        if (d === null) return null;
        scratch[i] = d;
      }
      return mk(scratch);
    };
    const mem = new MemBudget(rt, 'Hash');
    const table = new Map<Key, Row[]>();
    for (const l of this.left.run(rt)) {
      if (l === PAUSE) {
        yield l;
        continue;
      }
      const k = keyOf(this.leftKeys, l);
      if (k === null) continue;
      mem.addRow(l, 16);
      const bucket = table.get(k);
      if (bucket === undefined) table.set(k, [l]);
      else bucket.push(l);
    }
    if (table.size === 0) return;
    const residual = this.residual;
    for (const r of this.right.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const k = keyOf(this.rightKeys, r);
      const bucket = k === null ? undefined : table.get(k);
      if (bucket === undefined) continue;
      for (const l of bucket) {
        const joined = l.concat(r);
        if (residual === null || residual(joined, rt) === true) yield joined;
      }
    }
  }

  *run(rt: Runtime): Rows {
    if (this.buildLeft && this.kind === 'inner') {
      yield* this.runBuildLeft(rt);
      return;
    }
    const { kind, residual, leftWidth, rightWidth } = this;
    const mk = keyMaker(this.keyTypes);
    const nk = this.keyTypes.length;
    const scratch = new Array<Datum>(nk).fill(null);
    const keyOf = (fns: readonly Fn[], r: Row): Key | null => {
      for (let i = 0; i < nk; i++) {
        const d = fns[i]!(r, rt);
        if (d === null) return null;
        scratch[i] = d;
      }
      return mk(scratch);
    };
    const keepInner = kind === 'right' || kind === 'full';
    const outer = this.left.run(rt);
    // Peek the first outer row: an empty outer side needs no hash table (unless inner rows are kept).
    let first: Row | null = null;
    for (;;) {
      const n = outer.next();
      if (n.done === true) break;
      if (n.value === PAUSE) {
        yield PAUSE;
        continue;
      }
      first = n.value;
      break;
    }
    if (first === null && !keepInner) return;
    const mem = new MemBudget(rt, 'Hash');
    const inner: Row[] = [];
    const table = new Map<Key, number[]>();
    for (const r of this.right.run(rt)) {
      if (r === PAUSE) {
        yield r;
        continue;
      }
      const k = keyOf(this.rightKeys, r);
      if (k === null && !keepInner) continue;
      const i = inner.push(r) - 1;
      mem.addRow(r, 16);
      if (k === null) continue;
      const bucket = table.get(k);
      if (bucket === undefined) table.set(k, [i]);
      else bucket.push(i);
    }
    const matched = keepInner ? new Uint8Array(inner.length) : null;
    const leftKeys = this.leftKeys;
    const probe = function* (l: Row): Generator<Row> {
      const k = keyOf(leftKeys, l);
      const bucket = k === null ? undefined : table.get(k);
      let any = false;
      if (bucket !== undefined) {
        for (const i of bucket) {
          const r = inner[i]!;
          const joined = l.concat(r);
          if (residual !== null && residual(joined, rt) !== true) continue;
          any = true;
          if (matched !== null) matched[i] = 1;
          if (kind === 'semi') break;
          if (kind === 'anti') break;
          yield joined;
        }
      }
      if (kind === 'semi' && any) yield l;
      else if (kind === 'anti' && !any) yield l;
      else if (!any && (kind === 'left' || kind === 'full')) yield l.concat(nulls(rightWidth));
    };
    if (first !== null) {
      yield* probe(first);
      for (const l of outer) {
        if (l === PAUSE) {
          yield l;
          continue;
        }
        yield* probe(l);
      }
    }
    if (matched !== null) {
      const pad = nulls(leftWidth);
      for (let i = 0; i < inner.length; i++) {
        if (matched[i] === 0) yield pad.concat(inner[i]!);
        if (rt.shouldPause()) yield PAUSE;
      }
    }
  }
}

export class NestLoopOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly kind: JoinKind,
    readonly left: PhysNode,
    readonly right: PhysNode,
    private readonly on: Fn | null,
    private readonly lateral: boolean,
    private readonly leftWidth: number,
    private readonly rightWidth: number,
    readonly details: readonly string[],
  ) {
    this.name = kind === 'inner' ? 'Nested Loop' : joinName(kind, 'Nested Loop');
    this.children = [left, right];
  }

  *run(rt: Runtime): Rows {
    const { kind, on, rightWidth, leftWidth } = this;
    let inner: Row[] | null = null;
    if (!this.lateral) {
      inner = [];
      const mem = new MemBudget(rt, 'Materialize');
      for (const r of this.right.run(rt)) {
        if (r === PAUSE) {
          yield r;
          continue;
        }
        inner.push(r);
        mem.addRow(r);
      }
    }
    const matched = inner !== null && (kind === 'right' || kind === 'full') ? new Uint8Array(inner.length) : null;
    const lateralRows = (l: Row): Row[] => {
      // The inner side is pulled with the outer row on the stack, popped before anything else runs.
      const out: Row[] = [];
      const it = this.right.run(rt);
      for (;;) {
        rt.outer.push(l);
        let n: IteratorResult<Row | typeof PAUSE>;
        try {
          n = it.next();
        } finally {
          rt.outer.pop();
        }
        if (n.done === true) break;
        if (n.value === PAUSE) rt.checkInterrupts();
        else out.push(n.value);
      }
      return out;
    };
    for (const l of this.left.run(rt)) {
      if (l === PAUSE) {
        yield l;
        continue;
      }
      const rows = inner ?? lateralRows(l);
      let any = false;
      for (let i = 0; i < rows.length; i++) {
        const joined = l.concat(rows[i]!);
        if (on !== null && on(joined, rt) !== true) continue;
        any = true;
        if (matched !== null) matched[i] = 1;
        if (kind === 'semi' || kind === 'anti') break;
        yield joined;
        if (rt.shouldPause()) yield PAUSE;
      }
      if (kind === 'semi' && any) yield l;
      else if (kind === 'anti' && !any) yield l;
      else if (!any && (kind === 'left' || kind === 'full')) yield l.concat(nulls(rightWidth));
      if (rt.shouldPause()) yield PAUSE;
    }
    if (matched !== null) {
      const pad = nulls(leftWidth);
      for (let i = 0; i < inner!.length; i++) if (matched[i] === 0) yield pad.concat(inner![i]!);
    }
  }
}

/** The inner table of a Key Lookup Join, as the planner describes it. */
export interface LookupTarget {
  readonly tableOid: number;
  readonly qualified: string;
  readonly keyTypes: readonly number[];
  readonly width: number;
  readonly decode: (row: Uint8Array, s: EvalSettings) => Row;
  /** The inner scan's own conjuncts (over the inner row). */
  readonly filter: Fn | null;
}

/**
 * Nested loop through the inner table's primary key: per outer row, the key values (one outer
 * expression per key column, in key order) are encoded and looked up in the tree: O(log n) per
 * outer row, no hash table. Kinds: inner, left, semi, anti.
 */
export class KeyLookupJoinOp implements PhysNode {
  readonly name: string;
  readonly children: readonly PhysNode[];
  constructor(
    readonly kind: JoinKind,
    readonly left: PhysNode,
    private readonly target: LookupTarget,
    private readonly keys: readonly { readonly fn: Fn; readonly type: number }[],
    private readonly residual: Fn | null,
    readonly details: readonly string[],
    innerName: string,
  ) {
    this.name = kind === 'inner' ? 'Nested Loop' : joinName(kind, 'Nested Loop');
    this.children = [left, { name: `Key Lookup on ${innerName}`, details: [], children: [], run: () => (function* () {})() }];
  }

  *run(rt: Runtime): Rows {
    const { kind, target, keys, residual } = this;
    const t = rt.table(target.tableOid, target.qualified);
    const rows: ByteMap = t.rows;
    const parts: Uint8Array[] = new Array<Uint8Array>(keys.length);
    const pad = nulls(target.width);
    const settings = rt.settings;
    for (const l of this.left.run(rt)) {
      if (l === PAUSE) {
        yield l;
        continue;
      }
      let r: Row | null = null;
      let ok = true;
      let size = 0;
      for (let i = 0; i < keys.length && ok; i++) {
        const d = keys[i]!.fn(l, rt);
        if (d === null) ok = false;
        else {
          const b = encodeBound(target.keyTypes[i]!, keys[i]!.type, '=', d);
          if (b.kind !== 'bound') ok = false;
          else {
            parts[i] = b.bytes;
            size += b.bytes.length;
          }
        }
      }
      if (ok) {
        const key = new Uint8Array(size);
        let at = 0;
        for (const p of parts) {
          key.set(p, at);
          at += p.length;
        }
        const v = rows.get(key);
        if (v !== undefined) {
          const dec = target.decode(v, settings);
          if (target.filter === null || target.filter(dec, rt) === true) r = dec;
        }
      }
      let joined: Row | null = null;
      if (r !== null) {
        joined = l.concat(r);
        if (residual !== null && residual(joined, rt) !== true) joined = null;
      }
      if (kind === 'inner' && joined !== null) yield joined;
      else if (kind === 'left') yield joined ?? l.concat(pad);
      else if (kind === 'semi' && joined !== null) yield l;
      else if (kind === 'anti' && joined === null) yield l;
    }
  }
}
