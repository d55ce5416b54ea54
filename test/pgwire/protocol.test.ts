/*
 * memstore-specific protocol behaviour with a raw client: COPY out, asynchronous statements,
 * errors in the middle of a result, internal errors (XX000 without internals), ErrorResponse
 * fields, FunctionCall, Terminate after pipelined messages.
 */
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../src/errors.js';
import { ConstantEngine, field } from '../support/constant-engine.js';
import { buildRow } from '../../src/store/row.js';
import type { Engine, ExecResult, SessionState, Statement } from '../../src/pgwire/engine.js';
import { PgWireServer } from '../../src/pgwire/server.js';
import { TypeOid } from '../../src/pgwire/binary-format.js';
import { bind, errorFields, message, RawClient, transcript } from './support/raw-client.js';
import { startServer, type TestServer } from './support/server.js';

let ms: TestServer;

beforeAll(async () => {
  ms = await startServer();
});

afterAll(async () => {
  await ms.close();
  expect(ms.problems).toEqual([]);
});

async function conversation(port: number, ...send: Buffer[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    c.send(...send);
    return transcript(await c.until('Z'));
  } finally {
    c.end();
  }
}

describe('COPY … TO STDOUT', () => {
  it('simple protocol: CopyOutResponse, one CopyData per row, CopyDone, CommandComplete', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      c.send(serialize.query('copy t to stdout'));
      const msgs = await c.until('Z');
      expect(transcript(msgs)).toEqual(['H', 'd 1\tone\n', 'd 2\ttwo\n', 'd 3\t\\N\n', 'c', 'C COPY 3', 'Z I']);
      // CopyOutResponse: text format, 2 columns, each text.
      expect(msgs[0]!.body.toString('hex')).toBe('00' + '0002' + '0000' + '0000');
    } finally {
      c.end();
    }
  });

  it('extended protocol', async () => {
    expect(
      await conversation(ms.port, serialize.parse({ text: 'copy t to stdout' }), bind({}), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()),
    ).toEqual(['1', '2', 'n', 'H', 'd 1\tone\n', 'd 2\ttwo\n', 'd 3\t\\N\n', 'c', 'C COPY 3', 'Z I']);
  });
});

describe('asynchronous statements', () => {
  it('a statement that returns a promise, between synchronous ones, keeps the order', async () => {
    expect(await conversation(ms.port, serialize.query('select 1; select pg_sleep(0); select 2'))).toEqual([
      'T ?column?:23:0',
      'D 31',
      'C SELECT 1',
      'T pg_sleep:2278:0',
      'D ',
      'C SELECT 1',
      'T ?column?:23:0',
      'D 32',
      'C SELECT 1',
      'Z I',
    ]);
    expect(
      await conversation(
        ms.port,
        serialize.parse({ text: 'select pg_sleep(0)' }),
        bind({}),
        serialize.execute(),
        serialize.query('select 3'),
        serialize.sync(),
      ),
    ).toEqual(['1', '2', 'D ', 'C SELECT 1', 'T ?column?:23:0', 'D 33', 'C SELECT 1', 'Z I']);
  });
});

