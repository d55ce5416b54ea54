/*
 * connection.ts — one client connection: the protocol state machine between a socket and the
 * engine.
 *
 *                 SSLRequest → 'S' + TLS handshake, or 'N'      CancelRequest
 *                 GSSENCRequest → 'N'                           → cancel that backend's query
 *                ┌───────┐                                      → close (no reply)
 *                ▼       │
 *            ┌─────────┐─┘
 *   accept → │ startup │── bad packet / protocol ≠ 3 / too many clients (53300) ──────────┐
 *            └────┬────┘                                                                 │
 *                 │ StartupMessage                                                       │
 *                 ▼                                                                      │
 *            ┌─────────┐  trust: nothing to ask                                          │
 *            │  auth   │  scram-sha-256: SASL → SASLContinue → SASLFinal                 │
 *            └────┬────┘── wrong password / unknown user (28P01) ────────────────────────┤
 *                 │ AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery    │
 *                 ▼                                                                      │
 *            ┌─────────┐ Query ──────────► in query ── per statement ──► ReadyForQuery   │
 *            │  ready  │ Parse/Bind/Describe/Execute/Close/Flush ──► extended ─ Sync ─►  │
 *            └────┬────┘   (an error in extended mode skips messages until Sync)         │
 *                 │        a copy-out result: copy (CopyOutResponse, CopyData*, CopyDone)│
 *                 │ Terminate, EOF, FATAL (bad framing 08P01), server close (57P01)      │
 *                 ▼                                                                      │
 *            ┌─────────┐                                                                 │
 *            │ closed  │◄────────────────────────────────────────────────────────────────┘
 *            └─────────┘
 *
 * What for: everything the wire protocol needs per client — framing in, state, statements and
 * portals, error recovery, cancellation, and flow control out — while the engine only sees SQL.
 *
 * Execution model: messages are handled synchronously as far as possible; a point SELECT goes
 * from 'data' event to one socket.write without a promise. Work that must wait (an engine promise,
 * a full socket, yielding to other connections during a long result) returns a Pending promise;
 * the socket is paused until it settles and then the next message is taken. So messages of one
 * connection are strictly ordered, and a slow consumer stops both reading and row production.
 * Against the obvious alternative (an async handler awaited per message): no promise and no
 * microtask per message on the hot path, and output is flushed once per input burst. Cost: two
 * shapes of control flow (a sync path returning Pending, and async continuations) to keep in step.
 *
 * Left out: COPY FROM STDIN (CopyData/CopyDone/CopyFail are ignored, as outside COPY), FunctionCall
 * (0A000), protocol 3.2 and PostgreSQL 17's direct TLS (sslnegotiation=direct), GSSAPI, SCRAM
 * channel binding, LISTEN/NOTIFY. XXX A client may hold up to 64 MiB of an unfinished message per
 * connection (PostgreSQL: 1 GiB); bytes are kept as they arrive, never allocated from the claim.
 *
 * Flow control out: rows are pulled from the engine's iterator only while the socket accepts
 * writes; when socket.write returns false the pull stops until 'drain'. Buffered output per
 * connection is thus bounded by about one flush (32 KiB) plus the socket's high-water mark, not by
 * the size of the result. A long result also yields to the event loop every ~1 MiB, so cancel
 * requests and other connections are served meanwhile.
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
 *   info()                 state and buffered bytes, for tests and metrics
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { SqlError, toSqlError } from '../errors.js';
import { binaryParamToText, makeRowEncoder, type RowEncoder } from './binary-format.js';
import type { Engine, ExecContext, ExecResult, FieldDescription, SessionState, Statement } from './engine.js';
import {
  decodeBind,
  decodeDescribeOrClose,
  decodeExecute,
  decodeParse,
  decodeQuery,
  decodeSASLInitialResponse,
  decodeStartupParameters,
  type BindMessage,
  type ExecuteMessage,
  type ParseMessage,
  type TargetMessage,
} from './frontend-messages.js';
import { AUTH_LIMITS, decodeUtf8, FieldReader, MessageReader, NONE, protocolViolation, READY_LIMITS, STARTUP_LIMITS } from './message-reader.js';
import { MessageWriter } from './message-writer.js';
import { AuthCode, Frontend, PROTOCOL_3_0, SSL_ACCEPT, SSL_REFUSE, StartupCode, TxStatus, protocolMajor, protocolMinor } from './messages.js';
import { ScramExchange, SCRAM_SHA_256, type ScramAuthenticator, type ScramCredentials } from './scram.js';
import { defaultParameters, normalizeClientEncoding, REPORTED_PARAMETERS } from './session-parameters.js';
import { SQLSTATE } from './sqlstate.js';

export type ConnectionState = 'startup' | 'auth' | 'ready' | 'query' | 'extended' | 'copy' | 'closed';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;

export type AuthSetup = { readonly method: 'trust' } | { readonly method: 'scram-sha-256'; readonly scram: ScramAuthenticator };

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly engine: Engine;
  readonly auth: AuthSetup;
  readonly tlsContext: tls.SecureContext | null;
  readonly startupTimeoutMs: number;
  readonly log: LogFn;
  /** Takes a connection slot; false when maxConnections are in use. */
  admit(conn: Connection): boolean;
  /** The backend key was sent: CancelRequests may now name this connection. */
  register(conn: Connection): void;
  cancel(processId: number, secretKey: number): void;
  /** The socket is gone; release the slot and the key. */
  closed(conn: Connection, admitted: boolean): void;
  nextProcessId(): number;
  /** Called with the seconds each statement execution took (start to CommandComplete/error/suspend). */
  readonly observeQuery?: ((seconds: number) => void) | undefined;
}

