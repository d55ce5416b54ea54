/*
 * copy-options.ts — the options of COPY … TO, checked as PostgreSQL 17's ProcessCopyOptions()
 * (src/backend/commands/copy.c) checks them: same order, same messages, same SQLSTATEs, the same
 * error positions.
 *
 * The order matters for byte-identical errors: options are read left to right (a repeated option
 * is 42601 at the second one), then the cross-checks run in copy.c's order (binary vs
 * DELIMITER/NULL, defaults filled in, one-byte delimiter, newlines, unsafe text delimiters,
 * HEADER in binary, QUOTE/ESCAPE/FORCE_* need CSV, FORCE_NOT_NULL/FORCE_NULL/FREEZE/DEFAULT are
 * COPY FROM only, the delimiter and the quote inside the NULL string).
 *
 * FORCE_QUOTE's column names are checked later, against the columns COPY sends (copy.ts).
 * ENCODING: any name PostgreSQL knows passes here; copy.ts sends UTF8 (or SQL_ASCII, the same
 * bytes) and refuses the others with 0A000, since the sidecar converts to no other encoding.
 *
 * Interface:
 *   copyToOptions(options, sql)   CopyOptions, or the SqlError PostgreSQL raises
 */
import type { DefElem, Node } from 'libpg-query';
import { SqlError } from '../errors.js';
import { encodingByName } from '../pg/encodings.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { positionOf } from './errors.js';

export interface CopyOptions {
  readonly format: 'text' | 'csv' | 'binary';
  /** One byte each (checked). quote/escape are 0 outside CSV. */
  readonly delimiter: number;
  readonly quote: number;
  readonly escape: number;
  readonly nullPrint: Buffer;
  readonly header: boolean;
  readonly forceQuoteAll: boolean;
  /** FORCE_QUOTE (a, b): names, resolved against the sent columns by the caller. */
  readonly forceQuote: readonly string[];
  /** Canonical encoding name, or null when not given. */
  readonly encoding: string | null;
}

export const DEFAULT_COPY_OPTIONS: CopyOptions = {
  format: 'text',
  delimiter: 0x09,
  quote: 0,
  escape: 0,
  nullPrint: Buffer.from('\\N'),
  header: false,
  forceQuoteAll: false,
  forceQuote: [],
  encoding: null,
};

function fail(sqlstate: string, message: string, sql?: string, location?: number): SqlError {
  const position = sql === undefined ? undefined : positionOf(sql, location);
  return new SqlError(sqlstate, message, position === undefined ? {} : { position });
}

/** defGetString(): the option's argument as text. */
function argString(d: DefElem): string {
  const a = d.arg;
  if (a === undefined) throw fail(SQLSTATE.syntax_error, `${d.defname ?? ''} requires a parameter`);
  if ('String' in a) return a.String.sval ?? '';
  if ('Integer' in a) return String(a.Integer.ival ?? 0);
  if ('Float' in a) return a.Float.fval ?? '0';
  if ('Boolean' in a) return a.Boolean.boolval === true ? 'true' : 'false';
  if ('A_Star' in a) return '*';
  if ('List' in a) return (a.List.items ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : '')).join('.');
  return '';
}

/** defGetBoolean(). */
function argBoolean(d: DefElem): boolean {
  const a = d.arg;
  if (a === undefined) return true;
  if ('Boolean' in a) return a.Boolean.boolval === true;
  if ('Integer' in a) {
    const v = a.Integer.ival ?? 0;
    if (v === 0 || v === 1) return v === 1;
  } else {
    const s = argString(d).toLowerCase();
    if (s === 'true' || s === 'on') return true;
    if (s === 'false' || s === 'off') return false;
  }
  throw fail(SQLSTATE.syntax_error, `${d.defname ?? ''} requires a Boolean value`);
}

/** defGetCopyHeaderChoice() for COPY TO: a Boolean; "match" is COPY FROM only. */
function headerChoice(d: DefElem): boolean {
  const a = d.arg;
  if (a === undefined) return true;
  if ('Boolean' in a) return a.Boolean.boolval === true;
  if ('Integer' in a) {
    const v = a.Integer.ival ?? 0;
    if (v === 0 || v === 1) return v === 1;
  } else {
    const s = argString(d);
    const l = s.toLowerCase();
    if (l === 'true' || l === 'on') return true;
    if (l === 'false' || l === 'off') return false;
    if (l === 'match') throw fail(SQLSTATE.feature_not_supported, `cannot use "${s}" with HEADER in COPY TO`);
  }
  throw fail(SQLSTATE.syntax_error, `${d.defname ?? ''} requires a Boolean value or "match"`);
}

