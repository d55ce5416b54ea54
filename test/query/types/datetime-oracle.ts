/*
 * The PostgreSQL 17 oracle for the datetime tests: runs an expression per input under given
 * session settings and returns the text PostgreSQL prints, or the error's SQLSTATE and message.
 */
import pg from 'pg';
import { ensureBuiltins } from '../../../src/query/builtins.js';
import { funcsNamed, type CallContext } from '../../../src/query/functions/registry.js';
import { DEFAULT_OUTPUT, type Datum, type NumericValue, type OutputSettings } from '../../../src/query/types/datum.js';
import { findCast, typeInfo, type EvalSettings } from '../../../src/query/types/registry.js';

export type Outcome = { ok: string | null } | { err: string; message: string };

export interface Session extends OutputSettings {
  /** now() on the server, µs since 2000 (so 'now' inputs agree). */
  readonly transactionStart: bigint;
}

/** A seeded PRNG (mulberry32): the seed is printed by the tests on a mismatch. */
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

export function settingsSql(s: OutputSettings): string {
  return `SET TimeZone = '${s.timeZone}'; SET DateStyle = '${s.dateStyle}, ${s.dateOrder}'; SET IntervalStyle = '${s.intervalStyle}'`;
}

export class Oracle {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<Oracle> {
    const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
    return new Oracle(client);
  }

  async set(s: OutputSettings): Promise<void> {
    await this.client.query(settingsSql(s));
  }

  /** Runs `sql` (with $1 = the input text) for each input, pipelined, under the current settings. */
  async each(sql: string, inputs: readonly (string | null)[]): Promise<Outcome[]> {
    return Promise.all(
      inputs.map(async (i) => {
        try {
          const r = await this.client.query<{ v: string | null }>({ text: sql, values: [i] });
          return { ok: r.rows[0]!.v };
        } catch (e) {
          const err = e as { code?: string; message: string };
          return { err: err.code ?? '?', message: err.message };
        }
      }),
    );
  }

  /** Runs each case's SQL (parameters as text) pipelined; returns the outcomes in order. */
  async run(cases: readonly { sql: string; params: readonly (string | null)[] }[]): Promise<Outcome[]> {
    return Promise.all(
      cases.map(async (c) => {
        try {
          const r = await this.client.query<{ v: string | null }>({ text: c.sql, values: [...c.params] });
          return { ok: r.rows[0]!.v };
        } catch (e) {
          const err = e as { code?: string; message: string };
          return { err: err.code ?? '?', message: err.message };
        }
      }),
    );
  }

  async value(sql: string): Promise<string | null> {
    const r = await this.client.query<{ v: string | null }>(sql);
    return r.rows[0]!.v;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Runs a local implementation the way the oracle reports outcomes. */
export function local(f: () => string | null): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    const err = e as { sqlstate?: string; message: string };
    if (err.sqlstate === undefined) throw e;
    return { err: err.sqlstate, message: err.message };
  }
}

export function evalSettings(s: OutputSettings, transactionStart = 0n): EvalSettings {
  return { ...DEFAULT_OUTPUT, ...s, transactionStart, statementStart: transactionStart };
}

const SQL_NAMES: Record<number, string> = { 16: 'boolean', 23: 'integer', 20: 'bigint', 701: 'double precision', 25: 'text', 1700: 'numeric', 1082: 'date', 1083: 'time', 1266: 'timetz', 1114: 'timestamp', 1184: 'timestamptz', 1186: 'interval' };

/** SQL type name for casts in oracle queries. */
export const sqlType = (oid: number): string => SQL_NAMES[oid] ?? String(oid);

function inputOf(oid: number, text: string, s: EvalSettings): Datum {
  switch (oid) {
    case 23:
    case 701:
      return Number(text);
    case 25:
      return text;
    default:
      return typeInfo(oid).input(text, -1, s);
  }
}

