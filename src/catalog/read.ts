/*
 * read.ts — reads the primary's own catalog rows for what the sidecar replicates, in one
 * REPEATABLE READ READ ONLY transaction over an ordinary connection (the sidecar's source).
 *
 * PostgreSQL 17 is the oracle: rows are copied as the primary prints them (text format, under
 * the source connection's fixed output settings), and the column names and types of each copied
 * relation are the primary's own pg_attribute rows for pg_catalog.pg_class & co, so `SELECT *`
 * looks the same on both sides. What only the primary's deparser can answer (pg_get_indexdef,
 * pg_get_constraintdef, pg_get_expr, format_type, pg_get_triggerdef, …) is asked in the same
 * transaction for every object copied, and served later from the map `deparsed` (keys below).
 *
 * Interface:
 *   readCatalog(client, held)   CatalogData (throws on any error; the caller keeps the old copy)
 *   deparseKey(kind, …parts)    the key of one precomputed answer
 */
import type pg from 'pg';
import { COPIED, HELD_SETS_SQL, ROLES_SQL } from './relations.js';

export interface CatalogColumnDef {
  readonly name: string;
  readonly type: number;
  readonly typmod: number;
}

export interface CopiedTable {
  /** The relation's schema and name, and its OID on the primary. */
  readonly schema: string;
  readonly name: string;
  readonly oid: number;
  readonly columns: readonly CatalogColumnDef[];
  readonly key: readonly string[];
  /** Text values as the primary printed them, null for NULL. */
  readonly rows: (string | null)[][];
}

/** A table the store holds, as the catalog restricts pg_attribute to what is held. */
export interface HeldTable {
  readonly oid: number;
  /** Its schema and name in the store (information_schema rows name tables, not OIDs). */
  readonly schema?: string;
  readonly name?: string;
  /** Column names the store holds (a publication's column list leaves some out). */
  readonly columns: readonly string[];
}

export interface CatalogData {
  readonly tables: readonly CopiedTable[];
  readonly deparsed: ReadonlyMap<string, string>;
  /** The primary's current_user when read (a pg_roles row is kept for it). */
  readonly sourceUser: string;
  readonly database: string;
  /** pg_get_keywords() of the primary, as text rows (word, catcode, barelabel, catdesc, baredesc). */
  readonly keywords: readonly (string | null)[][];
}

export type DeparseKind =
  | 'indexdef'
  | 'constraintdef'
  | 'expr'
  | 'format_type'
  | 'triggerdef'
  | 'statcols'
  | 'function_result'
  | 'function_arguments'
  | 'function_identity_arguments'
  | 'functiondef'
  | 'function_sqlbody'
  | 'serial_sequence'
  | 'viewdef';

export function deparseKey(kind: DeparseKind, ...parts: readonly (string | number | boolean | null)[]): string {
  return `${kind}\u0000${parts.map((p) => (p === null ? '\u0001' : String(p))).join('\u0000')}`;
}

const REGPROC = 24;

/** Raw text for every type: the rows are kept as the primary printed them. */
const RAW: pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };

async function rows(client: pg.Client, text: string, values: unknown[] = []): Promise<(string | null)[][]> {
  const r = await client.query<(string | null)[]>({ text, values, rowMode: 'array', types: RAW });
  return r.rows;
}

function oidArray(text: string): string {
  return `'${text.replace(/[^0-9,{}]/g, '')}'::pg_catalog.oid[]`;
}

