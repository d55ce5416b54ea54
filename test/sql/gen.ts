/*
 * gen.ts — a random query generator over the tame part of the schema (SQLancer / sqlsmith in
 * spirit): type-correct expressions, predicates, foreign-key joins of 1–3 tables (inner, left,
 * right, full), aggregates with GROUP BY [ROLLUP] / HAVING, DISTINCT, set operations, window
 * functions, [NOT] EXISTS / [NOT] IN / scalar subqueries (correlated or not), queries read through
 * a derived table or a CTE, and an ORDER BY over every output column (directions random) so the
 * order is fixed and rows compare in order.
 *
 * Invariants that keep a generated query's answer independent of plan choices:
 * - ORDER BY lists every output column (ties are equal rows), so LIMIT / OFFSET are deterministic
 *   too, up to equal values that print differently (1.5 and 1.50, 0 and -0): random-compare.ts
 *   accepts those where picksRepresentatives() says the query picks one of them.
 * - Aggregates that depend on input order (string_agg) carry their own ORDER BY over all inputs.
 * - Floats stay dyadic (no float division, no float functions that leave dyadic values, numeric
 *   cast to float only after floor): a float sum is exact in any order.
 * - Window functions only where ties cannot change a value: partition-wide aggregates, running
 *   aggregates over the default RANGE frame (peers included), rank / dense_rank / percent_rank /
 *   cume_dist. No row_number, lag, lead, ROWS frames.
 * - Integer arithmetic multiplies only by small literals (the tame columns are small), so an
 *   overflow is rare; if one happens both sides must give 22003 (any error must match).
 * - A correlated subquery costs (outer rows × inner rows) ≤ CORRELATED_BUDGET, else it is
 *   generated uncorrelated: the sidecar reruns it per outer row.
 *
 * Queries are trees of `Node`s so a mismatch can be shrunk: any node may be replaced by one of its
 * children of the same kind or by a literal, clauses dropped (shrink() yields the candidates).
 *
 * XXX: no LATERAL, SRFs, DISTINCT ON, arrays, jsonb or intervals as values in generated queries
 * (the corpus has them).
 */
import { Prng } from './prng.js';
import { RANDOM_ROWS } from './random-data.js';
import { REFS, TABLES, type ColKind, type TableInfo } from './schema.js';

/**
 * A correlated subquery runs once per outer row: (estimated outer rows) × (inner table rows) stays
 * under this, else the subquery is generated uncorrelated (run once). Keeps a generated query in
 * the milliseconds on the sidecar, whose per-row rescans cost microseconds each.
 */
const CORRELATED_BUDGET = 40_000;

export type Kind = Exclude<ColKind, 'other'>;

/** An expression: SQL text pieces and sub-expressions. */
export interface Node {
  readonly kind: Kind;
  readonly parts: readonly (string | Node)[];
}

export function sqlOf(n: Node): string {
  let s = '';
  for (const p of n.parts) s += typeof p === 'string' ? p : sqlOf(p);
  return s;
}

const node = (kind: Kind, ...parts: (string | Node)[]): Node => ({ kind, parts });

interface Source {
  readonly alias: string;
  readonly table: TableInfo;
}

export interface JoinStep {
  readonly type: 'JOIN' | 'LEFT JOIN' | 'RIGHT JOIN' | 'FULL JOIN';
  readonly source: Source;
  readonly on: string;
}

export interface GenQuery {
  readonly shape: 'select' | 'distinct' | 'aggregate';
  readonly base: Source;
  readonly joins: readonly JoinStep[];
  readonly select: readonly Node[];
  readonly where?: Node;
  readonly groupBy: readonly Node[];
  readonly having?: Node;
  readonly limit?: number;
  readonly offset?: number;
  /** ORDER BY suffix per output column ('' or ' DESC', ' NULLS FIRST' …); absent: all ascending. */
  readonly directions?: readonly string[];
  /** GROUP BY ROLLUP (…) instead of a plain list (subtotal rows). */
  readonly rollup?: boolean;
  /** The core read through a derived table or a CTE: SELECT * FROM (core) q ORDER BY …. */
  readonly wrap?: 'subquery' | 'cte';
  /** A second SELECT of the same column kinds combined with this one (before ORDER BY/LIMIT). */
  readonly setop?: { readonly op: string; readonly q: GenQuery };
}

export function sqlOfQuery(q: GenQuery): string {
  let s = sqlOfCore(q);
  if (q.setop) s += ` ${q.setop.op} ${sqlOfCore(q.setop.q)}`;
  if (q.wrap === 'subquery') s = `SELECT * FROM (${s}) q`;
  else if (q.wrap === 'cte') s = `WITH q AS (${s}) SELECT * FROM q`;
  s += ` ORDER BY ${q.select.map((_, i) => `${i + 1}${q.directions?.[i] ?? ''}`).join(', ')}`;
  if (q.limit !== undefined) s += ` LIMIT ${q.limit}`;
  if (q.offset !== undefined) s += ` OFFSET ${q.offset}`;
  return s;
}

