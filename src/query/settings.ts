/*
 * settings.ts — PostgreSQL 17's run-time parameters as memstore shows and accepts them.
 *
 * What for: drivers and tools SET and SHOW parameters at connect and around transactions (psql,
 * psycopg2's DateStyle check, pgjdbc's extra_float_digits, ORMs' statement_timeout). A sidecar
 * that rejects them breaks the driver; one that accepts a setting and ignores it returns wrong
 * data. So:
 *   - every user-settable PostgreSQL 17 parameter is known, with its default (the table below,
 *     taken from pg_settings of a fresh PostgreSQL 17.10 server; context user/superuser/internal);
 *   - a value is validated by its type (bool, integer, enum, string) as PostgreSQL does, and
 *     normalised as SHOW prints it (DateStyle's style and order, TimeZone offsets as POSIX names);
 *   - the parameters that change how values print (TimeZone, DateStyle, IntervalStyle,
 *     extra_float_digits, bytea_output) are honoured: the executor prints under them, and stored
 *     rows served as they are are re-rendered where a setting changes their text (render.ts);
 *     standard_conforming_strings stays on and client_encoding UTF8 (0A000 otherwise);
 *   - internal parameters are read-only (55P02), superuser ones refused (42501: sessions on the
 *     sidecar are not superuser), names with a dot are custom placeholders, anything else 42704.
 * Every transaction isolation level is accepted (postgres_fdw asks for REPEATABLE READ); what
 * memstore gives under each is in session.ts.
 *
 * Interface:
 *   settingDefault(name)            default text, undefined for an unknown parameter
 *   showName(name)                  PostgreSQL's spelling for SHOW's column ("DateStyle")
 *   normalizeSetting(name, value, previous)   validated value as SHOW will print it; throws
 *   settingNames()                  every known parameter name, sorted
 */
import { SqlError } from '../errors.js';
import { normalizeClientEncoding, REPORTED_PARAMETERS, SERVER_VERSION, SERVER_VERSION_NUM } from '../pgwire/session-parameters.js';
import { SQLSTATE } from '../pgwire/sqlstate.js';
import { lookupZone } from './types/timezone.js';

type Context = 'user' | 'superuser' | 'internal';
type Kind = 'bool' | 'integer' | 'real' | 'string' | 'enum';

interface SettingDef {
  readonly value: string;
  readonly context: Context;
  readonly kind: Kind;
  readonly enumValues: readonly string[];
}

