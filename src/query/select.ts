/*
 * select.ts — SELECT over one table (or the memstore key space): access path, filters, order,
 * LIMIT/OFFSET, projection, count(*); planned once, run per execution as a lazy row iterator.
 *
 * Access paths are walks of the table's radix tree, whose keys are the order-preserving encoding
 * of the primary key (key-codec.ts). From the top-level AND of the WHERE clause:
 *   - `=`, IN (…), = ANY(array) on the leading key columns → a set of key prefixes (their
 *     cartesian product, sorted); on every key column → point lookups (the hot path: encode the
 *     key, one tree lookup, no iterator);
 *   - then <, <=, >, >=, BETWEEN on the next key column → lo/hi bounds of the walk, and
 *     LIKE 'prefix%' on a text-like next key column → a prefix walk;
 *   - ORDER BY the key columns (those fixed by `=` may be left out) in one direction → forward
 *     or backward walk; any other ORDER BY → a sort of the matching rows (values compared as in
 *     compare.ts, text in C order, NULLS LAST for ASC and FIRST for DESC as in PostgreSQL).
 * Conjuncts the walk enforces exactly are not re-evaluated; everything else is a filter with
 * SQL's three-valued logic (expr.ts). A conjunct whose constant has another type than the key
 * column stays a filter unless the conversion is exact (integer keys take any numeric bound:
 * `aid > 1.5` walks from 2, `int2key = 100000` finds nothing without a walk).
 *
 * Results are pulled lazily by pgwire. XXX a result that spans several event-loop turns (large
 * scans) can see transactions applied between its rows: each row is from a committed state,
 * the whole result is not one snapshot (the tree iterator's rules, art.ts). Point reads, IN
 * lists and count(*) (computed before the first row is sent) are not affected.
 *
 * Interface:
 *   planSelect(ctx, env, stmt)   Plan for a SELECT with FROM (or a scalar SELECT without FROM)
 *   planRows(ctx, env, stmt)     the same as a RowPlan, for COPY (SELECT …) TO STDOUT
 *   tableSource / memstoreSource the two kinds of FROM item
 */
import type { ColumnRef, RangeFunction, RangeVar, ResTarget, SelectStmt, SortBy } from 'libpg-query';
import { SqlError } from '../errors.js';
import type { ExecContext, ExecResult, FieldDescription } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { ByteMap, RangeOptions } from '../store/byte-map.js';
import { encodeKey, encodeKeyPrefix } from '../store/key-codec.js';
import { buildRow, columnValue } from '../store/row.js';
import type { Relation } from '../pg/relation.js';
import type { TableState } from '../store/store.js';
import { expiryOf, formatTimestamptz, jsonOf, NO_EXPIRY, nowMicros, type MemstoreKeys } from '../store/memstore.js';
import { compareBytes, compileLike, encodeFor, integerBound, isIntegerType, isTextType, type CmpOp, type Domain } from './compare.js';
import { missingFromEntry, notSupported, positionOf, readOnly, undefinedColumn, undefinedTable } from './errors.js';
import {
  analyzePred,
  arrayElements,
  bindPred,
  conjuncts,
  likePatternText,
  type ArrayOperand,
  type ColumnScope,
  type Operand,
  type Pred,
  type RowTest,
} from './expr.js';
import { byteaBytes } from './input.js';
import { locationOf, nodeKind, stringList, type Node } from './parse.js';
import { alwaysValid, computedField, selectTag, type EngineEnv, type Plan } from './plan.js';
import { analyzeScalar, bytesOfKey, searchPath, type ScalarExpr } from './scalar.js';
import { getSetting } from './session.js';
import { outputSettings } from './eval-settings.js';
import { rendered, rowRenderer, settingsSensitive } from './render.js';
import { Oid, sqlTypeName, typeSize } from '../pg/types.js';
import { at, castTarget, castText, coerceValue, refText, isUnknown, readStatically, valueFromNode, valueText, valueType, type Args, type BuildContext, type Value } from './values.js';

// --- sources --------------------------------------------------------------------------------------

export interface ColumnInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
  readonly attnum: number;
}

export interface Source {
  /** Name for messages and qualification (alias, else the relation or function name). */
  readonly refName: string;
  readonly tableOid: number;
  readonly columns: readonly ColumnInfo[];
  readonly keyIndexes: readonly number[];
  readonly keyTypes: readonly number[];
  readonly map: ByteMap;
  /** Tree-key bytes of one key column's canonical text (of `valueType`). */
  encodeKeyPart(pos: number, text: string, valueType: number): Uint8Array;
  /** Tree-key bytes every key whose column `pos` starts with `prefix` starts with; null if none. */
  encodePrefix(pos: number, prefix: string): Uint8Array | null;
  /** Builds the row from a tree entry; null when the stored value is the row. */
  readonly rowOf: ((key: Uint8Array, value: Uint8Array) => Uint8Array) | null;
  /** Throws when the source cannot be read now (skipped or still copying). */
  check(): void;
  /** False when the table was replaced or re-described since planning. */
  valid(): boolean;
}

const FLOAT_TYPES = new Set<number>([Oid.float4, Oid.float8]);

export function tableSource(env: EngineEnv, t: TableState, refName: string): Source {
  const rel: Relation = t.relation;
  const oid = rel.oid;
  const keyTypes = [...t.keyTypeOids];
  const single = [0];
  return {
    refName,
    tableOid: oid,
    columns: rel.columns.map((c, i) => ({ name: c.name, typeOid: c.typeOid, typeMod: c.typeMod, attnum: i + 1 })),
    keyIndexes: [...t.keyIndexes],
    keyTypes,
    map: t.rows,
    encodeKeyPart(pos, text, vtype) {
      const keyType = keyTypes[pos]!;
      let b = Buffer.from(text, 'utf8');
      if (FLOAT_TYPES.has(keyType)) {
        single[0] = vtype === Oid.float4 ? Oid.float4 : Oid.float8;
        return encodeKey(single, [b]);
      }
      if (vtype === Oid.bpchar && keyType !== Oid.bpchar) b = Buffer.from(text.replace(/ +$/, ''), 'utf8');
      single[0] = keyType;
      return encodeKey(single, [b]);
    },
    encodePrefix(pos, prefix) {
      const keyType = keyTypes[pos]!;
      if (!isTextType(keyType)) return null;
      const p = keyType === Oid.bpchar ? prefix.replace(/ +$/, '') : prefix;
      if (p === '') return null;
      return encodeKeyPrefix(keyType, Buffer.from(p, 'utf8'));
    },
    rowOf: null,
    check() {
      if (t.status === 'skipped') {
        throw new SqlError(SQLSTATE.feature_not_supported, `relation "${rel.schema}.${rel.name}" is not replicated by memstore: ${t.reason}`);
      }
      if (t.status === 'syncing') throw syncingError(t);
    },
    valid: () => env.store.tables.get(oid) === t && t.relation === rel,
  };
}

