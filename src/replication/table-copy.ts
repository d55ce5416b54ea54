/*
 * table-copy.ts — copies published tables under an exported snapshot (the initial sync, and a
 * table added to the publication later).
 *
 * The copy runs on an ordinary connection in a REPEATABLE READ transaction that imports the
 * slot's snapshot, so it sees exactly the commits before the slot's consistent point; the stream
 * then delivers exactly the later ones. Publication column lists and row filters (PG15+) are
 * honoured, so the copy holds the same columns and rows the stream will.
 */
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import type { Relation, ReplicaIdentity } from '../decode/pgoutput.js';
import { quoteIdent, quoteLiteral, sqlClient, type SourceOptions } from './connection.js';

export interface PublishedTable {
  readonly relation: Relation;
  /** Key column names in the key's order. */
  readonly keyOrder: readonly string[];
  readonly rowFilter: string | null;
  /** pg_attribute.attnum of each column of `relation` (the catalog check compares them). */
  readonly attnums: readonly number[];
}

const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

/** The tables of a publication as the stream will describe them. */
export async function publishedTables(client: pg.Client, publication: string, onlyOids?: readonly number[]): Promise<PublishedTable[]> {
  const tables = await client.query<{ oid: number; nspname: string; relname: string; relreplident: string; attnames: string[] | null; rowfilter: string | null }>(
    `SELECT c.oid::int4 AS oid, n.nspname, c.relname, c.relreplident::text, pt.attnames::text[] AS attnames, pt.rowfilter
       FROM pg_publication_tables pt
       JOIN pg_namespace n ON n.nspname = pt.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
      WHERE pt.pubname = $1
      ORDER BY 2, 3`,
    [publication],
  );
  const out: PublishedTable[] = [];
  for (const t of tables.rows) {
    if (onlyOids && !onlyOids.includes(t.oid)) continue;
    const cols = await client.query<{ attname: string; atttypid: number; atttypmod: number; attnum: number }>(
      `SELECT attname, atttypid::int4 AS atttypid, atttypmod, attnum::int4 AS attnum FROM pg_attribute
        WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
        ORDER BY attnum`,
      [t.oid],
    );
    const identity = IDENTITY[t.relreplident] ?? 'default';
    let keyOrder: string[] = [];
    if (identity === 'default' || identity === 'index') {
      const k = await client.query<{ attname: string }>(
        `SELECT a.attname FROM pg_index i
           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indrelid = $1 AND ${identity === 'default' ? 'i.indisprimary' : 'i.indisreplident'}
          ORDER BY k.ord`,
        [t.oid],
      );
      keyOrder = k.rows.map((r) => r.attname);
    }
    const published = t.attnames ? new Set(t.attnames) : null;
    const shown = cols.rows.filter((c) => !published || published.has(c.attname));
    const columns = shown
      .map((c) => ({
        name: c.attname,
        typeOid: c.atttypid,
        typeMod: c.atttypmod,
        isKey: identity === 'full' ? true : keyOrder.includes(c.attname),
      }));
    out.push({
      relation: { oid: t.oid, schema: t.nspname, name: t.relname, replicaIdentity: identity, columns },
      keyOrder,
      rowFilter: t.rowfilter,
      attnums: shown.map((c) => c.attnum),
    });
  }
  return out;
}

export interface SnapshotCopy {
  readonly client: pg.Client;
  close(): Promise<void>;
}

/** Opens a connection whose transaction sees the exported snapshot. */
export async function openSnapshot(source: SourceOptions, snapshotName: string): Promise<SnapshotCopy> {
  const client = sqlClient(source);
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    client,
    async close() {
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

/** Streams one table's rows in COPY text format, chunk by chunk, to `onChunk`. */
export async function copyTable(client: pg.Client, table: PublishedTable, onChunk: (chunk: Buffer) => void): Promise<void> {
  const r = table.relation;
  const cols = r.columns.map((c) => quoteIdent(c.name)).join(', ');
  const qualified = `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;
  const sql = table.rowFilter
    ? `COPY (SELECT ${cols} FROM ${qualified} WHERE ${table.rowFilter}) TO STDOUT`
    : `COPY ${qualified} (${cols}) TO STDOUT`;
  const stream = client.query(copyTo(sql));
  for await (const chunk of stream) onChunk(chunk as Buffer);
}
