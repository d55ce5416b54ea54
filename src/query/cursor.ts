/*
 * cursor.ts — SQL cursors: DECLARE … CURSOR FOR <SELECT>, FETCH / MOVE, CLOSE, and their lifetime
 * in a session.
 *
 * What for: postgres_fdw reads every foreign table through a cursor — `START TRANSACTION
 * ISOLATION LEVEL REPEATABLE READ`, `DECLARE c1 CURSOR FOR SELECT … WHERE ((id = $1::bigint))`
 * (extended protocol), `FETCH 100 FROM c1` until a short batch, `MOVE BACKWARD ALL IN c1` to
 * rescan, `CLOSE c1`, `COMMIT TRANSACTION`. psql's FETCH_COUNT and psycopg's named cursors do the
 * same without the FDW.
 *
 * Semantics: a cursor is a snapshot of its query taken at DECLARE. The query runs to its end
 * inside DECLARE, in one synchronous step — the store only changes between event-loop turns, so
 * no transaction is applied in the middle — and the rows (copies: the tree hands out copies,
 * art.ts) are kept with the cursor; FETCH pages through them. Transactions applied between
 * FETCHes are therefore invisible to an open cursor, as in PostgreSQL, where a cursor reads the
 * snapshot it was declared under.
 *   Costs against the obvious alternatives: memory for the whole result until CLOSE or the end of
 *   the transaction, and a DECLARE over a large result holds the event loop (apply and other
 *   readers wait) while it runs, where a plain SELECT streams in pieces (measured on 2 cores:
 *   DECLARE over 100k rows of ~100 bytes ≈ 110 ms in one turn; the SELECT ≈ 210 ms in many). XXX a lazy cursor that is drained only when the applier is about to change a table it
 *   reads (a before-apply hook in apply/), or a clone() of the table's tree, would avoid holding
 *   the loop; neither is done. Point reads and key ranges, what postgres_fdw pushes down, are
 *   small.
 *   Not a transaction snapshot: memstore keeps no versions, so two cursors (or a cursor and a
 *   later SELECT) in one REPEATABLE READ block each see the state at their own statement. XXX a
 *   postgres_fdw plan that re-declares a cursor per outer row (a parameterised nested loop) may
 *   mix states across a transaction applied in between; each cursor on its own is consistent.
 *
 * Positioning is PostgreSQL's (pquery.c DoPortalRunFetch / PortalRunSelect, ported step by step
 * over the materialised rows): `cur` is the read position of the result (0 before the first row,
 * k on row k, n+1 after the last) and portalPos / atStart / atEnd are PostgreSQL's bookkeeping,
 * which decides the command tags (`FETCH n`, `MOVE n`) and the edge cases (FETCH 0 re-reads the
 * current row, MOVE BACKWARD ALL rewinds and counts, FETCH ABSOLUTE -1 is the last row). Cursors
 * without NO SCROLL may move backward (the rows are materialised, as PostgreSQL's SCROLL does);
 * NO SCROLL ones fail backward moves with 55000 "cursor can only scan forward".
 *
 * Lifetime: without HOLD a cursor may only be declared inside a transaction block (25P01) and is
 * closed when the block ends; WITH HOLD survives the COMMIT of its transaction (a ROLLBACK of it
 * drops it) until CLOSE, DISCARD ALL or the end of the session. ROLLBACK TO SAVEPOINT closes the
 * cursors declared after the savepoint. Names are per session: 42P03 for a duplicate, 34000 for an
 * unknown one.
 *
 * Left out: BINARY cursors (0A000), WHERE CURRENT OF (a write), pg_cursors, refcursor-returning
 * functions; SQL cursor names and protocol-level portal names (Bind) are separate namespaces
 * here, one namespace in PostgreSQL; a multi-statement simple query is not an implicit block for
 * DECLARE (25P01, where PostgreSQL allows it).
 *
 * Interface:
 *   planDeclare(ctx, stmt, inner)        DECLARE over an analysed SELECT plan
 *   planFetch(ctx, stmt)                 FETCH / MOVE
 *   planClose(ctx, stmt)                 CLOSE name | ALL
 *   cursorsAtTransactionEnd(session, commit) / cursorsAtSavepoint / cursorsAtRelease /
 *   cursorsAtRollbackTo / closeAllCursors        called by session.ts's transaction control
 */