/** SELECT … FROM … WHERE … GROUP BY … HAVING …, without ORDER BY and LIMIT. */
function sqlOfCore(q: GenQuery): string {
  let s = `SELECT ${q.shape === 'distinct' ? 'DISTINCT ' : ''}${q.select.map((e, i) => `${sqlOf(e)} AS c${i}`).join(', ')}`;
  s += ` FROM ${q.base.table.name} ${q.base.alias}`;
  for (const j of q.joins) s += ` ${j.type} ${j.source.table.name} ${j.source.alias} ON ${j.on}`;
  if (q.where) s += ` WHERE ${sqlOf(q.where)}`;
  if (q.groupBy.length) s += q.rollup ? ` GROUP BY ROLLUP (${q.groupBy.map(sqlOf).join(', ')})` : ` GROUP BY ${q.groupBy.map(sqlOf).join(', ')}`;
  if (q.having) s += ` HAVING ${sqlOf(q.having)}`;
  return s;
}

const WORDS = ['alpha', 'Echo', 'fox', 'a', 'e', '', 'gamma delta', 'é', 'O\'Brien'];
/** Zones for AT TIME ZONE: DST changes, half-hour offsets, POSIX signs (+05 is UTC-5 there). */
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', '+05', '-03:30', 'EST5EDT'];

/** A literal of the kind (also the shrinker's last resort). */
function literal(r: Prng, kind: Kind): Node {
  switch (kind) {
    case 'int': { const v = r.int(-5, 100); return node(kind, r.chance(0.1) ? 'NULL::int4' : v < 0 ? `(${v})` : String(v)); }
    case 'numeric': return node(kind, r.chance(0.1) ? 'NULL::numeric' : r.pick(['0.0', '1.5', '(-2.25)', '100.00', '0.001', '1000.0']));
    case 'float': return node(kind, r.chance(0.1) ? 'NULL::float8' : `${r.pick(['0', '0.5', '(-1.25)', '2', '100.125'])}::float8`);
    case 'text': return node(kind, r.chance(0.1) ? 'NULL::text' : `'${r.pick(WORDS).replace(/'/g, "''")}'`);
    case 'bool': return node(kind, r.pick(['true', 'false', 'NULL::bool']));
    case 'date': return node(kind, `'${r.int(1950, 2026)}-0${r.int(1, 9)}-1${r.int(0, 9)}'::date`);
    case 'timestamp': return node(kind, `'${r.int(2000, 2026)}-0${r.int(1, 9)}-1${r.int(0, 9)} 12:00:00'::timestamp`);
    case 'timestamptz': return node(kind, `'${r.int(1995, 2030)}-0${r.int(1, 9)}-1${r.int(0, 9)} 0${r.int(0, 9)}:30:00+00'::timestamptz`);
  }
}

/**
 * A constant expression of the kind whose folding fails, always with 22012: two different errors
 * in one statement would test which PostgreSQL folds first (the corpus, test/sql/corpus/folding.ts,
 * has 22003 and the others).
 */
function failing(r: Prng, kind: Kind): Node {
  const zero = r.pick(['1/0', '(7 / 0)', '(0 % 0)']);
  switch (kind) {
    case 'int': return node(kind, '(', zero, ')');
    case 'numeric': return node(kind, r.pick(['(1.5 / 0)', '(1.5 % 0)', '(0.5 / 0)::numeric(4,2)']));
    case 'float': return node(kind, '(1 / 0::float8)');
    case 'text': return node(kind, '(', zero, ')::text');
    case 'bool': return node(kind, '(', zero, ' = 1)');
    case 'date': return node(kind, "('2020-01-01'::date + ", zero, ')');
    case 'timestamp': return node(kind, "('2020-01-01'::timestamp + ", zero, " * interval '1 day')");
    case 'timestamptz': return node(kind, "('2020-01-01 00:00+00'::timestamptz + ", zero, " * interval '1 day')");
  }
}

export class QueryGen {
  private scope: Source[] = [];
  /** Subqueries in the current query (their aliases s1, s2 …; at most two). */
  private subqueries = 0;
  /** No subquery inside a subquery: a correlated NOT IN per row of a correlated subquery per outer row is cubic. */
  private inSubquery = false;
  /** Estimated rows of the current FROM (for CORRELATED_BUDGET). */
  private fromRows = 0;

  constructor(private readonly r: Prng) {}

  private column(kind: Kind): Node | undefined {
    const cols = this.scope.flatMap((s) => s.table.columns.filter((c) => c.kind === kind).map((c) => `${s.alias}.${c.name}`));
    return cols.length ? node(kind, this.r.pick(cols)) : undefined;
  }