/**
 * 55000 for a table being copied: what the copy is for and since when, so a client (and its
 * operator) can tell a start-up copy from a resync after DDL stuck behind an open transaction.
 */
export function syncingError(t: TableState): SqlError {
  const rel = t.relation;
  const why = t.reason === '' ? 'is still being copied from the primary' : `is being copied from the primary: ${t.reason}`;
  const since = t.since ? ` (since ${new Date(t.since).toISOString()}${t.resync ? `, ${t.resync.phase}` : ''})` : '';
  return new SqlError(SQLSTATE.object_not_in_prerequisite_state, `relation "${rel.schema}.${rel.name}" ${why}${since}`, {
    hint: 'Retry once the copy is done (memstore.stats() lists tables being synchronized).',
  });
}

const HEX_PREFIX = Buffer.from('\\x');

/**
 * The memstore tree as readers see it: expired keys are absent (compared with the wall clock at
 * each get() and when each walk starts), values keep their stored form (memstore.ts) for rowOf.
 */
function visibleKeys(kv: MemstoreKeys): ByteMap {
  const readOnlyMap = (): never => {
    throw new Error('the memstore read view is read-only');
  };
  return {
    get(key) {
      const raw = kv.tree.get(key);
      if (raw === undefined) return undefined;
      const exp = expiryOf(raw);
      return exp !== NO_EXPIRY && exp <= nowMicros() ? undefined : raw;
    },
    set: readOnlyMap,
    delete: readOnlyMap,
    clear: readOnlyMap,
    clone: readOnlyMap,
    get size() {
      return kv.count(null, nowMicros());
    },
    entries: (options) => kv.visibleEntries(options, nowMicros()),
    memoryUsage: () => kv.memoryUsage(),
  };
}

