-- Custom fields of a workspace; values live in contactsync_contact.custom.
CREATE TABLE @extschema@.contactsync_custom_field (
  workspace  text NOT NULL DEFAULT 'default',
  identifier text NOT NULL,
  type       text NOT NULL,
  status     text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT contactsync_custom_field_pkey PRIMARY KEY (workspace, identifier),
  CONSTRAINT contactsync_custom_field_identifier_check CHECK (identifier OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
  CONSTRAINT contactsync_custom_field_type_check CHECK (
    type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'date', 'datetime']::text[])),
  CONSTRAINT contactsync_custom_field_status_check CHECK (
    status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'archived']::text[]))
);
COMMENT ON TABLE @extschema@.contactsync_custom_field IS
  'Custom fields per workspace: identifier, type (text, number, date, datetime) and status (active, archived).';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_custom_field', '');
