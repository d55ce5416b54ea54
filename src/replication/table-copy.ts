/*
 * table-copy.ts — copies published tables under an exported snapshot (the initial sync, and a
 * table added to the publication later).
 *
 * The copy runs on an ordinary connection in a REPEATABLE READ transaction that imports the
 * slot's snapshot, so it sees exactly the commits before the slot's consistent point; the stream
 * then delivers exactly the later ones. Publication column lists and row filters (PG15+) are
 * honoured, so the copy holds the same columns and rows the stream will.
 *
 * Partitioned tables: pg_publication_tables lists what the stream will name. With
 * publish_via_partition_root it is the root (its changes, from every partition, arrive as the
 * root's), copied with COPY (SELECT … FROM root), since COPY cannot read a partitioned table
 * directly; without it, each leaf partition is a table of its own. An ordinary table is read with
 * ONLY, so rows of tables inheriting from it (published, or not, on their own) stay out.
 */
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import type { Relation, ReplicaIdentity } from '../pg/relation.js';
import { quoteIdent, quoteLiteral, sqlClient, type SourceOptions } from './connection.js';

export interface PublishedTable {
  /** The table as stored: the stream's columns and the generated ones, in attnum order. */
  readonly relation: Relation;
  /** Key column names in the key's order. */
  readonly keyOrder: readonly string[];
  readonly rowFilter: string | null;
  /** A partitioned table (published through its root): its rows are those of all its partitions. */
  readonly partitioned: boolean;
  /** Of a partitioned table: its leaf partitions' OIDs, ascending (the rows it is made of). */
  readonly leaves: readonly number[];
  /** pg_attribute.attnum of each column of `relation` (the catalog check compares them). */
  readonly attnums: readonly number[];
}

const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

/** The tables of a publication as the stream will describe them. */
export async function publishedTables(client: pg.Client, publication: string, onlyOids?: readonly number[]): Promise<PublishedTable[]> {
  const tables = await client.query<{ oid: number; nspname: string; relname: string; relreplident: string; relkind: string; attnames: string[] | null; rowfilter: string | null }>(
    `SELECT c.oid::int4 AS oid, n.nspname, c.relname, c.relreplident::text, c.relkind::text, pt.attnames::text[] AS attnames, pt.rowfilter
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
    // A generated column comes with its expression: pgoutput does not send its values, the
    // sidecar computes them at apply (relation.ts RelationColumn.generated); COPY lists it.
    const attrs = await client.query<{ attname: string; atttypid: number; atttypmod: number; attnum: number; expr: string | null }>(
      `SELECT a.attname, a.atttypid::int4 AS atttypid, a.atttypmod, a.attnum::int4 AS attnum,
              CASE WHEN a.attgenerated <> '' THEN coalesce(pg_get_expr(d.adbin, d.adrelid), '') END AS expr
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
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
    // pg_publication_tables never lists generated columns (PostgreSQL 17), nor can a column list
    // name one. The store holds them unless a column list leaves out some other column: their
    // expressions may read what is not published.
    const listed = !published || attrs.rows.every((c) => c.expr !== null || published.has(c.attname));
    const shown = attrs.rows.filter((c) => (c.expr !== null ? listed : !published || published.has(c.attname)));
    const columns = shown
      .map((c) => ({
        name: c.attname,
        typeOid: c.atttypid,
        typeMod: c.atttypmod,
        isKey: identity === 'full' ? true : keyOrder.includes(c.attname),
        ...(c.expr !== null ? { generated: c.expr } : {}),
      }));
    const leaves = t.relkind === 'p' ? await leafPartitions(client, t.oid) : [];
    out.push({
      relation: { oid: t.oid, schema: t.nspname, name: t.relname, replicaIdentity: identity, columns },
      keyOrder,
      rowFilter: t.rowfilter,
      partitioned: t.relkind === 'p',
      leaves,
      attnums: shown.map((c) => c.attnum),
    });
  }
  return out;
}

/** The leaf partitions of a partitioned table, OIDs ascending. */
export async function leafPartitions(client: pg.Client, oid: number): Promise<number[]> {
  const r = await client.query<{ oid: number }>('SELECT relid::int4 AS oid FROM pg_partition_tree($1) WHERE isleaf ORDER BY 1', [oid]);
  return r.rows.map((row) => row.oid);
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
  const sql = copySql(table);
  const stream = client.query(copyTo(sql));
  for await (const chunk of stream) onChunk(chunk as Buffer);
}

/** The COPY … TO STDOUT that reads exactly the rows and columns the stream will carry. */
export function copySql(table: PublishedTable): string {
  const r = table.relation;
  const cols = r.columns.map((c) => quoteIdent(c.name)).join(', ');
  const qualified = `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;
  // PostgreSQL 17 refuses a generated column in COPY's column list ("… is a generated column"):
  // a table with some is read through a SELECT.
  const generated = r.columns.some((c) => c.generated !== undefined);
  if (!table.partitioned && !table.rowFilter && !generated) return `COPY ${qualified} (${cols}) TO STDOUT`;
  const from = table.partitioned ? qualified : `ONLY ${qualified}`;
  return `COPY (SELECT ${cols} FROM ${from}${table.rowFilter ? ` WHERE ${table.rowFilter}` : ''}) TO STDOUT`;
}
