/*
 * parse.ts — the real PostgreSQL 17 grammar (libpg-query, WASM) behind one function, plus small
 * readers for its JSON parse tree.
 *
 * The tree is PostgreSQL's raw parse tree as JSON: every node is `{ NodeType: { …fields } }`,
 * fields at their default value (false, 0, empty) are left out, `location` is a byte offset into
 * the query text (-1 when unknown). Types come from @pgsql/types, re-exported by libpg-query.
 *
 * Interface:
 *   loadParser()           load the WASM module once (await before parseSql)
 *   parseSql(sql)          RawStmt[] ([] for an empty query); 42601 with PostgreSQL's message and
 *                          position on a syntax error
 *   nodeKind(node)         'SelectStmt', 'A_Const', …
 *   nodeBody(node)         the node's fields
 *   stringList(nodes)      ['pg_catalog', 'int4'] from a list of String nodes
 */
import { loadModule, parseSync, type Node, type ParseResult, type RawStmt } from 'libpg-query';
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';

export type { Node, RawStmt };

let loaded: Promise<void> | null = null;

export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

interface ParserError {
  readonly message: string;
  readonly sqlDetails?: { readonly cursorPosition?: number };
}

export function parseSql(sql: string): RawStmt[] {
  if (sql.trim() === '') return [];
  let result: ParseResult;
  try {
    result = parseSync(sql) as ParseResult;
  } catch (e) {
    const err = e as ParserError;
    const cursor = err.sqlDetails?.cursorPosition;
    throw new SqlError(SQLSTATE.syntax_error, typeof err.message === 'string' ? err.message : 'syntax error', {
      ...(cursor !== undefined && cursor >= 0 ? { position: cursor + 1 } : {}),
    });
  }
  return result.stmts ?? [];
}

/** The node's type name (its only key). */
export function nodeKind(node: Node | undefined): string {
  if (node === undefined) return '';
  for (const k in node) return k;
  return '';
}

/** The node's fields, typed by the caller's expectation of its kind. */
export function nodeBody<T>(node: Node): T {
  return (node as Record<string, unknown>)[nodeKind(node)] as T;
}

/** Names from a list of String nodes (qualified names, type names, function names). */
export function stringList(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) {
    if ('String' in n) out.push(n.String.sval ?? '');
    else if ('A_Star' in n) out.push('*');
  }
  return out;
}

/** Location of any expression node, -1 when it has none. */
export function locationOf(node: Node | undefined): number {
  if (node === undefined) return -1;
  const body = nodeBody<{ location?: number }>(node);
  return typeof body?.location === 'number' ? body.location : -1;
}
