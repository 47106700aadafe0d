-- contactsync update from 0.1.0 to 0.2.0.
\echo Use "ALTER EXTENSION contactsync UPDATE TO '0.2.0'" to load this file. \quit

-- Four functions change; their definitions below are those of
-- sql/functions/ at 0.2.0.  Signatures, comments, owners and privileges stay
-- as they are.  At the end: one new function, and the result tables and
-- views of 0.2.0 (a table renamed, a table and a view added, two views
-- redefined).  All four are members of the extension already, so CREATE OR
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
-- failed when the schema's name needs quoting ("Contact Sync", say).  The
-- failure report of a re-imported failure file repeated its error column
-- (a staging column named error is now replaced by the report's own), and
-- the export view could not be made again with other columns (it is now
-- dropped and created).
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
  -- A staging column named error (a failure report being re-imported) is
  -- the previous report's error: this report's error takes its place, so
  -- the file keeps its columns from one round to the next.
  SELECT pg_catalog.string_agg(
           pg_catalog.format('r.cells OPERATOR(pg_catalog.->>) %L AS %I', c, c), ', ' ORDER BY o)
    INTO cols
    FROM pg_catalog.unnest(b.staging_columns) WITH ORDINALITY AS u(c, o)
   WHERE pg_catalog.lower(c) OPERATOR(pg_catalog.<>) 'error';
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

-- contactsync_undo reads previous values that hold only the fields an
-- import changed (imports of 0.2.0 store no others); a field missing from
-- them keeps its value.  Batches imported by 0.1.0 hold every field and are
-- undone as before.  The regrouping after an undo also takes in the members
-- of the conflicts the undone contacts were in (a conflict an undone contact
-- caused stayed listed).
CREATE OR REPLACE FUNCTION @extschema@.contactsync_undo(batch_id bigint)
RETURNS @extschema@.contactsync_undo_result
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  b @extschema@.contactsync_import_batch;
  id_given constant bigint := $1;
  touched bigint[];
  kept_list text;
  deleted bigint;
  restored bigint;
  kept bigint;
BEGIN
  SELECT * INTO b FROM @extschema@.contactsync_import_batch ib WHERE ib.id OPERATOR(pg_catalog.=) id_given;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = pg_catalog.format('import batch %s does not exist', id_given),
      HINT = 'See contactsync_import_batch for the batches.';
  END IF;
  IF b.dry_run THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('import batch %s was a dry run', b.id),
      DETAIL = 'A dry run changed no contact, so there is nothing to undo.',
      HINT = 'Undo a batch that was imported for real.';
  END IF;
  IF b.status OPERATOR(pg_catalog.=) 'undone' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('import batch %s was already undone', b.id),
      DETAIL = 'Its created contacts were deleted and its updated contacts restored already.',
      HINT = 'A batch can be undone once; contactsync_import_batch.undone_at tells when.';
  END IF;

  -- The workspace lock of imports and unification (class 0x63730001 and
  -- the hash of the workspace name, as src/import.c takes it).
  PERFORM pg_catalog.pg_advisory_xact_lock(1668481025, pg_catalog.hashtext(b.workspace));

  -- The batch's created and updated contacts, and whether each changed since:
  -- its updated_at is no longer the batch's, or a later batch touched it.
  IF pg_catalog.to_regclass('pg_temp.contactsync_undo_rows') IS NOT NULL THEN
    DROP TABLE pg_temp.contactsync_undo_rows;
  END IF;
  CREATE TEMP TABLE contactsync_undo_rows ON COMMIT DROP AS
  WITH later AS MATERIALIZED (
    -- Contacts that later completed batches created or updated, each with
    -- the latest such batch.
    SELECT r2.contact_id, pg_catalog.max(r2.batch_id) AS batch_id
      FROM @extschema@.contactsync_import_row r2
      JOIN @extschema@.contactsync_import_batch b2
        ON b2.workspace OPERATOR(pg_catalog.=) r2.workspace AND b2.id OPERATOR(pg_catalog.=) r2.batch_id
     WHERE r2.workspace OPERATOR(pg_catalog.=) b.workspace AND r2.batch_id OPERATOR(pg_catalog.>) b.id
       AND r2.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated'])
       AND NOT b2.dry_run AND b2.status OPERATOR(pg_catalog.=) 'completed'
     GROUP BY r2.contact_id)
  SELECT r.contact_id, r.status, r.previous, c.id IS NOT NULL AS present,
         (c.id IS NOT NULL AND c.updated_at OPERATOR(pg_catalog.<>) b.xact_time) AS changed,
         l.batch_id AS later_batch
    FROM @extschema@.contactsync_import_row r
    LEFT JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) r.workspace AND c.id OPERATOR(pg_catalog.=) r.contact_id
    LEFT JOIN later l ON l.contact_id OPERATOR(pg_catalog.=) r.contact_id
   WHERE r.workspace OPERATOR(pg_catalog.=) b.workspace AND r.batch_id OPERATOR(pg_catalog.=) b.id
     AND r.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated']);

  -- Everyone grouped with what the undo touches, before it changes.
  SELECT pg_catalog.array_agg(DISTINCT o.id) INTO touched
    FROM pg_temp.contactsync_undo_rows u
    JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
    JOIN @extschema@.contactsync_contact o
      ON o.workspace OPERATOR(pg_catalog.=) b.workspace
     AND (o.id OPERATOR(pg_catalog.=) c.id OR o.unified_contact_id OPERATOR(pg_catalog.=) c.unified_contact_id)
   WHERE NOT u.changed AND u.later_batch IS NULL;
  -- And everyone in a conflict with them: a contact that linked two
  -- customer_id groups was a person of its own, so the members of the
  -- other groups in its conflict have other unified_contact_ids.
  SELECT pg_catalog.array_agg(DISTINCT x.id) INTO touched
    FROM (SELECT pg_catalog.unnest(touched) AS id
          UNION ALL
          SELECT m2.contact_id
            FROM @extschema@.contactsync_conflict_member m1
            JOIN @extschema@.contactsync_conflict_member m2
              ON m2.workspace OPERATOR(pg_catalog.=) m1.workspace
             AND m2.conflict_id OPERATOR(pg_catalog.=) m1.conflict_id
           WHERE m1.workspace OPERATOR(pg_catalog.=) b.workspace
             AND m1.contact_id OPERATOR(pg_catalog.=) ANY (touched)) AS x;

  DELETE FROM @extschema@.contactsync_contact c
   USING pg_temp.contactsync_undo_rows u
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'created' AND NOT u.changed AND u.later_batch IS NULL;
  GET DIAGNOSTICS deleted = ROW_COUNT;

  -- previous holds the fields the import changed (every field, for batches
  -- of 0.1.0); a field it does not hold keeps its value.
  UPDATE @extschema@.contactsync_contact c
     SET
         platform_name = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'platform_name' THEN p.platform_name ELSE c.platform_name END,
         line_uid = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'line_uid' THEN p.line_uid ELSE c.line_uid END,
         email = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'email' THEN p.email ELSE c.email END,
         phone = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'phone' THEN p.phone ELSE c.phone END,
         whatsapp_mobile = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'whatsapp_mobile' THEN p.whatsapp_mobile ELSE c.whatsapp_mobile END,
         customer_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'customer_id' THEN p.customer_id ELSE c.customer_id END,
         fb_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'fb_id' THEN p.fb_id ELSE c.fb_id END,
         ig_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'ig_id' THEN p.ig_id ELSE c.ig_id END,
         name = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'name' THEN p.name ELSE c.name END,
         note = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'note' THEN p.note ELSE c.note END,
         gender = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'gender' THEN p.gender ELSE c.gender END,
         birthday = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'birthday' THEN p.birthday ELSE c.birthday END,
         tags = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'tags' THEN p.tags ELSE c.tags END,
         messaging_status = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'messaging_status' THEN p.messaging_status ELSE c.messaging_status END,
         consent_source = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'consent_source' THEN p.consent_source ELSE c.consent_source END,
         consent_at = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'consent_at' THEN p.consent_at ELSE c.consent_at END,
         custom = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'custom' THEN p.custom ELSE c.custom END,
         unify_split = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'unify_split' THEN p.unify_split ELSE c.unify_split END,
         updated_at = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'updated_at' THEN p.updated_at ELSE c.updated_at END
    FROM pg_temp.contactsync_undo_rows u,
         LATERAL pg_catalog.jsonb_populate_record(NULL::@extschema@.contactsync_contact, u.previous) AS p
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'updated' AND NOT u.changed AND u.later_batch IS NULL
     AND u.previous IS NOT NULL;
  GET DIAGNOSTICS restored = ROW_COUNT;

  SELECT pg_catalog.count(*),
         pg_catalog.string_agg(pg_catalog.format('%s (%s)', u.contact_id,
           CASE WHEN u.later_batch IS NOT NULL THEN 'changed by batch ' OPERATOR(pg_catalog.||) u.later_batch
                ELSE 'changed outside an import' END), ', ' ORDER BY u.contact_id)
    INTO kept, kept_list
    FROM pg_temp.contactsync_undo_rows u
   WHERE u.present AND (u.changed OR u.later_batch IS NOT NULL);

  UPDATE @extschema@.contactsync_import_batch ib
     SET status = 'undone', undone_at = pg_catalog.clock_timestamp(),
         params = ib.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
           'undo', pg_catalog.jsonb_build_object('deleted', deleted, 'restored', restored, 'kept', kept,
                                                 'kept_contacts', kept_list))
   WHERE ib.workspace OPERATOR(pg_catalog.=) b.workspace AND ib.id OPERATOR(pg_catalog.=) b.id;

  IF touched IS NOT NULL THEN
    PERFORM @extschema@.contactsync_unify_contacts(b.workspace, touched);
  END IF;
  IF kept OPERATOR(pg_catalog.>) 0 THEN
    RAISE NOTICE USING
      MESSAGE = pg_catalog.format('contactsync: undo of batch %s kept %s contacts that changed since', b.id, kept),
      DETAIL = pg_catalog.left(kept_list, 2000);
  END IF;
  RETURN ROW(b.id, deleted, restored, kept)::@extschema@.contactsync_undo_result;
