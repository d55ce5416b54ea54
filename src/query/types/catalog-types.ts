/*
 * catalog-types.ts — the types of pg_catalog's columns that the other families do not cover:
 * the OID alias types (regclass, regtype, regnamespace, regrole, regproc), int2vector and
 * oidvector, and the output-only ones (pg_node_tree, aclitem, xid, …), with pg_cast's casts.
 *
 * The reg* types are OIDs (a number) that read and print as names, through the copied catalog
 * (EvalSettings.catalog) and the session's search_path: a name outside the path prints
 * schema-qualified, an OID the catalog does not know prints as the number, as in PostgreSQL.
 * Their text is read at run time unless it is all digits (coerce.ts asks readsCatalog), since
 * the answer depends on the catalog and the path.
 *
 * regproc is an OID too (the copied rows hold the number: read.ts reads regproc columns as oid):
 * it prints as the function's name, schema-qualified unless the name alone finds exactly it, and
 * reads a name through the copied pg_proc (42725 when overloaded, 42883 when none), as
 * regprocin/regprocout do.
 *
 * int2vector / oidvector are arrays with lower bound 0 (`indkey[0]` is the first column), printed
 * space-separated; they cast to int2[] / oid[] implicitly, as PostgreSQL's binary coercion does.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { typeByName } from '../../pg/types.js';
import { quoteIdent } from '../functions/format.js';
import type { ArrayValue, Datum } from './datum.js';
import { registerCast, registerType, typeInfo, type CastContext, type EvalSettings, type TypeInfo } from './registry.js';

export const REGPROC = 24;
export const INT2VECTOR = 22;
export const OIDVECTOR = 30;
export const PG_NODE_TREE = 194;
export const REGCLASS = 2205;
export const REGTYPE = 2206;
export const REGROLE = 4096;
export const REGNAMESPACE = 4089;
const INT2 = 21;
const INT4 = 23;
const INT8 = 20;
const OID = 26;
const TEXT = 25;
const VARCHAR = 1043;

const OID_ALIASES = [REGCLASS, REGTYPE, REGROLE, REGNAMESPACE, REGPROC] as const;

/** Whether a literal of this type must be read at run time (a name, resolved through the catalog). */
export function readsCatalog(type: number, text: string): boolean {
  return (type === REGCLASS || type === REGTYPE || type === REGROLE || type === REGNAMESPACE || type === REGPROC) && !/^\s*(\d+|-)\s*$/.test(text);
}

export function catalogNotRead(): SqlError {
  return new SqlError(SQLSTATE.object_not_in_prerequisite_state, 'the catalog has not been read from the primary yet');
}

/** A possibly qualified, possibly quoted name ("Sch"."tab", public.items) → its parts, folded. */
export function parseQualifiedName(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  let end = false;
  while (!end && (m = re.exec(text)) !== null && m[0] !== '') {
    out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
    end = m[3] !== '.';
  }
  if (!end || re.lastIndex < text.length) throw new SqlError(SQLSTATE.invalid_name, `invalid name syntax`);
  return out;
}

function catalogOf(s: EvalSettings): NonNullable<EvalSettings['catalog']> {
  if (s.catalog === undefined) throw catalogNotRead();
  return s.catalog;
}

function oidText(text: string): number | undefined {
  const t = text.trim();
  if (t === '-') return 0;
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  if (n > 4294967295) throw new SqlError(SQLSTATE.numeric_value_out_of_range, `value "${text}" is out of range for type oid`);
  return n;
}

function regclassIn(text: string, s: EvalSettings): number {
  const n = oidText(text);
  if (n !== undefined) return n;
  const c = catalogOf(s);
  const parts = parseQualifiedName(text);
  if (parts.length > 2) throw new SqlError(SQLSTATE.feature_not_supported, `cross-database references are not implemented: ${text}`);
  const oid = c.snapshot.classOid(parts.length === 2 ? parts[0]! : null, parts[parts.length - 1]!, c.searchPath);
  if (oid === undefined) throw new SqlError(SQLSTATE.undefined_table, `relation "${text}" does not exist`);
  return oid;
}

