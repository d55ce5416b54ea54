/*
 * string_agg(text, text) and string_agg(bytea, bytea) (functions/agg-text.ts) against PostgreSQL
 * 17 over seeded rows with NULL values and NULL delimiters, in a fixed order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggsNamed } from '../../../src/query/functions/registry.js';
import type { Datum } from '../../../src/query/types/datum.js';
import { typeInfo } from '../../../src/query/types/registry.js';
import { findDef, pick, randomString, rng, seedFromEnv, settings, startOracle, type Oracle } from './text-oracle.js';

let oracle: Oracle;
const seed = seedFromEnv();

beforeAll(async () => {
  oracle = await startOracle('text_agg');
  findDef('length', 'func', [25]); // loads the builtins
});
afterAll(async () => {
  await oracle.close();
});

function aggregate(type: number, rows: readonly (readonly [Datum, Datum])[]): string | null {
  const def = aggsNamed('string_agg').find((d) => d.args[0] === type)!;
  const cx = { settings, argTypes: [type, type], resultType: type, checkInterrupts: () => undefined };
  let state = def.init(cx);
  for (const row of rows) state = def.step(state, row, cx);
  const d = def.final(state, cx);
  return d === null ? null : typeInfo(type).output(d, settings);
}

describe('string_agg matches PostgreSQL', () => {
  it('text and bytea, NULL values and delimiters', async () => {
    const r = rng(seed);
    for (let g = 0; g < 40; g++) {
      const n = Math.floor(r() * 6);
      const rows = Array.from({ length: n }, () => [r() < 0.2 ? null : randomString(r, ['a', 'é', '😀', ' '], 3), pick(r, [',', '', null, '|é'])] as const);
      const pgText = await oracle.db.client.query<{ v: string | null }>(
        'SELECT string_agg(v, d ORDER BY i) AS v FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(v, d, i)',
        [rows.map((x) => x[0]), rows.map((x) => x[1])],
      );
      expect(aggregate(25, rows), `seed ${seed}`).toBe(pgText.rows[0]!.v);
      const enc = (s: string | null): Uint8Array | null => (s === null ? null : new TextEncoder().encode(s));
      const brows = rows.map(([v, d]) => [enc(v), enc(d)] as const);
      const pgBytea = await oracle.db.client.query<{ v: string | null }>(
        "SELECT string_agg(convert_to(v, 'UTF8'), convert_to(d, 'UTF8') ORDER BY i)::text AS v FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(v, d, i)",
        [rows.map((x) => x[0]), rows.map((x) => x[1])],
      );
      expect(aggregate(17, brows), `seed ${seed}`).toBe(pgBytea.rows[0]!.v);
    }
  });
});
