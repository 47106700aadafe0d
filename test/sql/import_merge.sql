-- contactsync_import: the merge rules of SPEC §3.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

CREATE TEMP TABLE s (line_uid text, customer_id text, name text, note text, email text, phone text, tags text, gender text);
INSERT INTO s VALUES ('U' || repeat('1', 32), 'C1', 'Ann', 'first', 'ann@example.com', '0912000001', 'vip, new', 'female');
SELECT created FROM contactsync_import('s', 'line_uid', platform_name => 'Shop OA');
SELECT name, note, email, phone, tags, gender, platform_name FROM contactsync_contact;

-- Rule: blank cells never overwrite.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), NULL, '', '  ', NULL, NULL, NULL, NULL);
SELECT updated, unchanged FROM contactsync_import('s', 'line_uid');
SELECT name, note, email, phone, tags, gender FROM contactsync_contact;

-- Rule: an update that changes nothing writes nothing (same row version) and is unchanged.
CREATE TEMP TABLE version AS SELECT xmin::text AS x FROM contactsync_contact;
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), 'C1', 'Ann', 'first', 'ANN@example.com', '+886912000001', 'new', 'FEMALE');
SELECT updated, unchanged FROM contactsync_import('s', 'line_uid');
SELECT (SELECT x FROM version) = xmin::text AS same_row_version FROM contactsync_contact;

-- Rule: a filled cell overwrites (overwrite => true, the default); tags merge.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), NULL, 'Annie', NULL, 'annie@example.com', NULL, 'gold, vip', NULL);
SELECT updated FROM contactsync_import('s', 'line_uid');
SELECT name, email, tags FROM contactsync_contact;

-- Rule: overwrite => false writes only where the stored field is empty; tags still merge.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), 'C2', 'Anna', 'second', NULL, NULL, 'silver', NULL);
UPDATE contactsync_contact SET note = NULL;
SELECT updated FROM contactsync_import('s', 'line_uid', overwrite => false);
SELECT customer_id, name, note, tags FROM contactsync_contact;

-- Rule: tags_mode => 'replace' replaces tags; add_tags goes to every created or updated contact.
SELECT updated FROM contactsync_import('s', 'line_uid', tags_mode => 'replace', add_tags => ARRAY['imported', 'silver']);
SELECT tags FROM contactsync_contact;
-- add_tags follows the tag rules of a cell: split on commas, trimmed, empty
-- and NULL ones dropped, each tag once (here only 'crm' and 'q4' are new).
SELECT updated FROM contactsync_import('s', 'line_uid', add_tags => ARRAY[' crm ', '', NULL, 'silver', 'crm', 'q4, ,silver']);
SELECT tags FROM contactsync_contact;
-- None left: nothing is added, and the row changes nothing.
SELECT updated, unchanged FROM contactsync_import('s', 'line_uid', add_tags => ARRAY[' ', NULL, ',']);
-- A blank tags cell with replace keeps the stored tags (blanks never overwrite).
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), NULL, 'Anna', NULL, NULL, NULL, NULL, NULL);
SELECT updated, unchanged FROM contactsync_import('s', 'line_uid', tags_mode => 'replace');
SELECT tags FROM contactsync_contact;
-- So does a cell of only commas and white space: no tag is left, so it is blank.
UPDATE s SET tags = ' , ,';
SELECT updated, unchanged FROM contactsync_import('s', 'line_uid', tags_mode => 'replace');
SELECT tags FROM contactsync_contact;
-- Tags are case-sensitive and de-duplicated exactly.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), NULL, NULL, NULL, NULL, NULL, 'VIP, vip,  VIP , ', NULL);
SELECT updated FROM contactsync_import('s', 'line_uid');
SELECT tags FROM contactsync_contact;

