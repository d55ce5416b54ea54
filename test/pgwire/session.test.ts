/*
 * Cancellation (CancelRequest → 57014), the connection limit (53300), shutdown (57P01) and
 * startup packets memstore refuses.
 */
import net from 'node:net';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startupPacket, transcript } from './support/raw-client.js';
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

/** Sends a CancelRequest on a new connection; resolves when the server has closed it. */
async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const s = net.connect({ port, host: '127.0.0.1' });
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
  s.on('error', () => undefined);
  s.write(serialize.cancel(processId, secretKey));
  await deadline(closed, 5_000, 'the cancel connection to close');
}

function keys(c: pg.Client): { pid: number; key: number } {
  const k = c as unknown as { processID: number; secretKey: number };
  return { pid: k.processID, key: k.secretKey };
}

describe('CancelRequest', () => {
  it('cancels a running query with 57014; a wrong key or an idle backend is ignored', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: ms.port, user: 'u', database: 'memstore' });
    await c.connect();
    try {
      const { pid, key } = keys(c);
      // Idle: nothing to cancel, the next query runs normally.
      await sendCancel(ms.port, pid, key);
      expect((await c.query('select 1')).rows).toEqual([{ '?column?': 1 }]);

      const started = ms.engine.nextSleep();
      const query = c.query('select pg_sleep(60)');
      const settled = query.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      expect(await deadline(started, 5_000, 'pg_sleep to start')).toBe(pid);
      await sendCancel(ms.port, pid, key ^ 1);
      expect(ms.server.connections().find((i) => i.processId === pid)?.state).toBe('query');
      await sendCancel(ms.port, pid, key);
      const err = await deadline(settled, 5_000, 'the canceled query to fail');
      expect(err).toMatchObject({ code: '57014', message: 'canceling statement due to user request', severity: 'ERROR' });
      expect((await c.query('select 2')).rows).toEqual([{ '?column?': 2 }]);
    } finally {
      await c.end();
    }
  });

  it('cancels a result held back by a client that does not read', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      c.socket.pause();
      c.send(serialize.query('select generate_series(1, 5000000)'));
      await waitFor(() => ms.server.connections().some((i) => i.processId === c.processId && i.waitingForDrain), 10_000, 'the server to wait for drain');
      await sendCancel(ms.port, c.processId, c.secretKey);
      c.socket.resume();
      const msgs = await c.until('Z', 20_000);
      const t = transcript(msgs.filter((m) => m.code !== 'D'));
      expect(t).toEqual(['T generate_series:23:0', 'E ERROR 57014 canceling statement due to user request', 'Z I']);
      expect(msgs.filter((m) => m.code === 'D').length).toBeLessThan(5_000_000);
    } finally {
      c.end();
    }
  });
});

describe('connection limit', () => {
  it('refuses the client beyond maxConnections with 53300, still accepts CancelRequests, admits again after a close', async () => {
    const small = await startServer({ maxConnections: 2 });
    const clients: pg.Client[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const c = new pg.Client({ host: '127.0.0.1', port: small.port, user: 'u', database: 'memstore' });
        await c.connect();
        clients.push(c);
      }
      expect(small.server.connectionCount).toBe(2);
      const third = new pg.Client({ host: '127.0.0.1', port: small.port, user: 'u', database: 'memstore' });
      await expect(third.connect()).rejects.toMatchObject({ code: '53300', message: 'sorry, too many clients already', severity: 'FATAL' });

      // Full, yet a CancelRequest gets through.
      const [a] = clients as [pg.Client];
      const started = small.engine.nextSleep();
      const settled = a.query('select pg_sleep(60)').then(
        () => 'resolved',
        (e: unknown) => e,
      );
      await deadline(started, 5_000, 'pg_sleep to start');
      await sendCancel(small.port, keys(a).pid, keys(a).key);
      expect(await deadline(settled, 5_000, 'the canceled query')).toMatchObject({ code: '57014' });

      await clients.pop()!.end();
      await waitFor(() => small.server.connectionCount === 1, 5_000, 'the slot to be released');
      const again = new pg.Client({ host: '127.0.0.1', port: small.port, user: 'u', database: 'memstore' });
      await again.connect();
      clients.push(again);
      expect((await again.query('select 1')).rowCount).toBe(1);
    } finally {
      for (const c of clients) await c.end();
      await small.close();
    }
  });
});

