/*
 * agg-collect.ts — aggregates that collect their inputs into one value: array_agg (of elements,
 * and of arrays: one dimension more), json_agg / jsonb_agg, json_object_agg / jsonb_object_agg.
 * All keep NULL inputs (not strict) and return NULL for an empty group, as PostgreSQL.
 *
 * The ORDER BY inside the call (array_agg(x ORDER BY y)) is the Aggregate operator's: it feeds
 * step() in that order.
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { arrayTypeOf, elementTypeOf } from '../../pg/types.js';
import type { ArrayValue, Datum, JsonNode } from '../types/datum.js';
import { makeJsonObject, quoteJson } from '../types/jsonb-core.js';
import { jsonKey, toJson, toJsonb } from './jsonb-build.js';
import { typeInfo } from '../types/registry.js';
import { registerAgg, Pseudo } from './registry.js';

const JSON = 114;
const JSONB = 3802;
const RECORD = 2249;

interface ArrayAccum {
  items: Datum[];
  count: number;
  inner: ArrayValue | null;
}

function accumulateArray(st: ArrayAccum, a: Datum): ArrayAccum {
  if (a === null) throw new SqlError(SQLSTATE.null_value_not_allowed, 'cannot accumulate null arrays');
  const v = a as ArrayValue;
  if (v.dims.length === 0) throw new SqlError(SQLSTATE.array_subscript_error, 'cannot accumulate empty arrays');
  if (st.inner === null) st.inner = v;
  else {
    const f = st.inner;
    const same = f.dims.length === v.dims.length && f.dims.every((d, i) => d === v.dims[i] && f.lbounds[i] === v.lbounds[i]);
    if (!same) throw new SqlError(SQLSTATE.array_subscript_error, 'cannot accumulate arrays of different dimensionality');
  }
  for (const x of v.items) st.items.push(x);
  st.count++;
  return st;
}

export function registerCollectAggregates(): void {
  registerAgg<ArrayAccum>({
    name: 'array_agg',
    args: [Pseudo.anynonarray],
    returns: (t) => arrayTypeOf(t[0]!),
    strict: false,
    init: () => ({ items: [], count: 0, inner: null }),
    step: (st, [x]) => {
      st.items.push(x!);
      st.count++;
      return st;
    },
    final: (st, cx) => (st.count === 0 ? null : { elemType: cx.argTypes[0]!, dims: [st.count], lbounds: [1], items: st.items.slice() }),
  });
  registerAgg<ArrayAccum>({
    name: 'array_agg',
    args: [Pseudo.anyarray],
    returns: (t) => t[0]!,
    strict: false,
    init: () => ({ items: [], count: 0, inner: null }),
    step: (st, [a]) => accumulateArray(st, a!),
    final: (st, cx) => {
      if (st.count === 0 || st.inner === null) return null;
      return { elemType: elementTypeOf(cx.argTypes[0]!) || st.inner.elemType, dims: [st.count, ...st.inner.dims], lbounds: [1, ...st.inner.lbounds], items: st.items.slice() };
    },
  });
  registerAgg<JsonNode[] | null>({
    name: 'jsonb_agg',
    args: [Pseudo.anyelement],
    returns: JSONB,
    strict: false,
    init: () => null,
    step: (st, [x], cx) => {
      const items = st ?? [];
      items.push(toJsonb(x!, cx.argTypes[0]!, cx.settings));
      return items;
    },
    final: (st) => (st === null ? null : { kind: 'array', items: st.slice() }),
  });
  registerAgg<string[] | null>({
    name: 'json_agg',
    args: [Pseudo.anyelement],
    returns: JSON,
    strict: false,
    init: () => null,
    step: (st, [x], cx) => {
      const items = st ?? [];
      const t = cx.argTypes[0]!;
      // json_agg_transfn: a structured value after the first item starts on a new line.
      const nl = st !== null && x !== null && (typeInfo(t).category === 'A' || t === RECORD);
      items.push((nl ? '\n ' : '') + toJson(x!, t, cx.settings));
      return items;
    },
    final: (st) => (st === null ? null : '[' + st.join(', ') + ']'),
  });
  registerAgg<{ keys: string[]; values: JsonNode[] } | null>({
    name: 'jsonb_object_agg',
    args: [Pseudo.any, Pseudo.any],
    returns: JSONB,
    strict: false,
    init: () => null,
    step: (st, [k, v], cx) => {
      const s = st ?? { keys: [], values: [] };
      s.keys.push(jsonKey(k!, cx.argTypes[0]!, cx.settings, 1, 'jsonb_object_agg'));
      s.values.push(toJsonb(v!, cx.argTypes[1]!, cx.settings));
      return s;
    },
    final: (st) => (st === null ? null : makeJsonObject(st.keys.slice(), st.values.slice())),
  });
  registerAgg<string[] | null>({
    name: 'json_object_agg',
    args: [Pseudo.any, Pseudo.any],
    returns: JSON,
    strict: false,
    init: () => null,
    step: (st, [k, v], cx) => {
      const s = st ?? [];
      s.push(quoteJson(jsonKey(k!, cx.argTypes[0]!, cx.settings, 1, 'json_object_agg')) + ' : ' + toJson(v!, cx.argTypes[1]!, cx.settings));
      return s;
    },
    final: (st) => (st === null ? null : '{ ' + st.join(', ') + ' }'),
  });
}