// [name (lower case), default, context, type, enum values] — pg_settings of PostgreSQL 17.10.
const TABLE: ReadonlyArray<readonly [string, string, Context, Kind, string?]> = [
  ["datestyle", "ISO, MDY", "user", "string"],
  ["intervalstyle", "postgres", "user", "enum", "postgres,postgres_verbose,sql_standard,iso_8601"],
  ["timezone", "UTC", "user", "string"],
  ["allow_in_place_tablespaces", "off", "superuser", "bool"],
  ["allow_system_table_mods", "off", "superuser", "bool"],
  ["array_nulls", "on", "user", "bool"],
  ["backend_flush_after", "0", "user", "integer"],
  ["backslash_quote", "safe_encoding", "user", "enum", "safe_encoding,on,off"],
  ["backtrace_functions", "", "superuser", "string"],
  ["block_size", "8192", "internal", "integer"],
  ["bytea_output", "hex", "user", "enum", "escape,hex"],
  ["check_function_bodies", "on", "user", "bool"],
  ["client_connection_check_interval", "0", "user", "integer"],
  ["client_encoding", "UTF8", "user", "string"],
  ["client_min_messages", "notice", "user", "enum", "debug5,debug4,debug3,debug2,debug1,log,notice,warning,error"],
  ["commit_delay", "0", "superuser", "integer"],
  ["commit_siblings", "5", "user", "integer"],
  ["compute_query_id", "auto", "superuser", "enum", "auto,regress,on,off"],
  ["constraint_exclusion", "partition", "user", "enum", "partition,on,off"],
  ["cpu_index_tuple_cost", "0.005", "user", "real"],
  ["cpu_operator_cost", "0.0025", "user", "real"],
  ["cpu_tuple_cost", "0.01", "user", "real"],
  ["createrole_self_grant", "", "user", "string"],
  ["cursor_tuple_fraction", "0.1", "user", "real"],
  ["data_checksums", "off", "internal", "bool"],
  ["deadlock_timeout", "1s", "superuser", "integer"],
  ["debug_assertions", "off", "internal", "bool"],
  ["debug_discard_caches", "0", "superuser", "integer"],
  ["debug_logical_replication_streaming", "buffered", "user", "enum", "buffered,immediate"],
  ["debug_parallel_query", "off", "user", "enum", "off,on,regress"],
  ["debug_pretty_print", "on", "user", "bool"],
  ["debug_print_parse", "off", "user", "bool"],
  ["debug_print_plan", "off", "user", "bool"],
  ["debug_print_rewritten", "off", "user", "bool"],
  ["default_statistics_target", "100", "user", "integer"],
  ["default_table_access_method", "heap", "user", "string"],
  ["default_tablespace", "", "user", "string"],
  ["default_text_search_config", "pg_catalog.english", "user", "string"],
  ["default_toast_compression", "pglz", "user", "enum", "pglz"],
  ["default_transaction_deferrable", "off", "user", "bool"],
  ["default_transaction_isolation", "read committed", "user", "enum", "serializable,repeatable read,read committed,read uncommitted"],
  ["default_transaction_read_only", "off", "user", "bool"],
  ["dynamic_library_path", "$libdir", "superuser", "string"],
  ["effective_cache_size", "4GB", "user", "integer"],
  ["effective_io_concurrency", "1", "user", "integer"],
  ["enable_async_append", "on", "user", "bool"],
  ["enable_bitmapscan", "on", "user", "bool"],
  ["enable_gathermerge", "on", "user", "bool"],
  ["enable_group_by_reordering", "on", "user", "bool"],
  ["enable_hashagg", "on", "user", "bool"],
  ["enable_hashjoin", "on", "user", "bool"],
  ["enable_incremental_sort", "on", "user", "bool"],
  ["enable_indexonlyscan", "on", "user", "bool"],
  ["enable_indexscan", "on", "user", "bool"],
  ["enable_material", "on", "user", "bool"],
  ["enable_memoize", "on", "user", "bool"],
  ["enable_mergejoin", "on", "user", "bool"],
  ["enable_nestloop", "on", "user", "bool"],
  ["enable_parallel_append", "on", "user", "bool"],
  ["enable_parallel_hash", "on", "user", "bool"],
  ["enable_partition_pruning", "on", "user", "bool"],
  ["enable_partitionwise_aggregate", "off", "user", "bool"],
  ["enable_partitionwise_join", "off", "user", "bool"],
  ["enable_presorted_aggregate", "on", "user", "bool"],
  ["enable_seqscan", "on", "user", "bool"],
  ["enable_sort", "on", "user", "bool"],
  ["enable_tidscan", "on", "user", "bool"],
  ["escape_string_warning", "on", "user", "bool"],
  ["event_triggers", "on", "superuser", "bool"],
  ["exit_on_error", "off", "user", "bool"],
  ["extra_float_digits", "1", "user", "integer"],
  ["from_collapse_limit", "8", "user", "integer"],
  ["geqo", "on", "user", "bool"],
  ["geqo_effort", "5", "user", "integer"],
  ["geqo_generations", "0", "user", "integer"],
  ["geqo_pool_size", "0", "user", "integer"],
  ["geqo_seed", "0", "user", "real"],
  ["geqo_selection_bias", "2", "user", "real"],
  ["geqo_threshold", "12", "user", "integer"],
  ["gin_fuzzy_search_limit", "0", "user", "integer"],
  ["gin_pending_list_limit", "4MB", "user", "integer"],
  ["hash_mem_multiplier", "2", "user", "real"],
  ["icu_validation_level", "warning", "user", "enum", "disabled,debug5,debug4,debug3,debug2,debug1,log,notice,warning,error"],
  ["idle_in_transaction_session_timeout", "0", "user", "integer"],
  ["idle_session_timeout", "0", "user", "integer"],
  ["ignore_checksum_failure", "off", "superuser", "bool"],
  ["in_hot_standby", "off", "internal", "bool"],
  ["integer_datetimes", "on", "internal", "bool"],
  ["io_combine_limit", "128kB", "user", "integer"],
  ["jit", "on", "user", "bool"],
  ["jit_above_cost", "100000", "user", "real"],
  ["jit_dump_bitcode", "off", "superuser", "bool"],
  ["jit_expressions", "on", "user", "bool"],
  ["jit_inline_above_cost", "500000", "user", "real"],
  ["jit_optimize_above_cost", "500000", "user", "real"],
  ["jit_tuple_deforming", "on", "user", "bool"],
  ["join_collapse_limit", "8", "user", "integer"],
  ["lc_messages", "C", "superuser", "string"],
  ["lc_monetary", "C", "user", "string"],
  ["lc_numeric", "C", "user", "string"],
  ["lc_time", "C", "user", "string"],
  ["lo_compat_privileges", "off", "superuser", "bool"],
  ["local_preload_libraries", "", "user", "string"],
  ["lock_timeout", "0", "user", "integer"],
  ["log_duration", "off", "superuser", "bool"],
  ["log_error_verbosity", "default", "superuser", "enum", "terse,default,verbose"],
  ["log_executor_stats", "off", "superuser", "bool"],
  ["log_lock_waits", "off", "superuser", "bool"],
  ["log_min_duration_sample", "-1", "superuser", "integer"],
  ["log_min_duration_statement", "-1", "superuser", "integer"],
  ["log_min_error_statement", "error", "superuser", "enum", "debug5,debug4,debug3,debug2,debug1,info,notice,warning,error,log,fatal,panic"],
  ["log_min_messages", "warning", "superuser", "enum", "debug5,debug4,debug3,debug2,debug1,info,notice,warning,error,log,fatal,panic"],
  ["log_parameter_max_length", "-1", "superuser", "integer"],
  ["log_parameter_max_length_on_error", "0", "user", "integer"],
  ["log_parser_stats", "off", "superuser", "bool"],
  ["log_planner_stats", "off", "superuser", "bool"],
  ["log_replication_commands", "off", "superuser", "bool"],
  ["log_statement", "none", "superuser", "enum", "none,ddl,mod,all"],
  ["log_statement_sample_rate", "1", "superuser", "real"],
  ["log_statement_stats", "off", "superuser", "bool"],
  ["log_temp_files", "-1", "superuser", "integer"],
  ["log_transaction_sample_rate", "0", "superuser", "real"],
  ["logical_decoding_work_mem", "64MB", "user", "integer"],
  ["maintenance_io_concurrency", "10", "user", "integer"],
  ["maintenance_work_mem", "64MB", "user", "integer"],
  ["max_function_args", "100", "internal", "integer"],
  ["max_identifier_length", "63", "internal", "integer"],
  ["max_index_keys", "32", "internal", "integer"],
  ["max_parallel_maintenance_workers", "2", "user", "integer"],
  ["max_parallel_workers", "8", "user", "integer"],
  ["max_parallel_workers_per_gather", "2", "user", "integer"],
  ["max_stack_depth", "2MB", "superuser", "integer"],
  ["min_parallel_index_scan_size", "512kB", "user", "integer"],
  ["min_parallel_table_scan_size", "8MB", "user", "integer"],
  ["parallel_leader_participation", "on", "user", "bool"],
  ["parallel_setup_cost", "1000", "user", "real"],
  ["parallel_tuple_cost", "0.1", "user", "real"],
  ["password_encryption", "scram-sha-256", "user", "enum", "md5,scram-sha-256"],
  ["plan_cache_mode", "auto", "user", "enum", "auto,force_generic_plan,force_custom_plan"],
  ["quote_all_identifiers", "off", "user", "bool"],
  ["random_page_cost", "4", "user", "real"],
  ["recursive_worktable_factor", "10", "user", "real"],
  ["restrict_nonsystem_relation_kind", "", "user", "string"],
  ["row_security", "on", "user", "bool"],
  ["scram_iterations", "4096", "user", "integer"],
  ["search_path", "\"$user\", public", "user", "string"],
  ["segment_size", "1GB", "internal", "integer"],
  ["seq_page_cost", "1", "user", "real"],
  ["server_encoding", "UTF8", "internal", "string"],
  ["server_version", "17.10", "internal", "string"],
  ["server_version_num", "170010", "internal", "integer"],
  ["session_preload_libraries", "", "superuser", "string"],
  ["standard_conforming_strings", "on", "user", "bool"],
  ["statement_timeout", "0", "user", "integer"],
  ["stats_fetch_consistency", "cache", "user", "enum", "none,cache,snapshot"],
  ["synchronize_seqscans", "on", "user", "bool"],
  ["synchronous_commit", "on", "user", "enum", "local,remote_write,remote_apply,on,off"],
  ["tcp_keepalives_count", "9", "user", "integer"],
  ["tcp_keepalives_idle", "7200", "user", "integer"],
  ["tcp_keepalives_interval", "75", "user", "integer"],
  ["tcp_user_timeout", "0", "user", "integer"],
  ["temp_buffers", "8MB", "user", "integer"],
  ["temp_file_limit", "-1", "superuser", "integer"],
  ["temp_tablespaces", "", "user", "string"],
  ["timezone_abbreviations", "Default", "user", "string"],
  ["trace_notify", "off", "user", "bool"],
  ["trace_sort", "off", "user", "bool"],
  ["track_activities", "on", "superuser", "bool"],
  ["track_counts", "on", "superuser", "bool"],
  ["track_functions", "none", "superuser", "enum", "none,pl,all"],
  ["track_io_timing", "off", "superuser", "bool"],
  ["track_wal_io_timing", "off", "superuser", "bool"],
  ["transaction_deferrable", "off", "user", "bool"],
  ["transaction_isolation", "read committed", "user", "enum", "serializable,repeatable read,read committed,read uncommitted"],
  ["transaction_read_only", "off", "user", "bool"],
  ["transaction_timeout", "0", "user", "integer"],
  ["transform_null_equals", "off", "user", "bool"],
  ["update_process_title", "on", "superuser", "bool"],
  ["vacuum_buffer_usage_limit", "2MB", "user", "integer"],
  ["vacuum_cost_delay", "0", "user", "real"],
  ["vacuum_cost_limit", "200", "user", "integer"],
  ["vacuum_cost_page_dirty", "20", "user", "integer"],
  ["vacuum_cost_page_hit", "1", "user", "integer"],
  ["vacuum_cost_page_miss", "2", "user", "integer"],
  ["vacuum_failsafe_age", "1600000000", "user", "integer"],
  ["vacuum_freeze_min_age", "50000000", "user", "integer"],
  ["vacuum_freeze_table_age", "150000000", "user", "integer"],
  ["vacuum_multixact_failsafe_age", "1600000000", "user", "integer"],
  ["vacuum_multixact_freeze_min_age", "5000000", "user", "integer"],
  ["vacuum_multixact_freeze_table_age", "150000000", "user", "integer"],
  ["wal_block_size", "8192", "internal", "integer"],
  ["wal_compression", "off", "superuser", "enum", "pglz,on,off"],
  ["wal_consistency_checking", "", "superuser", "string"],
  ["wal_init_zero", "on", "superuser", "bool"],
  ["wal_recycle", "on", "superuser", "bool"],
  ["wal_segment_size", "16MB", "internal", "integer"],
  ["wal_sender_timeout", "1min", "user", "integer"],
  ["wal_skip_threshold", "2MB", "user", "integer"],
  ["work_mem", "4MB", "user", "integer"],
  ["xmlbinary", "base64", "user", "enum", "base64,hex"],
  ["xmloption", "content", "user", "enum", "content,document"],
  ["zero_damaged_pages", "off", "superuser", "bool"],
  ["application_name", "", "user", "string"],
  ["is_superuser", "off", "internal", "bool"],
  ["session_authorization", "", "internal", "string"],
  ["role", "none", "internal", "string"],
];

