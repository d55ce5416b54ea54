import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, slotNameFor, type Config } from '../../src/cli/config.js';

const parse = (argv: string[], env: Record<string, string> = {}): Config => {
  const c = parseConfig(argv, env);
  if (c === 'help') throw new Error('help');
  return c;
};

describe('command line and environment', () => {
  it('has the defaults of DESIGN.md', () => {
    const c = parse([], {});
    expect(c.source).toBeUndefined();
    expect(c.publication).toBe('memstore');
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 6433 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9433 });
    expect(c.dataDir.endsWith('.memstore')).toBe(true);
    expect(c.snapshotInterval).toBe(60);
    expect(c.slot).toBe(slotNameFor(c.id));
  });

  it('takes every setting from the environment, and a flag wins over it', () => {
    const env = {
      MEMSTORE_SOURCE: 'postgres://env/db',
      MEMSTORE_PUBLICATION: 'envpub',
      MEMSTORE_ID: 'Web-1.example',
      MEMSTORE_LISTEN: '0.0.0.0:7000',
      MEMSTORE_HTTP: '[::1]:7001',
      MEMSTORE_DATA_DIR: '/var/lib/memstore',
      MEMSTORE_SNAPSHOT_INTERVAL: '0',
      // 0.0.0.0 without a password is refused unless trust is asked for (test/cli/access.test.ts).
      MEMSTORE_ALLOW_TRUST: 'true',
    };
    const c = parse([], env);
    expect(c).toMatchObject({
      source: 'postgres://env/db',
      publication: 'envpub',
      id: 'Web-1.example',
      slot: 'memstore_web_1_example',
      listen: { host: '0.0.0.0', port: 7000 },
      http: { host: '::1', port: 7001 },
      dataDir: '/var/lib/memstore',
      snapshotInterval: 0,
    });
    const f = parse(['--source', 'postgres://flag/db', '--slot', 'mine', '--snapshot-interval=5'], env);
    expect(f.source).toBe('postgres://flag/db');
    expect(f.slot).toBe('mine');
    expect(f.snapshotInterval).toBe(5);
  });

  it('refuses bad values with a message naming the setting', () => {
    expect(() => parse(['--listen', 'nohost'])).toThrow(ConfigError);
    expect(() => parse(['--listen', 'nohost'])).toThrow(/--listen must be HOST:PORT/);
    expect(() => parse(['--snapshot-interval', '-1'])).toThrow(/--snapshot-interval/);
    expect(() => parse(['--slot', 'Bad-Name'])).toThrow(/not a valid slot name/);
    expect(() => parse(['--no-such-flag'])).toThrow(/Unknown option/);
  });

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help');
  });
});
