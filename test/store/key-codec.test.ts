import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { Oid as T } from '../../src/pg/types.js';
import { encodeKey, encodeKeyPrefix, isOrderedKeyType } from '../../src/store/key-codec.js';
import { compareBytes } from '../../src/store/art.js';
import { testDatabase, type TestDatabase } from '../support/pg.js';

const enc = new TextEncoder();
const u8 = (s: string): Uint8Array => enc.encode(s);
const key = (oid: number, text: string): Uint8Array => encodeKey([oid], [u8(text)]);
const hex = (a: Uint8Array): string => Buffer.from(a).toString('hex');
const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

/** Asserts that the texts, listed in ascending order, encode to ascending (or equal) bytes. */
function expectAscending(oid: number, texts: string[], equalPairs: number[] = []): void {
  for (let i = 1; i < texts.length; i++) {
    const c = compareBytes(key(oid, texts[i - 1]!), key(oid, texts[i]!));
    if (equalPairs.includes(i)) expect(c, `${texts[i - 1]} = ${texts[i]}`).toBe(0);
    else expect(c, `${texts[i - 1]} < ${texts[i]}`).toBeLessThan(0);
  }
}

describe('key codec: integers', () => {
  it('encodes int2/int4/int8 as fixed-width sign-flipped big-endian', () => {
    expect(hex(key(T.int2, '0'))).toBe('8000');
    expect(hex(key(T.int2, '-32768'))).toBe('0000');
    expect(hex(key(T.int2, '32767'))).toBe('ffff');
    expect(hex(key(T.int4, '-1'))).toBe('7fffffff');
    expect(hex(key(T.int4, '1'))).toBe('80000001');
    expect(hex(key(T.int8, '-9223372036854775808'))).toBe('0000000000000000');
    expect(hex(key(T.int8, '9223372036854775807'))).toBe('ffffffffffffffff');
    expect(hex(key(T.int8, '-42'))).toBe('7fffffffffffffd6');
    expect(hex(key(T.int8, '4294967296'))).toBe('8000000100000000');
    expect(hex(key(T.int8, '-4294967296'))).toBe('7fffffff00000000');
    expect(hex(key(T.int8, '-1234567890123456789'))).toBe((BigInt.asUintN(64, -1234567890123456789n) ^ (1n << 63n)).toString(16).padStart(16, '0'));
    expect(hex(key(T.oid, '4294967295'))).toBe('ffffffff');
  });

  it('int8 keeps order across the 15/16-digit parsing boundary', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a, b) => {
        const c = compareBytes(key(T.int8, String(a)), key(T.int8, String(b)));
        expect(sign(c)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(hex(key(T.int8, String(a)))).toBe((BigInt.asUintN(64, a) ^ (1n << 63n)).toString(16).padStart(16, '0'));
      }),
      { numRuns: 2000 },
    );
    expectAscending(T.int8, ['-999999999999999', '-99999999999999', '0', '999999999999999', '1000000000000000', '9999999999999999']);
  });

  it('rejects malformed and out-of-range integers', () => {
    for (const [oid, text] of [
      [T.int4, ''],
      [T.int4, '12a'],
      [T.int4, '2147483648'],
      [T.int2, '-32769'],
      [T.int8, '9223372036854775808'],
      [T.int8, '-9223372036854775809'],
      [T.int8, '1.5'],
      [T.oid, '-1'],
    ] as const) {
      expect(() => key(oid, text), `${oid} ${text}`).toThrow(RangeError);
    }
  });
});

