/*
 * Scripted protocol conversations, each with the transcript PostgreSQL gives, run against
 * memstore's pgwire (constant engine) AND the real PostgreSQL 17 of the test run: the expected
 * transcripts are PostgreSQL's own behaviour, not our reading of the docs.
 */
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../support/pg.js';
import { bind, message, RawClient, transcript } from './support/raw-client.js';
import { startServer, type TestServer } from './support/server.js';

interface Script {
  readonly name: string;
  /** Messages sent in one write after startup. */
  readonly send: () => Buffer[];
  /** ReadyForQuery messages to wait for. */
  readonly syncs: number;
  readonly expected: readonly string[];
}

const int4 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const sync = serialize.sync();
const q = (sql: string): Buffer => serialize.query(sql);

const SCRIPTS: readonly Script[] = [
  {
    name: 'simple query: several statements run in order and stop at the first error',
    send: () => [q('select 1; select generate_series(1, 2); select 1/0; select 1')],
    syncs: 1,
    expected: ['T ?column?:23:0', 'D 31', 'C SELECT 1', 'T generate_series:23:0', 'D 31', 'D 32', 'C SELECT 2', 'E ERROR 22012 division by zero', 'Z I'],
  },
  {
    name: 'empty query string',
    send: () => [q(''), q(' ; ')],
    syncs: 2,
    expected: ['I', 'Z I', 'I', 'Z I'],
  },
  {
    name: 'extended: Parse/Bind/Describe portal/Execute/Sync on the unnamed statement',
    send: () => [
      serialize.parse({ text: 'select $1::int4 as a' }),
      bind({ params: ['7'] }),
      serialize.describe({ type: 'P' }),
      serialize.execute(),
      sync,
    ],
    syncs: 1,
    expected: ['1', '2', 'T a:23:0', 'D 37', 'C SELECT 1', 'Z I'],
  },
  {
    name: 'Describe statement: ParameterDescription + RowDescription; empty statement: NoData',
    send: () => [
      serialize.parse({ name: 's1', text: 'select $1::int4 as a' }),
      serialize.describe({ type: 'S', name: 's1' }),
      serialize.parse({ name: 's2', text: '' }),
      serialize.describe({ type: 'S', name: 's2' }),
      bind({ statement: 's2' }),
      serialize.execute(),
      sync,
    ],
    syncs: 1,
    expected: ['1', 't 23', 'T a:23:0', '1', 't ', 'n', '2', 'I', 'Z I'],
  },
  {
    name: 'named duplicate statement is 42P05 and the rest is skipped until Sync',
    send: () => [
      serialize.parse({ name: 'dup', text: 'select 1' }),
      sync,
      serialize.parse({ name: 'dup', text: 'select 1' }),
      bind({ statement: 'dup' }),
      serialize.execute(),
      sync,
      q('select 1'),
    ],
    syncs: 3,
    expected: ['1', 'Z I', 'E ERROR 42P05 prepared statement "dup" already exists', 'Z I', 'T ?column?:23:0', 'D 31', 'C SELECT 1', 'Z I'],
  },
  {
    name: 'the unnamed statement is replaced implicitly',
    send: () => [
      serialize.parse({ text: 'select 1' }),
      serialize.parse({ text: 'select 2' }),
      bind({}),
      serialize.execute(),
      sync,
    ],
    syncs: 1,
    expected: ['1', '1', '2', 'D 32', 'C SELECT 1', 'Z I'],
  },
  {
    name: 'unknown statement (26000) and unknown portal (34000)',
    send: () => [bind({ statement: 'nope' }), sync, serialize.execute({ portal: 'nope' }), sync, bind({ statement: '' }), sync],
    syncs: 3,
    expected: [
      'E ERROR 26000 prepared statement "nope" does not exist',
      'Z I',
      'E ERROR 34000 portal "nope" does not exist',
      'Z I',
      'E ERROR 26000 unnamed prepared statement does not exist',
      'Z I',
    ],
  },
  {
    name: 'Bind with the wrong parameter count is 08P01 and the connection recovers at Sync',
    send: () => [
      serialize.parse({ text: 'select $1::int4 as a, $2::int4 as b' }),
      bind({ params: ['1'] }),
      serialize.execute(),
      sync,
      q('select 1'),
    ],
    syncs: 2,
    expected: [
      '1',
      'E ERROR 08P01 bind message supplies 1 parameters, but prepared statement "" requires 2',
      'Z I',
      'T ?column?:23:0',
      'D 31',
      'C SELECT 1',
      'Z I',
    ],
  },
  {
    name: 'parameter format count mismatch and unsupported format code',
    send: () => [
      serialize.parse({ text: 'select $1::int4 as a, $2::int4 as b' }),
      bind({ paramFormats: [0, 0, 0], params: ['1', '2'] }),
      sync,
      bind({ paramFormats: [7], params: ['1', '2'] }),
      sync,
      bind({ params: ['1', '2'], resultFormats: [0, 0, 0] }),
      sync,
    ],
    syncs: 3,
    expected: [
      '1',
      'E ERROR 08P01 bind message has 3 parameter formats but 2 parameters',
      'Z I',
      'E ERROR 22023 unsupported format code: 7',
      'Z I',
      'E ERROR 08P01 bind message has 3 result formats but query has 2 columns',
      'Z I',
    ],
  },
  {
    name: 'binary parameters: right length, too short (08P01), too long (22P03)',
    send: () => [
      serialize.parse({ name: 'b', text: 'select $1::int4 as a' }),
      bind({ statement: 'b', paramFormats: [1], params: [int4(-5)] }),
      serialize.execute(),
      sync,
      bind({ statement: 'b', paramFormats: [1], params: [Buffer.from([0, 0, 1])] }),
      sync,
      bind({ statement: 'b', paramFormats: [1], params: [Buffer.from([0, 0, 0, 1, 2])] }),
      sync,
    ],
    syncs: 3,
    expected: [
      '1',
      '2',
      'D 2d35',
      'C SELECT 1',
      'Z I',
      'E ERROR 08P01 insufficient data left in message',
      'Z I',
      'E ERROR 22P03 incorrect binary data format in bind parameter 1',
      'Z I',
    ],
  },
  {
    name: 'Execute with a row limit: PortalSuspended, then continue (inside a transaction block)',
    send: () => [
      q('begin'),
      serialize.parse({ text: 'select generate_series(1, 5)' }),
      bind({}),
      serialize.execute({ rows: 2 }),
      serialize.execute({ rows: 2 }),
      serialize.execute({ rows: 2 }),
      serialize.execute({ rows: 2 }),
      sync,
      q('commit'),
    ],
    syncs: 3,
    expected: ['C BEGIN', 'Z T', '1', '2', 'D 31', 'D 32', 's', 'D 33', 'D 34', 's', 'D 35', 'C SELECT 1', 'C SELECT 0', 'Z T', 'C COMMIT', 'Z I'],
  },
  {
    name: 'Execute with a row limit and Flush, then the rest; Sync ends the portal',
    send: () => [
      serialize.parse({ text: 'select generate_series(1, 3)' }),
      bind({ portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 2 }),
      serialize.flush(),
      serialize.execute({ portal: 'p', rows: 2 }),
      sync,
      serialize.execute({ portal: 'p', rows: 2 }),
      sync,
    ],
    syncs: 2,
    expected: ['1', '2', 'D 31', 'D 32', 's', 'D 33', 'C SELECT 1', 'Z I', 'E ERROR 34000 portal "p" does not exist', 'Z I'],
  },
  {
    name: 'duplicate named portal is 42P03; Close statement and portal',
    send: () => [
      serialize.parse({ name: 'c1', text: 'select 1' }),
      q('begin'),
      bind({ portal: 'p1', statement: 'c1' }),
      bind({ portal: 'p1', statement: 'c1' }),
      sync,
      q('rollback'),
      serialize.close({ type: 'S', name: 'c1' }),
      serialize.close({ type: 'P', name: 'whatever' }),
      bind({ statement: 'c1' }),
      sync,
    ],
    syncs: 4,
    expected: [
      '1',
      'C BEGIN',
      'Z T',
      '2',
      'E ERROR 42P03 cursor "p1" already exists',
      'Z E',
      'C ROLLBACK',
      'Z I',
      '3',
      '3',
      'E ERROR 26000 prepared statement "c1" does not exist',
      'Z I',
    ],
  },
  {
    name: 'an error inside a transaction block: status E, 25P02 until ROLLBACK',
    send: () => [q('begin'), q('select 1/0'), q('select 1'), q('rollback'), q('select 1')],
    syncs: 5,
    expected: [
      'C BEGIN',
      'Z T',
      'E ERROR 22012 division by zero',
      'Z E',
      'E ERROR 25P02 current transaction is aborted, commands ignored until end of transaction block',
      'Z E',
      'C ROLLBACK',
      'Z I',
      'T ?column?:23:0',
      'D 31',
      'C SELECT 1',
      'Z I',
    ],
  },
  {
    name: 'COMMIT outside a transaction: WARNING 25P01',
    send: () => [q('commit')],
    syncs: 1,
    expected: ['N WARNING 25P01 there is no transaction in progress', 'C COMMIT', 'Z I'],
  },
  {
    name: 'invalid UTF-8 in a Query (22021) and in a text parameter',
    send: () => [
      message('Q', Buffer.from([0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x20, 0x27, 0xc3, 0x28, 0x27, 0])),
      serialize.parse({ text: 'select $1::text as t' }),
      bind({ params: [Buffer.from([0x61, 0xff, 0x62])] }),
      sync,
    ],
    syncs: 2,
    expected: [
      'E ERROR 22021 invalid byte sequence for encoding "UTF8": 0xc3 0x28',
      'Z I',
      '1',
      'E ERROR 22021 invalid byte sequence for encoding "UTF8": 0xff',
      'Z I',
    ],
  },
  {
    name: 'Parse of two statements is 42601',
    send: () => [serialize.parse({ text: 'select 1; select 2' }), sync],
    syncs: 1,
    expected: ['E ERROR 42601 cannot insert multiple commands into a prepared statement', 'Z I'],
  },
  {
    name: 'Describe and Close with a bad subtype are 08P01 errors, not fatal',
    send: () => [message('D', Buffer.from('X\0')), sync, message('C', Buffer.from('X\0')), sync, q('select 1')],
    syncs: 3,
    expected: [
      'E ERROR 08P01 invalid DESCRIBE message subtype 88',
      'Z I',
      'E ERROR 08P01 invalid CLOSE message subtype 88',
      'Z I',
      'T ?column?:23:0',
      'D 31',
      'C SELECT 1',
      'Z I',
    ],
  },
];

