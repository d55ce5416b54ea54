/*
 * COPY text ⇄ DataRow bodies against PostgreSQL 17's own COPY output: decoding then encoding is
 * byte-identical, at every chunk split, and values decode to PostgreSQL's text output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { to as copyTo } from 'pg-copy-streams';
import { CopyTextDecoder, encodeCopyRow } from '../../src/decode/copy-text.js';
import { columnValue } from '../../src/store/row.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';

let db: TestDatabase;
let copy: Buffer;

beforeAll(async () => {
  db = await testDatabase('copytext');
  await db.client.query(`CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, j jsonb, a text[], n numeric, ts timestamptz)`);
  await db.client.query(`INSERT INTO t VALUES
    (1, E'tab\\there\\nnew\\rline\\\\slash\\bback\\fform\\vvert', '\\x000102ff', '{"k": "v\\"q"}', '{a,"b c",NULL,"\\\\"}', 1.500, '2020-02-29 12:00:00.000001+00'),
    (2, '', '', '[]', '{}', 'NaN', '-infinity'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 'ünïcødé ✓ 😀', '\\x5c6e', '"\\\\N"', '{}', -0.0001, '2024-01-01 00:00:00+05'),
    (5, E'\\\\N', '\\x', 'null', '{""}', 12345678901234567890.123, '1970-01-01 00:00:00+00')`);
  const stream = db.client.query(copyTo('COPY t TO STDOUT'));
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  copy = Buffer.concat(chunks);
});

afterAll(async () => {
  await db?.drop();
});

function decodeAll(parts: Uint8Array[]): Uint8Array[] {
  const rows: Uint8Array[] = [];
  const d = new CopyTextDecoder((r) => rows.push(r));
  for (const p of parts) d.push(p);
  d.end();
  return rows;
}

describe('COPY text codec', () => {
  it('round-trips PostgreSQL COPY output byte for byte', () => {
    const rows = decodeAll([copy]);
    expect(rows).toHaveLength(5);
    expect(Buffer.concat(rows.map(encodeCopyRow)).equals(copy)).toBe(true);
  });

  it('decodes values to the text PostgreSQL prints and NULL to NULL', async () => {
    const rows = decodeAll([copy]);
    const r = await db.client.query<{ s: string | null }>('SELECT s FROM t ORDER BY id');
    rows.forEach((row, i) => {
      const v = columnValue(row, 1);
      expect(v == null ? null : Buffer.from(v).toString('utf8')).toBe(r.rows[i]!.s);
    });
  });

  it('gives the same rows at every chunk boundary', () => {
    const whole = decodeAll([copy]).map((r) => Buffer.from(r).toString('hex'));
    for (let i = 1; i < copy.length; i++) {
      const split = decodeAll([copy.subarray(0, i), copy.subarray(i)]).map((r) => Buffer.from(r).toString('hex'));
      expect(split).toEqual(whole);
    }
  });

  it('refuses a copy cut in the middle of a row', () => {
    const d = new CopyTextDecoder(() => undefined);
    d.push(copy.subarray(0, copy.length - 3));
    expect(() => d.end()).toThrow(/middle of a row/);
  });

  it('reads octal and hex escapes that COPY FROM accepts', () => {
    const rows = decodeAll([Buffer.from('\\101\\x42\\x4\\q\n')]);
    expect(Buffer.from(columnValue(rows[0]!, 0)!).toString('latin1')).toBe('AB\x04q');
  });

  it('decodes a 50 MB row delivered in 64 KiB chunks', () => {
    // Escapes and a tab every so often, so the row exercises unescaping, not only the copy path.
    const unit = Buffer.from('abcdefghij\\\\klmnopqrstu\\tvwxyz'); // 30 bytes → 28 decoded
    const units = Math.ceil(50e6 / unit.length);
    const body = Buffer.alloc(units * unit.length);
    for (let i = 0; i < units; i++) unit.copy(body, i * unit.length);
    const text = Buffer.concat([Buffer.from('7\t'), body, Buffer.from('\t\\N\n8\tsmall\t\\N\n')]);
    const rows = decodeAll(chunks(text, 64 * 1024));
    expect(rows).toHaveLength(2);
    expect(Buffer.from(columnValue(rows[0]!, 0)!).toString()).toBe('7');
    const big = columnValue(rows[0]!, 1)!;
    expect(big.length).toBe(units * 28);
    expect(Buffer.from(big.subarray(0, 56)).toString()).toBe('abcdefghij\\klmnopqrstu\tvwxyz'.repeat(2));
    expect(columnValue(rows[0]!, 2)).toBeNull();
    expect(Buffer.from(encodeCopyRow(rows[0]!)).equals(text.subarray(0, text.indexOf('\n8\t') + 1))).toBe(true);
    expect(Buffer.from(columnValue(rows[1]!, 1)!).toString()).toBe('small');
  });

  it('does work linear in the size of a long row, whatever the chunking', () => {
    // Counted, not timed: work() is the decoder's count of bytes scanned and copied.
    const work = (mb: number): number => {
      const text = Buffer.concat([Buffer.from('1\t'), Buffer.alloc(mb << 20, 0x61), Buffer.from('\n')]);
      const d = new CopyTextDecoder(() => undefined);
      for (const c of chunks(text, 64 * 1024)) d.push(c);
      d.end();
      expect(d.rows).toBe(1);
      return d.work;
    };
    const small = work(1);
    const large = work(16);
    expect(small).toBeLessThan(6 * (1 << 20));
    expect(large / small).toBeGreaterThan(14);
    expect(large / small).toBeLessThan(18);
  });
});

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}
