/*
 * startup.ts — a connection from accept to its first ReadyForQuery: the startup packet (SSL,
 * GSSENC and cancel requests included), the TLS upgrade, the startup message, admission and the
 * authentication exchange (auth-flow.ts).
 *
 *              SSLRequest → 'S' + TLS handshake, or 'N'       CancelRequest
 *              GSSENCRequest → 'N'                            → cancel that backend's query
 *             ┌───────┐                                       → close (no reply)
 *             ▼       │
 *         ┌─────────┐─┘  protocol < 3: 2.0-style error, close
 *         │ startup │── protocol > 3, no user, replication, bad client_encoding (FATAL)
 *         └────┬────┘── too many clients (FATAL 53300)
 *              │ StartupMessage [NegotiateProtocolVersion if 3.x>0 or _pq_ options]
 *              ▼
 *         ┌─────────┐  trust: nothing to ask
 *         │  auth   │  scram-sha-256: SASL → SASLContinue → SASLFinal
 *         └────┬────┘── wrong password / unknown user (FATAL 28P01)
 *              │ AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery
 *              ▼
 *           ready (query-protocol.ts)
 *
 * Every error here is FATAL (the connection's crash path sends it and closes). The message table
 * of the reader is switched per phase (STARTUP_LIMITS → AUTH_LIMITS → READY_LIMITS), so a client
 * cannot send a query before it is authenticated, nor claim a large message before then.
 *
 * TLS: after 'S' the ClientHello waits in the raw socket's buffer (paused) and the TLSSocket takes
 * the buffered bytes over; bytes sent after the SSLRequest and before the handshake are refused
 * (CVE-2021-23214). Left out: PostgreSQL 17's direct TLS (sslnegotiation=direct), GSSAPI
 * encryption, protocol 3.2.
 *
 * Interface:
 *   new Startup(peer)
 *   handle(r)          one startup-phase packet or auth message: Pending
 *   params             the startup message's parameters, once received (for info())
 */
import type net from 'node:net';
import tls from 'node:tls';
import { SqlError } from '../errors.js';
import { createAuthFlow, type AuthFlow } from './auth-flow.js';
import type { ConnectionHost, ConnectionState } from './connection-host.js';
import type { SessionState } from './engine.js';
import { decodeStartupParameters } from './frontend-messages.js';
import { AUTH_LIMITS, protocolViolation, READY_LIMITS, type FieldReader, type MessageReader } from './message-reader.js';
import type { MessageWriter } from './message-writer.js';
import { AuthCode, PROTOCOL_3_0, SSL_ACCEPT, SSL_REFUSE, StartupCode, TxStatus, protocolMajor, protocolMinor } from './messages.js';
import type { Pending } from './portal.js';
import { defaultParameters, normalizeClientEncoding } from './session-parameters.js';
import { SQLSTATE } from './sqlstate.js';
import { asFatal } from './wire-errors.js';

/** What startup needs of its connection. */
export interface StartupPeer {
  state: ConnectionState;
  readonly processId: number;
  readonly secretKey: number;
  readonly tls: boolean;
  readonly out: MessageWriter;
  readonly reader: MessageReader;
  readonly host: ConnectionHost;
  /** The SqlError to send for anything thrown (bugs are logged). */
  toWire(e: unknown): SqlError;
  /** Ends the connection after what was written (state becomes closed). */
  closeSocket(): void;
  /** A CancelRequest's connection: close without a reply. */
  endSocket(): void;
  /** Stops reading the raw socket for the TLS handshake and hands it over. */
  detachForTls(): net.Socket;
  /** From now on the connection speaks through `secure`, which wraps `raw`. */
  adoptTls(secure: tls.TLSSocket, raw: net.Socket): void;
  /** Takes a connection slot (maxConnections); false when none is free. */
  admit(): boolean;
  /** The session begins: sends a ParameterStatus for each reported parameter. */
  beginSession(session: SessionState): void;
  /** The client may now send queries (and be canceled): stop the startup timer, register. */
  ready(): void;
}

export class Startup {
  params: Map<string, string> | null = null;
  private auth: AuthFlow | null = null;

