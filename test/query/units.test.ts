/*
 * The query engine's pure parts: literal lifting (plan-cache keys), PostgreSQL input functions,
 * LIKE, integer key bounds, jsonb output, search_path parsing. Expected values were taken from
 * PostgreSQL 17 (`SELECT '…'::type`), so these pin behaviour the integration files rely on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../src/errors.js';
import { compileLike, integerBound } from '../../src/query/compare.js';
import { floatOut, inputText, parseArrayLiteral } from '../../src/query/input.js';
import { jsonbText } from '../../src/query/jsonb.js';
import { normalize } from '../../src/query/normalize.js';
import { splitSearchPath } from '../../src/query/scalar.js';
import { Oid } from '../../src/pg/types.js';

const MARKER = new RegExp(String.fromCharCode(0) + '[ins]');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof SqlError ? `${e.sqlstate} ${e.message}` : `not a SqlError: ${String(e)}`;
  }
  return 'no error';
}

describe('normalize (plan cache keys)', () => {
  it('lifts numbers and plain strings, keeps the rest of the text', () => {
    const n = normalize(`SELECT abalance FROM accounts WHERE aid = 48211 AND note = 'it''s' LIMIT 1.5e3`)!;
    expect(n.literals.map((l) => [l.text, l.cls])).toEqual([
      ['48211', 'i'],
      ["it's", 's'],
      ['1.5e3', 'n'],
    ]);
    expect(n.key).toBe(normalize(`SELECT abalance FROM accounts WHERE aid = 7 AND note = 'x' LIMIT 2.0`)!.key);
    expect(n.key).not.toBe(normalize(`SELECT abalance FROM accounts WHERE aid = 'x' AND note = 'x' LIMIT 2.0`)!.key);
  });

  it('reports byte locations as the parse tree does', () => {
    const n = normalize(`SELECT 'é', 5`)!;
    expect(n.literals.map((l) => l.location)).toEqual([7, 13]);
  });

  it('leaves identifiers, parameters, comments, quoted and prefixed strings alone', () => {
    const sql = `SELECT t1.c2, "x 1", $1, $$a 'b'$$, E'\\n', x'ff' FROM t9 -- 42\n/* 'no' /* 7 */ */`;
    const n = normalize(sql)!;
    expect(n.literals).toEqual([]);
    expect(n.key).toBe(sql);
  });

  it('refuses texts where lifting could change the meaning', () => {
    expect(normalize(`SELECT 'a'\n'b'`)).toBeNull(); // adjacent strings concatenate
    expect(normalize(`SELECT 123abc`)).toBeNull(); // trailing junk
    expect(normalize(`SELECT 'open`)).toBeNull();
  });

  it('never maps two texts with different non-literal parts to one key', () => {
    const token = fc.constantFrom('SELECT', ' ', '1', '12', "'a'", "'b'", 'x', 'y', ',', '=', '(', ')', '-', '.', '$1', '"q"', 'e', "E'z'");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fc.array(token, { maxLength: 12 }), (a, b) => {
        const na = normalize(a.join(''));
        const nb = normalize(b.join(''));
        if (na === null || nb === null || na.key !== nb.key) return;
        // Same key: same text once the literals are put back in.
        let ta = na.key;
        let tb = nb.key;
        for (const l of na.literals) ta = ta.replace(MARKER, l.cls);
        for (const l of nb.literals) tb = tb.replace(MARKER, l.cls);
        expect(ta).toBe(tb);
        expect(na.literals.map((l) => l.cls)).toEqual(nb.literals.map((l) => l.cls));
      }),
    );
  });
});

