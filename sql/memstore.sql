-- memstore primary-side functions.
--
-- Install (idempotent, safe to re-run):   psql "$URL" -v ON_ERROR_STOP=1 -f sql/memstore.sql
--
-- Each write function emits ONE transactional logical decoding message with the prefix 'memstore'
-- and a versioned JSON payload, and returns that message's LSN. Nothing is written to a table:
-- the WAL carries the op and every sidecar following a slot on this database applies it at the
-- transaction's commit. A rolled-back transaction's ops are never decoded, so never applied.
--
-- Payload format v1 (the sidecar's decoder is the other half of this contract):
--   {"v":1,"op":"set","key":"<text key>","value":<jsonb>}
--   {"v":1,"op":"set","key_hex":"<bytea key as hex>","value":<jsonb>}
--   {"v":1,"op":"delete","key":"…"}   /   {"v":1,"op":"delete","key_hex":"…"}
--   {"v":1,"op":"clear"}
-- A text key is its UTF-8 bytes, so memstore.set('a', …) and memstore.set('\x61'::bytea, …) name
-- the same key.
--
-- Limits are settings (per database, role or session), checked here before anything is emitted:
--   memstore.max_key_bytes    default 65536     (key length in bytes; empty keys are refused)
--   memstore.max_value_bytes  default 1048576   (length of the value's jsonb text)
-- e.g.  ALTER DATABASE app SET memstore.max_value_bytes = '4194304';

CREATE SCHEMA IF NOT EXISTS memstore;

COMMENT ON SCHEMA memstore IS 'memstore: key-value ops carried by logical decoding messages to memstore sidecars';

CREATE OR REPLACE FUNCTION memstore._limit(name text, fallback bigint)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(nullif(current_setting('memstore.' || name, true), '')::bigint, fallback)
$$;

-- Validates a key (as bytes) and returns its payload fragment. Raises before anything is emitted.
CREATE OR REPLACE FUNCTION memstore._check_key(key_bytes bytea)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  max_key bigint := memstore._limit('max_key_bytes', 65536);
BEGIN
  IF key_bytes IS NULL THEN
    RAISE EXCEPTION 'memstore key must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF octet_length(key_bytes) = 0 THEN
    RAISE EXCEPTION 'memstore key must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF octet_length(key_bytes) > max_key THEN
    RAISE EXCEPTION 'memstore key is % bytes, over the limit of % bytes', octet_length(key_bytes), max_key
      USING ERRCODE = 'program_limit_exceeded',
            HINT = 'The limit is the setting memstore.max_key_bytes.';
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION memstore._emit(payload jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$
  SELECT pg_logical_emit_message(true, 'memstore', payload::text)
$$;

CREATE OR REPLACE FUNCTION memstore._set(key_field text, key_value text, key_bytes bytea, value jsonb)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE
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
  RETURN memstore._emit(jsonb_build_object('v', 1, 'op', 'set', key_field, key_value, 'value', value));
END
$$;

CREATE OR REPLACE FUNCTION memstore.set(key text, value jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$ SELECT memstore._set('key', key, convert_to(key, 'UTF8'), value) $$;

CREATE OR REPLACE FUNCTION memstore.set(key bytea, value jsonb)
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$ SELECT memstore._set('key_hex', encode(key, 'hex'), key, value) $$;

CREATE OR REPLACE FUNCTION memstore.delete(key text)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM memstore._check_key(convert_to(key, 'UTF8'));
  RETURN memstore._emit(jsonb_build_object('v', 1, 'op', 'delete', 'key', key));
END
$$;

CREATE OR REPLACE FUNCTION memstore.delete(key bytea)
RETURNS pg_lsn
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM memstore._check_key(key);
  RETURN memstore._emit(jsonb_build_object('v', 1, 'op', 'delete', 'key_hex', encode(key, 'hex')));
END
$$;

CREATE OR REPLACE FUNCTION memstore.clear()
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$ SELECT memstore._emit(jsonb_build_object('v', 1, 'op', 'clear')) $$;

-- A read-your-writes token: call it after COMMIT and hand it to memstore.wait_lsn() on a sidecar.
-- The insert position is at or past the end of every transaction committed before the call.
CREATE OR REPLACE FUNCTION memstore.current_lsn()
RETURNS pg_lsn
LANGUAGE sql VOLATILE
AS $$ SELECT pg_current_wal_insert_lsn() $$;

COMMENT ON FUNCTION memstore.set(text, jsonb) IS 'Set a memstore key (text) to a jsonb value on every sidecar, at commit';
COMMENT ON FUNCTION memstore.set(bytea, jsonb) IS 'Set a memstore key (bytea) to a jsonb value on every sidecar, at commit';
COMMENT ON FUNCTION memstore.delete(text) IS 'Delete a memstore key (text) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.delete(bytea) IS 'Delete a memstore key (bytea) on every sidecar, at commit';
COMMENT ON FUNCTION memstore.clear() IS 'Delete every memstore key on every sidecar, at commit';
COMMENT ON FUNCTION memstore.current_lsn() IS 'Read-your-writes token for memstore.wait_lsn() on a sidecar';