function outputOf(oid: number, d: Datum, s: EvalSettings): string {
  switch (oid) {
    case 16:
      return d === true ? 'true' : 'false'; // bool::text
    case 23:
      return (d as number).toString();
    case 701: {
      const x = d as number;
      return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? '-0' : String(x).replace('e+', 'e+');
    }
    case 1700: {
      const n = d as NumericValue;
      if (!n.d.isFinite()) return n.d.isNaN() ? 'NaN' : n.d.isNeg() ? '-Infinity' : 'Infinity';
      return n.d.toFixed(n.dscale);
    }
    default:
      return typeInfo(oid).output(d, s);
  }
}

/** Evaluates a registered function or operator on argument texts, as the executor would. */
export function callText(name: string, kind: 'func' | 'op', argTypes: readonly number[], args: readonly (string | null)[], s: EvalSettings): Outcome {
  ensureBuiltins();
  const def = funcsNamed(name, kind).find((d) => d.args.length >= argTypes.length && d.args.length - (d.optional ?? 0) <= argTypes.length && argTypes.every((t, i) => d.args[i] === t));
  if (def === undefined) throw new Error(`no ${kind} ${name}(${argTypes.join(',')})`);
  const cx: CallContext = { settings: s, argTypes, resultType: typeof def.returns === 'number' ? def.returns : def.returns(argTypes), checkInterrupts: () => undefined };
  return local(() => {
    const vals = args.map((a, i) => (a === null ? null : inputOf(argTypes[i]!, a, s)));
    if (def.strict && vals.some((v) => v === null)) return null;
    const r = def.call!(vals, cx);
    return r === null ? null : outputOf(cx.resultType, r, s);
  });
}

/** Applies a registered cast (source text → target text). */
export function castText(source: number, target: number, arg: string, s: EvalSettings): Outcome {
  ensureBuiltins();
  const c = findCast(source, target);
  if (c === undefined) throw new Error(`no cast ${source} → ${target}`);
  return local(() => {
    const r = c.convert(inputOf(source, arg, s), s);
    return r === null ? null : outputOf(target, r, s);
  });
}

export interface Case {
  readonly label: string;
  readonly sql: string;
  readonly params: readonly (string | null)[];
  readonly mine: () => Outcome;
}

/** Runs the cases on the server and locally; returns one line per mismatch. */
export async function mismatches(oracle: Oracle, cases: readonly Case[]): Promise<string[]> {
  const theirs = await oracle.run(cases);
  const out: string[] = [];
  cases.forEach((c, i) => {
    const a = JSON.stringify(theirs[i]);
    const b = JSON.stringify(c.mine());
    if (a !== b && !historicalAbbrev(theirs[i]!, c.mine())) out.push(`${c.label} [${c.params.join(' | ')}]\n    pg:   ${a}\n    mine: ${b}`);
  });
  return out;
}

export function label(s: OutputSettings): string {
  return `${s.timeZone} ${s.dateStyle}/${s.dateOrder} ${s.intervalStyle}`;
}

/**
 * A known limitation, tolerated: before 1970 ICU has no historical zone abbreviations (WET in
 * 1920s Paris, PMT, EWT), so non-ISO DateStyles may print another name for the same offset.
 */
function historicalAbbrev(a: Outcome, b: Outcome): boolean {
  if (!('ok' in a) || !('ok' in b) || a.ok === null || b.ok === null) return false;
  const strip = (t: string): string => t.replace(/ BC$/, '').replace(/ \S+$/, '');
  let year: number | undefined;
  for (const tok of a.ok.split(' ')) {
    const m = /^(\d{4,})$/.exec(tok) ?? /^\d\d[/.-]\d\d[/.-](\d{4,})$/.exec(tok) ?? /^(\d{4,})-\d\d-\d\d$/.exec(tok);
    if (m !== null) year = Number(m[1]);
  }
  return strip(a.ok) === strip(b.ok) && year !== undefined && year < 1970;
}
