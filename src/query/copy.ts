/*
 * copy.ts — COPY … TO STDOUT: a table, the memstore key space, or a SELECT, in COPY text format.
 *
 * Rows come in key order (the tree's order), each line produced by encodeCopyRow() from the row's
 * DataRow body, so `COPY public.t TO STDOUT` is byte-identical to PostgreSQL's
 * `COPY (SELECT * FROM public.t ORDER BY <primary key>) TO STDOUT` for the same rows (text keys
 * in C order). `COPY memstore TO STDOUT` writes (key bytea, value jsonb) rows, the key in
 * bytea's hex output (`\\x6b…` once COPY escapes the backslash).
 *
 * The statement is turned into the equivalent SELECT and planned by select.ts: `COPY t (a, b)`
 * is `SELECT a, b FROM t`, `COPY memstore` is `SELECT * FROM memstore.list()`.
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
      rel.schemaname === undefined && rel.relname === 'memstore'
        ? { RangeFunction: { functions: [{ List: { items: [{ FuncCall: { funcname: [str('memstore'), str('list')], location: -1 } }, {} as Node] } }] } }
        : { RangeVar: rel };
    select = { targetList: columns, fromClause: [from], op: 'SETOP_NONE', limitOption: 'LIMIT_OPTION_DEFAULT' };
  }
  const rp = planRows(ctx, env, select);
  const columnCount = rp.fields.length;
  return {
    fields: null,
    paramTypeOids: rp.paramTypeOids,
    txExit: false,
    valid: (session) => rp.valid(session),
    run(ec, args): ExecResult | Promise<ExecResult> {
      const rows = rp.rows(ec, args);
      const result = (r: Iterator<Uint8Array>): ExecResult => ({ kind: 'copy-out', columnCount, chunks: copyLines(r), tag: copyTag });
      return rows instanceof Promise ? rows.then(result) : result(rows);
    },
  };
}
