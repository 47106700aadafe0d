-- Per-workspace settings: the default region for national phone numbers and
-- the identifiers that unify contacts into one person.
CREATE TABLE @extschema@.contactsync_settings (
  workspace      text NOT NULL PRIMARY KEY,
  default_region text,
  unify_keys     text[] NOT NULL
    DEFAULT ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']::text[],
  updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT contactsync_settings_unify_keys_check CHECK (
    pg_catalog.cardinality(unify_keys) OPERATOR(pg_catalog.>) 0
    AND unify_keys OPERATOR(pg_catalog.<@)
        ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']::text[])
);
COMMENT ON TABLE @extschema@.contactsync_settings IS
  'Per-workspace settings of contactsync: default phone region and unify keys.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_settings', '');
