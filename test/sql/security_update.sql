-- ALTER EXTENSION UPDATE under a hostile search_path (SPEC §7; the
-- CVE-2018-1058, CVE-2020-14350, CVE-2022-2625 and CVE-2023-39417 family).
-- The first release is installed and used.  Then a non-superuser plants
-- look-alike functions, operators and types, each recording itself when it
-- runs, in a schema placed first in the search_path and in the extension's
-- own schema (writable by all, as public was before PostgreSQL 15), and the
-- superuser's session has look-alikes in pg_temp; the superuser, with that
-- search_path, updates the extension to the current version and imports the
-- same file again.  Nothing planted may run, the planting role gains
-- nothing, the stored data stays as it was, the import gives the same
-- results as before the update, and the updated extension reads like a
-- fresh install.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS contactsync CASCADE;
DROP SCHEMA IF EXISTS evil CASCADE;
DROP ROLE IF EXISTS mallory;
RESET client_min_messages;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR

-- The first release, in use: workspace 'before' with a region, a custom
-- field, an import, its failure report and an export.
CREATE EXTENSION contactsync VERSION '0.1.0' SCHEMA public;
SELECT default_region FROM contactsync_configure('before', default_region => 'TW');
SELECT identifier, type FROM contactsync_define_field('level', 'text', 'before');
SELECT contactsync_create_staging('update_staging', 'line', 'before');
INSERT INTO update_staging (line_uid, email, phone, customer_id, name, tags, cl_custom_level) VALUES
  ('U11111111111111111111111111111111', 'Ann@Example.com', '0912000001', 'C1', 'Ann', 'vip,new', 'gold'),
  ('U22222222222222222222222222222222', 'ann@example.com', NULL, 'C2', 'Bob', NULL, NULL),
  ('U33333333333333333333333333333333', 'carol@example.com', '+886912000003', NULL, 'Carol', 'new', 'silver'),
  ('U44444444444444444444444444444444', 'Carol@example.com', NULL, NULL, 'Carl', NULL, NULL),
  ('bad', 'not-an-email', '123', NULL, 'Eve', NULL, NULL);
SELECT * FROM contactsync_import('update_staging', 'line_uid', workspace => 'before');
SELECT contactsync_failure_report(1);
CREATE TEMP TABLE failures_before AS SELECT * FROM contactsync_failures_1;
SELECT contactsync_export_view('all', NULL, 'before');
CREATE TEMP TABLE export_before AS
  SELECT platform_type, external_member_id, name, email, phone, tags, customer_id, note,
         messaging_status, cl_custom_level
    FROM contactsync_export_all;
-- The store as the update finds it, and the extension's owners and privileges.
CREATE TEMP TABLE contacts_before AS SELECT * FROM contactsync_contact;
CREATE TEMP TABLE import_rows_before AS SELECT * FROM contactsync_import_row;
\set ECHO none
\i :abs_srcdir/sql/include/extension_catalog.sql
\set ECHO all
CREATE TEMP TABLE grants_before AS
  SELECT object, aspect, detail FROM pg_temp.contactsync_catalog
   WHERE aspect IN ('member', 'privileges', 'initial privileges');
RESET search_path;

-- mallory: no rights on the store, her own schema evil, and CREATE on the
-- extension's schema.
CREATE ROLE mallory;
CREATE SCHEMA evil AUTHORIZATION mallory;
GRANT CREATE ON SCHEMA public TO mallory;
SET ROLE mallory;
CREATE TABLE evil.calls (fn text);
GRANT INSERT, SELECT ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.log(fn text) RETURNS boolean LANGUAGE sql
  AS $$ INSERT INTO evil.calls VALUES (fn) RETURNING true $$;
