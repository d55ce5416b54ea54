/*
 * text.ts — the word lists and the random text of the TPC-H generator (specification clause 4.2.2).
 *
 * dbgen draws every comment as a substring of one large pseudo-text made of grammar sentences; so
 * does this file, with a 1 MB pool instead of 300 MB: comments may start and end mid-word, as
 * dbgen's do. The word lists contain every word a query pattern looks for ('special', 'requests',
 * the colours of '%green%' and 'forest%'); 'Customer … Complaints' and 'Customer … Recommends' are
 * planted into supplier comments by the generator, as dbgen plants them.
 *
 * Left out: dbgen's grammar weights (each production here is equally likely).
 */
import type { Rng } from './rng.js';

/** The 92 colours p_name is made of (clause 4.2.3). */
export const COLORS = [
  'almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush', 'brown', 'burlywood',
  'burnished', 'chartreuse', 'chiffon', 'chocolate', 'coral', 'cornflower', 'cornsilk', 'cream', 'cyan', 'dark', 'deep', 'dim',
  'dodger', 'drab', 'firebrick', 'floral', 'forest', 'frosted', 'gainsboro', 'ghost', 'goldenrod', 'green', 'grey', 'honeydew',
  'hot', 'indian', 'ivory', 'khaki', 'lace', 'lavender', 'lawn', 'lemon', 'light', 'lime', 'linen', 'magenta', 'maroon', 'medium',
  'metallic', 'midnight', 'mint', 'misty', 'moccasin', 'navajo', 'navy', 'olive', 'orange', 'orchid', 'pale', 'papaya', 'peach',
  'peru', 'pink', 'plum', 'powder', 'puff', 'purple', 'red', 'rose', 'rosy', 'royal', 'saddle', 'salmon', 'sandy', 'seashell',
  'sienna', 'sky', 'slate', 'smoke', 'snow', 'spring', 'steel', 'tan', 'thistle', 'tomato', 'turquoise', 'violet', 'wheat',
  'white', 'yellow',
];

export const TYPE_SYLLABLE_1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
export const TYPE_SYLLABLE_2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
export const TYPE_SYLLABLE_3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
export const CONTAINER_SYLLABLE_1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
export const CONTAINER_SYLLABLE_2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
export const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
export const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
export const INSTRUCTIONS = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
export const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];

/** Regions and nations with their fixed keys (clause 4.2.3). */
export const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
export const NATIONS: readonly (readonly [name: string, region: number])[] = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0], ['FRANCE', 3], ['GERMANY', 3],
  ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4], ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0],
  ['MOZAMBIQUE', 0], ['PERU', 1], ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];

const NOUNS = [
  'foxes', 'ideas', 'theodolites', 'pinto beans', 'instructions', 'dependencies', 'excuses', 'platelets', 'asymptotes', 'courts',
  'dolphins', 'multipliers', 'sauternes', 'warthogs', 'frets', 'dinos', 'attainments', 'somas', 'Tiresias', 'patterns', 'forges',
  'braids', 'hockey players', 'frays', 'warhorses', 'dugouts', 'notornis', 'epitaphs', 'pearls', 'tithes', 'waters', 'orbits',
  'gifts', 'sheaves', 'depths', 'sentiments', 'decoys', 'realms', 'pains', 'grouches', 'escapades', 'packages', 'requests',
  'accounts', 'deposits',
];
const VERBS = [
  'sleep', 'wake', 'are', 'cajole', 'haggle', 'nag', 'use', 'boost', 'affix', 'detect', 'integrate', 'maintain', 'nod', 'was',
  'lose', 'sublate', 'solve', 'thrash', 'promise', 'engage', 'hinder', 'print', 'x-ray', 'breach', 'eat', 'grow', 'impress',
  'mold', 'poach', 'serve', 'run', 'dazzle', 'snooze', 'doze', 'unwind', 'kindle', 'play', 'hang', 'believe', 'doubt',
];
const ADJECTIVES = [
  'furious', 'sly', 'careful', 'blithe', 'quick', 'fluffy', 'slow', 'quiet', 'ruthless', 'thin', 'close', 'dogged', 'daring',
  'brave', 'stealthy', 'permanent', 'enticing', 'idle', 'busy', 'regular', 'final', 'ironic', 'even', 'bold', 'silent',
  'special', 'pending', 'unusual', 'express',
];
const ADVERBS = [
  'sometimes', 'always', 'never', 'furiously', 'slyly', 'carefully', 'blithely', 'quickly', 'fluffily', 'slowly', 'quietly',
  'ruthlessly', 'thinly', 'closely', 'doggedly', 'daringly', 'bravely', 'stealthily', 'permanently', 'enticingly', 'idly',
  'busily', 'regularly', 'finally', 'ironically', 'evenly', 'boldly', 'silently',
];
const PREPOSITIONS = [
  'about', 'above', 'according to', 'across', 'after', 'against', 'along', 'alongside of', 'among', 'around', 'at', 'atop',
  'before', 'behind', 'beneath', 'beside', 'besides', 'between', 'beyond', 'by', 'despite', 'during', 'except', 'for', 'from',
  'in place of', 'inside', 'instead of', 'into', 'near', 'of', 'on', 'outside', 'over', 'past', 'since', 'through',
  'throughout', 'to', 'toward', 'under', 'until', 'up', 'upon', 'without', 'with', 'within',
];
const AUXILIARIES = ['do', 'may', 'might', 'shall', 'will', 'would', 'can', 'could', 'should', 'ought to', 'must', 'will have to', 'shall have to', 'could have to', 'should have to', 'must have to', 'need to', 'try to'];
const TERMINATORS = ['.', ';', ':', '?', '!', '--'];

