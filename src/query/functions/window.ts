/*
 * window.ts — the window functions proper (PostgreSQL's windowfuncs.c): row_number, rank,
 * dense_rank, percent_rank, cume_dist, ntile, lag, lead, first_value, last_value, nth_value.
 * Each reads the partition through WindowFrameView (exec/ops/window.ts computes frames and peers).
 */
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import type { Datum } from '../types/datum.js';
import { Pseudo, type WindowDef } from './registry.js';

const INT4 = 23;
const INT8 = 20;
const FLOAT8 = 701;

const num = (d: Datum): number => Number(d);

function lagLead(name: 'lag' | 'lead', args: readonly number[], optional: number): WindowDef {
  const dir = name === 'lag' ? -1 : 1;
  return {
    name,
    args,
    optional,
    returns: (t) => t[0]!,
    eval: (w) => {
      let off = 1;
      if (args.length > 1) {
        const o = w.arg(1, w.row);
        if (o === null) return null;
        off = num(o);
      }
      const r = w.row + dir * off;
      if (r < 0 || r >= w.size) return args.length > 2 ? w.arg(2, w.row) : null;
      return w.arg(0, r);
    },
  };
}

export const WINDOW_FUNCTIONS: readonly WindowDef[] = [
  { name: 'row_number', args: [], returns: INT8, eval: (w) => BigInt(w.row + 1) },
  { name: 'rank', args: [], returns: INT8, eval: (w) => BigInt(w.peers[0] + 1) },
  { name: 'dense_rank', args: [], returns: INT8, eval: (w) => BigInt(w.peerGroup(w.row)) },
  { name: 'percent_rank', args: [], returns: FLOAT8, eval: (w) => (w.size <= 1 ? 0 : w.peers[0] / (w.size - 1)) },
  { name: 'cume_dist', args: [], returns: FLOAT8, eval: (w) => (w.peers[1] + 1) / w.size },
  {
    name: 'ntile',
    args: [INT4],
    returns: INT4,
    eval: (w) => {
      const b = w.arg(0, w.row);
      if (b === null) return null;
      const buckets = num(b);
      if (buckets <= 0) throw new SqlError(SQLSTATE.invalid_argument_for_ntile_function, 'argument of ntile must be greater than zero');
      // PostgreSQL: the first (size % buckets) buckets get one row more.
      const per = Math.floor(w.size / buckets);
      const extra = w.size % buckets;
      const big = extra * (per + 1);
      return w.row < big ? Math.floor(w.row / (per + 1)) + 1 : extra + Math.floor((w.row - big) / Math.max(per, 1)) + 1;
    },
  },
  lagLead('lag', [Pseudo.anyelement], 0),
  lagLead('lag', [Pseudo.anyelement, INT4], 0),
  lagLead('lag', [Pseudo.anycompatible, INT4, Pseudo.anycompatible], 0),
  lagLead('lead', [Pseudo.anyelement], 0),
  lagLead('lead', [Pseudo.anyelement, INT4], 0),
  lagLead('lead', [Pseudo.anycompatible, INT4, Pseudo.anycompatible], 0),
  { name: 'first_value', args: [Pseudo.anyelement], returns: (t) => t[0]!, eval: (w) => (w.frame[0] > w.frame[1] ? null : w.arg(0, w.frame[0])) },
  { name: 'last_value', args: [Pseudo.anyelement], returns: (t) => t[0]!, eval: (w) => (w.frame[0] > w.frame[1] ? null : w.arg(0, w.frame[1])) },
  {
    name: 'nth_value',
    args: [Pseudo.anyelement, INT4],
    returns: (t) => t[0]!,
    eval: (w) => {
      const nd = w.arg(1, w.row);
      if (nd === null) return null;
      const n = num(nd);
      if (n <= 0) throw new SqlError(SQLSTATE.invalid_argument_for_nth_value_function, 'argument of nth_value must be greater than zero');
      const r = w.frame[0] + n - 1;
      return r > w.frame[1] ? null : w.arg(0, r);
    },
  },
];
