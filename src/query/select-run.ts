/*
 * select-run.ts — running a planned single-table SELECT (select.ts): the key walks and point
 * lookups of its access path, filters, sort or key order, LIMIT/OFFSET and projection, as a lazy
 * iterator of DataRow bodies pulled by pgwire; count(*) and sorts drain their input first.
 *
 * Results are pulled lazily. XXX a result that spans several event-loop turns (large scans) can
 * see transactions applied between its rows: each row is from a committed state, the whole result
 * is not one snapshot (the tree iterator's rules, art.ts). Point reads, IN lists and count(*)
 * (computed before the first row is sent) are not affected. The executor pipeline (exec/) runs
 * each statement over one state of the store.
 *
 * Interface:
 *   TableSelect                       what select.ts plans
 *   runTableSelect(sel, ctx, args)    its rows for one execution
 */
import { SqlError } from '../errors.js';
import type { ExecContext } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { buildRow, columnValue } from '../store/row.js';
import { compareBytes, encodeFor, type Domain } from './compare.js';
import { bindPred, type Pred, type RowTest } from './expr.js';
import { bytesOfKey, type ScalarExpr } from './scalar.js';
import { getSetting } from './session.js';
import { type Source } from './select-source.js';
import { bindKeyAccess, pointKey, type KeyAccess, type Segment } from './key-access.js';
import { Oid } from '../pg/types.js';
import { SliceClock } from './exec/slice-clock.js';
import { sortInSlices } from './exec/sort-slices.js';
import { castText, valueText, valueType, type Args, type Value } from './values.js';

// --- output items ---------------------------------------------------------------------------------

export type Output =
  | { readonly k: 'col'; readonly index: number }
  /** A column cast to text: bool prints true/false, bpchar drops trailing spaces. */
  | { readonly k: 'text'; readonly index: number; readonly from: number }
  | { readonly k: 'scalar'; readonly expr: ScalarExpr }
  | { readonly k: 'count' };

export interface SortKey {
  readonly index: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly domain: Domain;
  readonly type: number;
}

export interface TableSelect {
  readonly source: Source;
  readonly outputs: readonly Output[];
  readonly projectAll: boolean;
  readonly filter: Pred | null;
  readonly access: KeyAccess;
  readonly order: { readonly kind: 'key'; readonly reverse: boolean } | { readonly kind: 'sort'; readonly keys: readonly SortKey[] } | null;
  readonly limit: Value | null;
  readonly offset: Value | null;
  readonly count: { readonly column: number } | null;
  /** memstore.list(prefix): the prefix argument and its type. */
  readonly listPrefix: Value | null;
  /** One value per key column when the WHERE names exactly one complete key: a lookup, no walk. */
  readonly point: readonly Value[] | null;
  /** The projection, fixed at plan time when the select list has no scalar expressions. */
  readonly project: ((row: Uint8Array) => Uint8Array) | null;
}

// --- execution --------------------------------------------------------------------------------------

export const EMPTY: Iterator<Uint8Array> = [][Symbol.iterator]();
const NO_VALUES: (string | null)[] = [];

export function timeZone(ctx: ExecContext): string {
  return getSetting(ctx.session, 'timezone') ?? 'UTC';
}

/** Full rows matching the WHERE clause, in walk order. */
function* matching(source: Source, segments: readonly Segment[], filter: RowTest | null, listPrefix: Uint8Array | null): Generator<Uint8Array> {
  const map = source.map;
  const rowOf = source.rowOf;
  for (const seg of segments) {
    if (seg.point !== null) {
      if (listPrefix !== null && !startsWith(seg.point, listPrefix)) continue;
      const v = map.get(seg.point);
      if (v === undefined) continue;
      const row = rowOf === null ? v : rowOf(seg.point, v);
      if (filter === null || filter(row) === true) yield row;
      continue;
    }
    let opts = seg.range!;
    if (listPrefix !== null) {
      const p = opts.prefix;
      if (p === undefined || p.length < listPrefix.length) {
        if (p !== undefined && !startsWith(listPrefix, p)) continue;
        opts = { ...opts, prefix: listPrefix };
      } else if (!startsWith(p, listPrefix)) continue;
    }
    for (const [k, v] of map.entries(opts)) {
      const row = rowOf === null ? v : rowOf(k, v);
      if (filter === null || filter(row) === true) yield row;
    }
  }
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

export function projector(sel: Pick<TableSelect, 'outputs' | 'projectAll'>, scalars: readonly (string | null)[]): (row: Uint8Array) => Uint8Array {
  if (sel.projectAll) return (row) => row;
  const outs = sel.outputs;
  const first = outs[0];
  if (outs.length === 1 && first !== undefined && first.k === 'col') {
    const index = first.index;
    return (row) => oneColumnRow(row, index);
  }
  const consts = scalars.map((s) => (s === null ? null : Buffer.from(s, 'utf8')));
  return (row) => {
    const values = new Array<Uint8Array | null>(outs.length);
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      if (o.k === 'col') values[i] = columnValue(row, o.index) ?? null;
      else if (o.k === 'text') {
        const b = columnValue(row, o.index) ?? null;
        if (b === null) values[i] = null;
        else if (o.from === Oid.bool) values[i] = Buffer.from(b[0] === 0x74 ? 'true' : 'false');
        else if (o.from === Oid.bpchar) {
          let n = b.length;
          while (n > 0 && b[n - 1] === 0x20) n--;
          values[i] = b.subarray(0, n);
        } else values[i] = b;
      } else values[i] = consts[i] ?? null;
    }
    return buildRow(values);
  };
}

