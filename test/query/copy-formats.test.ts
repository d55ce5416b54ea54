/*
 * COPY … TO STDOUT in text, CSV and binary with PostgreSQL's options (issue #15: "COPY CSV
 * HEADER"; psql's \copy, pgAdmin's and DBeaver's exports). Each statement runs on the primary and
 * on the sidecar over the raw protocol, and the transcripts are compared message by message:
 * CopyOutResponse (formats), every CopyData chunk's bytes, the command tag, and errors with their
 * SQLSTATE, message and position. Nothing is compared with typed values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorFields, RawClient, type Message } from '../pgwire/support/raw-client.js';
import { serialize } from 'pg-protocol';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let primary: RawClient;
let sidecar: RawClient;

const SETUP = `
CREATE TABLE t (id int PRIMARY KEY, name text, note text, n numeric, at timestamptz, ok bool, b bytea, j jsonb, f float8, d date, u uuid);
INSERT INTO t VALUES
  (1, 'plain', NULL, 1.50, '2024-01-02 03:04:05+00', true, '\\x00ff', '{"a": [1, "x,y"]}', 0.1, '2024-02-29', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, 'comma, here', 'quote " here', -0.001, '1999-12-31 23:59:59.999999+00', false, '\\x', '"s"', -1e300, '0001-01-01 BC', NULL),
  (3, E'tab\\there', E'new\\nline', NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL),
  (4, E'back\\\\slash', '\\.', 'NaN', 'infinity', true, '\\x5c2e', 'null', '-Infinity', 'infinity', NULL),
  (5, '', ' ', 0, '-infinity', false, '\\x0d0a', '[]', 0, '-infinity', NULL),
  (6, 'é ü 日本', E'cr\\rhere', 123456789.123456789, '2024-06-01 12:00:00+00', true, '\\xdeadbeef', '{"k": "é"}', 1.5, '2024-06-01', NULL),
  (7, 'semi;colon|pipe', 'x', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (8, '\\N', 'NUL', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE one (v text PRIMARY KEY);
INSERT INTO one VALUES (''), ('"q"'), ('\\.'), ('a');
`;

beforeAll(async () => {
  h = await startHarness('copyfmt', SETUP);
  await h.caughtUp();
  primary = await RawClient.connectUrl(h.db.url);
  sidecar = await RawClient.connect(h.port, { database: h.db.name });
}, 120_000);

afterAll(async () => {
  primary?.end();
  sidecar?.end();
  await h?.close();
});

function line(m: Message): string {
  switch (m.code) {
    case 'E': {
      const f = errorFields(m);
      return `E ${f.C} ${f.M} @${f.P ?? '-'}`;
    }
    case 'H':
    case 'd':
      return `${m.code} ${m.body.toString('hex')}`;
    case 'C':
      return `C ${m.body.toString('utf8')}`;
    default:
      return m.code;
  }
}

async function run(c: RawClient, sql: string): Promise<string[]> {
  c.send(serialize.query(sql));
  return (await c.until('Z')).map(line);
}

const CASES: readonly string[] = [
  // text
  'COPY t TO STDOUT',
  'COPY t TO STDOUT (FORMAT text, HEADER)',
  "COPY t TO STDOUT (DELIMITER '|', NULL 'NUL')",
  "COPY t (id, name, note) TO STDOUT (DELIMITER ';', HEADER true)",
  "COPY t (id, name) TO STDOUT WITH DELIMITER E'\\x01'",
  "COPY (SELECT id, name AS \"h|x\", note FROM t ORDER BY id) TO STDOUT (DELIMITER '|', HEADER)",
  // csv
  'COPY t TO STDOUT (FORMAT csv)',
  'COPY t TO STDOUT (FORMAT csv, HEADER)',
  'COPY t TO STDOUT WITH CSV HEADER',
  'COPY t TO STDOUT WITH CSV HEADER FORCE QUOTE *',
  "COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (name, n), NULL 'NUL')",
  "COPY t TO STDOUT (FORMAT csv, DELIMITER ';', QUOTE '''', ESCAPE '\\')",
  "COPY t TO STDOUT (FORMAT csv, DELIMITER E'\\t', NULL '\\N')",
  "COPY t TO STDOUT (FORMAT csv, DELIMITER 'a')",
  'COPY one TO STDOUT (FORMAT csv)',
  'COPY one TO STDOUT (FORMAT csv, HEADER)',
  "COPY (SELECT v, 1 AS \"a,b\" FROM one ORDER BY v) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE (\"a,b\"))",
  'COPY (SELECT 1 a, 2 a) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE (a))',
  'COPY (SELECT id FROM t WHERE false) TO STDOUT (FORMAT csv, HEADER)',
  "COPY t TO STDOUT (FORMAT csv, ENCODING 'utf-8')",
  "COPY t TO STDOUT (FORMAT csv, HEADER 'on', LOG_VERBOSITY default)",
  // binary (the types the sidecar converts)
  'COPY (SELECT id, name, ok, b, j, f, d, u, at FROM t ORDER BY id) TO STDOUT (FORMAT binary)',
  'COPY (SELECT id FROM t WHERE false) TO STDOUT (FORMAT binary)',
  'COPY (SELECT id, name FROM t WHERE id = 1) TO STDOUT WITH BINARY',
  // errors, as PostgreSQL raises them
  'COPY t TO STDOUT (FORMAT xml)',
  'COPY t TO STDOUT (FORMAT csv, FORMAT csv)',
  'COPY t TO STDOUT (HEADER, HEADER false)',
  "COPY t TO STDOUT (DELIMITER ',', DELIMITER ';')",
  'COPY t TO STDOUT (FORMAT csv, FORMAT)',
  "COPY t TO STDOUT (FORCE_QUOTE *, FORMAT csv, FORCE_QUOTE (id))",
  "COPY t TO STDOUT (ENCODING 'utf8', ENCODING 'nope')",
  'COPY t TO STDOUT (bogus 1)',
  'COPY t TO STDOUT (FORMAT csv, HEADER match)',
  'COPY t TO STDOUT (FORMAT csv, HEADER 2)',
  'COPY t TO STDOUT (FORMAT binary, HEADER)',
  "COPY t TO STDOUT (FORMAT binary, NULL 'x')",
  "COPY t TO STDOUT (FORMAT binary, DELIMITER ',')",
  "COPY t TO STDOUT (DELIMITER ',,')",
  "COPY t TO STDOUT (DELIMITER 'é')",
  "COPY t TO STDOUT (DELIMITER '\\')",
  "COPY t TO STDOUT (DELIMITER '.')",
  "COPY t TO STDOUT (DELIMITER 'x')",
  "COPY t TO STDOUT (DELIMITER E'\\n')",
  "COPY t TO STDOUT (NULL E'a\\rb')",
  "COPY t TO STDOUT (QUOTE '\"')",
  "COPY t TO STDOUT (ESCAPE '\"')",
  "COPY t TO STDOUT (FORMAT csv, QUOTE 'ab')",
  "COPY t TO STDOUT (FORMAT csv, ESCAPE '')",
  "COPY t TO STDOUT (FORMAT csv, DELIMITER '\"')",
  'COPY t TO STDOUT (FORCE_QUOTE (id))',
  'COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE id)',
  'COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (nope))',
  'COPY t (id) TO STDOUT (FORMAT csv, FORCE_QUOTE (name))',
  'COPY (SELECT 1 a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))',
  'COPY t TO STDOUT (FORMAT csv, FORCE_NOT_NULL (id))',
  'COPY t TO STDOUT (FORCE_NULL (id))',
  "COPY t TO STDOUT (FORMAT csv, NULL 'a,b')",
  "COPY t TO STDOUT (FORMAT csv, NULL 'a\"b')",
  "COPY t TO STDOUT (ENCODING 'nope')",
  'COPY t TO STDOUT (FREEZE)',
  'COPY t TO STDOUT (FREEZE false)',
  "COPY t TO STDOUT (DEFAULT 'x')",
  'COPY t TO STDOUT (ON_ERROR ignore)',
  'COPY t TO STDOUT (ON_ERROR)',
  'COPY t TO STDOUT (FORMAT)',
  'COPY t TO STDOUT (LOG_VERBOSITY silent)',
  'COPY nosuch TO STDOUT (FORMAT xml)',
  'COPY nosuch TO STDOUT',
  'COPY t (id, nope) TO STDOUT',
  'COPY t (id, id) TO STDOUT',
  'COPY (SELECT * FROM nosuch) TO STDOUT (FORMAT xml)',
];

describe('COPY TO STDOUT formats and options', () => {
  it('sends what PostgreSQL sends, message by message', async () => {
    const bad: string[] = [];
    for (const sql of CASES) {
      const [p, s] = [await run(primary, sql), await run(sidecar, sql)];
      if (JSON.stringify(p) !== JSON.stringify(s)) bad.push(`${sql}\n  primary: ${p.join(' | ').slice(0, 600)}\n  sidecar: ${s.join(' | ').slice(0, 600)}`);
    }
    expect(bad).toEqual([]);
  });

  it('refuses an ENCODING it cannot convert to, loudly', async () => {
    const s = await run(sidecar, "COPY t TO STDOUT (ENCODING 'LATIN1')");
    expect(s[0]).toMatch(/^E 0A000 .*LATIN1/);
  });
});