END
$fn$;

-- New in 0.2.0: the tag union of the merge rules, in C (sql/functions/055_tags.sql).
-- The import's statements call it for every created or updated contact.
CREATE FUNCTION @extschema@.contactsync_tags_union(text[], text[], text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'contactsync_tags_union'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_tags_union(text[], text[], text[]) IS
  'The tags of the three arrays in order, each kept where it first occurs (exact, case-sensitive); NULL arrays count as empty; never NULL.';

-- New in 0.2.0: plain outcomes in sets.  The table contactsync_import_row
-- becomes contactsync_import_row_single (sql/tables/050_import_row.sql; its
-- rows, constraints, index and registration for pg_dump go with it), the
-- sets get their table (sql/tables/055_import_row_set.sql), and a view
-- takes the name contactsync_import_row, listing both one row per staging
-- row (sql/views/020_import_results.sql).  Grants on the table stay with
-- it; the view starts with the default privileges (a GRANT here would be
-- recorded as the extension's initial privileges, which pg_dump leaves
-- out): doc/upgrading.md.
ALTER TABLE @extschema@.contactsync_import_row RENAME TO contactsync_import_row_single;
COMMENT ON TABLE @extschema@.contactsync_import_row_single IS
  'The staging rows of imports that are not kept in sets: status, contact, codes, message, warnings, original cells of failed and skipped rows, and previous values for undo; the view contactsync_import_row lists every row.';
COMMENT ON COLUMN @extschema@.contactsync_import_row_single.previous IS
  'For updated rows: the values the update changed, as they were before it (and updated_at), used by contactsync_undo.';
CREATE TABLE @extschema@.contactsync_import_row_set (
  workspace   text NOT NULL DEFAULT 'default',
  batch_id    bigint NOT NULL,
  status      text NOT NULL,
  first_row   integer NOT NULL,
  row_numbers integer[] NOT NULL,
  contact_ids bigint[] NOT NULL,
  previous    jsonb[],
  CONSTRAINT contactsync_import_row_set_pkey PRIMARY KEY (workspace, batch_id, status, first_row),
  CONSTRAINT contactsync_import_row_set_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated', 'unchanged']::text[])),
  CONSTRAINT contactsync_import_row_set_arrays_check CHECK (
    pg_catalog.cardinality(row_numbers) OPERATOR(pg_catalog.=) pg_catalog.cardinality(contact_ids)
    AND (status OPERATOR(pg_catalog.=) 'updated') OPERATOR(pg_catalog.=) (previous IS NOT NULL)
    AND (previous IS NULL OR pg_catalog.cardinality(previous) OPERATOR(pg_catalog.=) pg_catalog.cardinality(row_numbers)))
);
COMMENT ON TABLE @extschema@.contactsync_import_row_set IS
  'Rows an import created, updated or left unchanged with no code and no warning, in sets of up to 1,000 row numbers with their contacts (and, for updates, the previous values undo restores); the view contactsync_import_row lists them one per row.';
COMMENT ON COLUMN @extschema@.contactsync_import_row_set.previous IS
  'For updated rows, in row order: the values the update changed, as they were before it (and updated_at), as in contactsync_import_row.previous.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_row_set', '');
