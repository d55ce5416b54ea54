/*
 * copy.ts — COPY … TO STDOUT: a table, the memstore key space, or a SELECT, in COPY text format.
 *
 * Rows come in key order (the tree's order), each line produced by encodeCopyRow() from the row's
 * DataRow body, so `COPY public.t TO STDOUT` is byte-identical to PostgreSQL's
 * `COPY (SELECT * FROM public.t ORDER BY <primary key>) TO STDOUT` for the same rows (text keys
 * in C order). `COPY memstore TO STDOUT` writes (key bytea, value jsonb) rows, the key in
 * bytea's hex output (`\\x6b…` once COPY escapes the backslash); `COPY memstore.kv TO STDOUT`
 * adds expires_at (the dump file's shape, see snapshot/manifest.ts). Expired keys are left out
 * of both.
 *
 * The statement is turned into the equivalent SELECT and planned by select.ts: `COPY t (a, b)`
 * is `SELECT a, b FROM t`, `COPY memstore` is `SELECT * FROM memstore.list()`.
 *
 * Inside a transaction block that called memstore.snapshot(), `COPY [schema.]t TO STDOUT`,
 * `COPY memstore TO STDOUT` and `COPY memstore.kv TO STDOUT` read the pinned clones instead of
 * the live trees, so several COPYs see one LSN (pinned-snapshot.ts; peer bootstrap relies on it).
 *
 * Formats: text, CSV and binary with PostgreSQL's options (copy-options.ts checks them, copy-out.ts
 * writes the bytes). Refused: COPY FROM (25006, read-only), COPY to a file or program and an
 * ENCODING other than UTF8 (0A000). XXX an unqualified `memstore` always names the key space; a table
 * called memstore is reachable as schema.memstore.
 *
 * Interface:
 *   planCopy(ctx, env, stmt)   Plan whose result is a copy-out
 */
import type { CopyStmt, Node, RangeVar, SelectStmt } from 'libpg-query';
import type { ExecContext, ExecResult, FieldDescription } from '../pgwire/engine.js';
import { copyToOptions, type CopyOptions } from './copy-options.js';
import { copyChunks, type CopyColumn } from './copy-out.js';
import { notSupported, readOnly } from './errors.js';
import type { EngineEnv, Plan } from './plan.js';
import { planRows } from './select.js';
import { KV_RELATION, kvSource, memstoreSource } from './select-source.js';
import { expiryOf, NO_EXPIRY, nowMicros } from '../store/memstore.js';
import { pinnedSnapshot, type PinnedSnapshot } from './pinned-snapshot.js';
import type { ByteMap } from '../store/byte-map.js';
import { SqlError } from '../errors.js';
import { outputSettings } from './eval-settings.js';
import { rendered, rowRenderer, settingsSensitive } from './render.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import type { BuildContext } from './values.js';

const copyTag = (n: number): string => `COPY ${n}`;

/** The context a binary COPY evaluates in: every column printed as binary-format.ts reads it. */
function binaryContext(ec: ExecContext, columns: number): ExecContext {
  const formats = new Uint8Array(columns).fill(1);
  return {
    get session() {
      return ec.session;
    },
    get signal() {
      return ec.signal;
    },
    notice: (n) => ec.notice(n),
    resultFormats: formats,
  };
}

/** COPY opens its table by name (table_openrv): a missing one is reported without a position. */
function plannedRelation<T>(plan: () => T): T {
  try {
    return plan();
  } catch (e) {
    if (e instanceof SqlError && e.sqlstate === SQLSTATE.undefined_table && e.position !== undefined) {
      throw new SqlError(e.sqlstate, e.message, { detail: e.detail, hint: e.hint });
    }
    throw e;
  }
}

/** CopyGetAttnums(): every listed column exists, once. */
function checkColumnList(c: CopyStmt, all: readonly FieldDescription[]): void {
  const seen = new Set<string>();
  for (const a of c.attlist ?? []) {
    const name = 'String' in a ? (a.String.sval ?? '') : '';
    if (!all.some((f) => f.name === name)) throw new SqlError(SQLSTATE.undefined_column, `column "${name}" of relation "${c.relation?.relname ?? ''}" does not exist`);
    if (seen.has(name)) throw new SqlError(SQLSTATE.duplicate_column, `column "${name}" specified more than once`);
    seen.add(name);
  }
}