-- plant(schema, signature, result, value): a function that records
-- "schema.label" (label: the signature) and returns value; with an operator
-- name, plant_operator also makes it that operator.
CREATE FUNCTION evil.plant(s text, sig text, result text, val text, label text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  EXECUTE format('CREATE FUNCTION %I.%s RETURNS %s LANGUAGE plpgsql AS %L', s, sig, result,
                 format('BEGIN PERFORM evil.log(%L); RETURN %s; END', s || '.' || coalesce(label, sig), val));
END $$;
CREATE FUNCTION evil.plant_operator(s text, op text, fn text, l text, r text, result text, val text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  PERFORM evil.plant(s, format('%s(%s, %s)', fn, l, r), result, val, format('%s(%s, %s)', op, l, r));
  EXECUTE format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.%I)', s, op, l, r, s, fn);
END $$;

-- The same look-alikes in both schemas: built-ins the install and update
-- scripts and the functions they create call, with the same signatures and
-- with more exact ones (which would beat pg_catalog's polymorphic or
-- variadic ones even from a schema after it).
SELECT pg_catalog.count(evil.plant(s, f.sig, f.result, f.val))
  FROM pg_catalog.unnest(ARRAY['evil', 'public']) AS s,
       (VALUES ('lower(text)', 'text', '''pwned'''),
               ('upper(text)', 'text', '''pwned'''),
               ('btrim(text)', 'text', '''pwned'''),
               ('format(text, VARIADIC text[])', 'text', '''pwned'''),
               ('format(text, text)', 'text', '''pwned'''),
               ('format(text, text, text)', 'text', '''pwned'''),
               ('now()', 'timestamptz', '''epoch'''),
               ('array_cat(anycompatiblearray, anycompatiblearray)', 'anycompatiblearray', '$1'),
               ('array_cat(text[], text[])', 'text[]', '$1'),
               ('cardinality(text[])', 'integer', '0'),
               ('array_to_string(text[], text)', 'text', '''pwned'''),
               ('quote_ident(text)', 'text', '''pwned'''),
               ('parse_ident(text)', 'text[]', '''{pwned}'''),
               ('current_setting(text)', 'text', '''pwned'''),
               ('set_config(text, text, boolean)', 'text', '''pwned'''),
               ('nextval(regclass)', 'bigint', '0'),
               ('nextval(text)', 'bigint', '0'),
               ('pg_extension_config_dump(regclass, text)', 'boolean', 'true'),
               ('pg_extension_config_dump(text, text)', 'boolean', 'true'),
               ('jsonb_object_keys(jsonb)', 'text', '''pwned'''),
               ('count(anyelement)', 'bigint', '0')) AS f(sig, result, val);
SELECT pg_catalog.count(evil.plant_operator(s, o.op, o.fn, o.l, o.r, o.result, o.val))
  FROM pg_catalog.unnest(ARRAY['evil', 'public']) AS s,
       (VALUES ('=', 'texteq', 'text', 'text', 'boolean', 'true'),
               ('<>', 'textne', 'text', 'text', 'boolean', 'false'),
               ('||', 'textcat', 'text', 'text', 'text', '''pwned'''),
               ('~', 'textregexeq', 'text', 'text', 'boolean', 'true'),
               ('<@', 'arraycontained', 'text[]', 'text[]', 'boolean', 'true'),
               ('=', 'int8eq', 'bigint', 'bigint', 'boolean', 'true'),
               ('>', 'int8gt', 'bigint', 'bigint', 'boolean', 'true'),
               ('>=', 'int4ge', 'integer', 'integer', 'boolean', 'true'),
               ('->>', 'jsonb_object_field_text', 'jsonb', 'text', 'text', '''pwned''')) AS o(op, fn, l, r, result, val);
-- Look-alike types: their CHECK runs whenever a value takes the type.
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (VALUE IS NULL OR evil.log('evil.text type'));
CREATE DOMAIN public.text AS pg_catalog.text CHECK (VALUE IS NULL OR evil.log('public.text type'));
CREATE DOMAIN public.regclass AS pg_catalog.regclass CHECK (VALUE IS NULL OR evil.log('public.regclass type'));
RESET ROLE;

-- And in the superuser's pg_temp.
SELECT pg_catalog.count(evil.plant('pg_temp', f.sig, f.result, f.val))
  FROM (VALUES ('lower(text)', 'text', '''pwned'''),
               ('btrim(text)', 'text', '''pwned'''),
               ('format(text, text)', 'text', '''pwned'''),
               ('array_cat(text[], text[])', 'text[]', '$1')) AS f(sig, result, val);
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (VALUE IS NULL OR evil.log('pg_temp.text type'));

-- What mallory owns (o) and is granted (a), before the update.
CREATE TEMP VIEW mallory_has AS
  SELECT i.type OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) i.identity AS object, s.deptype
    FROM pg_catalog.pg_shdepend s,
         LATERAL pg_catalog.pg_identify_object(s.classid, s.objid, s.objsubid) i
   WHERE s.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::pg_catalog.regclass
     AND s.refobjid OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_roles
                                              WHERE rolname OPERATOR(pg_catalog.=) 'mallory')
     AND s.dbid OPERATOR(pg_catalog.=) ANY (ARRAY[0, (SELECT oid FROM pg_catalog.pg_database
                                                        WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())]);
