/*
 * engine.ts — the contract between the wire protocol (pgwire/) and whatever answers SQL (query/).
 *
 * pgwire owns bytes, connections and protocol state; the engine owns SQL meaning. pgwire never
 * looks inside a statement and the engine never sees a socket. Rows cross this boundary already
 * encoded as DataRow bodies in text format (int16 column count, then per column an int32 length,
 * -1 for NULL, and the bytes): the store keeps rows in exactly that form, so a point read copies
 * bytes from the tree to the socket without re-encoding. When a client asks for binary results
 * pgwire converts the columns whose types it knows.
 */
import type { SqlError } from '../errors.js';

/** One column of a RowDescription. */
export interface FieldDescription {
  readonly name: string;
  /** OID of the source table, 0 when the column is computed. */
  readonly tableOid: number;
  /** Attribute number in the source table, 0 when computed. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: -1 for varlena, -2 for cstring. */
  readonly typeSize: number;
  readonly typeMod: number;
}

/** Per-connection state the engine may read and change (SET, BEGIN, ...). */
export interface SessionState {
  /**
   * Run-time parameters as SHOW reports them, keys in lower case (`datestyle`, `timezone`).
   * pgwire sends ParameterStatus for the reported ones (session-parameters.ts) at startup and
   * after any statement that changed one.
   */
  readonly parameters: Map<string, string>;
  /**
   * ReadyForQuery status: idle, in a transaction block, or in a failed transaction block. The
   * engine sets 'T' / 'I' (BEGIN, COMMIT, ROLLBACK); pgwire sets 'E' when a statement fails while
   * it is 'T'. In 'E' the engine should refuse everything but COMMIT/ROLLBACK with 25P02.
   */
  txStatus: 'I' | 'T' | 'E';
  readonly user: string;
  readonly database: string;
  /** Backend process id as sent in BackendKeyData (pg_backend_pid()). */
  readonly processId: number;
}

export interface ExecContext {
  readonly session: SessionState;
  /**
   * Aborted by a CancelRequest for this backend (reason: SqlError 57014 "canceling statement due
   * to user request") or when the connection closes. A statement that waits should reject with
   * `signal.reason`; pgwire reports 57014 after a cancel whatever else the engine throws.
   */
  readonly signal: AbortSignal;
  /** Sends a NoticeResponse (severity WARNING or NOTICE) before the statement's result. */
  notice(notice: SqlError): void;
  /**
   * The portal's result formats (1 = binary), or null when every column is text. pgwire makes a
   * binary value from the column's text (binary-format.ts), so the engine must print a binary
   * column in the canonical form that conversion reads, whatever the session shows: DateStyle
   * ISO, IntervalStyle postgres, extra_float_digits ≥ 1 (exact floats), bytea_output hex.
   * Read it when execute() is called (it belongs to that call).
   */
  readonly resultFormats?: Uint8Array | null;
}

export type ExecResult =
  | {
      readonly kind: 'rows';
      /**
       * DataRow bodies (text format). Pulled lazily: pgwire stops pulling while the socket is full,
       * and between Executes of a suspended portal. A SqlError thrown by next() ends the result
       * with an ErrorResponse after the rows already sent, as in PostgreSQL.
       */
      readonly rows: Iterator<Uint8Array>;
      /** Command tag for the number of rows sent, e.g. `SELECT 3`. */
      readonly tag: (rowCount: number) => string;
    }
  | { readonly kind: 'command'; readonly tag: string }
  | {
      readonly kind: 'copy-out';
      readonly columnCount: number;
      /** COPY … (FORMAT binary): CopyOutResponse says binary for the whole copy and every column. */
      readonly binary?: boolean;
      /** Each chunk is sent as one CopyData message (normally one row in COPY text format). */
      readonly chunks: Iterator<Uint8Array>;
      /** Command tag for the number of rows, e.g. `COPY 10`. */
      readonly tag: (rowCount: number) => string;
    };

export interface Statement {
  /**
   * Parameter type OIDs (ParameterDescription); 0 where unknown and the client gave none. Its
   * length is the number of parameters Bind must supply. pgwire converts binary parameters by
   * these types (0 = read as text).
   */
  readonly paramTypeOids: readonly number[];
  /**
   * RowDescription fields, or null when the statement returns no rows (NoData). pgwire caches the
   * encoded RowDescription per array object: an engine that caches plans and hands back the same
   * array saves that work on every execution.
   */
  readonly fields: readonly FieldDescription[] | null;
  /**
   * Runs the statement. Parameters arrive in text form (pgwire converts binary parameters of
   * known types); null is SQL NULL. Throws SqlError; may return a promise (e.g. wait_lsn).
   */
  execute(ctx: ExecContext, params: readonly (string | null)[]): ExecResult | Promise<ExecResult>;
}

export interface Engine {
  /**
   * Parses a query string into statements. The simple protocol runs them all in order; the
   * extended protocol (Parse) requires at most one (pgwire raises 42601 otherwise). An empty
   * query returns []. `paramTypeOids` are the types the client declared in Parse (0 = infer).
   * Throws SqlError (42601, 42P01, 0A000, 25006, ...).
   */
  prepare(sql: string, paramTypeOids: readonly number[], session: SessionState): Statement[];
  /**
   * Initial run-time parameters for a new session, given the startup message's parameters (as
   * sent: `user`, `database`, `options`, settings such as `application_name`). The engine applies
   * the settings it accepts (`startupSettings()` in session-parameters.ts expands them) and may
   * throw SqlError (e.g. 3D000 unknown database, 42704 unknown setting): the client gets it as
   * FATAL. pgwire then fills in every reported parameter the map lacks (server_version,
   * DateStyle, ...) from `defaultParameters()`; the returned Map becomes SessionState.parameters.
   */
  initialParameters(startup: ReadonlyMap<string, string>): Map<string, string>;
  /**
   * For a type pgwire has no binary form of: the built-in type whose binary form it shares (an
   * enum's is its label, as text's), or undefined. Optional: without it such types stay text-only.
   */
  binaryAlias?(typeOid: number): number | undefined;
}
