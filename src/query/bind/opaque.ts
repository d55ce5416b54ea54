/*
 * opaque.ts — `=` and `<>` for types no family registered (enums, inet, money, user types…).
 * Their values are the primary's canonical output text (types/datum.ts), so equality of two
 * values is equality of the strings; PostgreSQL has these operators for every such type (enum_eq,
 * network_eq, …). Ordering is not offered: an enum sorts by declaration order, not by text.
 */
import { Oid } from '../../pg/types.js';
import { funcsNamed, type FuncDef } from '../functions/registry.js';
import { typeInfo } from '../types/registry.js';
import { elemOf } from './exprutil.js';

const cache = new Map<string, FuncDef>();

/** PostgreSQL has no `=` for these (json, xml, point): they stay 42883. */
const NO_EQUALITY = new Set([114, 142, 600]);

/** A type the registry holds as its output text, without an ordering (typeInfo's opaque types). */
function isOpaque(t: number): boolean {
  if (t === Oid.unknown || t <= 0 || NO_EQUALITY.has(t) || elemOf(t) !== 0) return false;
  const info = typeInfo(t);
  return info.category === 'U' && info.compare === undefined && funcsNamed('=', 'op').every((d) => d.args[0] !== t);
}

function def(op: '=' | '<>', t: number): FuncDef {
  const k = `${op}${t}`;
  let d = cache.get(k);
  if (d === undefined) {
    const eq = op === '=';
    d = {
      name: op, kind: 'op', args: [t, t], returns: Oid.bool, strict: true, volatility: 'i',
      call: eq ? (a) => a[0] === a[1] : (a) => a[0] !== a[1],
      commutator: op, negator: eq ? '<>' : '=',
    };
    cache.set(k, d);
  }
  return d;
}

/** Extra candidates for `left op right` when an operand's type is opaque. */
export function opaqueCandidates(op: string, types: readonly number[]): FuncDef[] {
  if ((op !== '=' && op !== '<>') || types.length !== 2) return [];
  const [l, r] = types as [number, number];
  const t = isOpaque(l) ? l : isOpaque(r) ? r : 0;
  if (t === 0) return [];
  if ((l !== t && l !== Oid.unknown) || (r !== t && r !== Oid.unknown)) return [];
  return [def(op, t)];
}
