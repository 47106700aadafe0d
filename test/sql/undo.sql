-- contactsync_undo (SPEC §3): created contacts deleted, updated ones
-- restored (every field, tags and custom values), contacts changed since
-- kept and reported, unification recomputed; twice or a dry run is misuse.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

SELECT identifier FROM contactsync_define_field('level', 'text');
CREATE TEMP TABLE s (line_uid text, name text, email text, tags text, customer_id text, gender text, cl_custom_level text);
INSERT INTO s VALUES ('U' || repeat('1', 32), 'Ann', 'ann@example.com', 'vip', 'C1', 'female', 'gold'),
                     ('U' || repeat('2', 32), 'Bob', NULL, NULL, 'C2', NULL, NULL);
SELECT batch_id, created FROM contactsync_import('s', 'line_uid');
CREATE TEMP TABLE after_1 AS SELECT * FROM contactsync_contact;

-- Batch 2: updates Ann (every kind of field) and creates Cy.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('1', 32), 'Ann B', 'ann.b@example.com', 'new', NULL, 'unknown', 'silver'),
                     ('U' || repeat('3', 32), 'Cy', 'ann.b@example.com', NULL, NULL, NULL, NULL);
SELECT batch_id, created, updated FROM contactsync_import('s', 'line_uid');
SELECT id, name, email, tags, gender, custom, unified_contact_id FROM contactsync_contact ORDER BY id;

-- Undo batch 2: Cy deleted, Ann back to exactly what batch 1 left.
SELECT * FROM contactsync_undo(2);
SELECT id, name, email, tags, gender, custom, unified_contact_id FROM contactsync_contact ORDER BY id;
SELECT count(*) AS differences FROM (
  (SELECT * FROM contactsync_contact EXCEPT SELECT * FROM after_1)
  UNION ALL (SELECT * FROM after_1 EXCEPT SELECT * FROM contactsync_contact)) d;
SELECT status, undone_at IS NOT NULL AS undone, params -> 'undo' AS undo FROM contactsync_import_batch WHERE id = 2;

-- Undoing twice, a dry run, or an unknown batch is misuse.
SELECT * FROM contactsync_undo(2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT batch_id FROM contactsync_import('s', 'line_uid', dry_run => true);
SELECT * FROM contactsync_undo(3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM contactsync_undo(99);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- A contact changed again since the batch is kept and reported with the
-- batch that changed it; the rest of the batch is undone.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('4', 32), 'Dee', NULL, NULL, NULL, NULL, NULL),
                     ('U' || repeat('5', 32), 'Eve', NULL, NULL, NULL, NULL, NULL);
SELECT batch_id, created FROM contactsync_import('s', 'line_uid');
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('4', 32), 'Dee (later)', NULL, NULL, NULL, NULL, NULL);
SELECT batch_id, updated FROM contactsync_import('s', 'line_uid');
SET client_min_messages = notice;
SELECT * FROM contactsync_undo(4);
SET client_min_messages = warning;
SELECT line_uid, name FROM contactsync_contact WHERE line_uid IN ('U' || repeat('4', 32), 'U' || repeat('5', 32));
-- A change outside imports (updated_at moved) keeps the contact too.
UPDATE contactsync_contact SET note = 'by hand', updated_at = now() + interval '1 second' WHERE line_uid = 'U' || repeat('4', 32);
SELECT * FROM contactsync_undo(5);
SELECT line_uid, name, note FROM contactsync_contact WHERE line_uid = 'U' || repeat('4', 32);

-- Undo recomputes unification: a contact whose group-mate the undo deletes is
-- its own person again.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('6', 32), 'Fay', 'fay@example.com', NULL, NULL, NULL, NULL);
SELECT created FROM contactsync_import('s', 'line_uid');
CREATE TEMP TABLE e (email text, messaging_status text);
INSERT INTO e VALUES ('fay@example.com', 'subscribed');
SELECT batch_id, created FROM contactsync_import('e', 'email');
SELECT channel, unified_contact_id = (SELECT min(id) FROM contactsync_contact WHERE email = 'fay@example.com') AS grouped
  FROM contactsync_contact WHERE email = 'fay@example.com' ORDER BY channel;
