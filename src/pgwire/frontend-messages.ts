/*
 * frontend-messages.ts — decodes the bodies of client messages into typed values, one function per
 * message. Framing (type byte, length) is message-reader.ts's job; acting on the message is
 * startup.ts's and query-protocol.ts's.
 *
 * Structural damage inside a message (a string without terminator, fields running past the end,
 * bytes left over) is FATAL 08P01: the framing was intact but the client is not speaking the
 * protocol, and nothing it sends next can be trusted. Semantic mismatches (a Bind with the wrong
 * parameter count) are ordinary errors, reported by query-protocol.ts as PostgreSQL reports them.
 *
 * Interface (the letter beside each):
 *   decodeStartupParameters   StartupMessage name/value pairs (after the protocol version)
 *   decodeQuery 'Q', decodeParse 'P', decodeBind 'B', decodeDescribeOrClose 'D'/'C',
 *   decodeExecute 'E', decodeSASLInitialResponse 'p'
 */
import type { FieldReader } from './message-reader.js';
import { protocolViolation } from './message-reader.js';

/** StartupMessage parameters, in order; throws FATAL 08P01 on a bad layout. */
export function decodeStartupParameters(r: FieldReader): Map<string, string> {
  const params = new Map<string, string>();
  for (;;) {
    if (r.remaining === 0) throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
    const name = r.cstring();
    if (name === '') break;
    if (r.remaining === 0) throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
    params.set(name, r.cstring());
  }
  r.end();
  return params;
}

/** 'Q' */
export function decodeQuery(r: FieldReader): string {
  const sql = r.cstring();
  r.end();
  return sql;
}

export interface ParseMessage {
  readonly name: string;
  readonly sql: string;
  readonly paramTypeOids: number[];
}

/** 'P' */
export function decodeParse(r: FieldReader): ParseMessage {
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.i16();
  if (n < 0) throw protocolViolation('invalid message format');
  const paramTypeOids: number[] = [];
  for (let i = 0; i < n; i++) paramTypeOids.push(r.i32() >>> 0);
  r.end();
  return { name, sql, paramTypeOids };
}

export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  readonly paramFormats: number[];
  /** Views into the message body; null is SQL NULL. */
  readonly params: (Buffer | null)[];
  readonly resultFormats: number[];
}

/** 'B' */
export function decodeBind(r: FieldReader): BindMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats = int16List(r);
  const n = r.i16();
  if (n < 0) throw protocolViolation('invalid message format');
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.i32();
    if (len === -1) params.push(null);
    else if (len < -1) throw protocolViolation(`invalid length ${len} of bind parameter ${i + 1}`);
    else params.push(r.view(len));
  }
  const resultFormats = int16List(r);
  r.end();
  return { portal, statement, paramFormats, params, resultFormats };
}

function int16List(r: FieldReader): number[] {
  const n = r.i16();
  if (n < 0) throw protocolViolation('invalid message format');
  const list: number[] = [];
  for (let i = 0; i < n; i++) list.push(r.i16());
  return list;
}

export interface TargetMessage {
  /** 'S' (0x53) prepared statement or 'P' (0x50) portal. */
  readonly kind: number;
  readonly name: string;
}

/** 'D' Describe and 'C' Close share this layout. */
export function decodeDescribeOrClose(r: FieldReader): TargetMessage {
  const kind = r.u8();
  const name = r.cstring();
  r.end();
  return { kind, name };
}

export interface ExecuteMessage {
  readonly portal: string;
  /** 0 or negative: no limit. */
  readonly maxRows: number;
}

/** 'E' */
export function decodeExecute(r: FieldReader): ExecuteMessage {
  const portal = r.cstring();
  const maxRows = r.i32();
  r.end();
  return { portal, maxRows };
}

export interface SASLInitialResponse {
  readonly mechanism: string;
  readonly data: Buffer;
}

/** 'p' as SASLInitialResponse: mechanism, int32 length (-1 = none), data. */
export function decodeSASLInitialResponse(r: FieldReader): SASLInitialResponse {
  const mechanism = r.cstring();
  const len = r.i32();
  const data = len === -1 ? Buffer.alloc(0) : r.view(len);
  r.end();
  return { mechanism, data };
}
