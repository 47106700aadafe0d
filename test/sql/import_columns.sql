-- contactsync_import: column mapping (SPEC §3 "Columns"): case-insensitive
-- names and aliases, skipped columns as batch warnings, any column type,
-- external_member_id, two columns for one field.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
-- NOTICEs stay quiet here (client_min_messages); import_outcomes checks them.

-- Aliases and mixed case: Email, user.email, mobile, user.mobilenumber,
-- user.identifier, display_name, tag, status.
CREATE TEMP TABLE mapp ("user.email" text, "user.mobileNumber" text, "USER.IDENTIFIER" text, "Display_Name" text, "Tag" text, "Status" text);
INSERT INTO mapp VALUES ('Ann@Example.com', '0912 345 678', 'M-1', 'Ann', 'a, b', 'subscribed');
SELECT channel, key, created FROM contactsync_import('mapp', 'email');
SELECT channel, email, phone, customer_id, name, tags, messaging_status FROM contactsync_contact;

-- Unknown columns and unknown or archived cl_custom_ columns are skipped and
-- named in the batch's column_warnings.
SELECT identifier FROM contactsync_define_field('level', 'text');
SELECT identifier FROM contactsync_define_field('old', 'text');
SELECT status FROM contactsync_archive_field('old');
CREATE TEMP TABLE extra (line_uid text, shoe_size text, cl_custom_level text, cl_custom_old text, cl_custom_nope text, "x""; DROP TABLE extra; --" text);
INSERT INTO extra VALUES ('U' || repeat('1', 32), '42', 'gold', 'x', 'y', 'z');
SELECT created FROM contactsync_import('extra', 'line_uid');
SELECT column_warnings FROM contactsync_import_batch WHERE id = 2;
SELECT custom FROM contactsync_contact WHERE line_uid = 'U' || repeat('1', 32);
-- Rule: cl_custom_ headers match identifiers case-insensitively.
CREATE TEMP TABLE extra2 (line_uid text, "CL_CUSTOM_LEVEL" text);
INSERT INTO extra2 VALUES ('U' || repeat('1', 32), 'silver');
SELECT updated FROM contactsync_import('extra2', 'line_uid');
SELECT custom FROM contactsync_contact WHERE line_uid = 'U' || repeat('1', 32);

-- Any staging column type is read as text: the date in ISO form whatever
-- the session's DateStyle (pg_regress runs with Postgres, MDY).
CREATE TEMP TABLE typed (line_uid varchar(40), customer_id integer, birthday date, name char(5), note jsonb, tags text[]);
INSERT INTO typed VALUES ('U' || repeat('2', 32), 42, '2000-01-31', 'Al', '{"a": 1}', '{x,y}');
SELECT created, failed FROM contactsync_import('typed', 'line_uid');
SELECT customer_id, birthday, name, note, tags FROM contactsync_contact WHERE line_uid = 'U' || repeat('2', 32);

-- external_member_id is the channel primary key when no column names it ...
CREATE TEMP TABLE export_like (platform_type text, external_member_id text, name text);
INSERT INTO export_like VALUES ('line', 'U' || repeat('2', 32), 'Alan');
SELECT channel, updated FROM contactsync_import('export_like', 'line_uid');
SELECT name FROM contactsync_contact WHERE line_uid = 'U' || repeat('2', 32);
-- platform_type cells are trimmed of Unicode white space like every cell
-- (SPEC §3): a cell of white space alone (a tab, U+3000) is blank, and
-- 'sms' followed by U+3000 names sms, so the file below is an sms import
-- (its phone column is the key) and not the line default.
CREATE TEMP TABLE export_ws (platform_type text, phone text, messaging_status text);
INSERT INTO export_ws VALUES ('sms', '+886911111111', 'opted_in'), (E'\t', '+886911111112', 'opted_in'),
  (U&'\3000', '+886911111113', 'opted_in'), (U&'SMS\3000', '+886911111114', 'opted_in');
SELECT channel, created, failed FROM contactsync_import('export_ws', 'phone', dry_run => true);
-- A whatsapp file needs its status column only under one of its names.
CREATE TEMP TABLE wa_alias (whatsapp_mobile text, "Status" text);
INSERT INTO wa_alias VALUES ('+886912345678', 'opted_in');
SELECT channel, created FROM contactsync_import('wa_alias', 'phone', dry_run => true);
-- ... and read-only otherwise.
CREATE TEMP TABLE both_ids (line_uid text, external_member_id text, name text);
INSERT INTO both_ids VALUES ('U' || repeat('2', 32), 'U' || repeat('9', 32), 'Alan B');
SELECT updated, created FROM contactsync_import('both_ids', 'line_uid');
SELECT count(*) FROM contactsync_contact WHERE line_uid = 'U' || repeat('9', 32);

-- Misuse: two columns for one field, a key without its column.
CREATE TEMP TABLE twice (line_uid text, name text, display_name text);
SELECT * FROM contactsync_import('twice', 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TEMP TABLE twice2 (line_uid text, phone text, "Mobile" text);
SELECT * FROM contactsync_import('twice2', 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TEMP TABLE nokey (line_uid text, name text);
SELECT * FROM contactsync_import('nokey', 'customer_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A staging table with no rows imports nothing.
SELECT rows, created FROM contactsync_import('nokey', 'line_uid');
RESET contactsync.default_region;
