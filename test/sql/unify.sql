-- Identity unification and Customer-ID conflicts (SPEC §4).
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/fresh_store.sql

-- Rule: contacts of different channels sharing an email or a phone (in any
-- written form) are one person; UCID = the smallest contact id.
CREATE TEMP TABLE l (line_uid text, customer_id text, email text, phone text, name text);
INSERT INTO l VALUES
  ('U' || repeat('1', 32), NULL, 'Ann@Example.com', NULL, 'Ann'),
  ('U' || repeat('2', 32), NULL, NULL, '0912-000-002', 'Bob');
SELECT created, conflicts FROM contactsync_import('l', 'line_uid');
CREATE TEMP TABLE e (email text, messaging_status text, mobile text);
INSERT INTO e VALUES ('ａｎｎ＠example.com', 'subscribed', NULL), ('bob@example.com', 'subscribed', '+886 912 000 002');
SELECT created FROM contactsync_import('e', 'email');
CREATE TEMP TABLE w (whatsapp_mobile text, messaging_status text);
INSERT INTO w VALUES ('０９１２０００００２', 'opted_in');
SELECT created FROM contactsync_import('w', 'phone');
SELECT id, channel, email, phone, whatsapp_mobile, unified_contact_id FROM contactsync_contact ORDER BY id;
SELECT unified_contact_id, contacts, contact_ids, channels FROM contactsync_unified_profiles ORDER BY 1;

-- Rule: contacts with the same customer_id are one group, whatever else.
CREATE TEMP TABLE c (line_uid text, customer_id text, email text, phone text, name text);
INSERT INTO c VALUES ('U' || repeat('3', 32), 'C100', 'c100a@example.com', NULL, 'C100 a'),
                     ('U' || repeat('4', 32), 'C100', 'c100b@example.com', NULL, 'C100 b');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid');
SELECT id, customer_id, unified_contact_id FROM contactsync_contact WHERE customer_id = 'C100' ORDER BY id;
-- A contact without customer_id linked to exactly one group joins it.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('5', 32), NULL, 'c100b@example.com', '0912000005', 'joins C100');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid');
SELECT id, customer_id, unified_contact_id FROM contactsync_contact WHERE id >= 6 ORDER BY id;

-- Conflict shape 1 (direct): two customer_id groups share an email.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('6', 32), 'C200', 'shared@example.com', NULL, 'C200'),
                     ('U' || repeat('7', 32), 'C201', 'shared@example.com', NULL, 'C201');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid');
-- Conflict shape 2 (bridge): a contact without customer_id shares an email
-- with one group and a phone with another.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('8', 32), 'C300', 'c300@example.com', NULL, 'C300'),
                     ('U' || repeat('9', 32), 'C301', NULL, '0912000301', 'C301'),
                     ('U' || repeat('a', 32), NULL, 'c300@example.com', '0912000301', 'bridge');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid');
-- Conflict shape 3 (chain): contacts without customer_id linked among
-- themselves, whose ends touch two different groups.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('b', 32), 'C400', 'c400@example.com', NULL, 'C400'),
                     ('U' || repeat('c', 32), NULL, 'c400@example.com', '0912000401', 'chain 1'),
                     ('U' || repeat('d', 32), NULL, NULL, '0912000401', 'chain 2'),
                     ('U' || repeat('e', 32), NULL, 'c401@example.com', '0912000401', 'chain 3'),
                     ('U' || repeat('f', 32), 'C401', 'c401@example.com', NULL, 'C401');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid');

-- The conflict list: MAAC columns first, one row per member.
SELECT * FROM contactsync_conflicts ORDER BY conflict_id, contact_id;
-- Contacts in conflict stay their own persons.
SELECT id, name, customer_id, unified_contact_id FROM contactsync_contact WHERE id >= 8 ORDER BY id;

-- contactsync_explain: which identifier links a contact, and why it merges or not.
SELECT * FROM contactsync_explain(1);
SELECT * FROM contactsync_explain(8);
SELECT * FROM contactsync_explain(13);
SELECT * FROM contactsync_explain(9999);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Incremental equals full: after these imports, a full run changes nothing,
-- and a second full run changes no row either.
CREATE TEMP TABLE before AS SELECT id, unified_contact_id, xmin::text AS x FROM contactsync_contact;
CREATE TEMP TABLE before_conflicts AS SELECT * FROM contactsync_conflict_member;
SELECT * FROM contactsync_unify();
SELECT count(*) AS changed_rows FROM contactsync_contact c JOIN before b USING (id)
 WHERE b.x <> c.xmin::text OR b.unified_contact_id IS DISTINCT FROM c.unified_contact_id;