function hexKey(key: Uint8Array): Buffer {
  return Buffer.concat([HEX_PREFIX, Buffer.from(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex'))]);
}

/** The memstore key space as a table: (key bytea, value jsonb), ordered by key bytes. */
export function memstoreSource(env: EngineEnv, refName: string): Source {
  return {
    refName,
    tableOid: 0,
    columns: [
      { name: 'key', typeOid: Oid.bytea, typeMod: -1, attnum: 0 },
      { name: 'value', typeOid: Oid.jsonb, typeMod: -1, attnum: 0 },
    ],
    keyIndexes: [0],
    keyTypes: [Oid.bytea],
    map: visibleKeys(env.store.kv),
    encodeKeyPart: (_pos, text) => byteaBytes(text),
    encodePrefix: (_pos, prefix) => (prefix === '' ? null : Buffer.from(prefix, 'latin1')),
    rowOf: (key, value) => buildRow([hexKey(key), jsonOf(value)]),
    check: () => undefined,
    valid: () => true,
  };
}

/** OID reported for memstore.kv in RowDescription: none (it is no catalog relation). */
export const KV_RELATION = { schema: 'memstore', name: 'kv' } as const;

/**
 * memstore.kv: the key space as a relation (key bytea, value jsonb, expires_at timestamptz),
 * NULL expires_at for keys without expiry. Keys are tree seeks (`key = $1`, IN, ranges,
 * `key LIKE 'p%'`), ORDER BY key a walk; expires_at is printed in UTC, as every stored value.
 */
export function kvSource(env: EngineEnv, refName: string): Source {
  return {
    ...memstoreSource(env, refName),
    columns: [
      { name: 'key', typeOid: Oid.bytea, typeMod: -1, attnum: 1 },
      { name: 'value', typeOid: Oid.jsonb, typeMod: -1, attnum: 2 },
      { name: 'expires_at', typeOid: Oid.timestamptz, typeMod: -1, attnum: 3 },
    ],
    rowOf: (key, value) => {
      const exp = expiryOf(value);
      return buildRow([hexKey(key), jsonOf(value), exp === NO_EXPIRY ? null : Buffer.from(formatTimestamptz(exp), 'latin1')]);
    },
  };
}

function isKvRelation(ctx: BuildContext, rv: RangeVar): boolean {
  if (rv.relname !== KV_RELATION.name) return false;
  if (rv.schemaname !== undefined) return rv.schemaname === KV_RELATION.schema && (rv.catalogname === undefined || rv.catalogname === ctx.session.database);
  return searchPath(ctx).includes(KV_RELATION.schema);
}

/** Column references against one FROM item. */
function scopeOf(ctx: BuildContext, source: Source, schema: string, database: string): ColumnScope {
  return {
    resolve(fields, location) {
      const name = fields[fields.length - 1]!;
      const qualifier = fields.slice(0, -1);
      if (qualifier.length > 0) {
        const rel = qualifier[qualifier.length - 1]!;
        const sch = qualifier.length >= 2 ? qualifier[qualifier.length - 2]! : null;
        const db = qualifier.length >= 3 ? qualifier[qualifier.length - 3]! : null;
        if (rel !== source.refName || (sch !== null && sch !== schema) || (db !== null && db !== database)) {
          throw missingFromEntry(rel, at(ctx, location));
        }
      }
      const index = source.columns.findIndex((c) => c.name === name);
      if (index < 0) throw undefinedColumn(fields.join('.'), at(ctx, location));
      return { index, type: source.columns[index]!.typeOid };
    },
  };
}

// --- output items ---------------------------------------------------------------------------------

type Output =
  | { readonly k: 'col'; readonly index: number }
  /** A column cast to text: bool prints true/false, bpchar drops trailing spaces. */
  | { readonly k: 'text'; readonly index: number; readonly from: number }
  | { readonly k: 'scalar'; readonly expr: ScalarExpr }
  | { readonly k: 'count' };

interface SortKey {
  readonly index: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly domain: Domain;
  readonly type: number;
}

// --- key access -------------------------------------------------------------------------------------

type KeyEq =
  | { readonly k: 'values'; readonly values: readonly Value[] }
  | { readonly k: 'array'; readonly array: ArrayOperand & { k: 'text' } };

interface KeyRange {
  readonly op: CmpOp;
  readonly v: Value;
}

interface KeyAccess {
  /** Per leading key position, the equality conditions (intersected). */
  readonly eq: readonly (readonly KeyEq[])[];
  /** Position of the range / LIKE column (eq.length), or -1. */
  readonly rangePos: number;
  readonly ranges: readonly KeyRange[];
  readonly likes: readonly (Pred & { k: 'like' })[];
  /** Key positions fixed to one value (ORDER BY may skip them). */
  readonly fixed: ReadonlySet<number>;
  /** Conjuncts the walk enforces exactly. */
  readonly used: ReadonlySet<Pred>;
}

/** Whether a `key op value` condition can bound the walk exactly. */
function keyUsable(source: Source, pos: number, valueType: number, domain: Domain): boolean {
  const keyType = source.keyTypes[pos]!;
  if (source.rowOf !== null) return domain.kind === 'codec' && keyType === valueType;
  if (isIntegerType(keyType)) return domain.kind === 'numeric';
  if (keyType === Oid.numeric) return domain.kind === 'numeric';
  if (FLOAT_TYPES.has(keyType)) return domain.kind === 'float';
  if (isTextType(keyType)) return domain.kind === 'text' && (keyType === Oid.bpchar ? valueType === Oid.bpchar : true);
  return domain.kind === 'codec' && domain.typeOid === keyType;
}

const FLIP: Record<string, CmpOp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function keyPosition(source: Source, o: Operand): number {
  return o.k === 'col' ? source.keyIndexes.indexOf(o.index) : -1;
}

function planKeyAccess(source: Source, preds: readonly Pred[]): KeyAccess {
  const n = source.keyIndexes.length;
  const eqs: { pred: Pred; eq: KeyEq }[][] = Array.from({ length: n }, () => []);
  const ranges: { pred: Pred; r: KeyRange }[][] = Array.from({ length: n }, () => []);
  const likes: (Pred & { k: 'like' })[][] = Array.from({ length: n }, () => []);
  for (const p of preds) {
    if (p.k === 'cmp' && p.op !== '<>') {
      let col = p.left;
      let val = p.right;
      let op: CmpOp = p.op;
      if (col.k !== 'col') {
        col = p.right;
        val = p.left;
        op = FLIP[op]!;
      }
      if (col.k !== 'col' || val.k !== 'val') continue;
      const pos = keyPosition(source, col);
      if (pos < 0 || !keyUsable(source, pos, valueType(val.v), p.domain)) continue;
      if (op === '=') eqs[pos]!.push({ pred: p, eq: { k: 'values', values: [val.v] } });
      else ranges[pos]!.push({ pred: p, r: { op, v: val.v } });
    } else if (p.k === 'in' && !p.negate) {
      const pos = keyPosition(source, p.left);
      if (pos < 0 || p.items.length === 0 || !p.items.every((i) => i.k === 'val' && keyUsable(source, pos, valueType(i.v), p.domain))) continue;
      eqs[pos]!.push({ pred: p, eq: { k: 'values', values: p.items.map((i) => (i as Operand & { k: 'val' }).v) } });
    } else if (p.k === 'any' && p.op === '=' && !p.all) {
      const pos = keyPosition(source, p.left);
      if (pos < 0) continue;
      if (p.array.k === 'text') {
        if (!keyUsable(source, pos, p.array.elemType, p.domain)) continue;
        eqs[pos]!.push({ pred: p, eq: { k: 'array', array: p.array } });
      } else {
        const items = p.array.items;
        if (items.length === 0 || !items.every((i) => i.k === 'val' && keyUsable(source, pos, valueType(i.v), p.domain))) continue;
        eqs[pos]!.push({ pred: p, eq: { k: 'values', values: items.map((i) => (i as Operand & { k: 'val' }).v) } });
      }
    } else if (p.k === 'like' && !p.negate && p.pattern.k === 'val') {
      const pos = keyPosition(source, p.left);
      if (pos < 0) continue;
      const keyType = source.keyTypes[pos]!;
      // Text keys of tables, and the memstore's bytea keys (whose tree key is the bytes).
      if (source.rowOf === null ? isTextType(keyType) : keyType === Oid.bytea && p.bytea === true) likes[pos]!.push(p);
    }
  }
  const used = new Set<Pred>();
  const eq: KeyEq[][] = [];
  const fixed = new Set<number>();
  while (eq.length < n && eqs[eq.length]!.length > 0) {
    const list = eqs[eq.length]!;
    for (const e of list) used.add(e.pred);
    if (list.some((e) => e.eq.k === 'values' && e.eq.values.length === 1)) fixed.add(eq.length);
    eq.push(list.map((e) => e.eq));
  }
  let rangePos = -1;
  let rangeList: KeyRange[] = [];
  let likeList: (Pred & { k: 'like' })[] = [];
  if (eq.length < n && (ranges[eq.length]!.length > 0 || likes[eq.length]!.length > 0)) {
    rangePos = eq.length;
    for (const r of ranges[rangePos]!) used.add(r.pred);
    rangeList = ranges[rangePos]!.map((r) => r.r);
    likeList = likes[rangePos]!;
  }
  return { eq, rangePos, ranges: rangeList, likes: likeList, fixed, used };
}

/** The smallest byte string greater than every string starting with `b`; null if none. */
function successor(b: Uint8Array): Uint8Array | null {
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0xff) i--;
  if (i < 0) return null;
  const out = b.slice(0, i + 1);
  out[i]!++;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const ZERO = new Uint8Array([0]);
const MAX_KEYS = 1_000_000;

interface Segment {
  /** A complete key: one lookup. */
  readonly point: Uint8Array | null;
  readonly range: RangeOptions | null;
}

/** Binds the key access to this execution's values; null when no row can match. */
function bindKeyAccess(source: Source, access: KeyAccess, args: Args, tz: string, reverse: boolean): Segment[] | null {
  const n = source.keyIndexes.length;
  // Equality parts per position → sorted distinct prefixes.
  let prefixes: Uint8Array[] = [new Uint8Array(0)];
  for (let pos = 0; pos < access.eq.length; pos++) {
    const keyType = source.keyTypes[pos]!;
    let parts: Map<string, Uint8Array> | null = null;
    for (const e of access.eq[pos]!) {
      const here = new Map<string, Uint8Array>();
      const add = (text: string | null, vtype: number): void => {
        if (text === null) return;
        let t = text;
        if (isIntegerType(keyType) && source.rowOf === null) {
          const b = integerBound(keyType, '=', text);
          if (b.kind !== 'bound') return;
          t = b.text;
          vtype = keyType;
        }
        const enc = source.encodeKeyPart(pos, t, vtype);
        here.set(Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).toString('latin1'), enc);
      };
      if (e.k === 'values') for (const v of e.values) add(valueText(v, args, tz), valueType(v));
      else for (const t of arrayElements(e.array, args, tz) ?? []) add(t, e.array.elemType);
      if (parts === null) parts = here;
      else for (const k of [...parts.keys()]) if (!here.has(k)) parts.delete(k);
    }
    const list = [...(parts ?? new Map<string, Uint8Array>()).values()];
    if (list.length === 0) return null;
    if (prefixes.length * list.length > MAX_KEYS) {
      throw new SqlError(SQLSTATE.program_limit_exceeded, `the key conditions name more than ${MAX_KEYS} keys`);
    }
    const next: Uint8Array[] = [];
    for (const p of prefixes) for (const part of list) next.push(concat(p, part));
    prefixes = next;
  }
  if (prefixes.length > 1) prefixes.sort(compareBytes);
  if (reverse) prefixes.reverse();
  if (access.eq.length === n) return prefixes.map((p) => ({ point: p, range: null }));
  // Range / LIKE on the next key column.
  let lo: Uint8Array | null = null;
  let hi: Uint8Array | null = null;
  let likePart: Uint8Array | null = null;
  if (access.rangePos >= 0) {
    const pos = access.rangePos;
    const keyType = source.keyTypes[pos]!;
    const last = pos === n - 1;
    for (const r of access.ranges) {
      const text = valueText(r.v, args, tz);
      if (text === null) return null;
      let op = r.op;
      let t = text;
      let vtype = valueType(r.v);
      if (isIntegerType(keyType) && source.rowOf === null) {
        const b = integerBound(keyType, op, text);
        if (b.kind === 'none') return null;
        if (b.kind === 'all') continue;
        op = b.op;
        t = b.text;
        vtype = keyType;
      }
      const part = source.encodeKeyPart(pos, t, vtype);
      if (op === '>' || op === '>=') {
        const bound = op === '>=' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) return null;
        if (lo === null || compareBytes(bound, lo) > 0) lo = bound;
      } else {
        const bound = op === '<' ? part : last ? concat(part, ZERO) : successor(part);
        if (bound === null) continue;
        if (hi === null || compareBytes(bound, hi) < 0) hi = bound;
      }
    }
    if (lo !== null && hi !== null && compareBytes(lo, hi) >= 0) return null;
    for (const like of access.likes) {
      const pattern = likePatternText(like, args, tz);
      if (pattern === null) return null;
      const escape = like.escape === null ? '\\' : valueText(like.escape, args, tz);
      if (escape === null) return null;
      const part = source.encodePrefix(pos, compileLike(pattern, escape).prefix);
      if (part !== null && (likePart === null || part.length > likePart.length)) likePart = part;
    }
  }
  return prefixes.map((p) => {
    const opts: { prefix?: Uint8Array; lo?: Uint8Array; hi?: Uint8Array; reverse?: boolean } = {};
    const prefix = likePart === null ? p : concat(p, likePart);
    if (prefix.length > 0) opts.prefix = prefix;
    if (lo !== null) opts.lo = concat(p, lo);
    if (hi !== null) opts.hi = concat(p, hi);
    if (reverse) opts.reverse = true;
    return { point: null, range: opts };
  });
}

// --- the plan ---------------------------------------------------------------------------------------

export interface RowPlan {
  readonly fields: readonly FieldDescription[];
  readonly paramTypeOids: readonly number[];
  valid(session: ExecContext['session']): boolean;
  /** The result rows (DataRow bodies); a promise when something must be awaited first. */
  rows(ctx: ExecContext, args: Args): Iterator<Uint8Array> | Promise<Iterator<Uint8Array>>;
}

interface TableSelect {
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

function rejectClauses(ctx: BuildContext, s: SelectStmt): void {
  if (s.intoClause !== undefined) throw readOnly('SELECT INTO');
  if ((s.lockingClause?.length ?? 0) > 0) throw readOnly('SELECT FOR UPDATE');
  if (s.op !== undefined && s.op !== 'SETOP_NONE') throw notSupported('UNION, INTERSECT and EXCEPT are not supported by memstore');
  if (s.withClause !== undefined) throw notSupported('WITH queries are not supported by memstore');
  if ((s.valuesLists?.length ?? 0) > 0) throw notSupported('VALUES lists are not supported by memstore');
  if ((s.distinctClause?.length ?? 0) > 0) throw notSupported('SELECT DISTINCT is not supported by memstore');
  if ((s.groupClause?.length ?? 0) > 0 || s.havingClause !== undefined) throw notSupported('GROUP BY and HAVING are not supported by memstore (count(*) over a table is)');
  if ((s.windowClause?.length ?? 0) > 0) throw notSupported('window functions are not supported by memstore');
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw notSupported('FETCH … WITH TIES is not supported by memstore', at(ctx, -1));
}

/** True when the node tree contains a column reference. */
function mentionsColumn(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(mentionsColumn);
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'ColumnRef') return true;
    if (mentionsColumn(v)) return true;
  }
  return false;
}

const AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'bool_and', 'bool_or', 'every', 'json_object_agg', 'jsonb_object_agg', 'bit_and', 'bit_or']);

function resolveFrom(ctx: BuildContext, env: EngineEnv, s: SelectStmt): { source: Source; schema: string; pathDependent: boolean; listPrefix: Value | null } {
  const from = s.fromClause ?? [];
  if (from.length !== 1) throw notSupported('joins and queries over several tables are not supported by memstore (one table per SELECT)');
  const item = from[0]!;
  if ('RangeVar' in item) {
    if (isKvRelation(ctx, item.RangeVar) && !tableFirstInPath(ctx, env, item.RangeVar)) {
      return { source: kvSource(env, item.RangeVar.alias?.aliasname ?? 'kv'), schema: 'memstore', pathDependent: item.RangeVar.schemaname === undefined, listPrefix: null };
    }
    const { table, schema, pathDependent } = resolveTable(ctx, env, item.RangeVar);
    return { source: tableSource(env, table, item.RangeVar.alias?.aliasname ?? table.relation.name), schema, pathDependent, listPrefix: null };
  }
  if ('RangeFunction' in item) return { ...memstoreList(ctx, item.RangeFunction), source: memstoreSource(env, item.RangeFunction.alias?.aliasname ?? 'list'), schema: 'memstore', pathDependent: false };
  if ('JoinExpr' in item) throw notSupported('joins are not supported by memstore (one table per SELECT)');
  if ('RangeSubselect' in item) throw notSupported('subqueries in FROM are not supported by memstore');
  throw notSupported(`memstore does not support ${nodeKind(item)} in FROM`);
}

