/*
 * scalar.ts — expressions that need no table row: constants, parameters, casts, and the
 * functions memstore implements (PostgreSQL's session functions and the memstore.* API).
 *
 * They appear as `SELECT version()`, `SELECT memstore.get($1)`, `SELECT 1`, and as constant items
 * in a table's select list (`SELECT 1 FROM t WHERE …`). An expression is analysed once into a
 * ScalarExpr with a static type and PostgreSQL's column name (FigureColname: a function's name,
 * a cast's type name, `?column?`), and evaluated per execution; wait_lsn/save/load are async.
 *
 * Functions (pg_catalog ones also unqualified; memstore ones qualified, or through search_path):
 *   version() current_setting(name [, missing_ok]) set_config(name, value, is_local)
 *   pg_backend_pid() current_database() current_schema() pg_is_in_recovery() now()
 *   current_user session_user user current_role current_catalog current_schema
 *   current_timestamp current_date localtimestamp
 *   memstore.get(key text|bytea) → jsonb         memstore.count([prefix]) → bigint
 *   memstore.memory_usage() → bigint             memstore.stats() → jsonb
 *   memstore.wait_lsn(lsn pg_lsn|text [, timeout_ms int]) → pg_lsn
 *   memstore.save() / memstore.load() → pg_lsn   (0A000 when the sidecar has no dumps configured)
 * Expired memstore keys are invisible to get/count (and to list, kv and COPY in select.ts): each
 * read compares expiries with the wall clock when it runs.
 *   memstore.snapshot() → jsonb   pins the store for this transaction block (pinned-snapshot.ts)
 * memstore.list([prefix]) is a table function: select.ts reads it in FROM.
 * memstore.get('k') with an untyped literal picks the text overload, as PostgreSQL's resolution
 * does (an unknown argument prefers the string category) and as the executor's registry entries
 * (functions/memstore.ts) do: the engine answers plain `SELECT memstore.f(…)` here first
 * (memstoreCallsOnly), every other use of these functions in the executor.
 *
 * wait_lsn: resolves when the store's applied LSN reaches the target; a CancelRequest ends it
 * with 57014 (canceling statement due to user request); a timeout ends it with 57014 too, with
 * its own message, as PostgreSQL's own LSN wait (WAIT FOR LSN, PG 18) reports timeouts.
 * timeout_ms 0 or omitted waits without limit; negative → 22023.
 *
 * Interface:
 *   ScalarExpr                      type, column name, eval(ctx, args)
 *   analyzeScalar(ctx, env, node)   ScalarExpr or throws (42883, 42703, 0A000, …)
 *   bytesOfKey(text, type)          a memstore key given as text or bytea → bytes
 */
import type { FuncCall, SelectStmt, SQLValueFunction } from 'libpg-query';
import { LsnWaitTimeout } from '../apply/lsn-waiters.js';
import { SqlError } from '../errors.js';
import { formatLsn } from '../lsn.js';
import type { ExecContext } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { notSupported, undefinedColumn, undefinedFunction } from './errors.js';
import { byteaBytes, lsnValue } from './input.js';
import { jsonbText } from './jsonb.js';
import { nodeKind, stringList, type Node } from './parse.js';
import type { EngineEnv } from './plan.js';
import { applySetting, getSetting } from './session.js';
import { describeSnapshot, pinSnapshot } from './pinned-snapshot.js';
import { SERVER_VERSION } from '../pgwire/session-parameters.js';
import { Oid, sqlTypeName } from '../pg/types.js';
import { settingsSensitive } from './render.js';
import { nowMicros } from '../store/memstore.js';

const NUMBER_TYPES = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8]);
import {
  at,
  castTarget,
  castText,
  coerceValue,
  isUnknown,
  readStatically,
  valueFromNode,
  valueText,
  valueType,
  type Args,
  type BuildContext,
  type Value,
} from './values.js';
import { isTextType } from './compare.js';
import { PG_EPOCH_MS } from '../pg/time.js';

export type ScalarResult = string | null | Promise<string | null>;

export interface ScalarExpr {
  readonly type: number;
  readonly name: string;
  /** 2: a column or function name; 1: a type name; 0: ?column? (PostgreSQL's FigureColname strength). */
  readonly strength: number;
  readonly isAsync: boolean;
  eval(ctx: ExecContext, args: Args): ScalarResult;
}

type Call = (ctx: ExecContext, args: readonly (string | null)[], env: EngineEnv) => ScalarResult;

