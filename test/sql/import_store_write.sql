-- How an import writes its new contacts.  They are written as COPY writes
-- rows (table_multi_insert, then each row's index entries: src/bulk.c),
-- unless the store needs the executor's INSERT: a trigger, row-level
-- security or missing table privileges.  Either way a new contact is the
-- row an INSERT writes (defaults, the generated external_member_id,
-- constraints, every index entry), and the store's own rules hold.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql
CREATE EXTENSION IF NOT EXISTS amcheck;

CREATE TABLE write_staging (line_uid text, phone text, email text, customer_id text, name text, tags text);
INSERT INTO write_staging
SELECT 'U' || md5(i::text),
       CASE WHEN i % 3 = 0 THEN '0912-' || lpad(i::text, 6, '0') END,
       CASE WHEN i % 2 = 0 THEN 'Person' || i || '@Example.com' END,
       CASE WHEN i % 10 = 0 THEN 'C' || (i / 20) END,
       'Name ' || i,
       CASE WHEN i % 4 = 0 THEN 'vip,new' END
  FROM generate_series(1, 2500) AS i;
-- two bad rows: they fail and are not written
INSERT INTO write_staging VALUES ('bad uid', NULL, NULL, NULL, 'Bad', NULL), (NULL, NULL, NULL, NULL, 'No key', NULL);

-- With no trigger, no row-level security and INSERT on the store, the
-- creates are written in bulk (a DEBUG1 line says which way; the TAP test
-- t/004_store_write.pl reads it).
BEGIN;
SELECT now() AS started \gset
CREATE TEMP TABLE way_a AS SELECT * FROM contactsync_import('write_staging', 'line_uid', workspace => 'a', add_tags => ARRAY['imported']);
SELECT created, failed FROM way_a;
-- defaults: created_at and updated_at are the transaction's time; the
-- generated channel key is line_uid; tags merged with add_tags
SELECT count(*) AS contacts,
       bool_and(created_at = :'started'::timestamptz AND updated_at = created_at) AS timestamps_are_defaults,
       bool_and(external_member_id = line_uid) AS channel_key_generated,
       bool_and(NOT unify_split AND fb_id IS NULL AND ig_id IS NULL AND custom = '{}') AS other_defaults,
       bool_and('imported' = ANY (tags)) AS add_tags_applied
  FROM contactsync_contact WHERE workspace = 'a';
COMMIT;

-- Rule: every contact has an entry in every index of the store (amcheck
-- checks that each index holds every heap tuple, and raises an error if
-- one does not; the view checks every B-tree of the store).
CREATE TEMP VIEW btrees_checked AS
SELECT count(*) AS indexes_checked
  FROM (SELECT bt_index_check(i.indexrelid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = 'contactsync_contact'::regclass
           AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')) AS s;
SELECT * FROM btrees_checked;
-- and the indexes find them
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS found_by_email FROM contactsync_contact WHERE workspace = 'a' AND email = 'person2@example.com';
SELECT count(*) AS found_by_phone FROM contactsync_contact WHERE workspace = 'a' AND phone = '+886912000003';
SELECT count(*) AS found_by_customer_id FROM contactsync_contact WHERE workspace = 'a' AND customer_id = 'C1';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Rule: a trigger on the store is honoured: the creates are written by an
-- INSERT, which fires it once per new contact (the trigger runs under the
-- import's search_path, pg_catalog and pg_temp, so it names its schema).
CREATE TABLE seen_by_trigger (id bigint);
CREATE FUNCTION note_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.seen_by_trigger VALUES (NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER note_insert AFTER INSERT ON contactsync_contact FOR EACH ROW EXECUTE FUNCTION note_insert();
CREATE TEMP TABLE way_b AS SELECT * FROM contactsync_import('write_staging', 'line_uid', workspace => 'b', add_tags => ARRAY['imported']);
SELECT (SELECT count(*) FROM seen_by_trigger) AS trigger_fired,
       (SELECT created FROM way_b) AS created;
DROP TRIGGER note_insert ON contactsync_contact;

-- Rule: both ways write the same contacts (ids aside: each batch's ids
-- follow its rows, and each contact is its own person or joins the same
-- row's contact).
CREATE TEMP VIEW written AS
SELECT c.workspace, r.row_number, c.channel, c.platform_name, c.line_uid, c.email, c.phone, c.whatsapp_mobile,
       c.customer_id, c.name, c.note, c.gender, c.birthday, c.tags, c.messaging_status, c.consent_source,
       c.consent_at, c.custom, c.unify_split, c.external_member_id,
       (SELECT r2.row_number FROM contactsync_import_results r2
         WHERE r2.batch_id = r.batch_id AND r2.contact_id = c.unified_contact_id) AS person_row
  FROM contactsync_import_results r JOIN contactsync_contact c ON c.id = r.contact_id
 WHERE r.status = 'created';
SELECT count(*) AS rows_a,
       count(*) FILTER (WHERE person_row IS NOT NULL) AS persons_found
  FROM written WHERE workspace = 'a';
-- (rows that are the same in both workspaces pair up; any other is alone)
SELECT row_number, channel, platform_name, line_uid, email, phone, whatsapp_mobile, customer_id, name, note,
       gender, birthday, tags, messaging_status, consent_source, consent_at, custom, unify_split,
       external_member_id, person_row, count(*) AS workspaces
  FROM written WHERE workspace IN ('a', 'b')
 GROUP BY row_number, channel, platform_name, line_uid, email, phone, whatsapp_mobile, customer_id, name, note,
          gender, birthday, tags, messaging_status, consent_source, consent_at, custom, unify_split,
          external_member_id, person_row
HAVING count(*) <> 2;

-- Rule: changed contacts are updated as an UPDATE updates them: written in
-- bulk (src/bulk.c: each row's new version, then its index entries in key
-- order) with no trigger on the store, by the executor's UPDATE with one,
-- which fires it; both ways leave the same contacts, and every index
-- holds every new version.
CREATE TABLE update_staging AS
  SELECT line_uid, 'Renamed ' || name AS name,
         CASE WHEN email IS NULL THEN 'Added' || substr(line_uid, 2, 6) || '@Example.com' END AS email,
         'later' AS tags
    FROM write_staging WHERE line_uid LIKE 'U%' AND right(name, 1) IN ('1', '4');
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'upd_bulk');
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'upd_stmt');
SELECT updated, unchanged FROM contactsync_import('update_staging', 'line_uid', workspace => 'upd_bulk');
CREATE TRIGGER note_update AFTER UPDATE ON contactsync_contact FOR EACH ROW EXECUTE FUNCTION note_insert();
TRUNCATE seen_by_trigger;
SELECT updated, unchanged FROM contactsync_import('update_staging', 'line_uid', workspace => 'upd_stmt');
SELECT count(*) AS trigger_fired FROM seen_by_trigger;
DROP TRIGGER note_update ON contactsync_contact;
-- (contacts that differ between the two workspaces, ids aside)
SELECT line_uid, name, email, tags, count(*) AS workspaces
  FROM contactsync_contact WHERE workspace IN ('upd_bulk', 'upd_stmt')
 GROUP BY line_uid, name, email, phone, customer_id, note, tags, messaging_status, custom, unify_split,
          external_member_id
HAVING count(*) <> 2;
SELECT count(*) FILTER (WHERE name LIKE 'Renamed %') AS renamed,
       count(*) FILTER (WHERE email LIKE 'added%') AS emails_added,
       count(*) FILTER (WHERE tags = '{later}' AND name LIKE 'Renamed %') AS tagged
  FROM contactsync_contact WHERE workspace = 'upd_bulk';
SELECT * FROM btrees_checked;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS found_by_new_email FROM contactsync_contact
 WHERE workspace = 'upd_bulk' AND email = 'added' || substr(md5('1'), 1, 6) || '@example.com';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE update_staging;

-- Rule: a CHECK constraint added to the store holds for rows written in
-- bulk: the import stops with the constraint's error and writes nothing.
ALTER TABLE contactsync_contact ADD CONSTRAINT no_bad_name CHECK (name IS DISTINCT FROM 'Name 7') NOT VALID;
\set VERBOSITY terse
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'c');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS contacts_in_c FROM contactsync_contact WHERE workspace = 'c';
ALTER TABLE contactsync_contact DROP CONSTRAINT no_bad_name;

-- Rule: row-level security on the store is honoured: an importing role
-- whose policy admits only workspace 'rls' cannot create contacts in
-- another (the creates go through an INSERT, which checks the policy).
DROP ROLE IF EXISTS cs_rls_importer;
CREATE ROLE cs_rls_importer;
GRANT SELECT ON write_staging TO cs_rls_importer;
\set importer cs_rls_importer
\i :abs_srcdir/sql/include/importer_grants.sql
CREATE POLICY only_rls ON contactsync_contact TO cs_rls_importer
  USING (workspace = 'rls') WITH CHECK (workspace = 'rls');
ALTER TABLE contactsync_contact ENABLE ROW LEVEL SECURITY;
SET ROLE cs_rls_importer;
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'elsewhere');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'rls');
RESET ROLE;
ALTER TABLE contactsync_contact DISABLE ROW LEVEL SECURITY;
DROP POLICY only_rls ON contactsync_contact;
SELECT workspace, count(*) AS contacts FROM contactsync_contact
 WHERE workspace IN ('elsewhere', 'rls') GROUP BY 1 ORDER BY 1;
DROP OWNED BY cs_rls_importer;
DROP ROLE cs_rls_importer;

-- Rule: the store keeps room on its pages (fillfactor 90), so an update of
-- fields no index covers (here the name) writes the new row version on its
-- page as a heap-only tuple: no new entry in any index.  Twenty contacts
-- spread over the pages of a new workspace are renamed; every one of the
-- updates is HOT (with pages filled to 100% none would be).
SELECT reloptions FROM pg_class WHERE oid = 'contactsync_contact'::regclass;
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'hot');
CREATE TABLE hot_staging AS
  SELECT line_uid, 'Renamed ' || name AS name FROM write_staging
   WHERE line_uid LIKE 'U%' AND ('x' || substr(line_uid, 2, 7))::bit(28)::int % 125 = 0;
