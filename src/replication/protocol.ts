/*
 * protocol.ts — the streaming replication sub-protocol carried in CopyData messages once
 * START_REPLICATION has switched the connection to CopyBoth mode.
 *
 *   server → client  'w' XLogData:         walStart int64, walEnd int64, sendTime int64, data
 *   server → client  'k' Primary keepalive: walEnd int64, sendTime int64, replyRequested byte
 *   client → server  'r' Standby status:    write int64, flush int64, apply int64, time int64, reply byte
 *
 * Times are microseconds since 2000-01-01 00:00 UTC (PostgreSQL's epoch), not the Unix epoch.
 */
import type { Lsn } from '../lsn.js';
import { PG_EPOCH_MS } from '../pg/time.js';

export const ReplicationTag = {
  XLogData: 0x77, // w
  Keepalive: 0x6b, // k
  StandbyStatusUpdate: 0x72, // r
} as const;


export interface XLogData {
  readonly tag: 'xlogdata';
  readonly walStart: Lsn;
  readonly walEnd: Lsn;
  readonly sendTime: bigint;
  /** The logical decoding output (one pgoutput message). A view into the receive buffer. */
  readonly data: Uint8Array;
}

export interface Keepalive {
  readonly tag: 'keepalive';
  readonly walEnd: Lsn;
  readonly sendTime: bigint;
  readonly replyRequested: boolean;
}

export class ReplicationProtocolError extends Error {
  override readonly name = 'ReplicationProtocolError';
}

export function parseCopyData(chunk: Uint8Array): XLogData | Keepalive {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const tag = chunk[0];
  if (tag === ReplicationTag.XLogData) {
    if (chunk.length < 25) throw new ReplicationProtocolError(`XLogData of ${chunk.length} bytes`);
    return {
      tag: 'xlogdata',
      walStart: view.getBigUint64(1),
      walEnd: view.getBigUint64(9),
      sendTime: view.getBigInt64(17),
      data: chunk.subarray(25),
    };
  }
  if (tag === ReplicationTag.Keepalive) {
    if (chunk.length < 18) throw new ReplicationProtocolError(`keepalive of ${chunk.length} bytes`);
    return { tag: 'keepalive', walEnd: view.getBigUint64(1), sendTime: view.getBigInt64(9), replyRequested: chunk[17] === 1 };
  }
  throw new ReplicationProtocolError(`unknown replication message 0x${(tag ?? 0).toString(16)}`);
}

export function pgNowMicros(nowMs = Date.now()): bigint {
  return BigInt(nowMs - PG_EPOCH_MS) * 1000n;
}

/** Standby status update. `write`/`flush`/`apply` are positions the server may rely on. */
export function standbyStatusUpdate(write: Lsn, flush: Lsn, apply: Lsn, replyRequested = false, nowMs = Date.now()): Buffer {
  const buf = Buffer.alloc(34);
  buf[0] = ReplicationTag.StandbyStatusUpdate;
  buf.writeBigUInt64BE(write, 1);
  buf.writeBigUInt64BE(flush, 9);
  buf.writeBigUInt64BE(apply, 17);
  buf.writeBigInt64BE(pgNowMicros(nowMs), 25);
  buf[33] = replyRequested ? 1 : 0;
  return buf;
}
