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
  /** SCRAM-SHA-256 credentials for readers; absent = trust (loopback only, or --allow-trust). */
  readonly auth?: { readonly user: string; readonly password: string } | { readonly user: string; readonly passwordFile: string };
  /** PEM files: SSLRequest is then accepted and the connection upgraded to TLS. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Reader connections admitted at once; the next gets 53300. */
  readonly maxConnections?: number;
  /** Trust (no password) was asked for explicitly on a non-loopback --listen. */
  readonly allowTrust?: boolean;
  /** A peer sidecar's pgwire URL to load the state from when there is no usable dump. */
  readonly bootstrapFrom?: string;
  /** /readyz fails when the sidecar is more than this many bytes of WAL behind. */
  readonly readyMaxLagBytes?: number;
  /** /readyz fails after this many dumps failed in a row. */
  readonly readyMaxDumpFailures?: number;
  /** Seconds between checks of this project's other slots (0 = only at start). */
  readonly slotCheckInterval?: number;
  /** Seconds a sibling slot may stay inactive before a warning (log + metric). */
  readonly inactiveSlotWarn?: number;
  /** Create the slot as a PostgreSQL 17 failover slot. */
  readonly failoverSlot?: boolean;
  /** Bytes of an open transaction kept in memory before it spills to a file. */
  readonly txnMemoryLimit?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: string | undefined;
  /** A flag without a value (`--allow-trust`); its variable is true for 1/true/yes/on. */
  readonly boolean?: true;
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
  user: { flag: 'user', env: 'MEMSTORE_USER', help: 'readers must log in as this user with SCRAM-SHA-256 (needs a password)', fallback: undefined },
  password: { flag: 'password', env: 'MEMSTORE_PASSWORD', help: "the --user's password", fallback: undefined },
  passwordFile: { flag: 'password-file', env: 'MEMSTORE_PASSWORD_FILE', help: "file holding the --user's password (first line)", fallback: undefined },
  tlsCert: { flag: 'tls-cert', env: 'MEMSTORE_TLS_CERT', help: 'PEM certificate (chain) for TLS on the pgwire endpoint', fallback: undefined },
  tlsKey: { flag: 'tls-key', env: 'MEMSTORE_TLS_KEY', help: 'PEM private key of --tls-cert', fallback: undefined },
  maxConnections: { flag: 'max-connections', env: 'MEMSTORE_MAX_CONNECTIONS', help: 'reader connections at once (more get 53300)', fallback: '100' },
  allowTrust: { flag: 'allow-trust', env: 'MEMSTORE_ALLOW_TRUST', help: 'serve a non-loopback --listen without a password', fallback: undefined, boolean: true },
  readyMaxLagBytes: { flag: 'ready-max-lag-bytes', env: 'MEMSTORE_READY_MAX_LAG_BYTES', help: '/readyz fails when this many bytes of WAL behind', fallback: '16777216' },
  readyMaxDumpFailures: { flag: 'ready-max-dump-failures', env: 'MEMSTORE_READY_MAX_DUMP_FAILURES', help: '/readyz fails after this many dumps failed in a row', fallback: '3' },
  slotCheckInterval: { flag: 'slot-check-interval', env: 'MEMSTORE_SLOT_CHECK_INTERVAL', help: "seconds between checks of this project's other slots (0 = only at start)", fallback: '60' },
  inactiveSlotWarn: { flag: 'inactive-slot-warn', env: 'MEMSTORE_INACTIVE_SLOT_WARN', help: 'warn when another slot of this project is inactive this many seconds', fallback: '3600' },
  failoverSlot: { flag: 'failover-slot', env: 'MEMSTORE_FAILOVER_SLOT', help: 'create the slot as a PostgreSQL 17 failover slot (FAILOVER true)', fallback: undefined, boolean: true },
  txnMemoryLimit: { flag: 'txn-memory-limit', env: 'MEMSTORE_TXN_MEMORY_LIMIT', help: 'bytes of an open transaction held in memory before it spills to a file (suffix kB, MB, GB)', fallback: '64MB' },
  bootstrapFrom: { flag: 'bootstrap-from', env: 'MEMSTORE_BOOTSTRAP_FROM', help: "with no usable dump, load tables and memstore keys from this peer sidecar's pgwire URL", fallback: undefined },
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
  const options = Object.fromEntries(Object.values(SETTINGS).map((s: Setting) => [s.flag, { type: s.boolean ? ('boolean' as const) : ('string' as const) }]));
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
    if (flag === true) return 'true';
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
  const listen = hostPort(get(SETTINGS.listen)!, '--listen');
  const isFlag = (s: Setting): boolean => (parsed.values as Record<string, unknown>)[s.flag] !== undefined;
  const access = accessConfig(get, isFlag, listen.host);
  return {
    source: get(SETTINGS.source),
    publication,
    slot,
    id,
    listen,
    http: hostPort(get(SETTINGS.http)!, '--http'),
    dataDir: path.resolve(get(SETTINGS.dataDir)!),
    snapshotInterval: interval,
    keepDumps,
    logFormat,
    logLevel: logLevel as Config['logLevel'],
    ...access,
    ...bootstrapConfig(get(SETTINGS.bootstrapFrom)),
    ...opsConfig(get),
    txnMemoryLimit: byteSize(get(SETTINGS.txnMemoryLimit)!, '--txn-memory-limit'),
  };
}

