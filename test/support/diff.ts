/*
 * diff.ts — differential testing against PostgreSQL 17: one statement runs on the primary and on
 * the sidecar (node-postgres, `types: rawTypes`, so every value is the text PostgreSQL printed)
 * and the two answers are compared.
 *
 * What is compared: column names, type OIDs (fields[].dataTypeID), command tag, row count and the
 * text of every value. Row order only when the query says `ordered: true` (its ORDER BY fixes the
 * order of the whole output); otherwise rows compare as sorted multisets.
 *
 * Verdicts, per query:
 *   OK           same answer (or both errored with the same SQLSTATE)
 *   UNSUPPORTED  the sidecar answered 0A000 (not built yet); never a failure, only counted
 *   TIMEOUT      the sidecar hit statement_timeout where PostgreSQL answered (only when the
 *                sessions set one): counted and shown, not a failure
 *   MISMATCH     any other difference: other rows, types, names, an error on one side only, or
 *                another SQLSTATE than PostgreSQL's
 *   PG_ERROR     PostgreSQL itself refused a query that was not marked as an error case (a broken
 *                corpus entry: a failure too, so the corpus stays valid SQL)
 *
 * Each query runs through the simple protocol and, unless `extended: false`, once more through the
 * extended protocol (Parse/Bind/Execute with text results); a query with `params` runs only through
 * the extended protocol with those parameters (text, types inferred by the server). `before` runs
 * statements (SET …) on both sessions first, `after` undoes them; their outcome counts too.
 *
 * MEMSTORE_SQL_TRACE=1 writes each statement to stderr before running it;
 * MEMSTORE_SQL_SHOW_UNSUPPORTED=1 prints every UNSUPPORTED query too; MEMSTORE_SQL_REPORT=<dir>
 * writes each group's non-OK outcomes to <dir>/<group>.txt.
 *
 * Left out: binary result format (the pgwire tests cover it), error message texts (reported when
 * they differ, never a failure), NOTICEs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { rawTypes } from '../query/support/harness.js';

/** One corpus entry. */
export interface DiffQuery {
  readonly sql: string;
  /** The ORDER BY fixes the order of every output row: compare in order. */
  readonly ordered?: boolean;
  /** Parameter values ($1…), text or NULL: run through the extended protocol with them. */
  readonly params?: readonly (string | null)[];
  /** The SQLSTATE PostgreSQL gives: an intentional error case ('*': any, as for generated queries). */
  readonly error?: string;
  /** Statements run first on both sessions (SET TimeZone …); compared too. */
  readonly before?: readonly string[];
  /** Statements run afterwards on both sessions (RESET …). */
  readonly after?: readonly string[];
  /** Run through the extended protocol as well (default true). */
  readonly extended?: boolean;
  /** For generated queries: the seed that reproduces it. */
  readonly seed?: string;
}

export type Verdict = 'OK' | 'UNSUPPORTED' | 'TIMEOUT' | 'MISMATCH' | 'PG_ERROR';

/** What one side answered. */
export interface Answer {
  readonly fields?: readonly { name: string; type: number }[];
  readonly rows?: readonly (readonly (string | null)[])[];
  readonly command?: string;
  readonly rowCount?: number | null;
  readonly error?: { code: string; message: string };
}

export interface DiffOutcome {
  readonly query: DiffQuery;
  readonly verdict: Verdict;
  /** Which run (simple/extended/a before step) decided the verdict, and why. */
  readonly why: string;
  readonly primary?: Answer;
  readonly sidecar?: Answer;
}

const NOT_SUPPORTED = '0A000';
const QUERY_TIMEOUT_MS = Number(process.env.MEMSTORE_SQL_QUERY_TIMEOUT_MS ?? '30000');

/** Two sessions, one on each side, that reconnect if a statement killed the connection. */
export class DiffSessions {
  private primary: pg.Client | undefined;
  private sidecar: pg.Client | undefined;