function regclassOut(d: Datum, s: EvalSettings): string {
  const c = catalogOf(s);
  const oid = d as number;
  const info = c.snapshot.classInfo(oid);
  if (info === undefined) return String(oid);
  if (c.snapshot.tableVisible(oid, c.searchPath)) return quoteIdent(info.name);
  return `${quoteIdent(c.snapshot.namespaceName(info.namespace) ?? '?')}.${quoteIdent(info.name)}`;
}

function regtypeIn(text: string, s: EvalSettings): number {
  const n = oidText(text);
  if (n !== undefined) return n;
  let t = text.trim();
  let array = false;
  if (t.endsWith('[]')) {
    array = true;
    t = t.slice(0, -2).trim();
  }
  const lower = t.toLowerCase().replace(/\s+/g, ' ');
  let oid = typeByName(lower === 'character varying' || lower === 'double precision' ? [lower] : parseQualifiedName(t));
  if (oid === undefined && s.catalog !== undefined) {
    const parts = parseQualifiedName(t);
    oid = s.catalog.snapshot.typeOid(parts.length === 2 ? parts[0]! : null, parts[parts.length - 1]!, s.catalog.searchPath);
  }
  if (oid !== undefined && array) oid = typeInfo(oid).array || undefined;
  if (oid === undefined) throw new SqlError(SQLSTATE.undefined_object, `type "${text.trim()}" does not exist`);
  return oid;
}

/** format_type(oid, NULL), as the primary answered it when known. */
export function regtypeOut(d: Datum, s: EvalSettings): string {
  const oid = d as number;
  const known = s.catalog?.snapshot.deparsed('format_type', oid, null);
  if (known !== undefined) return known;
  const t = typeInfo(oid);
  return t.sqlName.startsWith('oid ') ? String(oid) : t.sqlName;
}

function regnamespaceIn(text: string, s: EvalSettings): number {
  const n = oidText(text);
  if (n !== undefined) return n;
  const parts = parseQualifiedName(text);
  const oid = parts.length === 1 ? catalogOf(s).snapshot.namespaceOid(parts[0]!) : undefined;
  if (oid === undefined) throw new SqlError(SQLSTATE.undefined_schema, `schema "${text}" does not exist`);
  return oid;
}

function regroleIn(text: string, s: EvalSettings): number {
  const n = oidText(text);
  if (n !== undefined) return n;
  const parts = parseQualifiedName(text);
  const oid = parts.length === 1 ? catalogOf(s).snapshot.roleOid(parts[0]!) : undefined;
  if (oid === undefined) throw new SqlError(SQLSTATE.undefined_object, `role "${text}" does not exist`);
  return oid;
}

function regprocOut(d: Datum, s: EvalSettings): string {
  const oid = d as number;
  const c = catalogOf(s);
  const p = c.snapshot.procEntry(oid);
  if (p === undefined) return String(oid);
  const found = c.snapshot.functionsNamed(null, p.name, c.searchPath);
  if (found.length === 1 && found[0] === oid) return quoteIdent(p.name);
  return `${quoteIdent(c.snapshot.namespaceName(p.namespace) ?? '?')}.${quoteIdent(p.name)}`;
}

function regprocIn(name: string, s: EvalSettings): number {
  const n = oidText(name);
  if (n !== undefined) return n;
  const parts = parseQualifiedName(name);
  const c = catalogOf(s);
  const oids = c.snapshot.functionsNamed(parts.length === 2 ? parts[0]! : null, parts[parts.length - 1]!, c.searchPath);
  if (oids.length === 1) return oids[0]!;
  if (oids.length === 0) throw new SqlError(SQLSTATE.undefined_function, `function "${name}" does not exist`);
  throw new SqlError(SQLSTATE.ambiguous_function, `more than one function named "${name}"`);
}

const numCompare = (a: Datum, b: Datum): number => (a as number) - (b as number);

function oidAlias(oid: number, name: string, array: number, input: (t: string, s: EvalSettings) => number, output: (d: Datum, s: EvalSettings) => string): TypeInfo {
  return {
    oid,
    name,
    sqlName: name,
    category: 'N',
    preferred: false,
    len: 4,
    elem: 0,
    array,
    input: (text, _typmod, s) => input(text, s),
    // InvalidOid prints as "-" for every OID alias type (regclassout & co).
    output: (d, s) => ((d as number) === 0 ? '-' : output(d, s as EvalSettings)),
    compare: numCompare,
    hashKey: (d) => d as number,
  };
}