/** A one-column DataRow body holding column `index` of `row` (one walk, no DataView). */
function oneColumnRow(row: Uint8Array, index: number): Uint8Array {
  const count = ((row[0]! << 8) | row[1]!) << 16 >> 16;
  let pos = 2;
  let len = -1;
  for (let c = 0; c < count; c++) {
    len = (row[pos]! << 24) | (row[pos + 1]! << 16) | (row[pos + 2]! << 8) | row[pos + 3]!;
    if (c === index) break;
    pos += 4 + (len > 0 ? len : 0);
  }
  if (index >= count || len < 0) return NULL_ROW.slice();
  const out = new Uint8Array(6 + len);
  out[1] = 1;
  out.set(row.subarray(pos, pos + 4 + len), 2);
  return out;
}

const NULL_ROW = new Uint8Array([0, 1, 0xff, 0xff, 0xff, 0xff]);

function* limited(rows: Iterator<Uint8Array>, offset: number, limit: number, project: (row: Uint8Array) => Uint8Array): Generator<Uint8Array> {
  let skipped = 0;
  let sent = 0;
  if (limit <= 0) return;
  for (;;) {
    const r = rows.next();
    if (r.done === true) return;
    if (skipped < offset) {
      skipped++;
      continue;
    }
    yield project(r.value);
    if (++sent >= limit) return;
  }
}

