/*
 * manifest.ts — what a dump directory holds and how it is named.
 *
 *   <data-dir>/dumps/dump-<16 hex digits of the LSN>/
 *       manifest.json          format, LSN, relations (columns, type OIDs, typmods, key), counts,
 *                              sha256 and size of every file, sidecar id, time
 *       public.items.copy      one file per table, PostgreSQL COPY text, rows in key order
 *       memstore.copy          memstore keys as (key bytea, value jsonb, expires_at timestamptz),
 *                              COPY text, key order; expires_at is NULL for keys without expiry
 *                              and in UTC otherwise. Dumps written before expiry existed have the
 *                              first two columns only (no `columns` in the manifest) and load as
 *                              keys without expiry. Expired keys not yet swept are kept, expiry
 *                              and all, so they stay expired after a load.
 *
 * A directory is complete only once it carries its final name: it is written as `tmp-…`, every
 * file and the directory are fsynced, then it is renamed (and the parent fsynced). A crash leaves
 * the old dump or the new one, never half of one; `tmp-` leftovers are removed at start.
 */
import type { Relation } from '../pg/relation.js';
import { formatLsn, parseLsn, type Lsn } from '../lsn.js';

export const MANIFEST_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';
export const MEMSTORE_FILE = 'memstore.copy';
export const MEMSTORE_COLUMNS: readonly string[] = ['key', 'value', 'expires_at'];

export interface FileEntry {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** A tree image of the same rows (tree-image.ts): the fast path of a restart. */
export interface ImageEntry extends FileEntry {
  readonly format: number;
}

export interface RelationEntry extends FileEntry {
  readonly image?: ImageEntry;
  readonly relation: Relation;
  /** Key column names in key order. */
  readonly keyOrder: readonly string[];
  readonly status: 'live' | 'skipped';
  readonly reason: string;
}

export interface Manifest {
  readonly format: number;
  /** The store is consistent at this LSN (exclusive: commits before it are in). */
  readonly lsn: string;
  readonly sidecarId: string;
  readonly slot: string;
  readonly createdAt: string;
  readonly relations: readonly RelationEntry[];
  readonly memstore: FileEntry & { readonly image?: ImageEntry; readonly columns?: readonly string[] };
  /** Set when the memstore keys may miss ops (see Store.memstoreStale); carried across restarts. */
  readonly memstoreStale?: string;
}

export function dumpDirName(lsn: Lsn): string {
  return `dump-${lsn.toString(16).toUpperCase().padStart(16, '0')}`;
}

/** The LSN in a dump directory's name, or undefined for anything else. */
export function lsnOfDumpDir(name: string): Lsn | undefined {
  const m = /^dump-([0-9A-F]{16})$/.exec(name);
  return m ? BigInt('0x' + m[1]!) : undefined;
}

/** A file name for a table: readable when the name is plain, the OID otherwise. */
export function relationFileName(r: Relation): string {
  const plain = /^[A-Za-z0-9_]+$/;
  return plain.test(r.schema) && plain.test(r.name) ? `${r.schema}.${r.name}.copy` : `rel-${r.oid}.copy`;
}

export class CorruptDump extends Error {
  override readonly name = 'CorruptDump';
}

/** Parses and checks a manifest's shape (not the files: see load.ts). */
export function parseManifest(text: string): Manifest & { lsnValue: Lsn } {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new CorruptDump('manifest.json is not JSON');
  }
  const o = m as Partial<Manifest>;
  if (o.format !== MANIFEST_FORMAT) throw new CorruptDump(`manifest format ${String(o.format)} is not ${MANIFEST_FORMAT}`);
  if (typeof o.lsn !== 'string' || !Array.isArray(o.relations) || typeof o.memstore !== 'object' || o.memstore === null) {
    throw new CorruptDump('manifest.json lacks lsn, relations or memstore');
  }
  let lsnValue: Lsn;
  try {
    lsnValue = parseLsn(o.lsn);
  } catch {
    throw new CorruptDump(`manifest lsn "${o.lsn}" is not an LSN`);
  }
  for (const r of o.relations as Partial<RelationEntry>[]) {
    if (!r || typeof r.file !== 'string' || typeof r.sha256 !== 'string' || !r.relation || !Array.isArray(r.relation.columns)) {
      throw new CorruptDump('manifest.json has a malformed relation entry');
    }
  }
  return { ...(o as Manifest), lsnValue };
}

export function manifestLsn(lsn: Lsn): string {
  return formatLsn(lsn);
}
