/*
 * A TCP proxy between a client under test and a server, that can cut the network silently.
 *
 * cut(): nothing is forwarded any more in either direction, and no FIN or RST is sent: bytes
 * stay in the kernel's buffers, as packets do during an outage, so neither end sees an error —
 * only silence. Connections opened during the cut are accepted but not carried to the server.
 * restore(): forwarding resumes; what was held is delivered, as TCP retransmission would. A client
 * that gave up meanwhile (its own deadline) has closed its side, and that close is delivered too.
 *
 * down(): the server is gone: open connections are reset and new ones refused (ECONNREFUSED)
 * until up() listens on the same port again.
 *
 * Counters (connections, bytes each way) let a test see what a client sent to the server.
 */
import net from 'node:net';

interface Pair {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private isCut = false;
  connections = 0;
  bytesUp = 0;
  bytesDown = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port, target);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  /** A URL like `url` whose host and port are this proxy's. */
  url(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get cutOff(): boolean {
    return this.isCut;
  }

  /** Open client connections. */
  get open(): number {
    return this.pairs.size;
  }

  cut(): void {
    this.isCut = true;
    for (const p of this.pairs) {
      p.client.pause();
      p.upstream?.pause();
    }
  }

  restore(): void {
    this.isCut = false;
    for (const p of this.pairs) {
      if (!p.upstream) this.connect(p);
      p.client.resume();
      p.upstream?.resume();
    }
  }

  private accept(client: net.Socket): void {
    this.connections++;
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      this.pairs.delete(pair);
      pair.upstream?.destroy();
    });
    client.on('data', (d: Buffer) => {
      this.bytesUp += d.length;
      pair.upstream?.write(d);
    });
    client.on('end', () => pair.upstream?.end());
    if (this.isCut) {
      client.pause();
      return;
    }
    this.connect(pair);
  }

  private connect(pair: Pair): void {
    const up = net.connect(this.target.port, this.target.host);
    pair.upstream = up;
    up.on('error', () => pair.client.destroy());
    up.on('data', (d: Buffer) => {
      this.bytesDown += d.length;
      pair.client.write(d);
    });
    up.on('end', () => pair.client.end());
    up.on('close', () => pair.client.destroy());
    if (this.isCut) up.pause();
  }

  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const p of this.pairs) {
      p.client.resetAndDestroy();
      p.upstream?.destroy();
    }
    await closed;
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
