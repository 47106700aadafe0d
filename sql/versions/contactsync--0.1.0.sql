-- contactsync install script, built from the parts under sql/.
\echo Use "CREATE EXTENSION contactsync" to load this file. \quit

-- The extension stores and compares text as UTF-8; refuse any other encoding.
DO $refuse$
BEGIN
  IF pg_catalog.current_setting('server_encoding') OPERATOR(pg_catalog.<>) 'UTF8' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'feature_not_supported',
      MESSAGE = pg_catalog.format('contactsync requires a UTF-8 database, not %s',
                                  pg_catalog.current_setting('server_encoding')),
      DETAIL  = 'Emails, names and phone numbers are normalised as Unicode text stored as UTF-8.',
      HINT    = 'Create the database with ENCODING ''UTF8'' (for example from template0) and install the extension there.';
  END IF;
END
$refuse$;
-- The row contactsync_import returns.
CREATE TYPE @extschema@.contactsync_import_summary AS (
  batch_id  bigint,
  channel   text,
  key       text,
  rows      bigint,
  created   bigint,
  updated   bigint,
  unchanged bigint,
  skipped   bigint,
  failed    bigint,
  conflicts bigint
);
COMMENT ON TYPE @extschema@.contactsync_import_summary IS
  'Outcome counts of one contactsync_import call.';
-- Per-workspace settings: the default region for national phone numbers and
-- the identifiers that unify contacts into one person.
CREATE TABLE @extschema@.contactsync_settings (
  workspace      text NOT NULL PRIMARY KEY,
  default_region text,
  unify_keys     text[] NOT NULL
    DEFAULT ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']::text[],
  updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT contactsync_settings_unify_keys_check CHECK (
    pg_catalog.cardinality(unify_keys) OPERATOR(pg_catalog.>) 0
    AND unify_keys OPERATOR(pg_catalog.<@)
        ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']::text[])
);
COMMENT ON TABLE @extschema@.contactsync_settings IS
  'Per-workspace settings of contactsync: default phone region and unify keys.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_settings', '');
-- One row per channel contact.  The channel primary key (line_uid, email,
-- whatsapp_mobile, phone for sms, fb_id, ig_id) is exposed as the stored
-- generated column external_member_id and is unique per (workspace, channel).
CREATE SEQUENCE @extschema@.contactsync_contact_id_seq AS bigint;

CREATE TABLE @extschema@.contactsync_contact (
  id                 bigint NOT NULL
                     DEFAULT pg_catalog.nextval('@extschema@.contactsync_contact_id_seq'::pg_catalog.regclass),
  workspace          text NOT NULL DEFAULT 'default',
  channel            text NOT NULL,
  platform_name      text,
  line_uid           text,
  email              text,
  phone              text,
  whatsapp_mobile    text,
  customer_id        text,
  fb_id              text,
  ig_id              text,
  name               text,
  note               text,
  gender             text,
  birthday           date,
  tags               text[] NOT NULL DEFAULT '{}'::text[],
  messaging_status   text,
  consent_source     text,
  consent_at         timestamptz,
  custom             jsonb NOT NULL DEFAULT '{}'::jsonb,
  unified_contact_id bigint,
  unify_split        boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  external_member_id text GENERATED ALWAYS AS (
    CASE
      WHEN channel OPERATOR(pg_catalog.=) 'line' THEN line_uid
      WHEN channel OPERATOR(pg_catalog.=) 'email' THEN email
      WHEN channel OPERATOR(pg_catalog.=) 'whatsapp' THEN whatsapp_mobile
      WHEN channel OPERATOR(pg_catalog.=) 'sms' THEN phone
      WHEN channel OPERATOR(pg_catalog.=) 'facebook' THEN fb_id
      WHEN channel OPERATOR(pg_catalog.=) 'instagram' THEN ig_id
    END) STORED,
  CONSTRAINT contactsync_contact_pkey PRIMARY KEY (workspace, id),
  CONSTRAINT contactsync_contact_channel_check CHECK (
    channel OPERATOR(pg_catalog.=) ANY (ARRAY['line', 'email', 'whatsapp', 'sms', 'facebook', 'instagram']::text[])),
  CONSTRAINT contactsync_contact_primary_key_check CHECK (external_member_id IS NOT NULL),
  CONSTRAINT contactsync_contact_gender_check CHECK (
    gender OPERATOR(pg_catalog.=) ANY (ARRAY['female', 'male', 'unknown']::text[])),
  CONSTRAINT contactsync_contact_custom_check CHECK (pg_catalog.jsonb_typeof(custom) OPERATOR(pg_catalog.=) 'object')
);
ALTER SEQUENCE @extschema@.contactsync_contact_id_seq OWNED BY @extschema@.contactsync_contact.id;

