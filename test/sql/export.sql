-- Export (SPEC §5): scopes, columns, custom fields, CSV quoting, and the
-- round trip: an export edited and re-imported updates the same contacts.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

SELECT identifier FROM contactsync_define_field('level', 'text');
SELECT identifier FROM contactsync_define_field('points', 'number');
SELECT identifier FROM contactsync_define_field('unused', 'date');
CREATE TEMP TABLE l (line_uid text, name text, email text, phone text, tags text, note text, customer_id text,
                     messaging_status text, cl_custom_level text, cl_custom_points text);
INSERT INTO l VALUES
  ('U' || repeat('1', 32), 'Ann, "the" first', 'ann@example.com', '0912000001', 'vip,new', E'line 1\nline 2', 'C1', NULL, 'gold', '7.5'),
  ('U' || repeat('2', 32), 'Bob', NULL, NULL, NULL, NULL, 'C2', 'blocked', NULL, NULL),
  ('U' || repeat('3', 32), 'Cy', 'shared@example.com', NULL, NULL, NULL, 'C3', NULL, NULL, '-2');
SELECT created FROM contactsync_import('l', 'line_uid');
CREATE TEMP TABLE e (email text, messaging_status text, display_name text, customer_id text);
INSERT INTO e VALUES ('sub@example.com', 'subscribed', 'Sub', NULL), ('unsub@example.com', 'unsubscribed', 'Unsub', NULL),
                     ('shared@example.com', 'subscribed', 'Shared', 'C4');
SELECT created, conflicts FROM contactsync_import('e', 'email');
CREATE TEMP TABLE w (whatsapp_mobile text, messaging_status text, display_name text);
INSERT INTO w VALUES ('+886912000010', 'opted_in', 'WA in'), ('+886912000011', 'not_subscribed', 'WA not');
SELECT created FROM contactsync_import('w', 'whatsapp_mobile');
CREATE TEMP TABLE m (phone text, messaging_status text, name text);
INSERT INTO m VALUES ('0912000020', NULL, 'SMS any'), ('0912000021', 'opted_out', 'SMS out');
SELECT created FROM contactsync_import('m', 'phone', channel => 'sms');

-- Fixed columns in order; times in UTC as YYYY-MM-DD HH:MM:SS; tags comma-joined.
SELECT platform_type, external_member_id, name, email, phone, tags, customer_id, note, messaging_status, custom,
       create_time ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$' AS time_format,
       last_update_time >= create_time AS times_ordered
  FROM contactsync_export() ORDER BY platform_type, external_member_id;
-- Scopes: reachable (email subscribed, whatsapp opted_in, sms not opted_out,
-- line not blocked), not_reachable (the rest), conflict.
SELECT 'reachable' AS scope, platform_type, name FROM contactsync_export('reachable')
UNION ALL SELECT 'not_reachable', platform_type, name FROM contactsync_export('not_reachable')
UNION ALL SELECT 'conflict', platform_type, name FROM contactsync_export('conflict')
ORDER BY 1, 2, 3;
-- Custom fields: only those requested.
SELECT name, custom FROM contactsync_export('all', ARRAY['points']) WHERE custom <> '{}' ORDER BY name;
SELECT * FROM contactsync_export('all', ARRAY['nope']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_export('some');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- The view: cl_custom_ columns only for fields with a value in the result.
SELECT contactsync_export_view('all');
SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
 WHERE attrelid = 'contactsync_export_all'::regclass AND attnum > 0;
SELECT contactsync_export_view('not_reachable', ARRAY['points', 'level']);
SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
 WHERE attrelid = 'contactsync_export_not_reachable'::regclass AND attnum > 0;
-- Made again with other columns (other fields asked for), in the same
-- session: the view is dropped and created, not replaced.
SELECT contactsync_export_view('not_reachable', ARRAY['level']);
SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
 WHERE attrelid = 'contactsync_export_not_reachable'::regclass AND attnum > 0;
SELECT contactsync_export_view('not_reachable', ARRAY['points', 'level']);
-- CSV: commas, quotes and newlines in cells are quoted.
COPY (SELECT platform_type, external_member_id, name, tags, note, cl_custom_level, cl_custom_points
        FROM contactsync_export_all WHERE platform_type = 'line' ORDER BY external_member_id)
  TO STDOUT WITH (FORMAT csv, HEADER true);

-- Round trip through a CSV file with \copy in both directions (the file is
-- written under results/, where pg_regress runs), per key: unchanged rows
-- come back unchanged.
\copy (SELECT * FROM contactsync_export_all) TO 'results/export_all.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE back (platform_type text, external_member_id text, name text, email text, phone text, tags text,
                        customer_id text, note text, messaging_status text, create_time text, last_update_time text,
                        cl_custom_level text, cl_custom_points text);
\copy back FROM 'results/export_all.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE back_line AS SELECT * FROM back WHERE platform_type = 'line';
SELECT channel, key, rows, created, updated, unchanged, failed FROM contactsync_import('back_line', 'line_uid');
SELECT channel, key, rows, created, updated, unchanged, failed FROM contactsync_import('back_line', 'customer_id');
CREATE TEMP TABLE back_email AS SELECT * FROM back WHERE platform_type = 'email';
SELECT channel, key, rows, created, updated, unchanged, failed FROM contactsync_import('back_email', 'email');
CREATE TEMP TABLE back_wa AS SELECT * FROM back WHERE platform_type = 'whatsapp';
SELECT channel, key, rows, created, updated, unchanged, failed FROM contactsync_import('back_wa', 'phone');
CREATE TEMP TABLE back_sms AS SELECT * FROM back WHERE platform_type = 'sms';
SELECT channel, key, rows, created, updated, unchanged, failed FROM contactsync_import('back_sms', 'phone');
-- Edited, the export updates the same contacts (no new ones).
UPDATE back_line SET name = name || ' (edited)', cl_custom_points = '8' WHERE customer_id = 'C1';
SELECT channel, created, updated, unchanged FROM contactsync_import('back_line', 'line_uid');
SELECT count(*) AS contacts, count(*) FILTER (WHERE name LIKE '%(edited)') AS edited FROM contactsync_contact;
SELECT name, custom FROM contactsync_contact WHERE customer_id = 'C1';
RESET contactsync.default_region;
