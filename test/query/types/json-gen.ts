/*
 * Seeded random JSON documents and arrays for the differential tests of the jsonb family, and the
 * helpers that run one expression on PostgreSQL 17 and on memstore and describe the outcome the
 * same way (text, or SQLSTATE).
 */
import type pg from 'pg';
import { SqlError } from '../../../src/errors.js';

/** mulberry32: small, seeded, reproducible. */
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

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

const NUMBERS = ['0', '-0', '1', '-1', '1.0', '1.50', '1e2', '1E+2', '1e-2', '-0.0', '2.5e1', '0.001', '123456789012345678901234567890', '-3.14159', '7', '10', '1.5e+3', '12e-1'];
const STRINGS = ['', 'a', 'b', 'ab', 'A', 'key', 'é', 'ü😀', 'a b', 'x"y', 'back\\slash', 'new\nline', 'tab\there', 'ctl\u0001', 'NULL', 'null', '{}', '[1]', 'aa', 'ba', '\u00ff', '\uffee', '😀'];

function jsonString(r: () => number, s: string): string {
  // Sometimes spell characters as \u escapes, as clients do.
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20) out += c === 10 ? '\\n' : c === 9 ? '\\t' : '\\u' + c.toString(16).padStart(4, '0');
    else if (c > 0x7f && r() < 0.3) {
      for (const unit of String.fromCodePoint(c).split('')) out += '\\u' + unit.charCodeAt(0).toString(16).padStart(4, '0');
    } else if (ch === '/' && r() < 0.5) out += '\\/';
    else out += ch;
  }
  return out + '"';
}

function ws(r: () => number): string {
  return r() < 0.7 ? '' : pick(r, [' ', '  ', '\n', '\t', ' \r\n']);
}

/** A random JSON text (duplicated keys, nesting, unicode, numbers in several spellings). */
export function randomJson(r: () => number, depth = 0): string {
  const k = r();
  if (depth > 3 || k < 0.45) {
    const s = r();
    if (s < 0.1) return 'null';
    if (s < 0.2) return r() < 0.5 ? 'true' : 'false';
    if (s < 0.55) return r() < 0.5 ? pick(r, NUMBERS) : String(Math.floor(r() * 2000) - 1000);
    return jsonString(r, pick(r, STRINGS));
  }
  const n = Math.floor(r() * 5);
  const parts: string[] = [];
  if (k < 0.7) {
    for (let i = 0; i < n; i++) parts.push(ws(r) + randomJson(r, depth + 1) + ws(r));
    return '[' + parts.join(',') + ']';
  }
  for (let i = 0; i < n; i++) parts.push(ws(r) + jsonString(r, pick(r, STRINGS)) + ws(r) + ':' + ws(r) + randomJson(r, depth + 1));
  return '{' + parts.join(',') + ws(r) + '}';
}

export type Outcome = { text: string | null } | { code: string };

export function outcome(fn: () => string | null): Outcome {
  try {
    return { text: fn() };
  } catch (e) {
    if (e instanceof SqlError) return { code: e.sqlstate };
    throw e;
  }
}

/** Runs one statement returning one column of one row as PostgreSQL prints it. */
export async function pgOutcome(client: pg.Client, sql: string, params: unknown[] = []): Promise<Outcome> {
  try {
    const res = await client.query({ text: sql, values: params, types: { getTypeParser: () => (v: string) => v } });
    const v = res.rows[0] ? (Object.values(res.rows[0] as object)[0] as string | null) : null;
    return { text: v };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}

/** All rows of the one column (set-returning functions). */
export async function pgRows(client: pg.Client, sql: string, params: unknown[] = []): Promise<Outcome> {
  try {
    const res = await client.query({ text: sql, values: params, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
    return { text: JSON.stringify(res.rows) };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}
