/*
 * connection.ts — connections to the source PostgreSQL with the session settings that make the
 * text output of values deterministic. pgoutput and COPY both print values through the type's
 * output function under the session's settings, so the replication connection and the copy
 * connection must agree, or a timestamptz copied at initial sync would differ from the same value
 * streamed later.
 */
import pg from 'pg';
import type { Connection } from 'pg';

/** Settings that fix the text form of values (timestamps in UTC, ISO dates, exact floats). */
export const OUTPUT_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  bytea_output: 'hex',
  client_encoding: 'UTF8',
};

function optionsString(extra: Readonly<Record<string, string>> = {}): string {
  const all = { ...OUTPUT_SETTINGS, ...extra };
  // Spaces inside a value must be escaped with a backslash in the startup `options` string.
  return Object.entries(all)
    .map(([k, v]) => `-c ${k}=${v.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`)
    .join(' ');
}

export interface SourceOptions {
  readonly url: string;
  readonly applicationName?: string;
  readonly connectTimeoutMs?: number;
}

export function sqlClient(source: SourceOptions): pg.Client {
  const client = new pg.Client({
    connectionString: source.url,
    application_name: source.applicationName ?? 'memstore',
    connectionTimeoutMillis: source.connectTimeoutMs ?? 10_000,
    options: optionsString(),
  });
  return client;
}

/** A walsender connection (`replication=database`): replication commands and simple SQL only. */
export function replicationClient(source: SourceOptions): pg.Client {
  const config = {
    connectionString: source.url,
    application_name: source.applicationName ?? 'memstore',
    connectionTimeoutMillis: source.connectTimeoutMs ?? 10_000,
    options: optionsString(),
    // Not in @types/pg's ClientConfig; node-postgres sends it as the `replication` startup parameter.
    replication: 'database',
  };
  return new pg.Client(config);
}

/**
 * The parts of node-postgres' Connection the stream uses once the connection is in CopyBoth
 * mode: the `replicationStart` (CopyBothResponse) and `copyData` events and sending CopyData.
 * They are node-postgres internals (pg-logical-replication relies on the same ones); the
 * replication integration tests fail if they change.
 */
export interface CopyBothConnection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): unknown;
  once(event: 'replicationStart', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
  sendCopyFromChunk(chunk: Buffer): void;
  readonly stream: Connection['stream'];
}

export function copyBoth(client: pg.Client): CopyBothConnection {
  return client.connection as unknown as CopyBothConnection;
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