SELECT count(*) AS changed_conflicts FROM (
  (SELECT * FROM contactsync_conflict_member EXCEPT SELECT * FROM before_conflicts)
  UNION ALL (SELECT * FROM before_conflicts EXCEPT SELECT * FROM contactsync_conflict_member)) d;
SELECT * FROM contactsync_unify();

-- Fixing the customer_id and re-importing clears the conflict (shape 1).
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('7', 32), 'C200', NULL, NULL, NULL);
SELECT updated, conflicts FROM contactsync_import('c', 'line_uid');
SELECT id, customer_id, unified_contact_id FROM contactsync_contact WHERE id IN (9, 10) ORDER BY id;
SELECT count(*) AS conflict_rows_for_c200 FROM contactsync_conflicts WHERE contact_id IN (9, 10);

-- Split: a contact out of unification is its own person; a full run keeps it out.
SELECT unified_contact_id FROM contactsync_contact WHERE id = 3;
SELECT contactsync_split(3);
SELECT id, unify_split, unified_contact_id FROM contactsync_contact WHERE id IN (1, 3) ORDER BY id;
SELECT * FROM contactsync_unify();
SELECT id, unify_split, unified_contact_id FROM contactsync_contact WHERE id IN (1, 3) ORDER BY id;
SELECT merged, reason FROM contactsync_explain(1) WHERE linked_contact_id = 3;
-- An import row matching it with a unify-key value clears the split.
CREATE TEMP TABLE e2 (email text, messaging_status text, name text);
INSERT INTO e2 VALUES ('ann@example.com', 'subscribed', 'Ann by mail');
SELECT updated FROM contactsync_import('e2', 'email');
SELECT id, unify_split, unified_contact_id FROM contactsync_contact WHERE id IN (1, 3) ORDER BY id;
SELECT contactsync_split(424242);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- unify => false leaves new contacts without a person until the next run.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('0', 31) || '1', NULL, 'ann@example.com', NULL, 'Ann later');
SELECT created, conflicts FROM contactsync_import('c', 'line_uid', unify => false);
SELECT unified_contact_id FROM contactsync_contact WHERE line_uid = 'U' || repeat('0', 31) || '1';
SELECT unified_contacts FROM contactsync_unify();
SELECT unified_contact_id FROM contactsync_contact WHERE line_uid = 'U' || repeat('0', 31) || '1';

-- An import regroups the contacts whose change can move them to another
-- person (identifiers, customer_id, the split flag) and those never unified;
-- a rename alone is no seed.  A contact created with unify => false is
-- grouped by a later import that only renames it, and renaming grouped
-- contacts changes no unified_contact_id.
TRUNCATE c;
INSERT INTO c VALUES ('U' || repeat('0', 31) || '2', NULL, 'ann@example.com', NULL, 'Ann third');
SELECT created FROM contactsync_import('c', 'line_uid', unify => false);
UPDATE c SET name = 'Ann third, renamed';
CREATE TEMP TABLE ucid_before_rename AS SELECT id, unified_contact_id FROM contactsync_contact;
SELECT updated FROM contactsync_import('c', 'line_uid');
SELECT n.unified_contact_id = (SELECT unified_contact_id FROM contactsync_contact WHERE channel = 'email' AND email = 'ann@example.com')
       AS grouped_with_ann
  FROM contactsync_contact n WHERE n.line_uid = 'U' || repeat('0', 31) || '2';
SELECT count(*) AS other_groups_changed FROM contactsync_contact n JOIN ucid_before_rename b USING (id)
 WHERE n.line_uid IS DISTINCT FROM 'U' || repeat('0', 31) || '2' AND n.unified_contact_id IS DISTINCT FROM b.unified_contact_id;
UPDATE c SET name = 'Ann third, renamed again';
SELECT updated, conflicts FROM contactsync_import('c', 'line_uid');
SELECT unified_contacts, merged_contacts, conflicts FROM contactsync_unify();
SELECT count(*) AS groups_changed_by_full_run FROM contactsync_contact n JOIN ucid_before_rename b USING (id)
 WHERE n.line_uid IS DISTINCT FROM 'U' || repeat('0', 31) || '2' AND n.unified_contact_id IS DISTINCT FROM b.unified_contact_id;

