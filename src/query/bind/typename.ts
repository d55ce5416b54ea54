/*
 * typename.ts — a parse-tree TypeName (`int`, `varchar(10)`, `numeric(10,2)`, `timestamp(3)`,
 * `text[]`) → type OID and typmod, as typenameTypeIdAndMod does for the built-in types.
 */
import type { TypeName } from 'libpg-query';
import { typeByName } from '../../pg/types.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { stringList } from '../parse.js';
import { arrayOf } from './exprutil.js';
import { err, type StmtState } from './state.js';

function intMods(st: StmtState, t: TypeName): number[] {
  const out: number[] = [];
  for (const m of t.typmods ?? []) {
    if ('A_Const' in m && m.A_Const.ival !== undefined) out.push(m.A_Const.ival.ival ?? 0);
    else throw err(st, SQLSTATE.syntax_error, 'type modifiers must be simple constants or identifiers', t.location);
  }
  return out;
}

export function resolveTypeName(st: StmtState, t: TypeName): { type: number; typmod: number; name: string } {
  const names = stringList(t.names);
  let type = typeByName(names);
  const last = names[names.length - 1] ?? '';
  if (type === undefined) {
    const shown = names.filter((n) => n !== 'pg_catalog').join('.');
    throw err(st, SQLSTATE.undefined_object, `type "${shown}" does not exist`, t.location);
  }
  const mods = intMods(st, t);
  let typmod = -1;
  if (mods.length > 0) {
    switch (last) {
      case 'varchar': case 'bpchar': case 'bit': case 'varbit':
        if (mods[0]! < 1) throw err(st, SQLSTATE.invalid_parameter_value, `length for type ${last} must be at least 1`, t.location);
        typmod = mods[0]! + 4;
        break;
      case 'numeric': case 'decimal': {
        const p = mods[0]!;
        const s = mods[1] ?? 0;
        if (p < 1 || p > 1000) throw err(st, SQLSTATE.invalid_parameter_value, `NUMERIC precision ${p} must be between 1 and 1000`, t.location);
        typmod = ((p << 16) | (s & 0xffff)) + 4;
        break;
      }
      case 'timestamp': case 'timestamptz': case 'time': case 'timetz':
        typmod = Math.min(mods[0]!, 6);
        break;
      case 'interval': {
        // INTERVAL_TYPMOD(precision, range): `interval '90' day` reads 90 as days, not seconds.
        const range = mods[0]!;
        const prec = mods[1] ?? 0xffff;
        typmod = ((range & 0x7fff) << 16) | (prec & 0xffff);
        break;
      }
      default:
        typmod = -1;
    }
  }
  if ((t.arrayBounds?.length ?? 0) > 0) {
    const a = arrayOf(type);
    if (a === 0) throw err(st, SQLSTATE.undefined_object, `type "${last}[]" does not exist`, t.location);
    type = a;
    typmod = -1;
  }
  return { type, typmod, name: last };
}
