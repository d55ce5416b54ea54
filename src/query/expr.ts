/*
 * expr.ts — WHERE clauses: analysis of the parse tree into typed predicates, and their evaluation
 * over stored rows with PostgreSQL's three-valued logic.
 *
 *   parse tree ──analyzePred()──► Pred (typed, domains resolved, parameters inferred)
 *   Pred + Args ──bindPred()────► RowTest: (row) → true | false | null   (once per execution)
 *
 * Analysis happens once per plan; binding once per execution (constants are canonicalised and
 * encoded there, so a wrong parameter fails with its type's SQLSTATE before any row is read);
 * evaluation per row only reads and encodes the row's own column bytes.
 *
 * Supported: = <> < <= > >= (and !=), [NOT] IN (list), op ANY/ALL (array parameter, array literal
 * or ARRAY[…]), [NOT] BETWEEN [SYMMETRIC], [NOT] LIKE [ESCAPE], IS [NOT] NULL, IS [NOT]
 * TRUE/FALSE/UNKNOWN, IS [NOT] DISTINCT FROM, AND, OR, NOT, boolean columns and constants; operands
 * are columns (optionally cast to text), constants, parameters and casts of those. NULL follows
 * SQL: a comparison with NULL is NULL, AND/OR/NOT use Kleene logic, WHERE keeps only true rows.
 *
 * Interface:
 *   ColumnScope                     resolves column references of the FROM item
 *   analyzePred(ctx, scope, node)   Pred or throws (42703, 42883, 42804, 0A000, …)
 *   conjuncts(pred)                 the top-level AND list (for access paths)
 *   bindPred(pred, args, tz)        RowTest for this execution
 *   operandText / bindValueBytes    helpers shared with the access-path builder
 */
import type { A_Expr, BooleanTest, BoolExpr, ColumnRef, FuncCall, NullTest } from 'libpg-query';
import { SqlError } from '../errors.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { columnValue } from '../store/row.js';
import { compareBytes, compileLike, encodeFor, isTextType, resolveDomain, type CmpOp, type Domain, type LikePattern } from './compare.js';
import { notSupported, operatorDoesNotExist, positionOf } from './errors.js';
import { byteaBytes, parseArrayLiteral, inputText } from './input.js';
import { nodeKind, stringList, type Node } from './parse.js';
import { arrayTypeOf, elementTypeOf, Oid, sqlTypeName, typeByName } from '../pg/types.js';
import { at, castTarget, coerceValue, isUnknown, valueFromNode, valueText, valueType, type Args, type BuildContext, type Value } from './values.js';

export interface ColumnScope {
  /** Index and type of the column a reference names; throws 42703 / 42P01. */
  resolve(fields: readonly string[], location: number): { readonly index: number; readonly type: number };
}

export type Operand =
  | { readonly k: 'col'; readonly index: number; readonly type: number; readonly location: number }
  | { readonly k: 'val'; readonly v: Value };

export type ArrayOperand =
  /** An array-typed parameter or literal: elements parsed from its text at bind. */
  | { readonly k: 'text'; readonly v: Value; readonly elemType: number }
  | { readonly k: 'list'; readonly items: readonly Operand[] };

export type CompareOp = CmpOp | '<>';

export type Pred =
  | { readonly k: 'and' | 'or'; readonly args: readonly Pred[] }
  | { readonly k: 'not'; readonly arg: Pred }
  | { readonly k: 'cmp'; readonly op: CompareOp; readonly left: Operand; readonly right: Operand; readonly domain: Domain }
  | { readonly k: 'in'; readonly left: Operand; readonly items: readonly Operand[]; readonly negate: boolean; readonly domain: Domain }
  | { readonly k: 'any'; readonly op: CompareOp; readonly left: Operand; readonly array: ArrayOperand; readonly all: boolean; readonly domain: Domain }
  /** bytea: both sides are bytea (memstore keys); matched on their bytes, one character per byte. */
  | { readonly k: 'like'; readonly left: Operand; readonly pattern: Operand; readonly escape: Value | null; readonly negate: boolean; readonly bytea?: boolean }
  | { readonly k: 'isnull'; readonly arg: Operand | null; readonly pred: Pred | null; readonly negate: boolean }
  | { readonly k: 'booltest'; readonly arg: Pred; readonly test: 'true' | 'false' | 'unknown'; readonly negate: boolean }
  | { readonly k: 'distinct'; readonly left: Operand; readonly right: Operand; readonly negate: boolean; readonly domain: Domain }
  | { readonly k: 'bool'; readonly arg: Operand }
  | { readonly k: 'const'; readonly value: boolean | null };

