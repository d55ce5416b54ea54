/*
 * select.ts — the single-table planner: SELECT over one table (or the memstore key space) with
 * its key walks and the stored-bytes fast path; planned once, run per execution (select-run.ts).
 *
 *   FROM item (select-source.ts) ─► WHERE conjuncts ─► access path (key-access.ts) + filters
 *   ─► ORDER BY by key walk or sort ─► LIMIT/OFFSET ─► outputs (columns as stored, count(*),
 *   constants) ─► TableSelect ─► runTableSelect
 *
 * What it does not plan (joins, expressions over columns, aggregates but count(*), subqueries, …)
 * it refuses with 0A000, and the engine sends the statement through the executor pipeline
 * (sql-plan.ts) instead: this planner is the fast path for the shapes it knows, where a point
 * read is one key encoding, one tree lookup and the stored DataRow bytes.
 *
 * ORDER BY not given by the key walk sorts the matching rows (values compared as in compare.ts,
 * text in C order, NULLS LAST for ASC and FIRST for DESC as in PostgreSQL).
 *
 * Interface:
 *   planSelect(ctx, env, stmt)   Plan for a SELECT with FROM (or a scalar SELECT without FROM)
 *   planRows(ctx, env, stmt)     the same as a RowPlan, for COPY (SELECT …) TO STDOUT
 */
import type { ColumnRef, RangeFunction, RangeVar, ResTarget, SelectStmt, SortBy } from 'libpg-query';
import { SqlError } from '../errors.js';
import type { ExecContext, ExecResult, FieldDescription } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { buildRow } from '../store/row.js';
import { isIntegerType, isTextType, type Domain } from './compare.js';
import { missingFromEntry, notSupported, readOnly, undefinedColumn } from './errors.js';
import { analyzePred, conjuncts, type ColumnScope, type Operand, type Pred } from './expr.js';
import { DEFAULT_COLLATION } from '../store/collations.js';
import { isByteOrder } from './types/collation.js';
import { locationOf, nodeKind, stringList, type Node } from './parse.js';
import { alwaysValid, computedField, selectTag, type EngineEnv, type Plan } from './plan.js';
import { analyzeScalar, searchPath, type ScalarExpr } from './scalar.js';
import { outputSettings } from './eval-settings.js';
import { rendered, rowRenderer, settingsSensitive } from './render.js';
import { FLOAT_TYPES, isKvRelation, KV_RELATION, kvSource, memstoreSource, positionAt, resolveTable, tableSource, type Source } from './select-source.js';
import { EMPTY, projector, rowsLimit, runTableSelect, timeZone, type Output, type TableSelect } from './select-run.js';
import { planKeyAccess, pointValues, walkOrder } from './key-access.js';
import { Oid, sqlTypeName, typeSize } from '../pg/types.js';
import { at, castTarget, coerceValue, isUnknown, readStatically, valueFromNode, valueType, type Args, type BuildContext, type Value } from './values.js';

/** Column references against one FROM item. */
function scopeOf(ctx: BuildContext, source: Source, schema: string, database: string): ColumnScope {
  return {
    resolve(fields, location) {
      const name = fields[fields.length - 1]!;
      const qualifier = fields.slice(0, -1);
      if (qualifier.length > 0) {
        const rel = qualifier[qualifier.length - 1]!;
        const sch = qualifier.length >= 2 ? qualifier[qualifier.length - 2]! : null;
        const db = qualifier.length >= 3 ? qualifier[qualifier.length - 3]! : null;
        if (rel !== source.refName || (sch !== null && sch !== schema) || (db !== null && db !== database)) {
          throw missingFromEntry(rel, at(ctx, location));
        }
      }
      const index = source.columns.findIndex((c) => c.name === name);
      if (index < 0) throw undefinedColumn(fields.join('.'), at(ctx, location));
      return { index, type: source.columns[index]!.typeOid };
    },
  };
}

// --- the plan ---------------------------------------------------------------------------------------

export interface RowPlan {
  readonly fields: readonly FieldDescription[];
  readonly paramTypeOids: readonly number[];
  valid(session: ExecContext['session']): boolean;
  /** The result rows (DataRow bodies); a promise when something must be awaited first. */
  rows(ctx: ExecContext, args: Args): Iterator<Uint8Array> | Promise<Iterator<Uint8Array>>;
}


