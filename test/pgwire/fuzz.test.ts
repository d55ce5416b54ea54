/*
 * Hostile and broken input: random bytes (before and after startup), messages with valid types
 * and random bodies, truncated messages, absurd claimed lengths, every unknown message type,
 * random parameter counts, invalid UTF-8 and a 10 MB SQL string. Each must end in an ErrorResponse
 * with a real SQLSTATE (never XX000, never a server log error) and a closed or recovered
 * connection, while a canary connection keeps answering SELECT 1. Claimed sizes must not turn
 * into allocations.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKnownSqlState } from '../../src/pgwire/sqlstate.js';
import { bind, errorFields, message, RawClient, transcript, type Message } from './support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { startServer, type TestServer } from './support/server.js';

let ms: TestServer;
let canary: pg.Client;

beforeAll(async () => {
  ms = await startServer();
  canary = new pg.Client({ host: '127.0.0.1', port: ms.port, user: 'canary', database: 'memstore' });
  await canary.connect();
});

afterAll(async () => {
  await canary.end();
  await ms.close();
  expect(ms.problems).toEqual([]);
});

async function canaryAnswers(): Promise<void> {
  expect((await canary.query('select 1')).rows).toEqual([{ '?column?': 1 }]);
}

/** Errors must carry a known SQLSTATE, never XX000; a FATAL error must be the last message. */
function checkErrors(messages: readonly Message[]): void {
  messages.forEach((m, i) => {
    if (m.code !== 'E') return;
    const f = errorFields(m);
    expect(isKnownSqlState(f.C!), `SQLSTATE ${f.C} (${f.M})`).toBe(true);
    expect(f.C, f.M).not.toBe('XX000');
    if (f.S === 'FATAL') expect(i).toBe(messages.length - 1);
  });
}

/** Sends bytes, then EOF; returns everything received until the server closed. */
async function sendThenClose(c: RawClient, bytes: Buffer): Promise<Message[]> {
  c.socket.end(bytes);
  return c.drainUntilClosed();
}

const FRONTEND_CODES = 'QPBDECHSXFdcfp'.split('');

/** Messages with a valid (or any) type byte, a correct length, and a random body. */
const randomMessages = fc.array(
  fc.record({
    code: fc.oneof(fc.constantFrom(...FRONTEND_CODES), fc.integer({ min: 0, max: 255 }).map((n) => String.fromCharCode(n))),
    body: fc.uint8Array({ maxLength: 64 }),
  }),
  { minLength: 1, maxLength: 8 },
).map((ms) => Buffer.concat(ms.map((m) => message(m.code, Buffer.from(m.body)))));

/** A valid message sequence with bytes flipped. */
const validSequence = Buffer.concat([
  serialize.parse({ name: 's', text: 'select $1::int4 as a, $2::text as b' }),
  bind({ statement: 's', params: ['1', 'x'], resultFormats: [1, 0] }),
  serialize.describe({ type: 'P' }),
  serialize.execute({ rows: 1 }),
  serialize.close({ type: 'P' }),
  serialize.sync(),
  serialize.query('select generate_series(1, 3)'),
]);
const mutated = fc
  .array(fc.record({ at: fc.nat({ max: validSequence.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 })
  .map((flips) => {
    const b = Buffer.from(validSequence);
    for (const f of flips) b[f.at] = f.value;
    return b;
  });

describe('fuzz (fast-check)', () => {
  it('random bytes before startup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const c = await RawClient.open(ms.port);
        const messages = await sendThenClose(c, Buffer.from(bytes));
        checkErrors(messages.filter((m) => m.code === 'E'));
      }),
      { numRuns: 150 },
    );
    await canaryAnswers();
  });

  it('random bytes, random-bodied messages and mutated valid messages after startup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), randomMessages, mutated), async (bytes) => {
        const c = await RawClient.connect(ms.port);
        const messages = await sendThenClose(c, bytes);
        checkErrors(messages);
      }),
      { numRuns: 400 },
    );
    await canaryAnswers();
  });

  it('random parameter counts: 08P01 with PostgreSQL’s message, then the connection recovers', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      c.send(serialize.parse({ name: 'three', text: 'select $1::int4 as a, $2::int4 as b, $3::text as c' }), serialize.sync());
      await c.until('Z');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 40 }), async (n) => {
          c.send(bind({ statement: 'three', params: Array.from({ length: n }, (_, i) => String(i)) }), serialize.execute(), serialize.sync());
          const t = transcript(await c.until('Z'));
          if (n === 3) expect(t).toEqual(['2', `D 30,31,32`, 'C SELECT 1', 'Z I']);
          else expect(t).toEqual([`E ERROR 08P01 bind message supplies ${n} parameters, but prepared statement "three" requires 3`, 'Z I']);
        }),
        { numRuns: 60 },
      );
    } finally {
      c.end();
    }
  });

  it('random bytes as SQL text: invalid UTF-8 is 22021 exactly when the bytes are not UTF-8', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b.map((x) => (x === 0 ? 0x20 : x)))), async (sql) => {
          c.send(message('Q', Buffer.concat([Buffer.from('select '), sql, Buffer.of(0)])));
          const msgs = await c.until('Z');
          const codes = msgs.filter((m) => m.code === 'E').map((m) => errorFields(m).C);
          expect(codes.includes('22021')).toBe(!isUtf8(sql));
          checkErrors(msgs);
        }),
        { numRuns: 200 },
      );
    } finally {
      c.end();
    }
  });
});

