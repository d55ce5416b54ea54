/*
 * The text family's differential oracle: the same call evaluated by PostgreSQL 17 (through a
 * PL/pgSQL wrapper that turns an error into its SQLSTATE and message, so thousands of cases run in
 * one round trip) and by the registered FuncDef / AggDef, both reduced to output text.
 *
 * A case is a function or operator name with typed arguments; each argument carries its Datum and
 * its SQL literal, so neither side parses the other's values. Seeded generators make the inputs
 * (empty, multi-byte, emoji, U+E000..U+FFFF, quotes, backslashes, pattern characters, NULL).
 */
import { expect } from 'vitest';
import { SqlError } from '../../../src/errors.js';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { funcsNamed, type CallContext, type FuncDef } from '../../../src/query/functions/registry.js';
import { DEFAULT_OUTPUT, type ArrayValue, type Datum, type OutputSettings } from '../../../src/query/types/datum.js';
import { hasType, registerType, typeInfo, type EvalSettings } from '../../../src/query/types/registry.js';
import { applyBpcharTypmod } from '../../../src/query/types/text.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';

export interface Arg {
  readonly type: number;
  readonly value: Datum;
  readonly sql: string;
}

export type Outcome = { readonly value: string | null } | { readonly error: string };

const sqlString = (s: string): string => "'" + s.replaceAll("'", "''") + "'";

export const text = (s: string | null, type = 25, typeSql = 'text'): Arg => ({ type, value: s, sql: s === null ? `NULL::${typeSql}` : `${sqlString(s)}::${typeSql}` });
export const int = (n: number | null): Arg => ({ type: 23, value: n, sql: n === null ? 'NULL::int4' : `(${n})::int4` });
export const int8 = (n: bigint | null): Arg => ({ type: 20, value: n, sql: n === null ? 'NULL::int8' : `(${n})::int8` });
export const bytes = (b: Uint8Array | null): Arg => ({
  type: 17,
  value: b,
  sql: b === null ? 'NULL::bytea' : `'\\x${Buffer.from(b).toString('hex')}'::bytea`,
});
export const bool = (v: boolean | null): Arg => ({ type: 16, value: v, sql: v === null ? 'NULL::bool' : `${v}` });
export const name = (s: string | null): Arg => text(s, 19, 'name');
export const bpchar = (s: string | null, n?: number): Arg => {
  const a = text(s, 1042, n === undefined ? 'bpchar' : `char(${n})`);
  return n === undefined || s === null ? a : { ...a, value: applyBpcharTypmod(s, n + 4, true) };
};

export const settings: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };

