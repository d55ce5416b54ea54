/*
 * session.ts — the session plumbing drivers send: SET / RESET / SHOW, transaction blocks,
 * savepoints, DISCARD; and the per-session state behind them.
 *
 * memstore has no transactions of its own (every statement reads the latest applied state), but
 * the protocol does: ReadyForQuery reports idle / in block / failed, and parameters set inside a
 * block are undone by ROLLBACK, SET LOCAL lasts until the block ends, savepoints restore both.
 * That is all kept here, per session, in a WeakMap keyed by pgwire's SessionState:
 *
 *        BEGIN ──────────► T ──── error (pgwire) ───► E
 *   I ◄── COMMIT/ROLLBACK ─┘ ◄─ ROLLBACK / COMMIT ────┘   ROLLBACK TO s: E → T
 *
 * Warnings and errors are PostgreSQL's: BEGIN inside a block → WARNING 25001, COMMIT outside →
 * WARNING 25P01, SAVEPOINT outside → 25P01, unknown savepoint → 3B001, DISCARD ALL in a block →
 * 25001, anything but COMMIT/ROLLBACK in a failed block → 25P02 (engine.ts).
 * Every isolation level is accepted and shown (postgres_fdw opens each remote transaction with
 * START TRANSACTION ISOLATION LEVEL REPEATABLE READ, or SERIALIZABLE). XXX memstore keeps no
 * versions, so no level holds a snapshot across statements: each statement reads one committed
 * state, the latest applied, and each cursor keeps the state of its DECLARE (cursor.ts). BEGIN
 * READ WRITE is accepted (writes still fail with 25006); a PostgreSQL hot standby would refuse it
 * with 0A000 instead.
 *
 * Cursors (cursor.ts) follow the block: closed at its end unless WITH HOLD and committed, closed
 * by ROLLBACK TO when declared after the savepoint, all closed by DISCARD ALL.
 *
 * Interface:
 *   getSetting(session, name)              current value as SHOW prints it, undefined if unknown
 *   applySetting(ctx, name, value, local)  SET (value null = RESET); returns the new value
 *   planVariableSet / planVariableShow / planTransaction / planDiscard   Plans for those statements
 */
import type { DiscardStmt, Node, TransactionStmt, TypeCast, VariableSetStmt, VariableShowStmt } from 'libpg-query';
import { SqlError } from '../errors.js';
import { buildRow } from '../store/row.js';
import type { ExecContext, SessionState } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { notSupported } from './errors.js';
import { alwaysValid, command, computedField, rowsOf, type Plan } from './plan.js';
import { closeAllCursors, cursorsAtRelease, cursorsAtRollbackTo, cursorsAtSavepoint, cursorsAtTransactionEnd } from './cursor.js';
import { isCustomSetting, isKnownSetting, normalizeSetting, settingDefault, settingNames, showName } from './settings.js';
import { Oid } from '../pg/types.js';
import { readStatically, type BuildContext } from './values.js';
import { releaseSnapshot } from './pinned-snapshot.js';
import { discardPrepared } from './prepared-sql.js';
import { stringList } from './parse.js';
import { ensureBuiltins } from './builtins.js';
import { DEFAULT_OUTPUT, type IntervalValue } from './types/datum.js';
import { typeInfo } from './types/registry.js';

interface Savepoint {
  readonly name: string;
  readonly params: Map<string, string>;
  readonly sessionLevel: Map<string, string>;
}

interface SessionExtra {
  /** Values RESET returns to: the session's parameters when the engine first saw it. */
  readonly resetValues: Map<string, string>;
  /** Parameters at BEGIN (ROLLBACK restores them). */
  txStart: Map<string, string> | null;
  /** What COMMIT keeps: parameters set without LOCAL inside the block. */
  sessionLevel: Map<string, string> | null;
  savepoints: Savepoint[];
  /** Isolation level of the open block (null: the default). */
  isolation: string | null;
  /** now() of the open transaction block (µs since 2000-01-01), set by its first statement. */
  xactStart: bigint | null;
}