/** Sorts in slices (sort-slices.ts), yielding to the event loop between them; honours cancel. */
async function sortRows(ctx: ExecContext, rows: Uint8Array[], keys: readonly SortKey[]): Promise<Uint8Array[]> {
  const slice = new Slice();
  const decorated: { row: Uint8Array; keys: (Uint8Array | null)[] }[] = [];
  for (const row of rows) {
    decorated.push({
      row,
      keys: keys.map((k) => {
        const b = columnValue(row, k.index);
        return b === null || b === undefined ? null : encodeFor(k.domain, k.type, b);
      }),
    });
    if (slice.over()) await slice.yield(ctx);
  }
  const compare = (a: (typeof decorated)[number], b: (typeof decorated)[number]): number => {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = a.keys[i]!;
      const y = b.keys[i]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareBytes(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
  for (const _ of sortInSlices(decorated, compare, () => slice.over())) await slice.yield(ctx);
  return decorated.map((d) => d.row);
}

/** A time slice (exec/slice-clock.ts) whose yield lets the event loop run once and honours cancel. */
class Slice extends SliceClock {
  async yield(ctx: ExecContext, iter?: Iterator<Uint8Array>): Promise<void> {
    this.end();
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ctx.signal.aborted) {
      iter?.return?.();
      throw ctx.signal.reason;
    }
    this.restart();
  }
}

/** Pulls an iterator to the end in time slices, yielding to the event loop and honouring cancel. */
async function drain(ctx: ExecContext, iter: Iterator<Uint8Array>, each: (row: Uint8Array) => void): Promise<void> {
  const slice = new Slice();
  for (;;) {
    const r = iter.next();
    if (r.done === true) return;
    each(r.value);
    if (slice.over()) await slice.yield(ctx, iter);
  }
}

function evalScalars(ctx: ExecContext, args: Args, sel: TableSelect): (string | null)[] | Promise<(string | null)[]> {
  const out = sel.outputs.map((o) => (o.k === 'scalar' ? o.expr.eval(ctx, args) : null));
  if (out.some((v) => v instanceof Promise)) return Promise.all(out.map((v) => Promise.resolve(v)));
  return out as (string | null)[];
}

export function runTableSelect(sel: TableSelect, ctx: ExecContext, args: Args): Iterator<Uint8Array> | Promise<Iterator<Uint8Array>> {
  const source = sel.source;
  source.check();
  const tz = timeZone(ctx);
  if (sel.point !== null && sel.project !== null && sel.limit === null && sel.offset === null) {
    // Point read by the whole key: encode, one lookup, project.
    const key = pointKey(source, sel.point, args, tz);
    if (key === null) return EMPTY;
    const row = source.map.get(key);
    if (row === undefined) return EMPTY;
    if (sel.filter !== null && bindPred(sel.filter, args, tz)(row) !== true) return EMPTY;
    return [sel.project(row)][Symbol.iterator]();
  }
  const reverse = sel.order !== null && sel.order.kind === 'key' && sel.order.reverse;
  const limit = rowsLimit(sel.limit, args, tz, 'LIMIT');
  const offset = rowsLimit(sel.offset, args, tz, 'OFFSET');
  let listPrefix: Uint8Array | null = null;
  if (sel.listPrefix !== null) {
    const t = valueText(sel.listPrefix, args, tz);
    if (t === null) return EMPTY; // memstore.list(NULL): a strict function, no rows
    listPrefix = bytesOfKey(t, valueType(sel.listPrefix));
  }
  const segments = bindKeyAccess(source, sel.access, args, tz, reverse) ?? [];
  const filter = sel.filter === null ? null : bindPred(sel.filter, args, tz);
  const scalars = sel.project !== null ? NO_VALUES : evalScalars(ctx, args, sel);
  const finish = (values: (string | null)[]): Iterator<Uint8Array> | Promise<Iterator<Uint8Array>> => {
    if (sel.count !== null) {
      const column = sel.count.column;
      const countRow = (n: number): Iterator<Uint8Array> => {
        const row = projector(sel, values.map((v, i) => (sel.outputs[i]!.k === 'count' ? String(n) : v)))(new Uint8Array([0, 0]));
        return limited([row][Symbol.iterator](), offset, limit, (r) => r);
      };
      const unrestricted = segments.length === 1 && segments[0]!.range !== null && Object.keys(segments[0]!.range).length === 0;
      if (filter === null && column < 0 && listPrefix === null && unrestricted) return countRow(source.map.size);
      let n = 0;
      const counting = (row: Uint8Array): void => {
        if (column < 0 || columnValue(row, column) != null) n++;
      };
      return drain(ctx, matching(source, segments, filter, listPrefix), counting).then(() => countRow(n));
    }
    const project = sel.project ?? projector(sel, values);
    if (sel.order !== null && sel.order.kind === 'sort') {
      const keys = sel.order.keys;
      const all: Uint8Array[] = [];
      return drain(ctx, matching(source, segments, filter, listPrefix), (row) => all.push(row))
        .then(() => sortRows(ctx, all, keys))
        .then((sorted) => limited(sorted[Symbol.iterator](), offset, limit, project));
    }
    // Point read: no generator.
    if (segments.length === 1 && segments[0]!.point !== null && listPrefix === null && offset === 0 && limit >= 1) {
      const key = segments[0]!.point;
      const v = source.map.get(key);
      if (v === undefined) return EMPTY;
      const row = source.rowOf === null ? v : source.rowOf(key, v);
      if (filter !== null && filter(row) !== true) return EMPTY;
      return [project(row)][Symbol.iterator]();
    }
    return limited(matching(source, segments, filter, listPrefix), offset, limit, project);
  };
  if (scalars instanceof Promise) return scalars.then(finish);
  return finish(scalars);
}

export function rowsLimit(v: Value | null, args: Args, tz: string, what: 'LIMIT' | 'OFFSET'): number {
  if (v === null) return what === 'LIMIT' ? Infinity : 0;
  const t = valueText(v, args, tz);
  if (t === null) return what === 'LIMIT' ? Infinity : 0;
  const n = Number(castText(valueType(v) === Oid.unknown ? Oid.int8 : valueType(v), Oid.int8, t, tz));
  if (n < 0) {
    throw new SqlError(what === 'LIMIT' ? SQLSTATE.invalid_row_count_in_limit_clause : SQLSTATE.invalid_row_count_in_result_offset_clause, `${what} must not be negative`);
  }
  return n;
}