  /** An expression of `kind`, at most `depth` levels deep. */
  expr(kind: Kind, depth: number): Node {
    const r = this.r;
    if (depth <= 0 || r.chance(0.3)) return (r.chance(0.75) ? this.column(kind) : undefined) ?? literal(r, kind);
    const d = depth - 1;
    const sub = (k: Kind = kind): Node => this.expr(k, d);
    // A constant that fails when folded, in a dead branch (PostgreSQL never evaluates it) or a
    // live one (it fails while planning, even when no row is read).
    if (r.chance(0.03)) {
      switch (r.int(0, 3)) {
        case 0: return node(kind, 'CASE WHEN true THEN ', sub(), ' ELSE ', failing(r, kind), ' END');
        case 1: return node(kind, 'CASE WHEN false THEN ', failing(r, kind), ' ELSE ', sub(), ' END');
        case 2: return node(kind, 'COALESCE(', literal(r, kind), ', ', failing(r, kind), ')');
        default: return node(kind, 'CASE WHEN ', this.pred(d), ' THEN ', sub(), ' ELSE ', failing(r, kind), ' END');
      }
    }
    // Shared forms: CASE, COALESCE, NULLIF.
    if (r.chance(0.12)) {
      switch (r.int(0, 2)) {
        case 0: return node(kind, 'CASE WHEN ', this.pred(d), ' THEN ', sub(), ' ELSE ', sub(), ' END');
        case 1: return node(kind, 'COALESCE(', sub(), ', ', sub(), ')');
        default: return kind === 'bool' ? node(kind, 'NULLIF(', sub(), ', ', sub(), ')') : node(kind, 'NULLIF(', sub(), ', ', literal(r, kind), ')');
      }
    }
    switch (kind) {
      case 'int':
        switch (r.int(0, 16)) {
          case 9: return node(kind, '(', sub('date'), ' - ', sub('date'), ')');
          case 10: return node(kind, `extract(${r.pick(['month', 'day', 'dow', 'doy', 'quarter', 'week', 'isodow', 'isoyear'])} from `, sub(r.pick<Kind>(['date', 'timestamp', 'timestamptz'])), ')::int4');
          case 11: return r.chance(0.5) ? node(kind, r.pick(['char_length(', 'ascii(', 'octet_length(']), sub('text'), ')') : node(kind, 'strpos(', sub('text'), `, '${r.pick(['a', 'e', ' ', ''])}')`);
          case 12: return node(kind, 'CASE ', sub(), ` WHEN ${r.int(0, 5)} THEN `, sub(), ` WHEN ${r.int(0, 5)} THEN `, sub(), r.chance(0.5) ? ' END' : ' ELSE 0 END');
          case 13: return node(kind, '(', sub(), r.pick([' & ', ' | ', ' # ']), String(r.int(0, 15)), ')');
          case 14: return this.scalarSubquery(d) ?? sub();
          case 15: return node(kind, '(', sub(), ' / NULLIF(', sub(), ', 0))');
          // Casts that round: float8 → int4 half to even (rint), numeric → int4 half away from zero.
          case 16: { const cast = r.chance(0.5); return node(kind, cast ? 'CAST(' : '(', sub(r.pick<Kind>(['float', 'numeric'])), cast ? ' AS int4)' : ')::int4'); }
          case 0: return node(kind, '(', sub(), ' + ', sub(), ')');
          case 1: return node(kind, '(', sub(), ' - ', sub(), ')');
          case 2: return node(kind, '(', sub(), ' * ', String(r.int(-3, 3)), ')');
          case 3: return node(kind, 'abs(', sub(), ')');
          case 4: return node(kind, '(', sub(), ' % ', String(r.pick([2, 3, 7, -5])), ')');
          case 5: return node(kind, 'length(', sub('text'), ')');
          case 6: return node(kind, r.pick(['GREATEST(', 'LEAST(']), sub(), ', ', sub(), ')');
          case 7: return node(kind, '(', sub(), ' / ', String(r.pick([2, 3, -4])), ')');
          default: return node(kind, 'extract(year from ', sub('date'), ')::int4');
        }
      case 'numeric':
        switch (r.int(0, 12)) {
          case 8: return node(kind, r.pick(['GREATEST(', 'LEAST(']), sub(), ', ', sub(), ')');
          case 9: return node(kind, '(', sub(), ' % ', r.pick(['2', '1.5', '(-0.3)']), ')');
          case 10: return node(kind, r.pick(['round(', 'sign(', 'trunc(']), sub(), ')');
          case 11: return node(kind, 'CASE WHEN ', this.pred(d), ' THEN ', sub(), ' WHEN ', this.pred(d), ' THEN ', sub(), ' END');
          // A typmod rounds (and may overflow: 22003 on both sides); float → numeric keeps 15 digits.
          case 12: return r.chance(0.7) ? node(kind, sub(), `::numeric(${r.pick(['6,1', '8,3', '5,0', '4,2'])})`) : node(kind, sub('float'), '::numeric');
          case 0: return node(kind, '(', sub(), ' + ', sub(), ')');
          case 1: return node(kind, '(', sub(), ' - ', sub(), ')');
          case 2: return node(kind, '(', sub(), ' * ', r.pick(['2', '0.5', '-1.25']), ')');
          case 3: return node(kind, 'round(', sub(), ', ', String(r.int(0, 3)), ')');
          case 4: return node(kind, sub('int'), '::numeric');
          case 5: return node(kind, '(', sub(), ' / NULLIF(', sub(), ', 0))');
          case 6: return node(kind, r.pick(['abs(', 'trunc(', 'ceil(', 'floor(']), sub(), ')');
          default: return node(kind, '(', sub('int'), ' * ', sub(), ')');
        }
      case 'float':
        switch (r.int(0, 7)) {
          case 6: return node(kind, r.pick(['round(', 'trunc(', 'sign(']), sub(), ')');
          case 7: return node(kind, 'floor(', sub('numeric'), ')::float8');
          case 0: return node(kind, '(', sub(), ' + ', sub(), ')');
          case 1: return node(kind, '(', sub(), ' - ', sub(), ')');
          case 2: return node(kind, '(', sub(), ' * ', r.pick(['2', '0.5', '-4']), ')');
          case 3: return node(kind, r.pick(['abs(', 'floor(', 'ceil(', '-(']), sub(), ')');
          case 4: return node(kind, sub('int'), '::float8');
          default: return node(kind, r.pick(['GREATEST(', 'LEAST(']), sub(), ', ', sub(), ')');
        }
      case 'text':
        switch (r.int(0, 16)) {
          case 9: return node(kind, 'split_part(', sub(), `, '${r.pick([' ', 'a', 'e'])}', ${r.pick([-2, -1, 1, 2, 3])})`);
          case 10: return r.chance(0.5) ? node(kind, r.pick(['btrim(', 'md5(', 'quote_literal(']), sub(), ')') : node(kind, 'translate(', sub(), `, '${r.pick(['ae', 'a ', 'lo'])}', '${r.pick(['AE', '_', ''])}')`);
          case 11: return node(kind, 'repeat(', sub(), `, ${r.int(0, 3)})`);
          case 12: return node(kind, sub(r.pick<Kind>(['date', 'timestamp', 'timestamptz', 'float', 'bool'])), '::text');
          case 13: return node(kind, 'to_char(', sub(r.pick<Kind>(['date', 'timestamp', 'timestamptz'])), `, '${r.pick(['YYYY-MM-DD', 'Dy DD Mon YYYY', 'HH24:MI:SS', 'IYYY-IW', 'Q DDD', 'FMMonth FMDD'])}')`);
          case 14: return node(kind, 'substring(', sub(), ` from ${r.int(0, 4)} for ${r.int(0, 4)})`);
          case 15: return node(kind, 'CASE ', sub(), ` WHEN '${r.pick(WORDS).replace(/'/g, "''")}' THEN `, sub(), ' ELSE ', sub(), ' END');
          // varchar(n) truncates; char(n) pads and is bpchar (trailing blanks insignificant, trimmed by || and ::text).
          case 16: return node(kind, sub(), `::${r.pick(['varchar(3)', 'char(3)', 'char(1)', 'varchar'])}`);
          case 0: return node(kind, r.pick(['upper(', 'lower(', 'ltrim(', 'rtrim(', 'reverse(', 'initcap(']), sub(), ')');
          case 1: return node(kind, '(', sub(), ' || ', sub(), ')');
          case 2: return node(kind, 'substr(', sub(), ', ', String(r.int(1, 4)), ', ', String(r.int(0, 5)), ')');
          case 3: return node(kind, r.pick(['left(', 'right(']), sub(), ', ', String(r.int(-2, 4)), ')');
          case 4: return node(kind, 'replace(', sub(), `, '${r.pick(['a', 'e', ' '])}', '${r.pick(['', 'X', '--'])}')`);
          case 5: return node(kind, sub('int'), '::text');
          case 6: return node(kind, 'concat(', sub(), ', ', sub('int'), ')');
          case 7: return node(kind, r.pick(['lpad(', 'rpad(']), sub(), `, ${r.int(0, 8)}, '*')`);
          default: return node(kind, sub('numeric'), '::text');
        }
      case 'bool': return this.pred(depth);
      case 'date':
        switch (r.int(0, 3)) {
          case 0: return node(kind, '(', sub(), ` + ${r.int(-400, 400)})`);
          case 1: return node(kind, sub('timestamp'), '::date');
          case 2: return node(kind, `date_trunc('${r.pick(['month', 'year', 'week', 'quarter'])}', `, sub(), ')::date');
          default: return node(kind, '(', sub('timestamptz'), " AT TIME ZONE 'UTC')::date");
        }
      case 'timestamp':
        switch (r.int(0, 4)) {
          case 0: return node(kind, '(', sub(), ` + interval '${r.int(-48, 48)} hours')`);
          case 1: return node(kind, sub('date'), '::timestamp');
          case 2: return node(kind, `date_trunc('${r.pick(['hour', 'day', 'month', 'week', 'minute'])}', `, sub(), ')');
          case 3: return node(kind, '(', sub('timestamptz'), ` AT TIME ZONE '${r.pick(ZONES)}')`);
          default: return node(kind, '(', sub(), ' + ', sub('int'), ` * interval '${r.pick(['1 day', '1 mon', '-3 hours', '1 year 2 mons', '90 minutes'])}')`);
        }
      case 'timestamptz':
        switch (r.int(0, 3)) {
          case 0: return node(kind, '(', sub(), ` - interval '${r.int(0, 90)} days ${r.int(0, 23)} hours')`);
          case 1: return node(kind, `date_trunc('${r.pick(['day', 'month', 'hour'])}', `, sub(), ')');
          case 2: return node(kind, '(', sub('timestamp'), ` AT TIME ZONE '${r.pick(ZONES)}')`);
          default: return node(kind, '(', sub(), ` + interval '${r.pick(['1 mon', '1 day', '-1 year', '36 hours'])}')`);
        }
    }
  }

