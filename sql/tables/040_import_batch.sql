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
