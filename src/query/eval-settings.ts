/*
 * eval-settings.ts — the session settings one statement evaluates and prints under (EvalSettings),
 * read once per execution from the session's parameters (normalised by settings.ts).
 */
import type { SessionState } from '../pgwire/engine.js';
import type { OutputSettings } from './types/datum.js';
import type { EvalSettings } from './types/registry.js';

function dateStyleOf(text: string): Pick<OutputSettings, 'dateStyle' | 'dateOrder'> {
  const parts = text.split(',').map((p) => p.trim().toUpperCase());
  const style = parts.includes('POSTGRES') ? 'Postgres' : parts.includes('SQL') ? 'SQL' : parts.includes('GERMAN') ? 'German' : 'ISO';
  const order = parts.includes('DMY') || parts.includes('EUROPEAN') ? 'DMY' : parts.includes('YMD') ? 'YMD' : 'MDY';
  return { dateStyle: style, dateOrder: order };
}

export function outputSettings(parameters: ReadonlyMap<string, string>): OutputSettings {
  const ifd = Number(parameters.get('extra_float_digits') ?? '1');
  const is = parameters.get('intervalstyle') ?? 'postgres';
  return {
    timeZone: parameters.get('timezone') ?? 'UTC',
    ...dateStyleOf(parameters.get('datestyle') ?? 'ISO, MDY'),
    intervalStyle: is === 'postgres_verbose' || is === 'sql_standard' || is === 'iso_8601' ? is : 'postgres',
    extraFloatDigits: Number.isFinite(ifd) ? ifd : 1,
    byteaOutput: parameters.get('bytea_output') === 'escape' ? 'escape' : 'hex',
  };
}

/** `now` is the transaction's start (µs since 2000-01-01 UTC), fixed for the transaction as in PostgreSQL. */
export function evalSettings(session: SessionState, transactionStart: bigint, statementStart: bigint): EvalSettings {
  return { ...outputSettings(session.parameters), transactionStart, statementStart };
}
