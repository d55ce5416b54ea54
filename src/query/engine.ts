/*
 * engine.ts — QueryEngine: the Engine (pgwire/engine.ts) that answers SQL from the store.
 *
 *   query text ─► plan cache ─hit──────────────────────────────┐
 *                   │ miss                                     ▼
 *                   └─► parse (PostgreSQL 17 grammar) ─► analyse per statement ─► Plan
 *   Statement.execute(params) ─► still valid? (tables, search_path) ─► Plan.run ─► rows / copy / tag
 *
 * Plan cache. Keyed by the text with its literals lifted (normalize.ts) plus the declared
 * parameter types, so `… WHERE aid = 1` and `… WHERE aid = 2` share one plan and the simple
 * protocol's hot path does not parse; a plan that depends on a literal's value is cached under its
 * exact text instead. Both caches are LRUs. Plans hold no session state; they are re-made when
 * the table they read was replaced or re-described (a new Relation message), or when a name was
 * resolved through a search_path the session has since changed. Analysis errors are not cached.
 *
 * Statement dispatch: SELECT (select.ts), COPY … TO STDOUT (copy.ts), SET/SHOW/RESET,
 * transaction control, DISCARD (session.ts), DECLARE / FETCH / MOVE / CLOSE (cursor.ts), catalog
 * queries by text (catalog.ts). Writes and
 * DDL → 25006 `cannot execute <COMMAND> in a read-only transaction`; any other statement → 0A000
 * naming what is supported. In a failed transaction block everything but COMMIT / ROLLBACK /
 * ROLLBACK TO fails with 25P02.
 *
 * Errors at analysis (42P01, 42703, 42883, …) are raised by prepare() — at Parse for the
 * extended protocol — except in a multi-statement simple query or a failed block: then each
 * statement is analysed when its turn comes, as PostgreSQL does (`SET search_path …; SELECT …`
 * sees the new path).
 *
 * Concurrency: one event loop. The caches are shared by all connections; a cached statement's
 * plan is replaced in place when it is re-made (plans themselves are immutable), so a re-plan
 * by one session serves the others. Reads never block the apply loop: a statement runs
 * synchronously between transactions, a long result is pulled in pieces by pgwire.
 *
 * Interface:
 *   QueryEngine.create(store, options)   loads the parser, returns the engine
 *   prepare(sql, paramTypeOids, session) Statement[] (Engine)
 *   initialParameters(startup)           validated startup settings (Engine)
 *   cacheStats()                         sizes of the plan caches (tests, metrics)
 */
import type { Node, RawStmt, SelectStmt } from 'libpg-query';
import type { LsnWaiters } from '../apply/lsn-waiters.js';
import { SqlError } from '../errors.js';
import type { Engine, ExecContext, ExecResult, FieldDescription, SessionState, Statement } from '../pgwire/engine.js';
import { startupSettings } from '../pgwire/session-parameters.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { Store } from '../store/store.js';
import { catalogPlan } from './catalog.js';
import { inFailedTransaction, notSupported, readOnly } from './errors.js';
import { Lru } from './lru.js';
import { normalize, type Literal, type Normalized } from './normalize.js';
import { loadParser, nodeKind, parseSql } from './parse.js';
import type { CatalogSource, EngineEnv, Plan } from './plan.js';
import { planCopy } from './copy.js';
import { planSelect } from './select.js';
import { memstoreCallsOnly } from './scalar.js';
import { execLimits, planExplain, planSql, preferredError } from './sql-plan.js';
import { planDeallocate, planExecute, planPrepare } from './prepared-sql.js';
import { planClose, planDeclare, planFetch } from './cursor.js';
import { planDiscard, planTransaction, planVariableSet, planVariableShow, sessionExtra } from './session.js';
import { normalizeSetting } from './settings.js';
import { Oid } from '../pg/types.js';
import type { BuildContext } from './values.js';

export interface QueryEngineOptions {
  readonly waiters: LsnWaiters;
  /** Extra members of memstore.stats() (follower state, dump times, …). */
  readonly stats?: () => Record<string, unknown>;
  /** memstore.save(): writes a dump, resolves with its LSN. */
  readonly save?: () => Promise<bigint>;
  /** memstore.load(): loads the newest dump, resolves with its LSN. */
  readonly load?: () => Promise<bigint>;
  /** memstore's version, shown by version() as "(memstore <serverVersion>)". */
  readonly serverVersion?: string;
  /** Entries per plan cache (default 2000). */
  readonly planCacheSize?: number;
  /** The copied catalog (pg_catalog relations and functions); absent = none. */
  readonly catalog?: CatalogSource;
}

