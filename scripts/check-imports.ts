/*
 * check-imports.ts — fails when a module in src/ imports from a layer it must not depend on.
 *
 * DESIGN.md's data flow is replication → decode → apply → store, with query and pgwire reading
 * the store, snapshot reading and writing it, and sidecar / cli wiring everything. Imports do not
 * follow the arrows literally: the store is passive (apply writes it, so apply imports store, not
 * the other way), and pgwire is the protocol server whose Engine seam query implements (query
 * imports pgwire, never the reverse). ALLOWED below is that picture as import rules: a layer may
 * import from itself, from the shared leaf modules, and from the layers listed for it. The rules
 * form a DAG, so no cycle between layers can come back unnoticed.
 *
 * Run: npx tsx scripts/check-imports.ts   (also part of `npm run lint`; exit 1 on a violation)
 *
 * Every relative import of src/**\/*.ts counts, `import type` included (a type-only edge is still
 * a dependency of the design), as do `export … from` and dynamic `import()`. Package imports are
 * not checked. A new directory under src/ fails until it is given a layer here.
 *
 * Known exceptions are single file → file edges that break the picture today and are listed with
 * the reason; an exception that no longer occurs fails too, so the list only shrinks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export type Layer = 'shared' | 'store' | 'decode' | 'replication' | 'apply' | 'pgwire' | 'catalog' | 'query' | 'snapshot' | 'sidecar' | 'cli';

/** What each layer may import besides itself and `shared`. */
export const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = {
  // src/*.ts (lsn, bytes, errors, log, version) and src/pg/ (types, time, relation model, row
  // format, embedded server): PostgreSQL and process knowledge every layer uses.
  shared: [],
  // Passive: trees, key codec, rows, relation catalog, memstore keys. Written by apply, read by all.
  store: [],
  // Bytes → typed data: pgoutput messages, memstore op payloads, COPY text.
  decode: [],
  // The replication connection: slot, START_REPLICATION, keepalives, initial COPY transport.
  replication: [],
  apply: ['decode', 'store'],
  // Wire protocol server; the Engine interface it calls is the seam query implements.
  pgwire: [],
  // The primary's catalog rows for what the store holds, kept as virtual relations (read over
  // a connection the sidecar hands in); the executor scans them like the store's tables.
  catalog: ['store'],
  query: ['store', 'pgwire', 'catalog'],
  // Dumps are COPY text (decode) of the store's tables.
  snapshot: ['store', 'decode'],
  sidecar: ['store', 'decode', 'replication', 'apply', 'pgwire', 'catalog', 'query', 'snapshot'],
  cli: ['store', 'decode', 'replication', 'apply', 'pgwire', 'catalog', 'query', 'snapshot', 'sidecar'],
};

/** `from → to`, paths relative to src/ with the .ts extension. */
export const KNOWN_EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  // memstore.wait_lsn() and the per-statement LSN wait need the applier's waiters. The waiters
  // only watch a number (constructed with `() => store.appliedLsn`); moving lsn-waiters.ts
  // next to the store, or passing a wait function in EngineEnv, removes these three.
  ['query/engine.ts → apply/lsn-waiters.ts', 'LsnWaiters type in the engine options'],
  ['query/plan.ts → apply/lsn-waiters.ts', 'LsnWaiters type in EngineEnv'],
  ['query/scalar.ts → apply/lsn-waiters.ts', 'LsnWaitTimeout for wait_lsn()'],
  // COPY TO STDOUT writes COPY text; the encoder lives beside its decoder in decode/. Moving
  // copy-text.ts into pg/ (shared PostgreSQL format knowledge) removes this one.
  ['query/copy-out.ts → decode/copy-text.ts', 'encodeCopyRow for COPY … TO STDOUT'],
  // XXX A syncing table's held changes (TableState.resync.pending) are decoded messages. Keeping
  // the held list in apply/ (keyed by table) instead of on the store's TableState removes both.
  ['store/store.ts → decode/pgoutput.ts', 'PgoutputMessage type of a held change'],
  ['store/store.ts → decode/ddl-message.ts', 'DdlRelation type of a held DDL change'],
]);

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

export interface CheckResult {
  readonly edges: readonly ImportEdge[];
  readonly violations: readonly string[];
  readonly staleExceptions: readonly string[];
}

/** The layer of a path relative to src/, or undefined for a directory no rule names. */
export function layerOf(rel: string): Layer | undefined {
  const parts = rel.split('/');
  if (parts.length === 1) return 'shared';
  const top = parts[0]!;
  if (top === 'pg') return 'shared';
  return top in ALLOWED && top !== 'shared' ? (top as Layer) : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return sourceFiles(full);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
    });
}

/** Every relative import between files of srcDir, paths relative to it ('/'-separated, .ts). */
export function importEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '.ts');
      edges.push({ from: toRel(srcDir, file), to: toRel(srcDir, target) });
    }
  }
  return edges;
}

function toRel(srcDir: string, file: string): string {
  return path.relative(srcDir, file).split(path.sep).join('/');
}

export function checkImports(srcDir: string, exceptions: ReadonlyMap<string, string> = KNOWN_EXCEPTIONS): CheckResult {
  const edges = importEdges(srcDir);
  const violations: string[] = [];
  const used = new Set<string>();
  const unknown = new Set<string>();
  for (const { from, to } of edges) {
    const a = layerOf(from);
    const b = to.startsWith('../') ? undefined : layerOf(to);
    if (a === undefined) unknown.add(from.split('/')[0]!);
    if (b === undefined) {
      if (to.startsWith('../')) violations.push(`${from} imports ${to}, outside src/`);
      else unknown.add(to.split('/')[0]!);
    }
    if (a === undefined || b === undefined || a === b || b === 'shared' || ALLOWED[a].includes(b)) continue;
    const edge = `${from} → ${to}`;
    if (exceptions.has(edge)) {
      used.add(edge);
      continue;
    }
    violations.push(`${edge}: ${a}/ may not import ${b}/ (allowed: ${['shared', ...ALLOWED[a]].join(', ')})`);
  }
  for (const dir of unknown) violations.push(`src/${dir}/ has no layer in scripts/check-imports.ts`);
  const staleExceptions = [...exceptions.keys()].filter((e) => !used.has(e));
  return { edges, violations, staleExceptions };
}

function main(): void {
  const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const { edges, violations, staleExceptions } = checkImports(srcDir);
  for (const v of violations) console.error(`check-imports: ${v}`);
  for (const e of staleExceptions) console.error(`check-imports: known exception no longer occurs, remove it: ${e}`);
  if (violations.length > 0 || staleExceptions.length > 0) process.exit(1);
  console.log(`check-imports: ${edges.length} imports follow the layers (${KNOWN_EXCEPTIONS.size} known exceptions)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
