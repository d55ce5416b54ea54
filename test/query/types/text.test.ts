/*
 * The string, bytea and uuid types (types/text.ts, bytea.ts, uuid.ts, misc.ts) against PostgreSQL
 * 17: input and output text (errors included), typmods as explicit casts and as assignments,
 * order (C collation: code point order, emoji above U+FFFF-range characters), bpchar's trailing
 * space rules, hash keys consistent with order, and the casts of misc.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { DEFAULT_OUTPUT, type Datum } from '../../../src/query/types/datum.js';
import { findCast, typeInfo } from '../../../src/query/types/registry.js';
import { compareText } from '../../../src/query/types/text.js';
import { pick, randomString, rng, seedFromEnv, settings, startOracle, type Oracle, type Outcome } from '../functions/text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  ensureBuiltins();
  oracle = await startOracle('text_types');
  // Assignment coercion (22001 instead of truncation) as PL/pgSQL applies it to a typed variable.
  await oracle.db.client.query(`
    CREATE FUNCTION assign_vc3(t text) RETURNS text LANGUAGE plpgsql AS $$ DECLARE v varchar(3); BEGIN v := t; RETURN v; END $$;
    CREATE FUNCTION assign_bc3(t text) RETURNS text LANGUAGE plpgsql AS $$ DECLARE v char(3); BEGIN v := t; RETURN v; END $$;`);
});
afterAll(async () => {
  await oracle.close();
});

const lit = (s: string): string => "'" + s.replaceAll("'", "''") + "'";

function outcome(f: () => string | null): Outcome {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof SqlError) return { error: `${e.sqlstate}:${e.message}` };
    throw e;
  }
}

async function same(sql: string[], mine: Outcome[]): Promise<void> {
  const theirs = await oracle.run(sql);
  const bad: string[] = [];
  sql.forEach((q, i) => {
    if (JSON.stringify(theirs[i]) !== JSON.stringify(mine[i])) bad.push(`${q}\n   pg: ${JSON.stringify(theirs[i])}\n  ours: ${JSON.stringify(mine[i])}`);
  });
  expect(bad.slice(0, 10), `seed ${seed}: ${bad.length} of ${sql.length} differ`).toEqual([]);
}

const STR = ['a', 'b', 'A', ' ', ' ', 'é', '😀', '\uE000', '\uFFFD', 'x', "'", '\\', '7'];

describe('string types match PostgreSQL', () => {
  it('input, output and typmods', async () => {
    const r = rng(seed);
    const sql: string[] = [];
    const mine: Outcome[] = [];
    const add = (q: string, f: () => string | null): void => {
      sql.push(q);
      mine.push(outcome(f));
    };
    const fixed = ['😀😀', 'ab  ', 'abcd ', 'é😀x', 'abc   d', ''];
    for (let i = 0; i < 300; i++) {
      const s = i < fixed.length ? fixed[i]! : randomString(r, STR, 6);
      for (const [oid, sqlType, typmod] of [[25, 'text', -1], [1043, 'varchar', -1], [1042, 'bpchar', -1], [19, 'name', -1], [18, '"char"', -1], [1043, 'varchar(3)', 7], [1042, 'char(3)', 7], [1042, 'char', 5]] as const) {
        const t = typeInfo(oid);
        add(`${lit(s)}::${sqlType}`, () => {
          let d = t.input(s, -1, settings);
          if (typmod >= 0) d = t.applyTypmod!(d, typmod, true);
          return t.output(d, DEFAULT_OUTPUT);
        });
      }
      add(`assign_vc3(${lit(s)})`, () => typeInfo(1043).applyTypmod!(s, 7, false) as string);
      add(`assign_bc3(${lit(s)})`, () => {
        const d = typeInfo(1042).applyTypmod!(s, 7, false) as string;
        return d.replace(/ +$/, ''); // char(3) → text strips the padding, as the function's RETURN does
      });
    }
    add(`repeat('é', 40)::name`, () => typeInfo(19).input('é'.repeat(40), -1, settings) as string);
    add(`repeat('😀', 20)::name`, () => typeInfo(19).input('😀'.repeat(20), -1, settings) as string);
    add(`'\\303'::"char"`, () => typeInfo(18).output(typeInfo(18).input('\\303', -1, settings), DEFAULT_OUTPUT));
    add(`'\\777'::"char"`, () => typeInfo(18).output(typeInfo(18).input('\\777', -1, settings), DEFAULT_OUTPUT));
    await same(sql, mine);
  });

  it('bytea input (hex, escape) and output under bytea_output', async () => {
    const r = rng(seed + 1);
    const t = typeInfo(17);
    const inputs = Array.from({ length: 300 }, () => (r() < 0.5 ? '\\x' : '') + randomString(r, ['a', 'F', '0', '9', 'g', ' ', '\n', '\\', '\\', '3', '7', '8', 'é', "'", '\\\\', '\\001', '\\377'], 6));
    const sql = inputs.map((s) => `${lit(s)}::bytea`);
    await same(sql, inputs.map((s) => outcome(() => t.output(t.input(s, -1, settings), DEFAULT_OUTPUT))));
    await oracle.db.client.query('SET bytea_output = escape');
    try {
      await same(sql, inputs.map((s) => outcome(() => t.output(t.input(s, -1, settings), { ...DEFAULT_OUTPUT, byteaOutput: 'escape' }))));
    } finally {
      await oracle.db.client.query('RESET bytea_output');
    }
  });

  it('uuid input', async () => {
    const r = rng(seed + 2);
    const sql: string[] = [];
    const mine: Outcome[] = [];
    const t = typeInfo(2950);
    const base = 'a0eebc999c0b4ef8bb6d6bb9bd380a11';
    for (let i = 0; i < 300; i++) {
      let s = '';
      for (let k = 0; k < base.length; k++) {
        s += r() < 0.5 ? base[k]!.toUpperCase() : base[k]!;
        if (k % 4 === 3 && r() < 0.3) s += '-';
      }
      if (r() < 0.2) s = `{${s}}`;
      if (r() < 0.15) s = s.slice(0, Math.floor(r() * s.length));
      if (r() < 0.1) s += pick(r, ['-', ' ', 'g', '}']);
      sql.push(`${lit(s)}::uuid`);
      mine.push(outcome(() => t.output(t.input(s, -1, settings), DEFAULT_OUTPUT)));
    }
    await same(sql, mine);
  });

  it('order is C collation (code point order) and bpchar ignores trailing spaces', async () => {
    const r = rng(seed + 3);
    const values = Array.from({ length: 200 }, () => randomString(r, STR, 4));
    values.push('\uFFFF', '😀', '\uE000', 'z', '');
    const pgSorted = await oracle.db.client.query<{ v: string }>('SELECT v FROM unnest($1::text[]) v ORDER BY v COLLATE "C"', [values]);
    expect([...values].sort(compareText)).toEqual(pgSorted.rows.map((x) => x.v));
    expect(compareText('😀', '\uFFFF')).toBeGreaterThan(0);

    const bp = typeInfo(1042);
    const pairs = Array.from({ length: 200 }, () => [randomString(r, ['a', ' ', 'b'], 4), randomString(r, ['a', ' ', 'b'], 4)] as const);
    const res = await oracle.run(pairs.map(([a, b]) => `${lit(a)}::bpchar < ${lit(b)}::bpchar OR (${lit(a)}::bpchar = ${lit(b)}::bpchar AND NULL)`));
    pairs.forEach(([a, b], i) => {
      const c = bp.compare!(a, b);
      expect({ a, b, r: res[i] }).toEqual({ a, b, r: { value: c < 0 ? 't' : c === 0 ? null : 'f' } });
      if (c === 0) expect(bp.hashKey!(a)).toBe(bp.hashKey!(b));
    });
  });

  it('format_type with typmods', async () => {
    const cases = [[1042, -1], [1042, 5], [1043, -1], [1043, 7], [25, -1], [18, -1], [19, -1]] as const;
    const sql = cases.map(([oid, typmod]) => `format_type(${oid}, ${typmod})`);
    await same(
      sql,
      cases.map(([oid, typmod]) => {
        const t = typeInfo(oid);
        return { value: t.formatTypmod !== undefined ? t.formatTypmod(typmod) : t.sqlName };
      }),
    );
  });

  it('casts as pg_cast', async () => {
    const sql: string[] = [];
    const mine: Outcome[] = [];
    const cast = (src: number, srcSql: string, value: Datum, dst: number, dstSql: string, typmod = -1): void => {
      sql.push(`(${srcSql})::${dstSql}`);
      mine.push(
        outcome(() => {
          const c = findCast(src, dst)!;
          let d = c.convert(value, settings);
          if (typmod >= 0) d = typeInfo(dst).applyTypmod!(d, typmod, true);
          return dst === 23 ? (d as number).toString() : typeInfo(dst).output(d, DEFAULT_OUTPUT);
        }),
      );
    };
    cast(16, 'true', true, 25, 'text');
    cast(16, 'false', false, 1043, 'varchar');
    cast(16, 'true', true, 1042, 'char(2)', 6);
    cast(1042, "'ab  '::char(4)", 'ab  ', 25, 'text');
    cast(1042, "'ab  '::char(4)", 'ab  ', 1043, 'varchar');
    cast(1042, "'ab  '::char(4)", 'ab  ', 19, 'name');
    cast(25, "'abcdef'", 'abcdef', 1043, 'varchar(3)', 7);
    cast(25, "'é'", 'é', 18, '"char"');
    cast(18, "'\\303'::\"char\"", '\u00c3', 25, 'text');
    cast(18, "'a'::\"char\"", 'a', 23, 'int4');
    cast(18, "'\\303'::\"char\"", '\u00c3', 23, 'int4');
    cast(23, '200', 200, 18, '"char"');
    cast(23, '-61', -61, 18, '"char"');
    cast(19, "'ab'::name", 'ab', 1042, 'char(4)', 8);
    cast(25, "'x'", 'x', 19, 'name');
    await same(sql, mine);
    expect(findCast(25, 1043)!.context).toBe('i');
    expect(findCast(16, 25)!.context).toBe('a');
    expect(findCast(25, 18)!.context).toBe('a');
  });
});