  /** A boolean expression (NULL possible). */
  pred(depth: number): Node {
    const r = this.r;
    if (depth <= 0) return this.comparison(0);
    const d = depth - 1;
    if (this.subqueries < 2 && !this.inSubquery && r.chance(0.08)) return this.subqueryPred(d);
    switch (r.int(0, 9)) {
      case 0: return node('bool', '(', this.pred(d), ' AND ', this.pred(d), ')');
      case 1: return node('bool', '(', this.pred(d), ' OR ', this.pred(d), ')');
      case 2: return node('bool', '(NOT ', this.pred(d), ')');
      case 3: { const k = this.anyKind(); return node('bool', '(', this.expr(k, d), r.pick([' IS NULL)', ' IS NOT NULL)'])); }
      case 4: { const k = this.anyKind(); return node('bool', '(', this.expr(k, d), ' BETWEEN ', literal(r, k), ' AND ', literal(r, k), ')'); }
      case 5: { const k = this.anyKind(); return node('bool', '(', this.expr(k, d), r.pick([' IN (', ' NOT IN (']), literal(r, k), ', ', literal(r, k), ', ', literal(r, k), '))'); }
      case 6:
        if (r.chance(0.3)) return node('bool', '(', this.expr('text', d), r.pick([' ~ ', ' ~* ', ' !~ ']), `'${r.pick(['^a', 'e$', '[0-9]', '^[A-Z]', 'a.?l', '(ph|ch)a', '\\s', '^$'])}')`);
        return node('bool', '(', this.expr('text', d), r.pick([' LIKE ', ' NOT LIKE ', ' ILIKE ', ' NOT ILIKE ']), `'${r.pick(['a%', '%e%', '_%', '%', 'A%', '%x', '%\\_%', '_', '%É%', "o''%"])}')`);
      case 7: { const k = this.anyKind(); return node('bool', '(', this.expr(k, d), r.pick([' IS DISTINCT FROM ', ' IS NOT DISTINCT FROM ']), this.expr(k, d), ')'); }
      case 8: return node('bool', '(', this.pred(d), r.pick([' IS TRUE)', ' IS NOT FALSE)', ' IS UNKNOWN)', ' = true)']));
      default: return this.comparison(d);
    }
  }

