/*
 * Binary formats, checked against PostgreSQL 17 itself: for generated values, the real server
 * gives the text form (its output function) and the binary form (its `*send` function, as hex);
 * memstore must turn the text into exactly those bytes (results) and the bytes back into that
 * text (parameters). Then the whole type matrix end to end through a raw client.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryParamToText, makeRowEncoder, TypeOid } from '../../src/pgwire/binary-format.js';
import { field } from '../support/constant-engine.js';
import { buildRow } from '../../src/store/row.js';
import { MessageWriter } from '../../src/pgwire/message-writer.js';
import type { SqlError } from '../../src/errors.js';
import { serverUrl } from '../support/pg.js';
import { bind, dataRow, RawClient, rowDescription } from './support/raw-client.js';
import { startServer, type TestServer } from './support/server.js';
import { serialize } from 'pg-protocol';

let real: pg.Client;
let ms: TestServer;

beforeAll(async () => {
  real = new pg.Client({ connectionString: serverUrl() });
  await real.connect();
  await real.query("SET timezone = 'UTC'; SET extra_float_digits = 1");
  ms = await startServer();
});

afterAll(async () => {
  await real.end();
  await ms.close();
});

/** memstore's binary encoding of one text value of the given type. */
function encode(typeOid: number, text: string): Buffer {
  const chunks: Buffer[] = [];
  const w = new MessageWriter((c) => {
    chunks.push(Buffer.from(c));
    return true;
  });
  makeRowEncoder([field('v', typeOid)], Uint8Array.of(1))!.write(w, buildRow([text]));
  w.flush();
  const msg = Buffer.concat(chunks);
  // 'D', int32 length, int16 count, int32 value length, value
  return msg.subarray(11, 11 + msg.readInt32BE(7));
}

interface Case {
  readonly type: string;
  readonly oid: number;
  readonly send: string;
  /** SQL producing `v` (of the type) from the array parameter $1. */
  readonly from: string;
  readonly arrayType: string;
  readonly values: fc.Arbitrary<string>;
  /** Compare texts numerically (float output differs only in exponent style). */
  readonly numeric?: boolean;
}

const CASES: readonly Case[] = [
  { type: 'bool', oid: TypeOid.bool, send: 'boolsend', from: 'x', arrayType: 'bool', values: fc.constantFrom('t', 'f') },
  { type: 'int2', oid: TypeOid.int2, send: 'int2send', from: 'x', arrayType: 'int2', values: fc.integer({ min: -32768, max: 32767 }).map(String) },
  { type: 'int4', oid: TypeOid.int4, send: 'int4send', from: 'x', arrayType: 'int4', values: fc.integer().map(String) },
  { type: 'int8', oid: TypeOid.int8, send: 'int8send', from: 'x', arrayType: 'int8', values: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { type: 'oid', oid: TypeOid.oid, send: 'oidsend', from: 'x', arrayType: 'oid', values: fc.integer({ min: 0, max: 4294967295 }).map(String) },
  {
    type: 'float4',
    oid: TypeOid.float4,
    send: 'float4send',
    from: 'x',
    arrayType: 'float4',
    values: fc.float({ noDefaultInfinity: false }).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v))),
    numeric: true,
  },
  {
    type: 'float8',
    oid: TypeOid.float8,
    send: 'float8send',
    from: 'x',
    arrayType: 'float8',
    values: fc.double().map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v))),
    numeric: true,
  },
  { type: 'text', oid: TypeOid.text, send: 'textsend', from: 'x', arrayType: 'text', values: fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')) },
  { type: 'varchar', oid: TypeOid.varchar, send: 'varcharsend', from: 'x', arrayType: 'varchar', values: fc.string().filter((s) => !s.includes('\0')) },
  { type: 'name', oid: TypeOid.name, send: 'namesend', from: 'x', arrayType: 'name', values: fc.string({ maxLength: 20, unit: 'binary-ascii' }).filter((s) => !s.includes('\0')) },
  { type: 'bytea', oid: TypeOid.bytea, send: 'byteasend', from: 'x', arrayType: 'bytea', values: fc.uint8Array().map((b) => '\\x' + Buffer.from(b).toString('hex')) },
  { type: 'uuid', oid: TypeOid.uuid, send: 'uuid_send', from: 'x', arrayType: 'uuid', values: fc.uuid() },
  {
    type: 'date',
    oid: TypeOid.date,
    send: 'date_send',
    from: "date '2000-01-01' + x",
    arrayType: 'int4',
    // Days from 2000-01-01: 4713 BC … 9999 AD and beyond.
    values: fc.integer({ min: -2451545, max: 5_000_000 }).map(String),
  },
  {
    type: 'timestamp',
    oid: TypeOid.timestamp,
    send: 'timestamp_send',
    from: "timestamp '2000-01-01' + make_interval(days => (x / 86400000000)::int) + (x % 86400000000) * interval '1 microsecond'",
    arrayType: 'int8',
    values: fc.bigInt({ min: -211_813_488_000_000_000n + 86_400_000_000n, max: 9_223_371_331_199_999_999n - 86_400_000_000n }).map(String),
  },
  {
    type: 'timestamptz',
    oid: TypeOid.timestamptz,
    send: 'timestamptz_send',
    from: "timestamptz '2000-01-01 00:00:00+00' + make_interval(days => (x / 86400000000)::int) + (x % 86400000000) * interval '1 microsecond'",
    arrayType: 'int8',
    values: fc.bigInt({ min: -211_813_488_000_000_000n + 86_400_000_000n, max: 9_223_371_331_199_999_999n - 86_400_000_000n }).map(String),
  },
  {
    type: 'jsonb',
    oid: TypeOid.jsonb,
    send: 'jsonb_send',
    from: 'x::jsonb',
    arrayType: 'text',
    values: fc.jsonValue().map((v) => JSON.stringify(v)),
  },
];

