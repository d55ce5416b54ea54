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
 * Refused: COPY FROM (25006, read-only), COPY to a file or program, formats other than text,
 * and other options (0A000). XXX an unqualified `memstore` always names the key space; a table
 * called memstore is reachable as schema.memstore.
 *
 * Interface:
 *   planCopy(ctx, env, stmt)   Plan whose result is a copy-out
 */
import type { CopyStmt, Node, SelectStmt } from 'libpg-query';
import { encodeCopyRow } from '../decode/copy-text.js';
import type { ExecResult } from '../pgwire/engine.js';
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

function* copyLines(rows: Iterator<Uint8Array>): Generator<Uint8Array> {
  for (;;) {
    const r = rows.next();
    if (r.done === true) return;
    yield encodeCopyRow(r.value);
  }
}

function str(s: string): Node {
  return { String: { sval: s } };
}

export function planCopy(ctx: BuildContext, env: EngineEnv, c: CopyStmt): Plan {
  if (c.is_from === true) throw readOnly('COPY FROM');
  if (c.filename !== undefined || c.is_program === true) {
    throw notSupported('COPY to a file or program is not supported by memstore; use COPY … TO STDOUT');
  }
  for (const o of c.options ?? []) {
    if (!('DefElem' in o)) continue;
    const d = o.DefElem;
    const arg = d.arg;
    const value = arg !== undefined && 'String' in arg ? (arg.String.sval ?? '') : '';
    if (d.defname === 'format' && value.toLowerCase() === 'text') continue;
    throw notSupported(`COPY option ${d.defname ?? '?'}${value !== '' ? ' ' + value : ''} is not supported by memstore (text format only)`);
  }
  const memstoreForm = c.query === undefined && c.relation?.schemaname === undefined && c.relation?.relname === 'memstore';
  let select: SelectStmt;
  if (c.query !== undefined) {
    if (!('SelectStmt' in c.query)) throw notSupported('COPY (…) TO STDOUT takes a SELECT in memstore');
    select = c.query.SelectStmt;
  } else {
    const rel = c.relation!;
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
  let rp = planRows(ctx, env, select);
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
  const sensitive = settingsSensitive(types);
  return {
    fields: null,
    paramTypeOids: rp.paramTypeOids,
    txExit: false,
    valid: (session) => rp.valid(session),
    run(ec, args): ExecResult | Promise<ExecResult> {
      const pin = pinnedSnapshot(ec.session);
      if (pin !== undefined) return copyPinned(pin, pinnedForm, tableOid, env);
      const render = sensitive ? rowRenderer(types, outputSettings(ec.session.parameters)) : null;
      const rows = rp.rows(ec, args);
      const result = (r: Iterator<Uint8Array>): ExecResult => ({ kind: 'copy-out', columnCount, chunks: copyLines(rendered(r, render)), tag: copyTag });
      return rows instanceof Promise ? rows.then(result) : result(rows);
    },
  };
}

/** Rows of a pinned tree; `nowUs` > 0 leaves out memstore keys expired by then. */
function* pinnedLines(map: ByteMap, rowOf: ((key: Uint8Array, value: Uint8Array) => Uint8Array) | null, nowUs = 0): Generator<Uint8Array> {
  for (const [k, v] of map.entries()) {
    if (nowUs > 0) {
      const exp = expiryOf(v);
      if (exp !== NO_EXPIRY && exp <= nowUs) continue;
    }
    yield encodeCopyRow(rowOf === null ? v : rowOf(k, v));
  }
}

/**
 * COPY inside a block that pinned memstore.snapshot(): read the clones (pinned-snapshot.ts).
 * `COPY memstore.kv` there is the key space's exact image at the pin — keys expired but not yet
 * swept included, with their expires_at — so a peer bootstrap decides expiry as this sidecar
 * does (a later touch of such a key finds it on both); `COPY memstore` shows what readers see.
 */
function copyPinned(pin: PinnedSnapshot, form: 'memstore' | 'kv' | 'table' | null, tableOid: number | undefined, env: EngineEnv): ExecResult {
  if (form === 'memstore') {
    return { kind: 'copy-out', columnCount: 2, chunks: pinnedLines(pin.memstore, memstoreSource(env, 'memstore').rowOf, nowMicros()), tag: copyTag };
  }
  if (form === 'kv') {
    return { kind: 'copy-out', columnCount: 3, chunks: pinnedLines(pin.memstore, kvSource(env, 'kv').rowOf), tag: copyTag };
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
  return { kind: 'copy-out', columnCount: rel.columns.length, chunks: pinnedLines(t.rows, null), tag: copyTag };
}
