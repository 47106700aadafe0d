-- The extension installed in a schema whose name needs quoting, outside the
-- caller's search_path: every function that builds SQL names the schema
-- correctly (0.1.0 quoted it twice in contactsync_failure_report and
-- contactsync_export_view, which then failed).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS contactsync CASCADE;
DROP SCHEMA IF EXISTS "Contact Sync" CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE SCHEMA "Contact Sync";
CREATE EXTENSION contactsync SCHEMA "Contact Sync";
SET search_path = public;

SELECT default_region FROM "Contact Sync".contactsync_configure(default_region => 'TW');
SELECT identifier, type FROM "Contact Sync".contactsync_define_field('level', 'text');
SELECT "Contact Sync".contactsync_create_staging('quoted_staging', 'line');
INSERT INTO quoted_staging (line_uid, email, phone, customer_id, name, cl_custom_level) VALUES
  ('U11111111111111111111111111111111', 'Ann@Example.com', '0912000001', 'C1', 'Ann', 'gold'),
  ('U22222222222222222222222222222222', 'ann@example.com', NULL, 'C2', 'Bob', NULL),
  ('bad', NULL, NULL, NULL, 'Eve', NULL);
SELECT * FROM "Contact Sync".contactsync_import('quoted_staging', 'line_uid');

-- Rule: the failure report view is created and reads the batch's rows.
SELECT "Contact Sync".contactsync_failure_report(1);
SELECT line_uid, name, error FROM contactsync_failures_1;
-- Rule: the export view is created and reads the export.
SELECT "Contact Sync".contactsync_export_view('all');
SELECT platform_type, external_member_id, name, email, phone, customer_id, cl_custom_level
  FROM contactsync_export_all ORDER BY external_member_id;
-- The rest of what runs SQL: unification, explain, undo.
SELECT * FROM "Contact Sync".contactsync_unify();
SELECT contact_id, linked_contact_id, via_key, merged, reason FROM "Contact Sync".contactsync_explain(1);
SELECT * FROM "Contact Sync".contactsync_undo(1);
SELECT count(*) AS contacts_after_undo FROM "Contact Sync".contactsync_contact;

SET client_min_messages = warning;
DROP TABLE quoted_staging;
DROP EXTENSION contactsync CASCADE;
DROP SCHEMA "Contact Sync" CASCADE;
RESET client_min_messages;
RESET search_path;
