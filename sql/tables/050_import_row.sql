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
  'For updated rows: the values the update changed, as they were before it (and updated_at), used by contactsync_undo.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_row', '');
