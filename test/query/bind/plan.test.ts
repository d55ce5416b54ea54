/*
 * Binder plan shapes (junk sort columns, DISTINCT ON, correlation, CTE ids, WITH RECURSIVE,
 * LATERAL, grouping sets) and $n type inference against PostgreSQL 17 (PREPARE +
 * pg_prepared_statements.parameter_types).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlTypeName } from '../../../src/pg/types.js';
import type { Expr } from '../../../src/query/bind/bound.js';
import type { BindCatalog } from '../../../src/query/bind/context.js';
import { bindQuery } from '../../../src/query/bind/query.js';
import { normalize } from '../../../src/query/normalize.js';
import type { LogicalPlan } from '../../../src/query/logical/plan.js';
import { testDatabase, type TestDatabase } from '../../support/pg.js';
import { loadParser, parseSync } from './parse.js';
import { catalogFrom, testBuiltins } from './support.js';

let db: TestDatabase;
let catalog: BindCatalog;

beforeAll(async () => {
  await loadParser();
  testBuiltins();
  db = await testDatabase('bindplan');
  await db.client.query(`
    CREATE TABLE t (id int PRIMARY KEY, a int, b text, c numeric(10,2), e timestamptz, g int8);
    CREATE TABLE u (id int PRIMARY KEY, t_id int, name text);`);
  catalog = await catalogFrom(db.client);
});

afterAll(async () => {
  await db?.drop();
});

const bind = (sql: string, paramTypes: number[] = []): ReturnType<typeof bindQuery> => bindQuery(parseSync(sql), { sql, paramTypes, catalog });

/** Node kinds from the root down the first input. */
function spine(p: LogicalPlan): string[] {
  const out: string[] = [];
  let n: LogicalPlan | undefined = p;
  while (n !== undefined) {
    out.push(n.kind);
    n = 'input' in n ? n.input : n.kind === 'join' ? n.left : undefined;
  }
  return out;
}

function find(p: LogicalPlan, kind: LogicalPlan['kind']): LogicalPlan[] {
  const out: LogicalPlan[] = [];
  const visit = (n: LogicalPlan): void => {
    if (n.kind === kind) out.push(n);
    for (const c of ['input', 'left', 'right', 'plan', 'nonRecursive', 'recursive'] as const) {
      const child = (n as unknown as Record<string, LogicalPlan | undefined>)[c];
      if (child !== undefined && typeof child === 'object' && 'kind' in child) visit(child);
    }
  };
  visit(p);
  return out;
}

