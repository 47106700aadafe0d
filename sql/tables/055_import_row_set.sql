-- The plain outcomes of an import, in sets: rows created or unchanged with
-- no code and no warning, a set per status and run of up to 1,000 row
-- numbers, with the contact of each.  One row per staging row costs an
-- index entry and a heap tuple each; these rows carry nothing but a row
-- number and a contact id.  contactsync_import_results lists them one per
-- row, as it lists contactsync_import_row.  Dry runs and every other
-- outcome (updated, skipped, failed, or any row with a code or warning)
-- stay in contactsync_import_row.
CREATE TABLE @extschema@.contactsync_import_row_set (
  workspace   text NOT NULL DEFAULT 'default',
  batch_id    bigint NOT NULL,
  status      text NOT NULL,
  first_row   integer NOT NULL,
  row_numbers integer[] NOT NULL,
  contact_ids bigint[] NOT NULL,
  CONSTRAINT contactsync_import_row_set_pkey PRIMARY KEY (workspace, batch_id, status, first_row),
  CONSTRAINT contactsync_import_row_set_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'unchanged']::text[])),
  CONSTRAINT contactsync_import_row_set_arrays_check CHECK (
    pg_catalog.cardinality(row_numbers) OPERATOR(pg_catalog.=) pg_catalog.cardinality(contact_ids))
);
COMMENT ON TABLE @extschema@.contactsync_import_row_set IS
  'Rows an import created or left unchanged with no code and no warning, in sets of up to 1,000 row numbers with their contacts; contactsync_import_results lists them one per row.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_import_row_set', '');
