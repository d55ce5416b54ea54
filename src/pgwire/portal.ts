/*
 * portal.ts — runs a portal's statement and streams its result to the client with backpressure.
 *
 *   execute(portal, limit, simple)
 *        │ statement.execute() → ExecResult (sync, or a promise: Pending)
 *        ▼
 *   ┌─────────┐ command ──────────────────────────────────► CommandComplete
 *   │ deliver │ rows ─────► [RowDescription if simple] ─┐
 *   └─────────┘ copy-out ─► CopyOutResponse ────────────┤
 *                                                       ▼
 *                      ┌──────┐  socket full / SLICE_MS used   ┌─────────────┐
 *                      │ pump │ ─────────────────────────────► │ streamAsync │
 *                      │      │ ◄───────── 'drain' / setImmediate (abort? close?)
 *                      └──┬───┘                                └─────────────┘
 *                         │ iterator done / limit reached
 *                         ▼
 *   CommandComplete | PortalSuspended (limit) | CopyDone + CommandComplete
 *
 * What for: the only place rows are pulled from an engine. Rows are pulled from the result's
 * iterator only while the socket accepts writes; when socket.write returns false the pull stops
 * until 'drain'. Buffered output per connection is thus bounded by about one flush (FLUSH_AT)
 * plus the socket's high-water mark, not by the size of the result. A long result also yields to
 * the event loop after SLICE_MS of pulling and encoding, so cancel requests and other connections
 * are served meanwhile (XXX: one next() of the engine's iterator is not bounded: a lazy scan
 * whose filter rejects every row runs whole inside it).
 *
 * The common case stays synchronous: a point SELECT is execute → deliver → pump → finish with no
 * promise. Only a result that must wait becomes async (streamAsync), returned as Pending.
 *
 * Cancellation: one AbortController per connection, renewed when a statement starts after an
 * abort. `running` is true between execute() and the statement's CommandComplete, PortalSuspended
 * or error; a CancelRequest applies only then (as in PostgreSQL). Each execution's duration goes
 * to host.observeQuery (metrics), one hrtime pair and nothing at all without the hook.
 *
 * Interface:
 *   new PortalRunner(peer, discardAll)
 *   execute(portal, limit, simple)    runs or continues a portal: Pending
 *   ctx                               the ExecContext handed to statements
 *   running, signal, abort(reason)    cancellation
 *   disposePortal(p)                  closes a portal's iterator (engines free resources on return())
 *   encodedRowDescription(fields)     text-format RowDescription, cached per fields array
 */
import type { SqlError } from '../errors.js';
import type { RowEncoder } from './binary-format.js';
import type { ConnectionHost, ConnectionState } from './connection-host.js';
import type { ExecContext, FieldDescription, ExecResult, SessionState, Statement } from './engine.js';
import { MessageWriter } from './message-writer.js';
import { ConnectionClosed } from './wire-errors.js';

export type Pending = Promise<void> | undefined;

export interface Portal {
  readonly statement: Statement | null;
  readonly params: readonly (string | null)[];
  /** Per column 0/1, null when all text. */
  readonly formats: Uint8Array | null;
  readonly encoder: RowEncoder | null;
  result: ExecResult | null;
}

/** What the runner needs of its connection. */
export interface RunnerPeer {
  state: ConnectionState;
  readonly out: MessageWriter;
  readonly host: ConnectionHost;
  readonly session: SessionState | null;
  /** Resolves when the socket takes writes again (at once if it does now, or on close/cancel). */
  waitDrain(): Promise<void>;
}

/** Output is handed to the socket whenever this much is encoded. */
export const FLUSH_AT = 32 * 1024;
/**
 * A long result yields to the event loop after this long (ms): another connection's query waits
 * at most about this (the executor's slice is the same, query/exec/runtime.ts).
 */
const SLICE_MS = 2;
/** Rows pulled between two reads of the clock (a point SELECT reads none). */
const CLOCK_EVERY_ROWS = 64;

const MODE_TEXT = 0;
const MODE_ENCODED = 1;
const MODE_COPY = 2;

/** Encoded text-format RowDescriptions, per fields array (engines that cache plans reuse arrays). */
const rowDescriptionCache = new WeakMap<readonly FieldDescription[], Buffer>();