/** Texts longer than this are neither normalised nor cached. */
const MAX_CACHED_TEXT = 16 * 1024;

interface StmtEntry {
  readonly raw: RawStmt;
  /** Null when analysis is deferred to execution. */
  plan: Plan | null;
}

interface CacheEntry {
  /** The text the plans were made from, and its lifted literals (for re-planning). */
  readonly sql: string;
  readonly literals: readonly Literal[];
  readonly stmts: readonly StmtEntry[];
}

/** Command tags of writes and DDL, by parse node, as PostgreSQL's CreateCommandName spells them. */
const WRITE_TAGS: ReadonlyMap<string, string> = new Map([
  ['InsertStmt', 'INSERT'],
  ['UpdateStmt', 'UPDATE'],
  ['DeleteStmt', 'DELETE'],
  ['MergeStmt', 'MERGE'],
  ['CreateStmt', 'CREATE TABLE'],
  ['CreateTableAsStmt', 'CREATE TABLE AS'],
  ['IndexStmt', 'CREATE INDEX'],
  ['ViewStmt', 'CREATE VIEW'],
  ['CreateSchemaStmt', 'CREATE SCHEMA'],
  ['CreateSeqStmt', 'CREATE SEQUENCE'],
  ['AlterSeqStmt', 'ALTER SEQUENCE'],
  ['CreateFunctionStmt', 'CREATE FUNCTION'],
  ['AlterFunctionStmt', 'ALTER FUNCTION'],
  ['CreateTrigStmt', 'CREATE TRIGGER'],
  ['CreateExtensionStmt', 'CREATE EXTENSION'],
  ['AlterExtensionStmt', 'ALTER EXTENSION'],
  ['CreateRoleStmt', 'CREATE ROLE'],
  ['AlterRoleStmt', 'ALTER ROLE'],
  ['DropRoleStmt', 'DROP ROLE'],
  ['CreatedbStmt', 'CREATE DATABASE'],
  ['AlterDatabaseStmt', 'ALTER DATABASE'],
  ['AlterDatabaseSetStmt', 'ALTER DATABASE'],
  ['DropdbStmt', 'DROP DATABASE'],
  ['AlterTableStmt', 'ALTER TABLE'],
  ['TruncateStmt', 'TRUNCATE TABLE'],
  ['CommentStmt', 'COMMENT'],
  ['CompositeTypeStmt', 'CREATE TYPE'],
  ['CreateEnumStmt', 'CREATE TYPE'],
  ['CreateRangeStmt', 'CREATE TYPE'],
  ['AlterEnumStmt', 'ALTER TYPE'],
  ['CreateDomainStmt', 'CREATE DOMAIN'],
  ['AlterDomainStmt', 'ALTER DOMAIN'],
  ['DefineStmt', 'CREATE'],
  ['CreatePublicationStmt', 'CREATE PUBLICATION'],
  ['AlterPublicationStmt', 'ALTER PUBLICATION'],
  ['CreateSubscriptionStmt', 'CREATE SUBSCRIPTION'],
  ['AlterSubscriptionStmt', 'ALTER SUBSCRIPTION'],
  ['DropSubscriptionStmt', 'DROP SUBSCRIPTION'],
  ['RefreshMatViewStmt', 'REFRESH MATERIALIZED VIEW'],
  ['ClusterStmt', 'CLUSTER'],
  ['ReindexStmt', 'REINDEX'],
  ['LockStmt', 'LOCK TABLE'],
  ['RuleStmt', 'CREATE RULE'],
  ['CreatePolicyStmt', 'CREATE POLICY'],
  ['AlterPolicyStmt', 'ALTER POLICY'],
  ['AlterOwnerStmt', 'ALTER OWNER'],
  ['AlterObjectSchemaStmt', 'ALTER SET SCHEMA'],
  ['RenameStmt', 'ALTER RENAME'],
  ['SecLabelStmt', 'SECURITY LABEL'],
  ['CreateTableSpaceStmt', 'CREATE TABLESPACE'],
  ['DropTableSpaceStmt', 'DROP TABLESPACE'],
  ['AlterDefaultPrivilegesStmt', 'ALTER DEFAULT PRIVILEGES'],
  ['ReassignOwnedStmt', 'REASSIGN OWNED'],
  ['DropOwnedStmt', 'DROP OWNED'],
  ['CreateForeignTableStmt', 'CREATE FOREIGN TABLE'],
  ['ImportForeignSchemaStmt', 'IMPORT FOREIGN SCHEMA'],
  ['CreateEventTrigStmt', 'CREATE EVENT TRIGGER'],
  ['AlterSystemStmt', 'ALTER SYSTEM'],
  ['CreateStatsStmt', 'CREATE STATISTICS'],
  ['CreateCastStmt', 'CREATE CAST'],
  ['CreateConversionStmt', 'CREATE CONVERSION'],
  ['CreateOpClassStmt', 'CREATE OPERATOR CLASS'],
  ['CreatePLangStmt', 'CREATE LANGUAGE'],
  ['CreateTransformStmt', 'CREATE TRANSFORM'],
  ['CreateAmStmt', 'CREATE ACCESS METHOD'],
  ['CreateFdwStmt', 'CREATE FOREIGN DATA WRAPPER'],
  ['CreateForeignServerStmt', 'CREATE SERVER'],
  ['CreateUserMappingStmt', 'CREATE USER MAPPING'],
  ['NotifyStmt', 'NOTIFY'],
]);