/** Scripts that end the connection: transcript until the server closes it. */
const FATAL_SCRIPTS: readonly { name: string; send: () => Buffer; expected: readonly string[] }[] = [
  {
    name: 'unknown message type is FATAL 08P01',
    send: () => message('\xff', Buffer.alloc(0)),
    expected: ['E FATAL 08P01 invalid frontend message type 255'],
  },
];

function pgTarget(): { host: string; port: number; user: string; password: string } {
  const u = new URL(serverUrl());
  return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

async function runScript(connect: () => Promise<RawClient>, s: Script): Promise<string[]> {
  const c = await connect();
  try {
    c.send(...s.send());
    const messages = [];
    for (let i = 0; i < s.syncs; i++) messages.push(...(await c.until('Z')));
    return transcript(messages);
  } finally {
    c.end();
  }
}

describe('protocol conversations (memstore pgwire and PostgreSQL 17 give the same transcript)', () => {
  let ms: TestServer;
  const connectMemstore = (): Promise<RawClient> => RawClient.connect(ms.port);
  const connectPostgres = (): Promise<RawClient> => {
    const t = pgTarget();
    return RawClient.connect(t.port, { user: t.user, password: t.password, database: 'postgres' }, t.host);
  };

  beforeAll(async () => {
    ms = await startServer();
  });
  afterAll(async () => {
    await ms.close();
    expect(ms.problems).toEqual([]);
  });

  for (const s of SCRIPTS) {
    it(s.name, async () => {
      expect(await runScript(connectMemstore, s)).toEqual(s.expected);
      expect(await runScript(connectPostgres, s)).toEqual(s.expected);
    });
  }

  for (const s of FATAL_SCRIPTS) {
    it(s.name, async () => {
      for (const connect of [connectMemstore, connectPostgres]) {
        const c = await connect();
        c.send(s.send());
        expect(transcript(await c.drainUntilClosed())).toEqual(s.expected);
      }
    });
  }

  it('startup: protocol 2.0 is refused (in the 2.0 error format), GSSENCRequest answered N', async () => {
    const t = pgTarget();
    for (const [host, port] of [
      ['127.0.0.1', ms.port],
      [t.host, t.port],
    ] as const) {
      const c = await RawClient.open(port, host);
      const v2 = Buffer.alloc(8);
      v2.writeInt32BE(8, 0);
      v2.writeInt32BE(2 << 16, 4);
      c.send(v2);
      expect((await c.unframedUntilClosed()).toString('utf8')).toBe('EFATAL:  unsupported frontend protocol 2.0: server supports 3.0 to 3.0\n\0');
      const v4 = await RawClient.open(port, host);
      const head = Buffer.alloc(8);
      head.writeInt32BE(8, 0);
      head.writeInt32BE(4 << 16, 4);
      v4.send(head);
      expect(transcript(await v4.drainUntilClosed())).toEqual(['E FATAL 0A000 unsupported frontend protocol 4.0: server supports 3.0 to 3.0']);

      const g = await RawClient.open(port, host);
      const gss = Buffer.alloc(8);
      gss.writeInt32BE(8, 0);
      gss.writeInt32BE(80877104, 4);
      g.send(gss);
      expect(String.fromCharCode(await g.takeRawByte())).toBe('N');
      g.destroy();
    }
  });

  it('startup: protocol 3.1 and _pq_ options get NegotiateProtocolVersion (3.0, the unknown options)', async () => {
    const t = pgTarget();
    for (const [host, port] of [
      ['127.0.0.1', ms.port],
      [t.host, t.port],
    ] as const) {
      const c = await RawClient.open(port, host);
      const body = Buffer.concat([Buffer.from('user\0tester\0_pq_.frob\0x\0\0')]);
      const head = Buffer.alloc(8);
      head.writeInt32BE(8 + body.length, 0);
      head.writeInt32BE((3 << 16) | 1, 4);
      c.send(Buffer.concat([head, body]));
      const m = await c.next();
      expect(m.code).toBe('v');
      expect(m.body.readInt32BE(0)).toBe((3 << 16) | 0);
      expect(m.body.readInt32BE(4)).toBe(1);
      expect(m.body.toString('utf8', 8)).toBe('_pq_.frob\0');
      c.destroy();
    }
  });
});