interface FunctionDef {
  readonly schema: 'pg_catalog' | 'memstore';
  readonly name: string;
  readonly params: readonly number[];
  readonly returns: number;
  /** Returns NULL for any NULL argument without being called. */
  readonly strict: boolean;
  readonly isAsync: boolean;
  readonly call: Call;
}

function timeZone(ctx: ExecContext): string {
  return getSetting(ctx.session, 'timezone') ?? 'UTC';
}

/** A memstore key argument as bytes: text is its UTF-8, bytea its bytes. */
export function bytesOfKey(text: string, type: number): Buffer {
  return type === Oid.bytea ? byteaBytes(text) : Buffer.from(text, 'utf8');
}

function nowText(): string {
  const d = new Date();
  const iso = d.toISOString(); // 2024-01-05T10:00:00.123Z
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : '.' + ms.replace(/0+$/, '')}+00`;
}

function formatCommitTime(us: bigint): string | null {
  if (us === 0n) return null;
  // µs since 2000-01-01 → ms since 1970.
  const ms = Number(us / 1000n) + PG_EPOCH_MS;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`;
}

export function statsObject(env: EngineEnv): Record<string, unknown> {
  const s = env.store;
  const c = s.counters;
  const tables: Record<string, unknown> = {};
  for (const t of s.tables.values()) {
    const generated = t.relation.columns.filter((col) => col.generated !== undefined).map((col) => col.name);
    tables[`${t.relation.schema}.${t.relation.name}`] = {
      status: t.status,
      rows: t.status === 'live' ? t.rows.size : 0,
      ...(t.reason !== '' ? { reason: t.reason } : {}),
      ...(t.status !== 'live' && t.since ? { since: new Date(t.since).toISOString() } : {}),
      ...(t.status === 'syncing' && t.resync ? { sync: t.resync.phase, held_changes: t.resync.pending.length } : {}),
      ...(generated.length > 0 ? { generated_columns: generated } : {}),
      ...(t.stale ? { stale: t.stale } : {}),
    };
  }
  const now = nowMicros();
  const keys = s.kv.count(null, now);
  const commitUs = s.lastCommitTime;
  const lagSeconds = commitUs === 0n ? null : Math.max(0, (Date.now() - (Number(commitUs / 1000n) + PG_EPOCH_MS)) / 1000);
  return {
    applied_lsn: formatLsn(s.appliedLsn),
    durable_lsn: formatLsn(s.durableLsn),
    last_commit_time: formatCommitTime(commitUs),
    seconds_since_last_commit: lagSeconds === null ? null : Math.round(lagSeconds * 1000) / 1000,
    transactions: c.transactions,
    changes: c.changes,
    skipped_transactions: c.skippedTransactions,
    memstore_ops: c.memstoreOps,
    quarantined: c.quarantined,
    memstore_keys: keys,
    memory_bytes: s.memoryUsage(),
    memstore: {
      keys,
      bytes: s.kv.memoryUsage(),
      expiring: s.kv.expiringSize,
      expired: c.memstoreExpired,
      expired_pending: s.kv.expiredPending(now),
      ops: { ...c.memstoreOpsByKind },
      quarantined: c.quarantined,
    },
    tables,
    ...(env.stats?.() ?? {}),
  };
}

async function waitLsn(ctx: ExecContext, args: readonly (string | null)[], env: EngineEnv): Promise<string | null> {
  const target = lsnValue(args[0]!);
  let timeout: number | undefined;
  if (args.length > 1) {
    const t = Number(args[1]);
    if (t < 0) throw new SqlError(SQLSTATE.invalid_parameter_value, `"timeout_ms" must not be negative: ${args[1]}`);
    if (t > 0) timeout = t;
  }
  try {
    await env.waiters.wait(target, timeout, ctx.signal);
  } catch (e) {
    if (e instanceof LsnWaitTimeout) {
      throw new SqlError(
        SQLSTATE.query_canceled,
        `timed out while waiting for target LSN ${formatLsn(target)} to be applied; current applied LSN ${formatLsn(env.store.appliedLsn)}`,
        { hint: 'The sidecar has not applied the primary\'s WAL up to that point yet; retry, or wait longer.' },
      );
    }
    if (e instanceof SqlError) throw e;
    throw new SqlError(SQLSTATE.object_not_in_prerequisite_state, `waiting for LSN ${formatLsn(target)} ended: ${e instanceof Error ? e.message : String(e)}`);
  }
  return formatLsn(env.store.appliedLsn);
}