import type { ClosePortalStmt, DeclareCursorStmt, FetchStmt } from 'libpg-query';
import { SqlError } from '../errors.js';
import type { ExecResult, FieldDescription, SessionState } from '../pgwire/engine.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { notSupported } from './errors.js';
import { alwaysValid, command, rowsOf, type Plan } from './plan.js';
import type { BuildContext } from './values.js';

// parsenodes.h CURSOR_OPT_*
const OPT_BINARY = 0x1;
const OPT_NO_SCROLL = 0x4;
const OPT_HOLD = 0x20;

/** FETCH ALL: the parser's LONG_MAX arrives through libpg-query's JSON as INT32_MAX. */
const ALL_AT_LEAST = 2147483647;
const ALL = Infinity;

type Direction = 'forward' | 'backward' | 'absolute' | 'relative';

class Cursor {
  /** Read position in `rows`: 0 before the first row, k on row k, rows.length + 1 after the last. */
  private cur = 0;
  private portalPos = 0;
  private atStart = true;
  private atEnd = false;

  constructor(
    readonly fields: readonly FieldDescription[],
    private readonly rows: readonly Uint8Array[],
    private readonly noScroll: boolean,
    readonly hold: boolean,
    /** Savepoints open when it was declared (ROLLBACK TO closes the younger ones). */
    public level: number,
    /** Declared in the open transaction (a ROLLBACK drops it even WITH HOLD). */
    public uncommitted: boolean,
  ) {}

  /**
   * DoPortalRunFetch. `dest` null is MOVE (PostgreSQL's DestNone); returns the count for the tag.
   */
  fetch(direction: Direction, howMany: number, dest: Uint8Array[] | null): number {
    let count = howMany;
    let dir = direction;
    switch (dir) {
      case 'forward':
        if (count < 0) {
          dir = 'backward';
          count = -count;
        }
        break;
      case 'backward':
        if (count < 0) {
          dir = 'forward';
          count = -count;
        }
        break;
      case 'absolute':
        if (count > 0) {
          // Rewind and go forward, or back up from here when the goal is nearer (as PostgreSQL
          // does; it decides which rows count as scanned backward for NO SCROLL).
          if (count - 1 < Math.floor(this.portalPos / 2)) {
            this.rewind();
            if (count > 1) this.select(true, count - 1, null);
          } else {
            let pos = this.portalPos;
            if (this.atEnd) pos++;
            if (count <= pos) this.select(false, pos - count + 1, null);
            else if (count > pos + 1) this.select(true, count - pos - 1, null);
          }
          return this.select(true, 1, dest);
        }
        if (count < 0) {
          this.select(true, ALL, null);
          if (count < -1) this.select(false, -count - 1, null);
          return this.select(false, 1, dest);
        }
        this.rewind();
        return this.select(true, 0, dest);
      case 'relative':
        if (count > 0) {
          if (count > 1) this.select(true, count - 1, null);
          return this.select(true, 1, dest);
        }
        if (count < 0) {
          if (count < -1) this.select(false, -count - 1, null);
          return this.select(false, 1, dest);
        }
        dir = 'forward';
        break;
    }
    let forward = dir === 'forward';
    if (count === 0) {
      // Zero re-fetches the current row, if the cursor stands on one.
      const onRow = !this.atStart && !this.atEnd;
      if (dest === null) return onRow ? 1 : 0;
      if (onRow) {
        this.select(false, 1, null);
        count = 1;
        forward = true;
      }
    }
    if (!forward && count === ALL && dest === null) {
      // MOVE BACKWARD ALL: a rewind, counting the rows passed.
      let result = this.portalPos;
      if (result > 0 && !this.atEnd) result--;
      this.rewind();
      return result;
    }
    return this.select(forward, count, dest);
  }

