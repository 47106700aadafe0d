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