describe('shutdown', () => {
  it('ends every connection with FATAL 57P01 and resolves when all are closed', async () => {
    const s = await startServer();
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    b.socket.pause();
    b.send(serialize.query('select generate_series(1, 5000000)'));
    await waitFor(() => s.server.connections().some((i) => i.waitingForDrain), 10_000, 'b to be held back');
    const closing = s.close();
    expect(transcript(await a.drainUntilClosed())).toEqual(['E FATAL 57P01 terminating connection due to administrator command']);
    b.socket.resume();
    const bMsgs = await b.drainUntilClosed(20_000);
    expect(transcript(bMsgs.slice(-1))).toEqual(['E FATAL 57P01 terminating connection due to administrator command']);
    await deadline(closing, 10_000, 'close() to resolve');
    expect(s.server.connectionCount).toBe(0);
    await expect(RawClient.open(s.port)).rejects.toThrow();
  });
});

describe('startup packets', () => {

  it('refuses a missing user (28000), replication (0A000) and a non-UTF8 client_encoding (0A000)', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ database: 'x' }, 'E FATAL 28000 no PostgreSQL user name specified in startup packet'],
      [{ user: 'u', replication: 'database' }, 'E FATAL 0A000 memstore does not accept replication connections'],
      [{ user: 'u', client_encoding: 'LATIN1' }, 'E FATAL 0A000 client_encoding "LATIN1" is not supported by memstore'],
    ];
    for (const [params, expected] of cases) {
      const c = await RawClient.open(ms.port);
      c.send(startupPacket(params));
      expect(transcript(await c.drainUntilClosed())).toEqual([expected]);
    }
  });

  it('answers SSLRequest with N when no certificate is configured, then accepts a plain startup', async () => {
    const c = await RawClient.open(ms.port);
    c.send(serialize.requestSsl());
    expect(String.fromCharCode(await c.takeRawByte())).toBe('N');
    c.send(startupPacket({ user: 'u', client_encoding: 'unicode' }));
    const msgs = await c.until('Z');
    expect(msgs[0]!.code).toBe('R');
    c.end();
  });

  it('reports the parameters drivers need, with the startup settings applied', async () => {
    const c = await RawClient.connect(ms.port, { user: 'alice', params: { application_name: 'app1', options: '-c TimeZone=Europe/Paris --search_path=x' } });
    try {
      expect(Object.fromEntries(c.parameters)).toEqual({
        application_name: 'app1',
        client_encoding: 'UTF8',
        DateStyle: 'ISO, MDY',
        default_transaction_read_only: 'on',
        in_hot_standby: 'on',
        integer_datetimes: 'on',
        IntervalStyle: 'postgres',
        is_superuser: 'off',
        scram_iterations: '4096',
        server_encoding: 'UTF8',
        server_version: '17.10 (memstore)',
        session_authorization: 'alice',
        standard_conforming_strings: 'on',
        TimeZone: 'Europe/Paris',
      });
      expect(c.processId).toBeGreaterThan(0);
      c.send(serialize.query("set application_name = 'app2'; show search_path"));
      expect(transcript(await c.until('Z'))).toEqual(['C SET', 'T search_path:25:0', `D ${Buffer.from('x').toString('hex')}`, 'C SHOW', 'S', 'Z I']);
    } finally {
      c.end();
    }
  });

  it('drops a connection that never completes startup', async () => {
    const s = await startServer({ startupTimeoutMs: 50 });
    try {
      const c = await RawClient.open(s.port);
      await deadline(c.closed, 5_000, 'the idle connection to be dropped');
    } finally {
      await s.close();
    }
  });
});