describe('key codec: numeric', () => {
  it('gives equal values equal encodings', () => {
    for (const [a, b] of [
      ['1.50', '1.5'],
      ['-0', '0'],
      ['0.000', '0'],
      ['100', '100.000'],
      ['-2.10', '-2.1'],
      ['007', '7'],
    ]) {
      expect(hex(key(T.numeric, a!)), `${a} = ${b}`).toBe(hex(key(T.numeric, b!)));
    }
  });

  it('orders specials, signs, exponents and digits', () => {
    expectAscending(T.numeric, [
      '-Infinity',
      '-1000000',
      '-999.99',
      '-10',
      '-9.5',
      '-9.49',
      '-9',
      '-1.01',
      '-1',
      '-0.1',
      '-0.01',
      '-0.0000001',
      '0',
      '0.0000001',
      '0.01',
      '0.1',
      '1',
      '1.01',
      '9',
      '9.49',
      '9.5',
      '10',
      '999.99',
      '1000000',
      '123456789012345678901234567890.123456789',
      'Infinity',
      'NaN',
    ]);
  });

  it('matches an exact decimal comparison on random values', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,25}$/), fc.stringMatching(/^[0-9]{0,20}$/))
      .map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f.length > 0 ? '.' + f : ''}`);
    // a/b as integers scaled to 40 fractional digits.
    const scaled = (s: string): bigint => {
      const neg = s.startsWith('-');
      const [i, f = ''] = s.replace('-', '').split('.');
      const v = BigInt(i! + f.padEnd(40, '0'));
      return neg ? -v : v;
    };
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const c = compareBytes(key(T.numeric, a), key(T.numeric, b));
        const x = scaled(a);
        const y = scaled(b);
        expect(sign(c)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects malformed numerics', () => {
    for (const t of ['', '-', '.', '1.2.3', '1e5', 'nan', 'Inf', '--1', '1,5']) expect(() => key(T.numeric, t), t).toThrow(RangeError);
  });
});

describe('key codec: text and bytea', () => {
  it('escapes 0x00 and terminates with 00 00', () => {
    expect(hex(key(T.text, 'ab'))).toBe('61620000');
    expect(hex(key(T.text, ''))).toBe('0000');
    expect(hex(encodeKey([T.bytea], [u8('\\x00ff00')]))).toBe('00ffff00ff0000');
    expect(hex(encodeKeyPrefix(T.text, u8('ab')))).toBe('6162');
  });

  it('returns independent arrays at every length (short, page-backed, own buffer)', () => {
    const held: [string, Uint8Array][] = [];
    for (const n of [0, 10, 63, 64, 65, 200, 1023, 1024, 5000]) {
      const text = 'x'.repeat(n - (n > 20 ? 1 : 0)) + (n > 20 ? '\u0000' : '');
      held.push([text, key(T.text, text)]);
    }
    key(T.text, 'y'.repeat(3000)); // later results must not overwrite earlier ones
    for (const [text, k] of held) {
      const want = Buffer.concat([Buffer.from(text.replaceAll('\u0000', '\u0000\u00ff'), 'latin1'), Buffer.from([0, 0])]);
      expect(hex(k)).toBe(want.toString('hex'));
    }
  });

  it('drops trailing spaces of bpchar only', () => {
    expect(hex(key(T.bpchar, 'ab   '))).toBe(hex(key(T.bpchar, 'ab')));
    expect(hex(key(T.text, 'ab '))).not.toBe(hex(key(T.text, 'ab')));
    expect(compareBytes(key(T.bpchar, 'ab   '), key(T.bpchar, 'ab\t  '))).toBeLessThan(0);
  });

  it('orders text like COLLATE "C" (UTF-8 bytes), prefixes first', () => {
    expectAscending(T.text, ['', 'A', 'B', 'Z', 'a', 'a b', 'ab', 'abc', 'b', 'é', 'ë', '€', '😀']);
  });

  it('prefix encodings match exactly the keys that start with the prefix', () => {
    const alpha = fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00ff', 'é', '😀'), maxLength: 6 });
    fc.assert(
      fc.property(alpha, alpha, fc.constantFrom(T.text, T.varchar, T.name, 3802 /* jsonb: fallback */), (s, p, oid) => {
        const k = key(oid, s);
        const pre = encodeKeyPrefix(oid, u8(p));
        const starts = k.length >= pre.length && compareBytes(k.subarray(0, pre.length), pre) === 0;
        expect(starts).toBe(s.startsWith(p));
      }),
      { numRuns: 2000 },
    );
  });

  it('bytea prefixes and bytea order follow the raw bytes', () => {
    const bytesArb = fc.uint8Array({ maxLength: 5 }).map((a) => a.map((x) => [0, 1, 0xff][x % 3]!));
    fc.assert(
      fc.property(bytesArb, bytesArb, (a, b) => {
        const ka = encodeKey([T.bytea], [u8('\\x' + hex(a))]);
        const kb = encodeKey([T.bytea], [u8('\\x' + hex(b))]);
        expect(sign(compareBytes(ka, kb))).toBe(sign(compareBytes(a, b)));
        const pre = encodeKeyPrefix(T.bytea, u8('\\x' + hex(b)));
        const starts = ka.length >= pre.length && compareBytes(ka.subarray(0, pre.length), pre) === 0;
        expect(starts).toBe(a.length >= b.length && compareBytes(a.subarray(0, b.length), b) === 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the escape format of bytea as the same bytes as hex', () => {
    expect(hex(encodeKey([T.bytea], [u8('a\\\\b\\000\\377')]))).toBe(hex(encodeKey([T.bytea], [u8('\\x615c6200ff')])));
    expect(() => encodeKey([T.bytea], [u8('\\x0')])).toThrow(RangeError);
    expect(() => encodeKey([T.bytea], [u8('\\xzz')])).toThrow(RangeError);
  });

  it('has no prefix encoding for non-text ordered types', () => {
    expect(() => encodeKeyPrefix(T.int4, u8('1'))).toThrow(RangeError);
  });
});

describe('key codec: composite keys', () => {
  it('order like the tuple of their columns', () => {
    const col = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.string({ unit: fc.constantFrom('a', 'b', '\u0000'), maxLength: 3 }), fc.integer({ min: -2, max: 2 }));
    const cmpStr = (a: string, b: string): number => compareBytes(u8(a), u8(b));
    fc.assert(
      fc.property(col, col, ([a1, a2, a3], [b1, b2, b3]) => {
        const ka = encodeKey([T.int4, T.text, T.int8], [u8(String(a1)), u8(a2), u8(String(a3))]);
        const kb = encodeKey([T.int4, T.text, T.int8], [u8(String(b1)), u8(b2), u8(String(b3))]);
        const want = sign(a1 - b1) || sign(cmpStr(a2, b2)) || sign(a3 - b3);
        expect(sign(compareBytes(ka, kb))).toBe(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('checks that types and values line up', () => {
    expect(() => encodeKey([T.int4, T.text], [u8('1')])).toThrow(RangeError);
  });
});

describe('key codec: uuid, bool, floats, dates and times', () => {
  it('uuid is its 16 bytes', () => {
    expect(hex(key(T.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'))).toBe('a0eebc999c0b4ef8bb6d6bb9bd380a11');
    expect(() => key(T.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1')).toThrow(RangeError);
  });

  it('bool: f before t', () => {
    expectAscending(T.bool, ['f', 't']);
  });

  it('floats: -Infinity < negatives < 0 = -0 < positives < Infinity < NaN', () => {
    const order = ['-Infinity', '-1e+308', '-1.5', '-1e-320', '-0', '0', '5e-324', '1e-10', '1.5', '3.4028235e+38', 'Infinity', 'NaN'];
    expectAscending(T.float8, order, [5]);
    expectAscending(T.float4, ['-Infinity', '-1.5', '-0', '0', '1.5', 'Infinity', 'NaN'], [3]);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        expect(sign(compareBytes(key(T.float8, String(a)), key(T.float8, String(b))))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('dates: -infinity, BC, AD, infinity', () => {
    expectAscending(T.date, ['-infinity', '4713-01-01 BC', '0044-03-15 BC', '0001-12-31 BC', '0001-01-01', '1999-12-31', '2000-01-01', '2024-02-29', '5874897-12-31', 'infinity']);
    expect(hex(key(T.date, '2000-01-01'))).toBe((2451545 + 1).toString(16).padStart(8, '0'));
  });

  it('timestamps: fractions, BC and the extreme years', () => {
    expectAscending(T.timestamp, [
      '-infinity',
      '4714-11-24 00:00:00 BC',
      '4714-11-24 00:00:00.000001 BC',
      '0001-01-01 00:00:00 BC',
      '0001-01-01 00:00:00',
      '2024-01-02 03:04:05',
      '2024-01-02 03:04:05.000001',
      '2024-01-02 03:04:05.1',
      '2024-01-02 03:04:05.123456',
      '2024-01-02 03:04:06',
      '294276-12-31 23:59:59.999999',
      'infinity',
    ]);
    expect(hex(key(T.timestamp, '2024-01-02 03:04:05.5'))).toBe(hex(key(T.timestamp, '2024-01-02 03:04:05.500000')));
  });

  it('timestamptz: the same instant in any offset is the same key', () => {
    const same = ['2024-01-02 03:04:05.123456+00', '2024-01-02 08:34:05.123456+05:30', '2024-01-01 23:04:05.123456-04', '2024-01-02 03:23:37.123456+00:19:32'];
    for (const t of same) expect(hex(key(T.timestamptz, t)), t).toBe(hex(key(T.timestamptz, same[0]!)));
    expectAscending(T.timestamptz, ['-infinity', '4714-11-24 00:00:00+00 BC', '0044-03-15 12:00:00+00 BC', '2024-01-02 03:04:05+01', '2024-01-02 03:04:05+00', '2024-01-02 03:04:05-01', 'infinity']);
    expect(() => key(T.timestamptz, '2024-01-02 03:04:05')).toThrow(RangeError);
    expect(() => key(T.timestamp, '2024-01-02 03:04')).toThrow(RangeError);
  });

  it('reports which types keep PostgreSQL order', () => {
    const ordered = [T.bool, T.bytea, T.name, T.int8, T.int2, T.int4, T.text, T.oid, T.float4, T.float8, T.bpchar, T.varchar, T.date, T.timestamp, T.timestamptz, T.numeric, T.uuid];
    for (const oid of ordered) expect(isOrderedKeyType(oid)).toBe(true);
    for (const oid of [T.json, T.jsonb, T.time, T.timetz, T.interval]) expect(isOrderedKeyType(oid)).toBe(false);
    expect(isOrderedKeyType(1186 /* interval */)).toBe(false);
    expect(hex(key(1186, '1 day'))).toBe(hex(key(T.text, '1 day')));
  });
});

// --- against a real PostgreSQL 17 ----------------------------------------------------------------

interface PgCase {
  readonly name: string;
  readonly oid: number;
  readonly sqlType: string;
  readonly collate?: string;
  readonly values: string[];
}

const SEED = 20_241_122;
const sample = <V>(arb: fc.Arbitrary<V>, n: number, seed = SEED): V[] => fc.sample(arb, { numRuns: n, seed });
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const dateArb = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 4713 }).map((y) => -y), fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 2100, max: 5_874_896 })), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => `${pad(Math.abs(y), 4)}-${pad(m, 2)}-${pad(d, 2)}${y < 0 ? ' BC' : ''}`);

const timeArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999_999 }), fc.boolean())
  .map(([h, m, s, us, frac]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${frac ? '.' + pad(us, 6) : ''}`);