export async function readCatalog(client: pg.Client, held: readonly HeldTable[]): Promise<CatalogData> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const data = await readInTransaction(client, held);
    await client.query('COMMIT');
    return data;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function readInTransaction(client: pg.Client, held: readonly HeldTable[]): Promise<CatalogData> {
  const tabsText = `{${held.map((t) => t.oid).join(',')}}`;
  const copiedNames = COPIED.map((c) => `${c.schema ?? 'pg_catalog'}.${c.name}`);
  const [sets] = await rows(client, HELD_SETS_SQL, [tabsText, copiedNames]);
  const sub: Record<string, string> = { rels: oidArray(sets![0]!), types: oidArray(sets![1]!), nsps: oidArray(sets![2]!), tables: oidArray(tabsText) };
  const fill = (sql: string): string =>
    sql.replace(/\{roles\}/g, ROLES_SQL).replace(/\{(rels|types|nsps|tables)\}/g, (_m, k: string) => sub[k]!);
  const [who] = await rows(client, 'SELECT current_user::text, pg_catalog.current_database()::text');

  const names = copiedNames;
  // A domain-typed column (information_schema's sql_identifier & co) is described by its base
  // type, as PostgreSQL's RowDescription describes it.
  const defs = await rows(
    client,
    `SELECT n.nspname::text, c.relname::text, c.oid::text, a.attname::text,
            (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::text,
            (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      WHERE n.nspname::text || '.' || c.relname::text = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY n.nspname, c.relname, a.attnum`,
    [names],
  );
  const columnsOf = new Map<string, { oid: number; columns: CatalogColumnDef[] }>();
  for (const [nsp, rel, oid, name, type, typmod] of defs) {
    let e = columnsOf.get(`${nsp!}.${rel!}`);
    if (e === undefined) columnsOf.set(`${nsp!}.${rel!}`, (e = { oid: Number(oid), columns: [] }));
    e.columns.push({ name: name!, type: Number(type), typmod: Number(typmod) });
  }

  const tables: CopiedTable[] = [];
  for (const c of COPIED) {
    const schema = c.schema ?? 'pg_catalog';
    const def = columnsOf.get(`${schema}.${c.name}`);
    if (def === undefined) continue; // not on this server version
    // regproc columns as numbers: their names are ambiguous for overloaded functions.
    const list = def.columns.map((col) => (col.type === REGPROC ? `t.${quote(col.name)}::pg_catalog.oid` : `t.${quote(col.name)}`)).join(', ');
    let data = await rows(client, `SELECT ${list} FROM ${schema}.${c.name} t WHERE ${fill(c.where)}`);
    if (c.name === 'pg_attribute') data = heldColumnsOnly(data, def.columns, held);
    if (schema === 'information_schema' && c.name === 'columns') data = heldNamedColumnsOnly(data, def.columns, held);
    tables.push({ schema, name: c.name, oid: def.oid, columns: def.columns, key: c.key, rows: data });
  }
  const deparsed = await readDeparsed(client, fill);
  const keywords = await rows(client, 'SELECT word, catcode, barelabel, catdesc, baredesc FROM pg_catalog.pg_get_keywords()');
  return { tables, deparsed, sourceUser: who![0]!, database: who![1]!, keywords };
}

