/*
 * A raw PostgreSQL protocol client for tests: sends exact bytes, returns backend messages as
 * (letter, body) pairs. Frontend messages are built with pg-protocol's `serialize` where it has
 * them (Bind with per-column formats is built here). Backend messages are framed here because
 * pg-protocol's Parser decodes every DataRow field as UTF-8 text, which corrupts binary values.
 * SCRAM-SHA-256 is implemented client-side so the same client can talk to the real PostgreSQL 17
 * of the test run and to memstore (parity tests).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';
import { serialize } from 'pg-protocol';
import { deadline } from '../../support/wait.js';

export interface Message {
  /** The type letter, e.g. 'Z'. */
  readonly code: string;
  readonly body: Buffer;
}

export interface ConnectOptions {
  readonly user?: string;
  readonly database?: string;
  readonly password?: string;
  readonly params?: Record<string, string>;
}

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: Message[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  readonly closed: Promise<void>;
  processId = 0;
  secretKey = 0;
  readonly parameters = new Map<string, string>();

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.frame();
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
  }

  /** A TCP connection without any protocol traffic yet. */
  static open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects and authenticates (trust or SCRAM-SHA-256); returns after the first ReadyForQuery. */
  static async connect(port: number, options: ConnectOptions = {}, host = '127.0.0.1'): Promise<RawClient> {
    const c = await RawClient.open(port, host);
    const user = options.user ?? 'tester';
    c.send(serialize.startup({ user, database: options.database ?? 'memstore', client_encoding: 'UTF8', ...options.params }));
    await c.authenticate(user, options.password);
    return c;
  }

  /** Connects to a postgres:// URL (user, password, host, port and database from it). */
  static connectUrl(url: string): Promise<RawClient> {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.slice(1));
    return RawClient.connect(Number(u.port), { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), ...(database !== '' ? { database } : {}) }, u.hostname);
  }

  private async authenticate(user: string, password: string | undefined): Promise<void> {
    let scram: { clientNonce: string; bare: string; serverSignature?: Buffer } | null = null;
    for (;;) {
      const m = await this.next();
      if (m.code === 'E') throw new Error(`startup failed: ${JSON.stringify(errorFields(m))}`);
      if (m.code === 'R') {
        const kind = m.body.readInt32BE(0);
        if (kind === 10) {
          const clientNonce = randomBytes(18).toString('base64');
          const bare = `n=*,r=${clientNonce}`;
          scram = { clientNonce, bare };
          this.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', `n,,${bare}`));
        } else if (kind === 11 && scram !== null) {
          const serverFirst = m.body.subarray(4).toString('utf8');
          const attrs = new Map(serverFirst.split(',').map((a) => [a[0]!, a.slice(2)] as const));
          const salted = pbkdf2Sync(password ?? '', Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), 32, 'sha256');
          const clientKey = createHmac('sha256', salted).update('Client Key').digest();
          const storedKey = createHash('sha256').update(clientKey).digest();
          const withoutProof = `c=biws,r=${attrs.get('r')}`;
          const authMessage = `${scram.bare},${serverFirst},${withoutProof}`;
          const sig = createHmac('sha256', storedKey).update(authMessage).digest();
          const proof = Buffer.alloc(32);
          for (let i = 0; i < 32; i++) proof[i] = clientKey[i]! ^ sig[i]!;
          scram.serverSignature = createHmac('sha256', createHmac('sha256', salted).update('Server Key').digest()).update(authMessage).digest();
          this.send(serialize.sendSCRAMClientFinalMessage(`${withoutProof},p=${proof.toString('base64')}`));
        } else if (kind === 12 && scram !== null) {
          const v = m.body.subarray(4).toString('utf8');
          if (v !== `v=${scram.serverSignature!.toString('base64')}`) throw new Error('server signature mismatch');
        } else if (kind !== 0) {
          throw new Error(`unsupported authentication request ${kind}`);
        }
      } else if (m.code === 'S') {
        const [name, value] = cstrings(m.body);
        this.parameters.set(name!, value!);
      } else if (m.code === 'K') {
        this.processId = m.body.readInt32BE(0);
        this.secretKey = m.body.readInt32BE(4);
      } else if (m.code === 'Z') {
        return;
      }
    }
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** Writes and resolves once the bytes are handed to the kernel. */
  write(buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(buf, (err) => (err ? reject(err) : resolve())));
  }

  private frame(): void {
    let off = 0;
    while (this.buf.length - off >= 5) {
      const len = this.buf.readInt32BE(off + 1);
      if (this.buf.length - off < 1 + len) break;
      this.queue.push({ code: String.fromCharCode(this.buf[off]!), body: Buffer.from(this.buf.subarray(off + 5, off + 1 + len)) });
      off += 1 + len;
    }
    this.buf = this.buf.subarray(off);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Unframed bytes received (the answer to SSLRequest is a single byte). */
  takeRawByte(): Promise<number> {
    return deadline(
      (async () => {
        while (this.buf.length === 0) {
          if (this.ended) throw new Error('connection closed');
          await new Promise<void>((r) => (this.waiter = r));
        }
        const b = this.buf[0]!;
        this.buf = this.buf.subarray(1);
        return b;
      })(),
      5_000,
      'a single byte',
    );
  }

  /** The next backend message; rejects when the connection closes first or after `ms`. */
  next(ms = 10_000): Promise<Message> {
    return deadline(
      (async () => {
        for (;;) {
          const m = this.queue.shift();
          if (m !== undefined) return m;
          if (this.ended) throw new Error('connection closed');
          await new Promise<void>((r) => (this.waiter = r));
        }
      })(),
      ms,
      'a backend message',
    );
  }

  /** Messages up to and including the first one with `code` (default ReadyForQuery). */
  async until(code = 'Z', ms = 10_000): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const m = await this.next(ms);
      out.push(m);
      if (m.code === code) return out;
    }
  }

  /** All messages until the server closes the connection. */
  async drainUntilClosed(ms = 10_000): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      try {
        out.push(await this.next(ms));
      } catch (e) {
        if (this.ended) return out;
        throw e;
      }
    }
  }

  /** Bytes received that do not form protocol 3 messages, once the server has closed. */
  async unframedUntilClosed(ms = 10_000): Promise<Buffer> {
    await deadline(this.closed, ms, 'the server to close the connection');
    return this.buf;
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end(serialize.end());
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function cstrings(body: Buffer): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < body.length) {
    const z = body.indexOf(0, p);
    if (z < 0) break;
    out.push(body.toString('utf8', p, z));
    p = z + 1;
  }
  return out;
}