/** Defaults memstore reports differently from a primary: it is a read-only replica. */
const OVERRIDES: ReadonlyMap<string, string> = new Map([
  ['default_transaction_read_only', 'on'],
  ['transaction_read_only', 'on'],
  ['in_hot_standby', 'on'],
  ['server_version', SERVER_VERSION],
  ['server_version_num', SERVER_VERSION_NUM],
]);

const DEFS = new Map<string, SettingDef>(
  TABLE.map(([name, value, context, kind, enums]) => [
    name,
    { value: OVERRIDES.get(name) ?? value, context, kind, enumValues: enums === undefined ? [] : enums.split(',') },
  ]),
);

const SHOW_NAMES = new Map<string, string>(REPORTED_PARAMETERS.map(([key, wire]) => [key, wire]));

export function settingDefault(name: string): string | undefined {
  return DEFS.get(name)?.value;
}

export function isKnownSetting(name: string): boolean {
  return DEFS.has(name);
}

export function isCustomSetting(name: string): boolean {
  return name.includes('.');
}

export function showName(name: string): string {
  return SHOW_NAMES.get(name) ?? name;
}

export function settingNames(): string[] {
  return [...DEFS.keys()].sort();
}

function invalidValue(name: string, value: string, hint?: string): SqlError {
  return new SqlError(SQLSTATE.invalid_parameter_value, `invalid value for parameter "${name}": "${value}"`, hint === undefined ? {} : { hint });
}