describe('input functions (PostgreSQL 17 answers)', () => {
  it('reads integers, with PostgreSQL 16+ syntax and range errors', () => {
    expect(inputText(Oid.int4, ' 12 ')).toBe('12');
    expect(inputText(Oid.int4, '0x1F')).toBe('31');
    expect(inputText(Oid.int4, '1_000')).toBe('1000');
    expect(inputText(Oid.int4, '-0')).toBe('0');
    expect(inputText(Oid.int8, '-9223372036854775808')).toBe('-9223372036854775808');
    expect(inputText(Oid.oid, '-1')).toBe('4294967295');
    expect(code(() => inputText(Oid.int4, 'abc'))).toBe('22P02 invalid input syntax for type integer: "abc"');
    expect(code(() => inputText(Oid.int4, '1.5'))).toBe('22P02 invalid input syntax for type integer: "1.5"');
    expect(code(() => inputText(Oid.int4, '99999999999'))).toBe('22003 value "99999999999" is out of range for type integer');
    expect(code(() => inputText(Oid.int2, '99999'))).toBe('22003 value "99999" is out of range for type smallint');
    expect(code(() => inputText(Oid.int4, '1__0'))).toBe('22P02 invalid input syntax for type integer: "1__0"');
  });

  it('reads numeric keeping the display scale', () => {
    expect(inputText(Oid.numeric, '1.5e-3')).toBe('0.0015');
    expect(inputText(Oid.numeric, '-0.00')).toBe('0.00');
    expect(inputText(Oid.numeric, '1e3')).toBe('1000');
    expect(inputText(Oid.numeric, ' 001.50 ')).toBe('1.50');
    expect(inputText(Oid.numeric, '.5')).toBe('0.5');
    expect(inputText(Oid.numeric, 'nan')).toBe('NaN');
    expect(inputText(Oid.numeric, '-inf')).toBe('-Infinity');
    expect(code(() => inputText(Oid.numeric, 'abc'))).toBe('22P02 invalid input syntax for type numeric: "abc"');
  });

  it('prints floats like float8out/float4out', () => {
    expect(inputText(Oid.float8, '1e15')).toBe('1e+15');
    expect(inputText(Oid.float8, '123456789012345')).toBe('123456789012345');
    expect(inputText(Oid.float8, '0.00001')).toBe('1e-05');
    expect(inputText(Oid.float8, '0.0001')).toBe('0.0001');
    expect(inputText(Oid.float4, '1234567')).toBe('1.234567e+06');
    expect(inputText(Oid.float4, '0.1')).toBe('0.1');
    expect(floatOut(Math.fround(1.1), false)).toBe('1.100000023841858');
    expect(inputText(Oid.float8, '-0')).toBe('-0');
    expect(inputText(Oid.float8, 'inf')).toBe('Infinity');
    expect(code(() => inputText(Oid.float8, '1e400'))).toBe('22003 "1e400" is out of range for type double precision');
    expect(code(() => inputText(Oid.float4, 'abc'))).toBe('22P02 invalid input syntax for type real: "abc"');
  });

  it('reads booleans, uuids, bytea, pg_lsn', () => {
    expect(['t', 'TRUE', ' yes ', 'on', '1', 'tr'].map((v) => inputText(Oid.bool, v))).toEqual(['t', 't', 't', 't', 't', 't']);
    expect(['f', 'of', 'no', '0', 'FALSE'].map((v) => inputText(Oid.bool, v))).toEqual(['f', 'f', 'f', 'f', 'f']);
    expect(code(() => inputText(Oid.bool, 'o'))).toBe('22P02 invalid input syntax for type boolean: "o"');
    expect(inputText(Oid.uuid, '{AbCd0000-0000-0000-0000-000000000001}')).toBe('abcd0000-0000-0000-0000-000000000001');
    expect(inputText(Oid.uuid, 'abcd0000000000000000000000000001')).toBe('abcd0000-0000-0000-0000-000000000001');
    expect(code(() => inputText(Oid.uuid, 'xyz'))).toBe('22P02 invalid input syntax for type uuid: "xyz"');
    expect(inputText(Oid.bytea, '\\x 01 02')).toBe('\\x0102');
    expect(inputText(Oid.bytea, 'a\\\\b')).toBe('\\x615c62');
    expect(inputText(Oid.pg_lsn, '0/16B3748')).toBe('0/16B3748');
    expect(code(() => inputText(Oid.pg_lsn, 'x'))).toBe('22P02 invalid input syntax for type pg_lsn: "x"');
  });

  it('reads ISO dates and timestamps, converting offsets to UTC', () => {
    expect(inputText(Oid.date, '2024-1-5')).toBe('2024-01-05');
    expect(inputText(Oid.date, '0044-03-15 BC')).toBe('0044-03-15 BC');
    expect(inputText(Oid.timestamp, '2024-01-05T10:00:00.1234567')).toBe('2024-01-05 10:00:00.123457');
    expect(inputText(Oid.timestamp, '2024-01-05')).toBe('2024-01-05 00:00:00');
    expect(inputText(Oid.timestamptz, '2024-01-05 10:00+05:30')).toBe('2024-01-05 04:30:00+00');
    expect(inputText(Oid.timestamptz, '2024-01-01 01:00:00-02')).toBe('2024-01-01 03:00:00+00');
    expect(inputText(Oid.timestamptz, 'epoch')).toBe('1970-01-01 00:00:00+00');
    expect(inputText(Oid.timestamptz, '-infinity')).toBe('-infinity');
    expect(code(() => inputText(Oid.date, '2024-02-30'))).toBe('22008 date/time field value out of range: "2024-02-30"');
    expect(inputText(Oid.date, '4714-11-24 BC')).toBe('4714-11-24 BC');
    expect(code(() => inputText(Oid.timestamp, '4714-11-23 BC'))).toBe('22008 timestamp out of range: "4714-11-23 BC"');
    expect(code(() => inputText(Oid.timestamptz, 'xyz'))).toBe('22007 invalid input syntax for type timestamp with time zone: "xyz"');
    // Read in the session's zone (the datetime family), printed as stored: UTC.
    expect(inputText(Oid.timestamptz, '2024-01-01 00:00', 'Europe/Berlin')).toBe('2023-12-31 23:00:00+00');
  });

  it('parses array literals', () => {
    expect(parseArrayLiteral('{1,2,NULL}')).toEqual(['1', '2', null]);
    expect(parseArrayLiteral('{"a b","c\\"d","NULL", x }')).toEqual(['a b', 'c"d', 'NULL', 'x']);
    expect(parseArrayLiteral('{{1,2},{3}}')).toEqual(['1', '2', '3']);
    expect(parseArrayLiteral('[1:2]={7,8}')).toEqual(['7', '8']);
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(code(() => parseArrayLiteral('1,2'))).toBe('22P02 malformed array literal: "1,2"');
  });
});

