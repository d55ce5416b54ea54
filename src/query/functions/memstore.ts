/*
 * memstore.ts — memstore's own SQL functions as entries of the executor's function registry, so
 * they work anywhere an expression may stand (joins, WHERE, subqueries, CASE, …), and
 * memstore.list([prefix]) as a set-returning function in FROM.
 *
 * Signatures, NULL behaviour and results are those of the single-table path (scalar.ts):
 *   memstore.get(text | bytea) → jsonb          strict, stable; NULL for an absent or expired key
 *   memstore.count([text | bytea]) → bigint     strict, stable; visible keys (under the prefix)
 *   memstore.list([text | bytea]) → SETOF (key bytea, value jsonb)   strict, stable, key order
 *   memstore.memory_usage() → bigint            volatile
 *   memstore.stats() → jsonb                    volatile
 *   memstore.snapshot() → jsonb                 volatile; 25P01 outside a transaction block
 * A text key is its UTF-8 bytes, a bytea key its bytes; `memstore.get('k')` with an unknown
 * literal resolves to the text overload by PostgreSQL's own rule (unknown → string category).
 * Unqualified names resolve when memstore is on search_path (bind/expr.ts).
 *
 * Reads go through the statement's view of the key space (memstore-keyspace.ts): every call of
 * one statement sees the same keys and the same expiry clock, and the driver restarts a statement
 * the key space moved under (exec/run.ts). "stable" lets the executor evaluate a call over
 * constants once per scan (a key lookup value) but never fold it at plan time.
 *
 * Left out: memstore.wait_lsn(), save() and load() are asynchronous and the executor's operators
 * are synchronous generators. They are registered (so they resolve and type like the others)
 * but memstoreUse() refuses a plan containing them with 0A000 naming the function; the engine
 * then answers the statement on the single-table path, which awaits them (`SELECT
 * memstore.wait_lsn($1)`, or in the select list of a one-table SELECT).
 *
 * Interface:
 *   registerMemstoreFuncs()     called once by builtins (through register-exec.ts)
 *   memstoreUse(plan)           whether a plan reads the key space; 0A000 for the async ones
 */
import { SqlError } from '../../errors.js';
import { Oid } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { jsonOf } from '../../store/memstore.js';
import type { Expr } from '../bind/bound.js';
import { childExprs, childPlans, nodeExprs } from '../exec/plan-refs.js';
import type { LogicalPlan } from '../logical/plan.js';
import { describeSnapshot, pinSnapshot } from '../pinned-snapshot.js';
import { statsObject } from '../scalar.js';
import { jsonbText } from '../jsonb.js';
import type { Datum, RecordValue } from '../types/datum.js';
import { parseJsonb } from '../types/json-parse.js';
import type { ExecHost, KeySpace } from './memstore-keyspace.js';
import { Pseudo, registerFunc, type CallContext, type FuncDef } from './registry.js';

const { text, bytea, jsonb, int8, int4, pg_lsn } = Oid;

/** Defs that read the key space (the plan must take it with its tables), and the async ones. */
const READERS = new WeakSet<FuncDef>();
const ASYNC = new WeakSet<FuncDef>();

function statement(cx: CallContext): { keySpace(): KeySpace; readonly host: ExecHost | null } {
  const s = cx.statement;
  if (s === null || s === undefined) throw new SqlError(SQLSTATE.internal_error, 'memstore function called outside an execution');
  return s;
}

function host(cx: CallContext, name: string): ExecHost {
  const h = statement(cx).host;
  if (h === null) throw new SqlError(SQLSTATE.feature_not_supported, `memstore.${name}() needs the sidecar's engine`);
  return h;
}

/** The key bytes of a text (UTF-8) or bytea argument. */
function keyBytes(d: Datum, type: number): Uint8Array {
  return type === bytea ? (d as Uint8Array) : Buffer.from(d as string, 'utf8');
}

