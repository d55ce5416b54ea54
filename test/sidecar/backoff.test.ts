import { describe, expect, it } from 'vitest';
import { Backoff, classifySourceError } from '../../src/sidecar/backoff.js';

describe('Backoff', () => {
  it('doubles from the first step to the cap, each wait within ±25 %, and starts over on reset', () => {
    const low = new Backoff({ random: () => 0 });
    expect(Array.from({ length: 10 }, () => low.next())).toEqual([150, 300, 600, 1200, 2400, 4800, 9600, 19200, 22500, 22500]);
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([125, 250, 500, 1000, 1250, 1250]);
    high.reset();
    expect(high.next()).toBe(125);
  });
});

describe('classifySourceError', () => {
  it('names the problems an operator acts on', () => {
    expect(classifySourceError('publication "memstore" does not exist')).toMatchObject({
      kind: 'publication_missing',
      reason: 'publication "memstore" does not exist on the source',
    });
    expect(classifySourceError('connect ECONNREFUSED 127.0.0.1:5432').kind).toBe('source_unreachable');
    expect(classifySourceError('Connection terminated unexpectedly').kind).toBe('source_unreachable');
    expect(classifySourceError('can no longer get changes from replication slot "s"').kind).toBe('slot_lost');
    expect(classifySourceError('replication slot "s" does not exist').kind).toBe('slot_lost');
    expect(classifySourceError('something else').kind).toBe('stream_error');
  });
});