/** `65536`, `64kB`, `64MB`, `1GB` (PostgreSQL's units, powers of 1024) → bytes. */
export function byteSize(value: string, what: string): number {
  const m = /^\s*(\d+)\s*(B|kB|MB|GB)?\s*$/.exec(value);
  if (!m) throw new ConfigError(`${what} must be a size in bytes, optionally with kB, MB or GB, got "${value}"`);
  const n = Number(m[1]) * { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] ?? 'B']!;
  if (!Number.isSafeInteger(n) || n < 1024) throw new ConfigError(`${what} must be at least 1kB`);
  return n;
}

/** Readiness limits, the sibling-slot check and the failover slot (metrics/health, issue #6). */
function opsConfig(get: (s: Setting) => string | undefined): Pick<Config, 'readyMaxLagBytes' | 'readyMaxDumpFailures' | 'slotCheckInterval' | 'inactiveSlotWarn' | 'failoverSlot'> {
  const number = (s: Setting, min: number, integer: boolean): number => {
    const v = Number(get(s));
    if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) throw new ConfigError(`--${s.flag} must be a ${integer ? 'whole ' : ''}number ≥ ${min}`);
    return v;
  };
  const failover = get(SETTINGS.failoverSlot);
  if (failover !== undefined && !/^(1|0|true|false|yes|no|on|off)$/i.test(failover)) throw new ConfigError('MEMSTORE_FAILOVER_SLOT must be true or false');
  return {
    readyMaxLagBytes: number(SETTINGS.readyMaxLagBytes, 0, true),
    readyMaxDumpFailures: number(SETTINGS.readyMaxDumpFailures, 1, true),
    slotCheckInterval: number(SETTINGS.slotCheckInterval, 0, false),
    inactiveSlotWarn: number(SETTINGS.inactiveSlotWarn, 0, false),
    failoverSlot: failover !== undefined && /^(1|true|yes|on)$/i.test(failover),
  };
}

/** --bootstrap-from must be a postgres:// URL (checked here so a typo exits 2, not 1 later). */
function bootstrapConfig(url: string | undefined): Pick<Config, 'bootstrapFrom'> {
  if (url === undefined) return {};
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw new ConfigError(`--bootstrap-from must be a postgres:// URL of a peer sidecar, got "${url}"`);
  return { bootstrapFrom: url };
}

/**
 * Who may read: SCRAM credentials, TLS files, the connection limit. A listener reachable from
 * other hosts without a password is refused unless trust was asked for by name: a sidecar holds
 * a copy of the primary's data, and a typo in --listen must not publish it to the network.
 */
function accessConfig(
  get: (s: Setting) => string | undefined,
  isFlag: (s: Setting) => boolean,
  listenHost: string,
): Pick<Config, 'auth' | 'tls' | 'maxConnections' | 'allowTrust'> {
  const user = get(SETTINGS.user);
  let password = get(SETTINGS.password);
  let passwordFile = get(SETTINGS.passwordFile);
  if (password !== undefined && passwordFile !== undefined) {
    // A flag wins over the other one's variable; two flags or two variables are ambiguous.
    const pwFlag = isFlag(SETTINGS.password);
    if (pwFlag === isFlag(SETTINGS.passwordFile)) throw new ConfigError('give --password or --password-file, not both');
    if (pwFlag) passwordFile = undefined;
    else password = undefined;
  }
  if ((password !== undefined || passwordFile !== undefined) && user === undefined) throw new ConfigError('--password/--password-file need --user');
  if (user !== undefined && password === undefined && passwordFile === undefined) throw new ConfigError('--user needs --password or --password-file');
  const auth = user === undefined ? undefined : password !== undefined ? { user, password } : { user, passwordFile: path.resolve(passwordFile!) };
  const cert = get(SETTINGS.tlsCert);
  const key = get(SETTINGS.tlsKey);
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  const maxConnections = Number(get(SETTINGS.maxConnections));
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new ConfigError('--max-connections must be a whole number ≥ 1');
  const trustValue = get(SETTINGS.allowTrust);
  if (trustValue !== undefined && !/^(1|0|true|false|yes|no|on|off)$/i.test(trustValue)) throw new ConfigError('MEMSTORE_ALLOW_TRUST must be true or false');
  const allowTrust = trustValue !== undefined && /^(1|true|yes|on)$/i.test(trustValue);
  if (!isLoopback(listenHost) && auth === undefined && !allowTrust) {
    throw new ConfigError(
      `--listen ${listenHost} accepts connections from other hosts, and no password is set: give --user with --password/--password-file (SCRAM-SHA-256), ` +
        'or --allow-trust to serve the data without a password',
    );
  }
  return {
    ...(auth ? { auth } : {}),
    ...(cert !== undefined && key !== undefined ? { tls: { certFile: path.resolve(cert), keyFile: path.resolve(key) } } : {}),
    maxConnections,
    allowTrust,
  };
}

/** localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x): only this host can connect. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