describe('plan shapes', () => {
  it('ORDER BY a non-output expression sorts on a junk column and drops it', () => {
    const p = bind('SELECT b FROM t ORDER BY a + 1 DESC').plan;
    expect(spine(p)).toEqual(['project', 'sort', 'project', 'scan']);
    const sort = find(p, 'sort')[0] as Extract<LogicalPlan, { kind: 'sort' }>;
    expect(sort.keys[0]).toMatchObject({ desc: true, nullsFirst: true, expr: { kind: 'column', index: 1 } });
    expect(p.columns.map((c) => c.name)).toEqual(['b']);
  });

  it('DISTINCT ON sorts by its expressions first, then keeps one row per group', () => {
    const p = bind('SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC LIMIT 2').plan;
    expect(spine(p)).toEqual(['limit', 'distinct', 'sort', 'project', 'scan']);
  });

  it('WHERE, GROUP BY, HAVING, window, ORDER BY, LIMIT in PostgreSQL order', () => {
    const p = bind('SELECT a, count(*), rank() OVER (ORDER BY count(*)) FROM t WHERE id > 0 GROUP BY a HAVING count(*) > 1 ORDER BY 1 LIMIT 3').plan;
    expect(spine(p)).toEqual(['limit', 'sort', 'project', 'window', 'filter', 'aggregate', 'filter', 'scan']);
  });

  it('a correlated scalar subquery reads the outer row one level up', () => {
    const p = bind('SELECT (SELECT name FROM u WHERE u.t_id = t.id) FROM t').plan as Extract<LogicalPlan, { kind: 'project' }>;
    const sub = p.exprs[0] as Extract<Expr, { kind: 'subquery' }>;
    expect(sub).toMatchObject({ kind: 'subquery', sublink: 'scalar', correlated: true });
    const filter = find(sub.plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    const call = filter.predicate as Extract<Expr, { kind: 'call' }>;
    expect(call.args[1]).toMatchObject({ kind: 'column', index: 0, levelsUp: 1 });
    const unc = (bind('SELECT (SELECT max(name) FROM u) FROM t').plan as Extract<LogicalPlan, { kind: 'project' }>).exprs[0];
    expect(unc).toMatchObject({ kind: 'subquery', correlated: false });
  });

  it('a WITH query referenced twice is one CTE id', () => {
    const p = bind('WITH x AS (SELECT id FROM t) SELECT * FROM x a JOIN x b USING (id)').plan;
    const ctes = find(p, 'cte') as Extract<LogicalPlan, { kind: 'cte' }>[];
    expect(ctes.length).toBe(2);
    expect(ctes[0]!.id).toBe(ctes[1]!.id);
  });

  it('WITH RECURSIVE is a recursive union over a work table', () => {
    const p = bind('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r').plan;
    const ru = find(p, 'recursiveunion')[0] as Extract<LogicalPlan, { kind: 'recursiveunion' }>;
    expect(ru.all).toBe(true);
    expect(find(ru.recursive, 'worktable')[0]).toMatchObject({ kind: 'worktable', id: ru.id });
  });

  it('LATERAL and functions reading earlier FROM items are lateral joins', () => {
    const j = find(bind('SELECT * FROM t, LATERAL (SELECT name FROM u WHERE u.t_id = t.id) l').plan, 'join')[0];
    expect(j).toMatchObject({ kind: 'join', lateral: true });
    const f = find(bind('SELECT n FROM t, generate_series(1, t.a) s(n)').plan, 'join')[0];
    expect(f).toMatchObject({ kind: 'join', lateral: true });
    const nf = find(bind('SELECT n FROM t, generate_series(1, 3) s(n)').plan, 'join')[0];
    expect(nf).toMatchObject({ kind: 'join', lateral: false });
  });

  it('ROLLUP expands to grouping sets', () => {
    const agg = find(bind('SELECT a, b, count(*) FROM t GROUP BY ROLLUP (a, b)').plan, 'aggregate')[0] as Extract<LogicalPlan, { kind: 'aggregate' }>;
    expect(agg.groupingSets).toEqual([[0, 1], [0], []]);
  });

  it('a column of a table whose primary key is grouped is allowed', () => {
    const agg = find(bind('SELECT t.id, t.b, count(u.id) FROM t LEFT JOIN u ON u.t_id = t.id GROUP BY t.id').plan, 'aggregate')[0] as Extract<LogicalPlan, { kind: 'aggregate' }>;
    expect(agg.groupBy.length).toBe(2);
  });

  it('a correlated subquery above GROUP BY reads the grouped column of the Aggregate', () => {
    const p = bind('SELECT b, (SELECT count(*) FROM u WHERE u.t_id = t.a) FROM t GROUP BY b, a').plan as Extract<LogicalPlan, { kind: 'project' }>;
    const sub = p.exprs[1] as Extract<Expr, { kind: 'subquery' }>;
    const filter = find(sub.plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    expect((filter.predicate as Extract<Expr, { kind: 'call' }>).args[1]).toMatchObject({ kind: 'column', index: 1, levelsUp: 1 });
  });

  it('a conjunct repeated in every OR branch is factored out (find_duplicate_ors)', () => {
    const f = find(bind('SELECT 1 FROM t, u WHERE (t.id = u.t_id AND t.a = 1) OR (t.id = u.t_id AND t.a = 2)').plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    expect(f.predicate).toMatchObject({ kind: 'and', args: [{ kind: 'call' }, { kind: 'or' }] });
    const g = find(bind('SELECT 1 FROM t WHERE (a = 1 AND b = \'x\') OR a = 1').plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    expect(g.predicate).toMatchObject({ kind: 'call' });
  });

  it('IN (list) of one type is = ANY (ARRAY[…])', () => {
    const f = find(bind('SELECT 1 FROM t WHERE a IN (1, 2, 3)').plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    expect(f.predicate).toMatchObject({ kind: 'scalararrayop', useOr: true, right: { kind: 'array' } });
  });
});

describe('lifted literals as value slots', () => {
  const slots = (sql: string): number[] => {
    const norm = normalize(sql)!;
    const liftedAt = new Map(norm.literals.map((l, i) => [l.location, i] as const));
    return [...(bindQuery(parseSync(sql), { sql, paramTypes: [], catalog, liftedAt }).usedLiterals ?? [])].sort();
  };
  it('comparison operands, IN items, strings and LIMIT are slots', () => {
    expect(slots('SELECT * FROM t WHERE id = 42')).toEqual([0]);
    expect(slots("SELECT b FROM t WHERE b = 'x' AND a IN (1, 2) LIMIT 5")).toEqual([0, 1, 2, 3]);
    expect(slots("SELECT e FROM t WHERE e > '2024-01-01'")).toEqual([0]);
  });
  it('integers whose type reaches the output, ordinals and GROUP BY matches are not', () => {
    expect(slots('SELECT 1')).toEqual([]);
    expect(slots('SELECT a + 1 FROM t')).toEqual([]);
    expect(slots('SELECT a FROM t ORDER BY 1')).toEqual([]);
    expect(slots('SELECT a + 1.5 FROM t GROUP BY a + 1.5')).toEqual([]);
    expect(slots("SELECT b || 'x' FROM t")).toEqual([0]);
  });
  it('a slotted constant carries its slot through coercion', () => {
    const sql = 'SELECT * FROM t WHERE c = 1.5';
    const norm = normalize(sql)!;
    const b = bindQuery(parseSync(sql), { sql, paramTypes: [], catalog, liftedAt: new Map([[norm.literals[0]!.location, 0]]) });
    const f = find(b.plan, 'filter')[0] as Extract<LogicalPlan, { kind: 'filter' }>;
    expect((f.predicate as Extract<Expr, { kind: 'call' }>).args[1]).toMatchObject({ kind: 'const', slot: 0 });
  });
});

const PARAMS: readonly string[] = [
  'SELECT a FROM t WHERE a = $1',
  'SELECT $1 + 1',
  'SELECT b FROM t WHERE b LIKE $1',
  'SELECT $1',
  'SELECT * FROM t LIMIT $1 OFFSET $2',
  'SELECT a FROM t WHERE a IN ($1, $2)',
  'SELECT $1::int8',
  'SELECT c FROM t WHERE c > $1',
  'SELECT e FROM t WHERE e > $1',
  'SELECT coalesce($1, a) FROM t',
  'SELECT a FROM t WHERE a = $1 OR g = $1',
  'SELECT 1 FROM t WHERE (SELECT count(*) FROM u WHERE u.t_id = $1) > 0',
];

describe('$n types inferred as PostgreSQL 17', () => {
  for (const sql of PARAMS) {
    it(sql, async () => {
      const name = `p${Math.random().toString(36).slice(2)}`;
      await db.client.query(`PREPARE ${name} AS ${sql}`);
      const r = await db.client.query<{ t: string[] }>(`SELECT parameter_types::text[] AS t FROM pg_prepared_statements WHERE name = $1`, [name]);
      await db.client.query(`DEALLOCATE ${name}`);
      expect(bind(sql).paramTypes.map((t) => sqlTypeName(t))).toEqual(r.rows[0]!.t);
    });
  }

  it('declared types are kept and an unused one stays', () => {
    expect(bind('SELECT $1', [20]).paramTypes).toEqual([20]);
  });
});
