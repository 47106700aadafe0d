-- Every staging row of every import, one row each, as the table of this
-- name held them until 0.2.0: the rows kept singly, and the sets expanded.
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

CREATE VIEW @extschema@.contactsync_import_results AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace
    FROM @extschema@.contactsync_import_row r;
COMMENT ON VIEW @extschema@.contactsync_import_results IS
  'Every staging row of every import: status (created, updated, unchanged, skipped, failed), contact, codes, message and warnings.';

CREATE VIEW @extschema@.contactsync_import_failures AS
  SELECT r.batch_id, r.row_number, r.status, r.contact_id, r.codes, r.message, r.warnings, r.workspace, r.cells
    FROM @extschema@.contactsync_import_row_single r
   WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['failed', 'skipped']);
COMMENT ON VIEW @extschema@.contactsync_import_failures IS
  'The failed and skipped rows of every import, with their original cells keyed by column name (the Import Failure Report).';
