/*
 * The operations settings (readiness limits, sibling-slot check, failover slot): defaults, from
 * the environment, flags win, bad values exit 2 (ConfigError). Every setting documented in the
 * README's option table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SETTINGS, usage, type Config } from '../../src/cli/config.js';

const parse = (argv: string[], env: Record<string, string> = {}): Config => {
  const c = parseConfig(argv, env);
  if (c === 'help') throw new Error('help');
  return c;
};

describe('operations settings', () => {
  it('have defaults: 16 MiB lag, 3 dump failures, a slot check every 60 s warning after 1 h, no failover slot', () => {
    expect(parse([])).toMatchObject({ readyMaxLagBytes: 16 * 1024 * 1024, readyMaxDumpFailures: 3, slotCheckInterval: 60, inactiveSlotWarn: 3600, failoverSlot: false });
  });

  it('come from the environment, and flags win', () => {
    const env = {
      MEMSTORE_READY_MAX_LAG_BYTES: '1000',
      MEMSTORE_READY_MAX_DUMP_FAILURES: '5',
      MEMSTORE_SLOT_CHECK_INTERVAL: '0',
      MEMSTORE_INACTIVE_SLOT_WARN: '1.5',
      MEMSTORE_FAILOVER_SLOT: '1',
    };
    expect(parse([], env)).toMatchObject({ readyMaxLagBytes: 1000, readyMaxDumpFailures: 5, slotCheckInterval: 0, inactiveSlotWarn: 1.5, failoverSlot: true });
    expect(parse(['--ready-max-lag-bytes', '7', '--inactive-slot-warn', '60'], env)).toMatchObject({ readyMaxLagBytes: 7, inactiveSlotWarn: 60 });
    expect(parse(['--failover-slot'])).toMatchObject({ failoverSlot: true });
    expect(parse([], { MEMSTORE_FAILOVER_SLOT: 'off' })).toMatchObject({ failoverSlot: false });
  });

  it('refuse bad values', () => {
    expect(() => parse(['--ready-max-lag-bytes', '-1'])).toThrow(ConfigError);
    expect(() => parse(['--ready-max-lag-bytes', '1.5'])).toThrow(/--ready-max-lag-bytes must be a whole number ≥ 0/);
    expect(() => parse(['--ready-max-dump-failures', '0'])).toThrow(/≥ 1/);
    expect(() => parse(['--slot-check-interval', 'soon'])).toThrow(/--slot-check-interval must be a number ≥ 0/);
    expect(() => parse([], { MEMSTORE_FAILOVER_SLOT: 'maybe' })).toThrow(/MEMSTORE_FAILOVER_SLOT must be true or false/);
    expect(() => parse(['--failover-slot=yes'])).toThrow(ConfigError);
  });

  it('are in --help and in the README option table, like every setting', () => {
    const help = usage();
    const readme = readFileSync('README.md', 'utf8');
    const settings = Object.values(SETTINGS);
    expect(settings.filter((s) => !help.includes(`--${s.flag}`)).map((s) => s.flag)).toEqual([]);
    const undocumented = settings.filter((s) => !new RegExp(`\\| \`--${s.flag}[ \`].*\\| \`${s.env}\` \\|`).test(readme));
    expect(undocumented.map((s) => `--${s.flag} / ${s.env}`), 'rows missing from the README option table').toEqual([]);
  });
});