describe('binary formats agree with PostgreSQL 17 send/output functions', () => {
  for (const c of CASES) {
    it(c.type, async () => {
      const inputs = fc.sample(c.values, { numRuns: 150, seed: 17 });
      if (c.type === 'date' || c.type === 'timestamp' || c.type === 'timestamptz') inputs.push('0', '-1', '1');
      const sql = `select (${c.from})::${c.type}::text as t, encode(${c.send}((${c.from})::${c.type}), 'hex') as b from unnest($1::${c.arrayType}[]) as x`;
      const { rows } = await real.query<{ t: string; b: string }>(sql, [inputs]);
      expect(rows.length).toBe(inputs.length);
      for (const row of rows) {
        const b = row.b;
        // bool::text is 'true'/'false'; the output function (what rows carry) prints 't'/'f'.
        const t = c.type === 'bool' ? row.t[0]! : row.t;
        const binary = Buffer.from(b, 'hex');
        // text → binary (results)
        expect(encode(c.oid, t).toString('hex'), `${c.type} ${t}`).toBe(b);
        // binary → text (parameters)
        const back = binaryParamToText(c.oid, binary, 0);
        // Floats: the same value (float4: the same float4); digit choice may differ at exact ties.
        if (c.oid === TypeOid.float4) expect(Math.fround(Number(back)), `${c.type} ${t}`).toBe(Math.fround(Number(t)));
        else if (c.numeric === true) expect(Number(back), `${c.type} ${t}`).toBe(Number(t));
        else expect(back, `${c.type} ${b}`).toBe(t);
      }
    });
  }

  it('infinities of date and timestamps', async () => {
    const { rows } = await real.query<{ t: string; b: string; ty: string }>(
      `select v::text as t, encode(date_send(v), 'hex') as b, 'date' as ty from unnest(array['infinity','-infinity']::date[]) v
       union all select v::text, encode(timestamptz_send(v), 'hex'), 'timestamptz' from unnest(array['infinity','-infinity']::timestamptz[]) v`,
    );
    for (const r of rows) {
      const oid = r.ty === 'date' ? TypeOid.date : TypeOid.timestamptz;
      expect(encode(oid, r.t).toString('hex')).toBe(r.b);
      expect(binaryParamToText(oid, Buffer.from(r.b, 'hex'), 0)).toBe(r.t);
    }
  });

  it('rejects malformed binary parameters like PostgreSQL', () => {
    const fail = (oid: number, bytes: number[]): SqlError => {
      try {
        binaryParamToText(oid, Buffer.from(bytes), 2);
      } catch (e) {
        return e as SqlError;
      }
      throw new Error('no error');
    };
    expect(fail(TypeOid.int8, [1, 2, 3])).toMatchObject({ sqlstate: '08P01', message: 'insufficient data left in message' });
    expect(fail(TypeOid.uuid, Array<number>(17).fill(1))).toMatchObject({ sqlstate: '22P03', message: 'incorrect binary data format in bind parameter 3' });
    expect(fail(TypeOid.text, [0x61, 0xc3])).toMatchObject({ sqlstate: '22021' });
    expect(fail(TypeOid.jsonb, [2, 0x7b, 0x7d])).toMatchObject({ sqlstate: '22P03', message: 'unsupported jsonb version number 2' });
    expect(fail(TypeOid.date, [0x7f, 0xff, 0xff, 0xfe])).toMatchObject({ sqlstate: '22008', message: 'date out of range' });
    expect(fail(1700, [0, 0])).toMatchObject({ sqlstate: '08P01', message: 'insufficient data left in message' });
    expect(fail(869, [2, 32, 0, 4, 10, 0, 0, 1])).toMatchObject({ sqlstate: '0A000' });
  });
});