-- The channel primary key: unique per workspace and channel, and the lookup
-- path for matching on it.
CREATE UNIQUE INDEX contactsync_contact_channel_key
  ON @extschema@.contactsync_contact (workspace, channel, external_member_id);
-- Contact ids alone (split, explain, undo).
CREATE INDEX contactsync_contact_id_idx ON @extschema@.contactsync_contact (id);
-- Lookups for every match key and unify key, scoped to the workspace.
CREATE INDEX contactsync_contact_email_idx
  ON @extschema@.contactsync_contact (workspace, email) WHERE email IS NOT NULL;
CREATE INDEX contactsync_contact_phone_idx
  ON @extschema@.contactsync_contact (workspace, phone) WHERE phone IS NOT NULL;
CREATE INDEX contactsync_contact_whatsapp_mobile_idx
  ON @extschema@.contactsync_contact (workspace, whatsapp_mobile) WHERE whatsapp_mobile IS NOT NULL;
CREATE INDEX contactsync_contact_customer_id_idx
  ON @extschema@.contactsync_contact (workspace, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX contactsync_contact_line_uid_idx
  ON @extschema@.contactsync_contact (workspace, line_uid) WHERE line_uid IS NOT NULL;
CREATE INDEX contactsync_contact_fb_id_idx
  ON @extschema@.contactsync_contact (workspace, fb_id) WHERE fb_id IS NOT NULL;
CREATE INDEX contactsync_contact_ig_id_idx
  ON @extschema@.contactsync_contact (workspace, ig_id) WHERE ig_id IS NOT NULL;
-- Members of a unified person.
CREATE INDEX contactsync_contact_unified_idx
  ON @extschema@.contactsync_contact (workspace, unified_contact_id);

COMMENT ON TABLE @extschema@.contactsync_contact IS
  'One row per channel contact (LINE, Email, WhatsApp, SMS, Facebook, Instagram), grouped into persons by unified_contact_id.';
COMMENT ON COLUMN @extschema@.contactsync_contact.external_member_id IS
  'The channel primary key: line_uid, email, whatsapp_mobile, phone (sms), fb_id or ig_id; unique per workspace and channel.';
COMMENT ON COLUMN @extschema@.contactsync_contact.unified_contact_id IS
  'The person this contact belongs to: the smallest contact id of its unification group.';
COMMENT ON COLUMN @extschema@.contactsync_contact.unify_split IS
  'True when the contact was split out of unification by contactsync_split.';
COMMENT ON COLUMN @extschema@.contactsync_contact.custom IS
  'Custom-field values keyed by field identifier.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_contact', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_contact_id_seq', '');
-- Custom fields of a workspace; values live in contactsync_contact.custom.
CREATE TABLE @extschema@.contactsync_custom_field (
  workspace  text NOT NULL DEFAULT 'default',
  identifier text NOT NULL,
  type       text NOT NULL,
  status     text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT contactsync_custom_field_pkey PRIMARY KEY (workspace, identifier),
  CONSTRAINT contactsync_custom_field_identifier_check CHECK (identifier OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
  CONSTRAINT contactsync_custom_field_type_check CHECK (
    type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'date', 'datetime']::text[])),
  CONSTRAINT contactsync_custom_field_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'archived']::text[]))
);
COMMENT ON TABLE @extschema@.contactsync_custom_field IS
  'Custom fields per workspace: identifier, type (text, number, date, datetime) and status (active, archived).';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_custom_field', '');
-- One row per import call: its parameters, timing, counts and column warnings.
CREATE SEQUENCE @extschema@.contactsync_import_batch_id_seq AS bigint;

