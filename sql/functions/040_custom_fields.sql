-- Custom fields of a workspace: define (or re-activate) and archive.
CREATE FUNCTION @extschema@.contactsync_define_field(
  identifier text, type text, workspace text DEFAULT 'default')
RETURNS @extschema@.contactsync_custom_field
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  result @extschema@.contactsync_custom_field;
BEGIN
  IF identifier IS NULL OR identifier OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('invalid custom field identifier %L', identifier),
      DETAIL = 'An identifier starts with a lower-case letter and continues with at most 62 lower-case letters, digits or underscores.',
      HINT = 'Use a name such as ''member_level''; the staging column is then cl_custom_member_level.';
  END IF;
  IF type IS NULL OR NOT (type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'date', 'datetime'])) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('invalid custom field type %L', type),
      HINT = 'Use text, number, date or datetime.';
  END IF;
  IF workspace IS NULL OR workspace OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'workspace must not be NULL or empty',
      HINT = 'Pass a workspace name such as ''default''.';
  END IF;

  SELECT * INTO result FROM @extschema@.contactsync_custom_field f
   WHERE f.workspace OPERATOR(pg_catalog.=) contactsync_define_field.workspace
     AND f.identifier OPERATOR(pg_catalog.=) contactsync_define_field.identifier
   FOR UPDATE;
  IF FOUND AND result.type OPERATOR(pg_catalog.<>) contactsync_define_field.type THEN
    RAISE EXCEPTION USING
      ERRCODE = 'duplicate_object',
      MESSAGE = pg_catalog.format('custom field %L already exists with type %s', identifier, result.type),
      DETAIL = 'The type of a custom field cannot change, since stored values follow it.',
      HINT = 'Define a field with another identifier.';
  END IF;

  INSERT INTO @extschema@.contactsync_custom_field AS f (workspace, identifier, type, status)
  VALUES (contactsync_define_field.workspace, contactsync_define_field.identifier,
          contactsync_define_field.type, 'active')
  ON CONFLICT ON CONSTRAINT contactsync_custom_field_pkey DO UPDATE SET status = 'active'
  RETURNING f.* INTO result;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_define_field(text, text, text) IS
  'Defines a custom field (text, number, date or datetime) of a workspace, or re-activates an archived one of the same type.';

CREATE FUNCTION @extschema@.contactsync_archive_field(
  identifier text, workspace text DEFAULT 'default')
RETURNS @extschema@.contactsync_custom_field
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  result @extschema@.contactsync_custom_field;
BEGIN
  UPDATE @extschema@.contactsync_custom_field AS f SET status = 'archived'
   WHERE f.workspace OPERATOR(pg_catalog.=) contactsync_archive_field.workspace
     AND f.identifier OPERATOR(pg_catalog.=) contactsync_archive_field.identifier
  RETURNING f.* INTO result;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = pg_catalog.format('custom field %L does not exist in workspace %L', identifier, workspace),
      HINT = 'See contactsync_custom_field for the fields of the workspace.';
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_archive_field(text, text) IS
  'Archives a custom field: its values stay stored, but imports skip its column and templates leave it out.';