SELECT * FROM contactsync_undo((SELECT max(id) FROM contactsync_import_batch));
SELECT channel, unified_contact_id = id AS own_person FROM contactsync_contact WHERE email = 'fay@example.com';

-- Undoing the import of a contact that linked two customer_id groups (a
-- bridge: SPEC §4's second conflict shape) clears the conflict: the members
-- of the other groups are regrouped too, and the result equals a full run.
CREATE TEMP TABLE bridge_line (line_uid text, email text, phone text, customer_id text);
INSERT INTO bridge_line VALUES ('U' || repeat('b', 32), 'bridge@example.com', NULL, 'Q1'),
                               ('U' || repeat('c', 32), NULL, '+886912121212', 'Q2');
SELECT created, conflicts FROM contactsync_import('bridge_line', 'line_uid', workspace => 'undo_bridge');
CREATE TEMP TABLE bridge_email (email text, messaging_status text, mobile text);
INSERT INTO bridge_email VALUES ('bridge@example.com', 'subscribed', '+886912121212');
SELECT batch_id AS bridge_batch, created, conflicts
  FROM contactsync_import('bridge_email', 'email', workspace => 'undo_bridge') \gset
SELECT count(*) AS in_conflict_before_undo FROM contactsync_conflicts WHERE workspace = 'undo_bridge';
SELECT deleted FROM contactsync_undo(:bridge_batch);
SELECT count(*) AS in_conflict_after_undo FROM contactsync_conflicts WHERE workspace = 'undo_bridge';
SELECT count(*) AS conflict_export_rows FROM contactsync_export('conflict', NULL, 'undo_bridge');
SELECT conflicts FROM contactsync_unify('undo_bridge');

-- previous holds what the update changed (and updated_at), no other field:
-- batch 2 changed Ann's name, email, tags, gender and custom value.
SELECT row_number, ARRAY(SELECT pg_catalog.jsonb_object_keys(previous) ORDER BY 1) AS previous_keys
  FROM contactsync_import_row WHERE batch_id = 2 AND status = 'updated' ORDER BY 1;

-- A batch recorded by version 0.1.0 holds every field in previous; undo
-- restores it just the same.
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('7', 32), 'Gil', 'gil@example.com', 'a', 'C7', 'male', 'gold');
SELECT created FROM contactsync_import('s', 'line_uid');
CREATE TEMP TABLE gil_before AS SELECT * FROM contactsync_contact WHERE line_uid = 'U' || repeat('7', 32);
TRUNCATE s;
INSERT INTO s VALUES ('U' || repeat('7', 32), 'Gil B', NULL, 'b', NULL, 'unknown', 'silver');
SELECT batch_id AS gil_batch FROM contactsync_import('s', 'line_uid') \gset
-- (0.1.0 kept every row in one table, with the whole contact.)
INSERT INTO contactsync_import_row_single (workspace, batch_id, row_number, status, contact_id, message, previous)
SELECT s.workspace, s.batch_id, u.row_number, s.status, u.contact_id, 'updated contact ' || u.contact_id,
       (SELECT pg_catalog.to_jsonb(g) FROM gil_before g)
  FROM contactsync_import_row_set s, ROWS FROM (unnest(s.row_numbers), unnest(s.contact_ids)) AS u(row_number, contact_id)
 WHERE s.batch_id = :gil_batch AND s.status = 'updated';
DELETE FROM contactsync_import_row_set WHERE batch_id = :gil_batch;
SELECT restored FROM contactsync_undo(:gil_batch);
SELECT count(*) AS differences FROM (
  (SELECT * FROM contactsync_contact WHERE line_uid = 'U' || repeat('7', 32) EXCEPT SELECT * FROM gil_before)
  UNION ALL (SELECT * FROM gil_before EXCEPT SELECT * FROM contactsync_contact WHERE line_uid = 'U' || repeat('7', 32))) d;
RESET contactsync.default_region;