/**
 * An unqualified `kv` names a replicated table whenever one is on search_path, even behind
 * memstore: on the primary memstore.kv does not exist, so there `kv` is that table. (The user
 * `memstore` has "$user" = memstore first in the default path; a table `kv` must not vanish.)
 */
function tableFirstInPath(ctx: BuildContext, env: EngineEnv, rv: RangeVar): boolean {
  if (rv.schemaname !== undefined) return false;
  return searchPath(ctx).some((s) => s !== KV_RELATION.schema && env.store.tableByName(s, rv.relname ?? '') !== undefined);
}

function memstoreList(ctx: BuildContext, rf: RangeFunction): { listPrefix: Value | null } {
  const first = rf.functions?.[0];
  const call = first !== undefined && 'List' in first ? first.List.items?.[0] : undefined;
  if ((rf.functions?.length ?? 0) !== 1 || call === undefined || !('FuncCall' in call)) {
    throw notSupported('the only function memstore reads in FROM is memstore.list([prefix])');
  }
  const f = call.FuncCall;
  const names = stringList(f.funcname);
  const name = names.join('.');
  const schemas = names.length === 2 ? [names[0]] : ['pg_catalog', ...searchPath(ctx)];
  if (names[names.length - 1] !== 'list' || !schemas.includes('memstore') || (f.args?.length ?? 0) > 1) {
    throw notSupported(`the only function memstore reads in FROM is memstore.list([prefix]), not ${name}()`, at(ctx, f.location));
  }
  if (rf.ordinality === true || (rf.alias?.colnames?.length ?? 0) > 0 || (rf.coldeflist?.length ?? 0) > 0) {
    throw notSupported('WITH ORDINALITY and column aliases are not supported on memstore.list()');
  }
  if ((f.args?.length ?? 0) === 0) return { listPrefix: null };
  const v = valueFromNode(ctx, f.args![0]);
  if (v === null) throw notSupported('memstore.list() takes a constant or parameter prefix', at(ctx, f.location));
  if (isUnknown(v)) coerceValue(ctx, v, Oid.text);
  const t = valueType(v);
  if (t !== Oid.text && t !== Oid.bytea && !isTextType(t)) throw notSupported(`memstore.list() takes a text or bytea prefix, not ${sqlTypeName(t)}`, at(ctx, f.location));
  return { listPrefix: v };
}

export function resolveTable(ctx: BuildContext, env: EngineEnv, rv: RangeVar): { table: TableState; schema: string; pathDependent: boolean } {
  const name = rv.relname ?? '';
  const written = rv.schemaname !== undefined ? `${rv.schemaname}.${name}` : name;
  let table: TableState | undefined;
  let schema = rv.schemaname ?? '';
  if (rv.schemaname !== undefined) {
    table = env.store.tableByName(rv.schemaname, name);
  } else {
    for (const s of searchPath(ctx)) {
      table = env.store.tableByName(s, name);
      if (table !== undefined) {
        schema = s;
        break;
      }
    }
  }
  if (table === undefined) throw undefinedTable(written, at(ctx, rv.location));
  if (table.status === 'skipped') throw skippedError(table, positionAt(ctx, rv.location));
  return { table, schema, pathDependent: rv.schemaname === undefined };
}

/** 0A000 for a published table memstore does not hold (no key, unsupported type, …). */
export function skippedError(table: TableState, at: { position?: number } = {}): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `relation "${table.relation.schema}.${table.relation.name}" is not replicated by memstore: ${table.reason}`, at);
}

function positionAt(ctx: BuildContext, location: number | undefined): { position?: number } {
  const position = positionOf(ctx.sql, location);
  return position === undefined ? {} : { position };
}

const SORTABLE_CODEC_TYPES = new Set<number>([Oid.bool, Oid.uuid, Oid.bytea, Oid.date, Oid.timestamp, Oid.timestamptz]);

function domainForSort(ctx: BuildContext, type: number, location: number): Domain {
  if (isIntegerType(type) || type === Oid.numeric) return { kind: 'numeric', typeOid: Oid.numeric };
  if (FLOAT_TYPES.has(type)) return { kind: 'float', typeOid: Oid.float8 };
  if (isTextType(type)) return { kind: 'text', typeOid: Oid.text };
  if (SORTABLE_CODEC_TYPES.has(type)) return { kind: 'codec', typeOid: type };
  throw notSupported(`memstore cannot sort values of type ${sqlTypeName(type)}; ORDER BY the primary key walks the table instead`, at(ctx, location));
}

function limitValue(ctx: BuildContext, node: Node | undefined): Value | null {
  if (node === undefined) return null;
  const v = valueFromNode(ctx, node);
  if (v === null) throw notSupported('LIMIT and OFFSET take a constant or a parameter in memstore', at(ctx, locationOf(node)));
  if (v.origin === 'null') return null;
  if (isUnknown(v)) coerceValue(ctx, v, Oid.int8);
  return v;
}

