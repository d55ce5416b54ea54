/*
 * agg-generic.ts — aggregates that work over many types: count(*), count(any), min/max (for the
 * argument types PostgreSQL has them, compared with the type's btree order), bool_and / bool_or / every, and the ordered-set aggregates mode() and
 * percentile_disc() WITHIN GROUP (ORDER BY …), whose input the executor sorts before stepping.
 *
 * States are small objects mutated in place (one per group); final() does not change the state,
 * so window frames may call it repeatedly on a growing state.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { notSupported } from '../errors.js';
import type { Datum } from '../types/datum.js';
import { BPCHAR, TEXT, bpcharTrim } from '../types/text.js';
import { typeInfo } from '../types/registry.js';
import { Pseudo, type AggDef, type CallContext } from './registry.js';

const INT8 = 20;
const BOOL = 16;
const FLOAT8 = 701;

interface Count {
  n: bigint;
}

export const countStar: AggDef<Count> = {
  name: 'count',
  args: [],
  returns: INT8,
  strict: false,
  init: () => ({ n: 0n }),
  step: (s) => {
    s.n++;
    return s;
  },
  final: (s) => s.n,
  inverse: (s) => {
    s.n--;
    return s;
  },
};

export const countAny: AggDef<Count> = { ...countStar, args: [Pseudo.any], strict: true };

interface Best {
  v: Datum;
  cmp: ((a: Datum, b: Datum) => number) | null;
}

function compareOf(cx: CallContext): (a: Datum, b: Datum) => number {
  const type = cx.argTypes[0]!;
  const order = cx.textOrder;
  // min/max(text) compare by the argument's collation (text_larger / text_smaller).
  if (order !== undefined && (type === TEXT || type === BPCHAR)) {
    return type === TEXT ? (a, b) => order(a as string, b as string) : (a, b) => order(bpcharTrim(a as string), bpcharTrim(b as string));
  }
  if (order !== undefined && typeInfo(type).elem !== 0) throw notSupported('min/max over arrays of text of a non-C collation');
  const t = typeInfo(type);
  if (t.compare === undefined) throw notSupported(`min/max over type ${t.sqlName}`);
  return t.compare;
}

/**
 * pg_aggregate's min/max argument types (PostgreSQL 17): no uuid, bool, bytea or jsonb (42883 as
 * there); varchar and name arguments resolve to the text one and return text.
 */
const MINMAX_TYPES: readonly number[] = [
  Pseudo.anyarray, 20, 1042, 1082, 701, 869, 23, 1186, 790, 1700, 26, 3220, 700, 21, 25, 27, 1083, 1266, 1114, 1184, 5069,
];

/**
 * Of equal values (1.5 and 1.50, 0 and -0, '1 day' and '24 hours') PostgreSQL's min/max keep the
 * last one stepped: their transition functions (numeric_larger, float8smaller, interval_larger …)
 * return the new value unless the state compares strictly better. Only bpchar_larger/smaller keep
 * the state on ties.
 */
function extreme(name: 'min' | 'max', type: number): AggDef<Best> {
  const sign = name === 'max' ? 1 : -1;
  const keepFirst = type === 1042;
  return {
    name,
    args: [type],
    returns: (t) => t[0]!,
    strict: true,
    init: () => ({ v: null, cmp: null }),
    step: (s, args, cx) => {
      const d = args[0]!;
      if (s.v === null) {
        s.v = d;
        s.cmp = compareOf(cx);
      } else {
        const c = sign * s.cmp!(d, s.v);
        if (c > 0 || (c === 0 && !keepFirst)) s.v = d;
      }
      return s;
    },
    final: (s) => s.v,
  };
}

export const minAggs = MINMAX_TYPES.map((t) => extreme('min', t));
export const maxAggs = MINMAX_TYPES.map((t) => extreme('max', t));

interface BoolState {
  v: boolean | null;
}

function boolAgg(name: string, and: boolean): AggDef<BoolState> {
  return {
    name,
    args: [BOOL],
    returns: BOOL,
    strict: true,
    init: () => ({ v: null }),
    step: (s, args) => {
      const b = args[0] as boolean;
      s.v = s.v === null ? b : and ? s.v && b : s.v || b;
      return s;
    },
    final: (s) => s.v,
  };
}

export const boolAnd = boolAgg('bool_and', true);
export const boolOr = boolAgg('bool_or', false);
export const every = boolAgg('every', true);

interface Sorted {
  items: Datum[];
}

/** mode() WITHIN GROUP (ORDER BY x): the most frequent value, the first (smallest) on ties. */
export const modeAgg: AggDef<Sorted> = {
  name: 'mode',
  args: [Pseudo.anyelement],
  returns: (t) => t[0]!,
  strict: true,
  orderedSet: { directArgs: [] },
  init: () => ({ items: [] }),
  step: (s, args) => {
    s.items.push(args[0]!);
    return s;
  },
  final: (s, cx) => {
    if (s.items.length === 0) return null;
    const cmp = compareOf(cx);
    let best: Datum = null;
    let bestN = 0;
    let cur: Datum = null;
    let n = 0;
    for (const d of s.items) {
      if (n > 0 && cmp(d, cur) === 0) n++;
      else {
        cur = d;
        n = 1;
      }
      if (n > bestN) {
        best = cur;
        bestN = n;
      }
    }
    return best;
  },
};

/** percentile_disc(fraction) WITHIN GROUP (ORDER BY x): the first value whose position reaches the fraction. */
export const percentileDisc: AggDef<Sorted> = {
  name: 'percentile_disc',
  args: [Pseudo.anyelement],
  returns: (t) => t[0]!,
  strict: true,
  orderedSet: { directArgs: [FLOAT8] },
  init: () => ({ items: [] }),
  step: (s, args) => {
    s.items.push(args[0]!);
    return s;
  },
  final: (s, _cx, direct) => {
    const p = direct?.[0] ?? null;
    if (p === null) return null;
    const f = Number(p);
    if (!(f >= 0 && f <= 1)) throw new SqlError(SQLSTATE.numeric_value_out_of_range, `percentile value ${f} is not between 0 and 1`);
    const n = s.items.length;
    if (n === 0) return null;
    const row = Math.ceil(f * n);
    return s.items[Math.max(row, 1) - 1] ?? null;
  },
};

export const GENERIC_AGGS: readonly AggDef[] = [countStar, countAny, ...minAggs, ...maxAggs, boolAnd, boolOr, every, modeAgg, percentileDisc] as unknown as readonly AggDef[];