const OBJECT_WORDS: Readonly<Record<string, string>> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_INDEX: 'INDEX',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_TYPE: 'TYPE',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_EXTENSION: 'EXTENSION',
  OBJECT_TRIGGER: 'TRIGGER',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_PUBLICATION: 'PUBLICATION',
  OBJECT_POLICY: 'POLICY',
  OBJECT_RULE: 'RULE',
  OBJECT_COLUMN: 'TABLE',
};

/** PostgreSQL's command name for a write or DDL statement, or null when the node is neither. */
function writeCommand(kind: string, body: Record<string, unknown>): string | null {
  const objWord = (key: string): string => OBJECT_WORDS[String(body[key])] ?? '';
  switch (kind) {
    case 'DropStmt':
      return `DROP ${objWord('removeType') || 'OBJECT'}`;
    case 'AlterTableStmt':
      return `ALTER ${objWord('objtype') || 'TABLE'}`;
    case 'RenameStmt':
      return `ALTER ${objWord('renameType') || 'OBJECT'}`;
    case 'CreateTableAsStmt':
      return body.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
    case 'CreateFunctionStmt':
      return body.is_procedure === true ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
    case 'GrantStmt':
      return body.is_grant === true ? 'GRANT' : 'REVOKE';
    case 'GrantRoleStmt':
      return body.is_grant === true ? 'GRANT ROLE' : 'REVOKE ROLE';
    case 'VacuumStmt':
      return body.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE';
    default:
      return WRITE_TAGS.get(kind) ?? (/^(Create|Alter|Drop)/.test(kind) ? kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : null);
  }
}

class BoundStatement implements Statement {
  constructor(
    private readonly engine: QueryEngine,
    private readonly entry: CacheEntry,
    private readonly se: StmtEntry,
    private readonly literals: readonly Literal[],
    private readonly declared: readonly number[],
    private preparedFields: readonly FieldDescription[] | null,
    readonly paramTypeOids: readonly number[],
  ) {}

  get fields(): readonly FieldDescription[] | null {
    return this.se.plan?.fields ?? this.preparedFields;
  }

  execute(ctx: ExecContext, params: readonly (string | null)[]): ExecResult | Promise<ExecResult> {
    const session = ctx.session;
    let plan = this.se.plan;
    if (session.txStatus === 'E' && plan?.txExit !== true) {
      // A deferred transaction-control statement is still allowed: analyse it to find out.
      if (plan !== null || !isTxExit(this.se.raw)) throw inFailedTransaction();
    }
    if (plan === null || !plan.valid(session)) {
      plan = this.engine.analyze(this.entry, this.se, session, this.declared);
      this.se.plan = plan;
      const before = this.preparedFields;
      if (before !== null && !sameShape(before, plan.fields)) {
        throw new SqlError(SQLSTATE.feature_not_supported, 'cached plan must not change result type');
      }
      this.preparedFields = plan.fields;
    }
    if (params.length < this.paramTypeOids.length) {
      // Only the simple protocol gets here short of values (pgwire checks Bind's count).
      throw new SqlError(SQLSTATE.undefined_parameter, `there is no parameter $${params.length + 1}`);
    }
    // The hot path reads one map entry: most sessions never set statement_timeout.
    const st = session.parameters.get('statement_timeout');
    const timeoutMs = st === undefined || st === '0' ? 0 : execLimits(session).statementTimeoutMs;
    if (timeoutMs <= 0) return plan.run(ctx, { params, literals: this.literals });
    return withStatementTimeout(ctx, timeoutMs, (c) => plan.run(c, { params, literals: this.literals }));
  }
}

