-- contactsync_import: outcomes (SPEC §3 "Outcomes"): one status per row in
-- file order, codes and messages, the summary and its NOTICE, the results
-- and failures views, the failure report, dry runs, atomicity.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
RESET client_min_messages;

-- Rows are numbered in file order: fill the staging table with COPY.
CREATE TEMP TABLE staging (line_uid text, phone text, customer_id text, name text, email text, note text, tags text);
COPY staging FROM STDIN WITH (FORMAT csv, HEADER true);
line_uid,phone,customer_id,name,email,note,tags
U00000000000000000000000000000001,0912-345-678,C1,Ann,ann@example.com,"likes ""tea"", not coffee","vip,new"
U00000000000000000000000000000002,+886 912 000 002,C2,Bob,bob@example,,
U00000000000000000000000000000003,,C3,"Cy
Two lines",,,
not-a-uid,12345,,,,,
,0912000005,C5,No uid,,,
U00000000000000000000000000000001,,C1,Ann again,,,
\.
-- A summary row, and one NOTICE with the same counts.
SELECT * FROM contactsync_import('staging', 'line_uid');

-- contactsync_import_results: every row, one status each.
SELECT batch_id, row_number, status, contact_id, codes, message, warnings
  FROM contactsync_import_results ORDER BY batch_id, row_number;
SELECT count(*) = 6 AS one_result_per_row FROM contactsync_import_results WHERE batch_id = 1;

-- contactsync_import_failures: failed and skipped rows with their original cells.
SELECT row_number, status, codes, cells FROM contactsync_import_failures WHERE batch_id = 1 ORDER BY row_number;

-- The failure report: original columns in order plus error, as CSV.
SELECT contactsync_failure_report(1);
SELECT * FROM contactsync_failures_1;
COPY (SELECT * FROM contactsync_failures_1) TO STDOUT WITH (FORMAT csv, HEADER true);
-- Fixing the file and re-importing it: the fixed rows now import.
CREATE TEMP TABLE fixed AS SELECT line_uid, phone, customer_id, name, email, note, tags FROM contactsync_failures_1;
UPDATE fixed SET email = 'bob@example.com' WHERE customer_id = 'C2';
UPDATE fixed SET line_uid = 'U00000000000000000000000000000004', phone = '0912000004' WHERE line_uid = 'not-a-uid';
UPDATE fixed SET line_uid = 'U00000000000000000000000000000005' WHERE customer_id = 'C5';
SELECT created, updated, failed FROM contactsync_import('fixed', 'line_uid', on_duplicate => 'last');
SELECT row_number, status, codes FROM contactsync_import_results WHERE batch_id = 2 ORDER BY 1;
-- The batch records parameters, counts and timing.
SELECT id, staging, staging_columns, channel, key, dry_run, rows, created, updated, unchanged, skipped, failed,
       params ->> 'mode' AS mode, finished_at >= started_at AS timed
  FROM contactsync_import_batch ORDER BY id;

-- Dry run: every row classified and recorded, no contact changed.
CREATE TEMP TABLE before AS SELECT * FROM contactsync_contact;
TRUNCATE staging;
INSERT INTO staging VALUES ('U00000000000000000000000000000001', NULL, NULL, 'Ann (dry)', NULL, NULL, NULL),
                           ('U00000000000000000000000000000009', NULL, NULL, 'New (dry)', NULL, NULL, NULL),
                           ('bad', NULL, NULL, NULL, NULL, NULL, NULL);
SELECT batch_id, created, updated, failed FROM contactsync_import('staging', 'line_uid', dry_run => true);
SELECT row_number, status, contact_id, message FROM contactsync_import_results WHERE batch_id = 3 ORDER BY 1;
SELECT dry_run FROM contactsync_import_batch WHERE id = 3;
SELECT count(*) AS changed_contacts FROM (
  (SELECT * FROM contactsync_contact EXCEPT SELECT * FROM before)
  UNION ALL (SELECT * FROM before EXCEPT SELECT * FROM contactsync_contact)) d;

