/*
 * main.ts — `memstore-sidecar` / `npm start`.
 *
 * Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when start-up fails (the message
 * says why), 2 for bad command line or configuration.
 *
 * `memstore-sidecar slots …` lists and drops this project's slots instead (cli/slots.ts).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, isLoopback, parseConfig, usage, type Config } from './config.js';
import { createLogger, type Logger } from '../log.js';
import type { EmbeddedServer } from '../pg/embedded.js';
import { startEmbeddedSource } from '../sidecar/embedded-source.js';
import { SourceConfigError } from '../sidecar/source-catalog.js';
import { BootstrapError } from '../sidecar/bootstrap.js';
import { Sidecar, type SidecarOptions } from '../sidecar/sidecar.js';
import { runSlots } from './slots.js';

async function main(): Promise<number> {
  if (process.argv[2] === 'slots') {
    return runSlots(process.argv.slice(3), process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  let config: Config | 'help';
  try {
    config = parseConfig(process.argv.slice(2), process.env, process.stderr.isTTY);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`memstore-sidecar: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  let access: ReturnType<typeof readAccessFiles>;
  try {
    access = readAccessFiles(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`memstore-sidecar: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ format: config.logFormat, level: config.logLevel, base: config.logFormat === 'json' ? { id: config.id } : {} });
  if (config.allowTrust && !access.auth && !isLoopback(config.listen.host)) {
    log.warn('--allow-trust: any host that reaches the listener reads the data without a password', { listen: config.listen.host });
  }

  let embedded: EmbeddedServer | undefined;
  let sidecar: Sidecar | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down', { signal });
      await sidecar?.stop().catch((e: unknown) => log.error('stopping the sidecar failed', { error: String(e) }));
      await embedded?.stop().catch((e: unknown) => log.error('stopping the embedded PostgreSQL failed', { error: String(e) }));
      log.info('stopped');
    })();
    return stopping;
  };
  const exitAfter = (signal: string): void => {
    void shutdown(signal).then(() => process.exit(0));
  };
  // `on`, not `once`: a second signal during the final dump must not kill the process (shutdown
  // is idempotent), and loaders such as tsx exit on a signal that has no listener left.
  process.on('SIGTERM', () => exitAfter('SIGTERM'));
  process.on('SIGINT', () => exitAfter('SIGINT'));

  try {
    let sourceUrl = config.source;
    if (!sourceUrl) {
      log.info('no --source given: starting an embedded PostgreSQL 17', { data_dir: `${config.dataDir}/pg` });
      embedded = await startEmbeddedSource(config.dataDir, config.publication, log);
      sourceUrl = embedded.url;
    }
    sidecar = new Sidecar({
      source: { url: sourceUrl, applicationName: `memstore ${config.id}` },
      publication: config.publication,
      slot: config.slot,
      id: config.id,
      log,
      dataDir: config.dataDir,
      snapshotInterval: config.snapshotInterval,
      keepDumps: config.keepDumps,
      listen: config.listen,
      http: config.http,
      ...(config.readyMaxLagBytes !== undefined ? { readyMaxLagBytes: config.readyMaxLagBytes } : {}),
      ...(config.readyMaxDumpFailures !== undefined ? { readyMaxDumpFailures: config.readyMaxDumpFailures } : {}),
      slotCheck: { intervalMs: (config.slotCheckInterval ?? 60) * 1000, inactiveWarnMs: (config.inactiveSlotWarn ?? 3600) * 1000 },
      ...(config.failoverSlot ? { failoverSlot: true } : {}),
      ...(config.txnMemoryLimit !== undefined ? { txnMemoryLimit: config.txnMemoryLimit } : {}),
      ...(config.bootstrapFrom !== undefined ? { bootstrapFrom: config.bootstrapFrom } : {}),
      ...access,
    });
    await sidecar.start();
    printConnectInfo(config, sourceUrl, sidecar.address, embedded !== undefined, log, sidecar.httpAddress);
    return -1; // keep running
  } catch (err) {
    const known = err instanceof SourceConfigError || err instanceof ConfigError || err instanceof BootstrapError;
    log.error(known ? (err as Error).message : 'start-up failed', known ? {} : { error: err instanceof Error ? err.stack : String(err) });
    await shutdown('start-up failure');
    return 1;
  }
}

/** The password and PEM files named on the command line, read once at start (exit 2 when unreadable). */
function readAccessFiles(config: Config): Pick<SidecarOptions, 'auth' | 'tls' | 'maxConnections'> {
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read ${what} ${file}: ${(err as Error).message}`);
    }
  };
  let auth: SidecarOptions['auth'];
  if (config.auth) {
    const password = 'password' in config.auth ? config.auth.password : (read(config.auth.passwordFile, '--password-file').split(/\r?\n/)[0] ?? '');
    if (password === '') throw new ConfigError('the password is empty');
    auth = { method: 'scram-sha-256', users: new Map([[config.auth.user, password]]) };
  }
  return {
    ...(auth ? { auth } : {}),
    ...(config.tls ? { tls: { cert: read(config.tls.certFile, '--tls-cert'), key: read(config.tls.keyFile, '--tls-key') } } : {}),
    ...(config.maxConnections !== undefined ? { maxConnections: config.maxConnections } : {}),
  };
}

function printConnectInfo(
  config: Config,
  sourceUrl: string,
  address: { host: string; port: number } | undefined,
  embedded: boolean,
  log: Logger,
  httpAddress?: { host: string; port: number },
): void {
  const db = new URL(sourceUrl).pathname.slice(1) || 'postgres';
  const host = address ? (address.host.includes(':') ? `[${address.host}]` : address.host) : '';
  const readUrl = address ? `postgres://${config.auth ? encodeURIComponent(config.auth.user) : 'memstore'}@${host}:${address.port}/${db}${config.tls ? '?sslmode=require' : ''}` : '';
  const lines = [
    '',
    'memstore sidecar is following the source.',
    '',
    `  primary (write here):   psql "${sourceUrl}"`,
    ...(address ? [`  sidecar (read here):    psql "${readUrl}"`] : []),
    ...(embedded
      ? [
          '',
          '  on the primary:  CREATE TABLE items (id int PRIMARY KEY, name text);',
          "                   INSERT INTO items VALUES (1, 'one');",
          "                   SELECT memstore.set('greeting', '{\"hello\": \"world\"}');",
          '  on the sidecar:  SELECT * FROM items;',
          "                   SELECT memstore.get('greeting');",
        ]
      : []),
    '',
    `  slot ${config.slot}, publication ${config.publication}, dumps ${config.snapshotInterval > 0 ? `every ${config.snapshotInterval} s in ${config.dataDir}/dumps` : 'off'}`,
    ...(httpAddress ? [`  health and metrics:     http://${httpAddress.host.includes(':') ? `[${httpAddress.host}]` : httpAddress.host}:${httpAddress.port}/readyz  /healthz  /metrics`] : []),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  log.info('ready', { slot: config.slot, publication: config.publication });
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`memstore-sidecar: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