/**
 * statement_timeout for a statement that waits or computes asynchronously: its context's signal
 * also aborts when the time is up, with 57014 as PostgreSQL words it. A synchronous result (a
 * lazily pulled scan) is not covered (XXX).
 */
function withStatementTimeout(ctx: ExecContext, ms: number, run: (c: ExecContext) => ExecResult | Promise<ExecResult>): ExecResult | Promise<ExecResult> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new SqlError(SQLSTATE.query_canceled, 'canceling statement due to statement timeout')), ms);
  const onCancel = (): void => ac.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onCancel();
  else ctx.signal.addEventListener('abort', onCancel, { once: true });
  const done = (): void => {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
  };
  let out: ExecResult | Promise<ExecResult>;
  try {
    out = run({ session: ctx.session, signal: ac.signal, notice: (n) => ctx.notice(n) });
  } catch (e) {
    done();
    throw e;
  }
  if (!(out instanceof Promise)) {
    done();
    return out;
  }
  return out.finally(done);
}

function isTxExit(raw: RawStmt): boolean {
  const s = raw.stmt;
  if (s === undefined || !('TransactionStmt' in s)) return false;
  const k = s.TransactionStmt.kind;
  return k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_ROLLBACK_TO';
}

function sameShape(a: readonly FieldDescription[], b: readonly FieldDescription[] | null): boolean {
  if (b === null || a.length !== b.length) return false;
  return a.every((f, i) => f.typeOid === b[i]!.typeOid && f.typeMod === b[i]!.typeMod && f.name === b[i]!.name);
}

export class QueryEngine implements Engine {
  private readonly env: EngineEnv;
  private readonly shared: Lru<string, CacheEntry | 'exact'>;
  private readonly exact: Lru<string, CacheEntry>;

  static async create(store: Store, options: QueryEngineOptions): Promise<QueryEngine> {
    await loadParser();
    return new QueryEngine(store, options);
  }

  /** Call QueryEngine.create() (or await loadParser()) before the first prepare(). */
  constructor(store: Store, options: QueryEngineOptions) {
    this.env = {
      store,
      waiters: options.waiters,
      stats: options.stats,
      save: options.save,
      load: options.load,
      version: options.serverVersion ?? 'dev',
      ...(options.catalog !== undefined ? { catalog: options.catalog } : {}),
    };
    const size = options.planCacheSize ?? 2000;
    this.shared = new Lru(size);
    this.exact = new Lru(size);
  }

  cacheStats(): { shared: number; exact: number } {
    return { shared: this.shared.size, exact: this.exact.size };
  }

  /** An enum's binary form is its label, as text's (enum_send); other user types have none here. */
  binaryAlias(typeOid: number): number | undefined {
    return this.env.catalog?.current?.typeEntry(typeOid)?.typtype === 'e' ? Oid.text : undefined;
  }