async function dump(kind: 'save' | 'load', env: EngineEnv): Promise<string> {
  const fn = kind === 'save' ? env.save : env.load;
  if (fn === undefined) {
    throw notSupported(`memstore.${kind}() is not available: this sidecar has no dump directory configured`);
  }
  try {
    return formatLsn(await fn());
  } catch (e) {
    if (e instanceof SqlError) throw e;
    throw new SqlError(SQLSTATE.system_error, `memstore.${kind}() failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function countPrefix(env: EngineEnv, prefix: Buffer | null): string {
  return String(env.store.kv.count(prefix, nowMicros()));
}

function def(schema: FunctionDef['schema'], name: string, params: number[], returns: number, call: Call, opts: { strict?: boolean; isAsync?: boolean } = {}): FunctionDef {
  return { schema, name, params, returns, call, strict: opts.strict ?? true, isAsync: opts.isAsync ?? false };
}

const FUNCTIONS: readonly FunctionDef[] = [
  def('pg_catalog', 'version', [], Oid.text, (_c, _a, env) => `PostgreSQL ${SERVER_VERSION.replace(/ \(memstore\)$/, '')} (memstore ${env.version}) on ${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-pc-linux-gnu, compiled by Node.js ${process.version}, 64-bit`),
  def('pg_catalog', 'current_setting', [Oid.text], Oid.text, (c, a) => {
    const name = a[0]!.toLowerCase();
    const v = getSetting(c.session, name);
    if (v === undefined) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
    return v;
  }),
  def('pg_catalog', 'current_setting', [Oid.text, Oid.bool], Oid.text, (c, a) => {
    const name = a[0]!.toLowerCase();
    const v = getSetting(c.session, name);
    if (v === undefined && a[1] !== 't') throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
    return v ?? null;
  }),
  def('pg_catalog', 'set_config', [Oid.text, Oid.text, Oid.bool], Oid.text, (c, a) => {
    const name = a[0];
    if (name === null || name === undefined) throw new SqlError(SQLSTATE.invalid_parameter_value, 'SET requires parameter name');
    return applySetting(c, name.toLowerCase(), a[1] ?? '', a[2] === 't', true);
  }, { strict: false }),
  def('pg_catalog', 'pg_backend_pid', [], Oid.int4, (c) => String(c.session.processId)),
  def('pg_catalog', 'current_database', [], Oid.name, (c) => c.session.database),
  def('pg_catalog', 'current_schema', [], Oid.name, (c, _a, env) => currentSchema(c, env)),
  def('pg_catalog', 'pg_is_in_recovery', [], Oid.bool, () => 't'),
  def('pg_catalog', 'now', [], Oid.timestamptz, () => nowText()),
  def('pg_catalog', 'statement_timestamp', [], Oid.timestamptz, () => nowText()),
  def('pg_catalog', 'transaction_timestamp', [], Oid.timestamptz, () => nowText()),
  def('pg_catalog', 'clock_timestamp', [], Oid.timestamptz, () => nowText()),
  def('memstore', 'get', [Oid.text], Oid.jsonb, (_c, a, env) => getKey(env, bytesOfKey(a[0]!, Oid.text))),
  def('memstore', 'get', [Oid.bytea], Oid.jsonb, (_c, a, env) => getKey(env, bytesOfKey(a[0]!, Oid.bytea))),
  def('memstore', 'count', [], Oid.int8, (_c, _a, env) => countPrefix(env, null)),
  def('memstore', 'count', [Oid.text], Oid.int8, (_c, a, env) => countPrefix(env, bytesOfKey(a[0]!, Oid.text))),
  def('memstore', 'count', [Oid.bytea], Oid.int8, (_c, a, env) => countPrefix(env, bytesOfKey(a[0]!, Oid.bytea))),
  def('memstore', 'memory_usage', [], Oid.int8, (_c, _a, env) => String(env.store.memoryUsage())),
  def('memstore', 'stats', [], Oid.jsonb, (_c, _a, env) => jsonbText(statsObject(env))),
  def('memstore', 'wait_lsn', [Oid.pg_lsn], Oid.pg_lsn, waitLsn, { isAsync: true }),
  def('memstore', 'wait_lsn', [Oid.pg_lsn, Oid.int4], Oid.pg_lsn, waitLsn, { isAsync: true }),
  def('memstore', 'wait_lsn', [Oid.text], Oid.pg_lsn, waitLsn, { isAsync: true }),
  def('memstore', 'wait_lsn', [Oid.text, Oid.int4], Oid.pg_lsn, waitLsn, { isAsync: true }),
  def('memstore', 'save', [], Oid.pg_lsn, (_c, _a, env) => dump('save', env), { isAsync: true }),
  def('memstore', 'load', [], Oid.pg_lsn, (_c, _a, env) => dump('load', env), { isAsync: true }),
  def('memstore', 'snapshot', [], Oid.jsonb, (c, _a, env) => describeSnapshot(pinSnapshot(c.session, env.store))),
];

function getKey(env: EngineEnv, key: Buffer): string | null {
  const v = env.store.kv.get(key, nowMicros());
  return v === undefined ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}

/** Schemas that exist on the sidecar: those of its tables, plus public, pg_catalog and memstore. */
export function schemaExists(env: EngineEnv, schema: string): boolean {
  if (schema === 'public' || schema === 'pg_catalog' || schema === 'memstore') return true;
  for (const t of env.store.tables.values()) if (t.relation.schema === schema) return true;
  return false;
}

/** search_path as a list of schema names ("$user" resolved), as the session has it now. */
export function searchPath(ctx: { session: { parameters: Map<string, string>; user: string } }): string[] {
  const text = ctx.session.parameters.get('search_path') ?? '"$user", public';
  return splitSearchPath(text, ctx.session.user);
}

export function splitSearchPath(text: string, user: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,\s]+))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    const name = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
    out.push(name === '$user' ? user : name);
  }
  return out;
}

function currentSchema(ctx: ExecContext, env: EngineEnv): string | null {
  for (const s of searchPath(ctx)) if (schemaExists(env, s)) return s;
  return null;
}


// --- analysis ---------------------------------------------------------------------------------------

/** An argument before overload resolution: an unknown-typed value may still take any type. */
type Arg = { readonly k: 'value'; readonly v: Value } | { readonly k: 'expr'; readonly e: ScalarExpr };

function argType(a: Arg): number {
  return a.k === 'value' ? valueType(a.v) : a.e.type;
}

const IMPLICIT: ReadonlyMap<number, readonly number[]> = new Map([
  [Oid.int2, [Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8]],
  [Oid.int4, [Oid.int8, Oid.numeric, Oid.float4, Oid.float8]],
  [Oid.int8, [Oid.numeric, Oid.float4, Oid.float8]],
  [Oid.varchar, [Oid.text]],
  [Oid.bpchar, [Oid.text]],
  [Oid.name, [Oid.text]],
]);

function accepts(param: number, arg: number): boolean {
  return arg === param || arg === Oid.unknown || (IMPLICIT.get(arg)?.includes(param) ?? false);
}

/** Resolves a function by (optionally qualified) name and argument types. */
function findFunction(ctx: BuildContext, names: readonly string[], args: readonly Arg[], location: number): FunctionDef {
  const name = names[names.length - 1]!;
  let schemas: string[];
  if (names.length >= 2) schemas = [names[names.length - 2]!];
  else schemas = ['pg_catalog', ...searchPath(ctx)];
  const types = args.map(argType);
  for (const schema of schemas) {
    const candidates = FUNCTIONS.filter((f) => f.schema === schema && f.name === name && f.params.length === args.length);
    // Exact matches first, then with unknowns and implicit casts.
    const exact = candidates.find((f) => f.params.every((p, i) => p === types[i]));
    if (exact !== undefined) return exact;
    const loose = candidates.find((f) => f.params.every((p, i) => accepts(p, types[i]!)));
    if (loose !== undefined) return loose;
  }
  if (name === 'list' && (names.length < 2 || names[names.length - 2] === 'memstore')) {
    throw notSupported('memstore.list() returns rows: use SELECT * FROM memstore.list(…)', at(ctx, location));
  }
  throw undefinedFunction(names.join('.'), types, at(ctx, location));
}

function valueExpr(ctx: BuildContext, v: Value, name: string, strength: number): ScalarExpr {
  if (isUnknown(v)) coerceValue(ctx, v, Oid.text);
  const type = valueType(v);
  return {
    type,
    name,
    strength,
    isAsync: false,
    eval: (ec, args) => valueText(v, args, timeZone(ec)),
  };
}

function sqlValueFunction(ctx: BuildContext, env: EngineEnv, f: SQLValueFunction): ScalarExpr {
  const mk = (name: string, type: number, fn: (ec: ExecContext) => string | null): ScalarExpr => ({ type, name, strength: 2, isAsync: false, eval: (ec) => fn(ec) });
  switch (f.op) {
    case 'SVFOP_CURRENT_USER':
      return mk('current_user', Oid.name, (ec) => ec.session.user);
    case 'SVFOP_CURRENT_ROLE':
      return mk('current_role', Oid.name, (ec) => ec.session.user);
    case 'SVFOP_USER':
      return mk('user', Oid.name, (ec) => ec.session.user);
    case 'SVFOP_SESSION_USER':
      return mk('session_user', Oid.name, (ec) => ec.session.user);
    case 'SVFOP_CURRENT_CATALOG':
      return mk('current_catalog', Oid.name, (ec) => ec.session.database);
    case 'SVFOP_CURRENT_SCHEMA':
      return mk('current_schema', Oid.name, (ec) => currentSchema(ec, env));
    case 'SVFOP_CURRENT_TIMESTAMP':
      return mk('current_timestamp', Oid.timestamptz, () => nowText());
    case 'SVFOP_CURRENT_DATE':
      return mk('current_date', Oid.date, () => new Date().toISOString().slice(0, 10));
    case 'SVFOP_LOCALTIMESTAMP':
      return mk('localtimestamp', Oid.timestamp, () => nowText().slice(0, -3));
    case 'SVFOP_CURRENT_TIME_N':
    case 'SVFOP_CURRENT_TIME':
    case 'SVFOP_CURRENT_TIMESTAMP_N':
    case 'SVFOP_LOCALTIME_N':
    case 'SVFOP_LOCALTIME':
    case 'SVFOP_LOCALTIMESTAMP_N':
    case undefined:
      throw notSupported(`${String(f.op).replace('SVFOP_', '').toLowerCase()} is not supported by memstore`, at(ctx, f.location));
  }
}

function funcCall(ctx: BuildContext, env: EngineEnv, f: FuncCall): ScalarExpr {
  const names = stringList(f.funcname);
  const location = f.location ?? -1;
  if (f.agg_star === true || f.agg_distinct === true || f.over !== undefined || f.agg_filter !== undefined || (f.agg_order?.length ?? 0) > 0) {
    throw notSupported(`aggregate and window calls are supported only as count(*) over a table`, at(ctx, location));
  }
  const args: Arg[] = (f.args ?? []).map((n) => {
    const v = valueFromNode(ctx, n);
    if (v !== null && v.origin === 'int') readStatically(ctx, v.location);
    return v !== null ? { k: 'value', v } : { k: 'expr', e: analyzeScalar(ctx, env, n) };
  });
  const fn = findFunction(ctx, names, args, location);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.k === 'value' && isUnknown(a.v)) coerceValue(ctx, a.v, fn.params[i]!);
  }
  const evals = args.map((a, i) => {
    const from = argType(a);
    const to = fn.params[i]!;
    if (a.k === 'value') return (ec: ExecContext, x: Args): ScalarResult => {
      const t = valueText(a.v, x, timeZone(ec));
      return t === null || from === to ? t : castText(from, to, t, timeZone(ec));
    };
    return (ec: ExecContext, x: Args): ScalarResult => {
      const r = a.e.eval(ec, x);
      if (r instanceof Promise) return r.then((t) => (t === null || from === to ? t : castText(from, to, t, timeZone(ec))));
      return r === null || from === to ? r : castText(from, to, r, timeZone(ec));
    };
  });
  const isAsync = fn.isAsync || args.some((a) => a.k === 'expr' && a.e.isAsync);
  const invoke = (ec: ExecContext, values: (string | null)[]): ScalarResult => {
    if (fn.strict && values.some((v) => v === null)) return null;
    return fn.call(ec, values, env);
  };
  return {
    type: fn.returns,
    name: fn.name,
    strength: 2,
    isAsync,
    eval(ec, x) {
      const values = evals.map((e) => e(ec, x));
      if (values.some((v) => v instanceof Promise)) return Promise.all(values.map((v) => Promise.resolve(v))).then((vs) => invoke(ec, vs));
      return invoke(ec, values as (string | null)[]);
    },
  };
}

/**
 * `SELECT memstore.f(…)[, …]` with constants and parameters only: the forms this path answers
 * exactly as the executor does (functions/memstore.ts), but without its per-execution set-up
 * (a prepared `SELECT memstore.get($1)` costs ~3 µs here, ~35 µs there). The engine tries this
 * path first for them, and the executor for every other statement without FROM.
 */
export function memstoreCallsOnly(s: SelectStmt): boolean {
  const targets = s.targetList ?? [];
  if (targets.length === 0 || s.whereClause !== undefined || s.limitCount !== undefined || s.limitOffset !== undefined) return false;
  if ((s.sortClause?.length ?? 0) > 0 || (s.groupClause?.length ?? 0) > 0 || s.havingClause !== undefined || s.distinctClause !== undefined || s.withClause !== undefined) return false;
  const plain = (n: Node | undefined): boolean =>
    n !== undefined && ('A_Const' in n || 'ParamRef' in n || ('TypeCast' in n && plain(n.TypeCast.arg)));
  return targets.every((t) => {
    const v = 'ResTarget' in t ? t.ResTarget.val : undefined;
    if (v === undefined || !('FuncCall' in v)) return false;
    const f = v.FuncCall;
    const names = stringList(f.funcname);
    if (names.length !== 2 || names[0] !== 'memstore' || f.over !== undefined || f.agg_star === true || f.agg_distinct === true) return false;
    return (f.args ?? []).every(plain);
  });
}

export function analyzeScalar(ctx: BuildContext, env: EngineEnv, node: Node | undefined): ScalarExpr {
  if (node === undefined) throw notSupported('empty expression');
  if ('A_Const' in node || 'ParamRef' in node) {
    const v = valueFromNode(ctx, node)!;
    // An integer literal's type depends on its size: the plan is for this literal only.
    if (v.origin === 'int') readStatically(ctx, v.location);
    if (v.origin === 'int' && v.ref.k === 'const' && v.ref.text !== null) {
      const n = BigInt(v.ref.text.replace(/_/g, ''));
      const type = n >= -2147483648n && n <= 2147483647n ? Oid.int4 : n >= -(2n ** 63n) && n < 2n ** 63n ? Oid.int8 : Oid.numeric;
      const text = n.toString();
      return { type, name: '?column?', strength: 0, isAsync: false, eval: () => text };
    }
    return valueExpr(ctx, v, '?column?', 0);
  }
  if ('TypeCast' in node) {
    const tc = node.TypeCast;
    const v = valueFromNode(ctx, node);
    const to = castTarget(ctx, tc);
    const typeName = stringList(tc.typeName?.names).pop() ?? '?column?';
    if (v !== null) {
      if (v.origin === 'int') readStatically(ctx, v.location);
      return valueExpr(ctx, v, typeName, 1);
    }
    const inner = analyzeScalar(ctx, env, tc.arg);
    const from = inner.type;
    if (!(from === to || isTextType(from) || isTextType(to) || (NUMBER_TYPES.has(from) && NUMBER_TYPES.has(to)))) {
      throw new SqlError(SQLSTATE.cannot_coerce, `cannot cast type ${sqlTypeName(from)} to ${sqlTypeName(to)}`);
    }
    // The text of a date/time, float, interval or bytea value follows session settings this
    // path does not print under: the executor pipeline does (sql-plan.ts).
    if (isTextType(to) && from !== to && settingsSensitive([from])) throw notSupported(`a cast of ${sqlTypeName(from)} to text`);
    const name = inner.strength > 1 ? inner.name : typeName;
    return {
      type: to,
      name,
      strength: inner.strength > 1 ? inner.strength : 1,
      isAsync: inner.isAsync,
      eval(ec, x) {
        const r = inner.eval(ec, x);
        if (r instanceof Promise) return r.then((t) => (t === null ? null : castText(from, to, t, timeZone(ec))));
        return r === null ? null : castText(from, to, r, timeZone(ec));
      },
    };
  }
  if ('FuncCall' in node) return funcCall(ctx, env, node.FuncCall);
  if ('SQLValueFunction' in node) return sqlValueFunction(ctx, env, node.SQLValueFunction);
  if ('ColumnRef' in node) {
    const fields = stringList(node.ColumnRef.fields);
    throw undefinedColumn(fields.join('.'), at(ctx, node.ColumnRef.location));
  }
  if ('A_Expr' in node) throw notSupported('operators in the select list are not supported by memstore', at(ctx, node.A_Expr.location));
  throw notSupported(`memstore does not support ${nodeKind(node)} in the select list`);
}