-- (the counts the backend has not reported yet, before and after)
BEGIN;
SELECT n_tup_upd AS upd0, n_tup_hot_upd AS hot0
  FROM pg_stat_xact_user_tables WHERE relid = 'contactsync_contact'::regclass \gset
SELECT updated, unchanged FROM contactsync_import('hot_staging', 'line_uid', workspace => 'hot');
SELECT n_tup_upd - :upd0 AS updates, n_tup_hot_upd - :hot0 AS hot_updates,
       n_tup_upd - :upd0 = n_tup_hot_upd - :hot0 AS every_update_hot
  FROM pg_stat_xact_user_tables WHERE relid = 'contactsync_contact'::regclass;
COMMIT;
DROP TABLE hot_staging;

-- Rule: the new contacts' index entries are held and inserted in each
-- index's key order, in several rounds when they exceed
-- maintenance_work_mem (here 1 MB: about 2 MB of entries, so at least two
-- rounds; t/004_store_write.pl counts them); every index still holds every
-- contact, B-trees the store does not have included: descending, on an
-- expression, partial.
CREATE INDEX name_desc ON contactsync_contact (workspace, name DESC);
CREATE INDEX lower_email ON contactsync_contact (lower(email));
CREATE INDEX only_vip ON contactsync_contact (workspace, customer_id, name) WHERE 'vip' = ANY (tags);
SET maintenance_work_mem = '1MB';
SELECT created, failed FROM contactsync_import('write_staging', 'line_uid', workspace => 'rounds', add_tags => ARRAY['imported']);
RESET maintenance_work_mem;
SELECT * FROM btrees_checked;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS found_by_name_desc FROM contactsync_contact WHERE workspace = 'rounds' AND name = 'Name 2500';
SELECT count(*) AS found_by_lower_email FROM contactsync_contact WHERE lower(email) = 'person2500@example.com' AND workspace = 'rounds';
SELECT count(*) AS found_by_partial FROM contactsync_contact
 WHERE workspace = 'rounds' AND customer_id = 'C10' AND name = 'Name 200' AND 'vip' = ANY (tags);