export type Tri = boolean | null;
export type RowTest = (row: Uint8Array) => Tri;

const CMP_OPS = new Set(['=', '<>', '<', '<=', '>', '>=']);

// --- analysis -------------------------------------------------------------------------------------

export function analyzeOperand(ctx: BuildContext, scope: ColumnScope, node: Node | undefined): Operand {
  if (node !== undefined && 'ColumnRef' in node) return columnOperand(scope, node.ColumnRef);
  if (node !== undefined && 'TypeCast' in node && node.TypeCast.arg !== undefined && 'ColumnRef' in node.TypeCast.arg) {
    const col = columnOperand(scope, node.TypeCast.arg.ColumnRef);
    const to = castTarget(ctx, node.TypeCast);
    if (to === col.type) return col;
    if (isTextType(to) && col.type !== Oid.bool && col.type !== Oid.bpchar) return { ...col, type: to };
    throw notSupported(`memstore cannot cast column values of type ${sqlTypeName(col.type)} to ${sqlTypeName(to)} in WHERE`, at(ctx, node.TypeCast.location));
  }
  const v = valueFromNode(ctx, node);
  if (v !== null) return { k: 'val', v };
  const kind = nodeKind(node);
  if (kind === 'FuncCall') {
    const f = (node as { FuncCall: FuncCall }).FuncCall;
    throw notSupported(`function calls in WHERE are not supported by memstore (${stringList(f.funcname).join('.')})`, at(ctx, f.location));
  }
  if (kind === 'SubLink') throw notSupported('subqueries are not supported by memstore', at(ctx, -1));
  throw notSupported(`memstore does not support this expression in WHERE (${kind})`, at(ctx, -1));
}

function columnOperand(scope: ColumnScope, ref: ColumnRef): Operand & { k: 'col' } {
  const fields = stringList(ref.fields);
  const location = ref.location ?? -1;
  if (fields[fields.length - 1] === '*') throw notSupported('"*" is not a value');
  const c = scope.resolve(fields, location);
  return { k: 'col', index: c.index, type: c.type, location };
}

export function operandType(o: Operand): number {
  return o.k === 'col' ? o.type : valueType(o.v);
}

/** Types two operands for a comparison: unknowns take the other side's type (or text). */
function typePair(ctx: BuildContext, op: string, l: Operand, r: Operand, location: number): Domain {
  if (l.k === 'val' && isUnknown(l.v) && !(r.k === 'val' && isUnknown(r.v))) coerceValue(ctx, l.v, operandType(r));
  else if (r.k === 'val' && isUnknown(r.v) && !(l.k === 'val' && isUnknown(l.v))) coerceValue(ctx, r.v, operandType(l));
  else if (l.k === 'val' && r.k === 'val' && isUnknown(l.v) && isUnknown(r.v)) {
    coerceValue(ctx, l.v, Oid.text);
    coerceValue(ctx, r.v, Oid.text);
  }
  return resolveDomain(op, operandType(l), operandType(r), at(ctx, location));
}

function opName(e: A_Expr): string {
  const names = stringList(e.name);
  if (names.length === 2 && names[0] !== 'pg_catalog') return names.join('.');
  return names[names.length - 1] ?? '';
}

export function analyzePred(ctx: BuildContext, scope: ColumnScope, node: Node | undefined): Pred {
  if (node === undefined) return { k: 'const', value: true };
  if ('BoolExpr' in node) return boolExpr(ctx, scope, node.BoolExpr);
  if ('A_Expr' in node) return aExpr(ctx, scope, node.A_Expr);
  if ('NullTest' in node) return nullTest(ctx, scope, node.NullTest);
  if ('BooleanTest' in node) return booleanTest(ctx, scope, node.BooleanTest);
  if ('SubLink' in node) throw notSupported('subqueries are not supported by memstore', at(ctx, node.SubLink.location));
  // A boolean column, constant or parameter used as a condition.
  const o = analyzeOperand(ctx, scope, node);
  if (o.k === 'val') {
    coerceValue(ctx, o.v, Oid.bool);
    if (o.v.ref.k === 'const' && o.v.casts.length === 0 && valueType(o.v) === Oid.bool && o.v.origin !== 'param') {
      const t = o.v.ref.text;
      if (o.v.origin === 'null' || t === null) return { k: 'const', value: null };
      if (o.v.origin === 'bool') return { k: 'const', value: t === 't' };
    }
  }
  const type = operandType(o);
  if (type !== Oid.bool) {
    throw new SqlError(SQLSTATE.datatype_mismatch, `argument of WHERE must be type boolean, not type ${sqlTypeName(type)}`, {
      ...(posOf(ctx, o.k === 'col' ? o.location : o.v.location)),
    });
  }
  return { k: 'bool', arg: o };
}