  constructor(
    private readonly primaryUrl: string,
    private readonly sidecarUrl: string,
    /** Statements run on every new connection of both sides (SET statement_timeout …). */
    private readonly init: readonly string[] = [],
  ) {}

  async close(): Promise<void> {
    await this.primary?.end().catch(() => undefined);
    await this.sidecar?.end().catch(() => undefined);
    this.primary = this.sidecar = undefined;
  }

  private async connect(url: string): Promise<pg.Client> {
    // A statement that never answers (a hung operator) fails after QUERY_TIMEOUT_MS instead of
    // stalling the whole file; the connection is then dropped and made again.
    const c = new pg.Client({ connectionString: url, types: rawTypes, query_timeout: QUERY_TIMEOUT_MS });
    // A connection the far side drops must fail the statement, not the process.
    c.on('error', () => undefined);
    await c.connect();
    for (const s of this.init) await c.query(s);
    return c;
  }

  async run(side: 'primary' | 'sidecar', sql: string, mode: 'simple' | 'extended', params?: readonly (string | null)[]): Promise<Answer> {
    let c = side === 'primary' ? this.primary : this.sidecar;
    if (!c) {
      c = await this.connect(side === 'primary' ? this.primaryUrl : this.sidecarUrl);
      if (side === 'primary') this.primary = c;
      else this.sidecar = c;
    }
    try {
      const config: pg.QueryArrayConfig & { queryMode?: 'extended' } = { text: sql, rowMode: 'array' };
      if (params) config.values = [...params];
      if (mode === 'extended') config.queryMode = 'extended';
      const r = await c.query(config);
      return {
        fields: r.fields.map((f) => ({ name: f.name, type: f.dataTypeID })),
        rows: r.rows as (string | null)[][],
        command: r.command,
        rowCount: r.rowCount,
      };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (typeof e.code !== 'string') {
        // Not an ErrorResponse: the connection broke. Start the next statement afresh.
        await c.end().catch(() => undefined);
        if (side === 'primary') this.primary = undefined;
        else this.sidecar = undefined;
        return { error: { code: 'CONNECTION', message: String(e.message ?? err) } };
      }
      return { error: { code: e.code, message: String(e.message) } };
    }
  }
}

/** Rows as one comparable string each; unordered results sorted. */
function rowKeys(a: Answer, ordered: boolean): string[] {
  const keys = (a.rows ?? []).map((r) => JSON.stringify(r));
  return ordered ? keys : keys.sort();
}

/** Why two successful answers differ, or undefined when they are the same. */
export function compareAnswers(p: Answer, s: Answer, ordered: boolean): string | undefined {
  const pf = JSON.stringify(p.fields), sf = JSON.stringify(s.fields);
  if (pf !== sf) return `columns differ: primary ${pf}, sidecar ${sf}`;
  if (p.command !== s.command) return `command tag differs: primary ${p.command}, sidecar ${s.command}`;
  const pk = rowKeys(p, ordered), sk = rowKeys(s, ordered);
  if (pk.length !== sk.length) return `row count differs: primary ${pk.length}, sidecar ${sk.length}`;
  for (let i = 0; i < pk.length; i++) {
    if (pk[i] === sk[i]) continue;
    // Same rows in another order: the sidecar's sort is wrong, or the ORDER BY was not total.
    const sameSet = ordered && compareAnswers(p, s, false) === undefined ? ' (same rows in another order: a wrong sort, unless the ORDER BY leaves ties)' : '';
    return `${ordered ? 'row' : 'sorted row'} ${i} differs: primary ${pk[i]}, sidecar ${sk[i]}${sameSet}`;
  }
  if (p.rowCount !== s.rowCount) return `rowCount differs: primary ${p.rowCount}, sidecar ${s.rowCount}`;
  return undefined;
}

