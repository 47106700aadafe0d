-- contactsync_import on every kind of staging relation and name: a view, a
-- materialised view, a temp table shadowing a real one, schema-qualified,
-- quoted, mixed-case and SQL-looking names, 63-byte names, a table the
-- width of PostgreSQL's column limit, rows of NULLs, and no rows at all.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
CREATE SCHEMA imp;

-- A view as staging: read through a cursor, rows in the view's order.
CREATE TABLE imp.raw (n int, uid text, who text);
INSERT INTO imp.raw VALUES (2, 'U' || repeat('2', 32), 'two'), (1, 'U' || repeat('1', 32), 'one'), (3, 'bad', 'three');
CREATE VIEW imp."Staging View" AS SELECT uid AS line_uid, who AS name FROM imp.raw ORDER BY n;
SELECT created, failed FROM contactsync_import('imp."Staging View"', 'line_uid');
SELECT staging FROM contactsync_import_batch ORDER BY id DESC LIMIT 1;
SELECT row_number, status, codes FROM contactsync_import_results WHERE batch_id = 1 ORDER BY 1;
-- The failure report keeps the view's cells.
SELECT contactsync_failure_report(1);
SELECT * FROM contactsync_failures_1;

-- A materialised view.
CREATE MATERIALIZED VIEW imp.mv AS SELECT 'U' || repeat('3', 32) AS line_uid, 'mat' AS name;
SELECT created FROM contactsync_import('imp.mv', 'line_uid');

-- A temp table shadowing a real one of the same name: the temp one is read,
-- as the regclass input resolves it.
CREATE TABLE public.shadow (line_uid text, name text);
INSERT INTO public.shadow VALUES ('U' || repeat('4', 32), 'real table');
CREATE TEMP TABLE shadow (line_uid text, name text);
INSERT INTO shadow VALUES ('U' || repeat('5', 32), 'temp table');
SELECT created FROM contactsync_import('shadow', 'line_uid');
SELECT staging FROM contactsync_import_batch ORDER BY id DESC LIMIT 1;
SELECT created FROM contactsync_import('public.shadow', 'line_uid');
SELECT line_uid, name FROM contactsync_contact WHERE name LIKE '%table' ORDER BY 1;

-- SQL-looking, quoted, mixed-case names of tables and columns are quoted.
CREATE TABLE imp."x""; DROP TABLE imp.raw; --" ("LINE_UID" text, "Name" text, "x""; DROP TABLE imp.raw; --" text);
INSERT INTO imp."x""; DROP TABLE imp.raw; --" VALUES ('U' || repeat('6', 32), 'quoted', 'junk');
SELECT created FROM contactsync_import('imp."x""; DROP TABLE imp.raw; --"', 'line_uid');
SELECT staging, column_warnings FROM contactsync_import_batch ORDER BY id DESC LIMIT 1;
SELECT count(*) AS raw_still_there FROM imp.raw;
-- A 63-byte table name and column name.
CREATE TABLE imp.t23456789012345678901234567890123456789012345678901234567890123 (line_uid text, c2345678901234567890123456789012345678901234567890123456789012 text);
INSERT INTO imp.t23456789012345678901234567890123456789012345678901234567890123 VALUES ('U' || repeat('7', 32), 'x');
SELECT created FROM contactsync_import('imp.t23456789012345678901234567890123456789012345678901234567890123', 'line_uid');
SELECT staging, column_warnings FROM contactsync_import_batch ORDER BY id DESC LIMIT 1;

-- A staging table of 1,599 columns (PostgreSQL allows 1,600; the report adds
-- error): the unknown ones are column warnings; a failed row's report keeps
-- all of them.
SELECT format('CREATE TABLE imp.wide (line_uid text, %s)',
              string_agg(format('c%s text', g), ', ' ORDER BY g)) AS ddl
  FROM generate_series(2, 1599) g \gset
:ddl;
INSERT INTO imp.wide (line_uid, c2, c1599) VALUES ('U' || repeat('8', 32), 'a', 'z'), ('bad', 'b', 'y');
SELECT created, failed FROM contactsync_import('imp.wide', 'line_uid');
SELECT cardinality(column_warnings) AS warnings FROM contactsync_import_batch ORDER BY id DESC LIMIT 1;
SELECT contactsync_failure_report((SELECT max(id) FROM contactsync_import_batch)) AS report \gset
SELECT line_uid, c2, c1599, error FROM :report;

-- Typed columns are read as text through their output functions, with
-- DateStyle ISO whatever the session's: a date column imports under
-- DateStyle 'SQL, DMY' (which would print 31/12/1999), and the session's
-- setting is back afterwards.
CREATE TABLE imp.typed (line_uid text, birthday date, name varchar(20));
INSERT INTO imp.typed VALUES ('U' || repeat('9', 32), '1999-12-31', 'typed');
SET datestyle = 'SQL, DMY';
SELECT created, failed FROM contactsync_import('imp.typed', 'line_uid');
SHOW datestyle;
RESET datestyle;
SELECT birthday, name FROM contactsync_contact WHERE line_uid = 'U' || repeat('9', 32);

-- Every cell NULL: every row fails missing_key, nothing is created.
CREATE TABLE imp.nulls (line_uid text, name text);
INSERT INTO imp.nulls SELECT NULL, NULL FROM generate_series(1, 5);
SELECT rows, created, failed FROM contactsync_import('imp.nulls', 'line_uid');
-- No rows at all.
CREATE TABLE imp.empty (line_uid text);
SELECT rows, created, failed FROM contactsync_import('imp.empty', 'line_uid');
-- A dropped staging table is a clean error.
SELECT 'imp.empty'::regclass::oid AS empty_oid \gset
DROP TABLE imp.empty;
\set VERBOSITY sqlstate
SELECT * FROM contactsync_import(:empty_oid::oid::regclass, 'line_uid');
\set VERBOSITY default

SET client_min_messages = warning;
DROP SCHEMA imp CASCADE;
DROP TABLE public.shadow;
RESET client_min_messages;