  /**
   * [NOT] EXISTS / [NOT] IN / scalar-aggregate comparison over another table, correlated to the
   * outer scope half of the time (the inner predicate may use outer columns).
   */
  private subqueryPred(depth: number): Node {
    const r = this.r;
    this.subqueries++;
    const outer = this.scope;
    const inner: Source = { alias: `s${this.subqueries}`, table: r.pick(TABLES) };
    const outerInt = this.column('int');
    const correlate = r.chance(0.5) && this.fromRows * (RANDOM_ROWS[inner.table.name] ?? 1000) <= CORRELATED_BUDGET;
    this.scope = correlate ? [...outer, inner] : [inner];
    this.inSubquery = true;
    const innerPred = this.pred(depth);
    this.inSubquery = false;
    const innerIntOwn = node('int', `${inner.alias}.${r.pick(inner.table.columns.filter((c) => c.kind === 'int')).name}`);
    this.scope = outer;
    const from = `${inner.table.name} ${inner.alias}`;
    switch (r.int(0, 2)) {
      case 0: return node('bool', r.pick(['(EXISTS (', '(NOT EXISTS (']), `SELECT 1 FROM ${from} WHERE `, innerPred, '))');
      case 1: return node('bool', '(', outerInt ?? literal(r, 'int'), r.pick([' IN (', ' NOT IN (']), 'SELECT ', innerIntOwn, ` FROM ${from} WHERE `, innerPred, '))');
      default: return node('bool', '(', outerInt ?? literal(r, 'int'), ` ${r.pick(['=', '<', '>='])} (SELECT ${r.pick(['max', 'min', 'count'])}(`, innerIntOwn, `) FROM ${from} WHERE `, innerPred, '))');
    }
  }