function posOf(ctx: BuildContext, location: number): { position?: number } {
  const position = positionOf(ctx.sql, location);
  return position === undefined ? {} : { position };
}

function boolExpr(ctx: BuildContext, scope: ColumnScope, b: BoolExpr): Pred {
  const args = (b.args ?? []).map((a) => analyzePred(ctx, scope, a));
  if (b.boolop === 'AND_EXPR') return { k: 'and', args };
  if (b.boolop === 'OR_EXPR') return { k: 'or', args };
  return { k: 'not', arg: args[0] ?? { k: 'const', value: null } };
}

function nullTest(ctx: BuildContext, scope: ColumnScope, t: NullTest): Pred {
  const negate = t.nulltesttype === 'IS_NOT_NULL';
  const arg = t.arg;
  const kind = nodeKind(arg);
  if (kind === 'BoolExpr' || kind === 'A_Expr' || kind === 'NullTest' || kind === 'BooleanTest') {
    return { k: 'isnull', arg: null, pred: analyzePred(ctx, scope, arg), negate };
  }
  const o = analyzeOperand(ctx, scope, arg);
  if (o.k === 'val') coerceValue(ctx, o.v, Oid.text);
  return { k: 'isnull', arg: o, pred: null, negate };
}

function booleanTest(ctx: BuildContext, scope: ColumnScope, t: BooleanTest): Pred {
  const arg = analyzePred(ctx, scope, t.arg);
  switch (t.booltesttype) {
    case 'IS_TRUE':
      return { k: 'booltest', arg, test: 'true', negate: false };
    case 'IS_NOT_TRUE':
      return { k: 'booltest', arg, test: 'true', negate: true };
    case 'IS_FALSE':
      return { k: 'booltest', arg, test: 'false', negate: false };
    case 'IS_NOT_FALSE':
      return { k: 'booltest', arg, test: 'false', negate: true };
    case 'IS_UNKNOWN':
      return { k: 'booltest', arg, test: 'unknown', negate: false };
    case 'IS_NOT_UNKNOWN':
    case undefined:
      return { k: 'booltest', arg, test: 'unknown', negate: true };
  }
}