function rowsLimit(v: Value | null, args: Args, tz: string, what: 'LIMIT' | 'OFFSET'): number {
  if (v === null) return what === 'LIMIT' ? Infinity : 0;
  const t = valueText(v, args, tz);
  if (t === null) return what === 'LIMIT' ? Infinity : 0;
  const n = Number(castText(valueType(v) === Oid.unknown ? Oid.int8 : valueType(v), Oid.int8, t, tz));
  if (n < 0) {
    throw new SqlError(what === 'LIMIT' ? SQLSTATE.invalid_row_count_in_limit_clause : SQLSTATE.invalid_row_count_in_result_offset_clause, `${what} must not be negative`);
  }
  return n;
}

function analyzeTableSelect(ctx: BuildContext, env: EngineEnv, s: SelectStmt): { sel: TableSelect; fields: FieldDescription[]; pathDependent: boolean } {
  rejectClauses(ctx, s);
  const { source, schema, pathDependent, listPrefix } = resolveFrom(ctx, env, s);
  const scope = scopeOf(ctx, source, schema, ctx.session.database);
  const where = s.whereClause === undefined ? null : analyzePred(ctx, scope, s.whereClause);
  // Select list.
  const outputs: Output[] = [];
  const fields: FieldDescription[] = [];
  let count: { column: number } | null = null;
  let firstColumn: string | null = null;
  const colField = (index: number, alias: string | undefined): FieldDescription => {
    const c = source.columns[index]!;
    return { name: alias ?? c.name, tableOid: source.tableOid, columnAttr: c.attnum, typeOid: c.typeOid, typeSize: typeSize(c.typeOid), typeMod: c.typeMod };
  };
  for (const t of s.targetList ?? []) {
    const rt = (t as { ResTarget: ResTarget }).ResTarget;
    const val = rt.val;
    const alias = rt.name;
    if (val !== undefined && 'ColumnRef' in val) {
      const fields0 = stringList(val.ColumnRef.fields);
      if (fields0[fields0.length - 1] === '*') {
        if (fields0.length > 1) scope.resolve([...fields0.slice(0, -1), source.columns[0]?.name ?? ''], val.ColumnRef.location ?? -1);
        source.columns.forEach((_c, i) => {
          outputs.push({ k: 'col', index: i });
          fields.push(colField(i, undefined));
        });
        firstColumn ??= source.columns[0]?.name ?? null;
        continue;
      }
      const c = scope.resolve(fields0, val.ColumnRef.location ?? -1);
      outputs.push({ k: 'col', index: c.index });
      fields.push(colField(c.index, alias));
      firstColumn ??= source.columns[c.index]!.name;
      continue;
    }
    if (val !== undefined && 'TypeCast' in val && val.TypeCast.arg !== undefined && 'ColumnRef' in val.TypeCast.arg) {
      const ref: ColumnRef = val.TypeCast.arg.ColumnRef;
      const c = scope.resolve(stringList(ref.fields), ref.location ?? -1);
      const to = castTarget(ctx, val.TypeCast);
      const colName = source.columns[c.index]!.name;
      firstColumn ??= colName;
      if (to === c.type) {
        outputs.push({ k: 'col', index: c.index });
        fields.push({ ...colField(c.index, alias), tableOid: 0, columnAttr: 0 });
        continue;
      }
      if (to !== Oid.text && to !== Oid.varchar) throw notSupported('memstore casts columns only to text in the select list', at(ctx, val.TypeCast.location));
      outputs.push({ k: 'text', index: c.index, from: c.type });
      fields.push(computedField(alias ?? colName, to));
      continue;
    }
    if (val !== undefined && 'FuncCall' in val) {
      const f = val.FuncCall;
      const fname = stringList(f.funcname);
      const base = fname[fname.length - 1]!;
      const isCatalog = fname.length === 1 || fname[0] === 'pg_catalog';
      if (isCatalog && base === 'count') {
        if (f.agg_distinct === true || f.agg_filter !== undefined || f.over !== undefined || (f.agg_order?.length ?? 0) > 0) {
          throw notSupported('count(DISTINCT …), FILTER, OVER and ordered aggregates are not supported by memstore', at(ctx, f.location));
        }
        let column = -1;
        if (f.agg_star !== true) {
          const args = f.args ?? [];
          if (args.length !== 1) throw notSupported('count takes one argument', at(ctx, f.location));
          const a = args[0]!;
          if ('ColumnRef' in a) column = scope.resolve(stringList(a.ColumnRef.fields), a.ColumnRef.location ?? -1).index;
          else if (!('A_Const' in a) || a.A_Const.isnull === true) throw notSupported('count takes *, a column or a constant in memstore', at(ctx, f.location));
          else readStatically(ctx, a.A_Const.location);
        }
        if (count !== null && count.column !== column) throw notSupported('one count per query in memstore', at(ctx, f.location));
        count = { column };
        outputs.push({ k: 'count' });
        fields.push(computedField(alias ?? 'count', Oid.int8));
        continue;
      }
      if (isCatalog && AGGREGATES.has(base)) {
        throw notSupported(`aggregate ${base}() is not supported by memstore (count is)`, at(ctx, f.location));
      }
    }
    if (mentionsColumn(val)) {
      throw notSupported('expressions over columns are not supported by memstore: select the columns themselves', at(ctx, rt.location));
    }
    const expr = analyzeScalar(ctx, env, val);
    outputs.push({ k: 'scalar', expr });
    fields.push(computedField(alias ?? expr.name, expr.type));
  }
  if (count !== null && outputs.some((o) => o.k === 'col' || o.k === 'text')) {
    throw new SqlError(SQLSTATE.grouping_error, `column "${source.refName}.${firstColumn ?? '?'}" must appear in the GROUP BY clause or be used in an aggregate function`);
  }
  const preds = where === null ? [] : conjuncts(where);
  const access = planKeyAccess(source, preds);
  // ORDER BY.
  const sortItems: { index: number; desc: boolean; nullsFirst: boolean; location: number }[] = [];
  for (const n of s.sortClause ?? []) {
    const sb = (n as { SortBy: SortBy }).SortBy;
    if (sb.sortby_dir === 'SORTBY_USING') throw notSupported('ORDER BY … USING is not supported by memstore');
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
    const node = sb.node;
    const location = locationOf(node);
    let index: number;
    if (node !== undefined && 'A_Const' in node && node.A_Const.ival !== undefined) {
      readStatically(ctx, node.A_Const.location);
      const k = node.A_Const.ival.ival ?? 0;
      const o = outputs[k - 1];
      if (o === undefined) throw new SqlError(SQLSTATE.invalid_column_reference, `ORDER BY position ${k} is not in select list`, { ...positionAt(ctx, location) });
      if (o.k !== 'col' && o.k !== 'text') {
        if (o.k === 'scalar') continue; // a constant: no effect on order
        throw notSupported('ORDER BY an aggregate is not supported by memstore', at(ctx, location));
      }
      index = o.index;
    } else if (node !== undefined && 'ColumnRef' in node) {
      const f = stringList(node.ColumnRef.fields);
      const byAlias = f.length === 1 ? fields.findIndex((fd) => fd.name === f[0]) : -1;
      const o = byAlias >= 0 ? outputs[byAlias] : undefined;
      if (o !== undefined && (o.k === 'col' || o.k === 'text')) index = o.index;
      else if (o !== undefined && o.k === 'count') throw notSupported('ORDER BY an aggregate is not supported by memstore', at(ctx, location));
      else index = scope.resolve(f, location).index;
    } else {
      throw notSupported('ORDER BY takes column names or positions in memstore', at(ctx, location));
    }
    sortItems.push({ index, desc, nullsFirst, location });
  }
  if (count !== null && sortItems.length > 0) {
    throw new SqlError(SQLSTATE.grouping_error, `column "${source.refName}.${source.columns[sortItems[0]!.index]!.name}" must appear in the GROUP BY clause or be used in an aggregate function`);
  }
  let order: TableSelect['order'] = null;
  if (sortItems.length > 0) {
    const keyOrder = walkOrder(source, access, sortItems);
    if (keyOrder !== null) order = { kind: 'key', reverse: keyOrder };
    else {
      order = {
        kind: 'sort',
        keys: sortItems.map((i) => {
          const type = source.columns[i.index]!.typeOid;
          return { index: i.index, desc: i.desc, nullsFirst: i.nullsFirst, type, domain: domainForSort(ctx, type, i.location) };
        }),
      };
    }
  }
  const remaining = preds.filter((p) => !access.used.has(p));
  const filter: Pred | null = remaining.length === 0 ? null : remaining.length === 1 ? remaining[0]! : { k: 'and', args: remaining };
  const projectAll = source.rowOf === null && outputs.length === source.columns.length && outputs.every((o, i) => o.k === 'col' && o.index === i);
  const sel: TableSelect = {
    source,
    outputs,
    projectAll,
    filter,
    access,
    order,
    limit: limitValue(ctx, s.limitCount),
    offset: limitValue(ctx, s.limitOffset),
    count,
    listPrefix,
    point: pointValues(source, access, count !== null || listPrefix !== null),
    project: outputs.some((o) => o.k === 'scalar' || o.k === 'count') ? null : projector({ outputs, projectAll }, []),
  };
  return { sel, fields, pathDependent };
}

