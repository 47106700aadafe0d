-- contactsync_import: the four modes (SPEC §3 mode).
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

CREATE TEMP TABLE base (line_uid text, name text);
INSERT INTO base VALUES ('U' || repeat('1', 32), 'one'), ('U' || repeat('2', 32), 'two');
SELECT created FROM contactsync_import('base', 'line_uid');

CREATE TEMP TABLE s (line_uid text, name text);
INSERT INTO s VALUES ('U' || repeat('1', 32), 'ONE'), ('U' || repeat('3', 32), 'three');

-- upsert (default): add and update.
BEGIN;
SELECT created, updated, skipped FROM contactsync_import('s', 'line_uid');
SELECT line_uid, name FROM contactsync_contact ORDER BY line_uid;
ROLLBACK;
-- insert_only: matches are skipped (already_exists).
BEGIN;
SELECT created, updated, skipped FROM contactsync_import('s', 'line_uid', mode => 'insert_only');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = 3 ORDER BY 1;
SELECT line_uid, name FROM contactsync_contact ORDER BY line_uid;
ROLLBACK;
-- update_only: non-matches are skipped (not_found).
BEGIN;
SELECT created, updated, skipped FROM contactsync_import('s', 'line_uid', mode => 'update_only');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = 4 ORDER BY 1;
SELECT line_uid, name FROM contactsync_contact ORDER BY line_uid;
ROLLBACK;
-- insert_all: no matching and no duplicate check, but a channel primary
-- key already stored or earlier in the file fails (channel_key_exists).
CREATE TEMP TABLE a (line_uid text, customer_id text, name text);
INSERT INTO a VALUES
  ('U' || repeat('1', 32), 'C1', 'stored already'),
  ('U' || repeat('4', 32), 'C4', 'new'),
  ('U' || repeat('5', 32), 'C4', 'same customer_id, still new'),
  ('U' || repeat('4', 32), 'C9', 'earlier in the file');
SELECT created, failed FROM contactsync_import('a', 'customer_id', mode => 'insert_all');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = 5 ORDER BY 1;
SELECT line_uid, customer_id, name FROM contactsync_contact ORDER BY line_uid;

-- Unknown mode is misuse.
SELECT * FROM contactsync_import('s', 'line_uid', mode => 'merge');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET contactsync.default_region;
