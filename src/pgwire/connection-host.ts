/*
 * connection-host.ts — the types between a Connection and its server: what a connection needs
 * from the server (ConnectionHost), and what it tells about itself (ConnectionInfo).
 */
import type tls from 'node:tls';
import type { Connection } from './connection.js';
import type { Engine } from './engine.js';
import type { ScramAuthenticator } from './scram.js';

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
