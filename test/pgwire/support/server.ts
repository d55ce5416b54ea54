/*
 * Starts a PgWireServer over the constant engine on an ephemeral port, for pgwire tests.
 */
import { ConstantEngine, type ConstantEngineOptions } from '../../support/constant-engine.js';
import { PgWireServer, type PgWireServerOptions } from '../../../src/pgwire/server.js';

export interface TestServer {
  readonly server: PgWireServer;
  readonly engine: ConstantEngine;
  readonly port: number;
  /** Log lines at warn/error (a test can assert there were none). */
  readonly problems: string[];
  close(): Promise<void>;
}

export async function startServer(
  options: Partial<PgWireServerOptions> = {},
  engineOptions: ConstantEngineOptions = {},
): Promise<TestServer> {
  const engine = new ConstantEngine(engineOptions);
  const problems: string[] = [];
  const server = new PgWireServer(engine, {
    host: '127.0.0.1',
    port: 0,
    maxConnections: 100,
    auth: { method: 'trust' },
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') problems.push(`${level}: ${msg} ${JSON.stringify(fields)}`);
    },
    ...options,
  });
  const { port } = await server.listen();
  return { server, engine, port, problems, close: () => server.close() };
}
