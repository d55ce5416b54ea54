/*
 * relations.ts — which of the primary's catalog relations the sidecar copies, and which of their
 * rows: the ones describing what the sidecar replicates, nothing else.
 *
 * The held sets (computed on the primary by read.ts, in the same transaction as the copy):
 *   tables      the store's tables that are live or being copied (skipped ones are not replicated)
 *   rels        tables + their indexes + the sequences their defaults or identity columns use
 *               + the copied relations themselves (pg_class shows pg_tables, information_schema.columns, …)
 *   nsps        schemas of rels and types, plus pg_catalog, information_schema, public, memstore
 *   types       built-in types (oid < 16384) + the types of rels' columns and rels' row types,
 *               closed over array, element and domain base types
 *   roles       owners of the above, the reading user, pg_database_owner
 * Each entry's `where` is SQL over the primary's relation, with `{rels}`, `{nsps}`, `{types}`,
 * `{tables}` replaced by oid[] literals and `{roles}` by ROLES_SQL. `key` is a unique key of the relation: the virtual
 * table is kept in that order (so `… WHERE c.oid = …` is a key lookup, as on the primary).
 *
 * Views (pg_tables, information_schema.columns, …) are copied as the primary computes them, not
 * re-defined here: their rows restricted to what is held (by names, as the views expose no OIDs),
 * their domain-typed columns described by the base type as PostgreSQL's RowDescription does.
 * Their `key` is the natural key of the view's rows (PostgreSQL declares none).
 * Functions (pg_proc): the built-ins (oid < 16384, information_schema's helpers included) and
 * those in the held schemas, so `\df` lists what it lists on the primary.
 *
 * Left out (later steps): pg_depend, pg_tablespace, pg_stat_activity.
 */

export interface CopiedRelation {
  /** Schema on the primary (pg_catalog unless said). */
  readonly schema?: 'information_schema';
  /** Name in its schema. */
  readonly name: string;
  /** Column names of a unique key, in key order. */
  readonly key: readonly string[];
  /** Row restriction (SQL over the relation; placeholders as in the header). */
  readonly where: string;
}

const PG_CLASS = `'pg_catalog.pg_class'::regclass`;

/** The functions described: built-ins and those in the held schemas. */
const PROCS = `(oid < 16384 OR pronamespace = ANY({nsps}))`;

/** (schema, name) of the held relations, for views that show names only. */
const REL_NAMES = `SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY({rels})`;
const TABLE_NAMES = REL_NAMES.replace('{rels}', '{tables}');
const NSP_NAMES = `SELECT nspname::text FROM pg_catalog.pg_namespace WHERE oid = ANY({nsps})`;
/** The views copied below, as pg_views and information_schema.views list them. */
const VIEW_NAMES = `SELECT 'pg_catalog', unnest(ARRAY['pg_tables', 'pg_views', 'pg_matviews', 'pg_roles', 'pg_user', 'pg_settings',
    'pg_stat_user_tables', 'pg_stat_all_tables'])
  UNION ALL SELECT 'information_schema', unnest(ARRAY['schemata', 'tables', 'columns', 'views', 'table_constraints', 'key_column_usage',
    'referential_constraints', 'constraint_column_usage', 'routines'])`;

/** The roles described: owners of what is copied, the reading user, pg_database_owner. */
export const ROLES_SQL = `SELECT relowner FROM pg_catalog.pg_class WHERE oid = ANY({rels})
  UNION SELECT nspowner FROM pg_catalog.pg_namespace WHERE oid = ANY({nsps})
  UNION SELECT typowner FROM pg_catalog.pg_type WHERE oid = ANY({types})
  UNION SELECT datdba FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
  UNION SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user OR r.rolname = 'pg_database_owner'`;