-- Unify keys are per workspace: without email, the email links go.
SELECT unify_keys FROM contactsync_configure(unify_keys => ARRAY['phone', 'customer_id', 'line_uid', 'whatsapp_mobile']);
SELECT id, unified_contact_id FROM contactsync_contact WHERE email = 'ann@example.com' ORDER BY id;
SELECT unify_keys FROM contactsync_configure(unify_keys => ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']);
SELECT id, unified_contact_id FROM contactsync_contact WHERE email = 'ann@example.com' ORDER BY id;

-- Order independence: the same contacts inserted in three orders (forward,
-- reverse, shuffled) into three workspaces give the same groups and the same
-- conflicts, named by line_uid.
CREATE TEMP TABLE people (n int, line_uid text, customer_id text, email text, phone text);
INSERT INTO people
SELECT g, 'U' || pg_catalog.md5(g::text),
       CASE WHEN g % 9 = 0 THEN 'K' || (g % 4) END,
       'p' || (g % 40) || '@example.com',
       CASE WHEN g % 10 = 0 THEN '+8869120' || pg_catalog.lpad((g % 7)::text, 5, '0') END
  FROM pg_catalog.generate_series(1, 120) g;
-- Two customer_ids on one email component (a bridge conflict), and two that
-- share a phone directly.
INSERT INTO people VALUES (121, 'U-z1', 'Z1', 'p1@example.com', NULL), (122, 'U-z2', 'Z2', 'p1@example.com', NULL),
                          (123, 'U-z3', 'Z3', NULL, '+886912099999'), (124, 'U-z4', 'Z4', NULL, '+886912099999');
INSERT INTO contactsync_contact (workspace, channel, line_uid, customer_id, email, phone)
  SELECT 'fwd', 'line', line_uid, customer_id, email, phone FROM people ORDER BY n;
INSERT INTO contactsync_contact (workspace, channel, line_uid, customer_id, email, phone)
  SELECT 'rev', 'line', line_uid, customer_id, email, phone FROM people ORDER BY n DESC;
INSERT INTO contactsync_contact (workspace, channel, line_uid, customer_id, email, phone)
  SELECT 'shuf', 'line', line_uid, customer_id, email, phone FROM people ORDER BY pg_catalog.md5(n::text || 'x');
SELECT w.ws, u.* FROM (VALUES ('fwd'), ('rev'), ('shuf')) w(ws), LATERAL contactsync_unify(w.ws) u;
CREATE TEMP TABLE partition_by_ws AS
  SELECT workspace, pg_catalog.array_agg(line_uid ORDER BY line_uid) AS members,
         bool_or(id IN (SELECT contact_id FROM contactsync_conflict_member m WHERE m.workspace = c.workspace)) AS in_conflict
    FROM contactsync_contact c WHERE workspace IN ('fwd', 'rev', 'shuf')
   GROUP BY workspace, unified_contact_id;
SELECT count(DISTINCT (members, in_conflict)) AS distinct_groups,
       count(*) FILTER (WHERE workspace = 'fwd') AS groups_fwd,
       count(*) FILTER (WHERE workspace = 'rev') AS groups_rev,
       count(*) FILTER (WHERE workspace = 'shuf') AS groups_shuf
  FROM partition_by_ws;
-- Every group of one order is a group of the others.
SELECT count(*) AS groups_not_in_all_orders FROM (
  SELECT members, in_conflict FROM partition_by_ws GROUP BY members, in_conflict HAVING count(*) <> 3) d;
-- Incremental equals full on this data too: regrouping from every seed
-- changes nothing after a full run.
SELECT contactsync_unify('fwd') IS NOT NULL AS rerun;

-- A hash collision never joins two contacts: a full run groups values by a
-- 64-bit hash and checks every shared one against its string.  With only 3
-- bits kept, nearly every value collides with others; the groups, conflicts
-- and linked_by values stay exactly as they were.
CREATE TEMP TABLE fwd_before AS SELECT id, unified_contact_id FROM contactsync_contact WHERE workspace = 'fwd';
CREATE TEMP TABLE fwd_conflicts AS SELECT * FROM contactsync_conflict_member WHERE workspace = 'fwd';
CREATE FUNCTION pg_temp.regroup_fwd_with_collisions() RETURNS TABLE (unified_contacts bigint, merged_contacts bigint,
  conflicts bigint, groups_changed bigint, conflict_rows_changed bigint) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contactsync_contact SET unified_contact_id = NULL WHERE workspace = 'fwd';
  DELETE FROM contactsync_conflict_member WHERE workspace = 'fwd';
  SET LOCAL contactsync.unify_hash_bits = 3;
  SELECT u.* INTO unified_contacts, merged_contacts, conflicts FROM contactsync_unify('fwd') u;
  SET LOCAL contactsync.unify_hash_bits = 64;
  SELECT count(*) INTO groups_changed FROM contactsync_contact c JOIN fwd_before b USING (id)
   WHERE b.unified_contact_id IS DISTINCT FROM c.unified_contact_id;
  SELECT count(*) INTO conflict_rows_changed FROM (
    (SELECT * FROM contactsync_conflict_member WHERE workspace = 'fwd' EXCEPT SELECT * FROM fwd_conflicts)
    UNION ALL (SELECT * FROM fwd_conflicts EXCEPT SELECT * FROM contactsync_conflict_member WHERE workspace = 'fwd')) d;
  RETURN NEXT;
END $$;
-- Strings checked from the one read (they fit in maintenance_work_mem) ...
SELECT * FROM pg_temp.regroup_fwd_with_collisions();
-- ... and from a second read (a budget too small to keep them).
SET maintenance_work_mem = '1MB';
SELECT * FROM pg_temp.regroup_fwd_with_collisions();
RESET maintenance_work_mem;
-- A workspace without contacts: nothing to group.
SELECT * FROM contactsync_unify('no such workspace');

RESET contactsync.default_region;

-- An import large enough to read the whole workspace (its seeds are a
-- sixteenth of it or more) unifies its new contacts before inserting them:
-- each is written once, with its person, and no contact row is updated.
-- 1,100 Email contacts, then 1,200 LINE contacts: 1,100 share an Email
-- contact's address (written in upper case), 100 share phone numbers in
-- pairs within the file (one written nationally, one in E.164), one in ten
-- carries its Email contact's customer_id, and eleven carry another one
-- (D...), which puts them and their Email contacts in conflict.
CREATE TEMP TABLE big_email AS
SELECT 'e' || g || '@example.com' AS email, 'subscribed' AS messaging_status,
       CASE WHEN g % 10 = 0 THEN 'C' || g END AS customer_id
  FROM pg_catalog.generate_series(1, 1100) g;
CREATE TEMP TABLE big_line AS
SELECT 'U' || pg_catalog.md5('big' || g) AS line_uid,
       CASE WHEN g <= 1100 THEN 'E' || g || '@EXAMPLE.COM' END AS email,
       CASE WHEN g > 1100 AND g % 2 = 0 THEN '0912' || pg_catalog.lpad((g / 2)::text, 6, '0')
            WHEN g > 1100 THEN '+886912' || pg_catalog.lpad(((g + 1) / 2)::text, 6, '0') END AS phone,
       CASE WHEN g <= 1100 AND g % 100 = 50 THEN 'D' || g WHEN g <= 1100 AND g % 10 = 0 THEN 'C' || g END AS customer_id
  FROM pg_catalog.generate_series(1, 1200) g;
-- Every contact row written is counted by a trigger (dropped below).
CREATE TEMP TABLE big_writes (op text, id bigint);
CREATE FUNCTION pg_temp.log_big_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO big_writes VALUES (TG_OP, NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER big_writes AFTER INSERT OR UPDATE ON contactsync_contact
  FOR EACH ROW WHEN (NEW.workspace = 'big') EXECUTE FUNCTION pg_temp.log_big_write();
SELECT created, failed, conflicts FROM contactsync_import('big_email', 'email', channel => 'email', workspace => 'big', region => 'TW');
SELECT created, failed, conflicts FROM contactsync_import('big_line', 'line_uid', channel => 'line', workspace => 'big', region => 'TW');
SELECT op, count(*) AS contact_rows FROM big_writes GROUP BY op ORDER BY op;
-- LINE contacts outside a conflict joined their Email contact's person ...
SELECT count(*) AS joined_email_person,
       count(*) FILTER (WHERE l.unified_contact_id IS DISTINCT FROM e.id) AS not_joined
  FROM contactsync_contact l JOIN contactsync_contact e ON e.workspace = 'big' AND e.channel = 'email' AND e.email = l.email
 WHERE l.workspace = 'big' AND l.channel = 'line'
   AND l.id NOT IN (SELECT contact_id FROM contactsync_conflict_member WHERE workspace = 'big');
-- ... the pairs sharing a phone are one person, named by the smaller id ...
SELECT count(*) AS phone_pairs,
       count(*) FILTER (WHERE a.unified_contact_id <> LEAST(a.id, b.id) OR b.unified_contact_id <> LEAST(a.id, b.id)) AS misnamed
  FROM contactsync_contact a JOIN contactsync_contact b ON b.workspace = 'big' AND b.phone = a.phone AND b.id > a.id
 WHERE a.workspace = 'big';
-- ... and the conflicting ones stay apart, listed as conflict members.
SELECT count(DISTINCT contact_id) AS in_conflict, count(DISTINCT conflict_id) AS conflicts
  FROM contactsync_conflict_member WHERE workspace = 'big';
SELECT count(*) AS conflict_members_merged
  FROM contactsync_conflict_member m1 JOIN contactsync_conflict_member m2 ON m2.workspace = 'big' AND m2.conflict_id = m1.conflict_id
  JOIN contactsync_contact c1 ON c1.workspace = 'big' AND c1.id = m1.contact_id
  JOIN contactsync_contact c2 ON c2.workspace = 'big' AND c2.id = m2.contact_id
 WHERE m1.workspace = 'big' AND m1.contact_id < m2.contact_id AND c1.unified_contact_id = c2.unified_contact_id;
-- A full run afterwards writes no contact and keeps the conflict rows:
-- incremental equals full.
TRUNCATE big_writes;
CREATE TEMP TABLE big_conflicts AS SELECT * FROM contactsync_conflict_member WHERE workspace = 'big';
SELECT * FROM contactsync_unify('big');
SELECT count(*) AS contacts_written_by_full_run FROM big_writes;
SELECT count(*) AS conflict_rows_changed FROM (
  (SELECT * FROM contactsync_conflict_member WHERE workspace = 'big' EXCEPT SELECT * FROM big_conflicts)
  UNION ALL (SELECT * FROM big_conflicts EXCEPT SELECT * FROM contactsync_conflict_member WHERE workspace = 'big')) d;

-- A small import (fewer than 1,000 seeds: it grows a closure instead of
-- reading the workspace) unifies its new contacts before inserting them
-- too: each is written once, with its person, and no contact row is
-- updated.  Into the same workspace, 25 LINE contacts: 20 share an Email
-- contact's address (e201 .. e220; e210 and e220 carry customer_ids), two
-- share a new phone only with each other, and three carry customer_id C400
-- with e500's address (e500 is in group C500): their group and C500 are
-- linked directly, a conflict.
CREATE TEMP TABLE small_line AS
SELECT 'U' || pg_catalog.md5('small' || g) AS line_uid,
       CASE WHEN g <= 20 THEN 'e' || (200 + g) || '@example.com' WHEN g > 22 THEN 'E500@example.com' END AS email,
       CASE WHEN g IN (21, 22) THEN '0933' || '000021' END AS phone,
       CASE WHEN g > 22 THEN 'C400' END AS customer_id
  FROM pg_catalog.generate_series(1, 25) g;
TRUNCATE big_writes;
SELECT created, failed, conflicts FROM contactsync_import('small_line', 'line_uid', channel => 'line', workspace => 'big', region => 'TW');
SELECT op, count(*) AS contact_rows FROM big_writes GROUP BY op ORDER BY op;
-- the twenty joined their Email contact's person ...
SELECT count(*) AS joined_email_person,
       count(*) FILTER (WHERE l.unified_contact_id IS DISTINCT FROM e.unified_contact_id) AS not_joined
  FROM small_line s JOIN contactsync_contact l ON l.workspace = 'big' AND l.channel = 'line' AND l.line_uid = s.line_uid
  JOIN contactsync_contact e ON e.workspace = 'big' AND e.channel = 'email' AND e.email = l.email
 WHERE s.email LIKE 'e2%';
-- ... the two sharing a phone are one person, named by the smaller id ...
SELECT count(DISTINCT l.unified_contact_id) AS persons, min(l.unified_contact_id) = min(l.id) AS named_by_smaller_id
  FROM small_line s JOIN contactsync_contact l ON l.workspace = 'big' AND l.channel = 'line' AND l.line_uid = s.line_uid
 WHERE s.phone IS NOT NULL;
-- ... and the three joined group C400, in conflict with group C500.
SELECT l.customer_id, l.unified_contact_id = (SELECT min(id) FROM contactsync_contact WHERE workspace = 'big' AND customer_id = 'C400') AS in_group_c400,
       (SELECT customer_ids FROM contactsync_conflicts v WHERE v.workspace = 'big' AND v.contact_id = l.id) AS conflict_customer_ids
  FROM small_line s JOIN contactsync_contact l ON l.workspace = 'big' AND l.channel = 'line' AND l.line_uid = s.line_uid
 WHERE s.customer_id IS NOT NULL ORDER BY l.id;
-- A full run afterwards writes no contact and keeps the conflict rows.
TRUNCATE big_writes;
DROP TABLE big_conflicts;
CREATE TEMP TABLE big_conflicts AS SELECT * FROM contactsync_conflict_member WHERE workspace = 'big';
SELECT * FROM contactsync_unify('big');
SELECT count(*) AS contacts_written_by_full_run FROM big_writes;
SELECT count(*) AS conflict_rows_changed FROM (
  (SELECT * FROM contactsync_conflict_member WHERE workspace = 'big' EXCEPT SELECT * FROM big_conflicts)
  UNION ALL (SELECT * FROM big_conflicts EXCEPT SELECT * FROM contactsync_conflict_member WHERE workspace = 'big')) d;
DROP TRIGGER big_writes ON contactsync_contact;

-- Conflict rows of a workspace holding many more of them than a run has
-- contacts are reached through the indexes (by contact, then by
-- conflict), not read whole; the outcome is the same.  Sixty direct
-- conflicts: LINE contacts in pairs share an email, one of each pair with
-- customer_id A<k>, the other B<k>.
CREATE TEMP TABLE many AS
SELECT 'U' || pg_catalog.md5('many' || g) AS line_uid, 'x' || ((g + 1) / 2) || '@example.com' AS email,
       CASE WHEN g % 2 = 0 THEN 'A' ELSE 'B' END || ((g + 1) / 2) AS customer_id
  FROM pg_catalog.generate_series(1, 120) g;
SELECT created, conflicts FROM contactsync_import('many', 'line_uid', workspace => 'many');
SELECT count(*) AS members, count(DISTINCT conflict_id) AS conflicts FROM contactsync_conflict_member WHERE workspace = 'many';
-- (The choice reads the table's size estimate: analyzed now, it counts
-- these 120 rows whatever autovacuum has done.)
ANALYZE contactsync_conflict_member;
-- The first pair's B1 contact takes customer_id A1: one group, its
-- conflict rows go, the import touches no conflict.
CREATE TEMP TABLE many_fix AS SELECT line_uid, 'A1' AS customer_id FROM many WHERE customer_id = 'B1';
SELECT updated, conflicts FROM contactsync_import('many_fix', 'line_uid', workspace => 'many');
SELECT count(*) AS pair_1_rows FROM contactsync_conflict_member m JOIN many ON many.email = 'x1@example.com'
  JOIN contactsync_contact c ON c.workspace = 'many' AND c.line_uid = many.line_uid AND c.id = m.contact_id;
-- The second pair's B2 contact is deleted; its partner A2 then gets a
-- phone (a change that regroups it): A2 is alone, and both rows of their
-- conflict go, the gone contact's too.
DELETE FROM contactsync_contact c USING many WHERE c.workspace = 'many' AND c.line_uid = many.line_uid AND many.customer_id = 'B2';
CREATE TEMP TABLE many_phone AS SELECT line_uid, '0912000777' AS phone FROM many WHERE customer_id = 'A2';
SELECT updated, conflicts FROM contactsync_import('many_phone', 'line_uid', workspace => 'many', region => 'TW');
SELECT count(*) AS pair_2_rows FROM contactsync_conflict_member m
 WHERE m.workspace = 'many' AND m.conflict_id IN (SELECT conflict_id FROM contactsync_conflict_member m2
   WHERE m2.workspace = 'many' AND m2.contact_id NOT IN (SELECT id FROM contactsync_contact WHERE workspace = 'many'));
SELECT count(*) AS a2_rows FROM contactsync_conflict_member m JOIN many ON many.customer_id = 'A2'
  JOIN contactsync_contact c ON c.workspace = 'many' AND c.line_uid = many.line_uid AND c.id = m.contact_id;
-- The third pair's A3 contact gets a phone: its conflict stays, and the
-- import reports the two contacts in it.
UPDATE many_phone SET line_uid = (SELECT line_uid FROM many WHERE customer_id = 'A3'), phone = '0912000778';
SELECT updated, conflicts FROM contactsync_import('many_phone', 'line_uid', workspace => 'many', region => 'TW');
SELECT count(*) AS members, count(DISTINCT conflict_id) AS conflicts FROM contactsync_conflict_member WHERE workspace = 'many';
-- A full run afterwards changes no conflict row: incremental equals full.
CREATE TEMP TABLE many_conflicts AS SELECT * FROM contactsync_conflict_member WHERE workspace = 'many';
SELECT * FROM contactsync_unify('many');
SELECT count(*) AS conflict_rows_changed FROM (
  (SELECT * FROM contactsync_conflict_member WHERE workspace = 'many' EXCEPT SELECT * FROM many_conflicts)
  UNION ALL (SELECT * FROM many_conflicts EXCEPT SELECT * FROM contactsync_conflict_member WHERE workspace = 'many')) d;

-- A run that changes more contacts than one write chunk (10,000) writes
-- them all, chunk by chunk, and leaves the join settings as they were.
INSERT INTO contactsync_contact (workspace, channel, email, line_uid)
SELECT 'chunks', CASE WHEN g % 2 = 0 THEN 'email' ELSE 'line' END, 'c' || (g / 2) || '@example.com',
       CASE WHEN g % 2 = 1 THEN 'U' || pg_catalog.md5('chunks' || g) END
  FROM pg_catalog.generate_series(0, 24999) g;
SELECT unified_contacts, merged_contacts, conflicts FROM contactsync_unify('chunks');
SELECT count(*) AS contacts, count(*) FILTER (WHERE unified_contact_id IS NULL) AS without_person,
       count(DISTINCT unified_contact_id) AS persons,
       count(*) FILTER (WHERE unified_contact_id <> (SELECT min(o.id) FROM contactsync_contact o
                                                     WHERE o.workspace = 'chunks' AND o.email = c.email)) AS misnamed
  FROM contactsync_contact c WHERE workspace = 'chunks';
SHOW enable_hashjoin;
SHOW enable_mergejoin;

-- More contacts (70,000) and identifier values (175,000) than the loader's
-- sort buffer holds (65,536 entries): both sorts partition in place before
-- their buffered passes, and the groups are exactly the SQL ones. Each
-- block of four is one person: (4k, 4k+1) and (4k+2, 4k+3) share an email,
-- 4k+1 and 4k+3 a phone; the person is the block's smallest id.
INSERT INTO contactsync_contact (workspace, channel, name, email, phone, line_uid)
SELECT 'sorted', 'line', 'b' || (g / 4), 'e' || (g / 2) || '@example.com',
       CASE WHEN g % 2 = 1 THEN '+1555' || lpad((g / 4)::text, 7, '0') END,
       'U' || pg_catalog.md5('sorted' || g)
  FROM pg_catalog.generate_series(0, 69999) g;
SELECT unified_contacts, merged_contacts, conflicts FROM contactsync_unify('sorted');
SELECT count(*) AS contacts, count(DISTINCT unified_contact_id) AS persons,
       count(*) FILTER (WHERE unified_contact_id IS DISTINCT FROM block_min) AS misnamed
  FROM (SELECT unified_contact_id, min(id) OVER (PARTITION BY name) AS block_min
          FROM contactsync_contact WHERE workspace = 'sorted') s;

SET contactsync.default_region = 'TW';
-- phone and whatsapp_mobile are one phone space: with only one of the two
-- among the workspace's unify keys, a LINE contact's phone and a WhatsApp
-- contact's number still link (SPEC §4), in an import's run and a full one.
SELECT unify_keys FROM contactsync_configure('space', unify_keys => ARRAY['phone']);
CREATE TEMP TABLE ps_line (line_uid text, phone text);
INSERT INTO ps_line VALUES ('U' || md5('space-1'), '0912 345 001');
CREATE TEMP TABLE ps_wa (whatsapp_mobile text, messaging_status text);
INSERT INTO ps_wa VALUES ('+886912345001', 'opted_in');
SELECT created FROM contactsync_import('ps_line', 'line_uid', workspace => 'space');
SELECT created FROM contactsync_import('ps_wa', 'whatsapp_mobile', workspace => 'space');
SELECT count(DISTINCT unified_contact_id) AS persons FROM contactsync_contact WHERE workspace = 'space';
SELECT unified_contacts, merged_contacts FROM contactsync_unify('space');
SELECT via_key, merged, reason FROM contactsync_explain((SELECT max(id) FROM contactsync_contact WHERE workspace = 'space'));
-- The same with whatsapp_mobile as the only phone key.
SELECT unify_keys FROM contactsync_configure('space', unify_keys => ARRAY['whatsapp_mobile']);
SELECT count(DISTINCT unified_contact_id) AS persons FROM contactsync_contact WHERE workspace = 'space';
-- With neither, explain names the phone space as the key that is missing.
SELECT unify_keys FROM contactsync_configure('space', unify_keys => ARRAY['email']);
SELECT count(DISTINCT unified_contact_id) AS persons FROM contactsync_contact WHERE workspace = 'space';
SELECT via_key, merged, reason FROM contactsync_explain((SELECT max(id) FROM contactsync_contact WHERE workspace = 'space'));

-- A split is cleared by an import row that carries a value of one of the
-- workspace's unify keys (SPEC §4), not by any other value: with email as
-- the only key, a row with a name and the line_uid key leaves it split.
SELECT unify_keys FROM contactsync_configure('splitkeys', unify_keys => ARRAY['email']);
CREATE TEMP TABLE sk (line_uid text, email text, name text);
INSERT INTO sk VALUES ('U' || md5('sk-1'), 'sk@example.com', 'a'), ('U' || md5('sk-2'), 'sk@example.com', 'b');
SELECT created FROM contactsync_import('sk', 'line_uid', workspace => 'splitkeys');
SELECT contactsync_split(min(id)) > 0 AS split FROM contactsync_contact WHERE workspace = 'splitkeys';
TRUNCATE sk;
INSERT INTO sk VALUES ('U' || md5('sk-1'), NULL, 'renamed');
SELECT updated FROM contactsync_import('sk', 'line_uid', workspace => 'splitkeys');
SELECT name, unify_split, unified_contact_id = id AS own_person FROM contactsync_contact
 WHERE workspace = 'splitkeys' ORDER BY id;
-- With its email again (a unify-key value), the split clears and it rejoins.
UPDATE sk SET email = 'sk@example.com';
SELECT updated FROM contactsync_import('sk', 'line_uid', workspace => 'splitkeys');
SELECT name, unify_split, count(*) OVER (PARTITION BY unified_contact_id) AS group_size FROM contactsync_contact
 WHERE workspace = 'splitkeys' ORDER BY id;

-- The summary's conflicts count the contacts in every conflict that the
-- import's contacts are in, with unify => false too (an update can touch a
-- contact already in a conflict).
CREATE TEMP TABLE cf (line_uid text, email text, customer_id text, name text);
INSERT INTO cf VALUES ('U' || md5('cf-1'), 'cf@example.com', 'C1', 'a'), ('U' || md5('cf-2'), 'cf@example.com', 'C2', 'b');
SELECT conflicts FROM contactsync_import('cf', 'line_uid', workspace => 'nounify');
TRUNCATE cf;
INSERT INTO cf VALUES ('U' || md5('cf-1'), NULL, NULL, 'a2');
SELECT updated, conflicts FROM contactsync_import('cf', 'line_uid', workspace => 'nounify', unify => false);

-- The profile view lists the whole phone space of a person: a WhatsApp
-- contact's number and its phone.
CREATE TEMP TABLE pf (whatsapp_mobile text, messaging_status text, phone text);
INSERT INTO pf VALUES ('+886912345004', 'opted_in', '+886912345005');
SELECT created FROM contactsync_import('pf', 'whatsapp_mobile', workspace => 'profiles');
SELECT contacts, phones FROM contactsync_unified_profiles WHERE workspace = 'profiles';
RESET contactsync.default_region;
