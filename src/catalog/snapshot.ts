/*
 * snapshot.ts — one immutable version of the copied catalog: the virtual relations the executor
 * scans (pg_catalog.pg_class & co as table states with rows in key order, exactly like a
 * replicated table) and the lookups the catalog functions compute from the same rows.
 *
 * A statement reads one snapshot from its start to its end (sql-plan.ts binds it with the plan;
 * the functions get it through the execution's settings): a refresh makes a new snapshot and
 * never changes an old one.
 *
 * Names resolve as PostgreSQL resolves them: a qualified name in its schema, an unqualified one
 * along the session's search_path with pg_catalog searched first unless the path lists it.
 *
 * Interface:
 *   CatalogSnapshot.build(data, version)   from what read.ts read
 *   relation(schema, name) / relations     the virtual relations (pg_catalog, information_schema)
 *   classOid / classInfo / tableVisible    pg_class by name (regclass) and by OID
 *   namespaceOid / namespaceName           pg_namespace
 *   typeOid / typeName                     pg_type (regtype)
 *   functionVisible                        pg_proc by name and argument types along the path
 *   roleName / description / deparsed      pg_roles, pg_description, the primary's deparser
 */
import type { Relation } from '../pg/relation.js';
import { RadixTree } from '../store/art.js';
import { encodeKey } from '../store/key-codec.js';
import { buildRow } from '../store/row.js';
import type { TableState } from '../store/store.js';
import { deparseKey, type CatalogColumnDef, type CatalogData, type CopiedTable, type DeparseKind } from './read.js';

export interface VirtualRelation {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly CatalogColumnDef[];
  /** Positions in columns of the unique key the rows are ordered by. */
  readonly keyColumns: readonly number[];
  /** The rows, read through the same interface as a replicated table's. */
  readonly state: TableState;
}

export interface ClassInfo {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  readonly kind: string;
}

export interface TypeEntry {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  /** pg_type.typtype ('b', 'd' domain, 'e' enum, …), typbasetype and typtypmod. */
  readonly typtype?: string;
  readonly baseType?: number;
  readonly baseTypmod?: number;
}

const PG_CATALOG_NSP = 11;

/** The copied pg_catalog relations that are views on the primary (pg_class shows relkind 'v'). */
const VIEWS = new Set(['pg_roles', 'pg_user', 'pg_tables', 'pg_views', 'pg_matviews', 'pg_settings', 'pg_stat_user_tables', 'pg_stat_all_tables']);

/** The schemas searched for an unqualified name: pg_catalog first unless the path places it. */
export function effectivePath(path: readonly string[]): readonly string[] {
  return path.includes('pg_catalog') ? path : ['pg_catalog', ...path];
}

export function virtualState(t: CopiedTable, keyColumns: readonly number[]): TableState {
  const relation: Relation = {
    oid: t.oid,
    schema: t.schema,
    name: t.name,
    replicaIdentity: 'index',
    columns: t.columns.map((c, i) => ({ name: c.name, typeOid: c.type, typeMod: c.typmod, isKey: keyColumns.includes(i) })),
  };
  const rows = new RadixTree();
  const keyTypes = keyColumns.map((i) => t.columns[i]!.type);
  for (const r of t.rows) {
    const key = encodeKey(keyTypes, keyColumns.map((i) => Buffer.from(r[i] ?? '', 'utf8')));
    rows.set(key, buildRow(r));
  }
  return { relation, status: 'live', reason: '', keyIndexes: [...keyColumns], keyTypeOids: keyTypes, rows, syncedAt: 0n, keyOrder: t.key };
}

/** Reads named columns of a copied table's rows. */
function columnReader(t: CopiedTable | undefined): (row: readonly (string | null)[], name: string) => string | null {
  const at = new Map((t?.columns ?? []).map((c, i) => [c.name, i]));
  return (row, name) => row[at.get(name) ?? -1] ?? null;
}

export class CatalogSnapshot {
  private readonly byName = new Map<string, VirtualRelation>();
  readonly relations = new Map<number, VirtualRelation>();
  private readonly classes = new Map<number, ClassInfo>();
  private readonly classByName = new Map<string, number>();
  private readonly nspNames = new Map<number, string>();
  private readonly nspOids = new Map<string, number>();
  private readonly types = new Map<number, TypeEntry>();
  private readonly typeByName = new Map<string, number>();
  private readonly roles = new Map<number, string>();
  private readonly descriptions = new Map<string, string>();
  /** pg_proc: oid → schema oid, name and argument types; `nsp.name(args)` → oid. */
  private readonly procs = new Map<number, { namespace: number; name: string; args: string }>();
  private readonly procBySignature = new Map<string, number>();