RESET enable_seqscan;
RESET enable_bitmapscan;
-- the same contacts as those written in one round
SELECT row_number, line_uid, email, phone, customer_id, name, tags, count(*) AS workspaces
  FROM written WHERE workspace IN ('a', 'rounds')
 GROUP BY row_number, line_uid, email, phone, customer_id, name, tags
HAVING count(*) <> 2;
DROP INDEX name_desc, lower_email, only_vip;

-- Rule: a unique index the store is given holds for entries inserted in
-- key order: two new contacts with one name stop the import with the
-- index's error (23505), and nothing is written.
CREATE UNIQUE INDEX one_name ON contactsync_contact (workspace, name);
CREATE TABLE twin_staging (line_uid text, name text);
INSERT INTO twin_staging SELECT 'U' || md5('twin' || i), 'Name ' || i FROM generate_series(1, 50) AS i;
INSERT INTO twin_staging VALUES ('U' || md5('the other twin'), 'Name 7');
\set VERBOSITY terse
SELECT created FROM contactsync_import('twin_staging', 'line_uid', workspace => 'twins');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS contacts_in_twins FROM contactsync_contact WHERE workspace = 'twins';
DROP INDEX one_name;

-- Rule: in an update, the entry of a unique index for a new version that
-- keeps the stored key is inserted without a uniqueness check (the old
-- version holds that key until the transaction ends), and one whose key
-- changes is checked.  With a unique index on the email: new phones for
-- every contact (an indexed column, so none of these updates
-- is heap-only) keep every email, and every index holds every new version;
-- a row filling a blank email with another contact's stops the import with
-- the index's error (23505), and nothing is written.
CREATE UNIQUE INDEX one_email ON contactsync_contact (workspace, email);
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'uniq');
CREATE TABLE rephone_staging AS
  SELECT line_uid, '+8869' || lpad((row_number() OVER (ORDER BY line_uid))::text, 8, '0') AS phone
    FROM write_staging WHERE line_uid LIKE 'U%';