  constructor(private readonly peer: StartupPeer) {}

  handle(r: FieldReader): Pending {
    return this.peer.state === 'auth' ? this.onAuthMessage(r) : this.onStartupPacket(r);
  }

  private onStartupPacket(r: FieldReader): Pending {
    const peer = this.peer;
    const code = r.i32();
    switch (code) {
      case StartupCode.SSLRequest:
        r.end();
        if (peer.host.tlsContext !== null && !peer.tls) return this.startTls(peer.host.tlsContext);
        peer.out.singleByte(SSL_REFUSE);
        return undefined;
      case StartupCode.GSSENCRequest:
        r.end();
        peer.out.singleByte(SSL_REFUSE);
        return undefined;
      case StartupCode.CancelRequest: {
        const pid = r.i32();
        const key = r.i32();
        r.end();
        peer.host.cancel(pid, key);
        peer.endSocket();
        return undefined;
      }
      default: {
        const major = protocolMajor(code);
        const minor = protocolMinor(code);
        if (major < 3) {
          // Like PostgreSQL: a pre-3.0 client gets the error in the 2.0 format ('E', text, NUL).
          peer.out.legacyErrorResponse(`FATAL:  unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0\n`);
          peer.out.flush();
          peer.closeSocket();
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
    const peer = this.peer;
    if (peer.reader.bufferedBytes > 0) {
      // CVE-2021-23214: bytes sent before the handshake must not be read as if encrypted.
      throw protocolViolation('received unencrypted data after SSL request');
    }
    // Paused, the ClientHello waits in the raw socket's buffer; TLSSocket takes buffered bytes over.
    const raw = peer.detachForTls();
    raw.write(Buffer.of(SSL_ACCEPT), () => {
      if (peer.state === 'closed') return;
      peer.adoptTls(new tls.TLSSocket(raw, { isServer: true, secureContext: context }), raw);
    });
    return undefined;
  }

  private onStartupMessage(minor: number, params: Map<string, string>): Pending {
    const peer = this.peer;
    const unrecognized = [...params.keys()].filter((k) => k.startsWith('_pq_.'));
    if (minor > 0 || unrecognized.length > 0) peer.out.negotiateProtocolVersion(PROTOCOL_3_0, unrecognized);
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
    this.params = params;
    if (!peer.admit()) {
      throw new SqlError(SQLSTATE.too_many_connections, 'sorry, too many clients already', { severity: 'FATAL' });
    }
    const auth = createAuthFlow(peer.host.auth, user);
    if (auth === null) return this.finish();
    this.auth = auth;
    auth.initialMessage(peer.out);
    peer.state = 'auth';
    peer.reader.setLimits(AUTH_LIMITS);
    return undefined;
  }

  private onAuthMessage(r: FieldReader): Pending {
    const auth = this.auth!;
    const p = auth.handleClientMessage(r, this.peer.out, () => this.peer.state === 'closed');
    if (p !== undefined || !auth.completed) return p;
    return this.finish();
  }

  private finish(): Pending {
    const peer = this.peer;
    const startup = this.params!;
    const user = startup.get('user')!;
    let parameters: Map<string, string>;
    try {
      parameters = peer.host.engine.initialParameters(startup);
    } catch (e) {
      throw asFatal(peer.toWire(e));
    }
    for (const [k, v] of defaultParameters(user)) if (!parameters.has(k)) parameters.set(k, v);
    const encoding = startup.get('client_encoding');
    if (encoding !== undefined) parameters.set('client_encoding', encoding);
    const session: SessionState = { parameters, txStatus: 'I', user, database: startup.get('database')!, processId: peer.processId };
    peer.out.authentication(AuthCode.Ok);
    peer.beginSession(session);
    peer.out.backendKeyData(peer.processId, peer.secretKey);
    peer.out.readyForQuery(TxStatus.Idle);
    peer.state = 'ready';
    peer.reader.setLimits(READY_LIMITS);
    this.auth = null;
    peer.ready();
    peer.host.log('debug', 'connection ready', { processId: peer.processId, user, database: session.database, tls: peer.tls });
    return undefined;
  }
}