/** Verdict of one statement run on both sides. `expectError` = the corpus marked it an error case. */
export function judge(p: Answer, s: Answer, ordered: boolean, expectError: string | undefined): { verdict: Verdict; why: string } {
  if (p.error) {
    if (expectError === undefined) return { verdict: 'PG_ERROR', why: `PostgreSQL refused it: ${p.error.code} ${p.error.message}` };
    if (expectError !== p.error.code && expectError !== '*') return { verdict: 'PG_ERROR', why: `PostgreSQL gave ${p.error.code} (${p.error.message}), the corpus expects ${expectError}` };
    if (!s.error) return { verdict: 'MISMATCH', why: `PostgreSQL errored ${p.error.code} (${p.error.message}), the sidecar answered` };
    if (s.error.code === p.error.code) return { verdict: 'OK', why: s.error.message === p.error.message ? '' : `message differs: "${s.error.message}" vs "${p.error.message}"` };
    if (s.error.code === NOT_SUPPORTED) return { verdict: 'UNSUPPORTED', why: s.error.message };
    return { verdict: 'MISMATCH', why: `SQLSTATE differs: primary ${p.error.code} (${p.error.message}), sidecar ${s.error.code} (${s.error.message})` };
  }
  if (expectError !== undefined && expectError !== '*') return { verdict: 'PG_ERROR', why: `PostgreSQL answered, the corpus expects ${expectError}` };
  if (s.error) {
    if (s.error.code === NOT_SUPPORTED) return { verdict: 'UNSUPPORTED', why: s.error.message };
    // Slower than the statement_timeout the sessions were given: a performance bug, not a wrong answer.
    if (s.error.code === '57014') return { verdict: 'TIMEOUT', why: s.error.message };
    return { verdict: 'MISMATCH', why: `the sidecar errored ${s.error.code} (${s.error.message}), PostgreSQL answered` };
  }
  const d = compareAnswers(p, s, ordered);
  return d === undefined ? { verdict: 'OK', why: '' } : { verdict: 'MISMATCH', why: d };
}

const RANK: Record<Verdict, number> = { OK: 0, UNSUPPORTED: 1, TIMEOUT: 2, MISMATCH: 3, PG_ERROR: 4 };

/** Runs one corpus entry on both sides (every protocol it asks for) and returns the worst verdict. */
export async function diffQuery(sessions: DiffSessions, q: DiffQuery): Promise<DiffOutcome> {
  // MEMSTORE_SQL_TRACE=1: each statement on stderr before it runs (finds the one that hangs).
  if (process.env.MEMSTORE_SQL_TRACE) process.stderr.write(`[sql trace] ${q.seed ?? ''} ${q.sql}\n`);
  let worst: DiffOutcome = { query: q, verdict: 'OK', why: '' };
  const note = (label: string, p: Answer, s: Answer, ordered: boolean, expectError: string | undefined): void => {
    const j = judge(p, s, ordered, expectError);
    if (RANK[j.verdict] > RANK[worst.verdict] || (worst.verdict === 'OK' && worst.why === '' && j.why !== '')) {
      worst = { query: q, verdict: j.verdict, why: j.why === '' ? '' : `${label}: ${j.why}`, primary: p, sidecar: s };
    } else if (worst.verdict === 'OK' && !label.startsWith('before') && !label.startsWith('after')) {
      // An OK outcome carries the query's own answers (TLP reads them).
      worst = { ...worst, primary: p, sidecar: s };
    }
  };
  const step = async (sql: string, label: string): Promise<void> => {
    const p = await sessions.run('primary', sql, 'simple');
    const s = await sessions.run('sidecar', sql, 'simple');
    note(label, p, s, true, undefined);
  };
  try {
    for (const b of q.before ?? []) await step(b, `before "${b}"`);
    // A setting the sidecar refused would make the query's answer differ for that reason alone.
    if (worst.verdict === 'UNSUPPORTED') return worst;
    const ordered = q.ordered === true;
    const modes: ('simple' | 'extended')[] = q.params ? ['extended'] : q.extended === false ? ['simple'] : ['simple', 'extended'];
    for (const mode of modes) {
      const p = await sessions.run('primary', q.sql, mode, q.params);
      const s = await sessions.run('sidecar', q.sql, mode, q.params);
      note(mode, p, s, ordered, q.error);
    }
  } finally {
    for (const a of q.after ?? []) await step(a, `after "${a}"`);
  }
  return worst;
}