function vectorType(oid: number, name: string, elem: number, array: number): TypeInfo {
  return {
    oid,
    name,
    sqlName: name,
    category: 'A',
    preferred: false,
    len: -1,
    elem,
    array,
    input(text, _typmod, s) {
      const words = text.trim() === '' ? [] : text.trim().split(/\s+/);
      const items = words.map((w) => typeInfo(elem).input(w, -1, s));
      const a: ArrayValue = { elemType: elem, dims: items.length === 0 ? [] : [items.length], lbounds: items.length === 0 ? [] : [0], items };
      return a;
    },
    output: (d) => (d as ArrayValue).items.map((x) => String(x as number)).join(' '),
    compare: (a, b) => {
      const x = (a as ArrayValue).items;
      const y = (b as ArrayValue).items;
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
      return x.length - y.length;
    },
    hashKey: (d) => (d as ArrayValue).items.map((x) => String(x as number)).join(' '),
  };
}

/** A type the executor only passes through: the primary's text, equality by text. */
function textOnly(oid: number, name: string, category: string, array: number): TypeInfo {
  return { oid, name, sqlName: name, category, preferred: false, len: -1, elem: 0, array, input: (t) => t, output: (d) => d as string, hashKey: (d) => d as string };
}

export function registerCatalogTypes(): void {
  registerType(oidAlias(REGCLASS, 'regclass', 2210, regclassIn, regclassOut));
  registerType(oidAlias(REGTYPE, 'regtype', 2211, regtypeIn, regtypeOut));
  registerType(oidAlias(REGNAMESPACE, 'regnamespace', 4090, regnamespaceIn, (d, s) => {
    const oid = d as number;
    const name = catalogOf(s).snapshot.namespaceName(oid);
    return name === undefined ? String(oid) : quoteIdent(name);
  }));
  registerType(oidAlias(REGROLE, 'regrole', 4097, regroleIn, (d, s) => {
    const oid = d as number;
    const name = catalogOf(s).snapshot.roleName(oid);
    return name === undefined ? String(oid) : quoteIdent(name);
  }));
  registerType(oidAlias(REGPROC, 'regproc', 1008, regprocIn, regprocOut));
  registerType(vectorType(INT2VECTOR, 'int2vector', INT2, 1006));
  registerType(vectorType(OIDVECTOR, 'oidvector', OID, 1013));
  registerType(textOnly(PG_NODE_TREE, 'pg_node_tree', 'Z', 0));
  registerType(textOnly(1033, 'aclitem', 'U', 1034));
  for (const [oid, name] of [[27, 'tid'], [28, 'xid'], [29, 'cid'], [5069, 'xid8'], [2277, 'anyarray']] as const) registerType(textOnly(oid, name, oid === 2277 ? 'P' : 'U', 0));

  const cast = (source: number, target: number, context: CastContext, convert: (d: Datum, s: EvalSettings) => Datum): void => registerCast({ source, target, context, convert });
  const same = (d: Datum): Datum => d;
  const toOid = (d: Datum): Datum => ((d as number) < 0 ? (d as number) + 4294967296 : d);
  for (const reg of OID_ALIASES) {
    cast(OID, reg, 'i', same);
    cast(reg, OID, 'i', same);
    cast(INT2, reg, 'i', toOid);
    cast(INT4, reg, 'i', toOid);
    cast(INT8, reg, 'i', (d) => Number(d));
    cast(reg, INT4, 'a', (d) => ((d as number) > 2147483647 ? (d as number) - 4294967296 : d));
    cast(reg, INT8, 'a', (d) => BigInt(d as number));
  }
  cast(TEXT, REGCLASS, 'i', (d, s) => regclassIn(d as string, s));
  cast(VARCHAR, REGCLASS, 'i', (d, s) => regclassIn(d as string, s));
  cast(INT2VECTOR, 1005, 'i', same);
  cast(OIDVECTOR, 1028, 'i', same);
}