export interface ConnectionInfo {
  readonly processId: number;
  readonly state: ConnectionState;
  readonly user: string | undefined;
  readonly database: string | undefined;
  readonly applicationName: string | undefined;
  readonly tls: boolean;
  /** Bytes written but not yet accepted by the kernel, plus bytes encoded and not yet written. */
  readonly bufferedBytes: number;
  /** True while a result is held back because the client does not read. */
  readonly waitingForDrain: boolean;
  /** Bytes received on the socket so far. */
  readonly bytesReceived: number;
}

interface Prepared {
  readonly statement: Statement | null; // null: the empty query
  readonly paramTypeOids: readonly number[];
}

interface Portal {
  readonly statement: Statement | null;
  readonly params: readonly (string | null)[];
  /** Per column 0/1, null when all text. */
  readonly formats: Uint8Array | null;
  readonly encoder: RowEncoder | null;
  result: ExecResult | null;
}

type Pending = Promise<void> | undefined;

/** Output is handed to the socket whenever this much is encoded. */
const FLUSH_AT = 32 * 1024;
/** A long result yields to the event loop after this many socket writes (~1 MiB). */
const YIELD_EVERY_FLUSHES = 32;

const MODE_TEXT = 0;
const MODE_ENCODED = 1;
const MODE_COPY = 2;

const NO_PARAMS: readonly (string | null)[] = [];
const NO_TYPES: readonly number[] = [];
const NO_FIELDS: readonly FieldDescription[] = [];

/** Thrown inside a running statement when the socket closed under it; never reaches a client. */
class ConnectionClosed extends Error {}

/** Encoded text-format RowDescriptions, per fields array (engines that cache plans reuse arrays). */
const rowDescriptionCache = new WeakMap<readonly FieldDescription[], Buffer>();

function encodedRowDescription(fields: readonly FieldDescription[]): Buffer {
  let b = rowDescriptionCache.get(fields);
  if (b === undefined) {
    let captured: Buffer = Buffer.alloc(0);
    const w = new MessageWriter((chunk) => {
      captured = Buffer.from(chunk);
      return true;
    });
    w.rowDescription(fields, null);
    w.flush();
    b = captured;
    rowDescriptionCache.set(fields, b);
  }
  return b;
}

function fatalCopy(err: SqlError): SqlError {
  if (err.severity === 'FATAL' || err.severity === 'PANIC') return err;
  return new SqlError(err.sqlstate, err.message, { severity: 'FATAL', detail: err.detail, hint: err.hint, position: err.position });
}

export class Connection {
  state: ConnectionState = 'startup';
  readonly processId: number;
  readonly secretKey: number;

  private socket: net.Socket;
  private tls = false;
  private readonly reader = new MessageReader(STARTUP_LIMITS);
  private readonly fields = new FieldReader();
  private readonly out: MessageWriter;
  private readonly engine: Engine;
  private session: SessionState | null = null;
  private startupParams: Map<string, string> | null = null;
  private admitted = false;
  private startupTimer: NodeJS.Timeout | null;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeNotified = false;
  private credentials: Promise<ScramCredentials> | null = null;
  private scram: ScramExchange | null = null;

