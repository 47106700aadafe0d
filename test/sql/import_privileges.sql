-- contactsync_import runs with the caller's rights (SPEC §7): SELECT on the
-- staging table is checked first (42501); the store's tables need the grants
-- doc/reference.md lists.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
DROP ROLE IF EXISTS cs_importer;
DROP ROLE IF EXISTS cs_nobody;
RESET client_min_messages;
CREATE ROLE cs_importer;
CREATE ROLE cs_nobody;
CREATE TABLE priv_staging (line_uid text, name text);
INSERT INTO priv_staging VALUES ('U' || repeat('1', 32), 'one');

-- No SELECT on the staging table: the import's own check, 42501.
SET ROLE cs_nobody;
SELECT * FROM contactsync_import('priv_staging', 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- SELECT on the staging table but no rights on the store: 42501 too, and
-- nothing is written.
GRANT SELECT ON priv_staging TO cs_nobody;
SET ROLE cs_nobody;
SELECT * FROM contactsync_import('priv_staging', 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS contacts FROM contactsync_contact;

-- The documented grants for an importing role are enough.
GRANT SELECT ON priv_staging TO cs_importer;
\set importer cs_importer
\i :abs_srcdir/sql/include/importer_grants.sql
SET ROLE cs_importer;
SELECT created FROM contactsync_import('priv_staging', 'line_uid');
SELECT unchanged FROM contactsync_import('priv_staging', 'line_uid');
RESET ROLE;
SELECT line_uid, name, unified_contact_id IS NOT NULL AS grouped FROM contactsync_contact;

-- Functions run as the caller: none is SECURITY DEFINER (see schema.sql),
-- and the import's rights are the caller's, as shown above.
DROP TABLE priv_staging;
DROP OWNED BY cs_importer, cs_nobody;
DROP ROLE cs_importer;
DROP ROLE cs_nobody;
