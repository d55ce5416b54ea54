/*
 * Flow control: a client that asks for 2M rows and does not read must not make the server buffer
 * the result. The server pulls rows only while the socket accepts writes; its buffered bytes for
 * that socket stay near one flush, and the engine stops producing rows. Then the client reads
 * everything and every row arrives.
 */
import net from 'node:net';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupPacket } from './support/raw-client.js';
import { deadline, waitFor } from '../support/wait.js';
import { startServer, type TestServer } from './support/server.js';

let ms: TestServer;

beforeAll(async () => {
  ms = await startServer();
});

afterAll(async () => {
  await ms.close();
  expect(ms.problems).toEqual([]);
});

/** A socket that counts DataRows without keeping them; completes at ReadyForQuery. */
class CountingClient {
  dataRows = 0;
  tags: string[] = [];
  private buf = Buffer.alloc(0);
  private readyCount = 0;
  private readyWaiters: { n: number; resolve: () => void }[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    let b = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let p = 0;
    while (b.length - p >= 5) {
      const len = b.readInt32BE(p + 1);
      if (b.length - p < 1 + len) break;
      const code = b[p];
      if (code === 0x44 /* D */) this.dataRows++;
      else if (code === 0x43 /* C */) this.tags.push(b.toString('utf8', p + 5, p + len));
      else if (code === 0x5a /* Z */) {
        this.readyCount++;
        for (const w of this.readyWaiters.filter((x) => x.n <= this.readyCount)) w.resolve();
        this.readyWaiters = this.readyWaiters.filter((x) => x.n > this.readyCount);
      }
      p += 1 + len;
    }
    b = b.subarray(p);
    this.buf = b.length > 0 ? Buffer.from(b) : Buffer.alloc(0);
  }

  /** Resolves when the n-th ReadyForQuery has arrived. */
  ready(n: number): Promise<void> {
    if (this.readyCount >= n) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push({ n, resolve }));
  }
}

describe('backpressure', () => {
  it('a non-reading client of a 2M-row result keeps server buffering and row production bounded', async () => {
    const socket = net.connect({ port: ms.port, host: '127.0.0.1' });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const client = new CountingClient(socket);
    socket.write(startupPacket({ user: 'slow', database: 'memstore' }));
    await deadline(client.ready(1), 5_000, 'startup');

    const producedBefore = ms.engine.rowsProduced;
    socket.pause();
    socket.write(serialize.query('select generate_series(1, 2000000)'));
    await waitFor(() => ms.server.connections().some((c) => c.waitingForDrain), 20_000, 'the server to wait for the client');
    const info = ms.server.connections().find((c) => c.waitingForDrain)!;
    const produced = ms.engine.rowsProduced - producedBefore;

    // Held in the server for this socket: at most about one flush (32 KiB) plus Node's
    // high-water mark, not the ~36 MB result.
    expect(info.bufferedBytes).toBeLessThan(256 * 1024);
    // Rows produced so far fit in the kernel's socket buffers, not the whole result.
    expect(produced).toBeLessThan(1_000_000);
    expect(produced).toBeGreaterThan(0);

    socket.resume();
    await deadline(client.ready(2), 30_000, 'the whole result');
    expect(client.dataRows).toBe(2_000_000);
    expect(client.tags).toEqual(['SELECT 2000000']);
    expect(ms.engine.rowsProduced - producedBefore).toBe(2_000_000);
    socket.end(serialize.end());
  });

  it('a client pipelining many queries without reading stops being read', async () => {
    const socket = net.connect({ port: ms.port, host: '127.0.0.1' });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const client = new CountingClient(socket);
    socket.write(startupPacket({ user: 'pipeliner', database: 'memstore' }));
    await deadline(client.ready(1), 5_000, 'startup');
    socket.pause();
    // 20k queries of 10k rows each would be ~3.6 GB of answers if the server kept reading.
    const q = serialize.query('select generate_series(1, 10000)');
    const burst = Buffer.concat(Array.from({ length: 2000 }, () => q));
    for (let i = 0; i < 10; i++) socket.write(burst);
    await waitFor(() => ms.server.connections().some((c) => c.waitingForDrain), 20_000, 'the server to wait for the client');
    const info = ms.server.connections().find((c) => c.waitingForDrain)!;
    expect(info.bufferedBytes).toBeLessThan(256 * 1024);
    socket.destroy();
    await waitFor(() => ms.server.connections().length === 0, 5_000, 'the connection to close');
  });
});
