/*
 * main.ts — `memstore-sidecar` / `npm start`.
 *
 * Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when start-up fails (the message
 * says why), 2 for bad command line or configuration.
 */
import { ConfigError, parseConfig, usage, type Config } from './config.js';
import { createLogger, type Logger } from '../log.js';
import type { EmbeddedServer } from '../pg/embedded.js';
import { startEmbeddedSource } from '../sidecar/embedded-source.js';
import { SourceConfigError } from '../sidecar/follower.js';
import { Sidecar } from '../sidecar/sidecar.js';

async function main(): Promise<number> {
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
  const log = createLogger({ format: config.logFormat, level: config.logLevel, base: config.logFormat === 'json' ? { id: config.id } : {} });

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
    });
    await sidecar.start();
    printConnectInfo(config, sourceUrl, sidecar.address, embedded !== undefined, log);
    return -1; // keep running
  } catch (err) {
    const known = err instanceof SourceConfigError || err instanceof ConfigError;
    log.error(known ? (err as Error).message : 'start-up failed', known ? {} : { error: err instanceof Error ? err.stack : String(err) });
    await shutdown('start-up failure');
    return 1;
  }
}

function printConnectInfo(config: Config, sourceUrl: string, address: { host: string; port: number } | undefined, embedded: boolean, log: Logger): void {
  const db = new URL(sourceUrl).pathname.slice(1) || 'postgres';
  const host = address ? (address.host.includes(':') ? `[${address.host}]` : address.host) : '';
  const readUrl = address ? `postgres://memstore@${host}:${address.port}/${db}` : '';
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
