/*
 * sql-plan.ts — a Plan (plan.ts) from the executor pipeline: bind → logical plan → physical plan,
 * run per execution under the session's settings, clock and limits.
 *
 *   SelectStmt ─► bindQuery (bind/) ─► LogicalPlan ─► physicalPlan (exec/) ─► Plan.run ─► runPlan
 *
 * The engine (engine.ts) sends a SELECT here when the single-table planner (select.ts) does not
 * answer it, and EXPLAIN always. Plans made here hold their literal values, so they are cached
 * under their exact text (ctx.textSpecific). They are re-made when a table they read was replaced
 * or re-described, or the search_path changed (names were resolved through it).
 *
 * Interface:
 *   planSql(ctx, env, stmt)        Plan for a query (SelectStmt node)
 *   planExplain(ctx, env, stmt)    Plan for EXPLAIN [ANALYZE off] of a query
 *   bindCatalog(ctx, env)          the store's tables as the binder sees them
 *   statementClock(session)        transaction and statement start for now() and friends
 */
import type { ExplainStmt, Node } from 'libpg-query';
import { SqlError } from '../errors.js';
import type { ExecContext, FieldDescription, SessionState } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { PG_EPOCH_UNIX_US } from '../pg/time.js';
import { Oid, typeSize } from '../pg/types.js';
import type { TableState } from '../store/store.js';
import { ensureBuiltins } from './builtins.js';
import { builtinCollation, isCollatable } from './bind/collate.js';
import { tableCollationProblem } from './types/collation.js';
import type { BindCatalog, CatalogTable } from './bind/context.js';
import { bindQuery } from './bind/query.js';
import { notSupported } from './errors.js';
import { evalSettings } from './eval-settings.js';
import { explainPlan, physicalPlan, runPlan, type ExecLimits } from './exec/run.js';
import { computedField, rowsOf, type EngineEnv, type Plan } from './plan.js';
import { schemaExists, searchPath } from './scalar.js';
import { skippedError } from './select-source.js';
import { getSetting, sessionExtra } from './session.js';
import type { BuildContext } from './values.js';
import { buildRow } from '../store/row.js';
import { KV_COLUMNS, KV_TABLE_OID } from './functions/memstore-keyspace.js';
import { CATALOG_SCHEMAS, isCopiedRelation } from '../catalog/relations.js';
import { dynamicRelation, isDynamicRelation } from '../catalog/dynamic.js';
import { effectivePath, type CatalogSnapshot } from '../catalog/snapshot.js';
import type { EvalSettings, SessionContext } from './types/registry.js';

/** µs since 2000-01-01 UTC, with the sub-millisecond part PostgreSQL's clock has. */
export function clockMicros(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) - BigInt(PG_EPOCH_UNIX_US);
}

/** now() is the start of the transaction block, or of the statement outside one (PostgreSQL). */
export function statementClock(session: SessionState): { transactionStart: bigint; statementStart: bigint } {
  const statementStart = clockMicros();
  const extra = sessionExtra(session);
  if (session.txStatus === 'I') extra.xactStart = null;
  else if (extra.xactStart === null) extra.xactStart = statementStart;
  return { transactionStart: extra.xactStart ?? statementStart, statementStart };
}

/** memstore.kv as the binder sees it (functions/memstore-keyspace.ts). */
const KV_CATALOG: CatalogTable = {
  oid: KV_TABLE_OID,
  schema: 'memstore',
  name: 'kv',
  columns: KV_COLUMNS.map((c, i) => ({ name: c.name, type: c.type, typmod: -1, attnum: i + 1 })),
  keyColumns: [0],
};

/**
 * Tables of the store by name; tables not (yet) readable still bind, their scan raises at run.
 * memstore.kv too; unqualified `kv` is a replicated table of that name anywhere on search_path
 * before it is memstore.kv, as on the single-table path (select.ts tableFirstInPath).
 * With a catalog (env.catalog), pg_catalog's copied relations bind too: `pg_catalog.pg_class`,
 * and an unqualified `pg_class` through the search_path with pg_catalog searched first unless
 * the path lists it, as PostgreSQL does. They are recorded in `fixed` (one snapshot's).
 */
/** OIDs below this are PostgreSQL's own (FirstNormalObjectId): no domains among them. */
const FIRST_USER_OID = 16384;

