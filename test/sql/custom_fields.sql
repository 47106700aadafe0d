-- Custom fields (SPEC §4): define, archive, identifier rules, and the
-- staging template (contactsync_create_staging).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
\set SHOW_CONTEXT never
RESET client_min_messages;

SELECT workspace, identifier, type, status FROM contactsync_define_field('member_level', 'text');
SELECT workspace, identifier, type, status FROM contactsync_define_field('points', 'number');
SELECT workspace, identifier, type, status FROM contactsync_define_field('joined', 'date');
SELECT workspace, identifier, type, status FROM contactsync_define_field('last_visit', 'datetime');
SELECT workspace, identifier, type, status FROM contactsync_define_field('points', 'number', 'brand2');
-- Defining again with the same type is harmless.
SELECT workspace, identifier, type, status FROM contactsync_define_field('points', 'number');

-- Rule: identifiers match ^[a-z][a-z0-9_]{0,62}$.
SELECT contactsync_define_field('Member', 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_define_field('1st', 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_define_field('x"; DROP TABLE t; --', 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_define_field(repeat('a', 64), 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT identifier FROM contactsync_define_field(repeat('a', 63), 'text');
SELECT status FROM contactsync_archive_field(repeat('a', 63));
-- Rule: the type is one of text, number, date, datetime, and cannot change.
SELECT contactsync_define_field('score', 'money');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_define_field('points', 'text');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Archive: the field stays, with status archived; unknown fields are errors.
SELECT workspace, identifier, type, status FROM contactsync_archive_field('joined');
SELECT contactsync_archive_field('nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workspace, identifier, type, status FROM contactsync_custom_field ORDER BY workspace, identifier;

-- Staging templates: channel columns, then active custom fields (archived
-- ones left out), all text.
SELECT contactsync_create_staging('stage_line');
\d stage_line
SELECT contactsync_create_staging('stage_email', 'email');
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'stage_email'::regclass AND attnum > 0;
SELECT contactsync_create_staging('stage_wa', 'whatsapp', 'brand2');
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'stage_wa'::regclass AND attnum > 0;
SELECT contactsync_create_staging('stage_sms', 'sms', 'no_such_workspace');
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'stage_sms'::regclass AND attnum > 0;
-- Re-activating an archived field brings it back into the template.
SELECT status FROM contactsync_define_field('joined', 'date');
SELECT contactsync_create_staging('stage_line2');
SELECT string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid = 'stage_line2'::regclass AND attnum > 0;

-- Names are quoted: schema-qualified, mixed case, hostile.
CREATE SCHEMA imp;
SELECT contactsync_create_staging('imp."Staging"', 'sms');
SELECT contactsync_create_staging('"x""; DROP TABLE stage_line; --"', 'sms');
SELECT count(*) AS stage_line_still_there FROM stage_line;
SELECT relname FROM pg_class WHERE relname IN ('Staging', 'x"; DROP TABLE stage_line; --') ORDER BY relname;
-- Misuse.
SELECT contactsync_create_staging('stage_fb', 'facebook');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_create_staging('stage_line', 'line');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_create_staging('', 'line');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

DROP SCHEMA imp CASCADE;
DROP TABLE stage_line, stage_line2, stage_email, stage_wa, stage_sms, "x""; DROP TABLE stage_line; --";
DELETE FROM contactsync_custom_field;