describe('broken framing', () => {
  const memory = (): number => process.memoryUsage().rss;

  it('a startup packet claiming 1 GB is refused without allocating it', async () => {
    const before = memory();
    const c = await RawClient.open(ms.port);
    const head = Buffer.alloc(8);
    head.writeInt32BE(1 << 30, 0);
    head.writeInt32BE(196608, 4);
    c.send(head);
    expect(transcript(await c.drainUntilClosed())).toEqual(['E FATAL 08P01 invalid length of startup packet']);
    expect(memory() - before).toBeLessThan(64 * 1024 * 1024);
    await canaryAnswers();
  });

  it('messages claiming 1 GiB, fewer than 4 bytes, or a negative length are FATAL 08P01', async () => {
    for (const len of [1 << 30, 0x7fffffff, 3, 0, -1]) {
      const c = await RawClient.connect(ms.port);
      const b = Buffer.alloc(5);
      b[0] = 0x51;
      b.writeInt32BE(len, 1);
      c.send(b);
      expect(transcript(await c.drainUntilClosed())).toEqual(['E FATAL 08P01 invalid message length']);
    }
    // Small-limit messages (Sync) may not claim more than 10000 bytes, like PostgreSQL.
    const c = await RawClient.connect(ms.port);
    const b = Buffer.alloc(5);
    b[0] = 0x53;
    b.writeInt32BE(10_001, 1);
    c.send(b);
    expect(transcript(await c.drainUntilClosed())).toEqual(['E FATAL 08P01 invalid message length']);
    await canaryAnswers();
  });

  it('a message claiming 60 MiB that never arrives is not allocated up front', async () => {
    const c = await RawClient.connect(ms.port);
    const before = process.memoryUsage().arrayBuffers;
    const b = Buffer.alloc(5 + 1000, 0x61);
    b[0] = 0x51;
    b.writeInt32BE(60 * 1024 * 1024, 1);
    c.send(b);
    await waitFor(() => ms.server.connections().some((i) => i.processId === c.processId && i.bytesReceived >= 1005), 5_000, 'the server to read the partial message');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    c.destroy();
    await canaryAnswers();
  });

  it('every message type byte that is not a frontend message is FATAL 08P01', async () => {
    const valid = new Set(FRONTEND_CODES.filter((x) => x !== 'p').map((x) => x.charCodeAt(0)));
    for (let code = 0; code < 256; code++) {
      if (valid.has(code)) continue;
      const c = await RawClient.connect(ms.port);
      c.send(message(String.fromCharCode(code)));
      expect(transcript(await c.drainUntilClosed())).toEqual([`E FATAL 08P01 invalid frontend message type ${code}`]);
    }
    await canaryAnswers();
  });

  it('a message cut at every byte offset, then EOF: the connection closes cleanly', async () => {
    const whole = Buffer.concat([serialize.query('select 1'), bind({ params: ['x'] })]);
    for (let at = 1; at < whole.length; at++) {
      const c = await RawClient.connect(ms.port);
      const msgs = await sendThenClose(c, whole.subarray(0, at));
      checkErrors(msgs);
    }
    await canaryAnswers();
  });

  it('structurally broken bodies are FATAL 08P01: missing terminator, short fields, trailing bytes', async () => {
    const cases: [Buffer, string][] = [
      [message('Q', Buffer.from('select 1')), 'invalid string in message'],
      [message('Q', Buffer.from('select 1\0extra')), 'invalid message format'],
      [message('B', Buffer.from('\0\0\0')), 'insufficient data left in message'],
      [message('E', Buffer.from('\0\0\0')), 'insufficient data left in message'],
      [message('S', Buffer.from('x')), 'invalid message format'],
    ];
    for (const [bytes, msg] of cases) {
      const c = await RawClient.connect(ms.port);
      c.send(bytes);
      expect(transcript(await c.drainUntilClosed())).toEqual([`E FATAL 08P01 ${msg}`]);
    }
    await canaryAnswers();
  });

  it('a 10 MB SQL string is answered (and 10 MB of nonsense is 42601)', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      const big = 'a'.repeat(10 * 1024 * 1024);
      c.send(serialize.query(`select '${big}'`));
      expect(transcript(await c.until('Z'))).toEqual(['T ?column?:23:0', 'D 31', 'C SELECT 1', 'Z I']);
      c.send(serialize.query(big));
      const t = transcript(await c.until('Z'));
      expect(t).toEqual([`E ERROR 42601 syntax error at or near "${'a'.repeat(40)}"`, 'Z I']);
    } finally {
      c.end();
    }
    await canaryAnswers();
  });
});
