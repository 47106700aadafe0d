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
