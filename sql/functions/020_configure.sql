-- Per-workspace settings.  Only the arguments given (non-NULL) change.
CREATE FUNCTION @extschema@.contactsync_configure(
  workspace text DEFAULT 'default',
  default_region text DEFAULT NULL,
  unify_keys text[] DEFAULT NULL)
RETURNS @extschema@.contactsync_settings
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  allowed constant text[] := ARRAY['email', 'phone', 'customer_id', 'line_uid',
                                   'whatsapp_mobile', 'fb_id', 'ig_id'];
  region text;
  keys text[];
  result @extschema@.contactsync_settings;
BEGIN
  IF workspace IS NULL OR workspace OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'null_value_not_allowed',
      MESSAGE = 'workspace must not be NULL or empty',
      HINT = 'Pass a workspace name such as ''default''.';
  END IF;

  -- '' clears the region; anything else must be a known region code.
  IF default_region IS NOT NULL AND default_region OPERATOR(pg_catalog.<>) '' THEN
    region := @extschema@.contactsync_region_code(default_region);
  END IF;

  IF unify_keys IS NOT NULL THEN
    SELECT pg_catalog.array_agg(DISTINCT k ORDER BY k) INTO keys
      FROM pg_catalog.unnest(unify_keys) AS u(k);
    IF keys IS NULL OR pg_catalog.array_position(keys, NULL) IS NOT NULL
       OR NOT keys OPERATOR(pg_catalog.<@) allowed THEN
      RAISE EXCEPTION USING
        ERRCODE = 'invalid_parameter_value',
        MESSAGE = pg_catalog.format('invalid unify keys %s', unify_keys),
        DETAIL = 'Unify keys must be a non-empty list of known identifiers, without NULLs.',
        HINT = pg_catalog.format('Choose from %s.', pg_catalog.array_to_string(allowed, ', '));
    END IF;
    -- Keep the order given, without repeats.
    SELECT pg_catalog.array_agg(k ORDER BY first_pos) INTO keys
      FROM (SELECT k, pg_catalog.min(o) AS first_pos
              FROM pg_catalog.unnest(unify_keys) WITH ORDINALITY AS u(k, o)
             GROUP BY k) AS d;
  END IF;

  INSERT INTO @extschema@.contactsync_settings AS s (workspace, default_region, unify_keys)
  VALUES (contactsync_configure.workspace,
          CASE WHEN contactsync_configure.default_region OPERATOR(pg_catalog.=) '' THEN NULL ELSE region END,
          COALESCE(keys, ARRAY['email', 'phone', 'customer_id', 'line_uid',
                                          'whatsapp_mobile', 'fb_id', 'ig_id']))
  ON CONFLICT ON CONSTRAINT contactsync_settings_pkey DO UPDATE
    SET default_region = CASE
          WHEN contactsync_configure.default_region IS NULL THEN s.default_region
          WHEN contactsync_configure.default_region OPERATOR(pg_catalog.=) '' THEN NULL
          ELSE region END,
        unify_keys = COALESCE(keys, s.unify_keys),
        updated_at = pg_catalog.now()
  RETURNING s.* INTO result;
  -- New unify keys regroup the workspace.
  IF keys IS NOT NULL THEN
    PERFORM @extschema@.contactsync_unify(contactsync_configure.workspace);
  END IF;
  RETURN result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_configure(text, text, text[]) IS
  'Sets a workspace''s default phone region ('''' clears it) and unify keys (which regroups the workspace); arguments left NULL keep their value. Returns the settings.';