CREATE TEMP TABLE mallory_before AS SELECT * FROM mallory_has;

-- The superuser's session: the planted schema first, before pg_catalog.
SET search_path = evil, pg_catalog, public, pg_temp;
ALTER EXTENSION contactsync UPDATE;
-- The same work again, in workspace 'after', through the updated extension.
SELECT default_region FROM public.contactsync_configure('after', default_region => 'TW');
SELECT identifier, type FROM public.contactsync_define_field('level', 'text', 'after');
SELECT public.contactsync_create_staging('public.update_staging_after', 'line', 'after');
INSERT INTO public.update_staging_after SELECT * FROM public.update_staging;
SELECT * FROM public.contactsync_import('public.update_staging_after', 'line_uid', workspace => 'after');
SELECT public.contactsync_failure_report(2);
SELECT public.contactsync_export_view('all', NULL, 'after');

-- Checks, with pg_catalog first and pg_temp last.
SET search_path = pg_catalog, pg_temp;
-- Rule: nothing planted ran.
SELECT count(*) AS planted_calls, string_agg(DISTINCT fn, ', ') AS which FROM evil.calls;
-- The extension is at the current version.
SELECT e.extversion = a.default_version AS updated_to_current
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
 WHERE e.extname = 'contactsync';
-- Rule: the update changed no stored row.
SELECT (SELECT count(*) FROM (TABLE contacts_before EXCEPT SELECT * FROM public.contactsync_contact) d) AS contacts_changed,
       (SELECT count(*) FROM (TABLE import_rows_before EXCEPT SELECT * FROM public.contactsync_import_row) d) AS import_rows_changed;
-- Rule: the import after the update gives the results it gave before: row
-- outcomes, contacts (grouping and conflicts included), failure report and
-- export.
SELECT row_number, status, codes, warnings FROM public.contactsync_import_results WHERE batch_id = 2 ORDER BY row_number;
-- (Contacts by line_uid, since ids differ between the workspaces.)
CREATE TEMP VIEW outcomes_compared AS
  SELECT r.batch_id, r.row_number, r.status, r.codes, r.warnings, c.line_uid AS contact,
         replace(r.message, 'contact ' || r.contact_id, 'contact ' || c.line_uid) AS message
    FROM public.contactsync_import_results r
    LEFT JOIN public.contactsync_contact c ON c.workspace = r.workspace AND c.id = r.contact_id;
SELECT count(*) AS outcomes_differ FROM (
  (SELECT row_number, status, codes, warnings, contact, message FROM outcomes_compared WHERE batch_id = 1
   EXCEPT ALL
   SELECT row_number, status, codes, warnings, contact, message FROM outcomes_compared WHERE batch_id = 2)
  UNION ALL
  (SELECT row_number, status, codes, warnings, contact, message FROM outcomes_compared WHERE batch_id = 2
   EXCEPT ALL
   SELECT row_number, status, codes, warnings, contact, message FROM outcomes_compared WHERE batch_id = 1)) d;
CREATE TEMP VIEW contacts_compared AS
  SELECT c.workspace, c.channel, c.line_uid, c.email, c.phone, c.customer_id, c.name, c.tags, c.custom,
         c.messaging_status, c.unify_split, u.line_uid AS unified_with,
         EXISTS (SELECT 1 FROM public.contactsync_conflict_member m
                  WHERE m.workspace = c.workspace AND m.contact_id = c.id) AS in_conflict
    FROM public.contactsync_contact c
    LEFT JOIN public.contactsync_contact u ON u.workspace = c.workspace AND u.id = c.unified_contact_id;
SELECT count(*) AS contacts_differ FROM (
  (SELECT channel, line_uid, email, phone, customer_id, name, tags, custom, messaging_status, unify_split, unified_with, in_conflict
     FROM contacts_compared WHERE workspace = 'before'
   EXCEPT ALL
   SELECT channel, line_uid, email, phone, customer_id, name, tags, custom, messaging_status, unify_split, unified_with, in_conflict
     FROM contacts_compared WHERE workspace = 'after')
  UNION ALL
  (SELECT channel, line_uid, email, phone, customer_id, name, tags, custom, messaging_status, unify_split, unified_with, in_conflict
     FROM contacts_compared WHERE workspace = 'after'
   EXCEPT ALL
   SELECT channel, line_uid, email, phone, customer_id, name, tags, custom, messaging_status, unify_split, unified_with, in_conflict
     FROM contacts_compared WHERE workspace = 'before')) d;
