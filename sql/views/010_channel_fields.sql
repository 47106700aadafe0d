CREATE VIEW @extschema@.contactsync_channel_fields AS
  SELECT * FROM @extschema@.contactsync_channel_fields();
COMMENT ON VIEW @extschema@.contactsync_channel_fields IS
  'The channel rules: fields, aliases, required and updatable flags, primary keys, validators and allowed values of each importable channel.';