function pointValues(source: Source, access: KeyAccess, aggregate: boolean): Value[] | null {
  if (aggregate || source.rowOf !== null || access.eq.length !== source.keyIndexes.length) return null;
  const out: Value[] = [];
  for (const list of access.eq) {
    const e = list[0]!;
    if (list.length !== 1 || e.k !== 'values' || e.values.length !== 1) return null;
    out.push(e.values[0]!);
  }
  return out;
}

const PLAIN_INTEGER = /^-?[0-9]{1,15}$/;
const INT_LIMITS: Readonly<Record<number, readonly [number, number]>> = {
  [Oid.int2]: [-32768, 32767],
  [Oid.int4]: [-2147483648, 2147483647],
  [Oid.int8]: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The order-preserving encoding of an integer key column (key-codec.ts), written directly. */
function intKeyBytes(type: number, n: number, out: Uint8Array, at: number): number {
  if (type === Oid.int4) {
    const u = (n ^ 0x80000000) >>> 0;
    out[at] = u >>> 24;
    out[at + 1] = (u >>> 16) & 0xff;
    out[at + 2] = (u >>> 8) & 0xff;
    out[at + 3] = u & 0xff;
    return 4;
  }
  if (type === Oid.int2) {
    const u = n + 32768;
    out[at] = u >>> 8;
    out[at + 1] = u & 0xff;
    return 2;
  }
  const hi = (Math.floor(n / 4294967296) ^ 0x80000000) >>> 0;
  const lo = (n - Math.floor(n / 4294967296) * 4294967296) >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
  return 8;
}

/**
 * The tree key of a point read, or null when no row can match. Plain integers compared with an
 * integer key column are encoded without going through text (the hot path of `pk = $1`); every
 * other value takes the general route (input function, then the key codec).
 */
function pointKey(source: Source, values: readonly Value[], args: Args, tz: string): Uint8Array | null {
  if (values.length === 1) {
    const v = values[0]!;
    const type = source.keyTypes[0]!;
    const limits = INT_LIMITS[type];
    if (limits !== undefined && v.casts.length === 0 && (v.origin === 'int' || (v.origin === 'param' && valueType(v) === type))) {
      const raw = refText(v.ref, args);
      if (raw === null) return null;
      if (PLAIN_INTEGER.test(raw)) {
        const n = Number(raw);
        if (n >= limits[0] && n <= limits[1]) {
          const out = new Uint8Array(type === Oid.int2 ? 2 : type === Oid.int4 ? 4 : 8);
          intKeyBytes(type, n, out, 0);
          return out;
        }
      }
    }
  }
  let key: Uint8Array = new Uint8Array(0);
  for (let pos = 0; pos < values.length; pos++) {
    const v = values[pos]!;
    const text = valueText(v, args, tz);
    if (text === null) return null;
    const keyType = source.keyTypes[pos]!;
    let t = text;
    let vtype = valueType(v);
    if (isIntegerType(keyType)) {
      const b = integerBound(keyType, '=', text);
      if (b.kind !== 'bound') return null;
      t = b.text;
      vtype = keyType;
    }
    key = concat(key, source.encodeKeyPart(pos, t, vtype));
  }
  return key;
}

/** Whether the walk order satisfies ORDER BY: false forward, true backward, null no. */
function walkOrder(source: Source, access: KeyAccess, items: readonly { index: number; desc: boolean }[]): boolean | null {
  const keyPos = (index: number): number => source.keyIndexes.indexOf(index);
  const rest = items.filter((i) => !access.fixed.has(keyPos(i.index)));
  if (rest.length === 0) return items[0]?.desc ?? false;
  const desc = rest[0]!.desc;
  let j = 0;
  for (const item of rest) {
    if (item.desc !== desc) return null;
    while (j < source.keyIndexes.length && access.fixed.has(j)) j++;
    if (j >= source.keyIndexes.length || source.keyIndexes[j] !== item.index) return null;
    j++;
  }
  return desc;
}

// --- execution --------------------------------------------------------------------------------------

const EMPTY: Iterator<Uint8Array> = [][Symbol.iterator]();
const NO_VALUES: (string | null)[] = [];
const CHUNK = 16_384;

function timeZone(ctx: ExecContext): string {
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

function projector(sel: Pick<TableSelect, 'outputs' | 'projectAll'>, scalars: readonly (string | null)[]): (row: Uint8Array) => Uint8Array {
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

function sortRows(rows: Uint8Array[], keys: readonly SortKey[]): Uint8Array[] {
  const decorated = rows.map((row) => ({
    row,
    keys: keys.map((k) => {
      const b = columnValue(row, k.index);
      return b === null || b === undefined ? null : encodeFor(k.domain, k.type, b);
    }),
  }));
  decorated.sort((a, b) => {
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
  });
  return decorated.map((d) => d.row);
}

/** Pulls an iterator to the end in chunks, yielding to the event loop and honouring cancel. */
async function drain(ctx: ExecContext, iter: Iterator<Uint8Array>, each: (row: Uint8Array) => void): Promise<void> {
  for (;;) {
    for (let i = 0; i < CHUNK; i++) {
      const r = iter.next();
      if (r.done === true) return;
      each(r.value);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ctx.signal.aborted) {
      iter.return?.();
      throw ctx.signal.reason;
    }
  }
}

function evalScalars(ctx: ExecContext, args: Args, sel: TableSelect): (string | null)[] | Promise<(string | null)[]> {
  const out = sel.outputs.map((o) => (o.k === 'scalar' ? o.expr.eval(ctx, args) : null));
  if (out.some((v) => v instanceof Promise)) return Promise.all(out.map((v) => Promise.resolve(v)));
  return out as (string | null)[];
}

function runTableSelect(sel: TableSelect, ctx: ExecContext, args: Args): Iterator<Uint8Array> | Promise<Iterator<Uint8Array>> {
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
      return drain(ctx, matching(source, segments, filter, listPrefix), (row) => all.push(row)).then(() =>
        limited(sortRows(all, keys)[Symbol.iterator](), offset, limit, project),
      );
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

/** A SELECT with FROM, as a row source (also used by COPY (SELECT …) TO STDOUT). */
export function planRows(ctx: BuildContext, env: EngineEnv, s: SelectStmt): RowPlan {
  if ((s.fromClause?.length ?? 0) === 0) return planScalarRows(ctx, env, s);
  const { sel, fields, pathDependent } = analyzeTableSelect(ctx, env, s);
  const path = ctx.session.parameters.get('search_path');
  return {
    fields,
    paramTypeOids: ctx.paramTypes,
    valid: (session) => sel.source.valid() && (!pathDependent || session.parameters.get('search_path') === path),
    rows: (ec, args) => runTableSelect(sel, ec, args),
  };
}

/** SELECT without FROM: one row of scalar expressions. */
function planScalarRows(ctx: BuildContext, env: EngineEnv, s: SelectStmt): RowPlan {
  rejectClauses(ctx, s);
  if (s.whereClause !== undefined) throw notSupported('WHERE without FROM is not supported by memstore');
  if ((s.sortClause?.length ?? 0) > 0) throw notSupported('ORDER BY without FROM is not supported by memstore');
  const exprs: ScalarExpr[] = [];
  const fields: FieldDescription[] = [];
  for (const t of s.targetList ?? []) {
    const rt = (t as { ResTarget: ResTarget }).ResTarget;
    if (rt.val !== undefined && 'ColumnRef' in rt.val && stringList(rt.val.ColumnRef.fields).includes('*')) {
      throw new SqlError(SQLSTATE.syntax_error, 'SELECT * with no tables specified is not valid');
    }
    const e = analyzeScalar(ctx, env, rt.val);
    exprs.push(e);
    fields.push(computedField(rt.name ?? e.name, e.type));
  }
  const limit = limitValue(ctx, s.limitCount);
  const offset = limitValue(ctx, s.limitOffset);
  return {
    fields,
    paramTypeOids: ctx.paramTypes,
    valid: alwaysValid,
    rows(ec, args) {
      const tz = timeZone(ec);
      const n = rowsLimit(limit, args, tz, 'LIMIT');
      const skip = rowsLimit(offset, args, tz, 'OFFSET');
      const values = exprs.map((e) => e.eval(ec, args));
      const done = (vs: (string | null)[]): Iterator<Uint8Array> => {
        if (n < 1 || skip > 0) return EMPTY;
        return [buildRow(vs)][Symbol.iterator]();
      };
      if (values.some((v) => v instanceof Promise)) return Promise.all(values.map((v) => Promise.resolve(v))).then(done);
      return done(values as (string | null)[]);
    },
  };
}

export function planSelect(ctx: BuildContext, env: EngineEnv, s: SelectStmt): Plan {
  const rp = planRows(ctx, env, s);
  const types = rp.fields.map((f) => f.typeOid);
  const sensitive = settingsSensitive(types);
  return {
    fields: rp.fields,
    paramTypeOids: rp.paramTypeOids,
    txExit: false,
    valid: (session) => rp.valid(session),
    run(ec, args): ExecResult | Promise<ExecResult> {
      const render = sensitive ? rowRenderer(types, outputSettings(ec.session.parameters)) : null;
      const rows = rp.rows(ec, args);
      if (rows instanceof Promise) return rows.then((r) => ({ kind: 'rows', rows: rendered(r, render), tag: selectTag }));
      return { kind: 'rows', rows: rendered(rows, render), tag: selectTag };
    },
  };
}