function unsupportedValue(name: string, value: string, accepted: string): SqlError {
  return new SqlError(SQLSTATE.feature_not_supported, `memstore does not support ${name} = "${value}"`, {
    hint: `memstore serves values as the primary's text output; it accepts ${accepted}.`,
  });
}

const BOOL_TRUE = ['on', 'true', 'yes', '1'];
const BOOL_FALSE = ['off', 'false', 'no', '0'];

function parseBool(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === '') return null;
  if (BOOL_TRUE.some((w) => (w === 'on' ? v === 'on' : w.startsWith(v)))) return true;
  if (BOOL_FALSE.some((w) => (w === 'off' ? v === 'off' || v === 'of' : w.startsWith(v)))) return false;
  return null;
}

/**
 * DateStyle as PostgreSQL's check_datestyle: a style (ISO, SQL, Postgres, German) and/or a field
 * order (DMY, MDY, YMD, or their aliases), each kept from the previous value when not given;
 * German alone implies DMY; DEFAULT is the boot value.
 */
function normalizeDateStyle(value: string, previous: string | undefined): string {
  const prev = (previous ?? 'ISO, MDY').split(',').map((p) => p.trim());
  let style = prev[0] ?? 'ISO';
  let order = prev[1] ?? 'MDY';
  let styles = 0;
  let orders = 0;
  const setStyle = (v: string): void => {
    style = v;
    styles++;
  };
  const setOrder = (v: string): void => {
    order = v;
    orders++;
  };
  for (const raw of value.split(',')) {
    const tok = raw.trim().toUpperCase();
    if (tok === 'ISO' || tok === 'SQL') setStyle(tok);
    else if (tok.startsWith('POSTGRES')) setStyle('Postgres');
    else if (tok === 'GERMAN') {
      setStyle('German');
      if (orders === 0) order = 'DMY';
    } else if (tok === 'YMD') setOrder('YMD');
    else if (tok === 'DMY' || tok.startsWith('EURO')) setOrder('DMY');
    else if (tok === 'MDY' || tok === 'US' || tok.startsWith('NONEURO')) setOrder('MDY');
    else if (tok === 'DEFAULT') {
      setStyle('ISO');
      setOrder('MDY');
    } else throw invalidValue('DateStyle', value);
  }
  if (styles > 1 || orders > 1) throw new SqlError(SQLSTATE.invalid_parameter_value, `invalid value for parameter "DateStyle": "${value}"`, { detail: 'Conflicting "datestyle" specifications.' });
  return `${style}, ${order}`;
}

