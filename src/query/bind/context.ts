/*
 * context.ts — what the binder needs from outside: the replicated tables by name (through the
 * session's search_path), and the catalog's virtual relations (pg_catalog.pg_class & co, found
 * the same way: sql-plan.ts bindCatalog), the declared parameter types, the query text (error
 * positions).
 *
 * Interface:
 *   CatalogTable / BindCatalog   a table as the binder sees it, and the lookup
 *   BindOptions / BoundQuery     input and output of bindQuery (bind/query.ts)
 */
import type { LogicalPlan } from '../logical/plan.js';

export interface CatalogColumn {
  readonly name: string;
  readonly type: number;
  readonly typmod: number;
  /** 1-based position in the table (pg_attribute.attnum as the store numbers columns). */
  readonly attnum: number;
  /** attcollation of a collatable column (store/collations.ts); absent: the type's default. */
  readonly collation?: number;
}

export interface CatalogTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  /** Indexes into columns of the primary key / replica identity, in key order. */
  readonly keyColumns: readonly number[];
}

export interface BindCatalog {
  /** `schema` null: the first match along the session's search_path. undefined when none (42P01). */
  table(schema: string | null, name: string): CatalogTable | undefined;
  /** The session's effective search_path (pg_catalog first when it is not listed). */
  readonly searchPath: readonly string[];
  /**
   * A collation by name for COLLATE (schema null: any schema, pg_catalog first); undefined when
   * the primary has none of that name (42704). Absent: only C, POSIX, ucs_basic and default exist.
   */
  collation?(schema: string | null, name: string): { readonly oid: number; readonly deterministic: boolean } | undefined;
}

export interface BindOptions {
  /** The whole query text: error positions are 1-based character offsets into it. */
  readonly sql: string;
  /** Types the client declared for $1..$n (0 = infer from use). */
  readonly paramTypes: readonly number[];
  readonly catalog: BindCatalog;
  /**
   * Literals lifted from the text by normalize.ts: parse location → index. A literal the binder
   * reads only as a value gets ConstExpr.slot (the executor reads args.literals[slot] through the
   * const's type input function and typmod); see BoundQuery.usedLiterals.
   */
  readonly liftedAt?: ReadonlyMap<number, number>;
}

export interface BoundQuery {
  readonly plan: LogicalPlan;
  /** Final parameter types ($n inferred from use; 42P18 when one stays unknown, as PostgreSQL). */
  readonly paramTypes: readonly number[];
  /** OIDs of the tables the plan reads (plan validity, statement snapshot). */
  readonly tables: ReadonlySet<number>;
  /**
   * With BindOptions.liftedAt: the lifted literals the plan reads as value slots. The plan may be
   * shared by texts with the same normalised key only when every lifted literal of the statement
   * is in this set (the others shaped the plan: ordinals, types chosen by a literal's size, …).
   */
  readonly usedLiterals?: ReadonlySet<number>;
}