  /** PortalRunSelect over the materialised rows. `count` ALL reads to the end. */
  private select(forward: boolean, count: number, dest: Uint8Array[] | null): number {
    if (forward) {
      const moving = !this.atEnd && count > 0;
      if (!moving) return 0;
      const n = this.step(true, count, dest);
      if (n > 0) this.atStart = false;
      if (n < count) this.atEnd = true;
      this.portalPos += n;
      return n;
    }
    if (this.noScroll) throw cannotScanBackward();
    const moving = !this.atStart && count > 0;
    if (!moving) return 0;
    const n = this.step(false, count, dest);
    if (n > 0 && this.atEnd) {
      this.atEnd = false;
      this.portalPos++;
    }
    if (n < count) {
      this.atStart = true;
      this.portalPos = 0;
    } else {
      this.portalPos -= n;
    }
    return n;
  }

  /** Reads up to `count` rows in one direction (RunFromStore). */
  private step(forward: boolean, count: number, dest: Uint8Array[] | null): number {
    const last = this.rows.length;
    let n = 0;
    while (n < count) {
      if (forward) {
        if (this.cur > last) break;
        this.cur++;
        if (this.cur > last) break;
      } else {
        if (this.cur < 1) break;
        this.cur--;
        if (this.cur < 1) break;
      }
      dest?.push(this.rows[this.cur - 1]!);
      n++;
    }
    return n;
  }

  /** DoPortalRewind. */
  private rewind(): void {
    if (this.atStart && !this.atEnd) return;
    if (this.noScroll) throw cannotScanBackward();
    this.cur = 0;
    this.atStart = true;
    this.atEnd = false;
    this.portalPos = 0;
  }
}

function cannotScanBackward(): SqlError {
  return new SqlError(SQLSTATE.object_not_in_prerequisite_state, 'cursor can only scan forward', {
    hint: 'Declare it with SCROLL option to enable backward scan.',
  });
}

// --- per-session state ----------------------------------------------------------------------------

interface CursorSet {
  readonly cursors: Map<string, Cursor>;
  /** Savepoints open now (kept in step with session.ts's savepoint stack). */
  level: number;
}

const sets = new WeakMap<SessionState, CursorSet>();

function cursorSet(session: SessionState): CursorSet {
  let s = sets.get(session);
  if (s === undefined) {
    s = { cursors: new Map(), level: 0 };
    sets.set(session, s);
  }
  return s;
}

function undefinedCursor(name: string): SqlError {
  return new SqlError(SQLSTATE.invalid_cursor_name, `cursor "${name}" does not exist`);
}

function lookup(session: SessionState, name: string): Cursor {
  const c = sets.get(session)?.cursors.get(name);
  if (c === undefined) throw undefinedCursor(name);
  return c;
}

/** The block ended: cursors without HOLD go; held ones stay if their transaction committed. */
export function cursorsAtTransactionEnd(session: SessionState, commit: boolean): void {
  const s = sets.get(session);
  if (s === undefined) return;
  for (const [name, c] of s.cursors) {
    if (!c.hold || (!commit && c.uncommitted)) {
      s.cursors.delete(name);
    } else {
      c.uncommitted = false;
      c.level = 0;
    }
  }
  s.level = 0;
}

/** A savepoint was set; `depth` savepoints are open now. */
export function cursorsAtSavepoint(session: SessionState, depth: number): void {
  cursorSet(session).level = depth;
}

/** RELEASE: `depth` savepoints remain; cursors of the released ones now belong to the parent. */
export function cursorsAtRelease(session: SessionState, depth: number): void {
  const s = cursorSet(session);
  for (const c of s.cursors.values()) if (c.level > depth) c.level = depth;
  s.level = depth;
}

/** ROLLBACK TO: `depth` savepoints remain (the target included); younger cursors are closed. */
export function cursorsAtRollbackTo(session: SessionState, depth: number): void {
  const s = cursorSet(session);
  for (const [name, c] of s.cursors) if (c.level >= depth && c.uncommitted) s.cursors.delete(name);
  s.level = depth;
}

/** CLOSE ALL, DISCARD ALL. */
export function closeAllCursors(session: SessionState): void {
  sets.get(session)?.cursors.clear();
}

