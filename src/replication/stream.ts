/*
 * stream.ts — one walsender conversation: START_REPLICATION on the slot, hand every XLogData to
 * the consumer synchronously, answer keepalives, report positions, notice a dead peer.
 *
 *    connect ──► START_REPLICATION ──► CopyBoth ──► streaming ──► ended (error | stop | server)
 *                 (proto 4, else 2)       │  deadline          │
 *                                         ▼                    ▼
 *                                       failed        status updates every statusInterval,
 *                                                     and at once when the server asks
 *
 * Acknowledgement is the consumer's, never the transport's: status updates report exactly
 * `positions()` — write = applied LSN, flush = durable LSN — so the slot keeps the WAL a restart
 * needs (pg-logical-replication acknowledges each message as it is emitted, before it is applied,
 * and reports the same LSN for write and flush; see FACTS.md).
 *
 * Liveness: every status update asks the server for a reply, so a live server answers with a
 * keepalive at least every statusInterval. Nothing received for receiveTimeout means the peer or
 * the network is gone (a silently dropped connection raises no socket error): the stream ends
 * with an error and the follower reconnects.
 */
import type pg from 'pg';
import { formatLsn, type Lsn } from '../lsn.js';
import { copyBoth, quoteIdent, quoteLiteral, replicationClient, type CopyBothConnection, type SourceOptions } from './connection.js';
import { parseCopyData, standbyStatusUpdate, type Keepalive, type XLogData } from './protocol.js';

export interface StreamConsumer {
  /** One XLogData, in WAL order. Must finish with it synchronously (data is a view into a reused buffer). */
  onXLogData(msg: XLogData): void;
  onKeepalive(msg: Keepalive): void;
  /** Positions to report: write = applied, flush = durable. */
  positions(): { write: Lsn; flush: Lsn };
}

export interface StreamOptions {
  readonly source: SourceOptions;
  readonly slot: string;
  readonly publication: string;
  readonly startLsn: Lsn;
  readonly consumer: StreamConsumer;
  readonly statusIntervalMs?: number;
  readonly receiveTimeoutMs?: number;
  readonly startTimeoutMs?: number;
}

export class ReplicationStream {
  private client: pg.Client | undefined;
  private conn: CopyBothConnection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastReceived = Date.now();
  private lastSent = { write: -1n, flush: -1n, at: 0 };
  private stopping = false;
  private endedResolve!: (err: Error | undefined) => void;
  /** Resolves when the stream ends: undefined after stop(), the error otherwise. */
  readonly ended: Promise<Error | undefined>;
  protoVersion = 0;

  constructor(private readonly options: StreamOptions) {
    this.ended = new Promise((resolve) => {
      this.endedResolve = resolve;
    });
  }

  /** Connects and starts streaming; resolves once the server switched to CopyBoth. */
  async start(): Promise<void> {
    let lastError: unknown;
    for (const proto of [4, 2]) {
      try {
        await this.startWith(proto);
        this.protoVersion = proto;
        return;
      } catch (err) {
        lastError = err;
        const message = err instanceof Error ? err.message : String(err);
        // PG < 16 refuses proto 4 ("client sent proto_version=4 but server only supports …").
        if (!/proto_version/i.test(message)) break;
      }
    }
    throw lastError;
  }

  private async startWith(proto: number): Promise<void> {
    const o = this.options;
    const client = replicationClient(o.source);
    this.client = client;
    let failed: ((e: Error) => void) | undefined;
    client.on('error', (err) => {
      failed?.(err);
      this.end(err);
    });
    await client.connect();
    const conn = copyBoth(client);
    this.conn = conn;
    const sql =
      `START_REPLICATION SLOT ${quoteIdent(o.slot)} LOGICAL ${formatLsn(o.startLsn)} (` +
      `proto_version '${proto}', publication_names ${quoteLiteral(quoteIdent(o.publication))}, messages 'true', streaming 'off')`;

    // Listen before START_REPLICATION: the parser emits CopyBothResponse and the CopyData
    // messages of the same TCP chunk synchronously, before any promise continuation could run.
    conn.on('copyData', ({ chunk }) => {
      this.lastReceived = Date.now();
      let msg;
      try {
        msg = parseCopyData(chunk);
        if (msg.tag === 'xlogdata') {
          o.consumer.onXLogData(msg);
        } else {
          o.consumer.onKeepalive(msg);
          if (msg.replyRequested) this.sendStatus(false);
        }
      } catch (err) {
        this.end(err instanceof Error ? err : new Error(String(err)));
      }
    });
    await new Promise<void>((resolve, reject) => {
      failed = reject;
      const deadline = setTimeout(() => reject(new Error(`START_REPLICATION did not start within ${o.startTimeoutMs ?? 30_000} ms`)), o.startTimeoutMs ?? 30_000);
      conn.once('replicationStart', () => {
        clearTimeout(deadline);
        failed = undefined;
        resolve();
      });
      // Resolves only when the copy ends; rejects if START_REPLICATION fails.
      client.query(sql).then(
        () => this.end(this.stopping ? undefined : new Error('the server ended replication')),
        (err: Error) => {
          clearTimeout(deadline);
          if (failed) {
            failed(err);
            failed = undefined;
          } else {
            this.end(this.stopping ? undefined : err);
          }
        },
      );
    }).catch(async (err: unknown) => {
      await client.end().catch(() => undefined);
      throw err;
    });

    this.lastReceived = Date.now();
    const interval = o.statusIntervalMs ?? 1000;
    this.timer = setInterval(() => this.tick(), Math.min(interval, 1000));
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    const timeout = this.options.receiveTimeoutMs ?? 30_000;
    if (now - this.lastReceived > timeout) {
      this.end(new Error(`no message from the server for ${timeout} ms; assuming the connection is dead`));
      return;
    }
    if (now - this.lastSent.at >= (this.options.statusIntervalMs ?? 1000)) this.sendStatus(true);
  }

  /** Reports positions now (the consumer calls this after a durable dump, for example). */
  sendStatus(replyRequested: boolean): void {
    if (!this.conn || this.stopping) return;
    const { write, flush } = this.options.consumer.positions();
    this.lastSent = { write, flush, at: Date.now() };
    this.conn.sendCopyFromChunk(standbyStatusUpdate(write, flush, write, replyRequested));
  }

  /** Flow control: stop reading from the socket (the server then stops sending). */
  pause(): void {
    this.conn?.stream.pause();
  }

  resume(): void {
    this.conn?.stream.resume();
  }

  private end(err: Error | undefined): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.conn?.removeAllListeners('copyData');
    const client = this.client;
    this.client = undefined;
    this.conn = undefined;
    if (client) void client.end().catch(() => undefined);
    this.endedResolve(err);
  }

  /** Sends final positions and closes the connection. */
  async stop(): Promise<void> {
    if (this.conn) this.sendStatus(false);
    this.stopping = true;
    this.end(undefined);
    await this.ended;
  }
}
