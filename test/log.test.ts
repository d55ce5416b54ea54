/*
 * log.ts on pino: JSON lines with level names, bigint and Error fields that survive
 * serialisation, child bindings, level filtering, and the pretty form for `npm start`.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine, silentLogger } from '../src/log.js';

function capture(options: Parameters<typeof createLogger>[0] = {}): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger({ ...options, write: (l) => lines.push(l) }) };
}

describe('createLogger (json)', () => {
  it('writes one JSON object per line with a level name, an ISO time, base fields and msg', () => {
    const { lines, log } = capture({ base: { id: 'web-1' } });
    log.info('ready', { slot: 'memstore_web_1', n: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(o).toMatchObject({ level: 'info', id: 'web-1', slot: 'memstore_web_1', n: 3, msg: 'ready' });
    expect(new Date(o.time as string).toISOString()).toBe(o.time);
    expect(lines[0]).toContain('"msg":"ready"');
    // Base fields, then the message, then the fields (a long stack does not hide the message).
    expect(lines[0]!.indexOf('"id"')).toBeLessThan(lines[0]!.indexOf('"msg"'));
    expect(lines[0]!.indexOf('"msg"')).toBeLessThan(lines[0]!.indexOf('"slot"'));
  });

  it('serialises bigint exactly (as a decimal string) and errors with their message and stack', () => {
    const { lines, log } = capture();
    const big = 2n ** 63n - 1n;
    const err = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    log.error('failed', { lsn: big, nested: { at: 5n, list: [1n, 'x'] }, error: err });
    const o = JSON.parse(lines[0]!) as { lsn: string; nested: unknown; error: { stack: string } };
    expect(o.lsn).toBe('9223372036854775807');
    expect(o.nested).toEqual({ at: '5', list: ['1', 'x'] });
    expect(o.error).toMatchObject({ name: 'Error', message: 'connection refused', code: 'ECONNREFUSED' });
    expect(o.error.stack).toContain('connection refused');
  });

  it('filters by level and carries child bindings', () => {
    const { lines, log } = capture({ level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.child({ component: 'pgwire', since: 7n }).error('e', { processId: 3 });
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['w', 'e']);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'error', component: 'pgwire', since: '7', processId: 3 });
    const { lines: debugLines, log: debugLog } = capture({ level: 'debug' });
    debugLog.debug('applied transaction', { commit_lsn: '0/16B3748' });
    expect(JSON.parse(debugLines[0]!)).toMatchObject({ level: 'debug', msg: 'applied transaction' });
  });

  it('silentLogger writes nothing and its children are silent too', () => {
    const writes: unknown[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: unknown) => (writes.push(chunk), true);
    try {
      silentLogger.error('nothing');
      silentLogger.child({ a: 1 }).warn('nothing');
    } finally {
      process.stderr.write = orig;
    }
    expect(writes).toEqual([]);
  });
});

describe('pretty format', () => {
  it('prints time, level, message and fields on one line', () => {
    const { lines, log } = capture({ format: 'pretty', base: { id: 'a' } });
    log.warn('replication connection lost; reconnecting', { error: 'terminated', applied: '0/1', lag: 12n });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}replication connection lost; reconnecting {2}id=a error=terminated applied=0\/1 lag=12$/);
  });

  it('formats objects as JSON and leaves a line that is not JSON alone', () => {
    expect(prettyLine('{"level":"info","time":"2026-01-02T03:04:05.678Z","msg":"applied","tables":{"public.kv":1}}\n')).toBe(
      '03:04:05.678 INFO  applied  tables={"public.kv":1}',
    );
    expect(prettyLine('not json\n')).toBe('not json');
  });
});