function rejectClauses(ctx: BuildContext, s: SelectStmt): void {
  if (s.intoClause !== undefined) throw readOnly('SELECT INTO');
  if ((s.lockingClause?.length ?? 0) > 0) throw readOnly('SELECT FOR UPDATE');
  if (s.op !== undefined && s.op !== 'SETOP_NONE') throw notSupported('UNION, INTERSECT and EXCEPT are not supported by memstore');
  if (s.withClause !== undefined) throw notSupported('WITH queries are not supported by memstore');
  if ((s.valuesLists?.length ?? 0) > 0) throw notSupported('VALUES lists are not supported by memstore');
  if ((s.distinctClause?.length ?? 0) > 0) throw notSupported('SELECT DISTINCT is not supported by memstore');
  if ((s.groupClause?.length ?? 0) > 0 || s.havingClause !== undefined) throw notSupported('GROUP BY and HAVING are not supported by memstore (count(*) over a table is)');
  if ((s.windowClause?.length ?? 0) > 0) throw notSupported('window functions are not supported by memstore');
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw notSupported('FETCH … WITH TIES is not supported by memstore', at(ctx, -1));
}

/** True when the node tree contains a column reference. */
function mentionsColumn(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(mentionsColumn);
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'ColumnRef') return true;
    if (mentionsColumn(v)) return true;
  }
  return false;
}

const AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'bool_and', 'bool_or', 'every', 'json_object_agg', 'jsonb_object_agg', 'bit_and', 'bit_or']);

function resolveFrom(ctx: BuildContext, env: EngineEnv, s: SelectStmt): { source: Source; schema: string; pathDependent: boolean; listPrefix: Value | null } {
  const from = s.fromClause ?? [];
  if (from.length !== 1) throw notSupported('joins and queries over several tables are not supported by memstore (one table per SELECT)');
  const item = from[0]!;
  if ('RangeVar' in item) {
    if (isKvRelation(ctx, item.RangeVar) && !tableFirstInPath(ctx, env, item.RangeVar)) {
      return { source: kvSource(env, item.RangeVar.alias?.aliasname ?? 'kv'), schema: 'memstore', pathDependent: item.RangeVar.schemaname === undefined, listPrefix: null };
    }
    const { table, schema, pathDependent } = resolveTable(ctx, env, item.RangeVar);
    return { source: tableSource(env, table, item.RangeVar.alias?.aliasname ?? table.relation.name), schema, pathDependent, listPrefix: null };
  }
  if ('RangeFunction' in item) return { ...memstoreList(ctx, item.RangeFunction), source: memstoreSource(env, item.RangeFunction.alias?.aliasname ?? 'list'), schema: 'memstore', pathDependent: false };
  if ('JoinExpr' in item) throw notSupported('joins are not supported by memstore (one table per SELECT)');
  if ('RangeSubselect' in item) throw notSupported('subqueries in FROM are not supported by memstore');
  throw notSupported(`memstore does not support ${nodeKind(item)} in FROM`);
}

/**
 * An unqualified `kv` names a replicated table whenever one is on search_path, even behind
 * memstore: on the primary memstore.kv does not exist, so there `kv` is that table. (The user
 * `memstore` has "$user" = memstore first in the default path; a table `kv` must not vanish.)
 */
function tableFirstInPath(ctx: BuildContext, env: EngineEnv, rv: RangeVar): boolean {
  if (rv.schemaname !== undefined) return false;
  return searchPath(ctx).some((s) => s !== KV_RELATION.schema && env.store.tableByName(s, rv.relname ?? '') !== undefined);
}