function aExpr(ctx: BuildContext, scope: ColumnScope, e: A_Expr): Pred {
  const location = e.location ?? -1;
  const op = opName(e);
  switch (e.kind) {
    case 'AEXPR_OP': {
      // `a ~~ b` is LIKE spelled as its operator (postgres_fdw deparses LIKE so).
      if (op === '~~' || op === '!~~') return aExpr(ctx, scope, { ...e, kind: 'AEXPR_LIKE' });
      if (!CMP_OPS.has(op) || e.lexpr === undefined) {
        throw notSupported(`operator ${op} is not supported by memstore (comparisons =, <>, <, <=, >, >= are)`, at(ctx, location));
      }
      const left = analyzeOperand(ctx, scope, e.lexpr);
      const right = analyzeOperand(ctx, scope, e.rexpr);
      const domain = typePair(ctx, op, left, right, location);
      return { k: 'cmp', op: op as CompareOp, left, right, domain };
    }
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const left = analyzeOperand(ctx, scope, e.lexpr);
      const right = analyzeOperand(ctx, scope, e.rexpr);
      const domain = typePair(ctx, '=', left, right, location);
      return { k: 'distinct', left, right, negate: e.kind === 'AEXPR_NOT_DISTINCT', domain };
    }
    case 'AEXPR_IN': {
      const left = analyzeOperand(ctx, scope, e.lexpr);
      const list = e.rexpr !== undefined && 'List' in e.rexpr ? (e.rexpr.List.items ?? []) : [];
      const items = list.map((n) => analyzeOperand(ctx, scope, n));
      let domain: Domain | null = null;
      for (const item of items) domain = typePair(ctx, '=', left, item, location);
      return { k: 'in', left, items, negate: op === '<>', domain: domain ?? resolveDomain('=', operandType(left), operandType(left)) };
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL': {
      if (!CMP_OPS.has(op)) throw notSupported(`operator ${op} is not supported by memstore`, at(ctx, location));
      const left = analyzeOperand(ctx, scope, e.lexpr);
      const { array, domain } = arrayOperand(ctx, scope, op, left, e.rexpr, location);
      return { k: 'any', op: op as CompareOp, left, array, all: e.kind === 'AEXPR_OP_ALL', domain };
    }
    case 'AEXPR_LIKE': {
      const left = analyzeOperand(ctx, scope, e.lexpr);
      let patternNode = e.rexpr;
      let escape: Value | null = null;
      if (patternNode !== undefined && 'FuncCall' in patternNode && stringList(patternNode.FuncCall.funcname).join('.') === 'pg_catalog.like_escape') {
        const args = patternNode.FuncCall.args ?? [];
        patternNode = args[0];
        escape = valueFromNode(ctx, args[1]);
        if (escape === null) throw notSupported('ESCAPE must be a constant or parameter in memstore', at(ctx, location));
        coerceValue(ctx, escape, Oid.text);
      }
      const pattern = analyzeOperand(ctx, scope, patternNode);
      const bytea = operandType(left) === Oid.bytea;
      if (pattern.k === 'val') coerceValue(ctx, pattern.v, bytea ? Oid.bytea : Oid.text);
      const lt = operandType(left);
      const pt = operandType(pattern);
      if (bytea ? pt !== Oid.bytea : !isTextType(lt) || !isTextType(pt)) throw operatorDoesNotExist(op, lt, pt, at(ctx, location));
      if (pattern.k === 'col') throw notSupported('LIKE with a column as the pattern is not supported by memstore', at(ctx, location));
      return { k: 'like', left, pattern, escape, negate: op === '!~~', ...(bytea ? { bytea: true } : {}) };
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const items = e.rexpr !== undefined && 'List' in e.rexpr ? (e.rexpr.List.items ?? []) : [];
      const between = (lo: Node | undefined, hi: Node | undefined): Pred => {
        const x1 = analyzeOperand(ctx, scope, e.lexpr);
        const a = analyzeOperand(ctx, scope, lo);
        const x2 = analyzeOperand(ctx, scope, e.lexpr);
        const b = analyzeOperand(ctx, scope, hi);
        return {
          k: 'and',
          args: [
            { k: 'cmp', op: '>=', left: x1, right: a, domain: typePair(ctx, '>=', x1, a, location) },
            { k: 'cmp', op: '<=', left: x2, right: b, domain: typePair(ctx, '<=', x2, b, location) },
          ],
        };
      };
      let p = between(items[0], items[1]);
      if (e.kind === 'AEXPR_BETWEEN_SYM' || e.kind === 'AEXPR_NOT_BETWEEN_SYM') p = { k: 'or', args: [p, between(items[1], items[0])] };
      return e.kind === 'AEXPR_NOT_BETWEEN' || e.kind === 'AEXPR_NOT_BETWEEN_SYM' ? { k: 'not', arg: p } : p;
    }
    case 'AEXPR_ILIKE':
      throw notSupported('ILIKE is not supported by memstore (LIKE is)', at(ctx, location));
    case 'AEXPR_NULLIF':
    case 'AEXPR_SIMILAR':
    case undefined:
      throw notSupported(`memstore does not support ${String(e.kind).replace('AEXPR_', '')} expressions`, at(ctx, location));
  }
}