CREATE TABLE @extschema@.contactsync_import_batch (
  id              bigint NOT NULL
                  DEFAULT pg_catalog.nextval('@extschema@.contactsync_import_batch_id_seq'::pg_catalog.regclass),
  workspace       text NOT NULL DEFAULT 'default',
  staging         text NOT NULL,
  staging_columns text[] NOT NULL DEFAULT '{}'::text[],
  channel         text NOT NULL,
  key             text NOT NULL,
  params          jsonb NOT NULL DEFAULT '{}'::jsonb,
  dry_run         boolean NOT NULL DEFAULT false,
  status          text NOT NULL DEFAULT 'completed',
  xact_id         xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
  xact_time       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  finished_at     timestamptz,
  rows            bigint NOT NULL DEFAULT 0,
  created         bigint NOT NULL DEFAULT 0,
  updated         bigint NOT NULL DEFAULT 0,
  unchanged       bigint NOT NULL DEFAULT 0,
  skipped         bigint NOT NULL DEFAULT 0,
  failed          bigint NOT NULL DEFAULT 0,
  conflicts       bigint NOT NULL DEFAULT 0,
  column_warnings text[] NOT NULL DEFAULT '{}'::text[],
  undone_at       timestamptz,
  CONSTRAINT contactsync_import_batch_pkey PRIMARY KEY (workspace, id),
  CONSTRAINT contactsync_import_batch_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['completed', 'undone']::text[]))
);
ALTER SEQUENCE @extschema@.contactsync_import_batch_id_seq OWNED BY @extschema@.contactsync_import_batch.id;
CREATE UNIQUE INDEX contactsync_import_batch_id_idx ON @extschema@.contactsync_import_batch (id);

COMMENT ON COLUMN @extschema@.contactsync_import_batch.xact_time IS
  'The import transaction''s timestamp: the updated_at of every contact it created or changed (how undo tells a contact changed since).';
COMMENT ON TABLE @extschema@.contactsync_import_batch IS
  'One row per contactsync_import call: parameters, timing, outcome counts and skipped-column warnings.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_batch', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_batch_id_seq', '');
-- One row per staging row of every import: its outcome, and what undo needs.
CREATE TABLE @extschema@.contactsync_import_row (
  workspace  text NOT NULL DEFAULT 'default',
  batch_id   bigint NOT NULL,
  row_number integer NOT NULL,
  status     text NOT NULL,
  contact_id bigint,
  codes      text[] NOT NULL DEFAULT '{}'::text[],
  message    text,
  warnings   text[] NOT NULL DEFAULT '{}'::text[],
  cells      jsonb,
  previous   jsonb,
  CONSTRAINT contactsync_import_row_pkey PRIMARY KEY (workspace, batch_id, row_number),
  CONSTRAINT contactsync_import_row_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated', 'unchanged', 'skipped', 'failed']::text[]))
);
CREATE INDEX contactsync_import_row_contact_idx
  ON @extschema@.contactsync_import_row (workspace, contact_id) WHERE contact_id IS NOT NULL;

COMMENT ON TABLE @extschema@.contactsync_import_row IS
  'One row per staging row of every import: status, contact, codes, message, warnings, original cells of failed and skipped rows, and previous values for undo.';
COMMENT ON COLUMN @extschema@.contactsync_import_row.previous IS
  'For updated rows: the contact''s values before the update, used by contactsync_undo.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_row', '');
-- Contacts in identity conflict, as the last unification left them: one row
-- per contact and conflict.  conflict_id is the smallest contact id of the
-- conflicting set; linked_by names an identifier the contact shares across it.
CREATE TABLE @extschema@.contactsync_conflict_member (
  workspace   text NOT NULL DEFAULT 'default',
  conflict_id bigint NOT NULL,
  contact_id  bigint NOT NULL,
  linked_by   text,
  CONSTRAINT contactsync_conflict_member_pkey PRIMARY KEY (workspace, conflict_id, contact_id)
);
CREATE INDEX contactsync_conflict_member_contact_idx
  ON @extschema@.contactsync_conflict_member (workspace, contact_id);
COMMENT ON TABLE @extschema@.contactsync_conflict_member IS
  'Contacts in Customer-ID conflict after the last unification: conflict id (smallest contact id of the set), contact, and the identifier linking it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_conflict_member', '');