  private constructor(
    readonly version: number,
    private readonly data: CatalogData,
  ) {}

  static build(data: CatalogData, version: number): CatalogSnapshot {
    const s = new CatalogSnapshot(version, data);
    const get = (name: string): CopiedTable | undefined => data.tables.find((t) => t.schema === 'pg_catalog' && t.name === name);
    for (const t of data.tables) {
      const keyColumns = t.key.map((k) => t.columns.findIndex((c) => c.name === k));
      if (keyColumns.some((i) => i < 0)) continue;
      const v: VirtualRelation = { oid: t.oid, schema: t.schema, name: t.name, columns: t.columns, keyColumns, state: virtualState(t, keyColumns) };
      s.byName.set(`${t.schema}.${t.name}`, v);
      s.relations.set(t.oid, v);
    }
    const nsp = get('pg_namespace');
    const n = columnReader(nsp);
    for (const r of nsp?.rows ?? []) {
      s.nspNames.set(Number(n(r, 'oid')), n(r, 'nspname')!);
      s.nspOids.set(n(r, 'nspname')!, Number(n(r, 'oid')));
    }
    const cls = get('pg_class');
    const c = columnReader(cls);
    for (const r of cls?.rows ?? []) {
      const info: ClassInfo = { oid: Number(c(r, 'oid')), name: c(r, 'relname')!, namespace: Number(c(r, 'relnamespace')), kind: c(r, 'relkind')! };
      s.addClass(info);
    }
    // The copied relations themselves resolve as names (`'pg_catalog.pg_class'::regclass`).
    for (const v of s.relations.values()) {
      if (s.classes.has(v.oid)) continue;
      const view = v.schema === 'information_schema' || VIEWS.has(v.name);
      s.addClass({ oid: v.oid, name: v.name, namespace: s.nspOids.get(v.schema) ?? PG_CATALOG_NSP, kind: view ? 'v' : 'r' });
    }
    const pro = get('pg_proc');
    const p = columnReader(pro);
    for (const r of pro?.rows ?? []) {
      const e = { namespace: Number(p(r, 'pronamespace')), name: p(r, 'proname')!, args: p(r, 'proargtypes') ?? '' };
      s.procs.set(Number(p(r, 'oid')), e);
      s.procBySignature.set(`${e.namespace}.${e.name}(${e.args})`, Number(p(r, 'oid')));
    }
    const typ = get('pg_type');
    const t = columnReader(typ);
    for (const r of typ?.rows ?? []) {
      const e: TypeEntry = {
        oid: Number(t(r, 'oid')),
        name: t(r, 'typname')!,
        namespace: Number(t(r, 'typnamespace')),
        typtype: t(r, 'typtype') ?? 'b',
        baseType: Number(t(r, 'typbasetype') ?? 0),
        baseTypmod: Number(t(r, 'typtypmod') ?? -1),
      };
      s.types.set(e.oid, e);
      s.typeByName.set(`${e.namespace}.${e.name}`, e.oid);
    }
    const rol = get('pg_roles');
    const o = columnReader(rol);
    for (const r of rol?.rows ?? []) s.roles.set(Number(o(r, 'oid')), o(r, 'rolname')!);
    const des = get('pg_description');
    const d = columnReader(des);
    for (const r of des?.rows ?? []) s.descriptions.set(`${d(r, 'objoid')}/${d(r, 'classoid')}/${d(r, 'objsubid')}`, d(r, 'description')!);
    return s;
  }

  private addClass(info: ClassInfo): void {
    this.classes.set(info.oid, info);
    this.classByName.set(`${info.namespace}.${info.name}`, info.oid);
  }

  /** The copied relation <schema>.<name>. */
  relation(schema: string, name: string): VirtualRelation | undefined {
    return this.byName.get(`${schema}.${name}`);
  }

  procEntry(oid: number): { readonly namespace: number; readonly name: string } | undefined {
    return this.procs.get(oid);
  }