-- Each set's arrays are kilobytes (a previous value per update: tens of
-- them), so they are compressed when stored; lz4 compresses them several
-- times faster than the default pglz (an import of 400,000 rows spends 0.2
-- to 0.8 s less writing its sets).  Servers built without lz4 keep pglz.
DO $lz4$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_settings
              WHERE name OPERATOR(pg_catalog.=) 'default_toast_compression'
                AND 'lz4' OPERATOR(pg_catalog.=) ANY (enumvals)) THEN
    ALTER TABLE @extschema@.contactsync_import_row_set
      ALTER COLUMN row_numbers SET COMPRESSION lz4,
      ALTER COLUMN contact_ids SET COMPRESSION lz4,
      ALTER COLUMN previous SET COMPRESSION lz4;
  END IF;
END
$lz4$;

CREATE VIEW @extschema@.contactsync_import_row AS
  SELECT r.workspace, r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings,
         r.cells, r.previous
    FROM @extschema@.contactsync_import_row_single r
  UNION ALL
  SELECT s.workspace, s.batch_id, u.row_number, s.status, u.contact_id, '{}'::pg_catalog.text[],
         CASE s.status WHEN 'created' THEN pg_catalog.format('created contact %s', u.contact_id)
              WHEN 'updated' THEN pg_catalog.format('updated contact %s', u.contact_id)
              ELSE pg_catalog.format('contact %s unchanged', u.contact_id) END,
         '{}'::pg_catalog.text[], NULL::pg_catalog.jsonb, u.previous
    FROM @extschema@.contactsync_import_row_set s,
         LATERAL ROWS FROM (pg_catalog.unnest(s.row_numbers), pg_catalog.unnest(s.contact_ids), pg_catalog.unnest(s.previous))
           AS u(row_number, contact_id, previous);
