/*
 * http.ts — the operator's endpoint (--http HOST:PORT), plain node:http:
 *
 *   GET /metrics   Prometheus text exposition of the sidecar's Registry (metrics.ts)
 *   GET /healthz   200 {"status":"ok"} while the process runs (liveness)
 *   GET /readyz    200 when ready for reads, else 503; JSON body with the reason (health.ts)
 *
 * It starts before anything else in the sidecar, so a long initial copy answers /healthz 200 and
 * /readyz 503 "syncing" instead of refusing connections (Kubernetes would otherwise kill the pod
 * for failing liveness while it copies). HEAD is answered like GET without a body; other methods
 * get 405, other paths 404. No authentication: bind it to an address only the scraper and the
 * orchestrator reach (the default is 127.0.0.1).
 *
 * Interface:
 *   new HttpEndpoint(options)  listen() → {host, port} (port 0 picks one)  close()
 */
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { Readiness } from './health.js';

export interface HttpEndpointOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly readiness: () => Readiness;
  readonly log: Logger;
}

export class HttpEndpoint {
  private readonly server: http.Server;

  constructor(private readonly o: HttpEndpointOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        o.log.error('http request failed', { url: req.url, error: err instanceof Error ? err.stack : String(err) });
        if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
    this.server.on('error', (err) => o.log.error('http listener error', { error: err.message }));
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`cannot serve /metrics, /healthz, /readyz on ${this.o.host}:${this.o.port} (--http): ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.removeListener('error', onError);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') {
          reject(new Error('http listener has no TCP address'));
          return;
        }
        this.o.log.info('http listening', { host: addr.address, port: addr.port, paths: '/metrics /healthz /readyz' });
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  /** Stops accepting and closes idle keep-alive connections (scrapers keep them open). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, req, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics':
        send(res, req, 200, this.o.registry.contentType, await this.o.registry.metrics());
        return;
      case '/healthz':
        send(res, req, 200, JSON_TYPE, '{"status":"ok"}\n');
        return;
      case '/readyz': {
        const r = this.o.readiness();
        send(res, req, r.ready ? 200 : 503, JSON_TYPE, JSON.stringify(r.body) + '\n');
        return;
      }
      default:
        send(res, req, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
    }
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: http.ServerResponse, req: http.IncomingMessage, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
