-- The outcome of each staging row that is not plain (skipped, failed, any
-- row with a code or a warning, every row of a dry run), with what undo
-- needs; plain rows are kept in sets (055_import_row_set.sql).  The view
-- contactsync_import_row lists both, one row per staging row.  Until 0.2.0
-- this table was contactsync_import_row itself and held every row; the
-- update renames it, so its constraints and index keep their names.
CREATE TABLE @extschema@.contactsync_import_row_single (
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
  ON @extschema@.contactsync_import_row_single (workspace, contact_id) WHERE contact_id IS NOT NULL;

COMMENT ON TABLE @extschema@.contactsync_import_row_single IS
  'The staging rows of imports that are not kept in sets: status, contact, codes, message, warnings, original cells of failed and skipped rows, and previous values for undo; the view contactsync_import_row lists every row.';
COMMENT ON COLUMN @extschema@.contactsync_import_row_single.previous IS
  'For updated rows: the values the update changed, as they were before it (and updated_at), used by contactsync_undo.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_row_single', '');
