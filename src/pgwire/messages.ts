/*
 * messages.ts — the byte codes of the PostgreSQL frontend/backend protocol 3.0, as the server sees
 * them, with the ASCII letter beside each. Names follow PostgreSQL's protocol.h (PqMsg_*).
 *
 * Interface:
 *   Frontend          message type bytes a client sends after startup
 *   Backend           message type bytes the server sends
 *   StartupCode       the int32 that opens a startup packet (protocol version or special request)
 *   AuthCode          the int32 inside AuthenticationRequest ('R')
 *   TxStatus          the byte inside ReadyForQuery ('Z')
 *   ErrorField        the field tags of ErrorResponse / NoticeResponse
 *   PROTOCOL_3_0, protocolMajor, protocolMinor
 */

/** Message type bytes sent by the client (after the startup packet). */
export const Frontend = {
  Bind: 0x42, // 'B'
  Close: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyFail: 0x66, // 'f'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  Flush: 0x48, // 'H'
  FunctionCall: 0x46, // 'F'
  Parse: 0x50, // 'P'
  /** PasswordMessage, SASLInitialResponse and SASLResponse share this byte. */
  Password: 0x70, // 'p'
  Query: 0x51, // 'Q'
  Sync: 0x53, // 'S'
  Terminate: 0x58, // 'X'
} as const;

/** Message type bytes sent by the server. */
export const Backend = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyOutResponse: 0x48, // 'H'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  NegotiateProtocolVersion: 0x76, // 'v'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

/** The int32 after the length of a startup packet. */
export const StartupCode = {
  /** Protocol 3.0: major 3 in the high 16 bits, minor 0 in the low 16 bits. */
  Protocol30: 196608,
  CancelRequest: 80877102, // 1234 << 16 | 5678
  SSLRequest: 80877103, // 1234 << 16 | 5679
  GSSENCRequest: 80877104, // 1234 << 16 | 5680
} as const;

export const PROTOCOL_3_0 = StartupCode.Protocol30;
export const protocolMajor = (v: number): number => v >>> 16;
export const protocolMinor = (v: number): number => v & 0xffff;

/** The int32 that follows 'R'. */
export const AuthCode = {
  Ok: 0,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;

/** ReadyForQuery status bytes. */
export const TxStatus = {
  Idle: 0x49, // 'I'
  InBlock: 0x54, // 'T'
  Failed: 0x45, // 'E'
} as const;

/** ErrorResponse / NoticeResponse field tags (the ones memstore sends). */
export const ErrorField = {
  Severity: 0x53, // 'S' localized severity
  SeverityNonLocalized: 0x56, // 'V'
  Code: 0x43, // 'C' SQLSTATE
  Message: 0x4d, // 'M'
  Detail: 0x44, // 'D'
  Hint: 0x48, // 'H'
  Position: 0x50, // 'P'
} as const;

/** Single bytes answered to SSLRequest / GSSENCRequest. */
export const SSL_ACCEPT = 0x53; // 'S'
export const SSL_REFUSE = 0x4e; // 'N'

/** Size limits, as PostgreSQL 17 applies them (pqcomm.h), except the large one. */
export const Limits = {
  /** MAX_STARTUP_PACKET_LENGTH: longer startup packets are refused before being read. */
  startupPacket: 10_000,
  /** PQ_SMALL_MESSAGE_LIMIT: Sync, Flush, Describe, Close, Execute, Terminate, CopyDone/Fail. */
  smallMessage: 10_000,
  /**
   * Query, Parse, Bind, CopyData, FunctionCall. PostgreSQL allows 1 GiB (PQ_LARGE_MESSAGE_LIMIT);
   * memstore caps at 64 MiB: a read-only sidecar has no reason to accept larger SQL, and the bytes
   * are only buffered as they arrive, never allocated from the claimed length.
   */
  largeMessage: 64 * 1024 * 1024,
  /** PG_MAX_AUTH_TOKEN_LENGTH: SASL messages during authentication. */
  authMessage: 65_535,
} as const;
