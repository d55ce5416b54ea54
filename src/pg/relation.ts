/*
 * relation.ts — the relation model every layer shares: a table's identity, columns and replica
 * identity, as a pgoutput Relation message describes it.
 *
 * Its own module because both sides of the apply seam need it: decode/ builds it from Relation
 * messages (and replication/ from the catalog at copy time), store/ keeps it per table and derives
 * the key from it, query/ and snapshot/ read it. Types only, no behaviour.
 */

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface RelationColumn {
  readonly name: string;
  /** Part of the replica identity (the primary key for REPLICA IDENTITY DEFAULT). */
  readonly isKey: boolean;
  readonly typeOid: number;
  readonly typeMod: number;
  /**
   * A generated (STORED) column's expression (pg_get_expr of pg_attrdef.adbin): pgoutput does not
   * send these columns, the sidecar computes them (sidecar/generated-columns.ts). Absent otherwise;
   * a Relation message never has one.
   */
  readonly generated?: string;
}

export interface Relation {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly RelationColumn[];
}
