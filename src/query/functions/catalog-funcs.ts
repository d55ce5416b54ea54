/*
 * catalog-funcs.ts — functions about types themselves: pg_typeof(any) and the regtype type it
 * returns (printed as format_type spells the type: "integer", "timestamp with time zone").
 */
import { typeByName } from '../../pg/types.js';
import { SqlError } from '../../errors.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { registerType, typeInfo } from '../types/registry.js';
import { Pseudo, registerFunc } from './registry.js';

const REGTYPE = 2206;

export function registerCatalogFuncs(): void {
  registerType({
    oid: REGTYPE,
    name: 'regtype',
    sqlName: 'regtype',
    category: 'N',
    preferred: false,
    len: 4,
    elem: 0,
    array: 2211,
    input(text) {
      const oid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : typeByName(text.trim().toLowerCase().split('.'));
      if (oid === undefined) throw new SqlError(SQLSTATE.undefined_object, `type "${text}" does not exist`);
      return oid;
    },
    output: (d) => typeInfo(d as number).sqlName,
    compare: (a, b) => (a as number) - (b as number),
    hashKey: (d) => d as number,
  });
  // Not strict: pg_typeof(NULL) is "unknown". The argument's resolved type is the answer.
  registerFunc({ name: 'pg_typeof', kind: 'func', args: [Pseudo.any], returns: REGTYPE, strict: false, volatility: 's', call: (_args, cx) => cx.argTypes[0] ?? Pseudo.unknown });
}