describe('engine failures', () => {
  const logged: string[] = [];
  let server: PgWireServer;
  let port: number;

  beforeAll(async () => {
    const constant = new ConstantEngine();
    const fields = [field('n', TypeOid.int4)];
    const failing = (fail: () => never): Statement => ({
      fields,
      paramTypeOids: [],
      execute: (): ExecResult => ({
        kind: 'rows',
        rows: (function* () {
          yield buildRow(['1']);
          yield buildRow(['2']);
          fail();
        })(),
        tag: (n) => `SELECT ${n}`,
      }),
    });
    const engine: Engine = {
      initialParameters: (s) => constant.initialParameters(s),
      prepare(sql: string, types: readonly number[], session: SessionState): Statement[] {
        if (sql === 'overflow midway') return [failing(() => { throw new SqlError('22003', 'integer out of range', { detail: 'row 3', hint: 'use bigint' }); })];
        if (sql === 'bug midway') return [failing(() => { throw new TypeError('secret internals'); })];
        if (sql === 'bug at prepare') throw new RangeError('secret internals');
        if (sql === 'bad binary') return [{ fields, paramTypeOids: [], execute: () => ({ kind: 'rows', rows: [buildRow(['x'])][Symbol.iterator](), tag: () => 'SELECT 1' }) }];
        return constant.prepare(sql, types, session);
      },
    };
    server = new PgWireServer(engine, {
      host: '127.0.0.1',
      port: 0,
      maxConnections: 10,
      auth: { method: 'trust' },
      log: (level, msg, f) => {
        if (level === 'error') logged.push(`${msg} ${JSON.stringify(f)}`);
      },
    });
    port = (await server.listen()).port;
  });

  afterAll(async () => {
    await server.close();
  });

  it('a SqlError from the row iterator ends the result after the rows sent, with all its fields', async () => {
    const c = await RawClient.connect(port);
    try {
      c.send(serialize.query('overflow midway'));
      const msgs = await c.until('Z');
      expect(transcript(msgs)).toEqual(['T n:23:0', 'D 31', 'D 32', 'E ERROR 22003 integer out of range', 'Z I']);
      expect(errorFields(msgs[3]!)).toEqual({ S: 'ERROR', V: 'ERROR', C: '22003', M: 'integer out of range', D: 'row 3', H: 'use bigint' });
    } finally {
      c.end();
    }
  });

  it('anything else becomes XX000 without internals, is logged, and the connection goes on', async () => {
    logged.length = 0;
    const c = await RawClient.connect(port);
    try {
      c.send(serialize.query('bug midway'), serialize.query('bug at prepare'), serialize.query('select 1'));
      const t = [...transcript(await c.until('Z')), ...transcript(await c.until('Z')), ...transcript(await c.until('Z'))];
      const internal = 'E ERROR XX000 internal error in memstore sidecar (see the sidecar log)';
      expect(t).toEqual(['T n:23:0', 'D 31', 'D 32', internal, 'Z I', internal, 'Z I', 'T ?column?:23:0', 'D 31', 'C SELECT 1', 'Z I']);
      expect(t.join()).not.toContain('secret');
      expect(logged).toHaveLength(2);
      expect(logged[0]).toContain('secret internals');
    } finally {
      c.end();
    }
  });

  it('a stored value that does not parse as its type fails the binary conversion with 22P02 (half-built row dropped)', async () => {
    expect(await conversation(port, serialize.parse({ text: 'bad binary' }), bind({ resultFormats: [1] }), serialize.execute(), serialize.sync())).toEqual([
      '1',
      '2',
      'E ERROR 22P02 invalid input syntax for type integer: "x"',
      'Z I',
    ]);
  });
});

describe('other messages', () => {
  it('ErrorResponse carries S, V, C, M and P (position)', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      c.send(serialize.query('selekt 1'));
      const [e] = await c.until('Z');
      expect(errorFields(e!)).toEqual({ S: 'ERROR', V: 'ERROR', C: '42601', M: 'syntax error at or near "selekt"', P: '1' });
    } finally {
      c.end();
    }
  });

  it('FunctionCall is refused with 0A000 and ReadyForQuery; CopyData/CopyDone/CopyFail outside COPY are ignored', async () => {
    expect(await conversation(ms.port, message('F', Buffer.alloc(10)))).toEqual(['E ERROR 0A000 fastpath function calls are not supported by memstore', 'Z I']);
    expect(await conversation(ms.port, message('d', Buffer.from('x')), message('c'), message('f', Buffer.from('no\0')), serialize.query('select 1'))).toEqual([
      'T ?column?:23:0',
      'D 31',
      'C SELECT 1',
      'Z I',
    ]);
  });

  it('answers everything pipelined before Terminate, then closes', async () => {
    const c = await RawClient.connect(ms.port);
    c.send(serialize.query('select 1'), serialize.parse({ text: 'select 2' }), bind({}), serialize.execute(), serialize.sync(), serialize.end());
    expect(transcript(await c.drainUntilClosed())).toEqual(['T ?column?:23:0', 'D 31', 'C SELECT 1', 'Z I', '1', '2', 'D 32', 'C SELECT 1', 'Z I']);
  });

  it('ParameterStatus follows a SET in the extended protocol too, before ReadyForQuery', async () => {
    expect(await conversation(ms.port, serialize.parse({ text: "set timezone to 'Asia/Tokyo'" }), bind({}), serialize.execute(), serialize.sync())).toEqual([
      '1',
      '2',
      'C SET',
      'S',
      'Z I',
    ]);
  });
});