function memstoreList(ctx: BuildContext, rf: RangeFunction): { listPrefix: Value | null } {
  const first = rf.functions?.[0];
  const call = first !== undefined && 'List' in first ? first.List.items?.[0] : undefined;
  if ((rf.functions?.length ?? 0) !== 1 || call === undefined || !('FuncCall' in call)) {
    throw notSupported('the only function memstore reads in FROM is memstore.list([prefix])');
  }
  const f = call.FuncCall;
  const names = stringList(f.funcname);
  const name = names.join('.');
  const schemas = names.length === 2 ? [names[0]] : ['pg_catalog', ...searchPath(ctx)];
  if (names[names.length - 1] !== 'list' || !schemas.includes('memstore') || (f.args?.length ?? 0) > 1) {
    throw notSupported(`the only function memstore reads in FROM is memstore.list([prefix]), not ${name}()`, at(ctx, f.location));
  }
  if (rf.ordinality === true || (rf.alias?.colnames?.length ?? 0) > 0 || (rf.coldeflist?.length ?? 0) > 0) {
    throw notSupported('WITH ORDINALITY and column aliases are not supported on memstore.list()');
  }
  if ((f.args?.length ?? 0) === 0) return { listPrefix: null };
  const v = valueFromNode(ctx, f.args![0]);
  if (v === null) throw notSupported('memstore.list() takes a constant or parameter prefix', at(ctx, f.location));
  if (isUnknown(v)) coerceValue(ctx, v, Oid.text);
  const t = valueType(v);
  if (t !== Oid.text && t !== Oid.bytea && !isTextType(t)) throw notSupported(`memstore.list() takes a text or bytea prefix, not ${sqlTypeName(t)}`, at(ctx, f.location));
  return { listPrefix: v };
}

const SORTABLE_CODEC_TYPES = new Set<number>([Oid.bool, Oid.uuid, Oid.bytea, Oid.date, Oid.timestamp, Oid.timestamptz]);

/**
 * This planner compares text as bytes (compare.ts, the key codec). Text of another collation on
 * the primary (store.collations) goes to the executor pipeline, which orders it by that
 * collation or refuses: only equality, which every accepted collation decides by bytes, stays.
 */
function byteOrderedColumn(env: EngineEnv, source: Source, index: number): boolean {
  const cat = env.store.collations;
  if (cat === undefined || source.tableOid === 0) return true; // the memstore key space: no collation
  return isByteOrder(cat, cat.columnCollation(source.tableOid, source.columns[index]!.name));
}

function refuseNonCOrder(env: EngineEnv, source: Source, preds: readonly Pred[]): void {
  const cat = env.store.collations;
  if (cat === undefined) return;
  const ok = (o: Operand): boolean => (o.k === 'col' ? byteOrderedColumn(env, source, o.index) : isByteOrder(cat, DEFAULT_COLLATION));
  const walk = (p: Pred): void => {
    if (p.k === 'and' || p.k === 'or') p.args.forEach(walk);
    else if (p.k === 'not') walk(p.arg);
    else if (p.k === 'booltest') walk(p.arg);
    else if ((p.k === 'cmp' || p.k === 'any') && p.domain.kind === 'text' && p.op !== '=' && p.op !== '<>') {
      const sides = p.k === 'cmp' ? [p.left, p.right] : [p.left, ...(p.array.k === 'list' ? p.array.items : [])];
      if (!sides.every(ok) || (p.k === 'any' && p.array.k === 'text' && !isByteOrder(cat, DEFAULT_COLLATION))) {
        throw notSupported('comparing text of a non-C collation in the single-table planner');
      }
    }
  };
  preds.forEach(walk);
}

function domainForSort(ctx: BuildContext, type: number, location: number): Domain {
  if (isIntegerType(type) || type === Oid.numeric) return { kind: 'numeric', typeOid: Oid.numeric };
  if (FLOAT_TYPES.has(type)) return { kind: 'float', typeOid: Oid.float8 };
  if (isTextType(type)) return { kind: 'text', typeOid: Oid.text };
  if (SORTABLE_CODEC_TYPES.has(type)) return { kind: 'codec', typeOid: type };
  throw notSupported(`memstore cannot sort values of type ${sqlTypeName(type)}; ORDER BY the primary key walks the table instead`, at(ctx, location));
}

function limitValue(ctx: BuildContext, node: Node | undefined): Value | null {
  if (node === undefined) return null;
  const v = valueFromNode(ctx, node);
  if (v === null) throw notSupported('LIMIT and OFFSET take a constant or a parameter in memstore', at(ctx, locationOf(node)));
  if (v.origin === 'null') return null;
  if (isUnknown(v)) coerceValue(ctx, v, Oid.int8);
  return v;
}


