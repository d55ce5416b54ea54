/*
 * pgoutput.ts — decodes pgoutput logical replication messages (protocol versions 1–4, text
 * mode, streaming off) into typed changes.
 *
 * Why not the parser inside pg-logical-replication: it resolves every value through node-postgres'
 * global type parsers (jsonb → object, timestamps → Date, with their round-trip losses) and
 * builds one JS object per tuple keyed by column name. The store keeps PostgreSQL's exact text
 * output as DataRow bodies (see pg/row-format.ts), so this decoder converts a pgoutput TupleData
 * straight into that form in one copying pass, and keeps LSNs as bigints.
 *
 * Invariants:
 *   - Every tuple returned is a fresh buffer: the input (a CopyData chunk) lives in node-postgres'
 *     receive buffer, which is reused once the handler returns, while a transaction is buffered
 *     until its Commit.
 *   - An unchanged TOAST column ('u') is length -2 in the tuple; the applier resolves it.
 *   - Unknown message types and malformed messages throw DecodeError: the stream cannot be
 *     interpreted past them, so the caller stops the connection rather than guess.
 *
 * Left out: streamed in-progress transactions (S/E/A/P) — the slot is started with streaming
 * off, so PostgreSQL spills large transactions to disk and sends them whole at commit; two-phase
 * commit messages (never enabled); binary tuple values (never requested).
 *
 * Message layout reference: PostgreSQL docs, "Logical Replication Message Formats".
 */
import { ByteReader, type ByteReaderPolicy, type ReadFailure } from '../byte-reader.js';
import type { Lsn } from '../lsn.js';
import type { Relation, RelationColumn, ReplicaIdentity } from '../pg/relation.js';
import { NULL_LENGTH, UNCHANGED_LENGTH } from '../pg/row-format.js';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** Message type bytes. */
export const PgoutputTag = {
  Begin: 0x42, // B
  Commit: 0x43, // C
  Origin: 0x4f, // O
  Relation: 0x52, // R
  Type: 0x59, // Y
  Insert: 0x49, // I
  Update: 0x55, // U
  Delete: 0x44, // D
  Truncate: 0x54, // T
  Message: 0x4d, // M
} as const;

export interface Begin {
  readonly tag: 'begin';
  /** LSN of the transaction's commit record. */
  readonly finalLsn: Lsn;
  /** Microseconds since 2000-01-01 UTC. */
  readonly commitTime: bigint;
  readonly xid: number;
}

export interface Commit {
  readonly tag: 'commit';
  readonly commitLsn: Lsn;
  /** End of the commit record: where the next record may start. */
  readonly endLsn: Lsn;
  readonly commitTime: bigint;
}

export interface RelationMessage {
  readonly tag: 'relation';
  readonly relation: Relation;
}

export interface TypeMessage {
  readonly tag: 'type';
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
}

export interface Origin {
  readonly tag: 'origin';
  readonly originLsn: Lsn;
  readonly name: string;
}

export interface Insert {
  readonly tag: 'insert';
  readonly relationOid: number;
  readonly newTuple: Uint8Array;
}

export interface Update {
  readonly tag: 'update';
  readonly relationOid: number;
  /** Old key, sent only when the replica identity columns changed. */
  readonly keyTuple: Uint8Array | null;
  /** Whole old row, sent only with REPLICA IDENTITY FULL. */
  readonly oldTuple: Uint8Array | null;
  readonly newTuple: Uint8Array;
}

export interface Delete {
  readonly tag: 'delete';
  readonly relationOid: number;
  /** Identity columns of the deleted row; other columns are NULL. */
  readonly keyTuple: Uint8Array | null;
  readonly oldTuple: Uint8Array | null;
}

export interface Truncate {
  readonly tag: 'truncate';
  readonly relationOids: readonly number[];
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
}

export interface LogicalMessage {
  readonly tag: 'message';
  readonly transactional: boolean;
  readonly lsn: Lsn;
  readonly prefix: string;
  readonly content: Uint8Array;
}

export type PgoutputMessage =
  | Begin
  | Commit
  | RelationMessage
  | TypeMessage
  | Origin
  | Insert
  | Update
  | Delete
  | Truncate
  | LogicalMessage;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A message that does not parse stops the stream; its strings come from the server as they are. */
const PGOUTPUT_MESSAGE: ByteReaderPolicy<Uint8Array> = {
  fail(kind: ReadFailure, need: number, pos: number, length: number): Error {
    if (kind === 'unterminated') return new DecodeError('pgoutput message truncated: unterminated string');
    if (kind === 'trailing') return new DecodeError(`pgoutput message has ${length - pos} bytes left over`);
    return new DecodeError(`pgoutput message truncated: need ${need} bytes at offset ${pos} of ${length}`);
  },
  text: (buf, start, end) => utf8.decode(buf.subarray(start, end)),
};

type Reader = ByteReader<Uint8Array>;

