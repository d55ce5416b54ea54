/*
 * render.ts — stored rows printed under the session's output settings.
 *
 * The store keeps each row as the text the primary printed for pgoutput: DateStyle ISO, TimeZone
 * of the walsender (UTC, `+00`), IntervalStyle postgres, extra_float_digits 1, bytea_output hex.
 * The fast path copies those bytes to the socket untouched. When a session asks for other output
 * (SET TimeZone = 'Europe/Paris', DateStyle = German, bytea_output = escape, …) PostgreSQL prints
 * the same values differently, so the columns whose text depends on a changed setting are parsed
 * and printed again through the type registry; every other column (and every row when the settings
 * are the defaults) is still copied as is.
 *
 * Interface:
 *   settingsSensitive(typeOids)       whether any setting can change these types' text (per plan)
 *   rowRenderer(typeOids, settings)   a DataRow → DataRow function, or null when nothing changes
 *   rendered(rows, render)            the rows through it
 */
import { buildRow, columnCount, columnValue } from '../store/row.js';
import { ensureBuiltins } from './builtins.js';
import { DEFAULT_OUTPUT, type OutputSettings } from './types/datum.js';
import { typeInfo, type EvalSettings } from './types/registry.js';
import { Oid, elementTypeOf } from '../pg/types.js';

/** The settings the stored text was printed under, as input settings. */
const STORED: EvalSettings = { ...DEFAULT_OUTPUT, transactionStart: 0n, statementStart: 0n };

/** Whether a value of this type prints differently under `s` than under the stored defaults. */
function affected(type: number, s: OutputSettings): boolean {
  const elem = elementTypeOf(type);
  if (elem !== 0) return affected(elem, s);
  switch (type) {
    case Oid.timestamptz:
      return s.timeZone !== 'UTC' || s.dateStyle !== 'ISO';
    case Oid.date:
    case Oid.timestamp:
      return s.dateStyle !== 'ISO';
    case Oid.interval:
      return s.intervalStyle !== 'postgres';
    case Oid.float4:
    case Oid.float8:
      return s.extraFloatDigits < 1;
    case Oid.bytea:
      return s.byteaOutput !== 'hex';
    default:
      return false;
  }
}

const SENSITIVE = new Set<number>([Oid.timestamptz, Oid.date, Oid.timestamp, Oid.interval, Oid.float4, Oid.float8, Oid.bytea]);

/** Whether some output setting could change how these types print (decided once per plan). */
export function settingsSensitive(typeOids: readonly number[]): boolean {
  return typeOids.some((t) => SENSITIVE.has(elementTypeOf(t) === 0 ? t : elementTypeOf(t)));
}

/**
 * `binary`: the portal's result formats; a binary column keeps the stored canonical text, which
 * pgwire converts (ExecContext.resultFormats).
 */
export function rowRenderer(typeOids: readonly number[], s: OutputSettings, binary: Uint8Array | null = null): ((row: Uint8Array) => Uint8Array) | null {
  const redo: number[] = [];
  typeOids.forEach((t, i) => {
    if (binary?.[i] !== 1 && affected(t, s)) redo.push(i);
  });
  if (redo.length === 0) return null;
  ensureBuiltins();
  const infos = typeOids.map((t) => typeInfo(t));
  return (row) => {
    const n = columnCount(row);
    const texts: (string | null)[] = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const b = columnValue(row, i);
      texts[i] = b === null || b === undefined ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
    }
    for (const i of redo) {
      const t = texts[i];
      if (t === null || t === undefined) continue;
      const info = infos[i]!;
      texts[i] = info.output(info.input(t, -1, STORED), s);
    }
    return buildRow(texts);
  };
}

function* mapRows(rows: Iterator<Uint8Array>, f: (row: Uint8Array) => Uint8Array): Generator<Uint8Array> {
  for (let r = rows.next(); r.done !== true; r = rows.next()) yield f(r.value);
}

/** Rows as the session's output settings print them; the same iterator when nothing changes. */
export function rendered(rows: Iterator<Uint8Array>, render: ((row: Uint8Array) => Uint8Array) | null): Iterator<Uint8Array> {
  return render === null ? rows : mapRows(rows, render);
}
