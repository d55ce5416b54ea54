/*
 * embedded-source.ts — `npm start` without --source: a real PostgreSQL 17 under <data-dir>/pg,
 * with sql/memstore.sql installed and the publication created, so a newcomer has a primary to
 * write to and a sidecar following it.
 *
 * The sidecar owns this server, so it also locks memstore writes down (memstore.lock_down():
 * PUBLIC may no longer call pg_logical_emit_message and forge memstore ops) instead of leaving the
 * opt-in step to an operator and warning about forgery at every start. The superuser `postgres`
 * that `npm start` prints keeps every right (memstore.set works for it); roles made later write
 * through memstore_writer, as on any locked-down source.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from '../log.js';
import { freePort, startEmbedded, type EmbeddedServer } from '../pg/embedded.js';
import { quoteIdent } from '../replication/connection.js';

export const SQL_FILE = fileURLToPath(new URL('../../sql/memstore.sql', import.meta.url));

/** The preferred port of the embedded server, so its URL stays the same across restarts. */
const PREFERRED_PORT = 54329;

export async function startEmbeddedSource(dataDir: string, publication: string, log: Logger): Promise<EmbeddedServer> {
  const port = (await portIsFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  const pgLog = log.child({ component: 'postgres' });
  const server = await startEmbedded({
    dataDir: path.join(dataDir, 'pg'),
    port,
    onLog: (line) => {
      if (/ERROR|FATAL|PANIC/.test(line)) pgLog.warn(line.trim());
    },
  });
  if (server.dataDir !== path.resolve(dataDir, 'pg')) {
    log.info('the embedded PostgreSQL keeps its cluster outside the data directory: the OS user "postgres" cannot reach it there', {
      link: path.resolve(dataDir, 'pg'),
      cluster: server.dataDir,
    });
  }
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await installSql(client);
    // Idempotent: at every start, since installing the SQL again does not undo it, but a GRANT by hand might.
    const locked = await client.query<{ lock_down: string }>('SELECT memstore.lock_down()');
    log.debug('locked memstore writes down on the embedded server', { result: locked.rows[0]?.lock_down });
    const pub = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
    if (pub.rowCount === 0) {
      await client.query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR ALL TABLES`);
      log.info('created publication for all tables', { publication });
    }
  } finally {
    await client.end();
  }
  return server;
}

export async function installSql(client: pg.Client): Promise<void> {
  await client.query(await readFile(SQL_FILE, 'utf8'));
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
