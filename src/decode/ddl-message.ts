/*
 * ddl-message.ts — validates a `memstore.ddl` logical decoding message, emitted by the event
 * triggers of sql/memstore.sql inside the DDL's own transaction, and turns it into a typed value.
 *
 * Format v1:
 *   {"v":1,"tag":"ALTER TABLE","relations":[
 *      {"oid":16385,"schema":"public","name":"t",                     always
 *       "dropped":true,                                                 sql_drop only
 *       "rewrite":true,                                                 table_rewrite only
 *       "partitioned":true,                                             a partitioned table
 *       "publications":["memstore",…],                                  publications holding it now
 *       "identity":"d"|"n"|"f"|"i","key":["id",…],                      replica identity, key order
 *       "columns":[["id",23,-1],…]}]}                                   name, type oid, typmod (attnum order)
 * `tag` is the command tag (ALTER TABLE, CREATE TABLE, DROP TABLE, ALTER TYPE, ALTER DOMAIN,
 * ALTER PUBLICATION, …). For a type, the relations are every table with a column of that type,
 * of its array type, of a domain over it or of a composite containing it.
 *
 * Anything else — not JSON, another version, a relation without a valid oid or name — is a
 * MalformedDdl: the caller quarantines it like a bad memstore op (counted, logged, skipped),
 * never crashes. A skipped DDL message costs at most a missed resync that the periodic catalog
 * check (sidecar/catalog-check.ts) still catches when the column description changed.
 */
import type { ReplicaIdentity } from '../pg/relation.js';

export const DDL_PREFIX = 'memstore.ddl';

export interface DdlColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
}

export interface DdlRelation {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly dropped: boolean;
  /** The table is being rewritten (ALTER COLUMN TYPE … USING, a volatile DEFAULT): values change. */
  readonly rewrite: boolean;
  /** A partitioned table: ALTER TABLE may have attached or detached a partition (its rows changed). */
  readonly partitioned: boolean;
  /** undefined when the payload did not say (then the relation's publication is unknown). */
  readonly publications: readonly string[] | undefined;
  readonly identity: ReplicaIdentity | undefined;
  readonly key: readonly string[] | undefined;
  readonly columns: readonly DdlColumn[] | undefined;
}

export interface DdlMessage {
  readonly tag: string;
  readonly relations: readonly DdlRelation[];
}

export class MalformedDdl extends Error {
  override readonly name = 'MalformedDdl';
}

/** A DDL touching every table of a large database still fits; a bigger payload is hostile. */
const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
const MAX_NAME_CHARS = 256;
const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeDdlMessage(content: Uint8Array): DdlMessage {
  if (content.length > MAX_PAYLOAD_BYTES) throw new MalformedDdl(`payload of ${content.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(content));
  } catch {
    throw new MalformedDdl('payload is not UTF-8 JSON');
  }
  if (!isObject(doc)) throw new MalformedDdl('payload is not a JSON object');
  if (doc.v !== 1) throw new MalformedDdl(`unknown memstore.ddl version ${JSON.stringify(doc.v)}`);
  const tag = doc.tag;
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 64) throw new MalformedDdl('tag is not a command tag');
  if (!Array.isArray(doc.relations)) throw new MalformedDdl('relations is not an array');
  return { tag, relations: doc.relations.map((r: unknown, i: number) => relation(r, i)) };
}

function relation(r: unknown, i: number): DdlRelation {
  const at = `relations[${i}]`;
  if (!isObject(r)) throw new MalformedDdl(`${at} is not an object`);
  const oid = r.oid;
  if (typeof oid !== 'number' || !Number.isInteger(oid) || oid <= 0 || oid > 0xffffffff) throw new MalformedDdl(`${at}.oid is not an oid`);
  const schema = name(r.schema, `${at}.schema`);
  const relname = name(r.name, `${at}.name`);
  for (const flag of ['dropped', 'rewrite', 'partitioned'] as const) {
    if (r[flag] !== undefined && typeof r[flag] !== 'boolean') throw new MalformedDdl(`${at}.${flag} is not a boolean`);
  }
  let publications: string[] | undefined;
  if (r.publications !== undefined && r.publications !== null) {
    if (!Array.isArray(r.publications)) throw new MalformedDdl(`${at}.publications is not an array`);
    publications = r.publications.map((p: unknown) => name(p, `${at}.publications`));
  }
  let identity: ReplicaIdentity | undefined;
  if (r.identity !== undefined) {
    identity = typeof r.identity === 'string' ? IDENTITY[r.identity] : undefined;
    if (identity === undefined) throw new MalformedDdl(`${at}.identity is not d, n, f or i`);
  }
  let key: string[] | undefined;
  if (r.key !== undefined && r.key !== null) {
    if (!Array.isArray(r.key)) throw new MalformedDdl(`${at}.key is not an array`);
    key = r.key.map((k: unknown) => name(k, `${at}.key`));
  }
  let columns: DdlColumn[] | undefined;
  if (r.columns !== undefined && r.columns !== null) {
    if (!Array.isArray(r.columns)) throw new MalformedDdl(`${at}.columns is not an array`);
    columns = r.columns.map((c: unknown) => {
      if (!Array.isArray(c) || c.length !== 3 || !Number.isInteger(c[1]) || !Number.isInteger(c[2])) {
        throw new MalformedDdl(`${at}.columns has an entry that is not [name, type oid, typmod]`);
      }
      return { name: name(c[0], `${at}.columns`), typeOid: c[1] as number, typeMod: c[2] as number };
    });
  }
  return { oid, schema, name: relname, dropped: r.dropped === true, rewrite: r.rewrite === true, partitioned: r.partitioned === true, publications, identity, key, columns };
}

function name(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_CHARS) throw new MalformedDdl(`${at} is not a name`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