  /** The drive loop is running or waiting on a Pending: new chunks are only buffered. */
  private busy = false;
  private skipTillSync = false;
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** Last value sent in ParameterStatus, per reported parameter. */
  private readonly reported = new Map<string, string>();

  private abort = new AbortController();
  /** A statement is executing or streaming: a CancelRequest applies now. */
  private running = false;
  private drainWaiter: (() => void) | null = null;
  // Progress of the result being streamed (one at a time per connection).
  private rowCount = 0;
  private suspended = false;
  /** out.writes value at which a long result yields to the event loop. */
  private yieldAt = 0;

  private readonly ctx: ExecContext;

  constructor(
    socket: net.Socket,
    private readonly host: ConnectionHost,
  ) {
    this.socket = socket;
    this.engine = host.engine;
    this.processId = host.nextProcessId();
    this.secretKey = randomBytes(4).readInt32BE(0);
    this.out = new MessageWriter((chunk) => this.write(chunk));
    const session = (): SessionState => this.session!;
    const signal = (): AbortSignal => this.abort.signal;
    this.ctx = {
      get session(): SessionState {
        return session();
      },
      get signal(): AbortSignal {
        return signal();
      },
      notice: (n: SqlError): void => {
        if (this.state !== 'closed') this.out.noticeResponse(n);
      },
    };
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
    if (!this.abort.signal.aborted) this.abort.abort(new ConnectionClosed('connection closed'));
    this.wakeDrain();
    for (const p of this.portals.values()) disposePortal(p);
    this.portals.clear();
    this.statements.clear();
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
    if (e instanceof SqlError) err = fatalCopy(e);
    else {
      this.host.log('error', 'internal error in connection', { processId: this.processId, error: e instanceof Error ? e.stack : String(e) });
      err = fatalCopy(toSqlError(e));
    }
    this.host.log('debug', 'closing connection after FATAL', { processId: this.processId, sqlstate: err.sqlstate, message: err.message });
    this.out.cancelOpen();
    this.out.errorResponse(err);
    this.out.flush();
    this.closeSocket();
  };

  private closeSocket(): void {
    this.state = 'closed';
    if (!this.abort.signal.aborted) this.abort.abort(new ConnectionClosed('connection closed'));
    this.wakeDrain();
    this.socket.end();
    // Keep reading (and ignoring) so the client's FIN is seen even if reading was paused.
    this.socket.resume();
    // A client that never reads would keep the socket half-closed forever.
    this.closeTimer = setTimeout(() => this.socket.destroy(), 10_000);
    this.closeTimer.unref();
  }

  private waitDrain(): Promise<void> {
    if (!this.out.blocked) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  // --- public -------------------------------------------------------------------------------------

  cancelRunning(): void {
    if (!this.running || this.state === 'closed') return;
    this.host.log('info', 'canceling statement', { processId: this.processId });
    this.abort.abort(new SqlError(SQLSTATE.query_canceled, 'canceling statement due to user request'));
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
      user: this.session?.user ?? this.startupParams?.get('user'),
      database: this.session?.database,
      applicationName: this.session?.parameters.get('application_name'),
      tls: this.tls,
      bufferedBytes: this.socket.writableLength + this.out.pendingBytes,
      waitingForDrain: this.drainWaiter !== null,
      bytesReceived: this.socket.bytesRead,
    };
  }

  // --- dispatch -----------------------------------------------------------------------------------

  private dispatch(code: number, body: Buffer): Pending {
    switch (this.state) {
      case 'startup':
        return this.onStartupPacket(body);
      case 'auth':
        return this.onAuthMessage(body);
      case 'closed':
        return undefined;
      case 'ready':
      case 'query':
      case 'extended':
      case 'copy':
        return this.onMessage(code, body);
    }
  }

  // --- startup --------------------------------------------------------------------------------------

  private onStartupPacket(body: Buffer): Pending {
    const r = this.fields.reset(body);
    const code = r.i32();
    switch (code) {
      case StartupCode.SSLRequest:
        r.end();
        if (this.host.tlsContext !== null && !this.tls) return this.startTls(this.host.tlsContext);
        this.out.singleByte(SSL_REFUSE);
        return undefined;
      case StartupCode.GSSENCRequest:
        r.end();
        this.out.singleByte(SSL_REFUSE);
        return undefined;
      case StartupCode.CancelRequest: {
        const pid = r.i32();
        const key = r.i32();
        r.end();
        this.host.cancel(pid, key);
        this.state = 'closed';
        this.socket.end();
        return undefined;
      }
      default: {
        const major = protocolMajor(code);
        const minor = protocolMinor(code);
        if (major < 3) {
          // Like PostgreSQL: a pre-3.0 client gets the error in the 2.0 format ('E', text, NUL).
          this.out.legacyErrorResponse(`FATAL:  unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0\n`);
          this.out.flush();
          this.closeSocket();
          return undefined;
        }
        if (major !== 3) {
          throw new SqlError(SQLSTATE.feature_not_supported, `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`, {
            severity: 'FATAL',
          });
        }
        return this.onStartupMessage(minor, decodeStartupParameters(r));
      }
    }
  }