function arrayOperand(
  ctx: BuildContext,
  scope: ColumnScope,
  op: string,
  left: Operand,
  node: Node | undefined,
  location: number,
): { array: ArrayOperand; domain: Domain } {
  if (node !== undefined && 'A_ArrayExpr' in node) {
    const items = (node.A_ArrayExpr.elements ?? []).map((n) => analyzeOperand(ctx, scope, n));
    let domain: Domain | null = null;
    for (const item of items) domain = typePair(ctx, op, left, item, location);
    return { array: { k: 'list', items }, domain: domain ?? resolveDomain(op, operandType(left), operandType(left)) };
  }
  const v = arrayCast(ctx, node) ?? valueFromNode(ctx, node);
  if (v === null) throw notSupported('ANY/ALL takes an array parameter, an array literal or ARRAY[…] in memstore', at(ctx, location));
  const lt = operandType(left);
  if (isUnknown(v)) {
    const arrayType = arrayTypeOf(lt === Oid.unknown ? Oid.text : lt);
    if (arrayType === 0) throw notSupported(`memstore has no array type for ${sqlTypeName(lt)}`, at(ctx, location));
    coerceValue(ctx, v, arrayType);
  }
  const elem = elementTypeOf(valueType(v));
  if (elem === 0) {
    throw new SqlError(SQLSTATE.wrong_object_type, 'op ANY/ALL (array) requires array on right side', { ...posOf(ctx, location) });
  }
  const domain = resolveDomain(op, lt, elem, at(ctx, location));
  return { array: { k: 'text', v, elemType: elem }, domain };
}

/**
 * `'{1,2}'::bigint[]` or `$1::bigint[]` (postgres_fdw sends IN lists as `= ANY (…)` so): the
 * untyped literal or parameter typed as the array; null for anything else.
 */
function arrayCast(ctx: BuildContext, node: Node | undefined): Value | null {
  if (node === undefined || !('TypeCast' in node)) return null;
  const tn = node.TypeCast.typeName;
  if (tn?.arrayBounds?.length !== 1 || (tn.typmods?.length ?? 0) > 0) return null;
  const elem = typeByName(stringList(tn.names));
  const arrayType = elem === undefined ? 0 : arrayTypeOf(elem);
  const inner = valueFromNode(ctx, node.TypeCast.arg);
  if (arrayType === 0 || inner === null || !isUnknown(inner) || inner.casts.length > 0) return null;
  coerceValue(ctx, inner, arrayType);
  return inner;
}

/** The top-level AND list of a predicate. */
export function conjuncts(p: Pred): Pred[] {
  if (p.k !== 'and') return [p];
  return p.args.flatMap(conjuncts);
}

// --- binding and evaluation -------------------------------------------------------------------------

type Getter = (row: Uint8Array) => Uint8Array | null;

/** Canonical text of a value operand as bytes, or null. */
export function bindValueBytes(v: Value, args: Args, tz: string): Uint8Array | null {
  const t = valueText(v, args, tz);
  return t === null ? null : Buffer.from(t, 'utf8');
}

function bindOperand(o: Operand, domain: Domain, args: Args, tz: string): Getter {
  if (o.k === 'col') {
    const idx = o.index;
    const type = o.type;
    return (row) => {
      const b = columnValue(row, idx);
      return b === null || b === undefined ? null : encodeFor(domain, type, b);
    };
  }
  const b = bindValueBytes(o.v, args, tz);
  const enc = b === null ? null : encodeFor(domain, valueType(o.v), b);
  return () => enc;
}