const extras = new WeakMap<SessionState, SessionExtra>();

export function sessionExtra(session: SessionState): SessionExtra {
  let e = extras.get(session);
  if (e === undefined) {
    e = { resetValues: new Map(session.parameters), txStart: null, sessionLevel: null, savepoints: [], isolation: null, xactStart: null };
    extras.set(session, e);
  }
  return e;
}

export function getSetting(session: SessionState, name: string): string | undefined {
  if (name === 'transaction_isolation') {
    return sessionExtra(session).isolation ?? getSetting(session, 'default_transaction_isolation');
  }
  if (name === 'transaction_read_only') return 'on';
  return session.parameters.get(name) ?? settingDefault(name);
}

function inBlock(session: SessionState): boolean {
  return session.txStatus !== 'I';
}

function warning(code: string, message: string): SqlError {
  return new SqlError(code, message, { severity: 'WARNING' });
}

/**
 * SET (or RESET when value is null) with PostgreSQL's transaction semantics. `viaFunction`:
 * set_config(…, true) outside a block lasts only for its own statement, silently.
 */
export function applySetting(ctx: ExecContext, name: string, value: string | null, local: boolean, viaFunction = false): string {
  const session = ctx.session;
  const extra = sessionExtra(session);
  const previous = getSetting(session, name);
  let v: string | undefined;
  if (value === null) {
    if (!isKnownSetting(name) && !isCustomSetting(name)) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
    v = extra.resetValues.get(name) ?? settingDefault(name);
  } else {
    v = normalizeSetting(name, value, previous);
  }
  if (name === 'transaction_isolation') {
    if (inBlock(session)) extra.isolation = v ?? null;
    return v ?? '';
  }
  const set = (m: Map<string, string>): void => {
    if (v === undefined) m.delete(name);
    else m.set(name, v);
  };
  if (local && !inBlock(session)) {
    if (viaFunction) return v ?? '';
    ctx.notice(warning(SQLSTATE.no_active_sql_transaction, 'SET LOCAL can only be used in transaction blocks'));
    return previous ?? '';
  }
  set(session.parameters);
  if (!local && extra.sessionLevel !== null) set(extra.sessionLevel);
  return v ?? '';
}

