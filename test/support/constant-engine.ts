/*
 * constant-engine.ts — a test double: a minimal Engine for tests and for the benchmark's ceiling
 * ("a pgwire server in Node that returns a constant row"; bench/read.ts imports it from here). It
 * has no SQL parser: statements are recognised by simple string matching, which is enough for
 * drivers' session plumbing and for exercising every path of the protocol layer.
 *
 *   SELECT 1 / any other SELECT          one int4 row `?column?` = the literal (1 when none)
 *   SELECT $1[::type] [AS n], $2 …       echoes the parameters (types: int2/4/8, text, bool,
 *                                        float4/8, bytea, uuid, date, timestamp(tz), jsonb, oid, numeric, inet)
 *   SELECT generate_series(1, N)         N int4 rows, produced lazily (rowsProduced counts them)
 *   SELECT pg_sleep(S)                   waits S seconds or until canceled (→ 57014)
 *   SELECT raise_error('XXXXX'[, 'msg']) fails with that SQLSTATE
 *   SELECT 1/0                           22012 division by zero
 *   SELECT version(), current_setting('x'), SHOW x, SET x = y / TO y, RESET x, DISCARD ALL
 *   BEGIN / START TRANSACTION, COMMIT / END, ROLLBACK / ABORT (with PostgreSQL's warnings and 25P02)
 *   COPY … TO STDOUT                     the `copyRows` option as COPY text
 *   INSERT/UPDATE/DELETE/…               25006, as on a read-only server
 *   postgres.js' array-type query        an empty (oid, typarray) result
 *   pgbench's pgbench_accounts probe     "found, not partitioned" (so pgbench -S runs against it)
 *   anything listed in `fixtures`        its rows (key: the SQL, trimmed, lower case)
 *   any other word                       42601 syntax error at or near it
 *
 * Interface:
 *   new ConstantEngine(options?)      fixtures, copyRows
 *   rowsProduced                       rows pulled from generate_series so far
 *   nextSleep()                        resolves with the processId when a pg_sleep starts
 *   field(name, typeOid)               a computed column's FieldDescription
 */
import { SqlError } from '../../src/errors.js';
import { typeSize } from '../../src/pg/types.js';
import { TypeOid } from '../../src/pgwire/binary-format.js';
import { buildRow } from '../../src/store/row.js';
import type { Engine, ExecContext, ExecResult, FieldDescription, SessionState, Statement } from '../../src/pgwire/engine.js';
import { normalizeClientEncoding, SERVER_VERSION, startupSettings } from '../../src/pgwire/session-parameters.js';
import { SQLSTATE } from '../../src/pgwire/sqlstate.js';

export interface RowSet {
  readonly fields: readonly FieldDescription[];
  readonly rows: readonly (readonly (string | null)[])[];
}

export interface ConstantEngineOptions {
  /** Fixed answers by SQL text (trimmed, lower case, without the trailing semicolon). */
  readonly fixtures?: ReadonlyMap<string, RowSet>;
  /** Rows of `COPY … TO STDOUT` (default: three rows of two columns, one NULL). */
  readonly copyRows?: readonly (readonly (string | null)[])[];
}

export function field(name: string, typeOid: number): FieldDescription {
  return { name, tableOid: 0, columnAttr: 0, typeOid, typeSize: typeSize(typeOid), typeMod: -1 };
}

const TYPE_NAMES: ReadonlyMap<string, number> = new Map([
  ['int2', TypeOid.int2],
  ['smallint', TypeOid.int2],
  ['int4', TypeOid.int4],
  ['int', TypeOid.int4],
  ['integer', TypeOid.int4],
  ['int8', TypeOid.int8],
  ['bigint', TypeOid.int8],
  ['text', TypeOid.text],
  ['varchar', TypeOid.varchar],
  ['bool', TypeOid.bool],
  ['boolean', TypeOid.bool],
  ['float4', TypeOid.float4],
  ['real', TypeOid.float4],
  ['float8', TypeOid.float8],
  ['bytea', TypeOid.bytea],
  ['uuid', TypeOid.uuid],
  ['date', TypeOid.date],
  ['timestamp', TypeOid.timestamp],
  ['timestamptz', TypeOid.timestamptz],
  ['jsonb', TypeOid.jsonb],
  ['oid', TypeOid.oid],
  ['numeric', 1700],
  ['inet', 869],
]);