function compare(op: CompareOp, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Elements of an array operand as canonical texts of its element type. */
export function arrayElements(a: ArrayOperand & { k: 'text' }, args: Args, tz: string): (string | null)[] | null {
  const text = valueText(a.v, args, tz);
  if (text === null) return null;
  return parseArrayLiteral(text).map((e) => (e === null ? null : inputText(a.elemType, e, tz)));
}

export function bindPred(p: Pred, args: Args, tz: string): RowTest {
  switch (p.k) {
    case 'const': {
      const v = p.value;
      return () => v;
    }
    case 'and': {
      const tests = p.args.map((a) => bindPred(a, args, tz));
      return (row) => {
        let result: Tri = true;
        for (const t of tests) {
          const r = t(row);
          if (r === false) return false;
          if (r === null) result = null;
        }
        return result;
      };
    }
    case 'or': {
      const tests = p.args.map((a) => bindPred(a, args, tz));
      return (row) => {
        let result: Tri = false;
        for (const t of tests) {
          const r = t(row);
          if (r === true) return true;
          if (r === null) result = null;
        }
        return result;
      };
    }
    case 'not': {
      const t = bindPred(p.arg, args, tz);
      return (row) => {
        const r = t(row);
        return r === null ? null : !r;
      };
    }
    case 'cmp': {
      const l = bindOperand(p.left, p.domain, args, tz);
      const r = bindOperand(p.right, p.domain, args, tz);
      const op = p.op;
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        if (b === null) return null;
        return compare(op, compareBytes(a, b));
      };
    }
    case 'distinct': {
      const l = bindOperand(p.left, p.domain, args, tz);
      const r = bindOperand(p.right, p.domain, args, tz);
      const negate = p.negate;
      return (row) => {
        const a = l(row);
        const b = r(row);
        const distinct = a === null || b === null ? a !== b : compareBytes(a, b) !== 0;
        return negate ? !distinct : distinct;
      };
    }
    case 'in': {
      const l = bindOperand(p.left, p.domain, args, tz);
      const items = p.items.map((i) => bindOperand(i, p.domain, args, tz));
      return anyOf(l, items, '=', false, p.negate);
    }
    case 'any': {
      const l = bindOperand(p.left, p.domain, args, tz);
      let items: Getter[] | null;
      if (p.array.k === 'list') items = p.array.items.map((i) => bindOperand(i, p.domain, args, tz));
      else {
        const elems = arrayElements(p.array, args, tz);
        const elemType = p.array.elemType;
        items = elems === null ? null : elems.map((e) => {
          const enc = e === null ? null : encodeFor(p.domain, elemType, Buffer.from(e, 'utf8'));
          return () => enc;
        });
      }
      if (items === null) return () => null;
      return anyOf(l, items, p.op, p.all, false);
    }
    case 'like': {
      const left = p.left;
      // bytea's text is its hex output: match its bytes, one latin1 character per byte.
      const asText = p.bytea === true ? (b: Uint8Array): string => byteaBytes(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')).toString('latin1') : (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
      if (left.k !== 'col') {
        const lv = bindValueBytes(left.v, args, tz);
        const m = likeMatcher(p, args, tz);
        const r: Tri = lv === null || m === null ? null : m.test(asText(lv)) !== p.negate;
        return () => r;
      }
      const m = likeMatcher(p, args, tz);
      if (m === null) return () => null;
      const idx = left.index;
      const negate = p.negate;
      return (row) => {
        const b = columnValue(row, idx);
        if (b === null || b === undefined) return null;
        return m.test(asText(b)) !== negate;
      };
    }
    case 'isnull': {
      const negate = p.negate;
      if (p.pred !== null) {
        const t = bindPred(p.pred, args, tz);
        return (row) => (t(row) === null) !== negate;
      }
      const o = p.arg!;
      if (o.k === 'col') {
        const idx = o.index;
        return (row) => {
          const b = columnValue(row, idx);
          return (b === null || b === undefined) !== negate;
        };
      }
      const isNull = valueText(o.v, args, tz) === null;
      return () => isNull !== negate;
    }
    case 'booltest': {
      const t = bindPred(p.arg, args, tz);
      const want = p.test === 'true' ? true : p.test === 'false' ? false : null;
      const negate = p.negate;
      return (row) => (t(row) === want) !== negate;
    }
    case 'bool': {
      const o = p.arg;
      if (o.k === 'col') {
        const idx = o.index;
        return (row) => {
          const b = columnValue(row, idx);
          return b === null || b === undefined ? null : b[0] === 0x74;
        };
      }
      const t = valueText(o.v, args, tz);
      const r: Tri = t === null ? null : t === 't';
      return () => r;
    }
  }
}

function anyOf(l: Getter, items: Getter[], op: CompareOp, all: boolean, negate: boolean): RowTest {
  return (row) => {
    const a = l(row);
    if (a === null) return items.length === 0 ? all !== negate : null;
    let sawNull = false;
    for (const item of items) {
      const b = item(row);
      if (b === null) {
        sawNull = true;
        continue;
      }
      const hit = compare(op, compareBytes(a, b));
      if (hit !== all) return all ? negate : !negate;
    }
    if (sawNull) return null;
    return all !== negate;
  };
}

/** The text LIKE compiles: a bytea pattern's bytes as latin1 characters. */
export function likePatternText(p: Pred & { k: 'like' }, args: Args, tz: string): string | null {
  const pattern = p.pattern.k === 'val' ? valueText(p.pattern.v, args, tz) : null;
  if (pattern === null || p.bytea !== true) return pattern;
  return byteaBytes(pattern).toString('latin1');
}

function likeMatcher(p: Pred & { k: 'like' }, args: Args, tz: string): LikePattern | null {
  const pattern = likePatternText(p, args, tz);
  if (pattern === null) return null;
  let escape = '\\';
  if (p.escape !== null) {
    const e = valueText(p.escape, args, tz);
    if (e === null) return null;
    escape = e;
  }
  return compileLike(pattern, escape);
}