SELECT (SELECT count(*) FROM ((TABLE failures_before EXCEPT ALL TABLE contactsync_failures_2)
                              UNION ALL (TABLE contactsync_failures_2 EXCEPT ALL TABLE failures_before)) d) AS failure_reports_differ,
       (SELECT count(*) FROM ((TABLE export_before EXCEPT ALL
                               SELECT platform_type, external_member_id, name, email, phone, tags, customer_id, note,
                                      messaging_status, cl_custom_level FROM contactsync_export_all)
                              UNION ALL
                              (SELECT platform_type, external_member_id, name, email, phone, tags, customer_id, note,
                                      messaging_status, cl_custom_level FROM contactsync_export_all
                               EXCEPT ALL TABLE export_before)) d) AS exports_differ;
-- Rule: the staging table made after the update has pg_catalog's text.
SELECT count(*) AS columns_of_planted_type
  FROM pg_attribute
 WHERE attrelid = 'public.update_staging_after'::regclass AND atttypid <> 'pg_catalog.text'::regtype AND attnum > 0;

-- Rule: mallory gained nothing: no role attribute or membership, no
-- extension object, nothing owned or granted that she did not have, no
-- right on the store; and the extension's owners and privileges are those
-- of before the update, the one function the update adds
-- (contactsync_tags_union) owned by the extension's owner with default
-- privileges.
SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
  FROM pg_roles WHERE rolname = 'mallory';
SELECT count(*) AS mallory_memberships FROM pg_auth_members WHERE member = 'mallory'::regrole;
SELECT count(*) AS extension_objects_of_mallory
  FROM pg_depend d
  JOIN pg_shdepend s ON s.classid = d.classid AND s.objid = d.objid AND s.deptype = 'o'
                    AND s.refclassid = 'pg_authid'::regclass AND s.refobjid = 'mallory'::regrole
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'contactsync');
SELECT 'now' AS side, * FROM (TABLE mallory_has EXCEPT TABLE mallory_before) d
UNION ALL
SELECT 'before', * FROM (TABLE mallory_before EXCEPT TABLE mallory_has) d
ORDER BY 2, 1;
SELECT count(*) FILTER (WHERE has_table_privilege('mallory', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER'))
         AS store_relations_mallory_may_use
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'contactsync');
\set ECHO none
\i :abs_srcdir/sql/include/extension_catalog.sql
\set ECHO all
SELECT 'now' AS side, * FROM (
  SELECT object, aspect, detail FROM pg_temp.contactsync_catalog
   WHERE aspect IN ('member', 'privileges', 'initial privileges')
  EXCEPT TABLE grants_before) d
UNION ALL
SELECT 'before', * FROM (
  TABLE grants_before
  EXCEPT
  SELECT object, aspect, detail FROM pg_temp.contactsync_catalog
   WHERE aspect IN ('member', 'privileges', 'initial privileges')) d
ORDER BY 2, 3, 1;

-- Rule: the extension updated under the hostile path reads like a fresh
-- install of the current version (stored rows aside): every differing line
-- is listed.
CREATE TEMP TABLE catalog_updated AS
  SELECT line FROM pg_temp.contactsync_catalog WHERE aspect <> 'rows';
SET client_min_messages = warning;
DROP EXTENSION contactsync CASCADE;
RESET client_min_messages;
CREATE EXTENSION contactsync SCHEMA public;
SELECT 'fresh' AS side, * FROM (
  SELECT line FROM pg_temp.contactsync_catalog WHERE aspect <> 'rows' EXCEPT TABLE catalog_updated) d
UNION ALL
SELECT 'updated', * FROM (
  TABLE catalog_updated EXCEPT SELECT line FROM pg_temp.contactsync_catalog WHERE aspect <> 'rows') d
ORDER BY 2, 1;
SELECT count(*) AS planted_calls FROM evil.calls;

SET client_min_messages = warning;
DROP TABLE public.update_staging, public.update_staging_after;
DROP DOMAIN pg_temp.text;
DROP EXTENSION contactsync CASCADE;
DROP OWNED BY mallory;
DROP ROLE mallory;
RESET client_min_messages;
RESET search_path;
