/*
 * session-parameters.ts — the run-time parameters a new session starts with, and the ones the
 * server reports to the client (ParameterStatus) at startup and whenever they change.
 *
 * Keys of SessionState.parameters are lower case (PostgreSQL parameter names are
 * case-insensitive); ParameterStatus uses PostgreSQL's own spelling ("DateStyle", "TimeZone").
 * Values are what real drivers need to see from a PostgreSQL 17 server: node-postgres and
 * postgres.js read server_version / integer_datetimes / standard_conforming_strings /
 * client_encoding; libpq parses server_version with "%d.%d".
 *
 * Interface:
 *   REPORTED_PARAMETERS                 [lower-case key, PostgreSQL spelling] of GUC_REPORT params (PG 17)
 *   SERVER_VERSION, SERVER_VERSION_NUM
 *   startupSettings(startup)            the startup packet's settings (user/database/options removed,
 *                                       `options=-c a=b` expanded), keys lower case
 *   defaultParameters(user)             values for every reported parameter (+ server_version_num)
 *   normalizeClientEncoding(value)      'UTF8' | 'SQL_ASCII' | null (unsupported)
 */

export const SERVER_VERSION = '17.10 (memstore)';
export const SERVER_VERSION_NUM = '170010';

/** Parameters PostgreSQL 17 marks GUC_REPORT, in the order it sends them. */
export const REPORTED_PARAMETERS: ReadonlyArray<readonly [key: string, wireName: string]> = [
  ['application_name', 'application_name'],
  ['client_encoding', 'client_encoding'],
  ['datestyle', 'DateStyle'],
  ['default_transaction_read_only', 'default_transaction_read_only'],
  ['in_hot_standby', 'in_hot_standby'],
  ['integer_datetimes', 'integer_datetimes'],
  ['intervalstyle', 'IntervalStyle'],
  ['is_superuser', 'is_superuser'],
  ['scram_iterations', 'scram_iterations'],
  ['server_encoding', 'server_encoding'],
  ['server_version', 'server_version'],
  ['session_authorization', 'session_authorization'],
  ['standard_conforming_strings', 'standard_conforming_strings'],
  ['timezone', 'TimeZone'],
];

/** Startup packet keys that are not settings. */
const NOT_SETTINGS = new Set(['user', 'database', 'options', 'replication']);

/**
 * The settings a startup packet asks for, keys in lower case. `options` is expanded the way
 * PostgreSQL reads it: `-c name=value` and `--name=value`, separated by spaces (`\ ` escapes one).
 * Protocol options (`_pq_.*`) are not settings and are left out.
 */
export function startupSettings(startup: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of startup) {
    if (NOT_SETTINGS.has(k) || k.startsWith('_pq_.')) continue;
    out.set(k.toLowerCase(), v);
  }
  const options = startup.get('options');
  if (options !== undefined) {
    const words = splitOptions(options);
    for (let i = 0; i < words.length; i++) {
      let w = words[i]!;
      if (w === '-c' && i + 1 < words.length) w = words[++i]!;
      else if (w.startsWith('-c')) w = w.slice(2);
      else if (w.startsWith('--')) w = w.slice(2);
      else continue;
      const eq = w.indexOf('=');
      if (eq > 0) out.set(w.slice(0, eq).toLowerCase().replace(/-/g, '_'), w.slice(eq + 1));
    }
  }
  return out;
}

function splitOptions(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) cur += s[++i]!;
    else if (c === ' ' || c === '\t') {
      if (cur !== '') words.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') words.push(cur);
  return words;
}

export function defaultParameters(user: string): Map<string, string> {
  return new Map([
    ['application_name', ''],
    ['client_encoding', 'UTF8'],
    ['datestyle', 'ISO, MDY'],
    // memstore is a read-only replica: say so, as a hot standby does.
    ['default_transaction_read_only', 'on'],
    ['in_hot_standby', 'on'],
    ['integer_datetimes', 'on'],
    ['intervalstyle', 'postgres'],
    ['is_superuser', 'off'],
    ['scram_iterations', '4096'],
    ['server_encoding', 'UTF8'],
    ['server_version', SERVER_VERSION],
    ['server_version_num', SERVER_VERSION_NUM],
    ['session_authorization', user],
    ['standard_conforming_strings', 'on'],
    ['timezone', 'UTC'],
  ]);
}

/**
 * memstore sends UTF-8 only. SQL_ASCII is accepted too: PostgreSQL does no conversion for it
 * either, and psql asks for it under the C locale.
 */
export function normalizeClientEncoding(value: string): 'UTF8' | 'SQL_ASCII' | null {
  const v = value.toLowerCase().replace(/[-_]/g, '');
  if (v === 'utf8' || v === 'unicode') return 'UTF8';
  if (v === 'sqlascii') return 'SQL_ASCII';
  return null;
}
