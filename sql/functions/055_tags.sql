-- The tag union of the merge rules, in C: the import's statements call it
-- for every created or updated contact.  It runs no SQL.
CREATE FUNCTION @extschema@.contactsync_tags_union(text[], text[], text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'contactsync_tags_union'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.contactsync_tags_union(text[], text[], text[]) IS
  'The tags of the three arrays in order, each kept where it first occurs (exact, case-sensitive); NULL arrays count as empty; never NULL.';
