/*
 * generated-columns.ts — generated (STORED) columns computed as the primary stores them.
 *
 * PostgreSQL 17's pgoutput never sends a generated column's value, but the copy (COPY with the
 * column listed) does. The store keeps every column in attnum order, the generated ones included
 * (relation.ts RelationColumn.generated holds the expression, pg_get_expr of pg_attrdef.adbin);
 * for each applied INSERT / UPDATE the applier widens the stream tuple to that layout and calls
 * compute(), which evaluates the expressions over the row's other columns with the query layer's
 * binder and evaluator and prints the results with the column type's output function — after
 * the assignment coercion to the column's type and typmod, as PostgreSQL applies it.
 *
 * Why here: apply/ must not import query/ (scripts/check-imports.ts). The sidecar installs
 * compileGenerated as store.generatedCompiler; the store calls it for every table state made from
 * a relation with generated columns (Store.newTableState, the dump loader), so the applier only
 * sees TableState.generated — undefined for a table without generated columns.
 *
 * Equal or loudly not served: an expression that does not bind here (an unknown function or
 * operator, an unsupported type, a generated key column) makes the table 'skipped' with the
 * reason (reads fail with 0A000 naming it, /readyz and stats list it); an evaluation that raises
 * where the primary did not (the primary committed the row) does the same at apply
 * (apply/applier.ts). A later resync compiles again.
 *
 * Compiled once per table state: a resync or a Relation change makes a new state. Left out:
 * expressions reading the session's settings (only immutable ones are allowed by PostgreSQL, so
 * the only dependency left is the output format: ISO dates, the walsender's defaults).
 */
import { NULL_LENGTH, UNCHANGED_LENGTH } from '../pg/row-format.js';
import type { RelationColumn } from '../pg/relation.js';
import { ensureBuiltins } from '../query/builtins.js';
import type { Expr } from '../query/bind/bound.js';
import type { BindCatalog, CatalogTable } from '../query/bind/context.js';
import { builtinCollation, isCollatable } from '../query/bind/collate.js';
import { coerceTo } from '../query/bind/coerce.js';
import { bindQuery } from '../query/bind/query.js';
import type { StmtState } from '../query/bind/state.js';
import { compileExpr, type CompileEnv, type Fn } from '../query/exec/eval.js';
import { decoder } from '../query/exec/ops/scan.js';
import { exprRefs } from '../query/exec/plan-refs.js';
import { Runtime } from '../query/exec/runtime.js';
import { FALLBACK_SETTINGS } from '../query/exec/settings.js';
import { notSupported } from '../query/errors.js';
import { parseSql } from '../query/parse.js';
import { tableCollationProblem } from '../query/types/collation.js';
import { typeInfo } from '../query/types/registry.js';
import { quoteIdent } from '../replication/connection.js';
import { buildRow, type ColumnInput } from '../store/row.js';
import type { GeneratedRows, Store, TableState } from '../store/store.js';

/** Compiles the generated columns of `t` (its relation as stored); throws an Error saying why it cannot. */
export function compileGenerated(store: Store, t: TableState): GeneratedRows {
  ensureBuiltins();
  const rel = t.relation;
  const cols = rel.columns;
  const gen: number[] = [];
  cols.forEach((c, i) => {
    if (c.generated !== undefined) gen.push(i);
  });
  for (const i of gen) {
    if (cols[i]!.isKey) throw new Error(`key column ${cols[i]!.name} is generated (pgoutput does not send it)`);
  }
  const collations = store.collations;
  const problem = tableCollationProblem(collations, rel, isCollatable);
  if (problem !== undefined) throw new Error(problem.message);
  const table: CatalogTable = {
    oid: rel.oid,
    schema: rel.schema,
    name: rel.name,
    columns: cols.map((c, i) => {
      const col = { name: c.name, type: c.typeOid, typmod: c.typeMod, attnum: i + 1 };
      if (collations === undefined || !isCollatable(c.typeOid)) return col;
      return { ...col, collation: collations.columnCollation(rel.oid, c.name) };
    }),
    keyColumns: [...t.keyIndexes],
  };
  const catalog: BindCatalog = {
    searchPath: ['pg_catalog', rel.schema],
    table: (schema, name) => ((schema === null || schema === rel.schema) && name === rel.name ? table : undefined),
    collation: (schema, name) => (collations === undefined ? builtinCollation(schema, name) : collations.byName(schema, name)),
  };
  const env: CompileEnv = {
    sub: () => {
      throw notSupported('a subquery in a generation expression');
    },
    fallback: FALLBACK_SETTINGS,
    ...(collations !== undefined ? { collations } : {}),
  };
  const refs = new Set<number>();
  const fns: Fn[] = gen.map((i) => {
    const e = bindOne(cols[i]!, rel.schema, rel.name, catalog);
    exprRefs(e, refs);
    return compileExpr(e, env);
  });
  const outputs = gen.map((i) => typeInfo(cols[i]!.typeOid));
  // Only the columns the expressions read are decoded.
  const decode = decoder(
    cols.map((c) => ({ type: c.typeOid, typmod: c.typeMod })),
    [...refs].sort((a, b) => a - b),
  );
  const rt = new Runtime(store, FALLBACK_SETTINGS, [], new AbortController().signal, 64 * 1024 * 1024, 0, false, 0);
  const isGenerated = cols.map((c) => c.generated !== undefined);
  const width = cols.length;
  return {
    widen(tuple) {
      return widenTuple(tuple, isGenerated);
    },
    compute(row) {
      const datums = decode(row, FALLBACK_SETTINGS);
      const values = rowValues(row, width);
      for (let g = 0; g < gen.length; g++) {
        const d = fns[g]!(datums, rt);
        values[gen[g]!] = d === null ? null : outputs[g]!.output(d, FALLBACK_SETTINGS);
      }
      return buildRow(values);
    },
  };
}

