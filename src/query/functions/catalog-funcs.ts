/*
 * catalog-funcs.ts — the system functions tools call about the catalog: pg_typeof, format_type,
 * the primary's deparsers (pg_get_indexdef, pg_get_constraintdef, pg_get_expr,
 * pg_get_triggerdef, pg_get_statisticsobjdef_columns, pg_get_function_result / _arguments /
 * _identity_arguments, pg_get_functiondef, pg_get_viewdef), visibility and names
 * (pg_table_is_visible, pg_function_is_visible, pg_type_is_visible, pg_get_userbyid, current_schema(s)), comments
 * (obj_description, col_description), privileges (has_*_privilege: true for what is held),
 * pg_encoding_to_char, pg_partition_ancestors, pg_relation_is_publishable.
 *
 * The deparsers answer what the primary answered for the same arguments when the catalog was
 * read (catalog/read.ts asks it for every copied object); anything else is computed from the
 * copied rows of the execution's snapshot (EvalSettings.catalog). Arguments the primary was not
 * asked about get NULL, as PostgreSQL answers for an OID it does not know.
 *
 * pg_relation_size & co are the table's memory in the store (the sidecar has no files): psql's
 * `\dt+` runs, its Size column differs from the primary's.
 *
 * pg_get_keywords() is the primary's list, read with the catalog.
 *
 * Left out: pg_get_viewdef of a name (text), shobj_description.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { ArrayValue, Datum, RecordValue } from '../types/datum.js';
import { catalogNotRead, PG_NODE_TREE, REGCLASS, REGTYPE, registerCatalogTypes, regtypeOut } from '../types/catalog-types.js';
import type { CatalogContext } from '../types/registry.js';
import { typeInfo } from '../types/registry.js';
import { Pseudo, registerFunc, type CallContext } from './registry.js';
import { registerSettingsFuncs } from './settings-funcs.js';

const BOOL = 16;
const CHAR = 18;
const NAME = 19;
const INT2 = 21;
const INT4 = 23;
const INT2_ARRAY = 1005;
const INT8 = 20;
const TEXT = 25;
const OID = 26;
const NAME_ARRAY = 1003;

/** PostgreSQL's classoid of the catalogs obj_description is asked about (pg_class & co). */
const PG_CLASS = 1259;

type Call = (args: readonly Datum[], cx: CallContext) => Datum;

function fn(name: string, args: readonly number[], returns: number, call: Call, strict = true): void {
  registerFunc({ name, kind: 'func', args, returns, strict, volatility: 's', call });
}

function cat(cx: CallContext): CatalogContext {
  const c = cx.settings.catalog;
  if (c === undefined) throw catalogNotRead();
  return c;
}

/** A relation named by text, as has_table_privilege('items', …) reads it (42P01 when unknown). */
function relationByText(text: string, cx: CallContext): number {
  return typeInfo(REGCLASS).input(text, -1, cx.settings) as number;
}

function formatType(oid: number, typmod: number | null, cx: CallContext): string {
  const c = cx.settings.catalog;
  const exact = c?.snapshot.deparsed('format_type', oid, typmod);
  if (exact !== undefined) return exact;
  if (typmod !== null && typmod >= 0) {
    const f = typeInfo(oid).formatTypmod;
    if (f !== undefined) return f(typmod);
  }
  return regtypeOut(oid, cx.settings);
}

/** The existing schemas of the session's path; pg_catalog first with `implicit` unless listed. */
function currentSchemas(cx: CallContext, implicit: boolean): string[] {
  const session = cx.settings.session;
  if (session === undefined) return [];
  const out: string[] = [];
  if (implicit && !session.searchPath.includes('pg_catalog')) out.push('pg_catalog');
  for (const s of session.searchPath) if (session.schemaExists(s) && !out.includes(s)) out.push(s);
  return out;
}

function nameArray(items: readonly string[]): ArrayValue {
  return { elemType: NAME, dims: items.length === 0 ? [] : [items.length], lbounds: items.length === 0 ? [] : [1], items };
}

const ENCODINGS: readonly string[] = [
  'SQL_ASCII', 'EUC_JP', 'EUC_CN', 'EUC_KR', 'EUC_TW', 'EUC_JIS_2004', 'UTF8', 'MULE_INTERNAL', 'LATIN1', 'LATIN2', 'LATIN3', 'LATIN4',
  'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10', 'WIN1256', 'WIN1258', 'WIN866', 'WIN874', 'KOI8R', 'WIN1251', 'WIN1252',
  'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8', 'WIN1250', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1257', 'KOI8U', 'SJIS', 'BIG5',
  'GBK', 'UHC', 'GB18030', 'JOHAB', 'SHIFT_JIS_2004',
];

