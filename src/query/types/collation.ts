/*
 * collation.ts — from a collation the primary uses to the order the executor sorts and compares
 * text by: PostgreSQL's varstr_cmp for the collation, or a clear error.
 *
 *   order 'bytes'  compareText (UTF-8 byte order = code point order), as PostgreSQL under "C"
 *   order 'icu'    Intl.Collator(locale) (the ICU that Node ships), ties broken by bytes: a
 *                  deterministic ICU collation in PostgreSQL compares with ucol_strcoll and
 *                  falls back to strcmp when that says equal. sidecar/collations.ts checks this
 *                  order against the primary on a probe set before it is marked 'icu'.
 *   anything else  0A000 naming the collation (libc locales other than C: glibc's tables are
 *                  not ICU's; nondeterministic collations; ICU tailoring rules), with a hint to
 *                  order by COLLATE "C".
 * No collation (conflicting implicit ones, PostgreSQL's InvalidOid) is 42P22, as varstr_cmp says.
 *
 * A TextOrder of undefined means bytes: callers keep their byte-wise fast paths for it.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { DEFAULT_COLLATION, UNKNOWN_COLLATION, type CollationCatalog, type CollationInfo } from '../../store/collations.js';
import { compareText } from './text.js';

export type TextOrder = (a: string, b: string) => number;

const icuOrders = new Map<string, TextOrder>();

/** The order of an ICU locale: Intl.Collator with the byte tie-break (cached per locale). */
export function icuOrder(locale: string): TextOrder {
  let o = icuOrders.get(locale);
  if (o === undefined) {
    const c = new Intl.Collator(locale);
    const cmp = c.compare.bind(c);
    o = (a, b) => (a === b ? 0 : cmp(a, b) || compareText(a, b));
    icuOrders.set(locale, o);
  }
  return o;
}

export function indeterminateCollation(): SqlError {
  return new SqlError(SQLSTATE.indeterminate_collation, 'could not determine which collation to use for string comparison', {
    hint: 'Use the COLLATE clause to set the collation explicitly.',
  });
}

function refused(c: CollationInfo): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `memstore cannot order text by collation "${c.name}" as PostgreSQL does`, {
    detail: c.why ?? `collation "${c.name}" (provider ${c.provider}, locale "${c.locale}") is not one memstore reproduces`,
    hint: 'Order by COLLATE "C" (byte order), or ask the primary.',
  });
}

/**
 * The order text of collation `oid` has (undefined: bytes). `cat` undefined: a store that no
 * primary described (tests of the query layer alone): bytes, as under the C locale.
 *
 * An order memstore cannot give is an order that raises when it is first used: PostgreSQL
 * raises 42P22 only when a comparison runs, and a query that never compares two strings of a
 * refused collation (a count, a string_agg, a sort of one row) has its right answer.
 */
export function textOrderOf(cat: CollationCatalog | undefined, oid: number): TextOrder | undefined {
  if (cat === undefined) return undefined;
  const c = cat.collations.get(oid);
  if (c?.order === 'bytes') return undefined;
  if (c?.order === 'icu') return icuOrder(c.locale);
  if (c?.order === 'unchecked') cat.requestCheck(oid);
  const error = (): SqlError => {
    if (oid === 0) return indeterminateCollation();
    if (c?.order === 'unchecked') {
      return new SqlError(SQLSTATE.feature_not_supported, `memstore has not yet checked its order for collation "${c.name}" against the primary`, {
        hint: 'Retry in a moment: the check runs now, in the background.',
      });
    }
    if (oid === UNKNOWN_COLLATION) {
      return new SqlError(SQLSTATE.feature_not_supported, 'memstore has not read the collation of this column from the primary yet', {
        hint: 'Retry in a moment: the sidecar reads the collations of new tables after they are copied.',
      });
    }
    return c === undefined ? new SqlError(SQLSTATE.undefined_object, `cache lookup failed for collation ${oid}`) : refused(c);
  };
  return () => {
    throw error();
  };
}

/** Whether text of collation `oid` is ordered as bytes by the primary (the key codec's order). */
export function isByteOrder(cat: CollationCatalog | undefined, oid: number): boolean {
  return cat === undefined || cat.collations.get(oid)?.order === 'bytes';
}

/**
 * Why the columns of `rel` cannot be read with byte equality (undefined when they can): a column
 * with a nondeterministic collation, or one whose collation the catalog has not read yet (a
 * table added since the last load; the miss starts a load).
 */
export function tableCollationProblem(cat: CollationCatalog | undefined, rel: { readonly oid: number; readonly schema: string; readonly name: string; readonly columns: readonly { readonly name: string; readonly typeOid: number }[] }, collatable: (type: number) => boolean): SqlError | undefined {
  if (cat === undefined) return undefined;
  for (const c of rel.columns) {
    if (!collatable(c.typeOid)) continue;
    const oid = cat.columnCollation(rel.oid, c.name);
    if (oid === UNKNOWN_COLLATION) {
      return new SqlError(SQLSTATE.feature_not_supported, `memstore has not read the collations of ${rel.schema}.${rel.name} from the primary yet`, {
        hint: 'Retry in a moment: the sidecar reads them after a table is copied.',
      });
    }
    const info = cat.collations.get(oid);
    if (info !== undefined && !info.deterministic) {
      return new SqlError(SQLSTATE.feature_not_supported, `memstore cannot read ${rel.schema}.${rel.name}: column "${c.name}" has the nondeterministic collation "${info.name}"`, {
        detail: 'Equality under a nondeterministic collation is not byte equality; memstore compares bytes.',
      });
    }
  }
  return undefined;
}

/** Whether equality under `oid` is byte equality (deterministic), as hash joins and GROUP BY assume. */
export function isDeterministic(cat: CollationCatalog | undefined, oid: number): boolean {
  if (cat === undefined || oid <= 0) return true;
  return cat.collations.get(oid)?.deterministic ?? true;
}

export { DEFAULT_COLLATION };