function replaceAll(target: Map<string, string>, source: ReadonlyMap<string, string>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

// --- SET / RESET ----------------------------------------------------------------------------------

const LIST_SETTINGS = new Set(['search_path', 'datestyle', 'temp_tablespaces', 'local_preload_libraries', 'session_preload_libraries']);

/** PostgreSQL's quote_identifier(): quotes unless a plain lower-case identifier. */
export function quoteIdentifier(s: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(s)) return s;
  return '"' + s.replace(/"/g, '""') + '"';
}

function argText(ctx: BuildContext, name: string, arg: Node): string {
  if ('A_Const' in arg) {
    const c = arg.A_Const;
    readStatically(ctx, c.location);
    if (c.sval !== undefined) {
      const s = c.sval.sval ?? '';
      return name === 'search_path' ? quoteIdentifier(s) : s;
    }
    if (c.ival !== undefined) return String(c.ival.ival ?? 0);
    if (c.fval !== undefined) return c.fval.fval ?? '0';
    if (c.boolval !== undefined) return c.boolval.boolval ? 'on' : 'off';
  }
  if ('TypeCast' in arg && name === 'timezone') return timeZoneInterval(arg.TypeCast);
  if ('TypeCast' in arg) throw notSupported(`SET ${name} with a typed value is not supported by memstore`);
  throw notSupported(`SET ${name}: unsupported value`);
}

/**
 * `SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE` (Sequelize sends it at connect): the offset in
 * hours, which settings.ts names as PostgreSQL does (`<-08>+08`). Days or months are refused as
 * PostgreSQL refuses them.
 */
function timeZoneInterval(tc: TypeCast): string {
  const names = stringList(tc.typeName?.names);
  const arg = tc.arg;
  if (names[names.length - 1] !== 'interval' || arg === undefined || !('A_Const' in arg) || arg.A_Const.sval === undefined) {
    throw notSupported('SET TIME ZONE takes a zone name, a number of hours or an interval constant');
  }
  ensureBuiltins();
  const iv = typeInfo(Oid.interval).input(arg.A_Const.sval.sval ?? '', -1, { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n }) as IntervalValue;
  if (iv.months !== 0 || iv.days !== 0) {
    throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid interval value for time zone: ${iv.months !== 0 ? 'month' : 'day'} not allowed`);
  }
  return String(Number(iv.micros) / 3_600_000_000);
}

function transactionOptions(ctx: BuildContext, options: readonly Node[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of options ?? []) {
    if (!('DefElem' in o)) continue;
    const d = o.DefElem;
    const arg = d.arg;
    let value = '';
    if (arg !== undefined && 'A_Const' in arg) {
      readStatically(ctx, arg.A_Const.location);
      const c = arg.A_Const;
      value = c.sval?.sval ?? (c.ival !== undefined ? ((c.ival.ival ?? 0) !== 0 ? 'on' : 'off') : '');
    }
    out.set(d.defname ?? '', value);
  }
  return out;
}

/** Validates BEGIN / SET TRANSACTION characteristics; returns the isolation level if given. */
function checkCharacteristics(opts: ReadonlyMap<string, string>): string | null {
  const iso = opts.get('transaction_isolation');
  if (iso !== undefined) normalizeSetting('transaction_isolation', iso, undefined);
  return iso ?? null;
}

export function planVariableSet(ctx: BuildContext, s: VariableSetStmt): Plan {
  const name = (s.name ?? '').toLowerCase();
  const local = s.is_local === true;
  const base = { fields: null, paramTypeOids: ctx.paramTypes, txExit: false, valid: alwaysValid };
  switch (s.kind) {
    case 'VAR_SET_VALUE': {
      const args = s.args ?? [];
      if (args.length > 1 && !LIST_SETTINGS.has(name)) {
        throw new SqlError(SQLSTATE.invalid_parameter_value, `SET ${name} takes only one argument`);
      }
      const value = args.map((a) => argText(ctx, name, a)).join(', ');
      if (name === 'role' || name === 'session_authorization') {
        throw new SqlError(SQLSTATE.insufficient_privilege, `permission denied to set ${name === 'role' ? 'role' : 'session authorization'}`);
      }
      // Validate now, as PostgreSQL does at parse analysis for unknown names.
      if (!isKnownSetting(name) && !isCustomSetting(name)) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
      return { ...base, run: (ec) => (applySetting(ec, name, value, local), command('SET')) };
    }
    case 'VAR_SET_DEFAULT':
    case 'VAR_RESET':
      if (!isKnownSetting(name) && !isCustomSetting(name)) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
      return { ...base, run: (ec) => (applySetting(ec, name, null, local), command(s.kind === 'VAR_RESET' ? 'RESET' : 'SET')) };
    case 'VAR_RESET_ALL':
      return { ...base, run: (ec) => (resetAll(ec), command('RESET')) };
    case 'VAR_SET_CURRENT':
      return { ...base, run: () => command('SET') };
    case 'VAR_SET_MULTI': {
      if (name === 'transaction snapshot') throw notSupported('SET TRANSACTION SNAPSHOT is not supported by memstore');
      const opts = transactionOptions(ctx, s.args);
      const iso = checkCharacteristics(opts);
      if (name === 'session characteristics') {
        return {
          ...base,
          run: (ec) => {
            for (const [k, v] of opts) applySetting(ec, `default_${k}`, v, false);
            return command('SET');
          },
        };
      }
      return {
        ...base,
        run: (ec) => {
          if (!inBlock(ec.session)) {
            ec.notice(warning(SQLSTATE.no_active_sql_transaction, 'SET TRANSACTION can only be used in transaction blocks'));
          } else if (iso !== null) {
            sessionExtra(ec.session).isolation = normalizeSetting('transaction_isolation', iso, undefined);
          }
          return command('SET');
        },
      };
    }
    case undefined:
      throw notSupported('SET form is not supported by memstore');
  }
}

function resetAll(ec: ExecContext): void {
  const extra = sessionExtra(ec.session);
  const params = ec.session.parameters;
  for (const k of [...params.keys()]) {
    if (!extra.resetValues.has(k)) params.delete(k);
  }
  for (const [k, v] of extra.resetValues) params.set(k, v);
  if (extra.sessionLevel !== null) replaceAll(extra.sessionLevel, params);
}

// --- SHOW -------------------------------------------------------------------------------------------

const SHOW_ALL_FIELDS = [computedField('name', Oid.text), computedField('setting', Oid.text), computedField('description', Oid.text)];

export function planVariableShow(ctx: BuildContext, s: VariableShowStmt): Plan {
  const name = (s.name ?? '').toLowerCase();
  const base = { paramTypeOids: ctx.paramTypes, txExit: false, valid: alwaysValid };
  if (name === 'all') {
    return {
      ...base,
      fields: SHOW_ALL_FIELDS,
      run: (ec) => {
        const names = new Set(settingNames());
        for (const k of ec.session.parameters.keys()) names.add(k);
        const rows = [...names]
          .sort()
          .map((n) => buildRow([showName(n), getSetting(ec.session, n) ?? '', '']));
        return rowsOf(rows, () => 'SHOW');
      },
    };
  }
  if (!isKnownSetting(name) && !isCustomSetting(name) && !ctx.session.parameters.has(name)) {
    throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
  }
  const fields = [computedField(showName(name), Oid.text)];
  return {
    ...base,
    fields,
    run: (ec) => {
      const v = getSetting(ec.session, name);
      if (v === undefined) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
      return rowsOf([buildRow([v])], () => 'SHOW');
    },
  };
}

// --- transactions -----------------------------------------------------------------------------------

function begin(ec: ExecContext, isolation: string | null): void {
  const s = ec.session;
  const extra = sessionExtra(s);
  s.txStatus = 'T';
  extra.txStart = new Map(s.parameters);
  extra.sessionLevel = new Map(s.parameters);
  extra.savepoints = [];
  extra.isolation = isolation;
}

function end(ec: ExecContext, commit: boolean): void {
  const s = ec.session;
  const extra = sessionExtra(s);
  const keep = commit ? extra.sessionLevel : extra.txStart;
  if (keep !== null) replaceAll(s.parameters, keep);
  cursorsAtTransactionEnd(s, commit);
  s.txStatus = 'I';
  releaseSnapshot(s); // memstore.snapshot()'s clones last as long as the block
  extra.txStart = null;
  extra.sessionLevel = null;
  extra.savepoints = [];
  extra.isolation = null;
}

export function planTransaction(ctx: BuildContext, t: TransactionStmt): Plan {
  const base = { fields: null, paramTypeOids: ctx.paramTypes, valid: alwaysValid };
  const kind = t.kind;
  const savepoint = t.savepoint_name ?? '';
  switch (kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START': {
      const opts = transactionOptions(ctx, t.options);
      const iso = checkCharacteristics(opts);
      const tag = kind === 'TRANS_STMT_BEGIN' ? 'BEGIN' : 'START TRANSACTION';
      return {
        ...base,
        txExit: false,
        run: (ec) => {
          if (ec.session.txStatus === 'T') {
            ec.notice(warning(SQLSTATE.active_sql_transaction, 'there is already a transaction in progress'));
          } else {
            begin(ec, iso === null ? null : normalizeSetting('transaction_isolation', iso, undefined));
          }
          return command(tag);
        },
      };
    }
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK': {
      const commit = kind === 'TRANS_STMT_COMMIT';
      const chain = t.chain === true;
      return {
        ...base,
        txExit: true,
        run: (ec) => {
          const status = ec.session.txStatus;
          if (status === 'I') {
            if (chain) {
              throw new SqlError(SQLSTATE.no_active_sql_transaction, `${commit ? 'COMMIT' : 'ROLLBACK'} AND CHAIN can only be used in transaction blocks`);
            }
            ec.notice(warning(SQLSTATE.no_active_sql_transaction, 'there is no transaction in progress'));
            return command(commit ? 'COMMIT' : 'ROLLBACK');
          }
          const isolation = sessionExtra(ec.session).isolation;
          end(ec, commit && status === 'T');
          if (chain) begin(ec, isolation);
          return command(commit && status === 'T' ? 'COMMIT' : 'ROLLBACK');
        },
      };
    }
    case 'TRANS_STMT_SAVEPOINT':
      return {
        ...base,
        txExit: false,
        run: (ec) => {
          if (!inBlock(ec.session)) throw new SqlError(SQLSTATE.no_active_sql_transaction, 'SAVEPOINT can only be used in transaction blocks');
          const extra = sessionExtra(ec.session);
          extra.savepoints.push({ name: savepoint, params: new Map(ec.session.parameters), sessionLevel: new Map(extra.sessionLevel ?? []) });
          cursorsAtSavepoint(ec.session, extra.savepoints.length);
          return command('SAVEPOINT');
        },
      };
    case 'TRANS_STMT_RELEASE':
    case 'TRANS_STMT_ROLLBACK_TO': {
      const release = kind === 'TRANS_STMT_RELEASE';
      return {
        ...base,
        txExit: !release,
        run: (ec) => {
          const what = release ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT';
          if (!inBlock(ec.session)) throw new SqlError(SQLSTATE.no_active_sql_transaction, `${what} can only be used in transaction blocks`);
          const extra = sessionExtra(ec.session);
          let i = extra.savepoints.length - 1;
          while (i >= 0 && extra.savepoints[i]!.name !== savepoint) i--;
          if (i < 0) throw new SqlError(SQLSTATE.invalid_savepoint_specification, `savepoint "${savepoint}" does not exist`);
          if (release) {
            extra.savepoints.length = i;
            cursorsAtRelease(ec.session, i);
            return command('RELEASE');
          }
          const sp = extra.savepoints[i]!;
          extra.savepoints.length = i + 1;
          cursorsAtRollbackTo(ec.session, i + 1);
          replaceAll(ec.session.parameters, sp.params);
          if (extra.sessionLevel !== null) replaceAll(extra.sessionLevel, sp.sessionLevel);
          ec.session.txStatus = 'T';
          return command('ROLLBACK');
        },
      };
    }
    case 'TRANS_STMT_PREPARE':
    case 'TRANS_STMT_COMMIT_PREPARED':
    case 'TRANS_STMT_ROLLBACK_PREPARED':
    case undefined:
      throw notSupported('prepared transactions (two-phase commit) are not supported by memstore');
  }
}

export function planDiscard(ctx: BuildContext, d: DiscardStmt): Plan {
  const target = d.target ?? 'DISCARD_ALL';
  const tag = target === 'DISCARD_ALL' ? 'DISCARD ALL' : target === 'DISCARD_PLANS' ? 'DISCARD PLANS' : target === 'DISCARD_SEQUENCES' ? 'DISCARD SEQUENCES' : 'DISCARD TEMP';
  return {
    fields: null,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: alwaysValid,
    run: (ec) => {
      if (target === 'DISCARD_ALL') {
        if (inBlock(ec.session)) throw new SqlError(SQLSTATE.active_sql_transaction, 'DISCARD ALL cannot run inside a transaction block');
        resetAll(ec);
        closeAllCursors(ec.session);
        discardPrepared(ec.session);
      }
      return command(tag);
    },
  };
}
