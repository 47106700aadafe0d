-- contactsync_import: misuse fails fast with a SQLSTATE, message, detail and
-- hint (SPEC §6), before anything is read or written.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
RESET contactsync.default_region;

CREATE TEMP TABLE s (line_uid text, phone text, email text);
INSERT INTO s VALUES ('U' || repeat('1', 32), '0912345678', NULL);

-- Unknown staging table: the regclass input fails.
SELECT * FROM contactsync_import('no_such_table', 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- NULL staging table or key.
SELECT * FROM contactsync_import(NULL, 'line_uid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Unknown key; a key not allowed for the channel.
SELECT * FROM contactsync_import('s', 'name');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'line_uid', channel => 'sms');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'whatsapp_mobile', channel => 'line');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Key column missing.
SELECT * FROM contactsync_import('s', 'customer_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A whatsapp file without a status column (messaging_status, or its alias
-- status): an empty status skips a row, so the file could import nothing;
-- the source platforms refuse it, and so does the import.
CREATE TEMP TABLE wa_nostatus (whatsapp_mobile text, name text);
INSERT INTO wa_nostatus VALUES ('+886912345678', 'a');
SELECT * FROM contactsync_import('wa_nostatus', 'phone');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Unknown channel, mode, tags_mode; invalid region; empty workspace.
SELECT * FROM contactsync_import('s', 'line_uid', channel => 'telegram');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'line_uid', mode => 'sync');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'line_uid', tags_mode => 'append');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'line_uid', region => 'XX');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s', 'line_uid', workspace => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Nothing was written by any of these.
SELECT count(*) AS batches FROM contactsync_import_batch;

-- Region precedence: the argument, else the workspace's, else the setting;
-- with none, national numbers fail with phone_needs_region.
CREATE TEMP TABLE p (phone text);
INSERT INTO p VALUES ('0912345678');
SELECT failed FROM contactsync_import('p', 'phone', channel => 'sms', dry_run => true);
SELECT codes, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
SET contactsync.default_region = 'US';
SELECT failed FROM contactsync_import('p', 'phone', channel => 'sms', dry_run => true);
SELECT codes FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
SELECT default_region FROM contactsync_configure(default_region => 'tw');
SELECT created FROM contactsync_import('p', 'phone', channel => 'sms', dry_run => true);
SELECT created FROM contactsync_import('p', 'phone', channel => 'sms', region => 'us', dry_run => true);
SELECT params ->> 'region' AS region FROM contactsync_import_batch ORDER BY id;
SELECT default_region FROM contactsync_configure(default_region => '');
RESET contactsync.default_region;