/** pg_size_pretty(bigint) as dbsize.c computes it: bytes below 10 kB, then halving-rounded units. */
export function sizePretty(bytes: bigint): string {
  const units = [
    { name: 'bytes', limit: 10n * 1024n, round: false, bits: 0n },
    { name: 'kB', limit: 20n * 1024n - 1n, round: true, bits: 10n },
    { name: 'MB', limit: 20n * 1024n - 1n, round: true, bits: 20n },
    { name: 'GB', limit: 20n * 1024n - 1n, round: true, bits: 30n },
    { name: 'TB', limit: 20n * 1024n - 1n, round: true, bits: 40n },
    { name: 'PB', limit: 20n * 1024n - 1n, round: true, bits: 50n },
  ];
  const halfRounded = (x: bigint): bigint => (x + (x < 0n ? -1n : 1n)) / 2n;
  let size = bytes;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const next = units[i + 1];
    if (next === undefined || (size < 0n ? -size : size) < u.limit) {
      if (u.round) size = halfRounded(size);
      return `${size} ${u.name}`;
    }
    const bits = next.bits - u.bits - (next.round ? 1n : 0n) + (u.round ? 1n : 0n);
    size /= 1n << bits;
  }
  return `${size} bytes`;
}

export function registerCatalogFuncs(): void {
  registerCatalogTypes();
  registerSettingsFuncs();
  // Not strict: pg_typeof(NULL) is "unknown". The argument's resolved type is the answer.
  registerFunc({ name: 'pg_typeof', kind: 'func', args: [Pseudo.any], returns: REGTYPE, strict: false, volatility: 's', call: (_args, cx) => cx.argTypes[0] ?? Pseudo.unknown });

  // format_type(type, typmod): NULL type → NULL; NULL typmod → the bare name.
  fn('format_type', [OID, INT4], TEXT, (a, cx) => (a[0] === null ? null : formatType(a[0] as number, a[1] as number | null, cx)), false);

  const deparsed = (kind: Parameters<CatalogContext['snapshot']['deparsed']>[0]) => (cx: CallContext, ...parts: (string | number | boolean | null)[]): Datum =>
    cat(cx).snapshot.deparsed(kind, ...parts) ?? null;
  const indexdef = deparsed('indexdef');
  fn('pg_get_indexdef', [OID], TEXT, (a, cx) => indexdef(cx, a[0] as number, 0, false));
  fn('pg_get_indexdef', [OID, INT4, BOOL], TEXT, (a, cx) => indexdef(cx, a[0] as number, a[1] as number, a[2] as boolean));
  const constraintdef = deparsed('constraintdef');
  fn('pg_get_constraintdef', [OID], TEXT, (a, cx) => constraintdef(cx, a[0] as number, false));
  fn('pg_get_constraintdef', [OID, BOOL], TEXT, (a, cx) => constraintdef(cx, a[0] as number, a[1] as boolean));
  const expr = deparsed('expr');
  fn('pg_get_expr', [PG_NODE_TREE, OID], TEXT, (a, cx) => expr(cx, a[0] as string, a[1] as number, false));
  fn('pg_get_expr', [PG_NODE_TREE, OID, BOOL], TEXT, (a, cx) => expr(cx, a[0] as string, a[1] as number, a[2] as boolean));
  const triggerdef = deparsed('triggerdef');
  fn('pg_get_triggerdef', [OID], TEXT, (a, cx) => triggerdef(cx, a[0] as number, false));
  fn('pg_get_triggerdef', [OID, BOOL], TEXT, (a, cx) => triggerdef(cx, a[0] as number, a[1] as boolean));
  const statcols = deparsed('statcols');
  fn('pg_get_statisticsobjdef_columns', [OID], TEXT, (a, cx) => statcols(cx, a[0] as number));
  // Functions (pg_proc's built-ins and those of the held schemas) and the copied views.
  for (const kind of ['function_result', 'function_arguments', 'function_identity_arguments', 'functiondef', 'function_sqlbody'] as const) {
    const f = deparsed(kind);
    fn(`pg_get_${kind}`, [OID], TEXT, (a, cx) => f(cx, a[0] as number));
  }
  // pg_get_serial_sequence(table, column): the primary's answer for the held tables' columns.
  fn('pg_get_serial_sequence', [TEXT, TEXT], TEXT, (a, cx) => cat(cx).snapshot.deparsed('serial_sequence', relationByText(a[0] as string, cx), a[1] as string) ?? null);
  const viewdef = deparsed('viewdef');
  fn('pg_get_viewdef', [OID], TEXT, (a, cx) => viewdef(cx, a[0] as number, false));
  fn('pg_get_viewdef', [OID, BOOL], TEXT, (a, cx) => viewdef(cx, a[0] as number, a[1] as boolean));
  fn('pg_function_is_visible', [OID], BOOL, (a, cx) => {
    const c = cat(cx);
    return c.snapshot.functionVisible(a[0] as number, c.searchPath) ?? null;
  });

  fn('pg_get_userbyid', [OID], NAME, (a, cx) => cat(cx).snapshot.roleName(a[0] as number) ?? `unknown (OID=${a[0] as number})`);
  fn('pg_table_is_visible', [OID], BOOL, (a, cx) => {
    const c = cat(cx);
    return c.snapshot.classInfo(a[0] as number) === undefined ? null : c.snapshot.tableVisible(a[0] as number, c.searchPath);
  });
  fn('pg_type_is_visible', [OID], BOOL, (a, cx) => {
    const c = cat(cx);
    return c.snapshot.typeEntry(a[0] as number) === undefined ? null : c.snapshot.typeVisible(a[0] as number, c.searchPath);
  });
  // current_user & co: the sidecar's login (its sessions have no SET ROLE).
  for (const name of ['current_user', 'session_user']) fn(name, [], NAME, (_a, cx) => cx.settings.session?.user ?? null, false);
  fn('current_database', [], NAME, (_a, cx) => cx.settings.session?.database ?? null, false);
  fn('current_schema', [], NAME, (_a, cx) => currentSchemas(cx, false)[0] ?? null, false);
  fn('current_schemas', [BOOL], NAME_ARRAY, (a, cx) => nameArray(currentSchemas(cx, a[0] as boolean)));

  // obj_description(oid, catalog name): the comment on the object in that catalog.
  fn('obj_description', [OID, NAME], TEXT, (a, cx) => {
    const c = cat(cx);
    const catalogOid = c.snapshot.classOid('pg_catalog', a[1] as string, []);
    return catalogOid === undefined ? null : (c.snapshot.description(a[0] as number, catalogOid, 0) ?? null);
  });
  fn('obj_description', [OID], TEXT, () => null); // deprecated form: any catalog; XXX not answered
  fn('col_description', [OID, INT4], TEXT, (a, cx) => cat(cx).snapshot.description(a[0] as number, PG_CLASS, a[1] as number) ?? null);

  // Privileges: a reader may read every relation the sidecar holds (the sidecar has its own
  // login; the primary's grants do not apply to it).
  const exists = (oid: number, cx: CallContext): Datum => (cat(cx).snapshot.classInfo(oid) === undefined ? null : true);
  const privilege = (name: string): void => {
    fn(name, [TEXT, TEXT], BOOL, (a, cx) => exists(relationByText(a[0] as string, cx), cx));
    fn(name, [OID, TEXT], BOOL, (a, cx) => exists(a[0] as number, cx));
    fn(name, [NAME, TEXT, TEXT], BOOL, (a, cx) => exists(relationByText(a[1] as string, cx), cx));
    fn(name, [NAME, OID, TEXT], BOOL, (a, cx) => exists(a[1] as number, cx));
    fn(name, [OID, OID, TEXT], BOOL, (a, cx) => exists(a[1] as number, cx));
  };
  privilege('has_table_privilege');
  privilege('has_any_column_privilege');
  privilege('has_sequence_privilege');
  const schemaOk = (nsp: number | undefined): Datum => {
    if (nsp === undefined) throw new SqlError(SQLSTATE.undefined_schema, 'schema does not exist');
    return true;
  };
  fn('has_schema_privilege', [TEXT, TEXT], BOOL, (a, cx) => schemaOk(cat(cx).snapshot.namespaceOid(a[0] as string)));
  fn('has_schema_privilege', [OID, TEXT], BOOL, (a, cx) => (cat(cx).snapshot.namespaceName(a[0] as number) === undefined ? null : true));
  fn('has_schema_privilege', [NAME, TEXT, TEXT], BOOL, (a, cx) => schemaOk(cat(cx).snapshot.namespaceOid(a[1] as string)));
  fn('has_schema_privilege', [NAME, OID, TEXT], BOOL, (a, cx) => (cat(cx).snapshot.namespaceName(a[1] as number) === undefined ? null : true));
  fn('has_column_privilege', [OID, INT4, TEXT], BOOL, (a, cx) => exists(a[0] as number, cx));
  fn('has_column_privilege', [OID, TEXT, TEXT], BOOL, (a, cx) => exists(a[0] as number, cx));
  fn('has_column_privilege', [TEXT, TEXT, TEXT], BOOL, (a, cx) => exists(relationByText(a[0] as string, cx), cx));
  fn('has_database_privilege', [TEXT, TEXT], BOOL, () => true);
  fn('has_database_privilege', [OID, TEXT], BOOL, () => true);

  // Sizes: a replicated table's memory in the store (the sidecar has no files); 0 for the
  // other relations it describes (indexes and sequences are not held apart from the tree).
  const size = (a: readonly Datum[], cx: CallContext): Datum => {
    const c = cat(cx);
    const oid = a[0] as number;
    if (c.snapshot.classInfo(oid) === undefined) return null;
    return BigInt(c.relationSize(oid) ?? 0);
  };
  for (const name of ['pg_relation_size', 'pg_table_size', 'pg_total_relation_size']) fn(name, [REGCLASS], INT8, size);
  fn('pg_relation_size', [REGCLASS, TEXT], INT8, (a, cx) => (a[1] === 'main' ? size(a, cx) : 0n));
  fn('pg_indexes_size', [REGCLASS], INT8, (a, cx) => (cat(cx).snapshot.classInfo(a[0] as number) === undefined ? null : 0n));
  fn('pg_size_pretty', [INT8], TEXT, (a) => sizePretty(a[0] as bigint));

  fn('pg_encoding_to_char', [INT4], NAME, (a) => ENCODINGS[a[0] as number] ?? '');

  // pg_get_keywords(): the primary's answer (its parser's keyword list), in FROM as DBeaver sends it.
  const KEYWORD_TYPES = [TEXT, CHAR, BOOL, TEXT, TEXT];
  registerFunc({
    name: 'pg_get_keywords',
    kind: 'func',
    args: [],
    returns: Pseudo.record,
    strict: true,
    volatility: 's',
    *set(_a, cx) {
      for (const row of cat(cx).snapshot.keywords) {
        const fields = row.map((v, i) => (v === null ? null : typeInfo(KEYWORD_TYPES[i]!).input(v, -1, cx.settings)));
        const rec: RecordValue = { types: KEYWORD_TYPES, fields };
        yield rec;
      }
    },
    setColumns: ['word', 'catcode', 'barelabel', 'catdesc', 'baredesc'].map((name, i) => ({ name, type: KEYWORD_TYPES[i]! })),
  });

  // pg_partition_ancestors(rel): the relation itself, then its parents up the partition tree.
  registerFunc({
    name: 'pg_partition_ancestors',
    kind: 'func',
    args: [REGCLASS],
    returns: REGCLASS,
    strict: true,
    volatility: 'v',
    setColumnName: 'relid',
    *set(a, cx) {
      const info = cat(cx).snapshot.classInfo(a[0] as number);
      if (info === undefined || !['r', 'p', 'i', 'I'].includes(info.kind)) return;
      yield info.oid;
      // XXX ancestors of a partition (pg_inherits walk) are not listed yet.
    },
  });
  // information_schema._pg_expandarray(int2[]): (x, n) per element, as pgjdbc's getPrimaryKeys
  // and getIndexInfo expand pg_index.indkey.
  const EXPAND_TYPES = [INT2, INT4];
  registerFunc({
    name: 'information_schema._pg_expandarray',
    kind: 'func',
    args: [INT2_ARRAY],
    returns: Pseudo.record,
    strict: true,
    volatility: 'i',
    *set(a) {
      const arr = a[0] as ArrayValue;
      for (let i = 0; i < arr.items.length; i++) {
        const rec: RecordValue = { types: EXPAND_TYPES, fields: [arr.items[i]!, i + 1] };
        yield rec;
      }
    },
    setColumns: [
      { name: 'x', type: INT2 },
      { name: 'n', type: INT4 },
    ],
  });
  fn('pg_relation_is_publishable', [REGCLASS], BOOL, (a, cx) => {
    const c = cat(cx);
    const info = c.snapshot.classInfo(a[0] as number);
    if (info === undefined) return null;
    return (info.kind === 'r' || info.kind === 'p') && c.snapshot.namespaceName(info.namespace) !== 'pg_catalog' && c.snapshot.namespaceName(info.namespace) !== 'information_schema';
  });
}
