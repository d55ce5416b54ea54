/*
 * Framing: TCP may cut the byte stream anywhere. A real node-postgres conversation (startup,
 * Parse/Bind/Describe/Execute/Sync, a multi-statement Query, Terminate) is captured through a
 * recording proxy, then replayed split into two writes at every byte offset: the replies must be
 * identical to the unsplit replay. The server is made to consume the first part before the second
 * is sent (its bytesReceived is awaited), so every split really arrives as two chunks.
 * Also: hundreds of pipelined messages in one write, and MessageReader fed arbitrary chunkings.
 */
import net from 'node:net';
import fc from 'fast-check';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageReader, NONE, READY_LIMITS } from '../../src/pgwire/message-reader.js';
import { bind, RawClient, transcript } from './support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { startServer, type TestServer } from './support/server.js';

let ms: TestServer;
let captured: Buffer;

/** Runs a pg client through a proxy that records what the client sends. */
async function captureConversation(port: number): Promise<Buffer> {
  const sent: Buffer[] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ port, host: '127.0.0.1' });
    client.on('data', (d: Buffer) => {
      sent.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const c = new pg.Client({ host: '127.0.0.1', port: proxyPort, user: 'framing', database: 'memstore', application_name: 'capture' });
  await c.connect();
  await c.query({ text: 'select $1::int4 as a, $2::text as b', values: [7, 'héllo'] });
  await c.query('select 1; select generate_series(1, 3)');
  await c.end();
  await new Promise<void>((r) => proxy.close(() => r()));
  return Buffer.concat(sent);
}

/** Replays bytes in two writes split at `at`; returns everything the server sent until it closed. */
async function replay(bytes: Buffer, at: number): Promise<Buffer> {
  const s = net.connect({ port: ms.port, host: '127.0.0.1' });
  s.setNoDelay(true);
  const received: Buffer[] = [];
  s.on('data', (d: Buffer) => received.push(d));
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
  await new Promise<void>((r) => s.once('connect', () => r()));
  if (at > 0 && at < bytes.length) {
    s.write(bytes.subarray(0, at));
    const localPort = s.localPort;
    // Wait until the server has read the first part, so the second arrives as its own chunk.
    await waitFor(
      () => ms.server.connections().some((c) => c.bytesReceived >= at) || s.closed,
      5_000,
      `server to read ${at} bytes (client port ${localPort})`,
    );
    s.write(bytes.subarray(at));
  } else {
    s.write(bytes);
  }
  await closed;
  return normalize(Buffer.concat(received));
}

/** Blanks BackendKeyData (process id and secret differ per connection). */
function normalize(b: Buffer): Buffer {
  const out = Buffer.from(b);
  let p = 0;
  while (p + 5 <= out.length) {
    const len = out.readInt32BE(p + 1);
    if (out[p] === 0x4b /* K */) out.fill(0, p + 5, p + 1 + len);
    p += 1 + len;
  }
  return out;
}

beforeAll(async () => {
  ms = await startServer();
  captured = await captureConversation(ms.port);
});

afterAll(async () => {
  await ms.close();
  expect(ms.problems).toEqual([]);
});

describe('a captured node-postgres conversation', () => {
  it('contains startup, extended messages, a Query and Terminate', () => {
    const letters = new Set<string>();
    let p = captured.readInt32BE(0); // skip the startup packet
    while (p < captured.length) {
      letters.add(String.fromCharCode(captured[p]!));
      p += 1 + captured.readInt32BE(p + 1);
    }
    expect([...letters].sort()).toEqual(['B', 'D', 'E', 'P', 'Q', 'S', 'X']);
  });

  it('gets identical replies when split into two writes at every byte offset', async () => {
    const whole = await replay(captured, 0);
    const t = transcript(framesOf(whole));
    expect(t).toContain('D 37,68c3a96c6c6f');
    expect(t.filter((m) => m === 'Z I')).toHaveLength(3);
    for (let at = 1; at < captured.length; at++) {
      const split = await replay(captured, at);
      if (!split.equals(whole)) expect(transcript(framesOf(split)), `split at ${at}`).toEqual(t);
    }
    // No connection left behind.
    await waitFor(() => ms.server.connectionCount === 0, 5_000, 'all replay connections to close');
  });
});

function framesOf(b: Buffer): { code: string; body: Buffer }[] {
  const out: { code: string; body: Buffer }[] = [];
  let p = 0;
  while (p + 5 <= b.length) {
    const len = b.readInt32BE(p + 1);
    out.push({ code: String.fromCharCode(b[p]!), body: b.subarray(p + 5, p + 1 + len) });
    p += 1 + len;
  }
  return out;
}

describe('pipelining', () => {
  it('answers 1000 Queries and 300 extended cycles sent in one write, in order', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      const parts: Buffer[] = [serialize.parse({ name: 'p', text: 'select $1::int4 as n' })];
      for (let i = 0; i < 1000; i++) parts.push(serialize.query(`select ${i}`));
      for (let i = 0; i < 300; i++) parts.push(bind({ statement: 'p', params: [String(i)] }), serialize.execute(), serialize.sync());
      c.send(Buffer.concat(parts));
      const values: string[] = [];
      for (let i = 0; i < 1300; i++) {
        for (const m of await c.until('Z')) if (m.code === 'D') values.push(transcript([m])[0]!);
      }
      const expected = [
        ...Array.from({ length: 1000 }, (_, i) => `D ${Buffer.from(String(i)).toString('hex')}`),
        ...Array.from({ length: 300 }, (_, i) => `D ${Buffer.from(String(i)).toString('hex')}`),
      ];
      expect(values).toEqual(expected);
    } finally {
      c.end();
    }
  });
});

describe('MessageReader', () => {
  const stream = Buffer.concat([
    serialize.query('select 1'),
    serialize.parse({ name: 'x', text: 'select $1::text' }),
    bind({ statement: 'x', params: ['a'.repeat(300)] }),
    serialize.describe({ type: 'P' }),
    serialize.execute({ rows: 5 }),
    serialize.flush(),
    serialize.sync(),
    serialize.end(),
  ]);

  const frames = (chunks: Buffer[]): string[] => {
    const r = new MessageReader(READY_LIMITS);
    const out: string[] = [];
    for (const chunk of chunks) {
      r.push(chunk);
      for (let code = r.next(); code !== NONE; code = r.next()) out.push(`${String.fromCharCode(code)}:${r.body.toString('hex')}`);
    }
    expect(r.bufferedBytes).toBe(0);
    return out;
  };

  it('yields the same messages for any cut into any number of chunks', () => {
    const whole = frames([stream]);
    expect(whole).toHaveLength(8);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 30 }), (cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = sorted.slice(1).map((end, i) => stream.subarray(sorted[i], end));
        expect(frames(chunks)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('yields the same messages byte by byte', () => {
    expect(frames([...stream].map((b) => Buffer.of(b)))).toEqual(frames([stream]));
  });
});
