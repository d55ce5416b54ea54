/*
 * deparse.ts — an expression as EXPLAIN prints it: column names as bound ("t.a"), operators infix
 * in parentheses as PostgreSQL does ("(a.id = b.a_id)"), constants as their output text.
 */
import type { Expr } from '../bind/bound.js';
import { DEFAULT_OUTPUT } from '../types/datum.js';
import { typeInfo } from '../types/registry.js';

function literal(e: Expr & { kind: 'const' }): string {
  if (e.value === null) return 'NULL';
  let text: string;
  try {
    text = typeInfo(e.type).output(e.value, DEFAULT_OUTPUT);
  } catch {
    text = '?';
  }
  const t = typeInfo(e.type);
  if (t.category === 'N' && e.type !== 1700) return text;
  return `'${text.replace(/'/g, "''")}'::${t.sqlName}`;
}

export function deparse(e: Expr): string {
  switch (e.kind) {
    case 'const':
      return literal(e);
    case 'param':
      return `$${e.index}`;
    case 'column':
      return e.name;
    case 'call':
      if (e.def.kind === 'op') {
        if (e.args.length === 1) return `(${e.def.name} ${deparse(e.args[0]!)})`;
        return `(${deparse(e.args[0]!)} ${e.def.name} ${deparse(e.args[1]!)})`;
      }
      return `${e.def.name}(${e.args.map(deparse).join(', ')})`;
    case 'cast':
      return `(${deparse(e.arg)})::${typeInfo(e.type).sqlName}`;
    case 'and':
    case 'or':
      return `(${e.args.map(deparse).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${deparse(e.arg)})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${deparse(w.when)} THEN ${deparse(w.then)}`).join(' ')}${e.else === null ? '' : ` ELSE ${deparse(e.else)}`} END`;
    case 'coalesce':
      return `COALESCE(${e.args.map(deparse).join(', ')})`;
    case 'nullif':
      return `NULLIF(${deparse(e.args[0])}, ${deparse(e.args[1])})`;
    case 'greatest':
    case 'least':
      return `${e.kind.toUpperCase()}(${e.args.map(deparse).join(', ')})`;
    case 'nulltest':
      return `(${deparse(e.arg)} IS ${e.isNull ? '' : 'NOT '}NULL)`;
    case 'booltest':
      return `(${deparse(e.arg)} IS ${e.negate ? 'NOT ' : ''}${e.test.toUpperCase()})`;
    case 'distinct':
      return `(${deparse(e.args[0])} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${deparse(e.args[1])})`;
    case 'scalararrayop':
      return `(${deparse(e.left)} ${e.op.name} ${e.useOr ? 'ANY' : 'ALL'} (${deparse(e.right)}))`;
    case 'array':
      return `ARRAY[${e.items.map(deparse).join(', ')}]`;
    case 'row':
      return `ROW(${e.args.map(deparse).join(', ')})`;
    case 'subscript':
      return `${deparse(e.arg)}${e.lower.map((l, i) => `[${l === null ? '' : deparse(l)}${e.upper === null ? '' : `:${e.upper[i] ? deparse(e.upper[i]) : ''}`}]`).join('')}`;
    case 'field':
      return `(${deparse(e.arg)}).f${e.field + 1}`;
    case 'subquery':
      return e.sublink === 'exists' ? '(EXISTS (SubPlan))' : e.sublink === 'scalar' ? '(SubPlan)' : `(${e.sublink.toUpperCase()} (SubPlan))`;
    case 'grouping':
      return `GROUPING(${e.refs.join(', ')})`;
  }
}