function analyzeTableSelect(ctx: BuildContext, env: EngineEnv, s: SelectStmt): { sel: TableSelect; fields: FieldDescription[]; pathDependent: boolean } {
  rejectClauses(ctx, s);
  const { source, schema, pathDependent, listPrefix } = resolveFrom(ctx, env, s);
  const scope = scopeOf(ctx, source, schema, ctx.session.database);
  const where = s.whereClause === undefined ? null : analyzePred(ctx, scope, s.whereClause);
  // Select list.
  const outputs: Output[] = [];
  const fields: FieldDescription[] = [];
  let count: { column: number } | null = null;
  let firstColumn: string | null = null;
  const colField = (index: number, alias: string | undefined): FieldDescription => {
    const c = source.columns[index]!;
    return { name: alias ?? c.name, tableOid: source.tableOid, columnAttr: c.attnum, typeOid: c.typeOid, typeSize: typeSize(c.typeOid), typeMod: c.typeMod };
  };
  for (const t of s.targetList ?? []) {
    const rt = (t as { ResTarget: ResTarget }).ResTarget;
    const val = rt.val;
    const alias = rt.name;
    if (val !== undefined && 'ColumnRef' in val) {
      const fields0 = stringList(val.ColumnRef.fields);
      if (fields0[fields0.length - 1] === '*') {
        if (fields0.length > 1) scope.resolve([...fields0.slice(0, -1), source.columns[0]?.name ?? ''], val.ColumnRef.location ?? -1);
        source.columns.forEach((_c, i) => {
          outputs.push({ k: 'col', index: i });
          fields.push(colField(i, undefined));
        });
        firstColumn ??= source.columns[0]?.name ?? null;
        continue;
      }
      const c = scope.resolve(fields0, val.ColumnRef.location ?? -1);
      outputs.push({ k: 'col', index: c.index });
      fields.push(colField(c.index, alias));
      firstColumn ??= source.columns[c.index]!.name;
      continue;
    }
    if (val !== undefined && 'TypeCast' in val && val.TypeCast.arg !== undefined && 'ColumnRef' in val.TypeCast.arg) {
      const ref: ColumnRef = val.TypeCast.arg.ColumnRef;
      const c = scope.resolve(stringList(ref.fields), ref.location ?? -1);
      const to = castTarget(ctx, val.TypeCast);
      const colName = source.columns[c.index]!.name;
      firstColumn ??= colName;
      if (to === c.type) {
        outputs.push({ k: 'col', index: c.index });
        fields.push({ ...colField(c.index, alias), tableOid: 0, columnAttr: 0 });
        continue;
      }
      if (to !== Oid.text && to !== Oid.varchar) throw notSupported('memstore casts columns only to text in the select list', at(ctx, val.TypeCast.location));
      // Such a value's text follows session settings (TimeZone, DateStyle…): the executor's job.
      if (settingsSensitive([c.type])) throw notSupported(`a cast of ${sqlTypeName(c.type)} to text`, at(ctx, val.TypeCast.location));
      outputs.push({ k: 'text', index: c.index, from: c.type });
      fields.push(computedField(alias ?? colName, to));
      continue;
    }
    if (val !== undefined && 'FuncCall' in val) {
      const f = val.FuncCall;
      const fname = stringList(f.funcname);
      const base = fname[fname.length - 1]!;
      const isCatalog = fname.length === 1 || fname[0] === 'pg_catalog';
      if (isCatalog && base === 'count') {
        if (f.agg_distinct === true || f.agg_filter !== undefined || f.over !== undefined || (f.agg_order?.length ?? 0) > 0) {
          throw notSupported('count(DISTINCT …), FILTER, OVER and ordered aggregates are not supported by memstore', at(ctx, f.location));
        }
        let column = -1;
        if (f.agg_star !== true) {
          const args = f.args ?? [];
          if (args.length !== 1) throw notSupported('count takes one argument', at(ctx, f.location));
          const a = args[0]!;
          if ('ColumnRef' in a) column = scope.resolve(stringList(a.ColumnRef.fields), a.ColumnRef.location ?? -1).index;
          else if (!('A_Const' in a) || a.A_Const.isnull === true) throw notSupported('count takes *, a column or a constant in memstore', at(ctx, f.location));
          else readStatically(ctx, a.A_Const.location);
        }
        if (count !== null && count.column !== column) throw notSupported('one count per query in memstore', at(ctx, f.location));
        count = { column };
        outputs.push({ k: 'count' });
        fields.push(computedField(alias ?? 'count', Oid.int8));
        continue;
      }
      if (isCatalog && AGGREGATES.has(base)) {
        throw notSupported(`aggregate ${base}() is not supported by memstore (count is)`, at(ctx, f.location));
      }
    }
    if (mentionsColumn(val)) {
      throw notSupported('expressions over columns are not supported by memstore: select the columns themselves', at(ctx, rt.location));
    }
    const expr = analyzeScalar(ctx, env, val);
    outputs.push({ k: 'scalar', expr });
    fields.push(computedField(alias ?? expr.name, expr.type));
  }
  if (count !== null && outputs.some((o) => o.k === 'col' || o.k === 'text')) {
    throw new SqlError(SQLSTATE.grouping_error, `column "${source.refName}.${firstColumn ?? '?'}" must appear in the GROUP BY clause or be used in an aggregate function`);
  }
  const preds = where === null ? [] : conjuncts(where);
  refuseNonCOrder(env, source, preds);
  const access = planKeyAccess(source, preds);
  // ORDER BY.
  const sortItems: { index: number; desc: boolean; nullsFirst: boolean; location: number }[] = [];
  for (const n of s.sortClause ?? []) {
    const sb = (n as { SortBy: SortBy }).SortBy;
    if (sb.sortby_dir === 'SORTBY_USING') throw notSupported('ORDER BY … USING is not supported by memstore');
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
    const node = sb.node;
    const location = locationOf(node);
    let index: number;
    if (node !== undefined && 'A_Const' in node && node.A_Const.ival !== undefined) {
      readStatically(ctx, node.A_Const.location);
      const k = node.A_Const.ival.ival ?? 0;
      const o = outputs[k - 1];
      if (o === undefined) throw new SqlError(SQLSTATE.invalid_column_reference, `ORDER BY position ${k} is not in select list`, { ...positionAt(ctx, location) });
      if (o.k !== 'col') {
        if (o.k === 'scalar') continue; // a constant: no effect on order
        // A cast output (`id::text`) orders by its own type's order: the executor pipeline's.
        throw notSupported(o.k === 'text' ? 'ORDER BY a cast output column' : 'ORDER BY an aggregate is not supported by memstore', at(ctx, location));
      }
      index = o.index;
    } else if (node !== undefined && 'ColumnRef' in node) {
      const f = stringList(node.ColumnRef.fields);
      const byAlias = f.length === 1 ? fields.findIndex((fd) => fd.name === f[0]) : -1;
      const o = byAlias >= 0 ? outputs[byAlias] : undefined;
      // An output column's name wins over an input column's (SQL92), whatever its expression.
      if (o !== undefined && o.k === 'col') index = o.index;
      else if (o !== undefined) throw notSupported(o.k === 'count' ? 'ORDER BY an aggregate is not supported by memstore' : 'ORDER BY a computed output column', at(ctx, location));
      else index = scope.resolve(f, location).index;
    } else {
      throw notSupported('ORDER BY takes column names or positions in memstore', at(ctx, location));
    }
    if (isTextType(source.columns[index]!.typeOid) && !byteOrderedColumn(env, source, index)) throw notSupported('ordering text of a non-C collation in the single-table planner', at(ctx, location));
    sortItems.push({ index, desc, nullsFirst, location });
  }
  if (count !== null && sortItems.length > 0) {
    throw new SqlError(SQLSTATE.grouping_error, `column "${source.refName}.${source.columns[sortItems[0]!.index]!.name}" must appear in the GROUP BY clause or be used in an aggregate function`);
  }
  let order: TableSelect['order'] = null;
  if (sortItems.length > 0) {
    const keyOrder = walkOrder(source, access, sortItems);
    if (keyOrder !== null) order = { kind: 'key', reverse: keyOrder };
    else {
      order = {
        kind: 'sort',
        keys: sortItems.map((i) => {
          const type = source.columns[i.index]!.typeOid;
          return { index: i.index, desc: i.desc, nullsFirst: i.nullsFirst, type, domain: domainForSort(ctx, type, i.location) };
        }),
      };
    }
  }
  const remaining = preds.filter((p) => !access.used.has(p));
  const filter: Pred | null = remaining.length === 0 ? null : remaining.length === 1 ? remaining[0]! : { k: 'and', args: remaining };
  const projectAll = source.rowOf === null && outputs.length === source.columns.length && outputs.every((o, i) => o.k === 'col' && o.index === i);
  const sel: TableSelect = {
    source,
    outputs,
    projectAll,
    filter,
    access,
    order,
    limit: limitValue(ctx, s.limitCount),
    offset: limitValue(ctx, s.limitOffset),
    count,
    listPrefix,
    point: pointValues(source, access, count !== null || listPrefix !== null),
    project: outputs.some((o) => o.k === 'scalar' || o.k === 'count') ? null : projector({ outputs, projectAll }, []),
  };
  return { sel, fields, pathDependent };
}

