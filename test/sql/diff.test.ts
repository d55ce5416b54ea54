/*
 * The verdicts of test/support/diff.ts on hand-made answers: what counts as the same answer, what
 * is UNSUPPORTED and what is a MISMATCH (the corpus files rely on these rules).
 */
import { describe, expect, it } from 'vitest';
import { compareAnswers, judge, type Answer } from '../support/diff.js';

const rows = (...r: (string | null)[][]): Answer => ({ fields: [{ name: 'x', type: 23 }], rows: r, command: 'SELECT', rowCount: r.length });
const err = (code: string): Answer => ({ error: { code, message: code } });

describe('diff verdicts', () => {
  it('compares rows in order only when ordered', () => {
    expect(compareAnswers(rows(['1'], ['2']), rows(['2'], ['1']), false)).toBeUndefined();
    expect(compareAnswers(rows(['1'], ['2']), rows(['2'], ['1']), true)).toMatch(/row 0 differs/);
    expect(compareAnswers(rows(['1'], ['1']), rows(['1']), false)).toMatch(/row count/);
    expect(compareAnswers(rows([null]), rows(['']), false)).toMatch(/differs/);
  });

  it('compares column names and type OIDs', () => {
    expect(compareAnswers(rows(['1']), { ...rows(['1']), fields: [{ name: 'x', type: 20 }] }, true)).toMatch(/columns differ/);
    expect(compareAnswers(rows(['1']), { ...rows(['1']), fields: [{ name: 'y', type: 23 }] }, true)).toMatch(/columns differ/);
  });

  it('0A000 from the sidecar is UNSUPPORTED, any other difference a MISMATCH', () => {
    expect(judge(rows(['1']), err('0A000'), true, undefined).verdict).toBe('UNSUPPORTED');
    expect(judge(err('22012'), err('0A000'), true, '22012').verdict).toBe('UNSUPPORTED');
    expect(judge(rows(['1']), err('42883'), true, undefined).verdict).toBe('MISMATCH');
    expect(judge(err('22012'), rows(['1']), true, '22012').verdict).toBe('MISMATCH');
    expect(judge(err('22012'), err('22003'), true, '22012').verdict).toBe('MISMATCH');
    expect(judge(err('22012'), err('22012'), true, '22012').verdict).toBe('OK');
    expect(judge(rows(['1']), rows(['1']), true, undefined).verdict).toBe('OK');
  });

  it('a corpus query PostgreSQL refuses unexpectedly is PG_ERROR', () => {
    expect(judge(err('42601'), err('42601'), true, undefined).verdict).toBe('PG_ERROR');
    expect(judge(err('22003'), err('22003'), true, '22012').verdict).toBe('PG_ERROR');
    expect(judge(rows(['1']), rows(['1']), true, '22012').verdict).toBe('PG_ERROR');
  });
});
