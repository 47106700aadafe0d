-- contactsync_import: channel inference and the per-channel field rules of
-- SPEC §3 (required fields, statuses, whatsapp's empty-status skip).
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
RESET client_min_messages;

-- Inference rule 1: a platform_type column whose cells all name one channel.
CREATE TEMP TABLE s1 (platform_type text, external_member_id text, name text, messaging_status text);
INSERT INTO s1 VALUES ('SMS', '0912000001', 'a', 'opted_in'), (' sms ', '0912000002', 'b', NULL), ('', '0912000003', 'c', NULL);
SELECT channel, key, rows, created, failed FROM contactsync_import('s1', 'phone');
-- ... mixed platform types do not decide: whatsapp_mobile/line_uid/email rules follow, else line.
CREATE TEMP TABLE s2 (platform_type text, line_uid text);
INSERT INTO s2 VALUES ('sms', 'U' || repeat('1', 32)), ('line', 'U' || repeat('2', 32));
SELECT channel, created FROM contactsync_import('s2', 'line_uid');
-- Rule 2: a whatsapp_mobile column means whatsapp.
CREATE TEMP TABLE s3 (whatsapp_mobile text, messaging_status text, line_uid text);
INSERT INTO s3 VALUES ('+886912000010', 'opted_in', NULL);
SELECT channel, created FROM contactsync_import('s3', 'phone');
-- Rule 3: a line_uid column means line.
CREATE TEMP TABLE s4 (line_uid text, email text, messaging_status text);
INSERT INTO s4 VALUES ('U' || repeat('3', 32), 'x@example.com', 'followed');
SELECT channel, created FROM contactsync_import('s4', 'line_uid');
-- Rule 4: email + messaging_status means email.
CREATE TEMP TABLE s5 (email text, messaging_status text);
INSERT INTO s5 VALUES ('y@example.com', 'subscribed');
SELECT channel, created FROM contactsync_import('s5', 'email');
-- Rule 5: otherwise line.
CREATE TEMP TABLE s6 (email text, customer_id text);
INSERT INTO s6 VALUES ('z@example.com', 'C9');
SELECT channel, key, created, failed FROM contactsync_import('s6', 'email');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
-- facebook and instagram cannot be imported, named or inferred.
CREATE TEMP TABLE s7 (platform_type text, external_member_id text);
INSERT INTO s7 VALUES ('facebook', 'fb1');
SELECT * FROM contactsync_import('s7', 'customer_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('s5', 'email', channel => 'instagram');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Email: email and messaging_status are required; statuses are the four.
CREATE TEMP TABLE e (email text, messaging_status text, name text);
INSERT INTO e VALUES
  ('a1@example.com', 'subscribed', 'ok'),
  ('a2@example.com', NULL, 'no status'),
  ('a3@example.com', 'opted_in', 'whatsapp status'),
  (NULL, 'subscribed', 'no email'),
  ('not-an-email', 'SPAM_REPORT', 'bad email');
SELECT created, failed FROM contactsync_import('e', 'email', channel => 'email');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY row_number;

-- WhatsApp: an empty status skips the row whatever else is wrong with it;
-- an invalid status fails it.
CREATE TEMP TABLE w (whatsapp_mobile text, messaging_status text, gender text);
INSERT INTO w VALUES
  ('+886912000020', 'Opted_In', 'FEMALE'),
  ('+886912000021', '', NULL),
  ('not a phone', '  ', 'robot'),
  ('+886912000022', 'subscribed', NULL),
  (NULL, 'opted_out', NULL);
SELECT created, skipped, failed FROM contactsync_import('w', 'whatsapp_mobile');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY row_number;
SELECT whatsapp_mobile, messaging_status, gender FROM contactsync_contact WHERE channel = 'whatsapp' ORDER BY 1;

-- SMS: phone required; statuses opted_in, opted_out.
CREATE TEMP TABLE m (phone text, messaging_status text);
INSERT INTO m VALUES ('0912 000 030', 'opted_out'), ('', 'opted_in'), ('0912000031', 'followed');
SELECT created, failed FROM contactsync_import('m', 'phone', channel => 'sms');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY row_number;

-- LINE: the key must be present on the row; line_uid format; statuses followed/blocked.
CREATE TEMP TABLE l (line_uid text, customer_id text, messaging_status text, birthday text, name text);
INSERT INTO l VALUES
  ('U' || repeat('4', 32), 'C4', 'BLOCKED', '1990-02-28', 'ok'),
  (NULL, 'C5', NULL, NULL, 'no key'),
  ('U' || repeat('A', 32), 'C6', NULL, NULL, 'upper-case uid'),
  ('U' || repeat('5', 32), 'C7', 'opted_in', '1990-02-30', repeat('n', 256));
SELECT created, failed FROM contactsync_import('l', 'line_uid');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY row_number;

SELECT channel, count(*) FROM contactsync_contact GROUP BY channel ORDER BY channel;
RESET contactsync.default_region;
DELETE FROM contactsync_contact;