function quote(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A publication's column list: the table's user columns the store does not hold are left out. */
function heldColumnsOnly(data: (string | null)[][], columns: readonly CatalogColumnDef[], held: readonly HeldTable[]): (string | null)[][] {
  const at = (n: string): number => columns.findIndex((c) => c.name === n);
  const [rel, num, name, dropped] = [at('attrelid'), at('attnum'), at('attname'), at('attisdropped')];
  const byOid = new Map(held.map((t) => [String(t.oid), new Set(t.columns)]));
  return data.filter((r) => {
    const cols = byOid.get(r[rel]!);
    return cols === undefined || Number(r[num]) <= 0 || r[dropped] === 't' || cols.has(r[name]!);
  });
}

/** information_schema.columns restricted like pg_attribute (by names: the view shows no OIDs). */
function heldNamedColumnsOnly(data: (string | null)[][], columns: readonly CatalogColumnDef[], held: readonly HeldTable[]): (string | null)[][] {
  const at = (n: string): number => columns.findIndex((c) => c.name === n);
  const [schema, table, name] = [at('table_schema'), at('table_name'), at('column_name')];
  const byName = new Map(held.filter((t) => t.name !== undefined).map((t) => [`${t.schema}.${t.name}`, new Set(t.columns)]));
  return data.filter((r) => {
    const cols = byName.get(`${r[schema]}.${r[table]}`);
    return cols === undefined || cols.has(r[name]!);
  });
}

async function readDeparsed(client: pg.Client, fill: (sql: string) => string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const put = (key: string, v: string | null): void => {
    if (v !== null) out.set(key, v);
  };
  for (const [oid, col, pretty, plain] of await rows(
    client,
    fill(`SELECT i.indexrelid::text, k::text, pg_catalog.pg_get_indexdef(i.indexrelid, k, true), pg_catalog.pg_get_indexdef(i.indexrelid, k, false)
            FROM pg_catalog.pg_index i, pg_catalog.generate_series(0, i.indnatts) k WHERE i.indrelid = ANY({tables})`),
  )) {
    put(deparseKey('indexdef', oid!, col!, true), pretty!);
    put(deparseKey('indexdef', oid!, col!, false), plain!);
  }
  for (const [oid, pretty, plain] of await rows(
    client,
    fill(`SELECT oid::text, pg_catalog.pg_get_constraintdef(oid, true), pg_catalog.pg_get_constraintdef(oid, false)
            FROM pg_catalog.pg_constraint WHERE ${COPIED.find((c) => c.name === 'pg_constraint')!.where}`),
  )) {
    put(deparseKey('constraintdef', oid!, true), pretty!);
    put(deparseKey('constraintdef', oid!, false), plain!);
  }
  // pg_get_expr(node tree, relation): defaults, index expressions and predicates, CHECK
  // expressions, partition bounds — each with the relation the primary's deparser needs.
  for (const [tree, rel, pretty, plain] of await rows(
    client,
    fill(`SELECT e.tree::text, e.rel::text, pg_catalog.pg_get_expr(e.tree, e.rel, true), pg_catalog.pg_get_expr(e.tree, e.rel, false) FROM (
            SELECT adbin AS tree, adrelid AS rel FROM pg_catalog.pg_attrdef WHERE adrelid = ANY({rels})
            UNION ALL SELECT indexprs, indrelid FROM pg_catalog.pg_index WHERE indrelid = ANY({tables}) AND indexprs IS NOT NULL
            UNION ALL SELECT indpred, indrelid FROM pg_catalog.pg_index WHERE indrelid = ANY({tables}) AND indpred IS NOT NULL
            UNION ALL SELECT conbin, conrelid FROM pg_catalog.pg_constraint WHERE conrelid = ANY({rels}) AND conbin IS NOT NULL
            UNION ALL SELECT relpartbound, oid FROM pg_catalog.pg_class WHERE oid = ANY({rels}) AND relpartbound IS NOT NULL
          ) e`),
  )) {
    put(deparseKey('expr', tree!, rel!, true), pretty!);
    put(deparseKey('expr', tree!, rel!, false), plain!);
  }
  for (const [type, typmod, text] of await rows(
    client,
    fill(`SELECT DISTINCT atttypid::text, atttypmod::text, pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute WHERE attrelid = ANY({rels}) AND atttypid <> 0`),
  )) {
    put(deparseKey('format_type', type!, typmod!), text!);
  }
  for (const [type, text] of await rows(client, fill(`SELECT oid::text, pg_catalog.format_type(oid, NULL) FROM pg_catalog.pg_type WHERE oid = ANY({types})`))) {
    put(deparseKey('format_type', type!, null), text!);
  }
  for (const [oid, pretty, plain] of await rows(
    client,
    fill(`SELECT oid::text, pg_catalog.pg_get_triggerdef(oid, true), pg_catalog.pg_get_triggerdef(oid, false) FROM pg_catalog.pg_trigger WHERE tgrelid = ANY({rels})`),
  )) {
    put(deparseKey('triggerdef', oid!, true), pretty!);
    put(deparseKey('triggerdef', oid!, false), plain!);
  }
  for (const [oid, text] of await rows(
    client,
    fill(`SELECT oid::text, pg_catalog.pg_get_statisticsobjdef_columns(oid) FROM pg_catalog.pg_statistic_ext WHERE stxrelid = ANY({rels})`),
  )) {
    put(deparseKey('statcols', oid!), text!);
  }
  for (const [oid, col, seq] of await rows(
    client,
    fill(`SELECT a.attrelid::text, a.attname::text, pg_catalog.pg_get_serial_sequence(a.attrelid::pg_catalog.regclass::text, a.attname)
            FROM pg_catalog.pg_attribute a WHERE a.attrelid = ANY({tables}) AND a.attnum > 0 AND NOT a.attisdropped
             AND (a.attidentity <> '' OR a.atthasdef)`),
  )) {
    put(deparseKey('serial_sequence', oid!, col!), seq ?? null);
  }
  for (const [oid, body] of await rows(
    client,
    fill(`SELECT oid::text, pg_catalog.pg_get_function_sqlbody(oid) FROM pg_catalog.pg_proc WHERE prosqlbody IS NOT NULL AND pronamespace = ANY({nsps})`),
  )) {
    put(deparseKey('function_sqlbody', oid!), body!);
  }
  for (const [oid, result, args, identity, def] of await rows(
    client,
    fill(`SELECT oid::text, pg_catalog.pg_get_function_result(oid), pg_catalog.pg_get_function_arguments(oid),
                 pg_catalog.pg_get_function_identity_arguments(oid),
                 CASE WHEN oid >= 16384 AND prokind <> 'a' THEN pg_catalog.pg_get_functiondef(oid) END
            FROM pg_catalog.pg_proc WHERE oid < 16384 OR pronamespace = ANY({nsps})`),
  )) {
    put(deparseKey('function_result', oid!), result!);
    put(deparseKey('function_arguments', oid!), args!);
    put(deparseKey('function_identity_arguments', oid!), identity!);
    put(deparseKey('functiondef', oid!), def!);
  }
  for (const [oid, pretty, plain] of await rows(
    client,
    `SELECT c.oid::text, pg_catalog.pg_get_viewdef(c.oid, true), pg_catalog.pg_get_viewdef(c.oid, false) FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'v' AND n.nspname::text || '.' || c.relname::text = ANY($1::text[])`,
    [COPIED.map((c) => `${c.schema ?? 'pg_catalog'}.${c.name}`)],
  )) {
    put(deparseKey('viewdef', oid!, true), pretty!);
    put(deparseKey('viewdef', oid!, false), plain!);
  }
  return out;
}