const timestampArb = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 4713 }).map((y) => -y), fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 2100, max: 294_275 })), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), timeArb)
  .map(([y, m, d, t]) => `${pad(Math.abs(y), 4)}-${pad(m, 2)}-${pad(d, 2)} ${t}${y < 0 ? ' BC' : ''}`);

const offsetArb = fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 15, 30, 45)).map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`);

const fewDigits = (max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: max });
const numericArb = fc.oneof(
  // Few digits from a small set: many values whose digits are prefixes of each other (-1.5, -1.55).
  fc.tuple(fc.boolean(), fewDigits(3), fewDigits(3)).map(([neg, i, f]) => `${neg ? '-' : ''}${i === '' ? '0' : i}${f === '' ? '' : '.' + f}`),
  fc.tuple(fc.boolean(), fc.stringMatching(/^[0-9]{0,30}$/), fc.stringMatching(/^[0-9]{0,25}$/)).map(([neg, i, f]) => `${neg ? '-' : ''}${i === '' ? '0' : i}${f === '' ? '' : '.' + f}`),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '-0', '0.000', '1.5', '1.50', '-1.5', '-1.500', '1e100', '-1e-100', '100', '100.00'),
);

const smallText = fc.string({ unit: fc.constantFrom('a', 'b', 'B', ' ', '-', 'é', '€', '😀', '\t', '~'), maxLength: 6 });

const pgCases: PgCase[] = [
  { name: 'int2', oid: T.int2, sqlType: 'int2', values: [...sample(fc.integer({ min: -32768, max: 32767 }), 300).map(String), '-32768', '32767', '0'] },
  { name: 'int4', oid: T.int4, sqlType: 'int4', values: [...sample(fc.integer(), 300).map(String), '-2147483648', '2147483647', '0', '-1'] },
  {
    name: 'int8',
    oid: T.int8,
    sqlType: 'int8',
    values: [...sample(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n })), 400).map(String), '-9223372036854775808', '9223372036854775807'],
  },
  { name: 'oid', oid: T.oid, sqlType: 'oid', values: sample(fc.integer({ min: 0, max: 4_294_967_295 }), 300).map(String) },
  { name: 'numeric', oid: T.numeric, sqlType: 'numeric', values: sample(numericArb, 500) },
  { name: 'float8', oid: T.float8, sqlType: 'float8', values: [...sample(fc.double(), 400).map(String), '-0', '0', 'NaN', 'Infinity', '-Infinity', '5e-324'] },
  { name: 'float4', oid: T.float4, sqlType: 'float4', values: [...sample(fc.float(), 400).map(String), '-0', 'NaN', '1.17549435e-38', '3.4028235e+38'] },
  { name: 'text', oid: T.text, sqlType: 'text', collate: 'COLLATE "C"', values: [...sample(smallText, 300), ...sample(fc.string({ unit: 'binary', maxLength: 8 }), 200).map((s) => s.replaceAll('\u0000', ''))] },
  { name: 'varchar', oid: T.varchar, sqlType: 'varchar(10)', collate: 'COLLATE "C"', values: sample(smallText, 300) },
  { name: 'bpchar', oid: T.bpchar, sqlType: 'char(6)', collate: 'COLLATE "C"', values: sample(smallText, 300) },
  { name: 'name', oid: T.name, sqlType: 'name', collate: 'COLLATE "C"', values: sample(smallText, 300) },
  { name: 'bytea', oid: T.bytea, sqlType: 'bytea', values: sample(fc.uint8Array({ maxLength: 6 }).map((a) => '\\x' + hex(a.map((x) => [0, 1, 0x7f, 0x80, 0xff, x][x % 6]!))), 300) },
  { name: 'uuid', oid: T.uuid, sqlType: 'uuid', values: [...sample(fc.uuid(), 200), ...sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), 100).map((a) => hex(a))] },
  { name: 'bool', oid: T.bool, sqlType: 'bool', values: ['t', 'f', 'true', 'false', 't'] },
  { name: 'date', oid: T.date, sqlType: 'date', values: [...sample(dateArb, 300), 'infinity', '-infinity', '4713-01-01 BC', '5874897-12-31'] },
  { name: 'timestamp', oid: T.timestamp, sqlType: 'timestamp', values: [...sample(timestampArb, 300), 'infinity', '-infinity', '4713-01-01 00:00:00 BC', '294276-12-31 23:59:59.999999'] },
  {
    name: 'timestamptz',
    oid: T.timestamptz,
    sqlType: 'timestamptz',
    values: [...sample(fc.tuple(timestampArb, offsetArb), 300).map(([ts, off]) => ts.replace(/( BC)?$/, `${off}$1`)), 'infinity', '-infinity', '2024-01-02 03:04:05+00', '2024-01-02 08:34:05+05:30'],
  },
];

const rawText = { getTypeParser: () => (v: string) => v };

describe('key codec order against PostgreSQL 17', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await testDatabase('keycodec');
    // The sidecar's own session settings: text output of dates in ISO form, instants in UTC.
    await db.client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO'`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Inserts the values, returns [text output, dense rank, id] in PostgreSQL's order. */
  async function pgOrder(c: PgCase, table: string): Promise<[string, number, number][]> {
    await db.client.query(`CREATE TABLE ${table} (id int, v ${c.sqlType})`);
    await db.client.query(`INSERT INTO ${table} SELECT ord, x::${c.sqlType} FROM unnest($1::text[]) WITH ORDINALITY AS u(x, ord)`, [c.values]);
    const order = `v ${c.collate ?? ''}`;
    const r = await db.client.query<[string, string, string]>({
      text: `SELECT v, dense_rank() OVER (ORDER BY ${order}), id FROM ${table} ORDER BY ${order}, id`,
      rowMode: 'array',
      types: rawText,
    });
    return r.rows.map(([v, rank, id]) => [v, Number(rank), Number(id)]);
  }

  for (const c of pgCases) {
    it(`${c.name}: byte order of the encoded text output = ORDER BY v ${c.collate ?? ''}`, async () => {
      const rows = await pgOrder(c, `t_${c.name}`);
      expect(rows.length).toBe(c.values.length);
      const keys = rows.map(([v]) => key(c.oid, v));
      for (let i = 1; i < rows.length; i++) {
        const cmp = sign(compareBytes(keys[i - 1]!, keys[i]!));
        // Equal in PostgreSQL ⇔ equal bytes; otherwise strictly ascending.
        expect(cmp, `${rows[i - 1]![0]} vs ${rows[i]![0]}`).toBe(rows[i - 1]![1] === rows[i]![1] ? 0 : -1);
      }
      expect(new Set(rows.map(([, r]) => r)).size).toBeGreaterThan(1);
    });
  }

  it('timestamptz: every session time zone gives the same keys', async () => {
    const c = pgCases.find((x) => x.name === 'timestamptz')!;
    const utc = new Map((await pgOrder(c, 't_tz_zones')).map(([v, , id]) => [id, hex(key(T.timestamptz, v))]));
    // Kolkata +05:30; St Johns -03:30 / -02:30; Amsterdam had +00:19:32 before 1937 (seconds).
    for (const zone of ['Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
      await db.client.query(`SET TimeZone = '${zone}'`);
      const r = await db.client.query<[string, string]>({ text: `SELECT v, id FROM t_tz_zones`, rowMode: 'array', types: rawText });
      let withSeconds = 0;
      for (const [v, id] of r.rows) {
        if (/[+-]\d\d:\d\d:\d\d( BC)?$/.test(v)) withSeconds++;
        expect(hex(key(T.timestamptz, v)), `${zone}: ${v}`).toBe(utc.get(Number(id)));
      }
      if (zone === 'Europe/Amsterdam') expect(withSeconds).toBeGreaterThan(0);
    }
    await db.client.query(`SET TimeZone = 'UTC'`);
  });

  it('composite (int4, text, int8) keys = ORDER BY a, b COLLATE "C", c', async () => {
    const rowsIn = sample(fc.tuple(fc.integer({ min: -3, max: 3 }), smallText, fc.integer({ min: -5, max: 5 })), 400);
    await db.client.query(`CREATE TABLE t_comp (id int, a int4, b text, c int8)`);
    await db.client.query(
      `INSERT INTO t_comp SELECT ord, a, b, c FROM unnest($1::int4[], $2::text[], $3::int8[]) WITH ORDINALITY AS u(a, b, c, ord)`,
      [rowsIn.map((r) => r[0]), rowsIn.map((r) => r[1]), rowsIn.map((r) => r[2])],
    );
    const order = `a, b COLLATE "C", c`;
    const r = await db.client.query<[string, string, string, string]>({
      text: `SELECT a, b, c, dense_rank() OVER (ORDER BY ${order}) FROM t_comp ORDER BY ${order}`,
      rowMode: 'array',
      types: rawText,
    });
    const keys = r.rows.map(([a, b, c]) => encodeKey([T.int4, T.text, T.int8], [u8(a), u8(b), u8(c)]));
    for (let i = 1; i < keys.length; i++) {
      expect(sign(compareBytes(keys[i - 1]!, keys[i]!))).toBe(r.rows[i - 1]![3] === r.rows[i]![3] ? 0 : -1);
    }
  });

  it('text prefixes select exactly the rows starts_with() selects', async () => {
    const c = pgCases.find((x) => x.name === 'text')!;
    for (const p of ['a', 'ab', 'é', '😀', ' ', 'b-', '']) {
      const r = await db.client.query<[string]>({ text: `SELECT v FROM t_text WHERE starts_with(v, $1)`, values: [p], rowMode: 'array', types: rawText });
      const want = new Set(r.rows.map(([v]) => v));
      const pre = encodeKeyPrefix(T.text, u8(p));
      const got = new Set(c.values.filter((v) => {
        const k = key(T.text, v);
        return k.length >= pre.length && compareBytes(k.subarray(0, pre.length), pre) === 0;
      }));
      expect([...got].sort()).toEqual([...want].sort());
    }
  });
});