  /** The functions of that name in the first schema along the path that has any (regproc input). */
  functionsNamed(schema: string | null, name: string, path: readonly string[]): number[] {
    for (const s of schema === null ? effectivePath(path) : [schema]) {
      const nsp = this.nspOids.get(s);
      if (nsp === undefined) continue;
      const found: number[] = [];
      for (const [oid, e] of this.procs) if (e.namespace === nsp && e.name === name) found.push(oid);
      if (found.length > 0) return found;
    }
    return [];
  }

  /** pg_get_keywords() as the primary answered it. */
  get keywords(): readonly (string | null)[][] {
    return this.data.keywords;
  }

  /** The rows as read from the primary (dynamic.ts rebuilds some per plan). */
  copied(schema: string, name: string): CopiedTable | undefined {
    return this.data.tables.find((t) => t.schema === schema && t.name === name);
  }

  /** pg_function_is_visible: no schema earlier on the path has one of that name and arguments. */
  functionVisible(oid: number, path: readonly string[]): boolean | undefined {
    const e = this.procs.get(oid);
    if (e === undefined) return undefined;
    for (const s of effectivePath(path)) {
      const nsp = this.nspOids.get(s);
      if (nsp === undefined) continue;
      const found = this.procBySignature.get(`${nsp}.${e.name}(${e.args})`);
      if (found !== undefined) return found === oid;
    }
    return false;
  }

  get database(): string {
    return this.data.database;
  }

  namespaceName(oid: number): string | undefined {
    return this.nspNames.get(oid);
  }

  namespaceOid(name: string): number | undefined {
    return this.nspOids.get(name);
  }

  classInfo(oid: number): ClassInfo | undefined {
    return this.classes.get(oid);
  }

  /** A relation by (qualified) name, as regclass input finds it; undefined when none. */
  classOid(schema: string | null, name: string, path: readonly string[]): number | undefined {
    for (const s of schema === null ? effectivePath(path) : [schema]) {
      const nsp = this.nspOids.get(s);
      if (nsp === undefined) continue;
      const oid = this.classByName.get(`${nsp}.${name}`);
      if (oid !== undefined) return oid;
    }
    return undefined;
  }

  /** pg_table_is_visible: its schema is on the path and no earlier schema has the name. */
  tableVisible(oid: number, path: readonly string[]): boolean {
    const info = this.classes.get(oid);
    if (info === undefined) return false;
    return this.classOid(null, info.name, path) === oid;
  }

  /**
   * A domain's base type (getBaseTypeAndTypmod: through domains over domains) and the typmod it
   * carries; undefined when oid is no domain. PostgreSQL describes a domain column by its base.
   */
  domainBase(oid: number): { type: number; typmod: number } | undefined {
    let e = this.types.get(oid);
    if (e?.typtype !== 'd') return undefined;
    let typmod = -1;
    for (let depth = 0; e?.typtype === 'd' && depth < 32; depth++) {
      if (typmod === -1) typmod = e.baseTypmod ?? -1;
      oid = e.baseType ?? 0;
      e = this.types.get(oid);
    }
    return { type: oid, typmod };
  }

  typeEntry(oid: number): TypeEntry | undefined {
    return this.types.get(oid);
  }

  typeOid(schema: string | null, name: string, path: readonly string[]): number | undefined {
    for (const s of schema === null ? effectivePath(path) : [schema]) {
      const nsp = this.nspOids.get(s);
      if (nsp === undefined) continue;
      const oid = this.typeByName.get(`${nsp}.${name}`);
      if (oid !== undefined) return oid;
    }
    return undefined;
  }

  typeVisible(oid: number, path: readonly string[]): boolean {
    const e = this.types.get(oid);
    return e !== undefined && this.typeOid(null, e.name, path) === oid;
  }

  roleName(oid: number): string | undefined {
    return this.roles.get(oid);
  }

  roleOid(name: string): number | undefined {
    for (const [oid, n] of this.roles) if (n === name) return oid;
    return undefined;
  }

  description(objoid: number, classoid: number, subid: number): string | undefined {
    return this.descriptions.get(`${objoid}/${classoid}/${subid}`);
  }

  /** What the primary's deparser answered for these arguments, if it was asked. */
  deparsed(kind: DeparseKind, ...parts: readonly (string | number | boolean | null)[]): string | undefined {
    return this.data.deparsed.get(deparseKey(kind, ...parts));
  }
}