/** array_out for a one-dimensional array of strings (what the tests' text[] results need). */
export function arrayText(a: ArrayValue, s: OutputSettings = settings): string {
  const el = typeInfo(a.elemType);
  const parts = a.items.map((d) => {
    if (d === null) return 'NULL';
    const t = el.output(d, s);
    const plain = t !== '' && !/["\\{},\s]/.test(t) && t.toUpperCase() !== 'NULL';
    return plain ? t : '"' + t.replace(/(["\\])/g, '\\$1') + '"';
  });
  return '{' + parts.join(',') + '}';
}

/** A Datum of `type` as PostgreSQL prints it (the types the text family returns). */
export function outputText(d: Datum, type: number, s: OutputSettings = settings): string {
  switch (type) {
    case 16:
      return d ? 't' : 'f';
    case 20:
    case 21:
    case 23:
      return (d as number | bigint).toString();
    case 1009:
      return arrayText(d as ArrayValue, s);
    default:
      return typeInfo(type).output(d, s);
  }
}

function matches(def: FuncDef, types: readonly number[]): boolean {
  if (def.variadic !== undefined) {
    const fixed = def.args.length - 1;
    return types.length >= fixed && def.args.slice(0, fixed).every((t, i) => t === types[i]);
  }
  if (def.args.length !== types.length) return false;
  return def.args.every((t, i) => t === types[i] || t === 2776 || t === 2283);
}

let loaded = false;

/**
 * The builtins, plus plain integer output for int2/int4/int8 when the numeric family is not in
 * this tree (format and concat print their arguments through the registry).
 */
function load(): void {
  if (loaded) return;
  loaded = true;
  ensureBuiltins();
  for (const [oid, name] of [[21, 'int2'], [23, 'int4'], [20, 'int8']] as const) {
    if (hasType(oid)) continue;
    registerType({ oid, name, sqlName: name, category: 'N', preferred: false, len: 4, elem: 0, array: 0, input: (t) => Number(t), output: (d) => (d as number | bigint).toString() });
  }
}

export function findDef(fn: string, kind: 'func' | 'op', types: readonly number[]): FuncDef {
  load();
  const def = funcsNamed(fn, kind).find((d) => matches(d, types));
  if (def === undefined) throw new Error(`no ${kind} ${fn}(${types.join(',')}) registered`);
  return def;
}

function context(types: readonly number[], result: number): CallContext {
  return { settings, argTypes: types, resultType: result, checkInterrupts: () => undefined };
}

/** Evaluates the registered entry; SRFs give their rows' texts joined by '|' (NULL when none). */
export function evalMine(fn: string, kind: 'func' | 'op', args: readonly Arg[]): Outcome {
  const types = args.map((a) => a.type);
  const def = findDef(fn, kind, types);
  const rt = typeof def.returns === 'number' ? def.returns : def.returns(types);
  const values = args.map((a) => a.value);
  try {
    if (def.strict && values.some((v) => v === null)) return { value: null };
    const cx = context(types, rt);
    if (def.set !== undefined) {
      const rows = [...def.set(values, cx)].map((d) => (d === null ? '' : outputText(d, rt)));
      return { value: rows.length === 0 ? null : rows.join('|') };
    }
    const d = def.call!(values, cx);
    return { value: d === null ? null : outputText(d, rt) };
  } catch (e) {
    if (e instanceof SqlError) return { error: `${e.sqlstate}:${e.message}` };
    throw e;
  }
}

/** The SQL text of the same call (operators infix, SRFs aggregated in order). */
export function callSql(fn: string, kind: 'func' | 'op', args: readonly Arg[], srf = false): string {
  if (kind === 'op') return args.length === 1 ? `(${fn} ${args[0]!.sql})` : `(${args[0]!.sql} ${fn} ${args[1]!.sql})`;
  const call = `pg_catalog.${fn}(${args.map((a) => a.sql).join(', ')})`;
  if (!srf) return call;
  return `(SELECT string_agg(coalesce(format('%s', x), ''), '|' ORDER BY o) FROM ${call} WITH ORDINALITY AS t(x, o))`;
}

export interface Oracle {
  readonly db: TestDatabase;
  /** Each expression's output text (format('%s')) or its error, in one round trip. */
  run(exprs: readonly string[]): Promise<Outcome[]>;
  close(): Promise<void>;
}

export async function startOracle(prefix: string): Promise<Oracle> {
  const db = await testDatabase(prefix);
  await db.client.query(`
    CREATE FUNCTION try_eval(q text) RETURNS text LANGUAGE plpgsql AS $$
    DECLARE isnul bool; r text;
    BEGIN
      EXECUTE 'SELECT (' || q || ') IS NULL, format(''%s'', (' || q || '))' INTO isnul, r;
      RETURN CASE WHEN isnul THEN 'N' ELSE 'V' || r END;
    EXCEPTION WHEN OTHERS THEN
      RETURN 'E' || SQLSTATE || ':' || SQLERRM;
    END $$`);
  return {
    db,
    async run(exprs) {
      const out: Outcome[] = [];
      for (let i = 0; i < exprs.length; i += 2000) {
        const chunk = exprs.slice(i, i + 2000);
        const r = await db.client.query<{ r: string }>('SELECT try_eval(q) AS r FROM unnest($1::text[]) WITH ORDINALITY AS t(q, i) ORDER BY i', [chunk]);
        for (const { r: v } of r.rows) out.push(v[0] === 'N' ? { value: null } : v[0] === 'V' ? { value: v.slice(1) } : { error: v.slice(1) });
      }
      return out;
    },
    close: () => db.drop(),
  };
}

export interface Case {
  readonly fn: string;
  readonly kind?: 'func' | 'op';
  readonly args: readonly Arg[];
  readonly srf?: boolean;
}

/** Runs every case on both sides and expects identical outcomes; reports the seed with the first mismatches. */
export async function expectSame(oracle: Oracle, cases: readonly Case[], seed: number): Promise<void> {
  const sql = cases.map((c) => callSql(c.fn, c.kind ?? 'func', c.args, c.srf));
  const theirs = await oracle.run(sql);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const mine = evalMine(c.fn, c.kind ?? 'func', c.args);
    if (JSON.stringify(mine) !== JSON.stringify(theirs[i])) bad.push(`${sql[i]}\n   pg: ${JSON.stringify(theirs[i])}\n  ours: ${JSON.stringify(mine)}`);
  });
  expect(bad.slice(0, 10), `seed ${seed}: ${bad.length} of ${cases.length} differ`).toEqual([]);
}

// --- seeded inputs -------------------------------------------------------------------------------------

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ALPHABET = ['a', 'b', 'c', 'A', 'B', 'Z', 'z', '0', '9', ' ', ' ', '-', '_', '%', '.', ',', "'", '"', '\\', '\n', '\t', 'é', 'É', 'ß', '€', '\uE000', '\uFFFD', '😀', '𝔸', '{', '}', '$', '*', '(', ')', '[', ']', '|', '?', '+'];

export function randomString(r: () => number, alphabet: readonly string[] = ALPHABET, maxLen = 8): string {
  const len = Math.floor(r() * (maxLen + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)]!;
  return s;
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A fixed seed in the suite (CI reproducible); TEXT_SEED=n replays one, TEXT_SEED=random runs a fresh one. */
export function seedFromEnv(): number {
  const env = process.env.TEXT_SEED;
  return env === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(env ?? 20261203);
}
