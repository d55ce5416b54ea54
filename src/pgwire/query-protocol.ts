/*
 * query-protocol.ts — the protocol state machine once a connection is ready: the simple query
 * protocol, the extended one (prepared statements and portals), and the transaction status each
 * ReadyForQuery reports.
 *
 *                      Query                         each statement: RowDescription, rows,
 *          ┌─────────┐ ─────────► ┌─────────┐ ─────► CommandComplete; first error ends it
 *   ──────►│  ready  │            │  query  │
 *          └─────────┘ ◄───────── └─────────┘
 *            │  ▲  ▲   ReadyForQuery
 *            │  │  │
 *            │  │  └── Sync ── ┌──────────┐ ◄─ Parse/Bind/Describe/Execute/Close/Flush
 *            │  │              │ extended │    an error: ErrorResponse, then every message
 *            └──┼─────────────►└──────────┘    up to Sync is skipped (skipTillSync)
 *               │
 *               └─ (end of result) ─ ┌──────┐ ◄─ a copy-out result: CopyOutResponse,
 *                                    │ copy │    CopyData*, CopyDone, CommandComplete
 *                                    └──────┘
 *   any state ── Terminate / FATAL (bad framing 08P01) ──► closed (connection.ts)
 *
 * Statements and portals: named ones live until closed (or DISCARD ALL); the unnamed statement
 * and portal are replaced by the next Parse/Bind and dropped by a simple Query, as in PostgreSQL's
 * exec_simple_query. Portals end with their transaction: at a ReadyForQuery in status Idle.
 *
 * Errors: an ordinary error becomes ErrorResponse (and marks an open transaction failed, 'E');
 * a FATAL one is rethrown for the connection to close on. Broken message structure is FATAL
 * (frontend-messages.ts); semantic mismatches (Bind with the wrong parameter count) are ERRORs,
 * with PostgreSQL's messages.
 *
 * Left out: COPY FROM STDIN (CopyData/CopyDone/CopyFail are ignored, as outside COPY), FunctionCall
 * (0A000), LISTEN/NOTIFY.
 *
 * Interface:
 *   new QueryProtocol(peer)
 *   handle(code, r)              one message in ready/query/extended/copy: Pending
 *   reportParameterChanges()     ParameterStatus for each reported parameter that changed
 *   runner                       the PortalRunner (cancellation, ExecContext)
 *   closeAll()                   the connection closed: drop portals and statements
 */
import { SqlError } from '../errors.js';
import { binaryParamToText, makeRowEncoder } from './binary-format.js';
import type { ConnectionHost, ConnectionState } from './connection-host.js';
import type { FieldDescription, SessionState, Statement } from './engine.js';
import {
  decodeBind,
  decodeDescribeOrClose,
  decodeExecute,
  decodeParse,
  decodeQuery,
  type BindMessage,
  type ExecuteMessage,
  type ParseMessage,
  type TargetMessage,
} from './frontend-messages.js';
import { decodeUtf8, protocolViolation, type FieldReader } from './message-reader.js';
import type { MessageWriter } from './message-writer.js';
import { Frontend, TxStatus } from './messages.js';
import { disposePortal, encodedRowDescription, PortalRunner, type Pending, type Portal, type RunnerPeer } from './portal.js';
import { REPORTED_PARAMETERS } from './session-parameters.js';
import { SQLSTATE } from './sqlstate.js';
import { ConnectionClosed, isFatal } from './wire-errors.js';

/** What the protocol needs of its connection. */
export interface ProtocolPeer extends RunnerPeer {
  state: ConnectionState;
  readonly processId: number;
  readonly out: MessageWriter;
  readonly host: ConnectionHost;
  readonly session: SessionState | null;
  /** The SqlError to send for anything thrown (bugs are logged, abort reasons win). */
  toWire(e: unknown): SqlError;
  /** Ends the connection after what was written (state becomes closed). */
  closeSocket(): void;
}

interface Prepared {
  readonly statement: Statement | null; // null: the empty query
  readonly paramTypeOids: readonly number[];
}

const NO_PARAMS: readonly (string | null)[] = [];
const NO_TYPES: readonly number[] = [];
const NO_FIELDS: readonly FieldDescription[] = [];