-- Rule: the channel primary key never changes; the rest of the row applies,
-- with the warning primary_key_not_updated.  A line contact's phone and email update.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('9', 32), 'C2', 'Anna K', NULL, 'k@example.com', '0912000009', NULL, NULL);
SELECT updated FROM contactsync_import('s', 'customer_id');
SELECT status, warnings, message FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
SELECT line_uid, name, email, phone FROM contactsync_contact;
-- Only an ignored primary-key change: unchanged, with the warning.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('8', 32), 'C2', NULL, NULL, NULL, NULL, NULL, NULL);
SELECT updated, unchanged FROM contactsync_import('s', 'customer_id');
SELECT status, warnings FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);

-- Rule: email status is irreversible: unsubscribed, hard_bounce and
-- spam_report never go back to subscribed; other fields still apply.
CREATE TEMP TABLE e (email text, messaging_status text, name text);
INSERT INTO e VALUES ('u@example.com', 'unsubscribed', 'U'), ('h@example.com', 'hard_bounce', 'H'),
                     ('p@example.com', 'spam_report', 'P'), ('s@example.com', 'subscribed', 'S');
SELECT created FROM contactsync_import('e', 'email');
UPDATE e SET messaging_status = 'subscribed', name = lower(name);
UPDATE e SET messaging_status = 'unsubscribed' WHERE email = 's@example.com';
SELECT updated FROM contactsync_import('e', 'email');
SELECT row_number, status, warnings FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch) ORDER BY 1;
SELECT email, messaging_status, name FROM contactsync_contact WHERE channel = 'email' ORDER BY email;
-- Only the refused status change: unchanged, with status_not_reversed.
UPDATE e SET messaging_status = 'subscribed', name = NULL WHERE email = 'u@example.com';
DELETE FROM e WHERE email <> 'u@example.com';
SELECT updated, unchanged FROM contactsync_import('e', 'email');
SELECT status, warnings FROM contactsync_import_results WHERE batch_id = (SELECT max(id) FROM contactsync_import_batch);
-- Moving between the other statuses is allowed.
UPDATE e SET messaging_status = 'hard_bounce';
SELECT updated FROM contactsync_import('e', 'email');
SELECT messaging_status FROM contactsync_contact WHERE email = 'u@example.com' AND channel = 'email';

-- platform_name goes on created contacts, and on updated ones whose platform_name is empty.
SELECT platform_name FROM contactsync_contact WHERE line_uid = 'U' || repeat('1', 32);
SELECT updated FROM contactsync_import('e', 'email', platform_name => 'Mail');
SELECT email, platform_name FROM contactsync_contact WHERE channel = 'email' ORDER BY email;
RESET contactsync.default_region;

-- The tag union the merge runs (contactsync_tags_union): the arrays in
-- order, each tag where it first occurs, exact and case-sensitive; NULL
-- arrays count as empty and the result is never NULL.
SELECT contactsync_tags_union(ARRAY['vip', 'new'], ARRAY['New', 'vip', 'gold'], ARRAY['gold', 'x']) AS merged,
       contactsync_tags_union(NULL, ARRAY['a', 'a'], NULL) AS one_array,
       contactsync_tags_union(NULL, NULL, NULL) AS none,
       contactsync_tags_union('{}', '{}', '{}') AS empty,
       contactsync_tags_union(ARRAY['a', NULL], ARRAY[NULL, 'b'], NULL) AS null_tags_kept_once;
-- Past 16 tags repeats are found through a hash table: the same result as
-- the SQL definition of the rule.
SELECT contactsync_tags_union(a, b, c) = ARRAY(SELECT u.t FROM unnest(a || b || c) WITH ORDINALITY AS u(t, o)
                                              GROUP BY u.t ORDER BY min(u.o)) AS same_as_sql,
       cardinality(contactsync_tags_union(a, b, c)) AS tags
  FROM (SELECT ARRAY(SELECT 't' || (g % 30) FROM generate_series(1, 50) g) AS a,
               ARRAY(SELECT 't' || (g % 45) FROM generate_series(1, 60) g) AS b,
               ARRAY(SELECT 'T' || (g % 7) FROM generate_series(1, 20) g) AS c) s;