  /** `(SELECT count(*) | max(int) FROM t s WHERE p)`: an int from another table (correlated within CORRELATED_BUDGET). */
  private scalarSubquery(depth: number): Node | undefined {
    if (this.subqueries >= 2 || this.inSubquery) return undefined;
    const r = this.r;
    this.subqueries++;
    const outer = this.scope;
    const inner: Source = { alias: `s${this.subqueries}`, table: r.pick(TABLES) };
    const correlate = r.chance(0.5) && this.fromRows * (RANDOM_ROWS[inner.table.name] ?? 1000) <= CORRELATED_BUDGET;
    this.scope = correlate ? [...outer, inner] : [inner];
    this.inSubquery = true;
    const innerPred = this.pred(depth);
    const agg = r.chance(0.5) ? 'count(*)' : `${r.pick(['max', 'min', 'sum'])}(${inner.alias}.${r.pick(inner.table.columns.filter((c) => c.kind === 'int')).name})`;
    this.inSubquery = false;
    this.scope = outer;
    // sum(int4) is int8: cast back so the kind stays int4 (PostgreSQL types sum(int4) as bigint).
    return node('int', `(SELECT ${agg}${agg.startsWith('sum') ? '::int4' : ''} FROM ${inner.table.name} ${inner.alias} WHERE `, innerPred, ')');
  }

  private comparison(depth: number): Node {
    const r = this.r;
    if (r.chance(0.1)) { const b = this.column('bool'); if (b) return b; }
    const k = this.anyKind();
    return node('bool', '(', this.expr(k, depth), ` ${r.pick(['=', '<>', '<', '<=', '>', '>='])} `, this.expr(k, depth), ')');
  }

  private anyKind(): Kind {
    return this.r.pick<Kind>(['int', 'int', 'numeric', 'float', 'text', 'text', 'date', 'timestamp', 'timestamptz', 'bool']);
  }

  private aggregate(depth: number): Node {
    const r = this.r;
    switch (r.int(0, 9)) {
      case 0: return node('int', 'count(*)');
      case 1: { const k = this.anyKind(); return node('int', `count(${r.chance(0.3) ? 'DISTINCT ' : ''}`, this.expr(k, depth), ')'); }
      case 2: { const k = r.pick<Kind>(['int', 'numeric', 'float']); return node(k === 'int' ? 'int' : k, `sum(${r.chance(0.2) ? 'DISTINCT ' : ''}`, this.expr(k, depth), ')'); }
      case 3: return node('numeric', 'avg(', this.expr(r.pick<Kind>(['int', 'numeric']), depth), ')');
      case 4: { const k = r.pick<Kind>(['int', 'numeric', 'float', 'text', 'date', 'timestamp', 'timestamptz']); return node(k, r.pick(['min(', 'max(']), this.expr(k, depth), ')'); }
      case 5: return node('bool', r.pick(['bool_and(', 'bool_or(']), this.pred(depth), ')');
      case 6: { const e = this.expr('text', depth); return node('text', 'string_agg(', e, `, ',' ORDER BY `, e, ')'); }
      case 7: return node('int', 'count(*) FILTER (WHERE ', this.pred(depth), ')');
      case 8: return node('float', 'avg(', this.expr('float', depth), ')');
      default: return node('numeric', 'sum(', this.expr('numeric', depth), ')');
    }
  }

  /**
   * A window function whose value does not depend on how ties are broken: partition-wide
   * aggregates and rank/dense_rank (equal sort keys get equal values).
   */
  private window(kind: Kind): Node {
    const r = this.r;
    const part = this.expr(this.anyKind(), 1);
    // ORDER BY in a window: the default frame (RANGE … CURRENT ROW) takes in all peers, so a running
    // aggregate's value depends on the sort key only, not on how ties are broken.
    const running = r.chance(0.4) ? [' ORDER BY ', this.expr(this.anyKind(), 1), r.pick(['', ' DESC', ' NULLS FIRST'])] : [];
    if (kind === 'int' && r.chance(0.5)) return node('int', `${r.pick(['rank', 'dense_rank'])}() OVER (PARTITION BY `, part, ' ORDER BY ', this.expr(this.anyKind(), 1), ')');
    if (kind === 'int') return node('int', 'count(*) OVER (PARTITION BY ', part, ...running, ')');
    if (kind === 'float' && r.chance(0.3)) return node('float', `${r.pick(['percent_rank', 'cume_dist'])}() OVER (PARTITION BY `, part, ' ORDER BY ', this.expr(this.anyKind(), 1), ')');
    if (kind === 'numeric' || kind === 'float') return node(kind, 'sum(', this.expr(kind, 1), ') OVER (PARTITION BY ', part, ...running, ')');
    if (kind === 'bool') return r.chance(0.5) ? node(kind, `${r.pick(['bool_and', 'bool_or'])}(`, this.pred(1), ') OVER (PARTITION BY ', part, ...running, ')') : this.expr(kind, 1);
    return node(kind, `${r.pick(['min', 'max'])}(`, this.expr(kind, 1), ') OVER (PARTITION BY ', part, ...running, ')');
  }

