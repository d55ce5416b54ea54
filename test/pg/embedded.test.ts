import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { serverUrl } from '../support/pg.js';

describe('the test run PostgreSQL', () => {
  it('is PostgreSQL 17 with logical decoding enabled', async () => {
    const c = new pg.Client({ connectionString: serverUrl() });
    await c.connect();
    try {
      const v = await c.query<{ server_version_num: string }>('SHOW server_version_num');
      expect(Number(v.rows[0]!.server_version_num)).toBeGreaterThanOrEqual(170000);
      expect(Number(v.rows[0]!.server_version_num)).toBeLessThan(180000);
      const w = await c.query<{ wal_level: string }>('SHOW wal_level');
      expect(w.rows[0]!.wal_level).toBe('logical');
    } finally {
      await c.end();
    }
  });
});
