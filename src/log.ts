/*
 * log.ts — structured log lines on pino: JSON (one object per line) for machines, or a short human
 * form for `npm start`. The Logger interface is all the rest of the program sees, so every module
 * logs the same way and tests capture lines with a `write` function.
 *
 * A JSON line: {"level":"info","time":"<ISO 8601>",<base and child fields>,"msg":"…",<fields>}.
 * Levels are written as names, not pino's numbers, so a reader (or grep) needs no table; the
 * message comes before the fields so it stays in view when a field is long (a stack).
 *
 * Field values are made JSON-safe before pino sees them: bigint (LSNs, commit times) becomes its
 * decimal string — pino would write it as a JSON number, which loses precision past 2^53 in most
 * readers — and an Error becomes {name, message, stack, code?} (pino's own err serializer only
 * applies to the key `err`). Nested plain objects and arrays are converted too, a few levels deep.
 *
 * Pretty mode is a small formatter over pino's own JSON line (not pino-pretty, to keep the
 * dependency list short): `HH:MM:SS.mmm LEVEL msg  key=value …`.
 *
 * Writes are synchronous (to stderr by default): a line logged right before process.exit() is
 * not lost, and the sidecar logs a few lines per second at info level, not per query.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: 'json' | 'pretty';
  /** Receives each line without its newline (default: synchronous writes to stderr). */
  readonly write?: (line: string) => void;
  readonly base?: LogFields;
}

/** How deep nested objects are converted; deeper values are left to pino as they are. */
const MAX_DEPTH = 4;

function plainValue(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined ? { code: plainValue(code, depth + 1) } : {}), stack: value.stack };
  }
  if (Array.isArray(value)) return value.map((v) => plainValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // Dates, Buffers, …: pino's rules
  return plainFields(value as Record<string, unknown>, depth + 1);
}

function plainFields(fields: Readonly<Record<string, unknown>>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) out[key] = plainValue(fields[key], depth);
  return out;
}

/** `HH:MM:SS.mmm LEVEL msg  k=v …` from one of pino's JSON lines. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const { level, time, msg, ...rest } = o;
  const clock = typeof time === 'string' ? time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const label = (typeof level === 'string' ? level : String(level)).toUpperCase().padEnd(5);
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${clock} ${label} ${typeof msg === 'string' ? msg : ''}${extra ? '  ' + extra : ''}`;
}

function destination(options: LoggerOptions): pino.DestinationStream {
  const pretty = options.format === 'pretty';
  if (options.write) {
    const write = options.write;
    return { write: (s: string) => write(pretty ? prettyLine(s) : s.endsWith('\n') ? s.slice(0, -1) : s) };
  }
  const stderr = pino.destination({ dest: 2, sync: true });
  return pretty ? { write: (s: string) => stderr.write(prettyLine(s) + '\n') } : stderr;
}

function wrap(p: pino.Logger): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (!p.isLevelEnabled(level)) return;
      // msg goes in the object, first: pino would write it last, after long fields (stacks).
      const o: Record<string, unknown> = { msg };
      if (fields !== undefined) Object.assign(o, plainFields(fields));
      o.msg = msg;
      p[level](o);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(plainFields(fields))),
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const p = pino(
    {
      level: options.level ?? 'info',
      // No pid/hostname: the sidecar's identity goes in `base` (main.ts puts the --id there).
      base: plainFields(options.base ?? {}),
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination(options),
  );
  return wrap(p);
}

const discard = (): void => undefined;

/** Discards everything (tests that assert on state, not on logs). */
export const silentLogger: Logger = { debug: discard, info: discard, warn: discard, error: discard, child: () => silentLogger };