-- The normalisers the import runs, as SQL functions.  These C functions run
-- no SQL, so no search_path can change what they do; they carry no SET
-- clause, which would cost a settings save and restore on every call.
CREATE FUNCTION @extschema@.contactsync_normalize_email(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_normalize_email'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_normalize_email(text) IS
  'The stored form of an email address (trimmed, NFKC, lower-cased local part, IDNA UTS #46 ASCII domain), or NULL when it is invalid.';

-- IMMUTABLE so that it can be used in index expressions: there, name the
-- region explicitly, because a NULL region reads contactsync.default_region.
CREATE FUNCTION @extschema@.contactsync_normalize_phone(text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_normalize_phone'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_normalize_phone(text, text) IS
  'E.164 form of a phone number that libphonenumber deems valid, else NULL; national numbers are read in region, else in contactsync.default_region.';

CREATE FUNCTION @extschema@.contactsync_region_code(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_region_code'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_region_code(text) IS
  'The upper-case form of a region code libphonenumber supports; an error for an unknown code.';
-- Per-workspace settings.  Only the arguments given (non-NULL) change.
CREATE FUNCTION @extschema@.contactsync_configure(
  workspace text DEFAULT 'default',
  default_region text DEFAULT NULL,
  unify_keys text[] DEFAULT NULL)
RETURNS @extschema@.contactsync_settings
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  allowed constant text[] := ARRAY['email', 'phone', 'customer_id', 'line_uid',
                                   'whatsapp_mobile', 'fb_id', 'ig_id'];
  region text;
  keys text[];
  result @extschema@.contactsync_settings;
BEGIN
  IF workspace IS NULL OR workspace OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'workspace must not be NULL or empty',
      HINT = 'Pass a workspace name such as ''default''.';
  END IF;

  -- '' clears the region; anything else must be a known region code.
  IF default_region IS NOT NULL AND default_region OPERATOR(pg_catalog.<>) '' THEN
    region := @extschema@.contactsync_region_code(default_region);
  END IF;

  IF unify_keys IS NOT NULL THEN
    SELECT pg_catalog.array_agg(DISTINCT k ORDER BY k) INTO keys
      FROM pg_catalog.unnest(unify_keys) AS u(k);
    IF keys IS NULL OR pg_catalog.array_position(keys, NULL) IS NOT NULL
       OR NOT keys OPERATOR(pg_catalog.<@) allowed THEN
      RAISE EXCEPTION USING
        ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('invalid unify keys %s', unify_keys),
        DETAIL = 'Unify keys must be a non-empty list of known identifiers, without NULLs.',
        HINT = pg_catalog.format('Choose from %s.', pg_catalog.array_to_string(allowed, ', '));
    END IF;
    -- Keep the order given, without repeats.
    SELECT pg_catalog.array_agg(k ORDER BY first_pos) INTO keys
      FROM (SELECT k, pg_catalog.min(o) AS first_pos
              FROM pg_catalog.unnest(unify_keys) WITH ORDINALITY AS u(k, o)
             GROUP BY k) AS d;
  END IF;

  INSERT INTO @extschema@.contactsync_settings AS s (workspace, default_region, unify_keys)
  VALUES (contactsync_configure.workspace,
          CASE WHEN contactsync_configure.default_region OPERATOR(pg_catalog.=) '' THEN NULL ELSE region END,
          COALESCE(keys, ARRAY['email', 'phone', 'customer_id', 'line_uid',
                                          'whatsapp_mobile', 'fb_id', 'ig_id']))
  ON CONFLICT ON CONSTRAINT contactsync_settings_pkey DO UPDATE
    SET default_region = CASE
          WHEN contactsync_configure.default_region IS NULL THEN s.default_region
          WHEN contactsync_configure.default_region OPERATOR(pg_catalog.=) '' THEN NULL
          ELSE region END,
        unify_keys = COALESCE(keys, s.unify_keys),
        updated_at = pg_catalog.now()
  RETURNING s.* INTO result;
  -- New unify keys regroup the workspace.
  IF keys IS NOT NULL THEN
    PERFORM @extschema@.contactsync_unify(contactsync_configure.workspace);
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_configure(text, text, text[]) IS
  'Sets a workspace''s default phone region ('''' clears it) and unify keys (which regroups the workspace); arguments left NULL keep their value. Returns the settings.';
-- The channel rules (fields, aliases, flags, validators) as the C code holds
-- them, and a way to run one validator on a value.  Both run no SQL, so they
-- need no pinned search_path.
CREATE FUNCTION @extschema@.contactsync_channel_fields(
  OUT channel text, OUT field text, OUT template_position integer,
  OUT aliases text[], OUT required boolean, OUT updatable boolean,
  OUT primary_key boolean, OUT validator text, OUT allowed_values text[],
  OUT empty_skips_row boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contactsync_channel_fields'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_channel_fields() IS
  'The channel rules: for each importable channel, every field with its template position, aliases, required/updatable/primary-key flags, validator and allowed values.';

CREATE FUNCTION @extschema@.contactsync_validate_field(
  channel text, field text, value text, region text DEFAULT NULL,
  OUT stored text, OUT code text)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_validate_field'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_validate_field(text, text, text, text) IS
  'What an import stores for one cell of a field on a channel (stored), or the row code the cell earns (code).';
-- Custom fields of a workspace: define (or re-activate) and archive.
CREATE FUNCTION @extschema@.contactsync_define_field(
  identifier text, type text, workspace text DEFAULT 'default')
RETURNS @extschema@.contactsync_custom_field
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  result @extschema@.contactsync_custom_field;
BEGIN
  IF identifier IS NULL OR identifier OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('invalid custom field identifier %L', identifier),
      DETAIL = 'An identifier starts with a lower-case letter and continues with at most 62 lower-case letters, digits or underscores.',
      HINT = 'Use a name such as ''member_level''; the staging column is then cl_custom_member_level.';
  END IF;
  IF type IS NULL OR NOT (type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'date', 'datetime'])) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('invalid custom field type %L', type),
      HINT = 'Use text, number, date or datetime.';
  END IF;
  IF workspace IS NULL OR workspace OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'workspace must not be NULL or empty',
      HINT = 'Pass a workspace name such as ''default''.';
  END IF;

  SELECT * INTO result FROM @extschema@.contactsync_custom_field f
   WHERE f.workspace OPERATOR(pg_catalog.=) contactsync_define_field.workspace
     AND f.identifier OPERATOR(pg_catalog.=) contactsync_define_field.identifier
   FOR UPDATE;
  IF FOUND AND result.type OPERATOR(pg_catalog.<>) contactsync_define_field.type THEN
    RAISE EXCEPTION USING
      ERRCODE = 'duplicate_object',
      MESSAGE = pg_catalog.format('custom field %L already exists with type %s', identifier, result.type),
      DETAIL = 'The type of a custom field cannot change, since stored values follow it.',
      HINT = 'Define a field with another identifier.';
  END IF;

  INSERT INTO @extschema@.contactsync_custom_field AS f (workspace, identifier, type, status)
  VALUES (contactsync_define_field.workspace, contactsync_define_field.identifier,
          contactsync_define_field.type, 'active')
  ON CONFLICT ON CONSTRAINT contactsync_custom_field_pkey DO UPDATE SET status = 'active'
  RETURNING f.* INTO result;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_define_field(text, text, text) IS
  'Defines a custom field (text, number, date or datetime) of a workspace, or re-activates an archived one of the same type.';

CREATE FUNCTION @extschema@.contactsync_archive_field(
  identifier text, workspace text DEFAULT 'default')
RETURNS @extschema@.contactsync_custom_field
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  result @extschema@.contactsync_custom_field;
BEGIN
  UPDATE @extschema@.contactsync_custom_field AS f SET status = 'archived'
   WHERE f.workspace OPERATOR(pg_catalog.=) contactsync_archive_field.workspace
     AND f.identifier OPERATOR(pg_catalog.=) contactsync_archive_field.identifier
  RETURNING f.* INTO result;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = pg_catalog.format('custom field %L does not exist in workspace %L', identifier, workspace),
      HINT = 'See contactsync_custom_field for the fields of the workspace.';
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_archive_field(text, text) IS
  'Archives a custom field: its values stay stored, but imports skip its column and templates leave it out.';
-- The "download template" of the source platforms: a staging table with the
-- channel's template columns plus one cl_custom_ column per active custom
-- field, all text, in a fixed order.  No pinned search_path: an unqualified
-- table name is created where the caller's own CREATE TABLE would put it.
-- Everything else in the body is schema-qualified, operators included.
CREATE FUNCTION @extschema@.contactsync_create_staging(
  name text, channel text DEFAULT 'line', workspace text DEFAULT 'default')
RETURNS regclass
LANGUAGE plpgsql
AS $fn$
DECLARE
  target text[];
  cols text;
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

  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c) OPERATOR(pg_catalog.||) ' text', ', ' ORDER BY o)
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
COMMENT ON FUNCTION @extschema@.contactsync_create_staging(text, text, text) IS
  'Creates a staging table (all columns text) with the channel''s template columns and a cl_custom_<identifier> column per active custom field of the workspace.';
-- The import: validate, normalise, match, merge and record every staging row.
-- search_path is pinned to pg_catalog and pg_temp: the C code qualifies the
-- extension's tables itself, so functions and operators resolve in
-- pg_catalog only.
CREATE FUNCTION @extschema@.contactsync_import(
  staging regclass,
  key text,
  channel text DEFAULT NULL,
  mode text DEFAULT 'upsert',
  overwrite boolean DEFAULT true,
  tags_mode text DEFAULT 'merge',
  region text DEFAULT NULL,
  timezone text DEFAULT 'UTC',
  workspace text DEFAULT 'default',
  platform_name text DEFAULT NULL,
  add_tags text[] DEFAULT NULL,
  on_duplicate text DEFAULT 'error',
  on_ambiguous text DEFAULT 'latest',
  customer_id_creates boolean DEFAULT false,
  unify boolean DEFAULT true,
  dry_run boolean DEFAULT false)
RETURNS @extschema@.contactsync_import_summary
AS 'MODULE_PATHNAME', 'contactsync_import'
LANGUAGE C VOLATILE CALLED ON NULL INPUT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_import(regclass, text, text, text, boolean, text, text, text, text, text, text[], text, text, boolean, boolean, boolean) IS
  'Imports a staging table of contacts for one channel: validates and normalises every row, matches on the key, creates or updates contacts under the merge rules, and records every row''s outcome.';
-- The failure report of a batch as a temporary view with the staging
-- table's original columns, in order, plus error: ready for
-- \copy (SELECT * FROM contactsync_failures_<id>) TO 'f.csv' CSV HEADER.
CREATE FUNCTION @extschema@.contactsync_failure_report(batch_id bigint)
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
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE TEMPORARY VIEW %I AS SELECT %s r.message AS error '
    'FROM %I.contactsync_import_row r '
    'WHERE r.workspace OPERATOR(pg_catalog.=) %L AND r.batch_id OPERATOR(pg_catalog.=) %s '
    'AND r.status OPERATOR(pg_catalog.=) ANY (ARRAY[''failed'', ''skipped'']) ORDER BY r.row_number',
    view_name, COALESCE(cols OPERATOR(pg_catalog.||) ',', ''), '@extschema@', b.workspace, b.id);
  RETURN view_name;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_failure_report(bigint) IS
  'Creates the temporary view contactsync_failures_<batch_id>: the failed and skipped rows of a batch with the staging table''s original columns and an error column, and returns its name.';
-- Identity unification of a workspace, and splitting a contact out of it.
CREATE FUNCTION @extschema@.contactsync_unify(
  workspace text DEFAULT 'default',
  OUT unified_contacts bigint, OUT merged_contacts bigint, OUT conflicts bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_unify'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_unify(text) IS
  'Recomputes identity unification for a workspace; returns the number of persons, of contacts in groups of two or more, and of contacts in conflict. A second run changes no row.';

CREATE FUNCTION @extschema@.contactsync_split(contact_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contactsync_split'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_split(bigint) IS
  'Takes a contact out of unification (its own person, unify_split) and regroups the contacts it was grouped with; an import row that matches it with a unify-key value clears the split.';

CREATE FUNCTION @extschema@.contactsync_unify_contacts(
  workspace text, contact_ids bigint[],
  OUT unified_contacts bigint, OUT merged_contacts bigint, OUT conflicts bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_unify_contacts'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_unify_contacts(text, bigint[]) IS
  'Regroups the part of a workspace connected to the given contacts (what an import or an undo touched); returns the counts of that part.';
-- Why a contact is, or is not, merged with the contacts it shares an
-- identifier with.
CREATE TYPE @extschema@.contactsync_explanation AS (
  contact_id bigint, linked_contact_id bigint, via_key text, via_value text,
  merged boolean, reason text);
COMMENT ON TYPE @extschema@.contactsync_explanation IS
  'A row of contactsync_explain: one identifier link of a contact and why it does or does not merge.';

CREATE FUNCTION @extschema@.contactsync_explain(contact_id bigint)
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
           WHEN l.via_k OPERATOR(pg_catalog.<>) 'customer_id'
                AND NOT (l.via_field OPERATOR(pg_catalog.=) ANY (keys)
                         OR (l.via_k OPERATOR(pg_catalog.=) 'phone' AND l.via_k OPERATOR(pg_catalog.=) ANY (keys)))
             THEN pg_catalog.format('%s is not a unify key of workspace %s', l.via_field, x.workspace)
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
COMMENT ON FUNCTION @extschema@.contactsync_explain(bigint) IS
  'For each identifier value a contact shares with other contacts: the linked contact, the key and value, whether they are one person, and why.';
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
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE TEMPORARY VIEW %I AS SELECT e.platform_type, e.external_member_id, e.name, e.email, '
    'e.phone, e.tags, e.customer_id, e.note, e.messaging_status, e.create_time, e.last_update_time%s '
    'FROM %I.contactsync_export(%L, %L::text[], %L) AS e',
    view_name, cols, '@extschema@', scope, custom_fields, workspace);
  RETURN view_name;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_export_view(text, text[], text) IS
  'Creates the temporary view contactsync_export_<scope>: the export columns followed by cl_custom_<identifier> for each requested field that has a value in the result; returns its name.';
-- Undo of an import batch (SPEC §3): created contacts are deleted, updated
-- ones get their previous values back, unless they changed again since.
CREATE TYPE @extschema@.contactsync_undo_result AS (
  batch_id bigint, deleted bigint, restored bigint, kept bigint);
COMMENT ON TYPE @extschema@.contactsync_undo_result IS
  'What contactsync_undo did: contacts deleted, restored, and kept because they changed since.';

CREATE FUNCTION @extschema@.contactsync_undo(batch_id bigint)
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
  SELECT r.contact_id, r.status, r.previous, c.id IS NOT NULL AS present,
         (c.id IS NOT NULL AND c.updated_at OPERATOR(pg_catalog.<>) b.xact_time) AS changed,
         (SELECT pg_catalog.max(r2.batch_id) FROM @extschema@.contactsync_import_row r2
           JOIN @extschema@.contactsync_import_batch b2
             ON b2.workspace OPERATOR(pg_catalog.=) r2.workspace AND b2.id OPERATOR(pg_catalog.=) r2.batch_id
          WHERE r2.workspace OPERATOR(pg_catalog.=) b.workspace
            AND r2.contact_id OPERATOR(pg_catalog.=) r.contact_id
            AND r2.batch_id OPERATOR(pg_catalog.>) b.id
            AND r2.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated'])
            AND NOT b2.dry_run AND b2.status OPERATOR(pg_catalog.=) 'completed') AS later_batch
    FROM @extschema@.contactsync_import_row r
    LEFT JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) r.workspace AND c.id OPERATOR(pg_catalog.=) r.contact_id
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

  DELETE FROM @extschema@.contactsync_contact c
   USING pg_temp.contactsync_undo_rows u
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'created' AND NOT u.changed AND u.later_batch IS NULL;
  GET DIAGNOSTICS deleted = ROW_COUNT;

  UPDATE @extschema@.contactsync_contact c
     SET platform_name = p.platform_name, line_uid = p.line_uid, email = p.email, phone = p.phone,
         whatsapp_mobile = p.whatsapp_mobile, customer_id = p.customer_id, fb_id = p.fb_id, ig_id = p.ig_id,
         name = p.name, note = p.note, gender = p.gender, birthday = p.birthday, tags = p.tags,
         messaging_status = p.messaging_status, consent_source = p.consent_source, consent_at = p.consent_at,
         custom = p.custom, unify_split = p.unify_split, updated_at = p.updated_at
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
COMMENT ON FUNCTION @extschema@.contactsync_undo(bigint) IS
  'Reverses an import batch: deletes the contacts it created, restores the previous values of those it updated, keeps (and reports) contacts changed since, and regroups what it touched.';
CREATE VIEW @extschema@.contactsync_channel_fields AS
  SELECT * FROM @extschema@.contactsync_channel_fields();
COMMENT ON VIEW @extschema@.contactsync_channel_fields IS
  'The channel rules: fields, aliases, required and updatable flags, primary keys, validators and allowed values of each importable channel.';
CREATE VIEW @extschema@.contactsync_import_results AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace
    FROM @extschema@.contactsync_import_row r;
COMMENT ON VIEW @extschema@.contactsync_import_results IS
  'Every staging row of every import: status (created, updated, unchanged, skipped, failed), contact, codes, message and warnings.';

CREATE VIEW @extschema@.contactsync_import_failures AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace, r.cells
    FROM @extschema@.contactsync_import_row r
   WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['failed', 'skipped']);
COMMENT ON VIEW @extschema@.contactsync_import_failures IS
  'The failed and skipped rows of every import, with their original cells keyed by column name (the Import Failure Report).';
CREATE VIEW @extschema@.contactsync_conflicts AS
  SELECT c.unified_contact_id,
         c.channel AS platform_type,
         c.platform_name,
         c.external_member_id,
         c.customer_id,
         'customer_id_multiple'::text AS conflict_reason,
         m.workspace,
         m.contact_id,
         m.conflict_id,
         ids.customer_ids,
         m.linked_by
    FROM @extschema@.contactsync_conflict_member m
    JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) m.workspace AND c.id OPERATOR(pg_catalog.=) m.contact_id
    JOIN (SELECT m2.workspace, m2.conflict_id,
                 pg_catalog.array_agg(DISTINCT c2.customer_id ORDER BY c2.customer_id)
                   FILTER (WHERE c2.customer_id IS NOT NULL) AS customer_ids
            FROM @extschema@.contactsync_conflict_member m2
            JOIN @extschema@.contactsync_contact c2
              ON c2.workspace OPERATOR(pg_catalog.=) m2.workspace AND c2.id OPERATOR(pg_catalog.=) m2.contact_id
           GROUP BY m2.workspace, m2.conflict_id) AS ids
      ON ids.workspace OPERATOR(pg_catalog.=) m.workspace AND ids.conflict_id OPERATOR(pg_catalog.=) m.conflict_id;
COMMENT ON VIEW @extschema@.contactsync_conflicts IS
  'One row per contact in a Customer-ID conflict: the MAAC conflict-list columns, then workspace, contact_id, conflict_id, the conflicting customer_ids and the identifier that links the contact across the conflict.';

CREATE VIEW @extschema@.contactsync_unified_profiles AS
  SELECT c.workspace,
         c.unified_contact_id,
         pg_catalog.count(*) AS contacts,
         pg_catalog.array_agg(c.id ORDER BY c.id) AS contact_ids,
         pg_catalog.array_agg(DISTINCT c.channel) AS channels,
         pg_catalog.array_agg(DISTINCT c.customer_id) FILTER (WHERE c.customer_id IS NOT NULL) AS customer_ids,
         pg_catalog.array_agg(DISTINCT c.email) FILTER (WHERE c.email IS NOT NULL) AS emails,
         pg_catalog.array_agg(DISTINCT p.phone) FILTER (WHERE p.phone IS NOT NULL) AS phones,
         pg_catalog.array_agg(DISTINCT c.line_uid) FILTER (WHERE c.line_uid IS NOT NULL) AS line_uids,
         pg_catalog.array_agg(DISTINCT c.name) FILTER (WHERE c.name IS NOT NULL) AS names
    FROM @extschema@.contactsync_contact c
    CROSS JOIN LATERAL (VALUES (COALESCE(c.phone, c.whatsapp_mobile))) AS p(phone)
   WHERE c.unified_contact_id IS NOT NULL
   GROUP BY c.workspace, c.unified_contact_id;
COMMENT ON VIEW @extschema@.contactsync_unified_profiles IS
  'One row per person (unified contact): its member contacts, channels and identifiers.';
