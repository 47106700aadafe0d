-- Identity unification of a workspace, and splitting a contact out of it.
CREATE FUNCTION @extschema@.contactsync_unify(
  workspace text DEFAULT 'default',
  OUT unified_contacts bigint, OUT merged_contacts bigint, OUT conflicts bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_unify'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_unify(text) IS
  'Recomputes identity unification for a workspace; returns the number of persons, of contacts in groups of two or more, and of contacts in conflict. A second run changes no row.';

CREATE FUNCTION @extschema@.contactsync_split(contact_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contactsync_split'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_split(bigint) IS
  'Takes a contact out of unification (its own person, unify_split) and regroups the contacts it was grouped with; an import row that matches it with a unify-key value clears the split.';

CREATE FUNCTION @extschema@.contactsync_unify_contacts(
  workspace text, contact_ids bigint[],
  OUT unified_contacts bigint, OUT merged_contacts bigint, OUT conflicts bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'contactsync_unify_contacts'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.contactsync_unify_contacts(text, bigint[]) IS
  'Regroups the part of a workspace connected to the given contacts (what an import or an undo touched); returns the counts of that part.';