/**
 * TimeZone: a zone name the datetime code knows (IANA, POSIX like `<+03>-03` or `UTC+3`), or an
 * offset in hours (`SET TIME ZONE -7`, and the interval form, which session.ts turns into hours),
 * which PostgreSQL names as a POSIX zone with the sign flipped: -7 → `<-07>+07`.
 */
function normalizeTimeZone(value: string): string {
  const v = value.trim();
  if (/^[+-]?[0-9]+(\.[0-9]+)?$/.test(v)) return offsetZoneName(Math.round(Number(v) * 3600));
  if (lookupZone(v) === null) throw invalidValue('TimeZone', value);
  return v;
}

/** pg_tzset_offset's name for a zone `east` seconds east of UTC. */
export function offsetZoneName(east: number): string {
  const abs = Math.abs(east);
  let text = String(Math.floor(abs / 3600)).padStart(2, '0');
  if (abs % 3600 !== 0) text += ':' + String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  if (abs % 60 !== 0) text += ':' + String(abs % 60).padStart(2, '0');
  // POSIX names count hours west: east of UTC is "<+hh>-hh".
  return east < 0 ? `<-${text}>+${text}` : `<+${text}>-${text}`;
}

/**
 * The value as SHOW prints it after `SET name = value`, or a SqlError: 42704 unknown, 55P02
 * read-only, 42501 superuser-only, 22023 invalid, 0A000 a value memstore cannot serve under.
 * `previous` is the current value (DateStyle keeps its order part when only ISO is given).
 */
