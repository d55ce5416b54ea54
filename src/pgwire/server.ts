/*
 * server.ts — the pgwire listener: accepts sockets, owns the set of connections, the connection
 * limit and the cancel keys.
 *
 * What for: real PostgreSQL drivers (node-postgres, postgres.js, psql/libpq, JDBC, ...) connect
 * to memstore as to PostgreSQL 17. Each socket gets a Connection (connection.ts); this file only
 * does what spans connections: admission against maxConnections (53300 after the startup packet,
 * as PostgreSQL does, so CancelRequests still get through when full), routing a CancelRequest to
 * the backend with that process id and secret key, TLS context, and shutdown.
 *
 * Concurrency: one event loop. Process ids are a counter (unique per server); secret keys are
 * random 32-bit values. A cancel key is registered once BackendKeyData is sent and removed when
 * the socket closes.
 *
 * Left out: pg_hba-style rules (one auth method for every user, database and address), per-user
 * connection limits, several processes sharing the port (one Node process serves all clients; on
 * loopback the kernel's read/write cost per query, not JavaScript, is what bounds it).
 *
 * Interface:
 *   new PgWireServer(engine, options)
 *   listen() → {host, port}     port 0 picks a free port
 *   close()                      stop accepting; FATAL 57P01 to every client; resolves when all closed
 *   connectionCount              connections holding a slot (past the startup packet)
 *   connections()                ConnectionInfo per open socket (state, buffered bytes)
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Engine } from './engine.js';
import { Connection, type AuthSetup, type ConnectionHost, type ConnectionInfo, type LogFn } from './connection.js';
import { ScramAuthenticator } from './scram.js';

export type { ConnectionInfo, LogFn, LogLevel } from './connection.js';

export interface PgWireServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  readonly auth: { readonly method: 'trust' } | { readonly method: 'scram-sha-256'; readonly users: ReadonlyMap<string, string> };
  /** PEM key and certificate: SSLRequest is then answered 'S' and the connection upgraded. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  readonly log?: LogFn;
  /** A connection that has not finished authentication by then is dropped (PostgreSQL: 60 s). */
  readonly startupTimeoutMs?: number;
  /** Called with the seconds each statement execution took (query latency metrics). */
  readonly observeQuery?: (seconds: number) => void;
}

export class PgWireServer {
  private readonly server: net.Server;
  private readonly open = new Set<Connection>();
  private readonly byProcessId = new Map<number, Connection>();
  private readonly closedWaiters = new Set<() => void>();
  private admitted = 0;
  private lastProcessId = 0;
  private closing = false;
  private readonly host: ConnectionHost;
  private readonly log: LogFn;

  constructor(
    engine: Engine,
    private readonly options: PgWireServerOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    const auth: AuthSetup =
      options.auth.method === 'trust' ? { method: 'trust' } : { method: 'scram-sha-256', scram: new ScramAuthenticator(options.auth.users) };
    const tlsContext = options.tls === undefined ? null : tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert });
    this.host = {
      engine,
      auth,
      tlsContext,
      startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      log: this.log,
      observeQuery: options.observeQuery,
      admit: () => {
        if (this.closing || this.admitted >= this.options.maxConnections) return false;
        this.admitted++;
        return true;
      },
      register: (conn) => {
        this.byProcessId.set(conn.processId, conn);
      },
      cancel: (processId, secretKey) => {
        const conn = this.byProcessId.get(processId);
        if (conn === undefined || conn.secretKey !== secretKey) {
          this.log('info', 'cancel request for an unknown backend or with a wrong key', { processId });
          return;
        }
        conn.cancelRunning();
      },
      closed: (conn, admitted) => {
        this.open.delete(conn);
        if (this.byProcessId.get(conn.processId) === conn) this.byProcessId.delete(conn.processId);
        if (admitted) this.admitted--;
        if (this.open.size === 0) for (const w of this.closedWaiters) w();
      },
      nextProcessId: () => {
        this.lastProcessId = this.lastProcessId >= 0x7fffffff ? 1 : this.lastProcessId + 1;
        return this.lastProcessId;
      },
    };
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.log('error', 'pgwire listener error', { error: err.message }));
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const conn = new Connection(socket, this.host);
    this.open.add(conn);
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.removeListener('error', onError);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') {
          reject(new Error('pgwire listener has no TCP address'));
          return;
        }
        this.log('info', 'pgwire listening', { host: addr.address, port: addr.port });
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  /** Stops accepting, ends every connection with FATAL 57P01, and waits until all are closed. */
  async close(): Promise<void> {
    this.closing = true;
    const listenerClosed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    if (this.open.size > 0) {
      const allClosed = new Promise<void>((resolve) => this.closedWaiters.add(resolve));
      for (const conn of this.open) conn.terminate();
      // Clients that never read their last bytes are cut off after a grace period.
      const timer = setTimeout(() => {
        for (const conn of this.open) conn.destroy();
      }, 5_000);
      await allClosed;
      clearTimeout(timer);
    }
    await listenerClosed;
  }

  get connectionCount(): number {
    return this.admitted;
  }

  connections(): ConnectionInfo[] {
    return [...this.open].map((c) => c.info());
  }
}