function nounPhrase(r: Rng): string {
  switch (r.int(0, 3)) {
    case 0: return r.pick(NOUNS);
    case 1: return `${r.pick(ADJECTIVES)} ${r.pick(NOUNS)}`;
    case 2: return `${r.pick(ADJECTIVES)}, ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)}`;
    default: return `${r.pick(ADVERBS)} ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)}`;
  }
}

function verbPhrase(r: Rng): string {
  switch (r.int(0, 3)) {
    case 0: return r.pick(VERBS);
    case 1: return `${r.pick(AUXILIARIES)} ${r.pick(VERBS)}`;
    case 2: return `${r.pick(VERBS)} ${r.pick(ADVERBS)}`;
    default: return `${r.pick(AUXILIARIES)} ${r.pick(VERBS)} ${r.pick(ADVERBS)}`;
  }
}

function sentence(r: Rng): string {
  switch (r.int(0, 4)) {
    case 0: return `${nounPhrase(r)} ${verbPhrase(r)}${r.pick(TERMINATORS)}`;
    case 1: return `${nounPhrase(r)} ${verbPhrase(r)} ${r.pick(PREPOSITIONS)} the ${nounPhrase(r)}${r.pick(TERMINATORS)}`;
    case 2: return `${nounPhrase(r)} ${verbPhrase(r)} ${nounPhrase(r)}${r.pick(TERMINATORS)}`;
    case 3: return `${nounPhrase(r)} ${r.pick(PREPOSITIONS)} the ${nounPhrase(r)} ${verbPhrase(r)} ${nounPhrase(r)}${r.pick(TERMINATORS)}`;
    default: return `${nounPhrase(r)} ${r.pick(PREPOSITIONS)} the ${nounPhrase(r)} ${verbPhrase(r)} ${r.pick(PREPOSITIONS)} the ${nounPhrase(r)}${r.pick(TERMINATORS)}`;
  }
}

/** A pseudo-text of about `size` characters: comments are substrings of it. */
export class TextPool {
  private readonly text: string;
  constructor(r: Rng, size = 1 << 20) {
    const parts: string[] = [];
    let n = 0;
    while (n < size) {
      const s = sentence(r);
      parts.push(s);
      n += s.length + 1;
    }
    this.text = parts.join(' ');
  }

  /** A comment of between 0.4 and 1.6 × `avg` characters (dbgen's TEXT), at most `max`. */
  comment(r: Rng, avg: number, max: number): string {
    const len = Math.min(max, r.int(Math.ceil(avg * 0.4), Math.floor(avg * 1.6)));
    const at = r.int(0, this.text.length - len);
    return this.text.substring(at, at + len);
  }
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.';

/** dbgen's V_STR: random characters, between 0.4 and 1.6 × `avg` long. */
export function randomString(r: Rng, avg: number): string {
  const len = r.int(Math.ceil(avg * 0.4), Math.floor(avg * 1.6));
  let s = '';
  for (let i = 0; i < len; i++) s += ALNUM[r.int(0, ALNUM.length - 1)]!;
  return s;
}
