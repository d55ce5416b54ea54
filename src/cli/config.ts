/*
 * config.ts — the command line contract of DESIGN.md: every setting is a flag and an environment
 * variable (12-factor); a flag wins over the variable, the variable over the default.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface Config {
  /** The PostgreSQL to follow; undefined = an embedded PostgreSQL 17 under <dataDir>/pg. */
  readonly source: string | undefined;
  readonly publication: string;
  readonly slot: string;
  readonly id: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  /** Seconds between durable dumps; 0 = off. */
  readonly snapshotInterval: number;
  /** How many dumps are kept (the newest first). */
  readonly keepDumps: number;
  readonly logFormat: 'json' | 'pretty';
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: string | undefined;
}

export const SETTINGS = {
  source: { flag: 'source', env: 'MEMSTORE_SOURCE', help: 'URL of the PostgreSQL to follow (default: an embedded PostgreSQL 17 under <data-dir>/pg)', fallback: undefined },
  publication: { flag: 'publication', env: 'MEMSTORE_PUBLICATION', help: 'publication naming the followed tables', fallback: 'memstore' },
  slot: { flag: 'slot', env: 'MEMSTORE_SLOT', help: "this sidecar's replication slot (default memstore_<id>)", fallback: undefined },
  id: { flag: 'id', env: 'MEMSTORE_ID', help: 'sidecar identity (default: from the host name)', fallback: undefined },
  listen: { flag: 'listen', env: 'MEMSTORE_LISTEN', help: 'pgwire endpoint HOST:PORT', fallback: '127.0.0.1:6433' },
  http: { flag: 'http', env: 'MEMSTORE_HTTP', help: '/metrics, /healthz, /readyz HOST:PORT', fallback: '127.0.0.1:9433' },
  dataDir: { flag: 'data-dir', env: 'MEMSTORE_DATA_DIR', help: "dumps (and the embedded server's data)", fallback: './.memstore' },
  snapshotInterval: { flag: 'snapshot-interval', env: 'MEMSTORE_SNAPSHOT_INTERVAL', help: 'seconds between durable dumps (0 = off)', fallback: '60' },
  keepDumps: { flag: 'keep-dumps', env: 'MEMSTORE_KEEP_DUMPS', help: 'how many dumps to keep', fallback: '2' },
  logFormat: { flag: 'log-format', env: 'MEMSTORE_LOG_FORMAT', help: 'json or pretty (default: pretty on a terminal)', fallback: undefined },
  logLevel: { flag: 'log-level', env: 'MEMSTORE_LOG_LEVEL', help: 'debug, info, warn or error', fallback: 'info' },
} as const satisfies Record<string, Setting>;

export function usage(): string {
  const lines = Object.values(SETTINGS).map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(28)} ${s.help}${s.fallback !== undefined ? ` [${s.fallback}]` : ''}`);
  return ['usage: memstore-sidecar [options]', '', '  flag                   environment variable         meaning', ...lines, '  --help'].join('\n');
}

/** Slot names allow [a-z0-9_], at most 63 bytes. */
export function slotNameFor(id: string): string {
  const clean = id.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `memstore_${clean}`.slice(0, 63);
}

function hostPort(value: string, what: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port >= 0 && port < 65536)) throw new ConfigError(`${what} must be HOST:PORT, got "${value}"`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, isTty = false): Config | 'help' {
  const options = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, allowPositionals: false, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  if (parsed.values.help) return 'help';
  const get = (s: Setting): string | undefined => {
    const flag = (parsed.values as Record<string, unknown>)[s.flag];
    if (typeof flag === 'string') return flag;
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return s.fallback;
  };
  const id = get(SETTINGS.id) ?? hostname().split('.')[0] ?? 'sidecar';
  const interval = Number(get(SETTINGS.snapshotInterval));
  if (!Number.isFinite(interval) || interval < 0) throw new ConfigError(`--snapshot-interval must be a number of seconds ≥ 0`);
  const keepDumps = Number(get(SETTINGS.keepDumps));
  if (!Number.isInteger(keepDumps) || keepDumps < 1) throw new ConfigError('--keep-dumps must be a whole number ≥ 1');
  const logFormat = get(SETTINGS.logFormat) ?? (isTty ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError('--log-format must be json or pretty');
  const logLevel = get(SETTINGS.logLevel)!;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError('--log-level must be debug, info, warn or error');
  const publication = get(SETTINGS.publication)!;
  const slot = get(SETTINGS.slot) ?? slotNameFor(id);
  if (!/^[a-z0-9_]{1,63}$/.test(slot)) throw new ConfigError(`--slot "${slot}" is not a valid slot name (lower-case letters, digits and _, at most 63)`);
  return {
    source: get(SETTINGS.source),
    publication,
    slot,
    id,
    listen: hostPort(get(SETTINGS.listen)!, '--listen'),
    http: hostPort(get(SETTINGS.http)!, '--http'),
    dataDir: path.resolve(get(SETTINGS.dataDir)!),
    snapshotInterval: interval,
    keepDumps,
    logFormat,
    logLevel: logLevel as Config['logLevel'],
  };
}
