/*
 * settings-funcs.ts — current_setting() and set_config() in the executor, for the statements the
 * single-table planner (scalar.ts) does not answer: pgAdmin's connect-time
 * `SELECT set_config('bytea_output','hex',false) FROM pg_catalog.pg_settings WHERE name = …`,
 * `SELECT name, current_setting(name) FROM pg_settings`. Same rules as SET (session.ts
 * applySetting): validated and normalised as SHOW prints them; set_config(…, true) outside a
 * transaction block lasts only for its statement, silently, as in PostgreSQL.
 */
import { SqlError } from '../../errors.js';
import type { ExecContext } from '../../pgwire/engine.js';
import { SQLSTATE } from '../../pgwire/sqlstate.js';
import { applySetting, getSetting } from '../session.js';
import { registerFunc, type CallContext } from './registry.js';

const BOOL = 16;
const TEXT = 25;

function sessionOf(cx: CallContext, name: string): NonNullable<NonNullable<CallContext['statement']>['host']>['session'] {
  const session = cx.statement?.host?.session;
  if (session === undefined) throw new SqlError(SQLSTATE.feature_not_supported, `${name}() needs a session`);
  return session;
}

function current(cx: CallContext, name: string, missingOk: boolean): string | null {
  const v = getSetting(sessionOf(cx, 'current_setting'), name.toLowerCase());
  if (v === undefined && !missingOk) throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
  return v ?? null;
}

export function registerSettingsFuncs(): void {
  registerFunc({ name: 'current_setting', kind: 'func', args: [TEXT], returns: TEXT, strict: true, volatility: 's', call: (a, cx) => current(cx, a[0] as string, false) });
  registerFunc({ name: 'current_setting', kind: 'func', args: [TEXT, BOOL], returns: TEXT, strict: true, volatility: 's', call: (a, cx) => current(cx, a[0] as string, a[1] as boolean) });
  registerFunc({
    name: 'set_config',
    kind: 'func',
    args: [TEXT, TEXT, BOOL],
    returns: TEXT,
    strict: false,
    volatility: 'v',
    call: (a, cx) => {
      if (a[0] === null) throw new SqlError(SQLSTATE.invalid_parameter_value, 'SET requires parameter name');
      // Only SET's own path sends notices; a function call never does (applySetting viaFunction).
      const ctx = { session: sessionOf(cx, 'set_config'), notice: () => undefined } as unknown as ExecContext;
      return applySetting(ctx, (a[0] as string).toLowerCase(), (a[1] as string | null) ?? '', a[2] === true, true);
    },
  });
}