export function normalizeSetting(name: string, value: string, previous: string | undefined): string {
  const def = DEFS.get(name);
  if (def === undefined) {
    if (isCustomSetting(name)) return value;
    throw new SqlError(SQLSTATE.undefined_object, `unrecognized configuration parameter "${name}"`);
  }
  if (def.context === 'internal') {
    throw new SqlError(SQLSTATE.cant_change_runtime_param, `parameter "${name}" cannot be changed`);
  }
  if (def.context === 'superuser') {
    throw new SqlError(SQLSTATE.insufficient_privilege, `permission denied to set parameter "${name}"`);
  }
  let v = value;
  switch (def.kind) {
    case 'bool': {
      const b = parseBool(value);
      if (b === null) throw new SqlError(SQLSTATE.invalid_parameter_value, `parameter "${name}" requires a Boolean value`);
      v = b ? 'on' : 'off';
      break;
    }
    case 'integer':
      if (!/^\s*[+-]?[0-9]+(\.[0-9]+)?\s*[a-zA-Z]*\s*$/.test(value)) throw invalidValue(name, value);
      v = value.trim();
      break;
    case 'real':
      if (!/^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$/.test(value)) throw invalidValue(name, value);
      v = value.trim();
      break;
    case 'enum': {
      const lower = value.trim().toLowerCase();
      const match = def.enumValues.find((e) => e.toLowerCase() === lower);
      if (match === undefined) throw invalidValue(name, value, `Available values: ${def.enumValues.join(', ')}.`);
      v = match;
      break;
    }
    case 'string':
      break;
  }
  switch (name) {
    case 'client_encoding': {
      const enc = normalizeClientEncoding(value);
      if (enc === null) throw unsupportedValue(name, value, 'UTF8 (and SQL_ASCII)');
      return enc;
    }
    case 'datestyle':
      return normalizeDateStyle(value, previous);
    case 'standard_conforming_strings':
      if (v !== 'on') throw unsupportedValue(name, value, 'on');
      return v;
    case 'extra_float_digits': {
      const n = Number(v);
      if (!Number.isInteger(n) || n < -15 || n > 3) {
        throw new SqlError(SQLSTATE.invalid_parameter_value, `${v} is outside the valid range for parameter "extra_float_digits" (-15 .. 3)`);
      }
      return String(n);
    }
    case 'timezone':
      return normalizeTimeZone(value);
    default:
      return v;
  }
}