export const COPIED: readonly CopiedRelation[] = [
  { name: 'pg_namespace', key: ['oid'], where: 'oid = ANY({nsps})' },
  { name: 'pg_class', key: ['oid'], where: 'oid = ANY({rels})' },
  { name: 'pg_attribute', key: ['attrelid', 'attnum'], where: 'attrelid = ANY({rels})' },
  { name: 'pg_type', key: ['oid'], where: 'oid = ANY({types})' },
  { name: 'pg_index', key: ['indexrelid'], where: 'indrelid = ANY({tables})' },
  { name: 'pg_constraint', key: ['oid'], where: 'conrelid = ANY({rels}) OR (conrelid = 0 AND contypid = ANY({types}))' },
  { name: 'pg_attrdef', key: ['oid'], where: 'adrelid = ANY({rels})' },
  {
    name: 'pg_description',
    key: ['objoid', 'classoid', 'objsubid'],
    where: `(classoid = ${PG_CLASS} AND objoid = ANY({rels}))
      OR (classoid = 'pg_catalog.pg_namespace'::regclass AND objoid = ANY({nsps}))
      OR (classoid = 'pg_catalog.pg_type'::regclass AND objoid = ANY({types}))
      OR (classoid = 'pg_catalog.pg_proc'::regclass AND objoid IN (SELECT oid FROM pg_catalog.pg_proc WHERE ${PROCS}))
      OR (classoid = 'pg_catalog.pg_constraint'::regclass AND objoid IN (SELECT oid FROM pg_catalog.pg_constraint WHERE conrelid = ANY({rels})))`,
  },
  { name: 'pg_inherits', key: ['inhrelid', 'inhseqno'], where: 'inhrelid = ANY({rels}) AND inhparent = ANY({rels})' },
  { name: 'pg_collation', key: ['oid'], where: 'true' },
  { name: 'pg_am', key: ['oid'], where: 'true' },
  { name: 'pg_enum', key: ['oid'], where: 'enumtypid = ANY({types})' },
  { name: 'pg_database', key: ['oid'], where: 'datname = pg_catalog.current_database()' },
  { name: 'pg_roles', key: ['oid'], where: 'oid IN ({roles})' },
  { name: 'pg_auth_members', key: ['oid'], where: 'roleid IN ({roles}) AND member IN ({roles})' },
  // What psql's \d TABLE reads besides the above (policies, extended statistics, publications,
  // triggers): copied for the held relations so its footers are the primary's.
  { name: 'pg_policy', key: ['oid'], where: 'polrelid = ANY({rels})' },
  { name: 'pg_statistic_ext', key: ['oid'], where: 'stxrelid = ANY({rels})' },
  { name: 'pg_publication', key: ['oid'], where: 'true' },
  { name: 'pg_publication_rel', key: ['oid'], where: 'prrelid = ANY({rels})' },
  { name: 'pg_publication_namespace', key: ['oid'], where: 'pnnspid = ANY({nsps})' },
  { name: 'pg_trigger', key: ['oid'], where: 'tgrelid = ANY({rels})' },
  { name: 'pg_sequence', key: ['seqrelid'], where: 'seqrelid = ANY({rels})' },
  { name: 'pg_proc', key: ['oid'], where: PROCS },
  { name: 'pg_language', key: ['oid'], where: 'true' },
  { name: 'pg_aggregate', key: ['aggfnoid'], where: `aggfnoid IN (SELECT oid FROM pg_catalog.pg_proc WHERE ${PROCS})` },
  { name: 'pg_user', key: ['usesysid'], where: 'usesysid IN ({roles})' },
  // The sidecar's own state in the primary's rows (dynamic.ts).
  { name: 'pg_settings', key: ['name'], where: 'true' },
  { name: 'pg_stat_user_tables', key: ['relid'], where: 'relid = ANY({tables})' },
  { name: 'pg_stat_all_tables', key: ['relid'], where: 'relid = ANY({tables})' },
  // Views, as the primary computes them (header).
  { name: 'pg_tables', key: ['schemaname', 'tablename'], where: `(schemaname::text, tablename::text) IN (${TABLE_NAMES})` },
  { name: 'pg_views', key: ['schemaname', 'viewname'], where: `(schemaname::text, viewname::text) IN (${VIEW_NAMES})` },
  { name: 'pg_matviews', key: ['schemaname', 'matviewname'], where: `(schemaname::text, matviewname::text) IN (${TABLE_NAMES})` },
  { schema: 'information_schema', name: 'schemata', key: ['schema_name'], where: `schema_name::text IN (${NSP_NAMES})` },
  {
    schema: 'information_schema',
    name: 'tables',
    key: ['table_schema', 'table_name'],
    where: `(table_schema::text, table_name::text) IN (${TABLE_NAMES} UNION ALL ${VIEW_NAMES})`,
  },
  {
    schema: 'information_schema',
    name: 'columns',
    key: ['table_schema', 'table_name', 'ordinal_position'],
    where: `(table_schema::text, table_name::text) IN (${TABLE_NAMES} UNION ALL ${VIEW_NAMES})`,
  },
  { schema: 'information_schema', name: 'views', key: ['table_schema', 'table_name'], where: `(table_schema::text, table_name::text) IN (${VIEW_NAMES})` },
  {
    schema: 'information_schema',
    name: 'table_constraints',
    key: ['table_schema', 'table_name', 'constraint_schema', 'constraint_name'],
    where: `(table_schema::text, table_name::text) IN (${TABLE_NAMES})`,
  },
  {
    schema: 'information_schema',
    name: 'key_column_usage',
    key: ['table_schema', 'table_name', 'constraint_schema', 'constraint_name', 'ordinal_position'],
    where: `(table_schema::text, table_name::text) IN (${TABLE_NAMES})`,
  },
  {
    schema: 'information_schema',
    name: 'referential_constraints',
    // XXX two tables' foreign keys of one name in one schema: only one row is kept.
    key: ['constraint_schema', 'constraint_name'],
    where: `(constraint_schema::text, constraint_name::text) IN (SELECT n.nspname::text, k.conname::text FROM pg_catalog.pg_constraint k
      JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace WHERE k.contype = 'f' AND k.conrelid = ANY({tables}))`,
  },
  {
    schema: 'information_schema',
    name: 'constraint_column_usage',
    key: ['table_schema', 'table_name', 'column_name', 'constraint_schema', 'constraint_name'],
    where: `(table_schema::text, table_name::text) IN (${TABLE_NAMES})`,
  },
  {
    schema: 'information_schema',
    name: 'routines',
    key: ['specific_schema', 'specific_name'],
    where: `routine_schema::text IN (${NSP_NAMES})`,
  },
];

