-- The failure report of a batch as a temporary view with the staging
-- table's original columns, in order (but a column named error, which the
-- report's own error replaces), plus error: ready for
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
COMMENT ON FUNCTION @extschema@.contactsync_failure_report(bigint) IS
  'Creates the temporary view contactsync_failures_<batch_id>: the failed and skipped rows of a batch with the staging table''s original columns and an error column, and returns its name.';
