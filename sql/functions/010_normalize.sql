-- The normalisers the import runs, as SQL functions.  These C functions run
-- no SQL, so no search_path can change what they do; they carry no SET
-- clause, which would cost a settings save and restore on every call.
CREATE FUNCTION @extschema@.contactsync_normalize_email(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_normalize_email'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_normalize_email(text) IS
  'The stored form of an email address (trimmed, NFKC, lower-cased local part, IDNA UTS #46 ASCII domain), or NULL when it is invalid.';

-- IMMUTABLE so that it can be used in index expressions: there, name the
-- region explicitly, because a NULL region reads contactsync.default_region.
CREATE FUNCTION @extschema@.contactsync_normalize_phone(text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_normalize_phone'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_normalize_phone(text, text) IS
  'E.164 form of a phone number that libphonenumber deems valid, else NULL; national numbers are read in region, else in contactsync.default_region.';

CREATE FUNCTION @extschema@.contactsync_region_code(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contactsync_region_code'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_region_code(text) IS
  'The upper-case form of a region code libphonenumber supports; an error for an unknown code.';
