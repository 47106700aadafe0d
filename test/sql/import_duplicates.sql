-- contactsync_import: duplicate keys in the file (on_duplicate), several
-- stored matches (on_ambiguous), and customer_id creation (SPEC §3).
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

-- on_duplicate => 'error' (default): every row of a repeated normalised key fails.
CREATE TEMP TABLE d (email text, messaging_status text, name text);
INSERT INTO d VALUES ('a@example.com', 'subscribed', 'first'), ('b@example.com', 'subscribed', 'b'),
                     ('A@EXAMPLE.COM ', 'subscribed', 'second'), ('ａ@example.com', 'subscribed', 'third');
SELECT created, failed FROM contactsync_import('d', 'email');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = 1 ORDER BY 1;
-- on_duplicate => 'last': the last row wins, earlier ones are skipped (superseded).
SELECT created, skipped FROM contactsync_import('d', 'email', on_duplicate => 'last');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = 2 ORDER BY 1;
SELECT email, name FROM contactsync_contact ORDER BY email;

-- Phones are judged in E.164: three forms of one number are duplicates.
CREATE TEMP TABLE p (phone text, name text);
INSERT INTO p VALUES ('0912-345-678', 'x'), ('+886 912 345 678', 'y'), ('０９１２３４５６７８', 'z');
SELECT created, failed FROM contactsync_import('p', 'phone', channel => 'sms');
SELECT row_number, codes FROM contactsync_import_results WHERE batch_id = 3 ORDER BY 1;

-- A repeated key is flagged on every row that carries it, also on a row
-- that fails for another reason (it keeps its own codes too), so no value of
-- a file with the key twice is written.
CREATE TEMP TABLE di (email text, messaging_status text, name text);
INSERT INTO di VALUES ('dup@example.com', 'subscribed', 'first'), ('DUP@example.com', 'subscribd', 'second'),
                      ('solo@example.com', 'subscribd', 'alone');
SELECT created, failed FROM contactsync_import('di', 'email', workspace => 'dup_invalid');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;
-- With 'last', the last row wins even when it fails: the earlier row is
-- superseded, not written.
SELECT created, skipped, failed FROM contactsync_import('di', 'email', workspace => 'dup_invalid', on_duplicate => 'last');
SELECT row_number, status, codes FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;
SELECT count(*) AS stored FROM contactsync_contact WHERE workspace = 'dup_invalid';
-- A skipped row (an empty whatsapp status) is not imported and repeats nothing.
CREATE TEMP TABLE dw (whatsapp_mobile text, messaging_status text, name text);
INSERT INTO dw VALUES ('+886 912 000 111', '', 'skipped'), ('0912000111', 'opted_in', 'kept');
SELECT created, skipped, failed FROM contactsync_import('dw', 'whatsapp_mobile', workspace => 'dup_invalid');
SELECT row_number, status, codes FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;

-- Several stored contacts share a key.
CREATE TEMP TABLE l (line_uid text, customer_id text, phone text, name text);
INSERT INTO l VALUES ('U' || repeat('1', 32), 'C1', '0912000001', 'older'),
                     ('U' || repeat('2', 32), 'C1', '0912000001', 'newer');
SELECT created FROM contactsync_import('l', 'line_uid');
UPDATE contactsync_contact SET created_at = '2020-01-01' WHERE line_uid = 'U' || repeat('1', 32);
CREATE TEMP TABLE u (customer_id text, note text);
INSERT INTO u VALUES ('C1', 'hello');
-- on_ambiguous => 'latest' (default): the latest created_at wins.
SELECT updated FROM contactsync_import('u', 'customer_id');
SELECT line_uid, note FROM contactsync_contact WHERE customer_id = 'C1' ORDER BY line_uid;
-- Ties go to the highest id.
UPDATE contactsync_contact SET created_at = '2020-01-01' WHERE customer_id = 'C1';
UPDATE u SET note = 'tie';
SELECT updated FROM contactsync_import('u', 'customer_id');
SELECT id, note FROM contactsync_contact WHERE customer_id = 'C1' ORDER BY id;
-- on_ambiguous => 'error': the row fails and names the candidates.
UPDATE u SET note = 'ambiguous';
SELECT updated, failed FROM contactsync_import('u', 'customer_id', on_ambiguous => 'error');
SELECT status, codes, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
-- The phone key matches the E.164 form, ambiguous too.
CREATE TEMP TABLE up (phone text, note text);
INSERT INTO up VALUES ('０９１２-０００-００１', 'by phone');
SELECT updated, failed FROM contactsync_import('up', 'phone', on_ambiguous => 'error');
SELECT codes, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);

-- customer_id never creates (not_found) ...
CREATE TEMP TABLE c (customer_id text, line_uid text, name text);
INSERT INTO c VALUES ('C7', 'U' || repeat('7', 32), 'with uid'), ('C8', NULL, 'without uid');
SELECT created, skipped FROM contactsync_import('c', 'customer_id');
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;
-- ... unless customer_id_creates, and then only with the channel's primary identifier.
SELECT created, skipped FROM contactsync_import('c', 'customer_id', customer_id_creates => true);
SELECT row_number, status, codes, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;

-- Repeated keys are first ruled out by 64-bit hashes of the keys read; a
-- hash collision only sends the import to the exact check.  With one bit
-- kept (contactsync.key_hash_bits, tests only), 40 distinct keys collide:
-- all 40 are created, none fails as a duplicate; a real repeat among them
-- still fails both of its rows.
CREATE TEMP TABLE hk (email text, messaging_status text);
INSERT INTO hk SELECT 'k' || g || '@example.com', 'subscribed' FROM generate_series(1, 40) g;
SET contactsync.key_hash_bits = 1;
SELECT created, failed FROM contactsync_import('hk', 'email', workspace => 'hashes');
INSERT INTO hk VALUES ('K7@Example.com', 'subscribed');
SELECT created, unchanged, failed FROM contactsync_import('hk', 'email', workspace => 'hashes2');
SELECT row_number, codes FROM contactsync_import_results
 WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) AND status = 'failed' ORDER BY 1;
RESET contactsync.key_hash_bits;

-- Misuse: unknown on_duplicate and on_ambiguous values.
SELECT * FROM contactsync_import('c', 'customer_id', on_duplicate => 'first');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_import('c', 'customer_id', on_ambiguous => 'oldest');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET contactsync.default_region;