/** The held sets, computed on the primary from the store's table OIDs ($1) and COPIED's names ($2). */
export const HELD_SETS_SQL = `
WITH RECURSIVE
  tabs AS (SELECT unnest($1::oid[]) AS oid),
  rels AS (
    SELECT oid FROM tabs
    UNION SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname::text || '.' || c.relname::text = ANY($2::text[])
    UNION SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid IN (SELECT oid FROM tabs)
    UNION SELECT d.refobjid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON d.objid = ad.oid
      WHERE d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.refclassid = ${PG_CLASS} AND ad.adrelid IN (SELECT oid FROM tabs)
    UNION SELECT d.objid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      WHERE d.classid = ${PG_CLASS} AND d.refclassid = ${PG_CLASS} AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM tabs)
  ),
  types AS (
    SELECT oid FROM pg_catalog.pg_type WHERE oid < 16384
    UNION SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid IN (SELECT oid FROM rels) AND atttypid <> 0
    UNION SELECT reltype FROM pg_catalog.pg_class WHERE oid IN (SELECT oid FROM rels) AND reltype <> 0
    UNION SELECT v.x FROM types t JOIN pg_catalog.pg_type p ON p.oid = t.oid,
      LATERAL (VALUES (p.typarray), (p.typelem), (p.typbasetype)) v(x) WHERE v.x <> 0
  )
SELECT
  (SELECT coalesce(array_agg(oid), '{}') FROM rels)::text AS rels,
  (SELECT coalesce(array_agg(oid), '{}') FROM types)::text AS types,
  (SELECT coalesce(array_agg(DISTINCT n), '{}') FROM (
     SELECT relnamespace AS n FROM pg_catalog.pg_class WHERE oid IN (SELECT oid FROM rels)
     UNION SELECT typnamespace FROM pg_catalog.pg_type WHERE oid IN (SELECT oid FROM types)
     UNION SELECT oid FROM pg_catalog.pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema', 'public', 'memstore')
   ) s)::text AS nsps`;

const NAMES = new Set(COPIED.map((c) => `${c.schema ?? 'pg_catalog'}.${c.name}`));

/** Whether <schema>.<name> is one of the copied relations. */
export function isCopiedRelation(schema: string, name: string): boolean {
  return NAMES.has(`${schema}.${name}`);
}

/** The schemas whose relations are copied ones (never replicated tables). */
export const CATALOG_SCHEMAS: readonly string[] = ['pg_catalog', 'information_schema'];
