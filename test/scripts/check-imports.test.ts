import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALLOWED, checkImports, type Layer } from '../../scripts/check-imports.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

describe('check-imports', () => {
  it('src/ follows the layers, and every known exception still occurs', () => {
    const r = checkImports(src);
    expect(r.violations).toEqual([]);
    expect(r.staleExceptions).toEqual([]);
    expect(r.edges.length).toBeGreaterThan(100);
  });

  it('the allowed imports form no cycle between layers', () => {
    const seen = new Set<Layer>();
    const visit = (l: Layer, trail: Layer[]): void => {
      expect(trail, `cycle ${[...trail, l].join(' → ')}`).not.toContain(l);
      if (seen.has(l)) return;
      for (const next of ALLOWED[l]) visit(next, [...trail, l]);
      seen.add(l);
    };
    for (const l of Object.keys(ALLOWED) as Layer[]) visit(l, []);
  });

  describe('on a tree that breaks the rules', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-imports-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (rel: string, text: string): void => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    file('lsn.ts', 'export type Lsn = bigint;\n');
    file('pg/relation.ts', "import type { Lsn } from '../lsn.js';\nexport type R = Lsn;\n");
    file('store/store.ts', "import type { Lsn } from '../lsn.js';\nimport type { A } from '../apply/applier.js';\nexport type S = [Lsn, A];\n");
    file('apply/applier.ts', "import type { S } from '../store/store.js';\nexport type A = S;\n");
    file('decode/pgoutput.ts', "export const f = () => import('../store/store.js');\n");
    file('extra/x.ts', "export * from '../store/store.js';\n");

    it('names each forbidden edge, unknown directories and stale exceptions', () => {
      const r = checkImports(dir, new Map([['query/copy.ts → decode/copy-text.ts', 'gone']]));
      expect(r.violations).toEqual([
        'decode/pgoutput.ts → store/store.ts: decode/ may not import store/ (allowed: shared)',
        'store/store.ts → apply/applier.ts: store/ may not import apply/ (allowed: shared)',
        'src/extra/ has no layer in scripts/check-imports.ts',
      ]);
      expect(r.staleExceptions).toEqual(['query/copy.ts → decode/copy-text.ts']);
    });

    it('lets a listed exception through', () => {
      const r = checkImports(dir, new Map([['store/store.ts → apply/applier.ts', 'test']]));
      expect(r.violations).not.toContain('store/store.ts → apply/applier.ts: store/ may not import apply/ (allowed: shared)');
      expect(r.staleExceptions).toEqual([]);
    });
  });
});
