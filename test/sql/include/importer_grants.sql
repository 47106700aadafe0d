-- The grants doc/reference.md lists for an importing role, to the role
-- named by the psql variable importer.
GRANT SELECT, INSERT, UPDATE ON contactsync_contact, contactsync_import_batch TO :importer;
GRANT SELECT, INSERT ON contactsync_import_row_single, contactsync_import_row_set TO :importer;
GRANT SELECT ON contactsync_import_row TO :importer;
GRANT SELECT, INSERT, DELETE ON contactsync_conflict_member TO :importer;
GRANT SELECT ON contactsync_custom_field, contactsync_settings TO :importer;
GRANT USAGE ON SEQUENCE contactsync_contact_id_seq, contactsync_import_batch_id_seq TO :importer;
