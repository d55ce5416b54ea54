-- memstore primary-side functions.
--
-- Install (idempotent, safe to re-run):   psql "$URL" -v ON_ERROR_STOP=1 -f sql/memstore.sql
-- Run it as the role that should own the functions (a superuser, or on managed PostgreSQL the
-- administrator role): the write functions run with its rights (SECURITY DEFINER).
--
-- Each write function emits ONE transactional logical decoding message with the prefix 'memstore'
-- and a versioned JSON payload, and returns that message's LSN. Nothing is written to a table:
-- the WAL carries the op and every sidecar following a slot on this database applies it at the
-- transaction's commit. A rolled-back transaction's ops are never decoded, so never applied.
--
-- Payload format v1 (the sidecar's decoder, src/decode/memstore-op.ts, is the other half):
--   {"v":1,"op":"set","key":"<text key>","value":<jsonb>}
--   {"v":1,"op":"set","key_hex":"<bytea key as hex>","value":<jsonb>}
--   {"v":1,"op":"delete","key":"…"}   /   {"v":1,"op":"delete","key_hex":"…"}
--   {"v":1,"op":"clear"}
-- Format v2, for what v1 cannot say (a sidecar that reads only v1 quarantines these, loudly,
-- rather than applying a set without its expiry):
--   {"v":2,"op":"set","key"|"key_hex":…,"value":<jsonb>,"exp":<µs since 1970-01-01 UTC>}
--   {"v":2,"op":"touch","key"|"key_hex":…,"exp":<µs>|null}
--   {"v":2,"op":"set_many","items":[{"key"|"key_hex":…,"value":<jsonb>[,"exp":<µs>]}, …]}
--   {"v":2,"op":"delete_prefix","prefix"|"prefix_hex":…}
-- A text key is its UTF-8 bytes, so memstore.set('a', …) and memstore.set('\x61'::bytea, …) name
-- the same key. An expiry is absolute, computed from now() — the transaction's start — so every
-- sidecar expires the key at the same instant whatever its lag.
--
-- Limits are settings (per database, role or session), checked here before anything is emitted:
--   memstore.max_key_bytes    default 65536     (key length in bytes; empty keys are refused)
--   memstore.max_value_bytes  default 1048576   (length of the value's jsonb text)
--   memstore.max_batch_bytes  default 16777216  (length of a set_many payload)
-- e.g.  ALTER DATABASE app SET memstore.max_value_bytes = '4194304';
--
-- Who may write. The write functions are SECURITY DEFINER with a fixed search_path, revoked from
-- PUBLIC and granted to the role memstore_writer (NOLOGIN; GRANT memstore_writer TO app;).
-- Reading the cache happens on the sidecars, not here. That alone does not stop forgery: any
-- role may call pg_logical_emit_message(true, 'memstore', …) itself (its default ACL is PUBLIC
-- EXECUTE). Closing that is an opt-in step, because other software may emit messages too:
--   SELECT memstore.lock_down();   -- as a superuser: REVOKE EXECUTE … FROM PUBLIC on every
--                                  -- pg_logical_emit_message overload
-- Sidecars check for it at start-up and report "forgery_possible" in memstore.stats().

CREATE SCHEMA IF NOT EXISTS memstore;

COMMENT ON SCHEMA memstore IS 'memstore: key-value ops carried by logical decoding messages to memstore sidecars';

-- Roles are cluster-wide: another database may be installing at the same moment.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'memstore_writer') THEN
    CREATE ROLE memstore_writer NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

COMMENT ON ROLE memstore_writer IS 'may call the memstore write functions (memstore.set, delete, clear, touch, set_many, delete_prefix)';

CREATE OR REPLACE FUNCTION memstore._limit(name text, fallback bigint)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(nullif(current_setting('memstore.' || name, true), '')::bigint, fallback)
$$;

-- Validates a key (as bytes). Raises before anything is emitted.
CREATE OR REPLACE FUNCTION memstore._check_key(key_bytes bytea, what text DEFAULT 'key')
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  max_key bigint := memstore._limit('max_key_bytes', 65536);
BEGIN
  IF key_bytes IS NULL THEN
    RAISE EXCEPTION 'memstore % must not be null', what USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF octet_length(key_bytes) = 0 THEN
    RAISE EXCEPTION 'memstore % must not be empty', what USING ERRCODE = 'invalid_parameter_value',
      HINT = CASE WHEN what = 'prefix' THEN 'memstore.clear() deletes every key.' ELSE 'Keys are 1 byte or longer.' END;
  END IF;
  IF octet_length(key_bytes) > max_key THEN
    RAISE EXCEPTION 'memstore % is % bytes, over the limit of % bytes', what, octet_length(key_bytes), max_key
      USING ERRCODE = 'program_limit_exceeded',
            HINT = 'The limit is the setting memstore.max_key_bytes.';
  END IF;
END
$$;

DROP FUNCTION IF EXISTS memstore._check_key(bytea); -- now (bytea, text): a leftover would make calls ambiguous

-- An absolute expiry, µs since 1970-01-01 UTC, from now() (the transaction's start); NULL for none.
CREATE OR REPLACE FUNCTION memstore._exp(ttl interval)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  us numeric;
BEGIN
  IF ttl IS NULL THEN
    RETURN NULL;
  END IF;
  IF NOT isfinite(ttl) OR ttl <= interval '0' THEN
    RAISE EXCEPTION 'memstore ttl must be a positive, finite interval, not %', ttl
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Leave the ttl out (or pass NULL) for a key that does not expire; memstore.delete removes one.';
  END IF;
  us := extract(epoch FROM now() + ttl) * 1000000;
  -- Sidecars hold expiries as exact doubles: 2^53 µs is the year 2255.
  IF us > 9007199254740991 THEN
    RAISE EXCEPTION 'memstore ttl % puts the expiry after 2255-06-05', ttl USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN floor(us)::bigint;
END
$$;

-- One validated key/value item of a set or set_many payload.
CREATE OR REPLACE FUNCTION memstore._item(key_field text, key_value text, key_bytes bytea, value jsonb, exp bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  max_value bigint := memstore._limit('max_value_bytes', 1048576);
  value_len bigint;
BEGIN
  PERFORM memstore._check_key(key_bytes);
  IF value IS NULL THEN
    RAISE EXCEPTION 'memstore value must not be SQL NULL (use the jsonb ''null'' or memstore.delete)'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  value_len := octet_length(value::text);
  IF value_len > max_value THEN
    RAISE EXCEPTION 'memstore value is % bytes, over the limit of % bytes', value_len, max_value
      USING ERRCODE = 'program_limit_exceeded',
            HINT = 'The limit is the setting memstore.max_value_bytes.';
  END IF;
  RETURN jsonb_build_object(key_field, key_value, 'value', value)
      || CASE WHEN exp IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('exp', exp) END;
END
$$;

CREATE OR REPLACE FUNCTION memstore._emit(payload jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_logical_emit_message(true, 'memstore', payload::text)
$$;

-- Kept for sql/memstore.sql of earlier versions calling it; v1 when there is no expiry.
CREATE OR REPLACE FUNCTION memstore._set(key_field text, key_value text, key_bytes bytea, value jsonb, ttl interval DEFAULT NULL)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  exp bigint := memstore._exp(ttl);
BEGIN
  RETURN memstore._emit(jsonb_build_object('v', CASE WHEN exp IS NULL THEN 1 ELSE 2 END, 'op', 'set')
                        || memstore._item(key_field, key_value, key_bytes, value, exp));
END
$$;

DROP FUNCTION IF EXISTS memstore._set(text, text, bytea, jsonb);

CREATE OR REPLACE FUNCTION memstore.set(key text, value jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT memstore._set('key', key, convert_to(key, 'UTF8'), value) $$;

CREATE OR REPLACE FUNCTION memstore.set(key bytea, value jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT memstore._set('key_hex', encode(key, 'hex'), key, value) $$;

CREATE OR REPLACE FUNCTION memstore.set(key text, value jsonb, ttl interval)
RETURNS pg_lsn
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT memstore._set('key', key, convert_to(key, 'UTF8'), value, ttl) $$;

CREATE OR REPLACE FUNCTION memstore.set(key bytea, value jsonb, ttl interval)
RETURNS pg_lsn
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT memstore._set('key_hex', encode(key, 'hex'), key, value, ttl) $$;

CREATE OR REPLACE FUNCTION memstore.delete(key text)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(convert_to(key, 'UTF8'));
  RETURN memstore._emit(jsonb_build_object('v', 1, 'op', 'delete', 'key', key));
END
$$;

CREATE OR REPLACE FUNCTION memstore.delete(key bytea)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(key);
  RETURN memstore._emit(jsonb_build_object('v', 1, 'op', 'delete', 'key_hex', encode(key, 'hex')));
END
$$;

CREATE OR REPLACE FUNCTION memstore.clear()
RETURNS pg_lsn
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT memstore._emit(jsonb_build_object('v', 1, 'op', 'clear')) $$;

-- A new expiry for an existing key, ttl from now(); NULL ttl = no expiry any more. A key that
-- does not exist, or has expired by the time the transaction commits, is left alone.
CREATE OR REPLACE FUNCTION memstore.touch(key text, ttl interval)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(convert_to(key, 'UTF8'));
  RETURN memstore._emit(jsonb_build_object('v', 2, 'op', 'touch', 'key', key, 'exp', memstore._exp(ttl)));
END
$$;

CREATE OR REPLACE FUNCTION memstore.touch(key bytea, ttl interval)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(key);
  RETURN memstore._emit(jsonb_build_object('v', 2, 'op', 'touch', 'key_hex', encode(key, 'hex'), 'exp', memstore._exp(ttl)));
END
$$;

-- Many keys in ONE message, applied atomically on every sidecar. items is either
--   an object  {"key": <value>, …}                         (text keys), or
--   an array   [{"key": "k" | "key_hex": "00ff", "value": <value> [, "ttl": "10 minutes"]}, …]
-- ttl applies to every item without its own "ttl". Later items win over earlier ones.
CREATE OR REPLACE FUNCTION memstore.set_many(items jsonb, ttl interval DEFAULT NULL)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  max_batch bigint := memstore._limit('max_batch_bytes', 16777216);
  default_exp bigint := memstore._exp(ttl);
  out jsonb[] := '{}';
  elem jsonb;
  k text;
  v jsonb;
  n int := 0;
  key_field text;
  key_value text;
  key_bytes bytea;
  payload text;
BEGIN
  IF items IS NULL THEN
    RAISE EXCEPTION 'memstore.set_many items must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF jsonb_typeof(items) = 'object' THEN
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(items) AS e LOOP
      out := out || memstore._item('key', k, convert_to(k, 'UTF8'), v, default_exp);
    END LOOP;
  ELSIF jsonb_typeof(items) = 'array' THEN
    FOR elem IN SELECT e.value FROM jsonb_array_elements(items) AS e LOOP
      n := n + 1;
      IF jsonb_typeof(elem) <> 'object' THEN
        RAISE EXCEPTION 'memstore.set_many item % is not an object', n USING ERRCODE = 'invalid_parameter_value',
          HINT = 'Items look like {"key": "k", "value": …} or {"key_hex": "00ff", "value": …, "ttl": "10 minutes"}.';
      END IF;
      IF jsonb_typeof(elem -> 'key') = 'string' THEN
        key_field := 'key';
        key_value := elem ->> 'key';
        key_bytes := convert_to(key_value, 'UTF8');
      ELSIF jsonb_typeof(elem -> 'key_hex') = 'string' THEN
        key_field := 'key_hex';
        key_bytes := decode(elem ->> 'key_hex', 'hex');
        key_value := encode(key_bytes, 'hex');
      ELSIF elem ? 'key' OR elem ? 'key_hex' THEN
        RAISE EXCEPTION 'memstore.set_many item %: the key must be a JSON string', n USING ERRCODE = 'invalid_parameter_value';
      ELSE
        RAISE EXCEPTION 'memstore.set_many item % has no "key" or "key_hex"', n USING ERRCODE = 'null_value_not_allowed';
      END IF;
      out := out || memstore._item(key_field, key_value, key_bytes, elem -> 'value',
                                   CASE WHEN elem ? 'ttl' THEN memstore._exp((elem ->> 'ttl')::interval) ELSE default_exp END);
    END LOOP;
  ELSE
    RAISE EXCEPTION 'memstore.set_many takes a jsonb object or array, not %', jsonb_typeof(items)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  payload := jsonb_build_object('v', 2, 'op', 'set_many', 'items', to_jsonb(out))::text;
  IF octet_length(payload) > max_batch THEN
    RAISE EXCEPTION 'memstore.set_many payload is % bytes, over the limit of % bytes', octet_length(payload), max_batch
      USING ERRCODE = 'program_limit_exceeded',
            HINT = 'Split the batch, or raise the setting memstore.max_batch_bytes.';
  END IF;
  RETURN pg_logical_emit_message(true, 'memstore', payload);
END
$$;

-- Deletes every key starting with prefix, on every sidecar (one op, a tree walk there).
CREATE OR REPLACE FUNCTION memstore.delete_prefix(prefix text)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(convert_to(prefix, 'UTF8'), 'prefix');
  RETURN memstore._emit(jsonb_build_object('v', 2, 'op', 'delete_prefix', 'prefix', prefix));
END
$$;

CREATE OR REPLACE FUNCTION memstore.delete_prefix(prefix bytea)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM memstore._check_key(prefix, 'prefix');
  RETURN memstore._emit(jsonb_build_object('v', 2, 'op', 'delete_prefix', 'prefix_hex', encode(prefix, 'hex')));
END
$$;

-- A read-your-writes token: call it after COMMIT and hand it to memstore.wait_lsn() on a sidecar.
-- The insert position is at or past the end of every transaction committed before the call.
CREATE OR REPLACE FUNCTION memstore.current_lsn()
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$ SELECT pg_current_wal_insert_lsn() $$;

-- Whether any role can still emit a memstore op by hand (PUBLIC may execute an overload of
-- pg_logical_emit_message). Sidecars run the same check at start-up.
CREATE OR REPLACE FUNCTION memstore.forgery_possible()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(bool_or(has_function_privilege('public', p.oid, 'EXECUTE')), false)
  FROM pg_proc p
  WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
$$;

-- The opt-in lock-down: only the memstore functions' owner (and superusers) may emit logical
-- decoding messages afterwards. Run it as a superuser. Other software that emits messages with
-- pg_logical_emit_message needs an explicit GRANT EXECUTE afterwards. Undo with
--   GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text, boolean) TO PUBLIC; (and bytea)
CREATE OR REPLACE FUNCTION memstore.lock_down()
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f regprocedure;
  owner name;
  done text[] := '{}';
BEGIN
  SELECT pg_get_userbyid(proowner) INTO owner FROM pg_proc WHERE oid = 'memstore._emit(jsonb)'::regprocedure;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
           ORDER BY p.oid::regprocedure::text LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = owner) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, owner);
    END IF;
    done := done || f::text;
  END LOOP;
  IF memstore.forgery_possible() THEN
    RAISE EXCEPTION 'PUBLIC may still execute pg_logical_emit_message: memstore.lock_down() must be run by a superuser'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN 'revoked EXECUTE from PUBLIC on ' || array_to_string(done, ', ');
END
$$;

-- Access: internals for the owner only; write functions for memstore_writer; the rest for all.
GRANT USAGE ON SCHEMA memstore TO PUBLIC;
REVOKE ALL ON FUNCTION memstore._limit(text, bigint), memstore._check_key(bytea, text), memstore._exp(interval),
  memstore._item(text, text, bytea, jsonb, bigint), memstore._emit(jsonb),
  memstore._set(text, text, bytea, jsonb, interval), memstore.lock_down() FROM PUBLIC;
REVOKE ALL ON FUNCTION memstore.set(text, jsonb), memstore.set(bytea, jsonb), memstore.set(text, jsonb, interval),
  memstore.set(bytea, jsonb, interval), memstore.delete(text), memstore.delete(bytea), memstore.clear(),
  memstore.touch(text, interval), memstore.touch(bytea, interval), memstore.set_many(jsonb, interval),
  memstore.delete_prefix(text), memstore.delete_prefix(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memstore.set(text, jsonb), memstore.set(bytea, jsonb), memstore.set(text, jsonb, interval),
  memstore.set(bytea, jsonb, interval), memstore.delete(text), memstore.delete(bytea), memstore.clear(),
  memstore.touch(text, interval), memstore.touch(bytea, interval), memstore.set_many(jsonb, interval),
  memstore.delete_prefix(text), memstore.delete_prefix(bytea) TO memstore_writer;

COMMENT ON FUNCTION memstore.set(text, jsonb) IS 'Set a memstore key (text) to a jsonb value on every sidecar, at commit';
COMMENT ON FUNCTION memstore.set(bytea, jsonb) IS 'Set a memstore key (bytea) to a jsonb value on every sidecar, at commit';
COMMENT ON FUNCTION memstore.set(text, jsonb, interval) IS 'Set a memstore key (text) that expires ttl after now(), on every sidecar, at commit';
COMMENT ON FUNCTION memstore.set(bytea, jsonb, interval) IS 'Set a memstore key (bytea) that expires ttl after now(), on every sidecar, at commit';
COMMENT ON FUNCTION memstore.delete(text) IS 'Delete a memstore key (text) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.delete(bytea) IS 'Delete a memstore key (bytea) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.clear() IS 'Delete every memstore key on every sidecar, at commit';
COMMENT ON FUNCTION memstore.touch(text, interval) IS 'Give an existing memstore key (text) a new expiry, ttl after now() (NULL: none)';
COMMENT ON FUNCTION memstore.touch(bytea, interval) IS 'Give an existing memstore key (bytea) a new expiry, ttl after now() (NULL: none)';
COMMENT ON FUNCTION memstore.set_many(jsonb, interval) IS 'Set many memstore keys in one atomic op: {"k": v, …} or [{"key"|"key_hex", "value", "ttl"?}, …]';
COMMENT ON FUNCTION memstore.delete_prefix(text) IS 'Delete every memstore key starting with prefix (text) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.delete_prefix(bytea) IS 'Delete every memstore key starting with prefix (bytea) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.current_lsn() IS 'Read-your-writes token for memstore.wait_lsn() on a sidecar';
COMMENT ON FUNCTION memstore.forgery_possible() IS 'Whether PUBLIC may still emit logical decoding messages (forge memstore ops)';
COMMENT ON FUNCTION memstore.lock_down() IS 'Opt-in: revoke pg_logical_emit_message from PUBLIC (run as a superuser)';

-- DDL notifications (optional; installing the event triggers needs a superuser).
--
-- pgoutput tells a sidecar about DDL only through the Relation message sent before a table's
-- next change, which cannot show a rename without a write, a DROP, a rewrite that keeps the
-- column types (ALTER COLUMN TYPE … USING), or an enum value renamed. These event triggers emit
-- one transactional 'memstore.ddl' message inside the DDL's own transaction, so it reaches every
-- sidecar at that transaction's commit, in WAL order (the sidecar's decoder,
-- src/decode/ddl-message.ts, documents the payload):
--   {"v":1,"tag":"<command tag>","relations":[{"oid":…,"schema":…,"name":…, …}]}
-- ddl_command_end: tables created, altered, renamed, added to a publication, and every table
-- with a column of an altered type (its array, a domain over it, a composite containing it);
-- sql_drop: dropped tables ("dropped":true); table_rewrite: rewritten tables ("rewrite":true).
-- A failure inside a trigger is turned into a WARNING: DDL never fails because of memstore.
-- Without them (no superuser), sidecars find shape changes through a periodic catalog check and
-- miss DDL that changes no column description (USING with the same type, enum RENAME VALUE).

-- One table as the payload describes it; NULL for anything that is not a table.
CREATE OR REPLACE FUNCTION memstore._ddl_relation(rel oid)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
    'oid', c.oid::bigint,
    'schema', n.nspname,
    'name', c.relname,
    'partitioned', c.relkind = 'p',
    'publications', (SELECT coalesce(jsonb_agg(pt.pubname ORDER BY pt.pubname), '[]'::jsonb)
                       FROM pg_publication_tables pt WHERE pt.schemaname = n.nspname AND pt.tablename = c.relname),
    'identity', c.relreplident::text,
    'key', (SELECT coalesce(jsonb_agg(a.attname ORDER BY k.ord), '[]'::jsonb)
              FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid
               AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END),
    'columns', (SELECT coalesce(jsonb_agg(jsonb_build_array(a.attname, a.atttypid::bigint, a.atttypmod) ORDER BY a.attnum), '[]'::jsonb)
                  FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = rel AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'   -- temp and unlogged tables are never published
$$;

-- Tables with a column of one of these types, of an array of them, of a domain over them, or
-- of a composite type (a table's row type included) that contains one.
CREATE OR REPLACE FUNCTION memstore._ddl_tables_using(types oid[])
RETURNS SETOF oid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE ty(oid) AS (
    SELECT unnest(types)
    UNION
    SELECT t.oid FROM ty JOIN pg_type t
        ON t.typbasetype = ty.oid
        OR (t.typelem = ty.oid AND t.typcategory = 'A')
        OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_attribute a
                                         WHERE a.attrelid = t.typrelid AND a.atttypid = ty.oid AND NOT a.attisdropped))
  )
  SELECT DISTINCT a.attrelid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE a.atttypid IN (SELECT oid FROM ty) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
$$;

CREATE OR REPLACE FUNCTION memstore._ddl_emit(tag text, relations jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF relations IS NULL OR jsonb_array_length(relations) = 0 OR current_setting('wal_level') <> 'logical' THEN
    RETURN;
  END IF;
  PERFORM pg_logical_emit_message(true, 'memstore.ddl', jsonb_build_object('v', 1, 'tag', tag, 'relations', relations)::text);
END
$$;

CREATE OR REPLACE FUNCTION memstore._ddl_command_end()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rels jsonb;
BEGIN
  WITH cmd AS (SELECT classid, objid FROM pg_event_trigger_ddl_commands()),
  touched(rel) AS (
    SELECT objid FROM cmd WHERE classid = 'pg_class'::regclass
    UNION
    SELECT pr.prrelid FROM cmd JOIN pg_publication_rel pr ON pr.oid = cmd.objid
     WHERE cmd.classid = 'pg_publication_rel'::regclass
    UNION
    SELECT cl.oid FROM cmd JOIN pg_publication_namespace pn ON pn.oid = cmd.objid
      JOIN pg_class cl ON cl.relnamespace = pn.pnnspid
     WHERE cmd.classid = 'pg_publication_namespace'::regclass
    UNION
    SELECT memstore._ddl_tables_using(array_agg(objid)) FROM cmd WHERE classid = 'pg_type'::regclass
  )
  SELECT jsonb_agg(d ORDER BY rel) INTO rels
    FROM touched, LATERAL memstore._ddl_relation(rel) AS d WHERE d IS NOT NULL;
  PERFORM memstore._ddl_emit(tg_tag, rels);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'memstore: DDL notification not sent (sidecars learn this DDL later): %', SQLERRM;
END
$$;

CREATE OR REPLACE FUNCTION memstore._ddl_sql_drop()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rels jsonb;
BEGIN
  SELECT jsonb_agg(jsonb_build_object('oid', d.objid::bigint, 'schema', d.schema_name, 'name', d.object_name, 'dropped', true) ORDER BY d.objid)
    INTO rels
    FROM pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND d.object_type = 'table' AND NOT d.is_temporary;
  PERFORM memstore._ddl_emit(tg_tag, rels);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'memstore: DDL notification not sent (sidecars learn this DDL later): %', SQLERRM;
END
$$;

CREATE OR REPLACE FUNCTION memstore._ddl_table_rewrite()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel oid := pg_event_trigger_table_rewrite_oid();
BEGIN
  PERFORM memstore._ddl_emit(tg_tag, (
    SELECT jsonb_agg(jsonb_build_object('oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname, 'rewrite', true))
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'));
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'memstore: DDL notification not sent (sidecars learn this DDL later): %', SQLERRM;
END
$$;

REVOKE ALL ON FUNCTION memstore._ddl_relation(oid), memstore._ddl_tables_using(oid[]), memstore._ddl_emit(text, jsonb),
  memstore._ddl_command_end(), memstore._ddl_sql_drop(), memstore._ddl_table_rewrite() FROM PUBLIC;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'memstore_ddl_notify') THEN
    CREATE EVENT TRIGGER memstore_ddl_notify ON ddl_command_end EXECUTE FUNCTION memstore._ddl_command_end();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'memstore_ddl_drop') THEN
    CREATE EVENT TRIGGER memstore_ddl_drop ON sql_drop EXECUTE FUNCTION memstore._ddl_sql_drop();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'memstore_ddl_rewrite') THEN
    CREATE EVENT TRIGGER memstore_ddl_rewrite ON table_rewrite EXECUTE FUNCTION memstore._ddl_table_rewrite();
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'memstore: DDL event triggers not installed (%): sidecars fall back to a periodic catalog check', SQLERRM;
END
$$;