describe('binary results and parameters end to end (raw client)', () => {
  const TYPES = ['bool', 'int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'text', 'varchar', 'bytea', 'uuid', 'date', 'timestamp', 'timestamptz', 'jsonb'];
  const VALUES = ['t', '-2', '123456', '-9223372036854775808', '4294967295', '1.5', '-0.001', 'héllo', 'x', '\\x00ff10', '0b9c7c9e-1f4e-4c1d-9c39-3f1c3a5c9e01', '2024-02-29', '1999-12-31 23:59:59.999999', '0044-03-15 12:00:00+00 BC', '{"a": [1, 2.5, null]}'];

  it('per-column result formats: binary columns match PostgreSQL, text columns stay text', async () => {
    const select = `select ${TYPES.map((t, i) => `$${i + 1}::${t} as c${i}`).join(', ')}`;
    const formats = TYPES.map((_, i) => (i % 3 === 2 ? 0 : 1));
    const expected = await real.query<Record<string, string>>(
      `select ${TYPES.map((t, i) => `encode(${t === 'bool' ? 'boolsend' : t === 'uuid' || t === 'date' || t === 'timestamp' || t === 'timestamptz' || t === 'jsonb' ? `${t}_send` : `${t}send`}($${i + 1}::${t}), 'hex') as b${i}, $${i + 1}::${t}::text as t${i}`).join(', ')}`,
      VALUES,
    );
    const row = expected.rows[0]!;
    const c = await RawClient.connect(ms.port);
    try {
      c.send(serialize.parse({ text: select }), bind({ params: VALUES, resultFormats: formats }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync());
      const msgs = await c.until('Z');
      expect(msgs.map((m) => m.code)).toEqual(['1', '2', 'T', 'D', 'C', 'Z']);
      expect(rowDescription(msgs[2]!).map((col) => col.format)).toEqual(formats);
      const cols = dataRow(msgs[3]!);
      TYPES.forEach((t, i) => {
        if (formats[i] === 1) expect(cols[i]!.toString('hex'), t).toBe(row[`b${i}`]);
        else expect(cols[i]!.toString('utf8'), t).toBe(VALUES[i]);
      });
    } finally {
      c.end();
    }
  });

  it('binary parameters arrive as PostgreSQL’s text', async () => {
    const expected = await real.query<Record<string, string>>(
      `select ${TYPES.map((t, i) => `encode(${t === 'bool' ? 'boolsend' : t === 'uuid' || t === 'date' || t === 'timestamp' || t === 'timestamptz' || t === 'jsonb' ? `${t}_send` : `${t}send`}($${i + 1}::${t}), 'hex') as b${i}, $${i + 1}::${t}::text as t${i}`).join(', ')}`,
      VALUES,
    );
    const row = expected.rows[0]!;
    const c = await RawClient.connect(ms.port);
    try {
      c.send(
        serialize.parse({ text: `select ${TYPES.map((t, i) => `$${i + 1}::${t}`).join(', ')}` }),
        bind({ paramFormats: [1], params: TYPES.map((_, i) => Buffer.from(row[`b${i}`]!, 'hex')) }),
        serialize.execute(),
        serialize.sync(),
      );
      const msgs = await c.until('Z');
      expect(msgs.map((m) => m.code)).toEqual(['1', '2', 'D', 'C', 'Z']);
      const got = dataRow(msgs[2]!).map((v) => v!.toString('utf8'));
      TYPES.forEach((t, i) => {
        if (t === 'float4' || t === 'float8') expect(Number(got[i]), t).toBe(Number(row[`t${i}`]));
        else expect(got[i], t).toBe(t === 'bool' ? row[`t${i}`]![0] : row[`t${i}`]);
      });
    } finally {
      c.end();
    }
  });

  it('binary result for a type without binary support is 0A000 at Bind', async () => {
    const c = await RawClient.connect(ms.port);
    try {
      c.send(serialize.parse({ text: 'select $1::inet as n' }), bind({ params: ['10.0.0.1'], resultFormats: [1] }), serialize.sync());
      const msgs = await c.until('Z');
      expect(msgs.map((m) => m.code)).toEqual(['1', 'E', 'Z']);
    } finally {
      c.end();
    }
  });
});