/** A SELECT with FROM, as a row source (also used by COPY (SELECT …) TO STDOUT). */
export function planRows(ctx: BuildContext, env: EngineEnv, s: SelectStmt): RowPlan {
  if ((s.fromClause?.length ?? 0) === 0) return planScalarRows(ctx, env, s);
  const { sel, fields, pathDependent } = analyzeTableSelect(ctx, env, s);
  const path = ctx.session.parameters.get('search_path');
  return {
    fields,
    paramTypeOids: ctx.paramTypes,
    valid: (session) => sel.source.valid() && (!pathDependent || session.parameters.get('search_path') === path),
    rows: (ec, args) => runTableSelect(sel, ec, args),
  };
}

/** SELECT without FROM: one row of scalar expressions. */
function planScalarRows(ctx: BuildContext, env: EngineEnv, s: SelectStmt): RowPlan {
  rejectClauses(ctx, s);
  if (s.whereClause !== undefined) throw notSupported('WHERE without FROM is not supported by memstore');
  if ((s.sortClause?.length ?? 0) > 0) throw notSupported('ORDER BY without FROM is not supported by memstore');
  const exprs: ScalarExpr[] = [];
  const fields: FieldDescription[] = [];
  for (const t of s.targetList ?? []) {
    const rt = (t as { ResTarget: ResTarget }).ResTarget;
    if (rt.val !== undefined && 'ColumnRef' in rt.val && stringList(rt.val.ColumnRef.fields).includes('*')) {
      throw new SqlError(SQLSTATE.syntax_error, 'SELECT * with no tables specified is not valid');
    }
    const e = analyzeScalar(ctx, env, rt.val);
    exprs.push(e);
    fields.push(computedField(rt.name ?? e.name, e.type));
  }
  const limit = limitValue(ctx, s.limitCount);
  const offset = limitValue(ctx, s.limitOffset);
  return {
    fields,
    paramTypeOids: ctx.paramTypes,
    valid: alwaysValid,
    rows(ec, args) {
      const tz = timeZone(ec);
      const n = rowsLimit(limit, args, tz, 'LIMIT');
      const skip = rowsLimit(offset, args, tz, 'OFFSET');
      const values = exprs.map((e) => e.eval(ec, args));
      const done = (vs: (string | null)[]): Iterator<Uint8Array> => {
        if (n < 1 || skip > 0) return EMPTY;
        return [buildRow(vs)][Symbol.iterator]();
      };
      if (values.some((v) => v instanceof Promise)) return Promise.all(values.map((v) => Promise.resolve(v))).then(done);
      return done(values as (string | null)[]);
    },
  };
}

export function planSelect(ctx: BuildContext, env: EngineEnv, s: SelectStmt): Plan {
  const rp = planRows(ctx, env, s);
  const types = rp.fields.map((f) => f.typeOid);
  const sensitive = settingsSensitive(types);
  return {
    fields: rp.fields,
    paramTypeOids: rp.paramTypeOids,
    txExit: false,
    valid: (session) => rp.valid(session),
    run(ec, args): ExecResult | Promise<ExecResult> {
      const render = sensitive ? rowRenderer(types, outputSettings(ec.session.parameters), ec.resultFormats ?? null) : null;
      const rows = rp.rows(ec, args);
      if (rows instanceof Promise) return rows.then((r) => ({ kind: 'rows', rows: rendered(r, render), tag: selectTag }));
      return { kind: 'rows', rows: rendered(rows, render), tag: selectTag };
    },
  };
}