-- Plain outcomes are stored in sets: rows created, updated or unchanged
-- without a code or warning, in sets of up to 1,000 row numbers with their
-- contacts (contactsync_import_row_set); every other row has a row of its own
-- (contactsync_import_row_single).
-- contactsync_import_results lists both alike, one row per staging row.
CREATE TEMP TABLE plain AS
SELECT 'U' || pg_catalog.md5('plain' || g) AS line_uid, 'P' || g AS name,
       CASE WHEN g % 500 = 0 THEN 'not-an-email' END AS email
  FROM pg_catalog.generate_series(1, 2500) g;
SELECT batch_id AS plain_new, created, failed FROM contactsync_import('plain', 'line_uid') \gset
-- The same file again, row 7 renamed (a new table keeps the row order).
CREATE TEMP TABLE plain_again AS
SELECT line_uid, CASE WHEN name = 'P7' THEN 'P7 renamed' ELSE name END AS name, email FROM plain;
SELECT batch_id AS plain_again, updated, unchanged, failed FROM contactsync_import('plain_again', 'line_uid') \gset
SELECT batch_id, status, count(*) AS sets, sum(cardinality(row_numbers)) AS rows,
       min(first_row) AS first, max(cardinality(row_numbers)) AS largest
  FROM contactsync_import_row_set WHERE batch_id IN (:plain_new, :plain_again) GROUP BY 1, 2 ORDER BY 1, 2;
SELECT batch_id, status, count(*) AS own_rows FROM contactsync_import_row_single
 WHERE batch_id IN (:plain_new, :plain_again) GROUP BY 1, 2 ORDER BY 1, 2;
-- Every row of the file renamed: its updates in sets too, each with the
-- previous values of its rows, in row order.
CREATE TEMP TABLE plain_third AS SELECT line_uid, name || ' again' AS name, email FROM plain_again;
SELECT batch_id AS plain_third, updated, failed FROM contactsync_import('plain_third', 'line_uid') \gset
-- Each set: row numbers ascending, all of one thousand (rn / 1000), the
-- first of them as first_row, a contact per row, a previous value per
-- update (the name it replaced) and none for other statuses.
SELECT s.batch_id, s.status,
       bool_and(s.row_numbers = (SELECT array_agg(x ORDER BY x) FROM unnest(s.row_numbers) x)) AS ascending,
       bool_and((SELECT count(DISTINCT x / 1000) FROM unnest(s.row_numbers) x) = 1) AS one_thousand,
       bool_and(s.first_row = s.row_numbers[1]) AS first_row_first,
       bool_and(cardinality(s.contact_ids) = cardinality(s.row_numbers)) AS contact_per_row,
       bool_and(CASE WHEN s.status = 'updated'
                     THEN cardinality(s.previous) = cardinality(s.row_numbers)
                     ELSE s.previous IS NULL END) AS previous_per_update
  FROM contactsync_import_row_set s
 WHERE s.batch_id IN (:plain_new, :plain_again, :plain_third) GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS updates_in_sets,
       count(*) FILTER (WHERE u.previous->>'name' = CASE WHEN u.row_number = 7 THEN 'P7 renamed' ELSE 'P' || u.row_number END) AS previous_name_right,
       count(*) FILTER (WHERE c.line_uid = 'U' || pg_catalog.md5('plain' || u.row_number)) AS contact_right
  FROM contactsync_import_row_set s,
       ROWS FROM (unnest(s.row_numbers), unnest(s.contact_ids), unnest(s.previous)) AS u(row_number, contact_id, previous)
       JOIN contactsync_contact c ON c.id = u.contact_id
 WHERE s.batch_id = :plain_third;
