-- The channel rules (fields, aliases, flags, validators) as the C code holds
-- them, and a way to run one validator on a value.  Both run no SQL, so they
-- need no pinned search_path.
CREATE FUNCTION @extschema@.contactsync_channel_fields(
  OUT channel text, OUT field text, OUT template_position integer,
  OUT aliases text[], OUT required boolean, OUT updatable boolean,
  OUT primary_key boolean, OUT validator text, OUT allowed_values text[],
  OUT empty_skips_row boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contactsync_channel_fields'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_channel_fields() IS
  'The channel rules: for each importable channel, every field with its template position, aliases, required/updatable/primary-key flags, validator and allowed values.';

CREATE FUNCTION @extschema@.contactsync_validate_field(
  channel text, field text, value text, region text DEFAULT NULL,
  OUT stored text, OUT code text)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_validate_field'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_validate_field(text, text, text, text) IS
  'What an import stores for one cell of a field on a channel (stored), or the row code the cell earns (code).';
