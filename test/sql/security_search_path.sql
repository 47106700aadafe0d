-- A hostile search_path (SPEC §7; the CVE-2018-1058 family): a non-superuser
-- plants look-alike functions, operators and a type in a schema put before
-- pg_catalog, and in pg_temp, before CREATE EXTENSION and before using it.
-- Nothing planted may run, and results must be the ordinary ones.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS contactsync CASCADE;
DROP SCHEMA IF EXISTS evil CASCADE;
DROP ROLE IF EXISTS mallory;
RESET client_min_messages;
CREATE ROLE mallory;
CREATE SCHEMA evil AUTHORIZATION mallory;

SET ROLE mallory;
CREATE TABLE evil.calls (fn text);
GRANT INSERT, SELECT ON evil.calls TO PUBLIC;
-- Each planted function records that it ran and lies.
CREATE FUNCTION evil.log(fn text) RETURNS void LANGUAGE sql AS $$ INSERT INTO evil.calls VALUES (fn) $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('lower'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.upper(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('upper'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.btrim(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('btrim'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('format'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('now'); RETURN 'epoch'; END $$;
CREATE FUNCTION evil.array_cat(anycompatiblearray, anycompatiblearray) RETURNS anycompatiblearray LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('array_cat'); RETURN $1; END $$;
CREATE FUNCTION evil.count(anyelement) RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('count'); RETURN 0; END $$;
CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('='); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
CREATE FUNCTION evil.textne(text, text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('<>'); RETURN false; END $$;
CREATE OPERATOR evil.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textne);
CREATE FUNCTION evil.textcat(text, text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('||'); RETURN 'pwned'; END $$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textcat);
CREATE FUNCTION evil.int8eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('bigint ='); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.int8eq);
-- A look-alike type: its CHECK runs whenever a value takes the type.
CREATE FUNCTION evil.text_check(value pg_catalog.text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM evil.log('type text'); RETURN true; END $$;
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.text_check(VALUE));
RESET ROLE;
-- And in pg_temp.
CREATE FUNCTION pg_temp.lower(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('pg_temp.lower'); RETURN 'pwned'; END $$;
CREATE FUNCTION pg_temp.btrim(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.log('pg_temp.btrim'); RETURN 'pwned'; END $$;

-- The victim's session: the planted schema first, before pg_catalog.
SET search_path = evil, pg_catalog, public, pg_temp;
CREATE EXTENSION contactsync SCHEMA public;
SELECT public.contactsync_configure(default_region => 'TW') IS NOT NULL AS configured;
SELECT public.contactsync_normalize_email('  John@Example.COM ') AS email,
       public.contactsync_normalize_phone('0912-345-678') AS phone;
SELECT identifier, type, status FROM public.contactsync_define_field('level', 'text');
SELECT public.contactsync_create_staging('public.hostile_staging', 'line');
-- Rule: the staging columns are pg_catalog's text, not the planted type.
SELECT pg_catalog.count(*) AS columns_of_planted_type
  FROM pg_catalog.pg_attribute
 WHERE attrelid OPERATOR(pg_catalog.=) 'public.hostile_staging'::pg_catalog.regclass
   AND atttypid OPERATOR(pg_catalog.=) 'evil.text'::pg_catalog.regtype;
INSERT INTO public.hostile_staging (line_uid, email, phone, customer_id, name, tags, cl_custom_level) VALUES
  ('U11111111111111111111111111111111', 'Ann@Example.com', '0912000001', 'C1', 'Ann', 'vip,new', 'gold'),
  ('U22222222222222222222222222222222', 'ann@example.com', NULL, 'C2', 'Bob', NULL, NULL),
  ('bad', NULL, NULL, NULL, NULL, NULL, NULL);
SELECT * FROM public.contactsync_import('public.hostile_staging', 'line_uid');
SELECT * FROM public.contactsync_import('public.hostile_staging', 'line_uid', dry_run => true);
SELECT * FROM public.contactsync_unify();
SELECT public.contactsync_failure_report(1);
SELECT * FROM public.contactsync_explain(1);
SELECT public.contactsync_export_view('all');
SELECT * FROM public.contactsync_undo(1);

-- Back to a normal path: nothing planted ran, and the results are the ordinary ones.
RESET search_path;
SELECT count(*) AS planted_calls, string_agg(DISTINCT fn, ', ') AS which FROM evil.calls;
SELECT count(*) AS contacts_after_undo FROM contactsync_contact;
SELECT batch_id, row_number, status, codes FROM contactsync_import_results ORDER BY 1, 2;
SELECT * FROM contactsync_failures_1;
-- mallory gained nothing: no rights on the store.
SELECT has_table_privilege('mallory', 'contactsync_contact', 'SELECT') AS mallory_reads_contacts,
       has_function_privilege('mallory', 'contactsync_import(regclass,text,text,text,boolean,text,text,text,text,text,text[],text,text,boolean,boolean,boolean)', 'EXECUTE') AS mallory_may_call;

SET client_min_messages = warning;
DROP TABLE hostile_staging;
DROP SCHEMA evil CASCADE;
DROP ROLE mallory;
DROP EXTENSION contactsync CASCADE;
RESET client_min_messages;