export function decodePgoutput(buf: Uint8Array): PgoutputMessage {
  const r = new ByteReader(PGOUTPUT_MESSAGE, buf);
  const tag = r.u8();
  switch (tag) {
    case PgoutputTag.Begin:
      return { tag: 'begin', finalLsn: r.u64(), commitTime: r.i64(), xid: r.u32() };
    case PgoutputTag.Commit: {
      r.u8(); // flags, unused
      return { tag: 'commit', commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() };
    }
    case PgoutputTag.Origin:
      return { tag: 'origin', originLsn: r.u64(), name: r.cstring() };
    case PgoutputTag.Relation:
      return { tag: 'relation', relation: readRelation(r) };
    case PgoutputTag.Type:
      return { tag: 'type', oid: r.u32(), schema: r.cstring(), name: r.cstring() };
    case PgoutputTag.Insert: {
      const relationOid = r.u32();
      expect(r, 0x4e /* N */, 'insert');
      return { tag: 'insert', relationOid, newTuple: readTuple(r) };
    }
    case PgoutputTag.Update: {
      const relationOid = r.u32();
      let kind = r.u8();
      let keyTuple: Uint8Array | null = null;
      let oldTuple: Uint8Array | null = null;
      if (kind === 0x4b /* K */) {
        keyTuple = readTuple(r);
        kind = r.u8();
      } else if (kind === 0x4f /* O */) {
        oldTuple = readTuple(r);
        kind = r.u8();
      }
      if (kind !== 0x4e /* N */) throw new DecodeError(`update: expected 'N', got 0x${kind.toString(16)}`);
      return { tag: 'update', relationOid, keyTuple, oldTuple, newTuple: readTuple(r) };
    }
    case PgoutputTag.Delete: {
      const relationOid = r.u32();
      const kind = r.u8();
      if (kind === 0x4b /* K */) return { tag: 'delete', relationOid, keyTuple: readTuple(r), oldTuple: null };
      if (kind === 0x4f /* O */) return { tag: 'delete', relationOid, keyTuple: null, oldTuple: readTuple(r) };
      throw new DecodeError(`delete: expected 'K' or 'O', got 0x${kind.toString(16)}`);
    }
    case PgoutputTag.Truncate: {
      const n = r.i32();
      const flags = r.u8();
      const relationOids: number[] = [];
      for (let i = 0; i < n; i++) relationOids.push(r.u32());
      return { tag: 'truncate', relationOids, cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0 };
    }
    case PgoutputTag.Message: {
      const flags = r.u8();
      const lsn = r.u64();
      const prefix = r.cstring();
      const len = r.i32();
      if (len < 0) throw new DecodeError('message: negative content length');
      return { tag: 'message', transactional: (flags & 1) !== 0, lsn, prefix, content: r.copy(len) };
    }
    default:
      throw new DecodeError(`unknown pgoutput message type 0x${tag.toString(16)} ('${String.fromCharCode(tag)}')`);
  }
}

function expect(r: Reader, byte: number, what: string): void {
  const got = r.u8();
  if (got !== byte) throw new DecodeError(`${what}: expected '${String.fromCharCode(byte)}', got 0x${got.toString(16)}`);
}

const IDENTITY: Record<number, ReplicaIdentity> = { 0x64: 'default', 0x6e: 'nothing', 0x66: 'full', 0x69: 'index' };

function readRelation(r: Reader): Relation {
  const oid = r.u32();
  const schema = r.cstring() || 'pg_catalog';
  const name = r.cstring();
  const identityByte = r.u8();
  const replicaIdentity = IDENTITY[identityByte];
  if (!replicaIdentity) throw new DecodeError(`relation: unknown replica identity 0x${identityByte.toString(16)}`);
  const n = r.i16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < n; i++) {
    const flags = r.u8();
    columns.push({ isKey: (flags & 1) !== 0, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() });
  }
  return { oid, schema, name, replicaIdentity, columns };
}

/** TupleData → DataRow body (fresh buffer). Two passes: size, then copy. */
function readTuple(r: Reader): Uint8Array {
  const n = r.i16();
  const start = r.pos;
  let size = 2;
  for (let i = 0; i < n; i++) {
    const kind = r.u8();
    if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
      const len = r.i32();
      if (len < 0) throw new DecodeError('tuple: negative value length');
      r.need(len);
      r.pos += len;
      size += 4 + len;
    } else if (kind === 0x6e /* n */ || kind === 0x75 /* u */) {
      size += 4;
    } else {
      throw new DecodeError(`tuple: unknown column kind 0x${kind.toString(16)}`);
    }
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt16(0, n);
  let o = 2;
  let p = start;
  const src = r.buf;
  for (let i = 0; i < n; i++) {
    const kind = src[p++]!;
    if (kind === 0x6e) {
      view.setInt32(o, NULL_LENGTH);
      o += 4;
    } else if (kind === 0x75) {
      view.setInt32(o, UNCHANGED_LENGTH);
      o += 4;
    } else {
      const len = (src[p]! << 24) | (src[p + 1]! << 16) | (src[p + 2]! << 8) | src[p + 3]!;
      out.set(src.subarray(p, p + 4 + len), o); // length word + value, same layout
      o += 4 + len;
      p += 4 + len;
    }
  }
  return out;
}
