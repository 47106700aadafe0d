-- Shared set-up of the import, unification and export tests: the extension,
-- quietly; a clean store, so ids in messages do not depend on which tests
-- ran before; no PL/pgSQL context lines in error output; Taiwan as the
-- default phone region.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
\set SHOW_CONTEXT never
TRUNCATE contactsync_contact, contactsync_import_batch, contactsync_import_row_single, contactsync_import_row_set,
         contactsync_custom_field, contactsync_conflict_member, contactsync_settings;
ALTER SEQUENCE contactsync_contact_id_seq RESTART;
ALTER SEQUENCE contactsync_import_batch_id_seq RESTART;
SET contactsync.default_region = 'TW';
