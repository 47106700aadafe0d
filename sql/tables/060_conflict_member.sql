-- Contacts in identity conflict, as the last unification left them: one row
-- per contact and conflict.  conflict_id is the smallest contact id of the
-- conflicting set; linked_by names an identifier the contact shares across it.
CREATE TABLE @extschema@.contactsync_conflict_member (
  workspace   text NOT NULL DEFAULT 'default',
  conflict_id bigint NOT NULL,
  contact_id  bigint NOT NULL,
  linked_by   text,
  CONSTRAINT contactsync_conflict_member_pkey PRIMARY KEY (workspace, conflict_id, contact_id)
);
CREATE INDEX contactsync_conflict_member_contact_idx
  ON @extschema@.contactsync_conflict_member (workspace, contact_id);
COMMENT ON TABLE @extschema@.contactsync_conflict_member IS
  'Contacts in Customer-ID conflict after the last unification: conflict id (smallest contact id of the set), contact, and the identifier linking it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_conflict_member', '');
