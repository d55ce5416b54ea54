/*
 * The SQLSTATE table is generated from PostgreSQL's errcodes.txt and committed: it must be what
 * the generator makes of the committed source file.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isKnownSqlState, SQLSTATE, sqlStateName } from '../../src/pgwire/sqlstate.js';

const run = promisify(execFile);

describe('sqlstate.ts', () => {
  it('is up to date with errcodes.txt (scripts/gen-sqlstate.ts --check)', async () => {
    await run(process.execPath, ['--import', 'tsx', 'scripts/gen-sqlstate.ts', '--check'], { timeout: 30_000 });
  });

  it('has every code of errcodes.txt and the names the protocol layer uses', () => {
    const codes = readFileSync('src/pgwire/errcodes.txt', 'utf8')
      .split('\n')
      .map((l) => /^([0-9A-Z]{5})\s/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    expect(codes.length).toBeGreaterThan(250);
    for (const c of codes) expect(Object.values(SQLSTATE)).toContain(c);
    expect(SQLSTATE.protocol_violation).toBe('08P01');
    expect(SQLSTATE.too_many_connections).toBe('53300');
    expect(SQLSTATE.query_canceled).toBe('57014');
    expect(SQLSTATE.invalid_password).toBe('28P01');
    expect(SQLSTATE.undefined_pstatement).toBe('26000');
    expect(SQLSTATE.transaction_timeout).toBe('25P04');
    expect(sqlStateName('08P01')).toBe('protocol_violation');
    expect(sqlStateName('2202E')).toBe('array_subscript_error');
    expect(isKnownSqlState('XX000')).toBe(true);
    expect(isKnownSqlState('ZZ999')).toBe(false);
  });
});
