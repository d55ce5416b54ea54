/*
 * collations.ts — what the primary says about the collations of the replicated text columns:
 * the collation of each column (pg_attribute.attcollation), the collations themselves
 * (pg_collation, plus the database default, OID 100), and for each collation the order the
 * sidecar may use for it.
 *
 * Plain data, filled by the sidecar (sidecar/collations.ts reads the primary and checks each
 * collation's order against it) and read by the query layer, which turns an order into a
 * comparator (query/types/collation.ts). The key codec and every byte-wise comparison the store
 * makes are C order: a collation whose order is not 'bytes' must never be served from them.
 *
 * Invariants:
 *   - order 'bytes': the primary orders text of this collation as UTF-8 bytes (C, POSIX,
 *     ucs_basic, the builtin provider, libc C.UTF-8). 'icu': the primary's order equals
 *     Intl.Collator(locale) with ties broken by bytes, checked against the primary on a probe
 *     set at load time. 'refuse': anything else (libc locales, nondeterministic collations, ICU
 *     tailoring rules, a probe that disagreed): ordering text under it is refused with 0A000.
 *     'unchecked': not compared with the primary yet (no held column uses it): a query that
 *     orders by it gets 0A000 and asks for the check (requestCheck);
 *   - a Store without a CollationCatalog (tests of the query layer alone) orders all text as
 *     bytes, which is what a primary on the C locale does;
 *   - a column the catalog does not list (a table added since the last load) has an unknown
 *     collation: ordering it is refused until the next load, never guessed.
 */

/** pg_collation.oid of the database default collation. */
export const DEFAULT_COLLATION = 100;
/** pg_collation.oid of "C". */
export const C_COLLATION = 950;
/** Not a real OID: the collation of this column is not known (yet). */
export const UNKNOWN_COLLATION = -1;

export type CollationOrder = 'bytes' | 'icu' | 'refuse' | 'unchecked';

export interface CollationInfo {
  readonly oid: number;
  readonly name: string;
  readonly schema: string;
  /** pg_collation.collprovider: 'c' libc, 'i' icu, 'b' builtin, 'd' default. */
  readonly provider: string;
  /** ICU locale (BCP 47) for 'icu'; the libc/builtin locale otherwise. */
  readonly locale: string;
  readonly deterministic: boolean;
  readonly order: CollationOrder;
  /**
   * Whether LC_CTYPE is "C" (libc C/POSIX, builtin C): case mapping and character classes touch
   * ASCII only, as memstore's functions do. Any other ctype maps more (libc towupper, ICU,
   * builtin C.UTF-8's Unicode mapping).
   */
  readonly ctypeIsC: boolean;
  /** For 'refuse': why (printed in the 0A000 detail). */
  readonly why?: string;
}

export class CollationCatalog {
  /**
   * @param collations every collation of the primary by OID (DEFAULT_COLLATION resolved to the
   *                   database's own provider and locale)
   * @param columns    relation OID → column name → attcollation (0 for a column that is not collatable)
   */
  constructor(
    readonly collations: ReadonlyMap<number, CollationInfo>,
    private readonly columns: ReadonlyMap<number, ReadonlyMap<string, number>>,
    /** Called when a lookup misses (a table the last load did not see, or a collation to check; 0 for a column). */
    private readonly onMissing: (collation: number) => void = () => undefined,
  ) {}

  /** A query needs an 'unchecked' collation: the owner checks it in the background. */
  requestCheck(oid: number): void {
    this.onMissing(oid);
  }

  /** attcollation of relation.column, UNKNOWN_COLLATION when this catalog does not list it. */
  columnCollation(relationOid: number, column: string): number {
    const c = this.columns.get(relationOid)?.get(column);
    if (c === undefined) {
      this.onMissing(0);
      return UNKNOWN_COLLATION;
    }
    return c;
  }

  /** A collation by name: in `schema`, or (null) in pg_catalog first, then any schema. */
  byName(schema: string | null, name: string): CollationInfo | undefined {
    let found: CollationInfo | undefined;
    for (const c of this.collations.values()) {
      if (c.name !== name || c.oid === DEFAULT_COLLATION) continue;
      if (schema !== null ? c.schema === schema : c.schema === 'pg_catalog') return c;
      if (schema === null) found ??= c;
    }
    return name === 'default' && (schema === null || schema === 'pg_catalog') ? this.collations.get(DEFAULT_COLLATION) : found;
  }
}
