-- contactsync update from 0.1.0 to 0.2.0.
\echo Use "ALTER EXTENSION contactsync UPDATE TO '0.2.0'" to load this file. \quit

-- Three functions change; their definitions below are those of
-- sql/functions/ at 0.2.0.  Signatures, comments, owners and privileges stay
-- as they are.  All three are members of the extension already, so CREATE OR
-- REPLACE replaces them in place (PostgreSQL refuses it on a function the
-- extension does not own).

-- contactsync_create_staging runs with the caller's search_path; its
-- variables and the staging table's columns were of type "text" as that path
-- resolves it, so a type named text in a schema before pg_catalog ran its
-- code with the caller's rights and typed the staging columns.  Now
-- pg_catalog.text.
CREATE OR REPLACE FUNCTION @extschema@.contactsync_create_staging(
  name text, channel text DEFAULT 'line', workspace text DEFAULT 'default')
RETURNS regclass
LANGUAGE plpgsql
AS $fn$
DECLARE
  target pg_catalog.text[];
  cols pg_catalog.text;
BEGIN
  IF name IS NULL OR name OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_name',
      MESSAGE = 'staging table name must not be NULL or empty',
      HINT = 'Pass a name such as ''staging'' or ''imports.staging''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM @extschema@.contactsync_channel_fields() f
                  WHERE f.channel OPERATOR(pg_catalog.=) contactsync_create_staging.channel) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('unknown channel %L', channel),
      DETAIL = 'Staging tables exist for the importable channels only.',
      HINT = 'Use line, email, whatsapp or sms.';
  END IF;

  -- The name may be schema-qualified and quoted, as in CREATE TABLE.
  target := pg_catalog.parse_ident(name);

  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c) OPERATOR(pg_catalog.||) ' pg_catalog.text', ', ' ORDER BY o)
    INTO cols
    FROM (SELECT f.field AS c, f.template_position AS o
            FROM @extschema@.contactsync_channel_fields() f
           WHERE f.channel OPERATOR(pg_catalog.=) contactsync_create_staging.channel
             AND f.template_position IS NOT NULL
          UNION ALL
          SELECT 'cl_custom_' OPERATOR(pg_catalog.||) cf.identifier,
                 1000 OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY cf.identifier)
            FROM @extschema@.contactsync_custom_field cf
           WHERE cf.workspace OPERATOR(pg_catalog.=) contactsync_create_staging.workspace
             AND cf.status OPERATOR(pg_catalog.=) 'active') AS t;

  EXECUTE pg_catalog.format('CREATE TABLE %s (%s)',
    (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.') FROM pg_catalog.unnest(target) AS p),
    cols);
  RETURN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.') FROM pg_catalog.unnest(target) AS p)::pg_catalog.regclass;
END
$fn$;

-- contactsync_failure_report and contactsync_export_view quoted the
-- extension's schema a second time in the statement they build, so both
-- failed when the schema's name needs quoting ("Contact Sync", say).
CREATE OR REPLACE FUNCTION @extschema@.contactsync_failure_report(batch_id bigint)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  b @extschema@.contactsync_import_batch;
  cols text;
  view_name text;
BEGIN
  SELECT * INTO b FROM @extschema@.contactsync_import_batch ib
   WHERE ib.id OPERATOR(pg_catalog.=) contactsync_failure_report.batch_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = pg_catalog.format('import batch %s does not exist', batch_id),
      HINT = 'See contactsync_import_batch for the batches.';
  END IF;
  IF pg_catalog.cardinality(b.staging_columns) OPERATOR(pg_catalog.>=) 1600 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'program_limit_exceeded',
      MESSAGE = pg_catalog.format('the staging table of batch %s has %s columns, too many for a report view',
                                  b.id, pg_catalog.cardinality(b.staging_columns)),
      DETAIL = 'A view has at most 1600 columns, and the report adds error to the staging table''s columns.',
      HINT = 'Read the rows from contactsync_import_failures, whose cells column holds every original cell.';
  END IF;
  view_name := 'contactsync_failures_' OPERATOR(pg_catalog.||) b.id;
  SELECT pg_catalog.string_agg(
           pg_catalog.format('r.cells OPERATOR(pg_catalog.->>) %L AS %I', c, c), ', ' ORDER BY o)
    INTO cols
    FROM pg_catalog.unnest(b.staging_columns) WITH ORDINALITY AS u(c, o);
  -- The schema literal below is a quoted identifier already: %s, not %I.
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE TEMPORARY VIEW %I AS SELECT %s r.message AS error '
    'FROM %s.contactsync_import_row r '
    'WHERE r.workspace OPERATOR(pg_catalog.=) %L AND r.batch_id OPERATOR(pg_catalog.=) %s '
    'AND r.status OPERATOR(pg_catalog.=) ANY (ARRAY[''failed'', ''skipped'']) ORDER BY r.row_number',
    view_name, COALESCE(cols OPERATOR(pg_catalog.||) ',', ''), '@extschema@', b.workspace, b.id);
  RETURN view_name;
END
$fn$;

CREATE OR REPLACE FUNCTION @extschema@.contactsync_export_view(
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
  -- The schema literal below is a quoted identifier already: %s, not %I.
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE TEMPORARY VIEW %I AS SELECT e.platform_type, e.external_member_id, e.name, e.email, '
    'e.phone, e.tags, e.customer_id, e.note, e.messaging_status, e.create_time, e.last_update_time%s '
    'FROM %s.contactsync_export(%L, %L::text[], %L) AS e',
    view_name, cols, '@extschema@', scope, custom_fields, workspace);
  RETURN view_name;
END
$fn$;