-- The view contactsync_import_row lists every row of both, one per staging row.
SELECT batch_id, status, count(*) AS rows, count(DISTINCT row_number) AS row_numbers,
       count(*) FILTER (WHERE previous IS NOT NULL) AS with_previous, count(*) FILTER (WHERE cells IS NOT NULL) AS with_cells
  FROM contactsync_import_row WHERE batch_id IN (:plain_new, :plain_again) GROUP BY 1, 2 ORDER BY 1, 2;
-- Every staging row once, in the view, with the contact of its line_uid.
SELECT r.batch_id, count(*) AS result_rows, count(DISTINCT r.row_number) AS row_numbers,
       count(*) FILTER (WHERE r.status IN ('created', 'unchanged', 'updated')
                        AND c.line_uid IS DISTINCT FROM 'U' || pg_catalog.md5('plain' || r.row_number)) AS wrong_contact
  FROM contactsync_import_results r LEFT JOIN contactsync_contact c ON c.id = r.contact_id
 WHERE r.batch_id IN (:plain_new, :plain_again, :plain_third) GROUP BY 1 ORDER BY 1;
SELECT batch_id, row_number, status, contact_id IS NOT NULL AS has_contact, codes, message ~ '^(created contact|contact) [0-9]+( unchanged)?$' AS message_names_contact, warnings
  FROM contactsync_import_results WHERE batch_id IN (:plain_new, :plain_again) AND row_number IN (1, 7, 500, 1000, 1001, 2500)
 ORDER BY 1, 2;

-- One call is one transaction: an error rolls everything back.
SELECT count(*) AS contacts, (SELECT count(*) FROM contactsync_import_batch) AS batches FROM contactsync_contact;
BEGIN;
SELECT created FROM contactsync_import('staging', 'line_uid');
SELECT 1 / 0;
ROLLBACK;
SELECT count(*) AS contacts, (SELECT count(*) FROM contactsync_import_batch) AS batches FROM contactsync_contact;

-- Two imports in one transaction work.
BEGIN;
SELECT created FROM contactsync_import('staging', 'line_uid');
SELECT unchanged FROM contactsync_import('staging', 'line_uid');
COMMIT;
-- The failure file itself, re-imported with its error column (warned as an
-- unknown column): the next report has the same columns, its own error in
-- place of the old one, so the fix-and-re-import loop can go round again.
CREATE TEMP TABLE again AS SELECT * FROM contactsync_failures_1;
SELECT batch_id AS again_batch, failed FROM contactsync_import('again', 'line_uid', dry_run => true) \gset
SELECT :failed AS failed, column_warnings FROM contactsync_import_batch WHERE id = :again_batch;
SELECT contactsync_failure_report((SELECT max(id) FROM contactsync_import_batch)) AS report \gset
SELECT string_agg(attname, ', ' ORDER BY attnum) AS report_columns FROM pg_attribute
 WHERE attrelid = :'report'::regclass AND attnum > 0;
SELECT count(*) AS rows_again, count(*) FILTER (WHERE error IS NOT NULL) AS with_error FROM :"report";

-- An import that writes at least as many contacts as the store had at its
-- last analyze (and 1,000 or more) analyzes the store, so the next import's
-- joins are planned for the store's real size.
-- (Statistics of this file's contacts first, as many rows as they and at
-- least 1,000.)
ANALYZE contactsync_contact;
SELECT greatest(1000, reltuples::int) AS big_rows FROM pg_class WHERE oid = 'contactsync_contact'::regclass \gset
CREATE TEMP TABLE big AS SELECT 'U' || md5(g::text) AS line_uid, 'n' || g AS name FROM generate_series(1, :big_rows) g;
SELECT pg_stat_get_analyze_count('contactsync_contact'::regclass) AS analyzes_before \gset
SELECT created = :big_rows AS all_created FROM contactsync_import('big', 'line_uid', workspace => 'statistics');
SELECT pg_stat_get_analyze_count('contactsync_contact'::regclass) > :analyzes_before AS analyzed,
       reltuples >= 2 * :big_rows AS counted
  FROM pg_class WHERE oid = 'contactsync_contact'::regclass;

RESET contactsync.default_region;