export function bindCatalog(
  ctx: BuildContext,
  env: EngineEnv,
): BindCatalog & { readonly used: Map<number, TableState>; readonly fixed: Map<number, TableState>; readonly snapshot: CatalogSnapshot | undefined; readonly dynamic: { value: boolean } } {
  const path = searchPath(ctx);
  const used = new Map<number, TableState>();
  const fixed = new Map<number, TableState>();
  const snapshot = env.catalog?.current;
  const collations = env.store.collations;
  const describe = (t: TableState): CatalogTable => {
    if (t.status === 'skipped') throw skippedError(t);
    const rel = t.relation;
    const problem = tableCollationProblem(collations, rel, isCollatable);
    if (problem !== undefined) throw problem;
    used.set(rel.oid, t);
    return {
      oid: rel.oid,
      schema: rel.schema,
      name: rel.name,
      columns: rel.columns.map((c, i) => {
        // A domain column is described and computed as its base type, as PostgreSQL does.
        const base = c.typeOid >= FIRST_USER_OID ? snapshot?.domainBase(c.typeOid) : undefined;
        const col = base === undefined ? { name: c.name, type: c.typeOid, typmod: c.typeMod, attnum: i + 1 } : { name: c.name, type: base.type, typmod: c.typeMod !== -1 ? c.typeMod : base.typmod, attnum: i + 1 };
        if (collations === undefined || !isCollatable(col.type)) return col;
        return { ...col, collation: collations.columnCollation(rel.oid, c.name) };
      }),
      keyColumns: [...t.keyIndexes],
    };
  };
  const virtual = (schema: string, name: string): CatalogTable | undefined => {
    if (snapshot === undefined) {
      if (isCopiedRelation(schema, name)) throw catalogNotReady();
      return undefined;
    }
    let v = snapshot.relation(schema, name);
    if (v === undefined) return undefined;
    const copied = isDynamicRelation(schema, name) ? snapshot.copied(schema, name) : undefined;
    if (copied !== undefined) {
      // The session's settings, the store's row counts: built now, the plan is re-made each time.
      v = dynamicRelation(v, copied, { setting: (n) => getSetting(ctx.session, n), rowCount: (oid) => env.store.tables.get(oid)?.rows.size });
      dynamic.value = true;
    }
    fixed.set(v.oid, v.state);
    return {
      oid: v.oid,
      schema: v.schema,
      name: v.name,
      columns: v.columns.map((c, i) => ({ name: c.name, type: c.type, typmod: c.typmod, attnum: i + 1 })),
      keyColumns: v.keyColumns,
    };
  };
  const withCatalog = env.catalog !== undefined;
  const dynamic = { value: false };
  return {
    searchPath: path,
    used,
    fixed,
    snapshot,
    dynamic,
    collation(schema, name) {
      return collations === undefined ? builtinCollation(schema, name) : collations.byName(schema, name);
    },
    table(schema, name) {
      if (schema !== null) {
        if (schema === KV_CATALOG.schema && name === KV_CATALOG.name) return KV_CATALOG;
        if (withCatalog && CATALOG_SCHEMAS.includes(schema)) return virtual(schema, name);
        const t = env.store.tableByName(schema, name);
        return t === undefined ? undefined : describe(t);
      }
      for (const s of withCatalog ? effectivePath(path) : path) {
        if (withCatalog && CATALOG_SCHEMAS.includes(s)) {
          const v = virtual(s, name);
          if (v !== undefined) return v;
          continue;
        }
        const t = env.store.tableByName(s, name);
        if (t !== undefined) return describe(t);
      }
      if (name === KV_CATALOG.name && path.includes(KV_CATALOG.schema)) return KV_CATALOG;
      return undefined;
    },
  };
}

function catalogNotReady(): SqlError {
  return new SqlError(SQLSTATE.object_not_in_prerequisite_state, 'the catalog has not been read from the primary yet', {
    hint: 'memstore copies pg_catalog from the primary after the initial sync; the sidecar log says why it failed.',
  });
}

function fieldsOf(columns: readonly { name: string; type: number; typmod: number; tableOid: number; attnum: number }[]): FieldDescription[] {
  // A record's typmod names its column list inside the binder only (bind/record-types.ts).
  return columns.map((c) => ({ name: c.name, tableOid: c.tableOid, columnAttr: c.attnum, typeOid: c.type, typeSize: typeSize(c.type), typeMod: c.type === 2249 ? -1 : c.typmod }));
}

/** statement_timeout and work_mem as the executor takes them (PostgreSQL units: ms and kB). */
export function execLimits(session: SessionState): ExecLimits {
  // Without spilling to disk (XXX), the bound guards the process rather than choosing a plan:
  // at least 64 MB per operator, more when work_mem says so.
  const workMem = Math.max(settingKb(getSetting(session, 'work_mem') ?? '4MB') * 1024, 64 * 1024 * 1024);
  return { statementTimeoutMs: settingMs(getSetting(session, 'statement_timeout') ?? '0'), workMemBytes: workMem };
}

const TIME_UNITS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const MEM_UNITS: Readonly<Record<string, number>> = { b: 1 / 1024, kb: 1, mb: 1024, gb: 1024 * 1024, tb: 1024 * 1024 * 1024 };

function settingMs(text: string): number {
  const m = /^\s*([0-9.]+)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return 0;
  return Number(m[1]) * (TIME_UNITS[m[2]!.toLowerCase() || 'ms'] ?? 1);
}

