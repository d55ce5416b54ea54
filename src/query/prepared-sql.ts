/*
 * prepared-sql.ts — PREPARE / EXECUTE / DEALLOCATE as SQL statements (not the protocol's Parse /
 * Bind): per-session named statements, as PostgreSQL keeps them in the backend.
 *
 * PREPARE keeps the text of the inner query and its declared parameter types; EXECUTE prepares
 * that text through the engine (its plan cache makes that cheap) and runs it with the constant
 * arguments converted to text. DISCARD ALL and DEALLOCATE ALL drop them all.
 *
 * Errors as PostgreSQL: 42P05 already exists, 26000 does not exist, 42601 wrong number of
 * parameters; arguments that are not constants are 0A000 here (PostgreSQL evaluates any expression).
 */
import type { DeallocateStmt, ExecuteStmt, Node, PrepareStmt, TypeName } from 'libpg-query';
import { SqlError } from '../errors.js';
import type { ExecContext, SessionState, Statement } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { typeByName } from '../pg/types.js';
import { notSupported } from './errors.js';
import { command, type Plan } from './plan.js';
import type { BuildContext } from './values.js';

interface NamedStatement {
  readonly sql: string;
  readonly paramTypes: readonly number[];
}

const bySession = new WeakMap<SessionState, Map<string, NamedStatement>>();

function named(session: SessionState): Map<string, NamedStatement> {
  let m = bySession.get(session);
  if (m === undefined) {
    m = new Map();
    bySession.set(session, m);
  }
  return m;
}

export function discardPrepared(session: SessionState): void {
  bySession.get(session)?.clear();
}

function typeOid(t: TypeName): number {
  const names = (t.names ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : ''));
  const oid = typeByName(names);
  if (oid === undefined) throw new SqlError(SQLSTATE.undefined_object, `type "${names.join('.')}" does not exist`);
  return oid;
}

/** `PREPARE name [(types)] AS query`: the query's text is what follows AS in the statement. */
export function planPrepare(ctx: BuildContext, p: PrepareStmt, statementText: string): Plan {
  const m = /^\s*prepare\s+(?:"(?:[^"]|"")*"|[^\s(]+)\s*(?:\((?:[^()]|\([^()]*\))*\))?\s*as\s+/i.exec(statementText);
  if (m === null) throw notSupported('this form of PREPARE');
  const sql = statementText.slice(m[0].length);
  const paramTypes = (p.argtypes ?? []).map((n) => typeOid((n as { TypeName: TypeName }).TypeName));
  const name = p.name ?? '';
  return {
    fields: null,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: () => true,
    run(ec: ExecContext) {
      const m2 = named(ec.session);
      if (m2.has(name)) throw new SqlError(SQLSTATE.duplicate_prepared_statement, `prepared statement "${name}" already exists`);
      m2.set(name, { sql, paramTypes });
      return command('PREPARE');
    },
  };
}

function constantText(node: Node): string | null {
  if ('A_Const' in node) {
    const c = node.A_Const;
    if (c.isnull === true) return null;
    if (c.ival !== undefined) return String(c.ival.ival ?? 0);
    if (c.fval !== undefined) return c.fval.fval ?? '0';
    if (c.sval !== undefined) return c.sval.sval ?? '';
    if (c.boolval !== undefined) return c.boolval.boolval === true ? 'true' : 'false';
    if (c.bsval !== undefined) return c.bsval.bsval ?? '';
  }
  if ('TypeCast' in node && node.TypeCast.arg !== undefined) return constantText(node.TypeCast.arg);
  throw notSupported('EXECUTE arguments other than constants');
}

/**
 * EXECUTE name(args): the inner statement is prepared when EXECUTE is planned (its columns become
 * EXECUTE's), so the plan is session-specific and re-made when the name is re-prepared.
 */
export function planExecute(ctx: BuildContext, e: ExecuteStmt, prepareInner: (sql: string, types: readonly number[], session: SessionState) => Statement[]): Plan {
  const name = e.name ?? '';
  const entry = named(ctx.session).get(name);
  if (entry === undefined) throw new SqlError(SQLSTATE.invalid_sql_statement_name, `prepared statement "${name}" does not exist`);
  const args = (e.params ?? []).map(constantText);
  const inner = prepareInner(entry.sql, entry.paramTypes, ctx.session);
  if (inner.length !== 1) throw notSupported('a prepared statement of several statements');
  const stmt = inner[0]!;
  if (args.length !== stmt.paramTypeOids.length) {
    throw new SqlError(SQLSTATE.syntax_error, `wrong number of parameters for prepared statement "${name}"`, {
      detail: `Expected ${stmt.paramTypeOids.length} parameters but got ${args.length}.`,
    });
  }
  ctx.textSpecific = true;
  return {
    fields: stmt.fields,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: (session) => named(session).get(name) === entry,
    run: (ec) => stmt.execute(ec, args),
  };
}

export function planDeallocate(ctx: BuildContext, d: DeallocateStmt): Plan {
  const all = d.isall === true;
  const name = d.name ?? '';
  return {
    fields: null,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: () => true,
    run(ec) {
      const m = named(ec.session);
      if (all) {
        m.clear();
        return command('DEALLOCATE ALL');
      }
      if (!m.delete(name)) throw new SqlError(SQLSTATE.invalid_sql_statement_name, `prepared statement "${name}" does not exist`);
      return command('DEALLOCATE');
    },
  };
}
