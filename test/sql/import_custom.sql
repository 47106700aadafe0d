-- contactsync_import: custom-field values (SPEC §3 "Field rules", custom
-- fields) and the timezone parameter.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

SELECT identifier FROM contactsync_define_field('level', 'text');
SELECT identifier FROM contactsync_define_field('points', 'number');
SELECT identifier FROM contactsync_define_field('joined', 'date');
SELECT identifier FROM contactsync_define_field('last_visit', 'datetime');

CREATE TEMP TABLE s (line_uid text, cl_custom_level text, cl_custom_points text, cl_custom_joined text, cl_custom_last_visit text, consent_at text);
INSERT INTO s VALUES
  ('U' || repeat('1', 32), 'gold', '+007.50', '2024-02-29', '2024-03-01 08:30:00', '2024-03-01T00:00:00'),
  ('U' || repeat('2', 32), ' silver ', '-12', NULL, NULL, NULL),
  ('U' || repeat('3', 32), NULL, '1e3', '2023-02-29', '2024-03-01 8:30', '2024-03-01'),
  ('U' || repeat('4', 32), NULL, '.5', NULL, '2024-12-31 23:59:59', '2024-12-31 23:59:59');
-- Timestamps are read in the import's timezone and stored as UTC.
SELECT created, failed FROM contactsync_import('s', 'line_uid', timezone => 'Asia/Taipei');
SELECT row_number, status, codes, message FROM contactsync_import_results ORDER BY 1;
SELECT line_uid, custom, consent_at AT TIME ZONE 'UTC' AS consent_at_utc FROM contactsync_contact ORDER BY line_uid;
-- Numbers are JSON numbers, the rest JSON strings.
SELECT jsonb_typeof(custom -> 'points') AS points_type, jsonb_typeof(custom -> 'joined') AS joined_type
  FROM contactsync_contact WHERE line_uid = 'U' || repeat('1', 32);

-- Merge: a filled cell overwrites that field's value, others stay.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), NULL, '8', NULL, NULL, NULL);
SELECT updated FROM contactsync_import('s', 'line_uid');
SELECT custom FROM contactsync_contact WHERE line_uid = 'U' || repeat('1', 32);
-- overwrite => false fills only fields without a value.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('2', 32), 'bronze', '99', '2020-01-01', NULL, NULL);
SELECT updated FROM contactsync_import('s', 'line_uid', overwrite => false);
SELECT custom FROM contactsync_contact WHERE line_uid = 'U' || repeat('2', 32);

-- Rule: a number keeps at most 1,000 digits besides leading zeros, so its
-- stored form (a "0" added before a bare fraction) is valid again: ".5"
-- and 999 more digits imports, its stored form imports again unchanged,
-- and 1,001 digits fail (invalid_number).
TRUNCATE s;
INSERT INTO s (line_uid, cl_custom_points) VALUES
  ('U' || repeat('5', 32), '.5' || repeat('9', 999)),
  ('U' || repeat('6', 32), '1' || repeat('0', 1000));
SELECT created, failed FROM contactsync_import('s', 'line_uid');
SELECT length(custom ->> 'points') AS stored_length, left(custom ->> 'points', 4) AS stored_start
  FROM contactsync_contact WHERE line_uid = 'U' || repeat('5', 32);
TRUNCATE s;
INSERT INTO s (line_uid, cl_custom_points)
  SELECT line_uid, custom ->> 'points' FROM contactsync_contact WHERE line_uid = 'U' || repeat('5', 32);
SELECT updated, unchanged, failed FROM contactsync_import('s', 'line_uid');

-- An unknown time zone is misuse.
SELECT * FROM contactsync_import('s', 'line_uid', timezone => 'Mars/Olympus');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET contactsync.default_region;