/** SELECT * FROM rel. */
function starOf(rel: RangeVar): SelectStmt {
  const star: Node = { ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }], location: -1 } }, location: -1 } };
  return { targetList: [star], fromClause: [{ RangeVar: rel }], op: 'SETOP_NONE', limitOption: 'LIMIT_OPTION_DEFAULT' };
}

function str(s: string): Node {
  return { String: { sval: s } };
}

export function planCopy(ctx: BuildContext, env: EngineEnv, c: CopyStmt): Plan {
  if (c.is_from === true) throw readOnly('COPY FROM');
  if (c.filename !== undefined || c.is_program === true) {
    throw notSupported('COPY to a file or program is not supported by memstore; use COPY … TO STDOUT');
  }
  const memstoreForm = c.query === undefined && c.relation?.schemaname === undefined && c.relation?.relname === 'memstore';
  // PostgreSQL opens the relation before it reads the options: a missing table is reported first.
  if (c.query === undefined && !memstoreForm && (c.options?.length ?? 0) > 0) plannedRelation(() => planRows(ctx, env, starOf(c.relation!)));
  const options = copyToOptions(c.options, ctx.sql);
  if (options.encoding !== null && options.encoding !== 'UTF8' && options.encoding !== 'SQL_ASCII') {
    throw notSupported(`COPY … ENCODING '${options.encoding}' is not supported by memstore: it sends UTF8 only`);
  }
  let select: SelectStmt;
  if (c.query !== undefined) {
    if (!('SelectStmt' in c.query)) throw notSupported('COPY (…) TO STDOUT takes a SELECT in memstore');
    select = c.query.SelectStmt;
  } else {
    const rel = c.relation!;
    if (!memstoreForm && (c.attlist?.length ?? 0) > 0) checkColumnList(c, plannedRelation(() => planRows(ctx, env, starOf(rel))).fields);
    const star: Node = { ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }], location: -1 } }, location: -1 } };
    const columns: Node[] =
      (c.attlist?.length ?? 0) > 0
        ? c.attlist!.map((a) => ({ ResTarget: { val: { ColumnRef: { fields: [str('String' in a ? (a.String.sval ?? '') : '')], location: -1 } }, location: -1 } }))
        : [star];
    const from: Node =
      memstoreForm
        ? { RangeFunction: { functions: [{ List: { items: [{ FuncCall: { funcname: [str('memstore'), str('list')], location: -1 } }, {} as Node] } }] } }
        : { RangeVar: rel };
    select = { targetList: columns, fromClause: [from], op: 'SETOP_NONE', limitOption: 'LIMIT_OPTION_DEFAULT' };
  }
  let rp = c.query === undefined ? plannedRelation(() => planRows(ctx, env, select)) : planRows(ctx, env, select);
  const whole = rp;
  if (c.query === undefined && (c.attlist?.length ?? 0) === 0 && !memstoreForm) {
    // As PostgreSQL: `COPY t TO` without a column list leaves generated columns out (a pinned
    // snapshot's COPY t, the peer bootstrap's, still gives the rows whole: copyPinned).
    const held = env.store.tables.get(rp.fields[0]?.tableOid ?? 0)?.relation.columns;
    if (held?.some((col) => col.generated !== undefined)) {
      const listed = held.filter((col) => col.generated === undefined).map((col): Node => ({ ResTarget: { val: { ColumnRef: { fields: [str(col.name)], location: -1 } }, location: -1 } }));
      rp = planRows(ctx, env, { ...select, targetList: listed });
    }
  }
  const columnCount = rp.fields.length;
  const kvForm = c.query === undefined && c.relation?.schemaname === KV_RELATION.schema && c.relation.relname === KV_RELATION.name;
  const pinnedForm = c.query !== undefined || (c.attlist?.length ?? 0) > 0 ? null : memstoreForm ? 'memstore' : kvForm ? 'kv' : 'table';
  const tableOid = rp.fields[0]?.tableOid;
  const types = rp.fields.map((f) => f.typeOid);
  const columns = copyColumns(ctx, env, c, rp.fields, options);
  const binary = options.format === 'binary';
  // Binary values are converted from the stored text, which is ISO whatever the session shows.
  const sensitive = !binary && settingsSensitive(types);
  // A pinned COPY t sends the stored rows whole, generated columns included.
  const wholeColumns = whole === rp ? columns : copyColumns(ctx, env, c, whole.fields, options);
  const stream = (bodies: Iterator<Uint8Array>, pinned = false): ExecResult => {
    const s = copyChunks(bodies, options, pinned ? wholeColumns : columns);
    return { kind: 'copy-out', columnCount: pinned ? whole.fields.length : columnCount, binary, chunks: s.chunks, tag: () => copyTag(s.rows()) };
  };
  return {
    fields: null,
    paramTypeOids: rp.paramTypeOids,
    txExit: false,
    valid: (session) => rp.valid(session),
    run(ec, args): ExecResult | Promise<ExecResult> {
      const pin = pinnedSnapshot(ec.session);
      if (pin !== undefined) return stream(copyPinned(pin, pinnedForm, tableOid, env), true);
      const render = sensitive ? rowRenderer(types, outputSettings(ec.session.parameters)) : null;
      const rows = rp.rows(binary ? binaryContext(ec, columnCount) : ec, args);
      return rows instanceof Promise ? rows.then((r) => stream(rendered(r, render))) : stream(rendered(rows, render));
    },
  };
}