  /** FROM: a table and 0–2 foreign-key joins. */
  private from(): { base: Source; joins: JoinStep[] } {
    const r = this.r;
    this.subqueries = 0;
    const base: Source = { alias: 't0', table: r.pick(TABLES) };
    const sources = [base];
    const joins: JoinStep[] = [];
    const rows = (t: TableInfo): number => RANDOM_ROWS[t.name] ?? 1000;
    let est = rows(base.table);
    const n = r.pick([0, 0, 1, 1, 1, 2]);
    for (let i = 0; i < n; i++) {
      // fanout: rows of `to` per row of `from` (a referencing table joined from the referenced one).
      const options: { from: Source; col: string; to: TableInfo; toCol: string; fanout: number }[] = [];
      for (const s of sources) {
        for (const [t, c, rt, rc] of REFS) {
          const tt = TABLES.find((x) => x.name === t)!, rtt = TABLES.find((x) => x.name === rt)!;
          if (s.table.name === t) options.push({ from: s, col: c, to: rtt, toCol: rc, fanout: 1 });
          if (s.table.name === rt) options.push({ from: s, col: rc, to: tt, toCol: c, fanout: Math.max(1, rows(tt) / rows(rtt)) });
        }
      }
      if (!options.length) break;
      const o = r.pick(options);
      const source: Source = { alias: `t${sources.length}`, table: o.to };
      const type = r.pick<JoinStep['type']>(['JOIN', 'JOIN', 'LEFT JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN']);
      joins.push({ type, source, on: `${source.alias}.${o.toCol} = ${o.from.alias}.${o.col}` });
      sources.push(source);
      est *= o.fanout;
      if (type === 'RIGHT JOIN' || type === 'FULL JOIN') est = Math.max(est, rows(o.to));
    }
    this.scope = sources;
    this.fromRows = est;
    return { base, joins };
  }

  query(): GenQuery {
    const r = this.r;
    const { base, joins } = this.from();
    const shape = r.pick<GenQuery['shape']>(['select', 'select', 'distinct', 'aggregate', 'aggregate']);
    const where = r.chance(0.75) ? this.pred(r.int(1, 3)) : undefined;
    if (shape === 'aggregate') {
      // A bare literal in GROUP BY is an ordinal or an error: group by something with a column.
      const groupBy = Array.from({ length: r.int(0, 2) }, () => {
        const k = this.anyKind();
        const g = this.expr(k, r.int(0, 1));
        return /\bt\d\./.test(sqlOf(g)) ? g : (this.column(k) ?? this.column('int')!);
      });
      const aggs = Array.from({ length: r.int(1, 3) }, () => this.aggregate(r.int(0, 2)));
      const having = !groupBy.length || !r.chance(0.4) ? undefined : r.chance(0.5) ? node('bool', '(', this.aggregate(1), ' IS NOT NULL)') : node('bool', `(count(*) > ${r.int(0, 4)})`);
      const select = [...groupBy, ...aggs];
      // ROLLUP over columns only: PostgreSQL 17 folds a constant grouping expression (COALESCE(1.5,
      // x)) and then drops it from the ORDER BY as a constant, though the subtotal rows make it NULL
      // (fixed in 18): the order of its answer is then its plan's (seed 3680197694, query 936).
      const rollup = groupBy.length > 0 && groupBy.every((g) => /^t\d+\.\w+$/.test(sqlOf(g))) && r.chance(0.25);
      return this.decorate({ shape, base, joins, select, where, groupBy, having, rollup, limit: r.chance(0.2) ? r.int(0, 10) : undefined });
    }
    const kinds = Array.from({ length: r.int(1, 4) }, () => this.anyKind());
    const select = kinds.map((k) => (r.chance(0.1) ? this.window(k) : this.expr(k, r.int(0, 3))));
    const limit = r.chance(0.3) ? r.int(0, 20) : undefined;
    if (r.chance(0.15)) {
      // The same column kinds from another FROM: UNION / INTERSECT / EXCEPT [ALL].
      const other = this.from();
      const q2: GenQuery = { shape: 'select', ...other, select: kinds.map((k) => this.expr(k, r.int(0, 2))), where: r.chance(0.6) ? this.pred(r.int(1, 2)) : undefined, groupBy: [] };
      const op = `${r.pick(['UNION', 'INTERSECT', 'EXCEPT'])}${r.chance(0.4) ? ' ALL' : ''}`;
      return this.decorate({ shape: 'select', base, joins, select, where, groupBy: [], limit, setop: { op, q: q2 } });
    }
    return this.decorate({ shape, base, joins, select, where, groupBy: [], limit });
  }

