/*
 * relations.ts — which of the primary's catalog relations the sidecar copies, and which of their
 * rows: the ones describing what the sidecar replicates, nothing else.
 *
 * The held sets (computed on the primary by read.ts, in the same transaction as the copy):
 *   tables      the store's tables that are live or being copied (skipped ones are not replicated)
 *   rels        tables + their indexes + the sequences their defaults or identity columns use
 *   nsps        schemas of rels and types, plus pg_catalog, information_schema, public, memstore
 *   types       built-in types (oid < 16384) + the types of rels' columns and rels' row types,
 *               closed over array, element and domain base types
 *   roles       owners of the above, the reading user, pg_database_owner
 * Each entry's `where` is SQL over the primary's relation, with `{rels}`, `{nsps}`, `{types}`,
 * `{tables}` replaced by oid[] literals and `{roles}` by ROLES_SQL. `key` is a unique key of the relation: the virtual
 * table is kept in that order (so `… WHERE c.oid = …` is a key lookup, as on the primary).
 *
 * Left out (later steps): pg_proc, pg_depend, pg_sequence, pg_tablespace, pg_settings and the
 * statistics views; information_schema (views over these relations on the primary).
 */

export interface CopiedRelation {
  /** Name in pg_catalog. */
  readonly name: string;
  /** Column names of a unique key, in key order. */
  readonly key: readonly string[];
  /** Row restriction (SQL over the relation; placeholders as in the header). */
  readonly where: string;
}

const PG_CLASS = `'pg_catalog.pg_class'::regclass`;

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
];

/** The held sets, computed on the primary from the store's table OIDs ($1). */
export const HELD_SETS_SQL = `
WITH RECURSIVE
  tabs AS (SELECT unnest($1::oid[]) AS oid),
  rels AS (
    SELECT oid FROM tabs
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

const NAMES = new Set(COPIED.map((c) => c.name));

/** Whether pg_catalog.<name> is one of the copied relations. */
export function isCopiedRelation(name: string): boolean {
  return NAMES.has(name);
}
