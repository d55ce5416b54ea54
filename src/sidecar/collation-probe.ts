/*
 * collation-probe.ts — the strings a collation's order is checked on (sidecar/collations.ts): the
 * primary sorts them under the collation, the sidecar under its candidate order, and the two
 * lists must be identical.
 *
 * Chosen to separate orders: case pairs, accents (precomposed and combining), ligatures and
 * sharp s, punctuation and spaces inside words (glibc and ICU weigh them differently), digits
 * and other number forms, Turkish dotted/dotless i, other scripts, characters above U+FFFF
 * (JavaScript's UTF-16 order differs from UTF-8's there), and strings equal at the first
 * levels that only a tie-break orders. Then short random strings over the same alphabet, from a
 * fixed seed so every run checks the same set.
 */
const BASE = [
  '', ' ', '  ', 'a', 'A', 'b', 'B', 'z', 'Z', 'á', 'Á', 'à', 'â', 'ä', 'Ä', 'å', 'Å', 'Å', 'ae', 'æ', 'Æ', 'ß', 'ss', 'SS', 'ẞ',
  'e', 'E', 'é', 'É', 'è', 'ê', 'ë', 'e\u0301', 'a\u0301', '\u0301a', 'o', 'ö', 'Ö', 'oe', 'œ', 'ø', 'Ø', 'u', 'ü', 'Ü',
  'a-b', 'ab', 'a b', 'a_b', 'a.b', 'a,b', "a'b", 'a!b', '-a', '_a', '.a', ' a', 'a ', 'co-op', 'coop', 'Co-op', 'co op',
  '1', '01', '10', '2', '9', '½', '²', '١', '一', 'i', 'I', 'ı', 'İ', 'ǆ', 'ǅ', 'Ǆ', 'ﬁ', 'fi', 'ŉ', 'ſ', 'ð', 'þ', 'Þ', 'ł', 'Ł',
  'đ', 'Đ', 'ħ', 'ŋ', 'ƒ', 'ɐ', 'ʒ', 'Ω', 'ω', 'Я', 'я', 'ё', 'е', 'ж', 'ă', 'ș', 'ş', 'ț', 'ñ', 'n', 'Ñ', 'ch', 'c', 'h', 'll', 'l',
  'cote', 'côte', 'coté', 'côté', 'résumé', 'resume', 'Resume', 'RESUME', 'apple', 'Apple', 'APPLE', 'Äpfel', 'apfel', 'Zebra', 'zebra',
  '日本語', '日本', '中', '中文', '한국어', '한', 'ひらがな', 'カタカナ', 'ｶﾀｶﾅ', 'ｱ', 'ア', 'ا', 'ب', 'א', 'ב', 'ก', 'ไ', 'अ', 'क',
  '😀', '😀a', 'a😀', '𝔸', '\uffff', '\ue000', '\u00a0a', '\u200ba', '\ufeffa', '\ta', '\na', 'a\tb',
  '%', '$', '€', '£', '@', '#', '~', '^', '`', '|', '\\', '/', '(', ')', '[', ']', '{', '}', '<', '>', '=', '+', '*', '&', '?', ':', ';', '"', '!', '§', '°', '·', '•', '…', '–', '—',
  '100%', 'MiXeD cAsE', 'mixed case', 'MIXED CASE', 'Ünïcödé', 'unicode', 'padded ', ' padded', '  padded  ', 'x-y-z', 'xyz', 'x y z',
];
const ALPHABET = ['a', 'A', 'b', 'B', 'e', 'é', 'E', 'É', '-', ' ', '_', '1', '2', 'ß', 'æ', 'ø', 'ı', 'i', 'I', 'İ', '😀', '日', '.', "'", 'z', 'Z', 'ä', 'Ä', 'o', 'ö', 'ch', 'ñ'];

let cached: string[] | undefined;

export function probeStrings(): string[] {
  if (cached !== undefined) return cached;
  const set = new Set(BASE);
  let seed = 12345;
  // An LCG's low bits cycle quickly: use the high ones.
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed >>> 16;
  };
  while (set.size < 1500) {
    let s = '';
    const n = 1 + (next() % 6);
    for (let i = 0; i < n; i++) s += ALPHABET[next() % ALPHABET.length]!;
    set.add(s);
  }
  cached = [...set];
  return cached;
}
