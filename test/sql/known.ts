/*
 * Known MISMATCHes: corpus queries the sidecar still answers differently from PostgreSQL 17, each
 * with the bug it shows. This is a list of open bugs, not of exclusions: a group fails when a
 * query mismatches that is not listed here, and also when a listed query starts to match (the
 * entry must then be removed), so the list only shrinks. Each entry is printed at every run.
 */
export const KNOWN_MISMATCHES: ReadonlyMap<string, string> = new Map([
  // XXX wrong answers: text columns with a non-C collation (ICU here) are ordered and compared
  // in C (code point) order. The sidecar does not yet read column collations from the primary.
  ['SELECT id, w FROM words ORDER BY w, id', 'non-C collation ordered in C order'],
  ['SELECT id, w FROM words ORDER BY w DESC NULLS LAST, id', 'non-C collation ordered in C order'],
  ["SELECT id FROM words WHERE w < 'b' ORDER BY id", 'non-C collation compared in C order'],
  ["SELECT id FROM words WHERE w BETWEEN 'a' AND 'M' ORDER BY id", 'non-C collation compared in C order'],
  ["SELECT string_agg(w, ',' ORDER BY w), string_agg(wc, ',' ORDER BY wc) FROM words", 'non-C collation ordered in C order'],
  ['SELECT w, count(*) FROM words GROUP BY w ORDER BY w', 'non-C collation ordered in C order'],
  ['SELECT w < wc FROM words', 'conflicting collations should be 42P22'],
]);
