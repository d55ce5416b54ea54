/*
 * connection.ts — one client connection: the socket, the drive loop that hands each whole message
 * to the part of the protocol the connection is in, and the ways a connection ends.
 *
 *            ┌─────────┐   startup.ts: SSLRequest/TLS, GSSENCRequest, CancelRequest,
 *   accept → │ startup │   StartupMessage, admission (53300)
 *            └────┬────┘
 *                 ▼
 *            ┌─────────┐   auth-flow.ts: trust, or SCRAM-SHA-256 (28P01)
 *            │  auth   │
 *            └────┬────┘   AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery
 *                 ▼
 *            ┌─────────┐   query-protocol.ts: ready ⇄ query / extended / copy
 *            │  ready  │   (portal.ts runs statements and streams their results)
 *            └────┬────┘
 *                 │ Terminate, EOF, FATAL (any phase: bad framing 08P01, startup and auth
 *                 ▼ errors), server close (57P01)
 *            ┌─────────┐
 *            │ closed  │   the FATAL ErrorResponse goes out, then the socket ends
 *            └─────────┘
 *
 * What for: everything the wire protocol needs per client — framing in, state, statements and
 * portals, error recovery, cancellation, and flow control out — while the engine only sees SQL.
 * This file owns the socket and the order of messages; the phases are their own files, each
 * given this connection through a narrow interface (StartupPeer, ProtocolPeer, RunnerPeer).
 *
 * Execution model: messages are handled synchronously as far as possible; a point SELECT goes
 * from 'data' event to one socket.write without a promise. Work that must wait (an engine promise,
 * a full socket, yielding to other connections during a long result) returns a Pending promise;
 * the socket is paused until it settles and then the next message is taken. So messages of one
 * connection are strictly ordered, and a slow consumer stops both reading and row production.
 * Against the obvious alternative (an async handler awaited per message): no promise and no
 * microtask per message on the hot path, and output is flushed once per input burst. Cost: two
 * shapes of control flow (a sync path returning Pending, and async continuations) to keep in step.
 * A client pipelining many queries without reading is stopped the same way: reading pauses while
 * the socket refuses output.
 *
 * Left out: see startup.ts and query-protocol.ts; SCRAM channel binding (scram.ts). XXX A client
 * may hold up to 64 MiB of an unfinished message per connection (PostgreSQL: 1 GiB); bytes are
 * kept as they arrive, never allocated from the claim (message-reader.ts).
 *
 * Concurrency: single-threaded, all on the event loop. A CancelRequest arrives on another
 * connection and calls cancelRunning() here; it only aborts a statement that is running (between
 * execute() and its CommandComplete/PortalSuspended), as in PostgreSQL.
 *
 * Interface:
 *   new Connection(socket, host)
 *   processId, secretKey, state
 *   cancelRunning()        CancelRequest for this backend
 *   terminate()            server shutdown: FATAL 57P01, then close
 *   destroy()              drops the socket without a goodbye
 *   info()                 state and buffered bytes, for tests and metrics
 * The other public members serve the phase files (the *Peer interfaces), not the server.
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import type tls from 'node:tls';
import { SqlError, toSqlError } from '../errors.js';
import type { ConnectionHost, ConnectionInfo, ConnectionState } from './connection-host.js';
import type { SessionState } from './engine.js';
import { FieldReader, MessageReader, NONE, STARTUP_LIMITS } from './message-reader.js';
import { MessageWriter } from './message-writer.js';
import { FLUSH_AT, type Pending } from './portal.js';
import { QueryProtocol, type ProtocolPeer } from './query-protocol.js';
import { SQLSTATE } from './sqlstate.js';
import { Startup, type StartupPeer } from './startup.js';
import { asFatal, ConnectionClosed, describeBug, toWireError } from './wire-errors.js';

export type { AuthSetup, ConnectionHost, ConnectionInfo, ConnectionState, LogFn, LogLevel } from './connection-host.js';

export class Connection implements StartupPeer, ProtocolPeer {
  state: ConnectionState = 'startup';
  readonly processId: number;
  readonly secretKey: number;
  tls = false;
  session: SessionState | null = null;
  readonly reader = new MessageReader(STARTUP_LIMITS);
  readonly out: MessageWriter;

  private socket: net.Socket;
  private readonly fields = new FieldReader();
  private readonly startup: Startup;
  private readonly protocol: QueryProtocol;
  private admitted = false;
  private startupTimer: NodeJS.Timeout | null;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeNotified = false;
  /** The drive loop is running or waiting on a Pending: new chunks are only buffered. */
  private busy = false;
  private drainWaiter: (() => void) | null = null;

  constructor(
    socket: net.Socket,
    readonly host: ConnectionHost,
  ) {
    this.socket = socket;
    this.processId = host.nextProcessId();
    this.secretKey = randomBytes(4).readInt32BE(0);
    this.out = new MessageWriter((chunk) => this.write(chunk));
    this.startup = new Startup(this);
    this.protocol = new QueryProtocol(this);
    this.attach(socket);
    socket.on('close', this.onClose);
    this.startupTimer = setTimeout(() => {
      this.host.log('info', 'startup timed out', { processId: this.processId });
      this.socket.destroy();
    }, host.startupTimeoutMs);
    this.startupTimer.unref();
  }

  // --- socket plumbing ----------------------------------------------------------------------------

  private attach(s: net.Socket): void {
    s.on('data', this.onData);
    s.on('drain', this.onDrain);
    s.on('error', this.onError);
  }

  private write(chunk: Buffer): boolean {
    const s = this.socket;
    if (s.destroyed || s.writableEnded) return true;
    return s.write(chunk);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    if (!this.busy) this.drive();
  };

  private readonly onDrain = (): void => {
    this.out.blocked = false;
    this.wakeDrain();
  };

  private wakeDrain(): void {
    const w = this.drainWaiter;
    this.drainWaiter = null;
    if (w !== null) w();
  }

  private readonly onError = (err: Error): void => {
    // ECONNRESET and the like: the client is gone; 'close' follows.
    this.host.log('debug', 'socket error', { processId: this.processId, error: err.message });
  };

  private readonly onClose = (): void => {
    if (this.closeNotified) return;
    this.closeNotified = true;
    const wasAdmitted = this.admitted;
    if (this.state !== 'closed') this.state = 'closed';
    if (this.startupTimer !== null) clearTimeout(this.startupTimer);
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.protocol.runner.abort(new ConnectionClosed('connection closed'));
    this.wakeDrain();
    this.protocol.closeAll();
    if (this.admitted) this.admitted = false;
    this.host.closed(this, wasAdmitted);
  };

  /** Handles buffered messages until none is whole, or until one has to wait. */
  private drive(): void {
    if (this.state === 'closed') return;
    this.busy = true;
    try {
      for (;;) {
        const code = this.reader.next();
        if (code === NONE) break;
        let p = this.dispatch(code, this.reader.body);
        if (this.isClosed()) {
          this.busy = false;
          return;
        }
        if (p === undefined && (this.out.blocked || this.out.pendingBytes >= FLUSH_AT)) {
          // A client pipelining many queries without reading: stop reading until it does.
          this.out.flush();
          if (this.out.blocked) p = this.waitDrain();
        }
        if (p !== undefined) {
          this.out.flush();
          this.socket.pause();
          void p.then(this.resume, this.crash);
          return;
        }
      }
    } catch (e) {
      this.crash(e);
      return;
    }
    this.busy = false;
    this.out.flush();
  }

  private dispatch(code: number, body: Buffer): Pending {
    switch (this.state) {
      case 'startup':
      case 'auth':
        return this.startup.handle(this.fields.reset(body));
      case 'closed':
        return undefined;
      case 'ready':
      case 'query':
      case 'extended':
      case 'copy':
        return this.protocol.handle(code, this.fields.reset(body));
    }
  }

  /** (A method, so that TypeScript does not narrow `state` across calls that change it.) */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private readonly resume = (): void => {
    if (this.state === 'closed') return;
    this.socket.resume();
    this.drive();
  };

  /** A FATAL error or a bug: tell the client (FATAL) and close this connection only. */
  private readonly crash = (e: unknown): void => {
    this.busy = false;
    if (this.state === 'closed' || e instanceof ConnectionClosed) return;
    let err: SqlError;
    if (e instanceof SqlError) err = asFatal(e);
    else {
      this.host.log('error', 'internal error in connection', { processId: this.processId, error: describeBug(e) });
      err = asFatal(toSqlError(e));
    }
    this.host.log('debug', 'closing connection after FATAL', { processId: this.processId, sqlstate: err.sqlstate, message: err.message });
    this.out.cancelOpen();
    this.out.errorResponse(err);
    this.out.flush();
    this.closeSocket();
  };

  // --- for the phases (StartupPeer, ProtocolPeer, RunnerPeer) ---------------------------------------

  closeSocket(): void {
    this.state = 'closed';
    this.protocol.runner.abort(new ConnectionClosed('connection closed'));
    this.wakeDrain();
    this.socket.end();
    // Keep reading (and ignoring) so the client's FIN is seen even if reading was paused.
    this.socket.resume();
    // A client that never reads would keep the socket half-closed forever.
    this.closeTimer = setTimeout(() => this.socket.destroy(), 10_000);
    this.closeTimer.unref();
  }

  endSocket(): void {
    this.state = 'closed';
    this.socket.end();
  }

  waitDrain(): Promise<void> {
    if (!this.out.blocked) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  toWire(e: unknown): SqlError {
    return toWireError(e, this.protocol.runner.signal, (bug) =>
      this.host.log('error', 'error while executing a statement', { processId: this.processId, error: describeBug(bug) }),
    );
  }

  detachForTls(): net.Socket {
    const raw = this.socket;
    raw.pause();
    raw.removeListener('data', this.onData);
    raw.removeListener('drain', this.onDrain);
    this.out.flush();
    return raw;
  }

  adoptTls(secure: tls.TLSSocket, raw: net.Socket): void {
    this.socket = secure;
    this.tls = true;
    this.attach(secure);
    secure.on('close', () => {
      raw.destroy();
      this.onClose();
    });
  }

  admit(): boolean {
    if (!this.host.admit(this)) return false;
    this.admitted = true;
    return true;
  }

  beginSession(session: SessionState): void {
    this.session = session;
    this.protocol.reportParameterChanges();
  }

  ready(): void {
    if (this.startupTimer !== null) {
      clearTimeout(this.startupTimer);
      this.startupTimer = null;
    }
    this.host.register(this);
  }

  // --- public -------------------------------------------------------------------------------------

  cancelRunning(): void {
    if (!this.protocol.runner.running || this.state === 'closed') return;
    this.host.log('info', 'canceling statement', { processId: this.processId });
    this.protocol.runner.abort(new SqlError(SQLSTATE.query_canceled, 'canceling statement due to user request'));
    this.wakeDrain();
  }

  /** Drops the socket without a goodbye (shutdown grace period exceeded). */
  destroy(): void {
    this.socket.destroy();
  }

  terminate(): void {
    if (this.state === 'closed') return;
    this.crash(new SqlError(SQLSTATE.admin_shutdown, 'terminating connection due to administrator command', { severity: 'FATAL' }));
  }

  info(): ConnectionInfo {
    return {
      processId: this.processId,
      state: this.state,
      user: this.session?.user ?? this.startup.params?.get('user'),
      database: this.session?.database,
      applicationName: this.session?.parameters.get('application_name'),
      tls: this.tls,
      bufferedBytes: this.socket.writableLength + this.out.pendingBytes,
      waitingForDrain: this.drainWaiter !== null,
      bytesReceived: this.socket.bytesRead,
    };
  }
}
