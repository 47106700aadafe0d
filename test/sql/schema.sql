-- The schema of SPEC §2: tables, constraints, indexes, settings, and the
-- extension's own hygiene (comments, config dump, pinned search_path).
DROP EXTENSION IF EXISTS contactsync;
CREATE EXTENSION contactsync;
\set SHOW_CONTEXT never

-- Tables and their constraints and indexes.
\d contactsync_contact
\d contactsync_custom_field
\d contactsync_import_batch
\d contactsync_import_row
\d contactsync_settings

-- Every object of the extension has a comment (no rows = all commented).
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS uncommented
  FROM pg_catalog.pg_depend d
 WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'contactsync')
   AND d.deptype = 'e'
   AND pg_catalog.obj_description(d.objid, (SELECT relname FROM pg_catalog.pg_class WHERE oid = d.classid)) IS NULL
   AND NOT (d.classid = 'pg_catalog.pg_type'::regclass)
 ORDER BY 1;

-- Every function runs with the caller's rights, and pins its search_path
-- unless it is a C function that runs no SQL (the normalisers, the
-- channel rules and the tag union) or contactsync_create_staging (whose CREATE TABLE follows
-- the caller's search_path, every other name in it qualified).  Any other
-- function in this list is a failure.
SELECT p.oid::regprocedure AS unpinned_or_definer, p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c') AS is_c
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'contactsync')
   AND (p.prosecdef OR NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search_path=%'))
 ORDER BY 1;

-- User data tables (and their sequences) are dumped by pg_dump.
SELECT c::regclass AS dumped
  FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) AS c
 WHERE e.extname = 'contactsync'
 ORDER BY 1::text;

-- Constraint errors without their DETAIL (it shows timestamps).
\set VERBOSITY terse
-- Rule: channel must be one of the six channels.
INSERT INTO contactsync_contact (channel, line_uid) VALUES ('telegram', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Rule: a contact needs its channel primary key.
INSERT INTO contactsync_contact (channel, email) VALUES ('line', 'a@example.com');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Rule: gender is female, male or unknown.
INSERT INTO contactsync_contact (channel, line_uid, gender) VALUES ('line', 'U1', 'other');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- external_member_id is the channel primary key.
INSERT INTO contactsync_contact (channel, line_uid, email, phone) VALUES
  ('line', 'Uaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'a@example.com', '+886912345678'),
  ('email', NULL, 'a@example.com', '+886912345678'),
  ('sms', NULL, NULL, '+886912345678');
INSERT INTO contactsync_contact (channel, whatsapp_mobile) VALUES ('whatsapp', '+886912345678');
INSERT INTO contactsync_contact (channel, fb_id) VALUES ('facebook', 'fb1');
INSERT INTO contactsync_contact (channel, ig_id) VALUES ('instagram', 'ig1');
SELECT id, workspace, channel, external_member_id, tags, custom, unify_split, unified_contact_id
  FROM contactsync_contact ORDER BY id;
-- Rule: the channel primary key is unique per (workspace, channel) ...
INSERT INTO contactsync_contact (channel, email) VALUES ('email', 'a@example.com');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- ... but not across workspaces or channels.
INSERT INTO contactsync_contact (workspace, channel, email) VALUES ('brand2', 'email', 'a@example.com');
INSERT INTO contactsync_contact (channel, email, phone) VALUES ('sms', 'a@example.com', '+886912000000');
SELECT count(*) AS contacts FROM contactsync_contact;

-- Lookups on every key are index scans scoped to the workspace.
INSERT INTO contactsync_contact (channel, line_uid, customer_id)
  SELECT 'line', 'U' || g, 'c' || g FROM pg_catalog.generate_series(1, 2000) g;
ANALYZE contactsync_contact;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM contactsync_contact WHERE workspace = 'default' AND customer_id = 'c1';
EXPLAIN (COSTS OFF) SELECT id FROM contactsync_contact WHERE workspace = 'default' AND whatsapp_mobile = '+886912345678';
EXPLAIN (COSTS OFF) SELECT id FROM contactsync_contact WHERE workspace = 'default' AND channel = 'line' AND external_member_id = 'U1';
RESET enable_seqscan;

-- Custom fields: identifier pattern, type and status are checked.
INSERT INTO contactsync_custom_field (identifier, type) VALUES ('Bad-Name', 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO contactsync_custom_field (identifier, type) VALUES ('points', 'money');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

\set VERBOSITY default
-- contactsync_configure: settings per workspace.
SELECT workspace, default_region, unify_keys FROM contactsync_configure();
SELECT workspace, default_region, unify_keys FROM contactsync_configure('brand2', default_region => 'tw');
-- NULL keeps a value; unify keys keep their order, without repeats.
SELECT workspace, default_region, unify_keys
  FROM contactsync_configure('brand2', unify_keys => ARRAY['phone', 'email', 'phone']);
-- '' clears the region.
SELECT workspace, default_region, unify_keys FROM contactsync_configure('brand2', default_region => '');
SELECT workspace, default_region, unify_keys FROM contactsync_settings ORDER BY workspace;
-- Misuse: unknown region, unknown or empty unify keys, no workspace.
SELECT contactsync_configure('brand2', default_region => 'XX');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_configure('brand2', unify_keys => ARRAY['email', 'shoe_size']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_configure('brand2', unify_keys => ARRAY[]::text[]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_configure(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- The extension cannot be moved to another schema.
CREATE SCHEMA elsewhere;
ALTER EXTENSION contactsync SET SCHEMA elsewhere;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP SCHEMA elsewhere;

DELETE FROM contactsync_contact;
DELETE FROM contactsync_settings;

-- The result sets' arrays are compressed with lz4 where the server has it
-- (it does here: Debian's PostgreSQL is built with lz4), pglz otherwise.
SELECT a.attname, a.attcompression = 'l' AS lz4
  FROM pg_attribute a
 WHERE a.attrelid = 'contactsync_import_row_set'::regclass
   AND a.attname IN ('row_numbers', 'contact_ids', 'previous')
   AND EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))
 ORDER BY a.attnum;