  private startTls(context: tls.SecureContext): Pending {
    if (this.reader.bufferedBytes > 0) {
      // CVE-2021-23214: bytes sent before the handshake must not be read as if encrypted.
      throw protocolViolation('received unencrypted data after SSL request');
    }
    const raw = this.socket;
    // Paused, the ClientHello waits in the raw socket's buffer; TLSSocket takes buffered bytes over.
    raw.pause();
    raw.removeListener('data', this.onData);
    raw.removeListener('drain', this.onDrain);
    this.out.flush();
    raw.write(Buffer.of(SSL_ACCEPT), () => {
      if (this.state === 'closed') return;
      const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
      this.socket = secure;
      this.tls = true;
      this.attach(secure);
      secure.on('close', () => {
        raw.destroy();
        this.onClose();
      });
    });
    return undefined;
  }

  private onStartupMessage(minor: number, params: Map<string, string>): Pending {
    const unrecognized = [...params.keys()].filter((k) => k.startsWith('_pq_.'));
    if (minor > 0 || unrecognized.length > 0) this.out.negotiateProtocolVersion(PROTOCOL_3_0, unrecognized);
    const user = params.get('user');
    if (user === undefined || user === '') {
      throw new SqlError(SQLSTATE.invalid_authorization_specification, 'no PostgreSQL user name specified in startup packet', { severity: 'FATAL' });
    }
    if (!params.has('database') || params.get('database') === '') params.set('database', user);
    const replication = params.get('replication');
    if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
      throw new SqlError(SQLSTATE.feature_not_supported, 'memstore does not accept replication connections', { severity: 'FATAL' });
    }
    const encoding = params.get('client_encoding');
    if (encoding !== undefined) {
      const normalized = normalizeClientEncoding(encoding);
      if (normalized === null) {
        throw new SqlError(SQLSTATE.feature_not_supported, `client_encoding "${encoding}" is not supported by memstore`, {
          severity: 'FATAL',
          hint: 'Use client_encoding UTF8.',
        });
      }
      params.set('client_encoding', normalized);
    }
    this.startupParams = params;
    if (!this.host.admit(this)) {
      throw new SqlError(SQLSTATE.too_many_connections, 'sorry, too many clients already', { severity: 'FATAL' });
    }
    this.admitted = true;
    const auth = this.host.auth;
    if (auth.method === 'trust') return this.finishStartup();
    this.credentials = auth.scram.credentials(user);
    this.out.authentication(AuthCode.SASL, SCRAM_SHA_256);
    this.state = 'auth';
    this.reader.setLimits(AUTH_LIMITS);
    return undefined;
  }

  private onAuthMessage(body: Buffer): Pending {
    const r = this.fields.reset(body);
    const user = this.startupParams!.get('user')!;
    if (this.scram === null) {
      const first = decodeSASLInitialResponse(r);
      return this.credentials!.then((creds) => {
        if (this.state === 'closed') return;
        this.scram = new ScramExchange(user, creds);
        this.out.authentication(AuthCode.SASLContinue, this.scram.clientFirst(first.mechanism, first.data));
      });
    }
    const serverFinal = this.scram.clientFinal(r.rest());
    this.out.authentication(AuthCode.SASLFinal, serverFinal);
    return this.finishStartup();
  }

  private finishStartup(): Pending {
    const startup = this.startupParams!;
    const user = startup.get('user')!;
    let parameters: Map<string, string>;
    try {
      parameters = this.engine.initialParameters(startup);
    } catch (e) {
      throw fatalCopy(this.toWire(e));
    }
    for (const [k, v] of defaultParameters(user)) if (!parameters.has(k)) parameters.set(k, v);
    const encoding = startup.get('client_encoding');
    if (encoding !== undefined) parameters.set('client_encoding', encoding);
    this.session = { parameters, txStatus: 'I', user, database: startup.get('database')!, processId: this.processId };
    this.out.authentication(AuthCode.Ok);
    for (const [key, wireName] of REPORTED_PARAMETERS) {
      const v = parameters.get(key);
      if (v === undefined) continue;
      this.out.parameterStatus(wireName, v);
      this.reported.set(key, v);
    }
    this.out.backendKeyData(this.processId, this.secretKey);
    this.out.readyForQuery(TxStatus.Idle);
    this.state = 'ready';
    this.reader.setLimits(READY_LIMITS);
    this.scram = null;
    this.credentials = null;
    if (this.startupTimer !== null) {
      clearTimeout(this.startupTimer);
      this.startupTimer = null;
    }
    this.host.register(this);
    this.host.log('debug', 'connection ready', { processId: this.processId, user, database: this.session.database, tls: this.tls });
    return undefined;
  }

  // --- ready: simple and extended query -------------------------------------------------------------

  private onMessage(code: number, body: Buffer): Pending {
    if (this.skipTillSync && code !== Frontend.Sync && code !== Frontend.Terminate) return undefined;
    const r = this.fields.reset(body);
    switch (code) {
      case Frontend.Query: {
        let sql: string;
        try {
          sql = decodeQuery(r);
        } catch (e) {
          // Invalid UTF-8 is an ordinary error; a broken message (no terminator) stays FATAL.
          this.sendError(e);
          this.readyForQuery();
          return undefined;
        }
        return this.onQuery(sql);
      }
      case Frontend.Parse:
      case Frontend.Bind:
      case Frontend.Describe:
      case Frontend.Execute:
      case Frontend.Close:
      case Frontend.Flush:
        this.state = 'extended';
        return this.onExtended(code, r);
      case Frontend.Sync:
        r.end();
        this.skipTillSync = false;
        this.readyForQuery();
        return undefined;
      case Frontend.Terminate:
        r.end();
        this.host.log('debug', 'client terminated', { processId: this.processId });
        // Answers to messages pipelined before Terminate still go out.
        this.out.flush();
        this.closeSocket();
        return undefined;
      case Frontend.FunctionCall:
        this.sendError(new SqlError(SQLSTATE.feature_not_supported, 'fastpath function calls are not supported by memstore'));
        this.readyForQuery();
        return undefined;
      case Frontend.CopyData:
      case Frontend.CopyDone:
      case Frontend.CopyFail:
        // Outside COPY FROM STDIN these are ignored, as the protocol says.
        return undefined;
      default:
        throw protocolViolation(`invalid frontend message type ${code}`);
    }
  }

  private onQuery(sql: string): Pending {
    this.state = 'query';
    // PostgreSQL's exec_simple_query drops the unnamed statement and portal.
    this.statements.delete('');
    const unnamed = this.portals.get('');
    if (unnamed !== undefined) {
      disposePortal(unnamed);
      this.portals.delete('');
    }
    let statements: Statement[];
    try {
      statements = this.engine.prepare(sql, NO_TYPES, this.session!);
    } catch (e) {
      this.sendError(e);
      this.readyForQuery();
      return undefined;
    }
    if (statements.length === 0) {
      this.out.emptyQueryResponse();
      this.readyForQuery();
      return undefined;
    }
    return this.runSimple(statements, 0);
  }

  /** Runs statements[i…] in order, stopping at the first error; then ReadyForQuery. */
  private runSimple(statements: readonly Statement[], i: number): Pending {
    for (; i < statements.length; i++) {
      const portal: Portal = { statement: statements[i]!, params: NO_PARAMS, formats: null, encoder: null, result: null };
      let p: Pending;
      try {
        p = this.execute(portal, 0, true);
      } catch (e) {
        this.sendError(e);
        this.readyForQuery();
        return undefined;
      }
      if (p !== undefined) return this.runSimpleAsync(p, statements, i + 1);
    }
    this.readyForQuery();
    return undefined;
  }

  private async runSimpleAsync(p: Promise<void>, statements: readonly Statement[], next: number): Promise<void> {
    try {
      await p;
    } catch (e) {
      this.sendError(e);
      this.readyForQuery();
      return;
    }
    const q = this.runSimple(statements, next);
    if (q !== undefined) await q;
  }

  private onExtended(code: number, r: FieldReader): Pending {
    try {
      switch (code) {
        case Frontend.Parse:
          this.onParse(decodeParse(r));
          return undefined;
        case Frontend.Bind:
          this.onBind(decodeBind(r));
          return undefined;
        case Frontend.Describe:
          this.onDescribe(decodeDescribeOrClose(r));
          return undefined;
        case Frontend.Close:
          this.onClosePortalOrStatement(decodeDescribeOrClose(r));
          return undefined;
        case Frontend.Flush:
          r.end();
          this.out.flush();
          return undefined;
        case Frontend.Execute: {
          const p = this.onExecute(decodeExecute(r));
          return p === undefined ? undefined : p.catch((e: unknown) => this.extendedError(e));
        }
        default:
          throw protocolViolation(`invalid frontend message type ${code}`);
      }
    } catch (e) {
      this.extendedError(e);
      return undefined;
    }
  }

  private extendedError(e: unknown): void {
    this.sendError(e);
    this.skipTillSync = true;
  }

  private onParse(m: ParseMessage): void {
    if (m.name !== '' && this.statements.has(m.name)) {
      throw new SqlError(SQLSTATE.duplicate_prepared_statement, `prepared statement "${m.name}" already exists`);
    }
    const statements = this.engine.prepare(m.sql, m.paramTypeOids, this.session!);
    if (statements.length > 1) {
      throw new SqlError(SQLSTATE.syntax_error, 'cannot insert multiple commands into a prepared statement');
    }
    const statement = statements[0] ?? null;
    this.statements.set(m.name, { statement, paramTypeOids: statement === null ? m.paramTypeOids : statement.paramTypeOids });
    this.out.parseComplete();
  }

  private lookupStatement(name: string): Prepared {
    const ps = this.statements.get(name);
    if (ps === undefined) {
      throw new SqlError(
        SQLSTATE.undefined_pstatement,
        name === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${name}" does not exist`,
      );
    }
    return ps;
  }

  private lookupPortal(name: string): Portal {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError(SQLSTATE.undefined_cursor, `portal "${name}" does not exist`);
    return portal;
  }

  private onBind(m: BindMessage): void {
    const ps = this.lookupStatement(m.statement);
    const types = ps.paramTypeOids;
    const nf = m.paramFormats.length;
    const n = m.params.length;
    if (nf > 1 && nf !== n) {
      throw protocolViolation(`bind message has ${nf} parameter formats but ${n} parameters`, false);
    }
    if (n !== types.length) {
      throw protocolViolation(`bind message supplies ${n} parameters, but prepared statement "${m.statement}" requires ${types.length}`, false);
    }
    const params: (string | null)[] = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const v = m.params[i]!;
      if (v === null) {
        params[i] = null;
        continue;
      }
      const format = nf === 0 ? 0 : nf === 1 ? m.paramFormats[0]! : m.paramFormats[i]!;
      if (format === 0) params[i] = decodeUtf8(v, 0, v.length);
      else if (format === 1) params[i] = binaryParamToText(types[i]!, v, i);
      else throw new SqlError(SQLSTATE.invalid_parameter_value, `unsupported format code: ${format}`);
    }
    const fields = ps.statement?.fields ?? NO_FIELDS;
    const rf = m.resultFormats;
    if (rf.length > 1 && rf.length !== fields.length) {
      throw protocolViolation(`bind message has ${rf.length} result formats but query has ${fields.length} columns`, false);
    }
    let formats: Uint8Array | null = null;
    for (const f of rf) if (f !== 0 && f !== 1) throw new SqlError(SQLSTATE.invalid_parameter_value, `unsupported format code: ${f}`);
    if (rf.some((f) => f === 1)) {
      formats = new Uint8Array(fields.length);
      for (let i = 0; i < fields.length; i++) formats[i] = rf.length === 1 ? rf[0]! : rf[i]!;
    }
    const encoder = makeRowEncoder(fields, formats);
    if (m.portal !== '' && this.portals.has(m.portal)) {
      throw new SqlError(SQLSTATE.duplicate_cursor, `cursor "${m.portal}" already exists`);
    }
    const old = this.portals.get(m.portal);
    if (old !== undefined) disposePortal(old);
    this.portals.set(m.portal, { statement: ps.statement, params, formats, encoder, result: null });
    this.out.bindComplete();
  }

  private onDescribe(m: TargetMessage): void {
    if (m.kind === 0x53 /* 'S' */) {
      const ps = this.lookupStatement(m.name);
      this.out.parameterDescription(ps.paramTypeOids);
      const fields = ps.statement?.fields ?? null;
      if (fields === null) this.out.noData();
      else this.out.raw(encodedRowDescription(fields));
    } else if (m.kind === 0x50 /* 'P' */) {
      const portal = this.lookupPortal(m.name);
      const fields = portal.statement?.fields ?? null;
      if (fields === null) this.out.noData();
      else if (portal.formats === null) this.out.raw(encodedRowDescription(fields));
      else this.out.rowDescription(fields, portal.formats);
    } else {
      throw protocolViolation(`invalid DESCRIBE message subtype ${m.kind}`, false);
    }
  }

  private onClosePortalOrStatement(m: TargetMessage): void {
    if (m.kind === 0x53 /* 'S' */) {
      this.statements.delete(m.name);
    } else if (m.kind === 0x50 /* 'P' */) {
      const portal = this.portals.get(m.name);
      if (portal !== undefined) {
        disposePortal(portal);
        this.portals.delete(m.name);
      }
    } else {
      throw protocolViolation(`invalid CLOSE message subtype ${m.kind}`, false);
    }
    this.out.closeComplete();
  }

  private onExecute(m: ExecuteMessage): Pending {
    const portal = this.lookupPortal(m.portal);
    const forget = (): void => {
      disposePortal(portal);
      if (this.portals.get(m.portal) === portal) this.portals.delete(m.portal);
    };
    let p: Pending;
    try {
      p = this.execute(portal, m.maxRows > 0 ? m.maxRows : 0, false);
    } catch (e) {
      forget();
      throw e;
    }
    if (p === undefined) return undefined;
    return p.catch((e: unknown) => {
      forget();
      throw e;
    });
  }

  private readyForQuery(): void {
    const s = this.session!;
    if (s.txStatus === 'I' && this.portals.size > 0) {
      // The implicit (or just ended) transaction is over: its portals go with it.
      for (const p of this.portals.values()) disposePortal(p);
      this.portals.clear();
    }
    this.reportParameterChanges();
    this.out.readyForQuery(s.txStatus === 'I' ? TxStatus.Idle : s.txStatus === 'T' ? TxStatus.InBlock : TxStatus.Failed);
    this.state = 'ready';
  }

  private reportParameterChanges(): void {
    const parameters = this.session!.parameters;
    for (const [key, wireName] of REPORTED_PARAMETERS) {
      const v = parameters.get(key);
      if (v !== undefined && v !== this.reported.get(key)) {
        this.out.parameterStatus(wireName, v);
        this.reported.set(key, v);
      }
    }
  }

  // --- execution and streaming ----------------------------------------------------------------------

  /**
   * Runs (or continues) a portal: up to `limit` rows (0 = all). `simple` sends RowDescription first
   * (the simple protocol); the extended protocol relies on Describe.
   */
  private execute(portal: Portal, limit: number, simple: boolean): Pending {
    if (portal.statement === null) {
      this.out.emptyQueryResponse();
      return undefined;
    }
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.running = true;
    // Latency of every execution (metrics): one hrtime pair, and nothing at all without a hook.
    const observe = this.host.observeQuery;
    const started = observe === undefined ? 0n : process.hrtime.bigint();
    let p: Pending;
    try {
      p = this.executeInner(portal, portal.statement, limit, simple);
    } catch (e) {
      this.running = false;
      if (observe !== undefined) observe(Number(process.hrtime.bigint() - started) / 1e9);
      throw e;
    }
    if (p === undefined) {
      this.running = false;
      if (observe !== undefined) observe(Number(process.hrtime.bigint() - started) / 1e9);
      return undefined;
    }
    return p.finally(() => {
      this.running = false;
      if (observe !== undefined) observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
  }

  private executeInner(portal: Portal, statement: Statement, limit: number, simple: boolean): Pending {
    if (portal.result === null) {
      const r = statement.execute(this.ctx, portal.params);
      if (r instanceof Promise) {
        return r.then((result) => {
          if (this.state === 'closed') throw new ConnectionClosed('connection closed');
          portal.result = result;
          return this.deliver(portal, statement, limit, simple);
        });
      }
      portal.result = r;
    }
    return this.deliver(portal, statement, limit, simple);
  }

  /** Drops every prepared statement and every portal but the one running (as PostgreSQL does). */
  private discardAll(running: Portal): void {
    for (const [name, p] of this.portals) {
      if (p === running) continue;
      disposePortal(p);
      this.portals.delete(name);
    }
    this.statements.clear();
  }

  private deliver(portal: Portal, statement: Statement, limit: number, simple: boolean): Pending {
    const result = portal.result!;
    switch (result.kind) {
      case 'command':
        // DISCARD ALL includes DEALLOCATE ALL and CLOSE ALL, which are protocol state: poolers
        // rely on it to hand a clean connection to the next client.
        if (result.tag === 'DISCARD ALL') this.discardAll(portal);
        this.out.commandComplete(result.tag);
        return undefined;
      case 'rows':
        if (simple && statement.fields !== null) this.out.raw(encodedRowDescription(statement.fields));
        return this.stream(portal, result.rows, portal.encoder === null ? MODE_TEXT : MODE_ENCODED, limit);
      case 'copy-out':
        this.state = 'copy';
        this.out.copyOutResponse(result.columnCount);
        return this.stream(portal, result.chunks, MODE_COPY, 0);
    }
  }

  private stream(portal: Portal, iter: Iterator<Uint8Array>, mode: number, limit: number): Pending {
    this.rowCount = 0;
    this.yieldAt = this.out.writes + YIELD_EVERY_FLUSHES;
    if (this.pump(iter, mode, portal.encoder, limit)) {
      this.finish(portal);
      return undefined;
    }
    return this.streamAsync(portal, iter, mode, limit);
  }

  private async streamAsync(portal: Portal, iter: Iterator<Uint8Array>, mode: number, limit: number): Promise<void> {
    try {
      for (;;) {
        if (this.out.blocked) await this.waitDrain();
        else await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.state === 'closed') throw new ConnectionClosed('connection closed');
        if (this.abort.signal.aborted) throw this.abort.signal.reason;
        this.yieldAt = this.out.writes + YIELD_EVERY_FLUSHES;
        if (this.pump(iter, mode, portal.encoder, limit)) break;
      }
    } catch (e) {
      closeIterator(iter);
      throw e;
    }
    this.finish(portal);
  }

  /**
   * Pulls rows into the output until the result ends, the limit is reached, or the socket wants a
   * pause (true / true / false). Progress is kept in rowCount / suspended.
   */
  private pump(iter: Iterator<Uint8Array>, mode: number, encoder: RowEncoder | null, limit: number): boolean {
    const out = this.out;
    let n = this.rowCount;
    for (;;) {
      if (limit !== 0 && n >= limit) {
        this.rowCount = n;
        this.suspended = true;
        return true;
      }
      if (out.pendingBytes >= FLUSH_AT) out.flush();
      // Slab changes flush too, so the socket's verdict is checked on every row (a field read).
      if (out.blocked || out.writes >= this.yieldAt) {
        this.rowCount = n;
        return false;
      }
      const r = iter.next();
      if (r.done === true) {
        this.rowCount = n;
        this.suspended = false;
        return true;
      }
      if (mode === MODE_TEXT) out.dataRow(r.value);
      else if (mode === MODE_ENCODED) encoder!.write(out, r.value);
      else out.copyData(r.value);
      n++;
    }
  }

  private finish(portal: Portal): void {
    const result = portal.result!;
    if (result.kind === 'copy-out') {
      this.out.copyDone();
      this.out.commandComplete(result.tag(this.rowCount));
    } else if (result.kind === 'rows') {
      if (this.suspended) this.out.portalSuspended();
      else this.out.commandComplete(result.tag(this.rowCount));
    }
  }

  // --- errors ------------------------------------------------------------------------------------------

  private toWire(e: unknown): SqlError {
    if (e instanceof SqlError) return e;
    const reason: unknown = this.abort.signal.aborted ? this.abort.signal.reason : undefined;
    if (reason instanceof SqlError) return reason;
    this.host.log('error', 'error while executing a statement', {
      processId: this.processId,
      error: e instanceof Error ? e.stack : String(e),
    });
    return toSqlError(e);
  }

  /** ErrorResponse for a failed statement; FATAL errors are rethrown to close the connection. */
  private sendError(e: unknown): void {
    if (this.state === 'closed' || e instanceof ConnectionClosed) throw e;
    const err = this.toWire(e);
    if (err.severity === 'FATAL' || err.severity === 'PANIC') throw err;
    this.out.cancelOpen();
    this.out.errorResponse(err);
    const s = this.session;
    if (s !== null && s.txStatus === 'T') s.txStatus = 'E';
  }
}

function closeIterator(iter: Iterator<Uint8Array>): void {
  try {
    iter.return?.();
  } catch {
    // The engine's cleanup failed; nothing a client can do about it.
  }
}

function disposePortal(p: Portal): void {
  const r = p.result;
  if (r === null) return;
  if (r.kind === 'rows') closeIterator(r.rows);
  else if (r.kind === 'copy-out') closeIterator(r.chunks);
}