function jsonValue(stored: Uint8Array): Datum {
  const b = jsonOf(stored);
  return parseJsonb(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
}

const LIST_TYPES = [bytea, jsonb] as const;

function* list(space: KeySpace, prefix: Uint8Array | null): Generator<Datum> {
  for (const [k, v] of space.entries(prefix === null || prefix.length === 0 ? undefined : { prefix })) {
    const row: RecordValue = { types: LIST_TYPES, fields: [k.slice(), jsonValue(v)] };
    yield row;
  }
}

function reader(def: FuncDef): void {
  READERS.add(def);
  registerFunc(def);
}

function refused(name: string, args: number[], optional = 0): void {
  const def: FuncDef = {
    name: `memstore.${name}`,
    kind: 'func',
    args,
    optional,
    returns: pg_lsn,
    strict: true,
    volatility: 'v',
    call: () => {
      throw asyncRefusal(name);
    },
  };
  ASYNC.add(def);
  registerFunc(def);
}

function asyncRefusal(name: string): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `memstore.${name}() cannot be part of this query: call it in a SELECT of its own, or in the select list of a single-table SELECT`, {
    hint: `e.g. SELECT memstore.${name}(${name === 'wait_lsn' ? '$1' : ''}); then run the query`,
  });
}

export function registerMemstoreFuncs(): void {
  for (const t of [text, bytea]) {
    reader({
      name: 'memstore.get',
      kind: 'func',
      args: [t],
      returns: jsonb,
      strict: true,
      volatility: 's',
      call: ([k], cx) => {
        const v = statement(cx).keySpace().get(keyBytes(k!, t));
        return v === undefined ? null : jsonValue(v);
      },
    });
    reader({ name: 'memstore.count', kind: 'func', args: [t], returns: int8, strict: true, volatility: 's', call: ([p], cx) => BigInt(statement(cx).keySpace().count(keyBytes(p!, t))) });
    reader({
      name: 'memstore.list',
      kind: 'func',
      args: [t],
      returns: Pseudo.record,
      strict: true,
      volatility: 's',
      set: ([p], cx) => list(statement(cx).keySpace(), keyBytes(p!, t)),
      setColumns: [
        { name: 'key', type: bytea },
        { name: 'value', type: jsonb },
      ],
    });
  }
  reader({ name: 'memstore.count', kind: 'func', args: [], returns: int8, strict: true, volatility: 's', call: (_a, cx) => BigInt(statement(cx).keySpace().count(null)) });
  reader({
    name: 'memstore.list',
    kind: 'func',
    args: [],
    returns: Pseudo.record,
    strict: true,
    volatility: 's',
    set: (_a, cx) => list(statement(cx).keySpace(), null),
    setColumns: [
      { name: 'key', type: bytea },
      { name: 'value', type: jsonb },
    ],
  });
  registerFunc({ name: 'memstore.memory_usage', kind: 'func', args: [], returns: int8, strict: true, volatility: 'v', call: (_a, cx) => BigInt(host(cx, 'memory_usage').env.store.memoryUsage()) });
  registerFunc({ name: 'memstore.stats', kind: 'func', args: [], returns: jsonb, strict: true, volatility: 'v', call: (_a, cx) => parseJsonb(jsonbText(statsObject(host(cx, 'stats').env))) });
  registerFunc({
    name: 'memstore.snapshot',
    kind: 'func',
    args: [],
    returns: jsonb,
    strict: true,
    volatility: 'v',
    call: (_a, cx) => {
      const h = host(cx, 'snapshot');
      return parseJsonb(describeSnapshot(pinSnapshot(h.session, h.env.store)));
    },
  });
  refused('wait_lsn', [pg_lsn, int4], 1);
  refused('wait_lsn', [text, int4], 1);
  refused('save', []);
  refused('load', []);
}

function exprUse(e: Expr, use: { keySpace: boolean }): void {
  if (e.kind === 'call') {
    if (ASYNC.has(e.def)) throw asyncRefusal(e.def.name.slice('memstore.'.length));
    if (READERS.has(e.def)) use.keySpace = true;
  }
  if (e.kind === 'subquery') planUse(e.plan, use);
  for (const c of childExprs(e)) exprUse(c, use);
}

function planUse(p: LogicalPlan, use: { keySpace: boolean }): void {
  if (p.kind === 'function' && READERS.has(p.def)) use.keySpace = true;
  for (const e of nodeExprs(p)) exprUse(e, use);
  for (const c of childPlans(p)) planUse(c.plan, use);
}

/**
 * Whether the plan calls a memstore function that reads the key space (the driver then takes the
 * key space with the plan's tables); throws 0A000 for the asynchronous ones (see the header).
 */
export function memstoreUse(plan: LogicalPlan): { keySpace: boolean } {
  const use = { keySpace: false };
  planUse(plan, use);
  return use;
}