/** A short text of an answer for a report: its columns and first rows, or its error. */
export function showAnswer(a: Answer | undefined, maxRows = 5): string {
  if (!a) return '(not run)';
  if (a.error) return `ERROR ${a.error.code}: ${a.error.message}`;
  const cols = (a.fields ?? []).map((f) => `${f.name}:${f.type}`).join(', ');
  const rows = (a.rows ?? []).slice(0, maxRows).map((r) => '    ' + JSON.stringify(r));
  const more = (a.rows?.length ?? 0) > maxRows ? [`    … ${(a.rows?.length ?? 0) - maxRows} more`] : [];
  return [`${a.command ?? ''} [${cols}] ${a.rows?.length ?? 0} rows`, ...rows, ...more].join('\n');
}

/** A report of one outcome: the query, why, both answers. */
export function showOutcome(o: DiffOutcome): string {
  const q = o.query;
  const lines = [`${o.verdict}: ${q.sql}`];
  if (q.seed !== undefined) lines.push(`  seed: ${q.seed}`);
  if (q.params) lines.push(`  params: ${JSON.stringify(q.params)}`);
  if (q.before?.length) lines.push(`  before: ${q.before.join('; ')}`);
  if (o.why) lines.push(`  why: ${o.why}`);
  if (o.verdict !== 'UNSUPPORTED') {
    lines.push(`  primary: ${showAnswer(o.primary)}`, `  sidecar: ${showAnswer(o.sidecar)}`);
  }
  return lines.join('\n');
}

/** Counts by verdict and the text a test prints at its end. */
export interface DiffSummary {
  readonly total: number;
  readonly ok: number;
  readonly unsupported: number;
  readonly mismatches: readonly DiffOutcome[];
  readonly pgErrors: readonly DiffOutcome[];
  readonly text: string;
}

export function summarize(group: string, outcomes: readonly DiffOutcome[]): DiffSummary {
  const by = (v: Verdict): DiffOutcome[] => outcomes.filter((o) => o.verdict === v);
  const mismatches = by('MISMATCH'), pgErrors = by('PG_ERROR'), unsupported = by('UNSUPPORTED'), timeouts = by('TIMEOUT');
  const ok = by('OK').length;
  const head = `[sql diff ${group}] ${outcomes.length} queries: ${ok} OK, ${unsupported.length} UNSUPPORTED, ${timeouts.length} TIMEOUT, ${mismatches.length} MISMATCH, ${pgErrors.length} PG_ERROR`;
  const body = [...pgErrors, ...mismatches, ...timeouts].map(showOutcome);
  // What the sidecar refuses most, so the next thing to build is visible in the log.
  const reasons = new Map<string, number>();
  for (const o of unsupported) reasons.set(o.sidecar?.error?.message ?? '?', (reasons.get(o.sidecar?.error?.message ?? '?') ?? 0) + 1);
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([m, n]) => `  ${n} × UNSUPPORTED: ${m}`);
  if (process.env.MEMSTORE_SQL_SHOW_UNSUPPORTED) body.push(...unsupported.map(showOutcome));
  const text = [head, ...top, ...body].join('\n');
  // MEMSTORE_SQL_REPORT=<dir>: every outcome of the group, for reading after a run.
  const dir = process.env.MEMSTORE_SQL_REPORT;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${group}.txt`), [[head, ...top].join('\n'), ...outcomes.filter((o) => o.verdict !== 'OK').map(showOutcome)].join('\n\n') + '\n');
  }
  return { total: outcomes.length, ok, unsupported: unsupported.length, mismatches, pgErrors, text };
}