/**
 * The columns COPY sends, with FORCE_QUOTE resolved as BeginCopyTo() does: a name must be a
 * column of the relation (or of the query's result) and among the columns sent.
 */
function copyColumns(ctx: BuildContext, env: EngineEnv, c: CopyStmt, fields: readonly FieldDescription[], o: CopyOptions): CopyColumn[] {
  const quoted = new Set<number>();
  for (const name of o.forceQuote) {
    const i = fields.findIndex((f) => f.name === name);
    if (i >= 0) {
      quoted.add(i);
      continue;
    }
    if (c.query === undefined) {
      const rel = c.relation!;
      const all = planRows(ctx, env, starOf(rel)).fields;
      if (all.some((f) => f.name === name)) throw new SqlError(SQLSTATE.invalid_column_reference, `FORCE_QUOTE column "${name}" not referenced by COPY`);
      throw new SqlError(SQLSTATE.undefined_column, `column "${name}" of relation "${rel.relname ?? ''}" does not exist`);
    }
    throw new SqlError(SQLSTATE.undefined_column, `column "${name}" does not exist`);
  }
  return fields.map((f, i) => ({ name: f.name, typeOid: f.typeOid, forceQuote: o.forceQuoteAll || quoted.has(i) }));
}

/** Row bodies of a pinned tree; `nowUs` > 0 leaves out memstore keys expired by then. */
function* pinnedRows(map: ByteMap, rowOf: ((key: Uint8Array, value: Uint8Array) => Uint8Array) | null, nowUs = 0): Generator<Uint8Array> {
  for (const [k, v] of map.entries()) {
    if (nowUs > 0) {
      const exp = expiryOf(v);
      if (exp !== NO_EXPIRY && exp <= nowUs) continue;
    }
    yield rowOf === null ? v : rowOf(k, v);
  }
}

/**
 * COPY inside a block that pinned memstore.snapshot(): read the clones (pinned-snapshot.ts).
 * `COPY memstore.kv` there is the key space's exact image at the pin — keys expired but not yet
 * swept included, with their expires_at — so a peer bootstrap decides expiry as this sidecar
 * does (a later touch of such a key finds it on both); `COPY memstore` shows what readers see.
 */
function copyPinned(pin: PinnedSnapshot, form: 'memstore' | 'kv' | 'table' | null, tableOid: number | undefined, env: EngineEnv): Iterator<Uint8Array> {
  if (form === 'memstore') {
    return pinnedRows(pin.memstore, memstoreSource(env, 'memstore').rowOf, nowMicros());
  }
  if (form === 'kv') {
    return pinnedRows(pin.memstore, kvSource(env, 'kv').rowOf);
  }
  if (form === null) {
    throw notSupported('while memstore.snapshot() is pinned, COPY reads whole tables only: COPY [schema.]table, memstore or memstore.kv TO STDOUT');
  }
  const t = tableOid === undefined || tableOid === 0 ? undefined : pin.tables.get(tableOid);
  if (t === undefined) {
    throw new SqlError(SQLSTATE.object_not_in_prerequisite_state, 'relation was not in the store when memstore.snapshot() was taken');
  }
  const rel = t.state.relation;
  if (t.rows === null) {
    throw t.state.status === 'skipped'
      ? new SqlError(SQLSTATE.feature_not_supported, `relation "${rel.schema}.${rel.name}" is not replicated by memstore: ${t.state.reason}`)
      : new SqlError(SQLSTATE.object_not_in_prerequisite_state, `relation "${rel.schema}.${rel.name}" was still being copied from the primary when memstore.snapshot() was taken`);
  }
  return pinnedRows(t.rows, null);
}