SELECT updated, unchanged, failed FROM contactsync_import('rephone_staging', 'line_uid', workspace => 'uniq');
SELECT * FROM btrees_checked;
SELECT count(*) FILTER (WHERE phone LIKE '+8869%') AS new_phones, count(*) AS contacts,
       count(DISTINCT email) AS emails
  FROM contactsync_contact WHERE workspace = 'uniq';
CREATE TABLE steal_staging AS
  SELECT (SELECT line_uid FROM contactsync_contact WHERE workspace = 'uniq' AND email IS NULL ORDER BY id LIMIT 1) AS line_uid,
         (SELECT email FROM contactsync_contact WHERE workspace = 'uniq' AND email IS NOT NULL ORDER BY id LIMIT 1) AS email;
\set VERBOSITY terse
SELECT updated FROM contactsync_import('steal_staging', 'line_uid', workspace => 'uniq');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS holders_of_the_email FROM contactsync_contact c JOIN steal_staging s USING (email)
 WHERE c.workspace = 'uniq';
DROP INDEX one_email;
DROP TABLE rephone_staging, steal_staging;

-- Rule: with an index that is not a B-tree (GIN on the tags), every row's
-- entries go in as the row is written, and that index finds the contacts.
CREATE INDEX tags_gin ON contactsync_contact USING gin (tags);
SELECT created FROM contactsync_import('write_staging', 'line_uid', workspace => 'gin');
SET enable_seqscan = off;
SELECT count(*) AS found_by_gin FROM contactsync_contact WHERE workspace = 'gin' AND tags @> ARRAY['vip'];
RESET enable_seqscan;
SELECT * FROM btrees_checked;
DROP INDEX tags_gin;
DROP TABLE twin_staging;

DROP VIEW written, btrees_checked;
DROP TABLE write_staging, seen_by_trigger;
DROP FUNCTION note_insert();
DROP EXTENSION amcheck;