export function encodedRowDescription(fields: readonly FieldDescription[]): Buffer {
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

export class PortalRunner {
  readonly ctx: ExecContext;
  /** A statement is executing or streaming: a CancelRequest applies now. */
  running = false;

  private readonly out: MessageWriter;
  private controller = new AbortController();
  // Progress of the result being streamed (one at a time per connection).
  private rowCount = 0;
  private suspended = false;
  /** When the current slice of a long result began (performance.now()). */
  private sliceStart = 0;
  /** Result formats of the portal being executed (ExecContext.resultFormats). */
  private formats: Uint8Array | null = null;

  constructor(
    private readonly peer: RunnerPeer,
    /** DISCARD ALL: drop every prepared statement and every portal but the running one. */
    private readonly discardAll: (running: Portal) => void,
  ) {
    this.out = peer.out;
    const signal = (): AbortSignal => this.controller.signal;
    const formats = (): Uint8Array | null => this.formats;
    this.ctx = {
      get resultFormats(): Uint8Array | null {
        return formats();
      },
      get session(): SessionState {
        return peer.session!;
      },
      get signal(): AbortSignal {
        return signal();
      },
      notice: (n: SqlError): void => {
        if (peer.state !== 'closed') peer.out.noticeResponse(n);
      },
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts the running statement (or, once closed, any that would start) with `reason`. */
  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /**
   * Runs (or continues) a portal: up to `limit` rows (0 = all). `simple` sends RowDescription first
   * (the simple protocol); the extended protocol relies on Describe.
   */
  execute(portal: Portal, limit: number, simple: boolean): Pending {
    if (portal.statement === null) {
      this.out.emptyQueryResponse();
      return undefined;
    }
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.running = true;
    // Latency of every execution (metrics): one hrtime pair, and nothing at all without a hook.
    const observe = this.peer.host.observeQuery;
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
      this.formats = portal.formats;
      const r = statement.execute(this.ctx, portal.params);
      if (r instanceof Promise) {
        return r.then((result) => {
          if (this.peer.state === 'closed') throw new ConnectionClosed('connection closed');
          portal.result = result;
          return this.deliver(portal, statement, limit, simple);
        });
      }
      portal.result = r;
    }
    return this.deliver(portal, statement, limit, simple);
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
        this.peer.state = 'copy';
        this.out.copyOutResponse(result.columnCount, result.binary === true);
        return this.stream(portal, result.chunks, MODE_COPY, 0);
    }
  }

  private stream(portal: Portal, iter: Iterator<Uint8Array>, mode: number, limit: number): Pending {
    this.rowCount = 0;
    this.sliceStart = performance.now();
    if (this.pump(iter, mode, portal.encoder, limit)) {
      this.finish(portal);
      return undefined;
    }
    return this.streamAsync(portal, iter, mode, limit);
  }

  private async streamAsync(portal: Portal, iter: Iterator<Uint8Array>, mode: number, limit: number): Promise<void> {
    try {
      for (;;) {
        if (this.out.blocked) await this.peer.waitDrain();
        else await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.peer.state === 'closed') throw new ConnectionClosed('connection closed');
        if (this.controller.signal.aborted) throw this.controller.signal.reason;
        this.sliceStart = performance.now();
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
    let pulled = 0;
    for (;;) {
      if (limit !== 0 && n >= limit) {
        this.rowCount = n;
        this.suspended = true;
        return true;
      }
      if (out.pendingBytes >= FLUSH_AT) out.flush();
      // Slab changes flush too, so the socket's verdict is checked on every row (a field read).
      if (out.blocked || (++pulled % CLOCK_EVERY_ROWS === 0 && performance.now() - this.sliceStart >= SLICE_MS)) {
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
}

function closeIterator(iter: Iterator<Uint8Array>): void {
  try {
    iter.return?.();
  } catch {
    // The engine's cleanup failed; nothing a client can do about it.
  }
}

export function disposePortal(p: Portal): void {
  const r = p.result;
  if (r === null) return;
  if (r.kind === 'rows') closeIterator(r.rows);
  else if (r.kind === 'copy-out') closeIterator(r.chunks);
}