function settingKb(text: string): number {
  const m = /^\s*([0-9.]+)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return 4096;
  return Number(m[1]) * (MEM_UNITS[m[2]!.toLowerCase() || 'kb'] ?? 1);
}

interface Prepared {
  readonly fields: FieldDescription[];
  readonly paramTypes: readonly number[];
  readonly phys: ReturnType<typeof physicalPlan>;
  /** The catalog snapshot the plan reads relations of (undefined: none). */
  readonly snapshot: CatalogSnapshot | undefined;
  readonly valid: (session: SessionState) => boolean;
}

function prepare(ctx: BuildContext, env: EngineEnv, stmt: Node): Prepared {
  ensureBuiltins();
  const catalog = bindCatalog(ctx, env);
  const bound = bindQuery(stmt, { sql: ctx.sql, paramTypes: ctx.declared, catalog });
  ctx.textSpecific = true;
  for (let i = 0; i < bound.paramTypes.length; i++) ctx.paramTypes[i] = bound.paramTypes[i]!;
  const read = [...catalog.used.values()].map((t) => ({ t, rel: t.relation }));
  const path = ctx.session.parameters.get('search_path');
  const collations = env.store.collations;
  // A plan over the catalog's relations holds their snapshot: a newer one re-makes the plan.
  const snapshot = catalog.fixed.size > 0 ? catalog.snapshot : undefined;
  if (snapshot !== undefined) env.catalog?.check();
  return {
    fields: fieldsOf(bound.plan.columns),
    paramTypes: bound.paramTypes,
    phys: physicalPlan(bound.plan, env.store, catalog.fixed),
    snapshot,
    valid: (session) =>
      !catalog.dynamic.value &&
      session.parameters.get('search_path') === path &&
      env.store.collations === collations &&
      read.every(({ t, rel }) => env.store.tables.get(rel.oid) === t && t.relation === rel) &&
      (snapshot === undefined || env.catalog?.current === snapshot),
  };
}

/** The execution's settings with its session and the catalog it reads (the plan's snapshot, or the current one). */
function withCatalog(settings: EvalSettings, snapshot: CatalogSnapshot | undefined, ec: ExecContext, env: EngineEnv): EvalSettings {
  const path = searchPath(ec);
  const session: SessionContext = {
    searchPath: path,
    user: ec.session.user,
    database: ec.session.database,
    schemaExists: (name) => (snapshot === undefined ? schemaExists(env, name) : snapshot.namespaceOid(name) !== undefined),
  };
  if (snapshot === undefined) return { ...settings, session };
  return { ...settings, session, catalog: { snapshot, searchPath: path, user: ec.session.user, relationSize: (oid) => env.store.tables.get(oid)?.rows.memoryUsage() } };
}

export function planSql(ctx: BuildContext, env: EngineEnv, stmt: Node): Plan {
  const p = prepare(ctx, env, stmt);
  return {
    fields: p.fields,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: p.valid,
    run(ec: ExecContext, args) {
      const clock = statementClock(ec.session);
      const settings = withCatalog(evalSettings(ec.session, clock.transactionStart, clock.statementStart), p.snapshot ?? env.catalog?.current, ec, env);
      return runPlan(p.phys, env.store, ec, args.params, p.paramTypes, settings, execLimits(ec.session), { env, session: ec.session });
    },
  };
}

export function planExplain(ctx: BuildContext, env: EngineEnv, e: ExplainStmt): Plan {
  for (const o of e.options ?? []) {
    const d = 'DefElem' in o ? o.DefElem : undefined;
    const name = d?.defname ?? '';
    if (name === 'analyze' || name === 'format' || name === 'buffers' || name === 'wal' || name === 'generic_plan' || name === 'serialize' || name === 'memory') {
      throw notSupported(`EXPLAIN option ${name.toUpperCase()}`);
    }
  }
  const q = e.query;
  if (q === undefined || !('SelectStmt' in q)) throw notSupported('EXPLAIN of a statement other than SELECT');
  const p = prepare(ctx, env, q);
  return {
    fields: [computedField('QUERY PLAN', Oid.text)],
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: p.valid,
    run: () => rowsOf(explainPlan(p.phys).map((l) => buildRow([l]))),
  };
}

/** The clearer of two planning errors: a specific one beats "not supported". */
export function preferredError(oldPath: unknown, newPath: unknown): unknown {
  const isUnsupported = (e: unknown): boolean => e instanceof SqlError && e.sqlstate === SQLSTATE.feature_not_supported;
  if (!(newPath instanceof SqlError)) return newPath;
  if (isUnsupported(newPath) && oldPath instanceof SqlError && !isUnsupported(oldPath)) return oldPath;
  // Functions known to the single-table planner only (version(), current_setting(), …):
  // its "not supported" beats the executor's "does not exist".
  if (newPath.sqlstate === SQLSTATE.undefined_function && oldPath instanceof SqlError && isUnsupported(oldPath)) return oldPath;
  return newPath;
}