function columnList(d: DefElem, sql: string): { all: boolean; names: string[] } {
  const a = d.arg;
  if (a !== undefined && 'A_Star' in a) return { all: true, names: [] };
  if (a !== undefined && 'List' in a) return { all: false, names: (a.List.items ?? []).map((n: Node) => ('String' in n ? (n.String.sval ?? '') : '')) };
  throw fail(SQLSTATE.invalid_parameter_value, `argument to option "${d.defname ?? ''}" must be a list of column names`, sql, d.location);
}

/** Bytes of a one-byte option, or -1 when it is not exactly one byte. */
function oneByte(s: string): number {
  const b = Buffer.from(s, 'utf8');
  return b.length === 1 ? b[0]! : -1;
}

export function copyToOptions(options: readonly Node[] | undefined, sql: string): CopyOptions {
  let format: 'text' | 'csv' | 'binary' | null = null;
  let freeze: boolean | null = null;
  let delim: string | null = null;
  let nullPrint: string | null = null;
  let defaultPrint: string | null = null;
  let header: boolean | null = null;
  let quote: string | null = null;
  let escape: string | null = null;
  let forceQuote: { all: boolean; names: string[] } | null = null;
  let forceNotNull = false;
  let forceNull = false;
  let encoding: string | null = null;

  const seen = new Set<string>();
  for (const o of options ?? []) {
    if (!('DefElem' in o)) continue;
    const d = o.DefElem;
    const name = d.defname ?? '';
    // errorConflictingDefElem(): a repeated option, at the repeat (FORMAT reads its argument first).
    if (name === 'format') argString(d);
    if (seen.has(name)) throw fail(SQLSTATE.syntax_error, 'conflicting or redundant options', sql, d.location);
    seen.add(name);
    switch (name) {
      case 'format': {
        const f = argString(d);
        if (f !== 'text' && f !== 'csv' && f !== 'binary') throw fail(SQLSTATE.invalid_parameter_value, `COPY format "${f}" not recognized`, sql, d.location);
        format = f;
        break;
      }
      case 'freeze':
        freeze = argBoolean(d);
        break;
      case 'delimiter':
        delim = argString(d);
        break;
      case 'null':
        nullPrint = argString(d);
        break;
      case 'default':
        defaultPrint = argString(d);
        break;
      case 'header':
        header = headerChoice(d);
        break;
      case 'quote':
        quote = argString(d);
        break;
      case 'escape':
        escape = argString(d);
        break;
      case 'force_quote':
        forceQuote = columnList(d, sql);
        break;
      case 'force_not_null':
        columnList(d, sql);
        forceNotNull = true;
        break;
      case 'force_null':
        columnList(d, sql);
        forceNull = true;
        break;
      case 'encoding': {
        encoding = encodingByName(argString(d));
        if (encoding === null) throw fail(SQLSTATE.invalid_parameter_value, 'argument to option "encoding" must be a valid encoding name', sql, d.location);
        break;
      }
      case 'on_error':
        // defGetCopyOnErrorChoice() reads the argument first, then refuses it for COPY TO.
        argString(d);
        throw fail(SQLSTATE.invalid_parameter_value, 'COPY ON_ERROR cannot be used with COPY TO', sql, d.location);
      case 'log_verbosity': {
        const v = argString(d);
        if (v.toLowerCase() !== 'default' && v.toLowerCase() !== 'verbose') {
          throw fail(SQLSTATE.invalid_parameter_value, `COPY LOG_VERBOSITY "${v}" not recognized`, sql, d.location);
        }
        break;
      }
      default:
        throw fail(SQLSTATE.syntax_error, `option "${d.defname ?? ''}" not recognized`, sql, d.location);
    }
  }

  const binary = format === 'binary';
  const csv = format === 'csv';
  if (binary && delim !== null) throw fail(SQLSTATE.syntax_error, 'cannot specify DELIMITER in BINARY mode');
  if (binary && nullPrint !== null) throw fail(SQLSTATE.syntax_error, 'cannot specify NULL in BINARY mode');
  if (binary && defaultPrint !== null) throw fail(SQLSTATE.syntax_error, 'cannot specify DEFAULT in BINARY mode');
  const delimiter = delim ?? (csv ? ',' : '\t');
  const nullString = nullPrint ?? (csv ? '' : '\\N');
  const quoteString = csv ? (quote ?? '"') : quote;
  const escapeString = csv ? (escape ?? quoteString) : escape;
  const delimByte = oneByte(delimiter);
  if (delimByte < 0) throw fail(SQLSTATE.feature_not_supported, 'COPY delimiter must be a single one-byte character');
  if (delimiter === '\r' || delimiter === '\n') throw fail(SQLSTATE.invalid_parameter_value, 'COPY delimiter cannot be newline or carriage return');
  if (nullString.includes('\r') || nullString.includes('\n')) throw fail(SQLSTATE.invalid_parameter_value, 'COPY null representation cannot use newline or carriage return');
  if (defaultPrint !== null && (defaultPrint.includes('\r') || defaultPrint.includes('\n'))) {
    throw fail(SQLSTATE.invalid_parameter_value, 'COPY default representation cannot use newline or carriage return');
  }
  if (!csv && '\\.abcdefghijklmnopqrstuvwxyz0123456789'.includes(delimiter)) {
    throw fail(SQLSTATE.invalid_parameter_value, `COPY delimiter cannot be "${delimiter}"`);
  }
  if (binary && header === true) throw fail(SQLSTATE.feature_not_supported, 'cannot specify HEADER in BINARY mode');
  if (!csv && quote !== null) throw fail(SQLSTATE.feature_not_supported, 'COPY QUOTE requires CSV mode');
  const quoteByte = csv ? oneByte(quoteString!) : 0;
  if (quoteByte < 0) throw fail(SQLSTATE.feature_not_supported, 'COPY quote must be a single one-byte character');
  if (csv && delimByte === quoteByte) throw fail(SQLSTATE.invalid_parameter_value, 'COPY delimiter and quote must be different');
  if (!csv && escape !== null) throw fail(SQLSTATE.feature_not_supported, 'COPY ESCAPE requires CSV mode');
  const escapeByte = csv ? oneByte(escapeString!) : 0;
  if (escapeByte < 0) throw fail(SQLSTATE.feature_not_supported, 'COPY escape must be a single one-byte character');
  if (!csv && forceQuote !== null) throw fail(SQLSTATE.feature_not_supported, 'COPY FORCE_QUOTE requires CSV mode');
  if (!csv && forceNotNull) throw fail(SQLSTATE.feature_not_supported, 'COPY FORCE_NOT_NULL requires CSV mode');
  if (forceNotNull) throw fail(SQLSTATE.invalid_parameter_value, 'COPY FORCE_NOT_NULL cannot be used with COPY TO');
  if (!csv && forceNull) throw fail(SQLSTATE.feature_not_supported, 'COPY FORCE_NULL requires CSV mode');
  if (forceNull) throw fail(SQLSTATE.invalid_parameter_value, 'COPY FORCE_NULL cannot be used with COPY TO');
  if (nullString.includes(delimiter)) throw fail(SQLSTATE.invalid_parameter_value, 'COPY delimiter character must not appear in the NULL specification');
  if (csv && nullString.includes(quoteString!)) throw fail(SQLSTATE.invalid_parameter_value, 'CSV quote character must not appear in the NULL specification');
  if (freeze === true) throw fail(SQLSTATE.invalid_parameter_value, 'COPY FREEZE cannot be used with COPY TO');
  if (defaultPrint !== null) throw fail(SQLSTATE.feature_not_supported, 'COPY DEFAULT cannot be used with COPY TO');
  return {
    format: format ?? 'text',
    delimiter: delimByte,
    quote: quoteByte,
    escape: escapeByte,
    nullPrint: Buffer.from(nullString, 'utf8'),
    header: header === true,
    forceQuoteAll: forceQuote?.all === true,
    forceQuote: forceQuote?.names ?? [],
    encoding,
  };
}