COMMENT ON VIEW @extschema@.contactsync_import_row IS
  'One row per staging row of every import: status, contact, codes, message, warnings, original cells of failed and skipped rows, and previous values for undo.';

CREATE OR REPLACE VIEW @extschema@.contactsync_import_results AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace
    FROM @extschema@.contactsync_import_row r;

CREATE OR REPLACE VIEW @extschema@.contactsync_import_failures AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace, r.cells
    FROM @extschema@.contactsync_import_row_single r
   WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['failed', 'skipped']);

-- phone and whatsapp_mobile are one phone space: with only one of the two
-- among a workspace's unify keys, both columns' values now link contacts
-- (a LINE phone and a WhatsApp number were not linked), and
-- contactsync_explain gives that key as the reason when neither is a key.
CREATE OR REPLACE FUNCTION @extschema@.contactsync_explain(contact_id bigint)
RETURNS SETOF @extschema@.contactsync_explanation
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  x @extschema@.contactsync_contact;
  keys text[];
BEGIN
  SELECT * INTO x FROM @extschema@.contactsync_contact c
   WHERE c.id OPERATOR(pg_catalog.=) contactsync_explain.contact_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('contact %s does not exist', contactsync_explain.contact_id),
      HINT = 'See contactsync_contact for contact ids.';
  END IF;
  SELECT s.unify_keys INTO keys FROM @extschema@.contactsync_settings s
   WHERE s.workspace OPERATOR(pg_catalog.=) x.workspace;
  keys := COALESCE(keys, ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']);

  RETURN QUERY
  WITH mine(k, field, v) AS (
    VALUES ('email', 'email', x.email), ('phone', 'phone', x.phone),
           ('phone', 'whatsapp_mobile', x.whatsapp_mobile), ('line_uid', 'line_uid', x.line_uid),
           ('fb_id', 'fb_id', x.fb_id), ('ig_id', 'ig_id', x.ig_id),
           ('customer_id', 'customer_id', x.customer_id)),
  links AS (
    SELECT DISTINCT ON (y.id, m.k, m.v) y.*, m.k AS via_k, m.v AS via_v, m.field AS via_field
      FROM mine m
      JOIN @extschema@.contactsync_contact y
        ON y.workspace OPERATOR(pg_catalog.=) x.workspace
       AND y.id OPERATOR(pg_catalog.<>) x.id
       AND m.v IS NOT NULL
       AND CASE m.k WHEN 'email' THEN y.email OPERATOR(pg_catalog.=) m.v
                    WHEN 'phone' THEN (y.phone OPERATOR(pg_catalog.=) m.v OR y.whatsapp_mobile OPERATOR(pg_catalog.=) m.v)
                    WHEN 'line_uid' THEN y.line_uid OPERATOR(pg_catalog.=) m.v
                    WHEN 'fb_id' THEN y.fb_id OPERATOR(pg_catalog.=) m.v
                    WHEN 'ig_id' THEN y.ig_id OPERATOR(pg_catalog.=) m.v
                    ELSE y.customer_id OPERATOR(pg_catalog.=) m.v END
     ORDER BY y.id, m.k, m.v)
  SELECT x.id, l.id, l.via_k, l.via_v,
         COALESCE(x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id, false),
         CASE
           WHEN x.unify_split OR l.unify_split THEN
             pg_catalog.format('not merged: contact %s is split out of unification',
                               CASE WHEN x.unify_split THEN x.id ELSE l.id END)
           -- phone and whatsapp_mobile are one phone space: either key brings both.
           WHEN l.via_k OPERATOR(pg_catalog.<>) 'customer_id'
                AND NOT CASE WHEN l.via_k OPERATOR(pg_catalog.=) 'phone'
                             THEN keys OPERATOR(pg_catalog.&&) ARRAY['phone', 'whatsapp_mobile']
                             ELSE l.via_field OPERATOR(pg_catalog.=) ANY (keys) END
             THEN pg_catalog.format('%s is not a unify key of workspace %s',
                                    CASE WHEN l.via_k OPERATOR(pg_catalog.=) 'phone'
                                         THEN 'phone (or whatsapp_mobile)' ELSE l.via_field END, x.workspace)
           WHEN x.unified_contact_id IS NULL OR l.unified_contact_id IS NULL THEN
             'not unified yet: run contactsync_unify or import with unify => true'
           WHEN l.via_k OPERATOR(pg_catalog.=) 'customer_id'
                AND x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id THEN
             pg_catalog.format('same customer_id: one person (%s)', x.unified_contact_id)
           WHEN x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id THEN
             pg_catalog.format('shared %s: one person (%s)', l.via_k, x.unified_contact_id)
           WHEN x.customer_id IS NOT NULL AND l.customer_id IS NOT NULL
                AND x.customer_id OPERATOR(pg_catalog.<>) l.customer_id THEN
             pg_catalog.format('not merged: customer_ids %s and %s differ (conflict)', x.customer_id, l.customer_id)
           WHEN EXISTS (SELECT 1 FROM @extschema@.contactsync_conflicts cf
                         WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace
                           AND cf.contact_id OPERATOR(pg_catalog.=) x.id) THEN
             pg_catalog.format('not merged: the link would join customer_ids %s (conflict %s)',
               (SELECT pg_catalog.array_to_string(cf.customer_ids, ', ') FROM @extschema@.contactsync_conflicts cf
                 WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace AND cf.contact_id OPERATOR(pg_catalog.=) x.id
                 ORDER BY cf.conflict_id LIMIT 1),
               (SELECT cf.conflict_id FROM @extschema@.contactsync_conflicts cf
                 WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace AND cf.contact_id OPERATOR(pg_catalog.=) x.id
                 ORDER BY cf.conflict_id LIMIT 1))
           WHEN EXISTS (SELECT 1 FROM @extschema@.contactsync_conflicts cf
                         WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace
                           AND cf.contact_id OPERATOR(pg_catalog.=) l.id) THEN
             pg_catalog.format('not merged: contact %s is in a Customer-ID conflict', l.id)
           ELSE 'not merged: the groups changed since the last unification'
         END
    FROM links l
   ORDER BY l.id, l.via_k;
END
$fn$;

-- contactsync_unified_profiles listed a member's phone or, without one, its
-- WhatsApp number: it lists both.
CREATE OR REPLACE VIEW @extschema@.contactsync_unified_profiles AS
  SELECT c.workspace,
         c.unified_contact_id,
         pg_catalog.count(*) AS contacts,
         pg_catalog.array_agg(c.id ORDER BY c.id) AS contact_ids,
         pg_catalog.array_agg(DISTINCT c.channel) AS channels,
         pg_catalog.array_agg(DISTINCT c.customer_id) FILTER (WHERE c.customer_id IS NOT NULL) AS customer_ids,
         pg_catalog.array_agg(DISTINCT c.email) FILTER (WHERE c.email IS NOT NULL) AS emails,
         -- the phone space: both columns of every member
         (SELECT pg_catalog.array_agg(DISTINCT p.phone ORDER BY p.phone)
            FROM pg_catalog.unnest(pg_catalog.array_agg(c.phone) OPERATOR(pg_catalog.||)
                                   pg_catalog.array_agg(c.whatsapp_mobile)) AS p(phone)
           WHERE p.phone IS NOT NULL) AS phones,
         pg_catalog.array_agg(DISTINCT c.line_uid) FILTER (WHERE c.line_uid IS NOT NULL) AS line_uids,
         pg_catalog.array_agg(DISTINCT c.name) FILTER (WHERE c.name IS NOT NULL) AS names
    FROM @extschema@.contactsync_contact c
   WHERE c.unified_contact_id IS NOT NULL
   GROUP BY c.workspace, c.unified_contact_id;

-- The contact table keeps room on every page for updated versions of its
-- rows (sql/tables/020_contact.sql): pages written from now on are filled to
-- 90%; pages already full fill up no further as their rows change.
ALTER TABLE @extschema@.contactsync_contact SET (fillfactor = 90);
