-- Export (SPEC §5): the fixed MAAC columns, custom values as jsonb, and a
-- temporary view with cl_custom_ columns for \copy ... TO ... CSV HEADER.

-- Whether a contact can be messaged: email subscribed, whatsapp opted_in,
-- sms not opted_out, line not blocked (facebook and instagram: always).
CREATE FUNCTION @extschema@.contactsync_reachable(channel text, messaging_status text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN CASE channel
         WHEN 'email' THEN COALESCE(messaging_status OPERATOR(pg_catalog.=) 'subscribed', false)
         WHEN 'whatsapp' THEN COALESCE(messaging_status OPERATOR(pg_catalog.=) 'opted_in', false)
         WHEN 'sms' THEN messaging_status IS DISTINCT FROM 'opted_out'
         WHEN 'line' THEN messaging_status IS DISTINCT FROM 'blocked'
         ELSE true
       END;
COMMENT ON FUNCTION @extschema@.contactsync_reachable(text, text) IS
  'Whether a contact of a channel with a messaging status can be messaged: email subscribed, whatsapp opted_in, sms not opted_out, line not blocked.';

CREATE FUNCTION @extschema@.contactsync_export(
  scope text DEFAULT 'all', custom_fields text[] DEFAULT NULL, workspace text DEFAULT 'default')
RETURNS TABLE (platform_type text, external_member_id text, name text, email text, phone text,
               tags text, customer_id text, note text, messaging_status text,
               create_time text, last_update_time text, custom jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  fields text[];
BEGIN
  IF scope IS NULL OR NOT (scope OPERATOR(pg_catalog.=) ANY (ARRAY['all', 'reachable', 'not_reachable', 'conflict'])) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('invalid export scope %L', scope),
      HINT = 'Use all, reachable, not_reachable or conflict.';
  END IF;
  -- The requested custom fields (NULL: every active field of the workspace).
  IF custom_fields IS NULL THEN
    SELECT COALESCE(pg_catalog.array_agg(f.identifier ORDER BY f.identifier), '{}') INTO fields
      FROM @extschema@.contactsync_custom_field f
     WHERE f.workspace OPERATOR(pg_catalog.=) contactsync_export.workspace
       AND f.status OPERATOR(pg_catalog.=) 'active';
  ELSE
    SELECT COALESCE(pg_catalog.array_agg(u.f ORDER BY u.o), '{}') INTO fields
      FROM pg_catalog.unnest(custom_fields) WITH ORDINALITY AS u(f, o);
    IF EXISTS (SELECT 1 FROM pg_catalog.unnest(fields) AS u(f)
                WHERE NOT EXISTS (SELECT 1 FROM @extschema@.contactsync_custom_field cf
                                   WHERE cf.workspace OPERATOR(pg_catalog.=) contactsync_export.workspace
                                     AND cf.identifier OPERATOR(pg_catalog.=) u.f)) THEN
      RAISE EXCEPTION USING
        ERRCODE = 'undefined_object',
        MESSAGE = pg_catalog.format('unknown custom fields in %s', custom_fields),
        HINT = 'See contactsync_custom_field for the fields of the workspace.';
    END IF;
  END IF;

  RETURN QUERY
  SELECT c.channel, c.external_member_id, c.name, c.email, c.phone,
         NULLIF(pg_catalog.array_to_string(c.tags, ','), ''), c.customer_id, c.note, c.messaging_status,
         pg_catalog.to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
         pg_catalog.to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
         (SELECT COALESCE(pg_catalog.jsonb_object_agg(k.key, k.value), '{}'::pg_catalog.jsonb)
            FROM pg_catalog.jsonb_each(c.custom) AS k
           WHERE k.key OPERATOR(pg_catalog.=) ANY (fields))
    FROM @extschema@.contactsync_contact c
   WHERE c.workspace OPERATOR(pg_catalog.=) contactsync_export.workspace
     AND CASE scope
           WHEN 'reachable' THEN @extschema@.contactsync_reachable(c.channel, c.messaging_status)
           WHEN 'not_reachable' THEN NOT @extschema@.contactsync_reachable(c.channel, c.messaging_status)
           WHEN 'conflict' THEN EXISTS (SELECT 1 FROM @extschema@.contactsync_conflict_member m
                                         WHERE m.workspace OPERATOR(pg_catalog.=) c.workspace
                                           AND m.contact_id OPERATOR(pg_catalog.=) c.id)
           ELSE true
         END
   ORDER BY c.id;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_export(text, text[], text) IS
  'Contacts of a workspace in the MAAC export columns (scope all, reachable, not_reachable or conflict), with the requested custom values as jsonb (NULL: every active field).';

CREATE FUNCTION @extschema@.contactsync_export_view(
  scope text DEFAULT 'all', custom_fields text[] DEFAULT NULL, workspace text DEFAULT 'default')
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  view_name text;
  present text[];
  cols text := '';
BEGIN
  -- Validates scope and fields, and finds the fields with a value in the result.
  SELECT COALESCE(pg_catalog.array_agg(DISTINCT k ORDER BY k), '{}') INTO present
    FROM @extschema@.contactsync_export(scope, custom_fields, workspace) AS e,
         LATERAL pg_catalog.jsonb_object_keys(e.custom) AS k
   WHERE e.custom OPERATOR(pg_catalog.->>) k IS NOT NULL
     AND e.custom OPERATOR(pg_catalog.->>) k OPERATOR(pg_catalog.<>) '';
  -- Requested order when a list was given, else by identifier.
  IF custom_fields IS NOT NULL THEN
    SELECT COALESCE(pg_catalog.array_agg(u.f ORDER BY u.o), '{}') INTO present
      FROM pg_catalog.unnest(custom_fields) WITH ORDINALITY AS u(f, o)
     WHERE u.f OPERATOR(pg_catalog.=) ANY (present);
  END IF;
  SELECT COALESCE(pg_catalog.string_agg(
           pg_catalog.format(', e.custom OPERATOR(pg_catalog.->>) %L AS %I', f, 'cl_custom_' OPERATOR(pg_catalog.||) f),
           '' ORDER BY o), '')
    INTO cols FROM pg_catalog.unnest(present) WITH ORDINALITY AS u(f, o);
  view_name := 'contactsync_export_' OPERATOR(pg_catalog.||) scope;
  -- Dropped and created, not replaced: another call (other fields, another
  -- workspace, new values) may give the view other columns.
  IF pg_catalog.to_regclass(pg_catalog.format('pg_temp.%I', view_name)) IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP VIEW pg_temp.%I', view_name);
  END IF;
  -- The schema literal below is a quoted identifier already: %s, not %I.
  EXECUTE pg_catalog.format(
    'CREATE TEMPORARY VIEW %I AS SELECT e.platform_type, e.external_member_id, e.name, e.email, '
    'e.phone, e.tags, e.customer_id, e.note, e.messaging_status, e.create_time, e.last_update_time%s '
    'FROM %s.contactsync_export(%L, %L::text[], %L) AS e',
    view_name, cols, '@extschema@', scope, custom_fields, workspace);
  RETURN view_name;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_export_view(text, text[], text) IS
  'Creates the temporary view contactsync_export_<scope>: the export columns followed by cl_custom_<identifier> for each requested field that has a value in the result; returns its name.';