export class QueryProtocol {
  readonly runner: PortalRunner;
  private readonly out: MessageWriter;
  private skipTillSync = false;
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  /** Last value sent in ParameterStatus, per reported parameter. */
  private readonly reported = new Map<string, string>();

  /** Engine.binaryAlias, bound once (an enum's binary form is its label's). */
  private readonly binaryAlias: ((typeOid: number) => number | undefined) | undefined;

  constructor(private readonly peer: ProtocolPeer) {
    this.out = peer.out;
    const engine = peer.host.engine;
    this.binaryAlias = engine.binaryAlias === undefined ? undefined : (oid) => engine.binaryAlias!(oid);
    this.runner = new PortalRunner(peer, (running) => this.discardAll(running));
  }

  handle(code: number, r: FieldReader): Pending {
    if (this.skipTillSync && code !== Frontend.Sync && code !== Frontend.Terminate) return undefined;
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
        this.peer.state = 'extended';
        return this.onExtended(code, r);
      case Frontend.Sync:
        r.end();
        this.skipTillSync = false;
        this.readyForQuery();
        return undefined;
      case Frontend.Terminate:
        r.end();
        this.peer.host.log('debug', 'client terminated', { processId: this.peer.processId });
        // Answers to messages pipelined before Terminate still go out.
        this.out.flush();
        this.peer.closeSocket();
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

  /** The connection closed: every portal's iterator is closed, every statement forgotten. */
  closeAll(): void {
    for (const p of this.portals.values()) disposePortal(p);
    this.portals.clear();
    this.statements.clear();
  }

  // --- simple query ------------------------------------------------------------------------------

  private onQuery(sql: string): Pending {
    this.peer.state = 'query';
    // PostgreSQL's exec_simple_query drops the unnamed statement and portal.
    this.statements.delete('');
    const unnamed = this.portals.get('');
    if (unnamed !== undefined) {
      disposePortal(unnamed);
      this.portals.delete('');
    }
    let statements: Statement[];
    try {
      statements = this.peer.host.engine.prepare(sql, NO_TYPES, this.peer.session!);
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
        p = this.runner.execute(portal, 0, true);
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

  // --- extended query ----------------------------------------------------------------------------

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
    const statements = this.peer.host.engine.prepare(m.sql, m.paramTypeOids, this.peer.session!);
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
      else if (format === 1) params[i] = binaryParamToText(types[i]!, v, i, this.binaryAlias);
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
    const encoder = makeRowEncoder(fields, formats, this.binaryAlias);
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
      p = this.runner.execute(portal, m.maxRows > 0 ? m.maxRows : 0, false);
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

  /** Drops every prepared statement and every portal but the one running (as PostgreSQL does). */
  private discardAll(running: Portal): void {
    for (const [name, p] of this.portals) {
      if (p === running) continue;
      disposePortal(p);
      this.portals.delete(name);
    }
    this.statements.clear();
  }

  // --- end of a query cycle ------------------------------------------------------------------------

  private readyForQuery(): void {
    const s = this.peer.session!;
    if (s.txStatus === 'I' && this.portals.size > 0) {
      // The implicit (or just ended) transaction is over: its portals go with it.
      for (const p of this.portals.values()) disposePortal(p);
      this.portals.clear();
    }
    this.reportParameterChanges();
    this.out.readyForQuery(s.txStatus === 'I' ? TxStatus.Idle : s.txStatus === 'T' ? TxStatus.InBlock : TxStatus.Failed);
    this.peer.state = 'ready';
  }

  reportParameterChanges(): void {
    const parameters = this.peer.session!.parameters;
    for (const [key, wireName] of REPORTED_PARAMETERS) {
      const v = parameters.get(key);
      if (v !== undefined && v !== this.reported.get(key)) {
        this.out.parameterStatus(wireName, v);
        this.reported.set(key, v);
      }
    }
  }

  /** ErrorResponse for a failed statement; FATAL errors are rethrown to close the connection. */
  private sendError(e: unknown): void {
    if (this.peer.state === 'closed' || e instanceof ConnectionClosed) throw e;
    const err = this.peer.toWire(e);
    if (isFatal(err)) throw err;
    this.out.cancelOpen();
    this.out.errorResponse(err);
    const s = this.peer.session;
    if (s !== null && s.txStatus === 'T') s.txStatus = 'E';
  }
}