/** ErrorResponse / NoticeResponse fields by tag letter. */
export function errorFields(m: Message): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < m.body.length && m.body[p] !== 0) {
    const tag = String.fromCharCode(m.body[p]!);
    const z = m.body.indexOf(0, p + 1);
    out[tag] = m.body.toString('utf8', p + 1, z);
    p = z + 1;
  }
  return out;
}

/** DataRow columns as raw bytes (null for NULL). */
export function dataRow(m: Message): (Buffer | null)[] {
  const n = m.body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let p = 2;
  for (let i = 0; i < n; i++) {
    const len = m.body.readInt32BE(p);
    p += 4;
    if (len < 0) out.push(null);
    else {
      out.push(m.body.subarray(p, p + len));
      p += len;
    }
  }
  return out;
}

export interface Column {
  readonly name: string;
  readonly typeOid: number;
  readonly format: number;
}

export function rowDescription(m: Message): Column[] {
  const n = m.body.readInt16BE(0);
  const out: Column[] = [];
  let p = 2;
  for (let i = 0; i < n; i++) {
    const z = m.body.indexOf(0, p);
    const name = m.body.toString('utf8', p, z);
    p = z + 1;
    const typeOid = m.body.readUInt32BE(p + 6);
    const format = m.body.readInt16BE(p + 16);
    p += 18;
    out.push({ name, typeOid, format });
  }
  return out;
}

/** A Bind with explicit parameter formats and result formats. */
export function bind(opts: {
  portal?: string;
  statement?: string;
  paramFormats?: number[];
  params?: (Buffer | string | null)[];
  resultFormats?: number[];
}): Buffer {
  const parts: Buffer[] = [];
  const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.of(0)]);
  const i16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return b;
  };
  const i32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  parts.push(cstr(opts.portal ?? ''), cstr(opts.statement ?? ''));
  const pf = opts.paramFormats ?? [];
  parts.push(i16(pf.length), ...pf.map(i16));
  const params = opts.params ?? [];
  parts.push(i16(params.length));
  for (const v of params) {
    if (v === null) parts.push(i32(-1));
    else {
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      parts.push(i32(b.length), b);
    }
  }
  const rf = opts.resultFormats ?? [];
  parts.push(i16(rf.length), ...rf.map(i16));
  return message('B', Buffer.concat(parts));
}

/** A StartupMessage (protocol 3.0) with exactly these parameters (pg-protocol's adds client_encoding). */
export function startupPacket(params: Record<string, string>, version = 196608): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0', 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(version, 4);
  return Buffer.concat([head, body]);
}

/** Any frontend message: type letter + body. */
export function message(code: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b[0] = code.charCodeAt(0);
  b.writeInt32BE(4 + body.length, 1);
  body.copy(b, 5);
  return b;
}

/** A compact, comparable transcript: one string per message, volatile contents blanked. */
export function transcript(messages: readonly Message[]): string[] {
  return messages.map((m) => {
    switch (m.code) {
      case 'E':
      case 'N': {
        const f = errorFields(m);
        return `${m.code} ${f.S} ${f.C} ${f.M}`;
      }
      case 'C':
        return `C ${cstrings(m.body)[0]}`;
      case 'T':
        return `T ${rowDescription(m)
          .map((c) => `${c.name}:${c.typeOid}:${c.format}`)
          .join(',')}`;
      case 'D':
        return `D ${dataRow(m)
          .map((v) => (v === null ? 'NULL' : v.toString('hex')))
          .join(',')}`;
      case 't': {
        const n = m.body.readInt16BE(0);
        const oids: number[] = [];
        for (let i = 0; i < n; i++) oids.push(m.body.readUInt32BE(2 + 4 * i));
        return `t ${oids.join(',')}`;
      }
      case 'Z':
        return `Z ${String.fromCharCode(m.body[0]!)}`;
      case 'd':
        return `d ${m.body.toString('utf8')}`;
      default:
        return m.code;
    }
  });
}