  initialParameters(startup: ReadonlyMap<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, value] of startupSettings(startup)) out.set(name, normalizeSetting(name, value, out.get(name)));
    return out;
  }

  prepare(sql: string, paramTypeOids: readonly number[], session: SessionState): Statement[] {
    sessionExtra(session);
    const catalog = catalogPlan(sql);
    if (catalog !== null) {
      const entry: CacheEntry = { sql, literals: [], stmts: [{ raw: {}, plan: catalog }] };
      return [new BoundStatement(this, entry, entry.stmts[0]!, [], paramTypeOids, catalog.fields, catalog.paramTypeOids)];
    }
    const typesKey = paramTypeOids.length === 0 ? '' : '\u0000' + paramTypeOids.join(',');
    const cacheable = sql.length <= MAX_CACHED_TEXT;
    const norm = cacheable ? normalize(sql) : null;
    const sharedKey = norm === null ? null : norm.key + typesKey;
    let entry: CacheEntry | undefined;
    const literals: readonly Literal[] = norm?.literals ?? [];
    if (sharedKey !== null) {
      const hit = this.shared.get(sharedKey);
      if (hit === 'exact') entry = this.exact.get(sql + typesKey);
      else if (hit !== undefined) entry = hit;
    } else if (cacheable) {
      entry = this.exact.get(sql + typesKey);
    }
    if (entry === undefined) {
      const built = this.build(sql, norm, paramTypeOids, session);
      if (built === null) return [];
      entry = built;
    }
    const multi = entry.stmts.length > 1;
    const out: Statement[] = [];
    for (const se of entry.stmts) {
      let plan = se.plan;
      if (plan !== null && !plan.valid(session)) {
        try {
          plan = this.analyze(entry, se, session, paramTypeOids);
          se.plan = plan;
        } catch (e) {
          if (!multi && session.txStatus !== 'E') throw e;
          plan = null;
        }
      }
      out.push(new BoundStatement(this, entry, se, literals, paramTypeOids, plan?.fields ?? null, plan?.paramTypeOids ?? paramTypeOids));
    }
    return out;
  }

  /** Parses and plans a text; caches it when every statement planned. Null for an empty query. */
  private build(sql: string, norm: Normalized | null, declared: readonly number[], session: SessionState): CacheEntry | null {
    const raws = parseSql(sql);
    if (raws.length === 0) return null;
    const defer = raws.length > 1 || session.txStatus === 'E';
    const stmts: StmtEntry[] = raws.map((raw) => ({ raw, plan: null }));
    const entry: CacheEntry = { sql, literals: norm?.literals ?? [], stmts };
    let complete = true;
    let shareable = norm !== null;
    for (const se of stmts) {
      try {
        const { plan, textSpecific, allUsed } = this.plan(entry, se.raw, session, declared);
        se.plan = plan;
        if (textSpecific || !allUsed) shareable = false;
      } catch (e) {
        if (!defer) throw e;
        complete = false;
      }
    }
    if (complete && sql.length <= MAX_CACHED_TEXT) {
      const typesKey = declared.length === 0 ? '' : '\u0000' + declared.join(',');
      if (shareable && norm !== null) {
        this.shared.set(norm.key + typesKey, entry);
      } else {
        if (norm !== null) this.shared.set(norm.key + typesKey, 'exact');
        this.exact.set(sql + typesKey, entry);
      }
    }
    return entry;
  }

  /** (Re-)analyses one statement of a cache entry for a session; throws analysis errors. */
  analyze(entry: CacheEntry, se: StmtEntry, session: SessionState, declared: readonly number[]): Plan {
    return this.plan(entry, se.raw, session, declared).plan;
  }

  private plan(entry: CacheEntry, raw: RawStmt, session: SessionState, declared: readonly number[]): { plan: Plan; textSpecific: boolean; allUsed: boolean } {
    const liftedAt = new Map<number, number>();
    entry.literals.forEach((l, i) => liftedAt.set(l.location, i));
    const ctx: BuildContext = {
      sql: entry.sql,
      store: this.env.store,
      session,
      declared,
      paramTypes: [...declared],
      liftedAt,
      literals: entry.literals,
      usedLiterals: new Set(),
      textSpecific: false,
    };
    const plan = this.dispatch(ctx, raw);
    // Parameters nobody gave a type: text, as PostgreSQL resolves unknown in a select list.
    for (let i = 0; i < ctx.paramTypes.length; i++) if (ctx.paramTypes[i] === 0 || ctx.paramTypes[i] === Oid.unknown) ctx.paramTypes[i] = Oid.text;
    // Literals outside this statement belong to its siblings; count only this statement's.
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? Infinity : start + raw.stmt_len;
    let mine = 0;
    for (const l of entry.literals) if (l.location >= start && l.location < end) mine++;
    return { plan, textSpecific: ctx.textSpecific, allUsed: ctx.usedLiterals.size === mine };
  }

  /**
   * A query: the single-table planner (select.ts) answers what it knows, with its key walks and the
   * stored-bytes fast path; everything else goes through the executor pipeline (sql-plan.ts).
   */
  private planQuery(ctx: BuildContext, node: Node & { SelectStmt: SelectStmt }): Plan {
    const params = [...ctx.paramTypes];
    const reset = (): void => {
      ctx.paramTypes.splice(0, ctx.paramTypes.length, ...params);
      ctx.usedLiterals.clear();
    };
    if ((node.SelectStmt.fromClause?.length ?? 0) === 0 && node.SelectStmt.op === 'SETOP_NONE' && node.SelectStmt.valuesLists === undefined) {
      // No FROM: the executor types and prints expressions exactly; the single-table planner
      // still answers what only it knows (version(), current_setting(), memstore.wait_lsn()…),
      // and answers plain memstore calls first: the same result, an order of magnitude faster.
      if (memstoreCallsOnly(node.SelectStmt)) {
        try {
          return planSelect(ctx, this.env, node.SelectStmt);
        } catch (oldError) {
          if (!(oldError instanceof SqlError)) throw oldError;
          reset();
        }
      }
      try {
        return planSql(ctx, this.env, node);
      } catch (newError) {
        if (!(newError instanceof SqlError)) throw newError;
        reset();
        try {
          return planSelect(ctx, this.env, node.SelectStmt);
        } catch (oldError) {
          throw preferredError(oldError, newError);
        }
      }
    }
    try {
      return planSelect(ctx, this.env, node.SelectStmt);
    } catch (oldError) {
      if (!(oldError instanceof SqlError)) throw oldError;
      // The old planner may have typed parameters or used literals before it gave up.
      ctx.paramTypes.splice(0, ctx.paramTypes.length, ...params);
      ctx.usedLiterals.clear();
      try {
        return planSql(ctx, this.env, node);
      } catch (newError) {
        throw preferredError(oldError, newError);
      }
    }
  }

  private dispatch(ctx: BuildContext, raw: RawStmt): Plan {
    const node = raw.stmt;
    if (node === undefined) throw notSupported('empty statement');
    if ('SelectStmt' in node) return this.planQuery(ctx, node);
    if ('VariableSetStmt' in node) return planVariableSet(ctx, node.VariableSetStmt);
    if ('VariableShowStmt' in node) return planVariableShow(ctx, node.VariableShowStmt);
    if ('TransactionStmt' in node) return planTransaction(ctx, node.TransactionStmt);
    if ('DiscardStmt' in node) return planDiscard(ctx, node.DiscardStmt);
    if ('CopyStmt' in node) return planCopy(ctx, this.env, node.CopyStmt);
    if ('DeclareCursorStmt' in node) {
      const d = node.DeclareCursorStmt;
      const q = d.query;
      if (q === undefined || !('SelectStmt' in q)) throw notSupported('DECLARE CURSOR takes a SELECT on memstore');
      return planDeclare(ctx, d, planSelect(ctx, this.env, q.SelectStmt));
    }
    if ('FetchStmt' in node) return planFetch(ctx, node.FetchStmt);
    if ('ClosePortalStmt' in node) return planClose(ctx, node.ClosePortalStmt);
    const kind = nodeKind(node);
    if ('ExplainStmt' in node) return planExplain(ctx, this.env, node.ExplainStmt);
    if ('PrepareStmt' in node) {
      // Locations are byte offsets into the UTF-8 text.
      const bytes = Buffer.from(ctx.sql, 'utf8');
      const start = raw.stmt_location ?? 0;
      const text = bytes.subarray(start, raw.stmt_len === undefined || raw.stmt_len === 0 ? bytes.length : start + raw.stmt_len).toString('utf8');
      return planPrepare(ctx, node.PrepareStmt, text);
    }
    if ('ExecuteStmt' in node) return planExecute(ctx, node.ExecuteStmt, (sql, types, session) => this.prepare(sql, types, session));
    if ('DeallocateStmt' in node) return planDeallocate(ctx, node.DeallocateStmt);
    if (kind === 'UnlistenStmt') return { fields: null, paramTypeOids: ctx.paramTypes, txExit: false, valid: () => true, run: () => ({ kind: 'command', tag: 'UNLISTEN' }) };
    const command = writeCommand(kind, (node as unknown as Record<string, Record<string, unknown>>)[kind] ?? {});
    if (command !== null) throw readOnly(command);
    throw notSupported(`memstore does not support ${kind.replace(/Stmt$/, '')} statements`);
  }
}
