/*
 * agg-text.ts — string_agg(text, text) and string_agg(bytea, bytea). Not strict: a NULL value is
 * skipped, a NULL delimiter adds nothing; each value after the first is preceded by its own row's
 * delimiter (PostgreSQL's string_agg_transfn). No non-null value: NULL. ORDER BY inside the call
 * is the executor's (values arrive in order).
 */
import type { Datum } from '../types/datum.js';
import type { AggDef } from './registry.js';

interface TextState {
  s: string | null;
}

export const stringAggText: AggDef<TextState> = {
  name: 'string_agg',
  args: [25, 25],
  returns: 25,
  strict: false,
  init: () => ({ s: null }),
  step(state, args) {
    const v = args[0] as string | null;
    if (v === null) return state;
    if (state.s === null) state.s = v;
    else {
      const d = args[1] as string | null;
      state.s = d === null ? state.s + v : state.s + d + v;
    }
    return state;
  },
  final: (state) => state.s,
};

interface ByteaState {
  chunks: Uint8Array[] | null;
  length: number;
}

export const stringAggBytea: AggDef<ByteaState> = {
  name: 'string_agg',
  args: [17, 17],
  returns: 17,
  strict: false,
  init: () => ({ chunks: null, length: 0 }),
  step(state, args) {
    const v = args[0] as Uint8Array | null;
    if (v === null) return state;
    if (state.chunks === null) state.chunks = [];
    else {
      const d = args[1] as Uint8Array | null;
      if (d !== null) {
        state.chunks.push(d);
        state.length += d.length;
      }
    }
    state.chunks.push(v);
    state.length += v.length;
    return state;
  },
  final(state): Datum {
    if (state.chunks === null) return null;
    const out = new Uint8Array(state.length);
    let o = 0;
    for (const c of state.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  },
};
