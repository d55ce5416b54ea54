/*
 * --bootstrap-from / MEMSTORE_BOOTSTRAP_FROM: a peer sidecar's postgres:// URL; anything else is
 * a configuration error (exit 2), caught before a slot is made.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, usage, type Config } from '../../src/cli/config.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}): Config => parseConfig(argv, env) as Config;

describe('--bootstrap-from', () => {
  it('is absent by default, read from the flag or the environment, the flag winning', () => {
    expect(parse([]).bootstrapFrom).toBeUndefined();
    expect(parse([], { MEMSTORE_BOOTSTRAP_FROM: 'postgres://memstore@peer:6433/app' }).bootstrapFrom).toBe('postgres://memstore@peer:6433/app');
    expect(parse(['--bootstrap-from', 'postgresql://a:6434/x'], { MEMSTORE_BOOTSTRAP_FROM: 'postgres://b:6433/y' }).bootstrapFrom).toBe('postgresql://a:6434/x');
    expect(usage()).toContain('--bootstrap-from');
  });

  it('refuses what is not a postgres:// URL', () => {
    expect(() => parse(['--bootstrap-from', 'peer:6433'])).toThrow(ConfigError);
    expect(() => parse(['--bootstrap-from', 'http://peer:6433/'])).toThrow(/--bootstrap-from must be a postgres:\/\/ URL/);
  });
});