// --- statements -----------------------------------------------------------------------------------

const fetchTag = (n: number): string => `FETCH ${n}`;

export function planDeclare(ctx: BuildContext, d: DeclareCursorStmt, inner: Plan): Plan {
  const name = d.portalname ?? '';
  const options = d.options ?? 0;
  if ((options & OPT_BINARY) !== 0) throw notSupported('binary cursors are not supported by memstore (FETCH returns text; ask for binary results in Bind instead)');
  const hold = (options & OPT_HOLD) !== 0;
  const noScroll = (options & OPT_NO_SCROLL) !== 0;
  const fields = inner.fields;
  if (fields === null) throw notSupported('DECLARE CURSOR needs a query that returns rows');
  return {
    fields: null,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: (session) => inner.valid(session),
    run(ec, args) {
      if (name === '') throw new SqlError(SQLSTATE.invalid_cursor_name, 'invalid cursor name: must not be empty');
      const session = ec.session;
      if (!hold && session.txStatus === 'I') {
        throw new SqlError(SQLSTATE.no_active_sql_transaction, 'DECLARE CURSOR can only be used in transaction blocks');
      }
      const set = cursorSet(session);
      const duplicate = (): void => {
        if (set.cursors.has(name)) throw new SqlError(SQLSTATE.duplicate_cursor, `cursor "${name}" already exists`);
      };
      duplicate();
      const open = (r: ExecResult): ExecResult => {
        if (r.kind !== 'rows') throw notSupported('DECLARE CURSOR needs a query that returns rows');
        duplicate();
        // All rows now, in this one synchronous step: the cursor's snapshot (see the header).
        const rows: Uint8Array[] = [];
        const it = r.rows;
        for (let x = it.next(); x.done !== true; x = it.next()) rows.push(x.value);
        const inBlock = session.txStatus !== 'I';
        set.cursors.set(name, new Cursor(fields, rows, noScroll, hold, set.level, inBlock));
        return command('DECLARE CURSOR');
      };
      const r = inner.run(ec, args);
      return r instanceof Promise ? r.then(open) : open(r);
    },
  };
}

function direction(f: FetchStmt): Direction {
  switch (f.direction) {
    case 'FETCH_BACKWARD':
      return 'backward';
    case 'FETCH_ABSOLUTE':
      return 'absolute';
    case 'FETCH_RELATIVE':
      return 'relative';
    case 'FETCH_FORWARD':
    case undefined:
      return 'forward';
  }
}

export function planFetch(ctx: BuildContext, f: FetchStmt): Plan {
  const name = f.portalname ?? '';
  const dir = direction(f);
  const raw = Number(f.howMany ?? 0);
  const howMany = raw >= ALL_AT_LEAST ? ALL : raw;
  const base = { paramTypeOids: ctx.paramTypes, txExit: false };
  if (f.ismove === true) {
    return {
      ...base,
      fields: null,
      valid: alwaysValid,
      run: (ec) => command(`MOVE ${lookup(ec.session, name).fetch(dir, howMany, null)}`),
    };
  }
  // The row shape is the cursor's: a plan made for one cursor is re-made (valid() is false) when
  // the session's cursor of that name has another shape, or is gone (→ 34000 at analysis).
  const fields = lookup(ctx.session, name).fields;
  return {
    ...base,
    fields,
    valid: (session) => sets.get(session)?.cursors.get(name)?.fields === fields,
    run(ec) {
      const out: Uint8Array[] = [];
      lookup(ec.session, name).fetch(dir, howMany, out);
      return rowsOf(out, fetchTag);
    },
  };
}

export function planClose(ctx: BuildContext, c: ClosePortalStmt): Plan {
  const name = c.portalname;
  return {
    fields: null,
    paramTypeOids: ctx.paramTypes,
    txExit: false,
    valid: alwaysValid,
    run(ec) {
      if (name === undefined) {
        closeAllCursors(ec.session);
        return command('CLOSE CURSOR ALL');
      }
      const s = sets.get(ec.session);
      if (s?.cursors.delete(name) !== true) throw undefinedCursor(name);
      return command('CLOSE CURSOR');
    },
  };
}