const selectTag = (n: number): string => `SELECT ${n}`;
const command = (tag: string): ExecResult => ({ kind: 'command', tag });
const rows = (list: readonly Uint8Array[]): ExecResult => ({ kind: 'rows', rows: list[Symbol.iterator](), tag: selectTag });

function statement(fields: readonly FieldDescription[] | null, run: Statement['execute'], paramTypeOids: readonly number[] = []): Statement {
  return { fields, paramTypeOids, execute: run };
}

function constantRows(fields: readonly FieldDescription[], values: readonly (readonly (string | null)[])[]): Statement {
  const bodies = values.map((v) => buildRow(v));
  return statement(fields, () => rows(bodies));
}

const unquote = (v: string): string => (v.startsWith("'") && v.endsWith("'") && v.length >= 2 ? v.slice(1, -1).replace(/''/g, "'") : v);

/** Splits on semicolons outside single quotes; drops empty statements. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") quoted = !quoted;
    else if (c === ';' && !quoted) {
      out.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const ONE_INT = [field('?column?', TypeOid.int4)] as const;
const ONE_ROW = [buildRow(['1'])];

export class ConstantEngine implements Engine {
  rowsProduced = 0;
  private readonly sleepWaiters: ((processId: number) => void)[] = [];
  private readonly cache = new Map<string, Statement[]>();
  private readonly fixtures: ReadonlyMap<string, RowSet>;
  private readonly copyRows: readonly (readonly (string | null)[])[];

  constructor(options: ConstantEngineOptions = {}) {
    this.fixtures = options.fixtures ?? new Map();
    this.copyRows = options.copyRows ?? [
      ['1', 'one'],
      ['2', 'two'],
      ['3', null],
    ];
  }

  /** Resolves with the backend's processId when the next pg_sleep starts. */
  nextSleep(): Promise<number> {
    return new Promise((resolve) => this.sleepWaiters.push(resolve));
  }

  initialParameters(startup: ReadonlyMap<string, string>): Map<string, string> {
    return startupSettings(startup);
  }

  prepare(sql: string, paramTypeOids: readonly number[], _session: SessionState): Statement[] {
    const key = paramTypeOids.length === 0 ? sql : null;
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit !== undefined) return hit;
    }
    const statements = splitStatements(sql).map((s) => this.prepareOne(s, paramTypeOids));
    if (key !== null && key.length < 256) {
      if (this.cache.size >= 1000) this.cache.clear();
      this.cache.set(key, statements);
    }
    return statements;
  }

  private prepareOne(sql: string, declared: readonly number[]): Statement {
    const text = sql.replace(/\s+/g, ' ').trim();
    const lower = text.toLowerCase();
    const fixture = this.fixtures.get(lower);
    if (fixture !== undefined) return guard(constantRows(fixture.fields, fixture.rows));
    const word = /^[a-z_]+/.exec(lower)?.[0] ?? '';
    switch (word) {
      case 'select':
        return guard(this.prepareSelect(text, lower, declared));
      case 'begin':
      case 'start':
        return statement(null, (ctx) => {
          if (ctx.session.txStatus !== 'I') ctx.notice(warning(SQLSTATE.active_sql_transaction, 'there is already a transaction in progress'));
          else ctx.session.txStatus = 'T';
          return command('BEGIN');
        });
      case 'commit':
      case 'end':
      case 'rollback':
      case 'abort':
        return statement(null, (ctx) => {
          const s = ctx.session;
          const failed = s.txStatus === 'E';
          if (s.txStatus === 'I') ctx.notice(warning(SQLSTATE.no_active_sql_transaction, 'there is no transaction in progress'));
          s.txStatus = 'I';
          return command(word === 'commit' || word === 'end' ? (failed ? 'ROLLBACK' : 'COMMIT') : 'ROLLBACK');
        });
      case 'set':
        return guard(prepareSet(text));
      case 'reset':
        return guard(
          statement(null, (ctx) => {
            const name = lower.slice('reset '.length).trim();
            if (name !== 'all') ctx.session.parameters.delete(name);
            return command('RESET');
          }),
        );
      case 'show': {
        const name = lower.slice('show '.length).trim();
        return guard(
          statement([field(name, TypeOid.text)], (ctx) => {
            const v = ctx.session.parameters.get(name);
            if (v === undefined) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
            return { kind: 'rows', rows: [buildRow([v])][Symbol.iterator](), tag: () => 'SHOW' };
          }),
        );
      }
      case 'discard':
        return statement(null, () => command('DISCARD ALL'));
      case 'copy':
        if (!/ to stdout/.test(lower)) throw new SqlError(SQLSTATE.feature_not_supported, 'memstore supports only COPY … TO STDOUT');
        return guard(
          statement(null, () => {
            const chunks = this.copyRows.map((r) => Buffer.from(r.map((v) => (v === null ? '\\N' : v)).join('\t') + '\n'));
            return { kind: 'copy-out', columnCount: this.copyRows[0]?.length ?? 0, chunks: chunks[Symbol.iterator](), tag: (n) => `COPY ${n}` };
          }),
        );
      case 'insert':
      case 'update':
      case 'delete':
      case 'merge':
      case 'truncate':
      case 'create':
      case 'drop':
      case 'alter':
        throw new SqlError(SQLSTATE.read_only_sql_transaction, `cannot execute ${word.toUpperCase()} in a read-only transaction`);
      default: {
        const near = /^\S{1,40}/.exec(text)?.[0] ?? text;
        throw new SqlError(SQLSTATE.syntax_error, `syntax error at or near "${near}"`, { position: 1 });
      }
    }
  }

  private prepareSelect(text: string, lower: string, declared: readonly number[]): Statement {
    if (lower.includes('pg_catalog.pg_type')) {
      return constantRows([field('oid', TypeOid.oid), field('typarray', TypeOid.oid)], []);
    }
    if (lower.includes('partstrat')) {
      // pgbench's probe for pgbench_accounts: found, not partitioned.
      return constantRows([field('n', TypeOid.int4), field('partstrat', 18 /* "char" */), field('count', TypeOid.int8)], [['1', null, '0']]);
    }
    const list = lower.slice('select'.length).trim();
    let m: RegExpExecArray | null;
    if ((m = /^generate_series\(\s*1\s*,\s*(\d+)\s*\)(?: as (\w+))?$/.exec(list)) !== null) {
      const n = Number(m[1]);
      return statement([field(m[2] ?? 'generate_series', TypeOid.int4)], () => ({ kind: 'rows', rows: this.series(n), tag: selectTag }));
    }
    if ((m = /^pg_sleep\(\s*([\d.]+)\s*\)$/.exec(list)) !== null) {
      const ms = Number(m[1]) * 1000;
      return statement([field('pg_sleep', 2278 /* void */)], (ctx) => this.sleep(ctx, ms));
    }
    if ((m = /^select raise_error\(\s*'([0-9A-Z]{5})'\s*(?:,\s*'((?:[^']|'')*)'\s*)?\)$/i.exec(text)) !== null) {
      const code = m[1]!.toUpperCase();
      const message = m[2] === undefined ? `raised ${code}` : m[2].replace(/''/g, "'");
      return statement(ONE_INT, () => {
        throw new SqlError(code, message);
      });
    }
    if (/^\d+ ?\/ ?0$/.test(list)) {
      return statement(ONE_INT, () => {
        throw new SqlError(SQLSTATE.division_by_zero, 'division by zero');
      });
    }
    if (list === 'version()') {
      return constantRows([field('version', TypeOid.text)], [[`PostgreSQL ${SERVER_VERSION} on x86_64-pc-linux-gnu, compiled by node`]]);
    }
    if ((m = /^current_setting\('(\w+)'\)$/.exec(list)) !== null) {
      const name = m[1]!;
      return statement([field('current_setting', TypeOid.text)], (ctx) => {
        const v = ctx.session.parameters.get(name);
        if (v === undefined) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
        return rows([buildRow([v])]);
      });
    }
    if (list.startsWith('$')) return prepareEcho(list, declared);
    if ((m = /^(-?\d+)(?: as "?(\w+)"?)?$/.exec(list)) !== null) {
      return constantRows([field(m[2] ?? '?column?', TypeOid.int4)], [[String(Number(m[1]))]]);
    }
    // Any other SELECT: the constant row; its $n placeholders are parameters (read as text).
    let params = declared.length;
    for (const ref of list.matchAll(/\$(\d+)/g)) params = Math.max(params, Number(ref[1]));
    if (params === 0) return statement(ONE_INT, () => rows(ONE_ROW));
    const types = Array.from({ length: params }, (_, i) => declared[i] || TypeOid.text);
    return statement(ONE_INT, () => rows(ONE_ROW), types);
  }

  private *series(n: number): Generator<Uint8Array> {
    for (let i = 1; i <= n; i++) {
      this.rowsProduced++;
      yield buildRow([String(i)]);
    }
  }

  private sleep(ctx: ExecContext, ms: number): Promise<ExecResult> {
    const signal = ctx.signal;
    for (const w of this.sleepWaiters.splice(0)) w(ctx.session.processId);
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(rows([buildRow([''])]));
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function warning(code: string, message: string): SqlError {
  return new SqlError(code, message, { severity: 'WARNING' });
}

/** In a failed transaction block only COMMIT/ROLLBACK run (PostgreSQL's 25P02). */
function guard(s: Statement): Statement {
  return {
    fields: s.fields,
    paramTypeOids: s.paramTypeOids,
    execute(ctx, params) {
      if (ctx.session.txStatus === 'E') {
        throw new SqlError(SQLSTATE.in_failed_sql_transaction, 'current transaction is aborted, commands ignored until end of transaction block');
      }
      return s.execute(ctx, params);
    },
  };
}

function prepareSet(text: string): Statement {
  const m = /^set (?:session |local )?([\w.]+)(?: to |\s*=\s*)(.+)$/i.exec(text);
  if (m === null) throw new SqlError(SQLSTATE.syntax_error, `syntax error at or near "${text.slice(4, 40)}"`);
  const name = m[1]!.toLowerCase();
  let value = m[2]!.trim();
  value = value
    .split(/\s*,\s*/)
    .map((v) => unquote(v))
    .join(', ');
  if (name === 'client_encoding') {
    const enc = normalizeClientEncoding(value);
    if (enc === null) throw new SqlError(SQLSTATE.feature_not_supported, `client_encoding "${value}" is not supported by memstore`);
    value = enc;
  }
  return statement(null, (ctx) => {
    ctx.session.parameters.set(name, value);
    return command('SET');
  });
}

/** SELECT $1[::type] [AS name], … : returns the parameters as one row. */
function prepareEcho(list: string, declared: readonly number[]): Statement {
  const fields: FieldDescription[] = [];
  const refs: number[] = [];
  const types: number[] = [...declared];
  for (const item of list.split(/\s*,\s*/)) {
    const m = /^\$(\d+)(?:::(\w+))?(?: as "?(\w+)"?)?$/.exec(item);
    if (m === null) throw new SqlError(SQLSTATE.syntax_error, `syntax error at or near "${item}"`);
    const ref = Number(m[1]);
    if (ref < 1 || ref > 65535) throw new SqlError(SQLSTATE.undefined_parameter, `there is no parameter $${ref}`);
    let type = m[2] === undefined ? 0 : TYPE_NAMES.get(m[2]);
    if (type === undefined) throw new SqlError(SQLSTATE.undefined_object, `type "${m[2]}" does not exist`);
    while (types.length < ref) types.push(0);
    if (types[ref - 1] === 0) types[ref - 1] = type === 0 ? TypeOid.text : type;
    if (type === 0) type = types[ref - 1]!;
    fields.push(field(m[3] ?? (m[2] === undefined ? '?column?' : m[2]), type));
    refs.push(ref - 1);
  }
  for (let i = 0; i < types.length; i++) if (types[i] === 0) types[i] = TypeOid.text;
  return statement(fields, (_ctx, params) => rows([buildRow(refs.map((r) => params[r] ?? null))]), types);
}