/**
 * Compiles the generated columns of every table again: the primary's collations were (re)read
 * (collations.ts), and an expression over text may depend on them (comparisons, lower/upper).
 */
export function recompileGenerated(store: Store): void {
  for (const t of store.tables.values()) if (t.generated !== undefined) store.prepareGenerated(t);
}

/** One column's expression, bound against the table's columns and coerced to the column's type. */
function bindOne(col: RelationColumn, schema: string, name: string, catalog: BindCatalog): Expr {
  const sql = `SELECT (${col.generated!}) FROM ${quoteIdent(schema)}.${quoteIdent(name)}`;
  const stmts = parseSql(sql);
  const stmt = stmts[0]?.stmt;
  if (stmts.length !== 1 || stmt === undefined) throw new Error(`column ${col.name}: cannot parse ${col.generated!}`);
  let bound;
  try {
    bound = bindQuery(stmt, { sql, paramTypes: [], catalog });
  } catch (err) {
    throw new Error(`column ${col.name} (${col.generated!}): ${(err as Error).message}`);
  }
  const plan = bound.plan;
  if (plan.kind !== 'project' || plan.input.kind !== 'scan' || plan.exprs.length !== 1) {
    throw new Error(`column ${col.name}: ${col.generated!} is not a plain expression over the row`);
  }
  const st: StmtState = { sql, params: [], catalog, tables: new Set(), nextCteId: 1, locations: new WeakMap(), liftedAt: new Map(), slots: new Map() };
  let e: Expr;
  try {
    // PostgreSQL stores the expression already coerced to the column's type; the typmod
    // (numeric(10,2), varchar(n)) is applied as an assignment.
    e = coerceTo(st, plan.exprs[0]!, col.typeOid, col.typeMod, 'a', -1);
  } catch (err) {
    throw new Error(`column ${col.name}: ${(err as Error).message}`);
  }
  return e;
}

/**
 * The stream tuple with a NULL inserted at each generated column: the other columns' length
 * words and bytes are copied as they are (unchanged-TOAST markers included).
 */
function widenTuple(tuple: Uint8Array, isGenerated: readonly boolean[]): Uint8Array {
  const n = ((tuple[0]! << 8) | tuple[1]!) << 16 >> 16;
  const width = isGenerated.length;
  const out = new Uint8Array(tuple.length + 4 * (width - n));
  const view = new DataView(out.buffer);
  view.setInt16(0, width);
  let from = 2;
  let to = 2;
  let k = 0;
  for (let i = 0; i < width; i++) {
    if (isGenerated[i] || k >= n) {
      view.setInt32(to, NULL_LENGTH);
      to += 4;
      if (!isGenerated[i]) k++;
      continue;
    }
    const len = (tuple[from]! << 24) | (tuple[from + 1]! << 16) | (tuple[from + 2]! << 8) | tuple[from + 3]!;
    const size = 4 + (len > 0 ? len : 0);
    out.set(tuple.subarray(from, from + size), to);
    from += size;
    to += size;
    k++;
  }
  return to === out.length ? out : out.slice(0, to);
}

/** Every column's bytes (null for NULL) in one walk of the row. */
function rowValues(row: Uint8Array, width: number): ColumnInput[] {
  const out = new Array<ColumnInput>(width).fill(null);
  const n = ((row[0]! << 8) | row[1]!) << 16 >> 16;
  let pos = 2;
  for (let c = 0; c < n && c < width; c++) {
    const len = (row[pos]! << 24) | (row[pos + 1]! << 16) | (row[pos + 2]! << 8) | row[pos + 3]!;
    if (len !== NULL_LENGTH && len !== UNCHANGED_LENGTH) out[c] = row.subarray(pos + 4, pos + 4 + len);
    pos += 4 + (len > 0 ? len : 0);
  }
  return out;
}
