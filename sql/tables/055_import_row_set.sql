-- The plain outcomes of an import, in sets: rows created, updated or
-- unchanged with no code and no warning, a set per status and run of up to
-- 1,000 row numbers, with the contact of each (and the previous values of
-- each update).  One row per staging row costs a heap tuple and index
-- entries each; these rows carry nothing but a row number, a contact id
-- and, for updates, what undo needs.  The view contactsync_import_row lists
-- them one per row, with the rows of contactsync_import_row_single.  Dry runs
-- and every other outcome (skipped, failed, or any row with a code or
-- warning) are kept singly.
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