describe('LIKE and key bounds', () => {
  it('matches like PostgreSQL and finds the literal prefix', () => {
    const l = compileLike('a\\_b%', '\\');
    expect(l.prefix).toBe('a_b');
    expect(l.prefixOnly).toBe(true);
    expect(l.test('a_bcd')).toBe(true);
    expect(l.test('axbcd')).toBe(false);
    expect(compileLike('ap%t', '\\').prefixOnly).toBe(false);
    expect(compileLike('_é%', '\\').test('xé😀')).toBe(true);
    expect(compileLike('a.*(b)', '\\').test('a.*(b)')).toBe(true);
    expect(compileLike('a#%', '#').test('a%')).toBe(true);
    expect(code(() => compileLike('ab\\', '\\'))).toBe('22025 LIKE pattern must not end with escape character');
  });

  it('turns numeric bounds into exact integer bounds', () => {
    expect(integerBound(Oid.int4, '>', '1.5')).toEqual({ kind: 'bound', op: '>=', text: '2' });
    expect(integerBound(Oid.int4, '<', '-1.5')).toEqual({ kind: 'bound', op: '<=', text: '-2' });
    expect(integerBound(Oid.int4, '=', '1.5')).toEqual({ kind: 'none' });
    expect(integerBound(Oid.int2, '=', '100000')).toEqual({ kind: 'none' });
    expect(integerBound(Oid.int2, '<', '100000')).toEqual({ kind: 'all' });
    expect(integerBound(Oid.int2, '>', '100000')).toEqual({ kind: 'none' });
    expect(integerBound(Oid.int8, '<', 'NaN')).toEqual({ kind: 'all' });
    expect(integerBound(Oid.int8, '>=', '-Infinity')).toEqual({ kind: 'all' });
  });
});

describe('jsonb output and search_path', () => {
  it('writes jsonb canonically: keys by length then bytes, numbers without exponent', () => {
    expect(jsonbText({ bb: 1, a: [1, 'x\n"'], c: null, d: true, e: 1e-7, f: 12345678901234567890n })).toBe(
      '{"a": [1, "x\\n\\""], "c": null, "d": true, "e": 0.0000001, "f": 12345678901234567890, "bb": 1}',
    );
  });

  it('splits search_path like PostgreSQL', () => {
    expect(splitSearchPath('"$user", public', 'ann')).toEqual(['ann', 'public']);
    expect(splitSearchPath('Foo, "Bar Baz", x', 'ann')).toEqual(['foo', 'Bar Baz', 'x']);
    expect(splitSearchPath('', 'ann')).toEqual([]);
  });
});