  /** ORDER BY directions, OFFSET, and reading the query through a derived table or a CTE. */
  private decorate(q: GenQuery): GenQuery {
    const r = this.r;
    const directions = r.chance(0.3) ? q.select.map(() => r.pick(['', '', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'])) : undefined;
    const offset = q.limit !== undefined && r.chance(0.3) ? r.int(0, 5) : undefined;
    const wrap = r.chance(0.1) ? r.pick<'subquery' | 'cte'>(['subquery', 'cte']) : undefined;
    return { ...q, directions, offset, wrap };
  }

  /** A predicate, the FROM it ranges over and an additive aggregate, for ternary logic partitioning. */
  tlp(): { from: string; pred: Node; agg: string } {
    const { base, joins } = this.from();
    let from = `${base.table.name} ${base.alias}`;
    for (const j of joins) from += ` ${j.type} ${j.source.table.name} ${j.source.alias} ON ${j.on}`;
    // count(*) or an integer sum: both add up over the three partitions.
    const agg = this.r.chance(0.5) ? 'count(*)' : `coalesce(sum(${sqlOf(this.column('int')!)}), 0)`;
    return { from, pred: this.pred(this.r.int(1, 3)), agg };
  }
}

/**
 * Whether the query has a construct that keeps one of several equal values (1.5 and 1.50, 0 and
 * -0): DISTINCT, a set operation other than UNION ALL, GROUP BY, min/max, or a LIMIT that may cut
 * between equal rows. Which one PostgreSQL keeps depends on its plan (random-compare.ts).
 */
export function picksRepresentatives(q: GenQuery): boolean {
  if (q.shape === 'distinct' || q.limit !== undefined || q.offset !== undefined || q.groupBy.length > 0) return true;
  if (q.setop !== undefined && q.setop.op !== 'UNION ALL') return true;
  return [...q.select, ...(q.setop?.q.select ?? [])].some((e) => /\b(min|max)\(/.test(sqlOf(e)));
}

/** A per-query PRNG: query `i` of a run with `seed` is reproducible alone. */
export function queryPrng(seed: number, i: number): Prng {
  return new Prng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0);
}

/** Every node position in a tree (path of part indexes) whose subtree could be replaced. */
function positions(n: Node, path: number[] = [], out: number[][] = []): number[][] {
  out.push(path);
  n.parts.forEach((p, i) => {
    if (typeof p !== 'string') positions(p, [...path, i], out);
  });
  return out;
}

function at(n: Node, path: readonly number[]): Node {
  let cur = n;
  for (const i of path) cur = cur.parts[i] as Node;
  return cur;
}

function replaceAt(n: Node, path: readonly number[], by: Node): Node {
  if (path.length === 0) return by;
  const [i, ...rest] = path;
  const parts = n.parts.slice();
  parts[i!] = replaceAt(n.parts[i!] as Node, rest, by);
  return { kind: n.kind, parts };
}

/** Simpler versions of a node: each sub-node by a same-kind child or a literal. */
function simpler(n: Node): Node[] {
  const out: Node[] = [];
  const r = new Prng(1);
  for (const path of positions(n)) {
    const sub = at(n, path);
    if (sub.parts.length === 1 && typeof sub.parts[0] === 'string') continue; // a leaf already
    for (const p of sub.parts) if (typeof p !== 'string' && p.kind === sub.kind) out.push(replaceAt(n, path, p));
    out.push(replaceAt(n, path, literal(r, sub.kind)));
  }
  return out;
}

/** Candidate reductions of a query, roughly biggest first. */
export function* shrink(q: GenQuery): Generator<GenQuery> {
  if (q.wrap !== undefined) yield { ...q, wrap: undefined };
  if (q.offset !== undefined) yield { ...q, offset: undefined };
  if (q.limit !== undefined && q.offset === undefined) yield { ...q, limit: undefined };
  if (q.directions !== undefined) yield { ...q, directions: undefined };
  if (q.rollup) yield { ...q, rollup: false };
  if (q.setop) yield { ...q, setop: undefined };
  if (q.having) yield { ...q, having: undefined };
  if (q.where) yield { ...q, where: undefined };
  for (let j = q.joins.length - 1; j >= 0; j--) {
    const gone = q.joins[j]!.source.alias + '.';
    const rest = q.joins.filter((_, i) => i !== j);
    const trial: GenQuery = { ...q, joins: rest };
    // Only when nothing else mentions the dropped table (its alias).
    if (!sqlOfQuery(trial).includes(gone)) yield trial;
    if (q.joins[j]!.type !== 'JOIN') yield { ...q, joins: q.joins.map((x, i) => (i === j ? { ...x, type: 'JOIN' } : x)) };
  }
  if (q.shape === 'distinct') yield { ...q, shape: 'select' };
  if (q.select.length > 1 && !q.setop) for (let i = 0; i < q.select.length; i++) yield { ...q, select: q.select.filter((_, k) => k !== i), directions: q.directions?.filter((_, k) => k !== i) };
  for (let i = 0; i < q.select.length; i++) {
    for (const s of simpler(q.select[i]!)) yield { ...q, select: q.select.map((x, k) => (k === i ? s : x)) };
  }
  if (q.where) for (const w of simpler(q.where)) yield { ...q, where: w };
  if (q.having) for (const h of simpler(q.having)) yield { ...q, having: h };
}
