-- pg_temp.contactsync_catalog: what the installed contactsync consists of,
-- one line per fact, without oids or timestamps, so that two databases can be
-- compared: an extension updated from an older version must read exactly
-- like a fresh CREATE EXTENSION of the current one (doc/upgrading.md).
--
-- Covered: the extension's schema and dumped tables; every member object
-- with its owner; functions in full (pg_get_functiondef: arguments, defaults,
-- result, language, volatility, strictness, parallel safety, SECURITY
-- DEFINER, SET clauses, body) and aggregates; tables, views and sequences
-- (kind, options, columns with types, defaults, NOT NULL, generation,
-- identity, collation; constraints, indexes, triggers, policies, rules, view
-- definitions, sequence parameters and owning column, row counts); types
-- (composite attributes, enum labels, domains, ranges); operators and casts;
-- comments and privileges of all of these, and their initial privileges
-- (pg_init_privs).  Add to it when the extension gains a kind of object it
-- does not describe.
--
-- Sets search_path to pg_catalog, pg_temp (so names print schema-qualified)
-- and leaves it so.  Read with
--   SELECT line FROM pg_temp.contactsync_catalog;
-- (columns object, aspect, n, detail and line, in order).
SET search_path = pg_catalog, pg_temp;

-- An access privilege list as text, in a fixed order; NULL (the defaults) as
-- 'default'.
CREATE OR REPLACE FUNCTION pg_temp.contactsync_acl(acl aclitem[]) RETURNS text
LANGUAGE sql STABLE
RETURN CASE WHEN acl IS NULL THEN 'default'
            ELSE array_to_string(ARRAY(SELECT x::text FROM unnest(acl) x ORDER BY x::text COLLATE "C"), ' ') END;

CREATE OR REPLACE TEMPORARY VIEW contactsync_catalog AS
WITH ext AS (
  SELECT e.* FROM pg_extension e WHERE e.extname = 'contactsync'),
members AS (
  SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d JOIN ext ON d.refobjid = ext.oid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'),
rels AS (
  SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid),
procs AS (
  SELECT p.* FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid),
types AS (
  SELECT t.* FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid),
-- The members and what hangs off them without being a member: columns,
-- composite-type attributes, constraints, indexes, triggers, policies, rules.
parts AS (
  SELECT classid, objid, objsubid FROM members
  UNION ALL
  SELECT 'pg_class'::regclass, a.attrelid, a.attnum
    FROM pg_attribute a
   WHERE a.attnum > 0 AND NOT a.attisdropped
     AND (a.attrelid IN (SELECT oid FROM rels) OR a.attrelid IN (SELECT typrelid FROM types))
  UNION ALL
  SELECT 'pg_constraint'::regclass, co.oid, 0 FROM pg_constraint co
   WHERE co.conrelid IN (SELECT oid FROM rels) OR co.contypid IN (SELECT oid FROM types)
  UNION ALL
  SELECT 'pg_class'::regclass, i.indexrelid, 0 FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'pg_trigger'::regclass, tg.oid, 0 FROM pg_trigger tg
   WHERE tg.tgrelid IN (SELECT oid FROM rels) AND NOT tg.tgisinternal
  UNION ALL
  SELECT 'pg_policy'::regclass, po.oid, 0 FROM pg_policy po WHERE po.polrelid IN (SELECT oid FROM rels)
  UNION ALL
  SELECT 'pg_rewrite'::regclass, rw.oid, 0 FROM pg_rewrite rw
   WHERE rw.ev_class IN (SELECT oid FROM rels) AND rw.rulename <> '_RETURN'),
named AS (
  SELECT p.classid, p.objid, p.objsubid, i.type || ' ' || i.identity AS object
    FROM parts p, LATERAL pg_identify_object(p.classid, p.objid, p.objsubid) i),
member_info AS (
  SELECT nm.object, m.classid,
         coalesce(r.relowner, p.proowner, t.typowner, o.oprowner) AS owner,
         coalesce(r.relacl, p.proacl, t.typacl) AS acl
    FROM named nm JOIN members m USING (classid, objid, objsubid)
    LEFT JOIN pg_class r ON m.classid = 'pg_class'::regclass AND r.oid = m.objid
    LEFT JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    LEFT JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    LEFT JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid),
facts(object, aspect, n, detail) AS (
  -- The extension itself.
  SELECT 'extension contactsync', 'schema', 0, quote_ident(n.nspname) || CASE WHEN ext.extrelocatable THEN ' (relocatable)' ELSE '' END
    FROM ext JOIN pg_namespace n ON n.oid = ext.extnamespace
  UNION ALL
  SELECT 'extension contactsync', 'dumped', 0,
         quote_ident(n.nspname) || '.' || quote_ident(c.relname) || coalesce(' WHERE ' || nullif(u.cond, ''), '')
    FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(rel, cond)
    JOIN pg_class c ON c.oid = u.rel JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  -- Every member, with its owner where it has one, and the privileges of
  -- relations, functions and types.
  SELECT object, 'member', 0, coalesce('owner ' || pg_get_userbyid(owner), 'member') FROM member_info
  UNION ALL
  SELECT object, 'privileges', 0, pg_temp.contactsync_acl(acl) FROM member_info
   WHERE classid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass)
  UNION ALL
  -- Functions and procedures: the whole definition, line by line.
  SELECT nm.object, 'definition', d.n::int, d.line
    FROM procs p JOIN named nm ON nm.classid = 'pg_proc'::regclass AND nm.objid = p.oid,
         LATERAL regexp_split_to_table(pg_get_functiondef(p.oid), E'\n') WITH ORDINALITY AS d(line, n)
   WHERE p.prokind <> 'a'
  UNION ALL
  SELECT nm.object, 'aggregate', 0,
         format('kind %s, transition %s, final %s, combine %s, serial %s, deserial %s, state %s, initial %s, sort operator %s',
                a.aggkind, a.aggtransfn::oid::regprocedure, nullif(a.aggfinalfn::oid, 0)::regprocedure,
                nullif(a.aggcombinefn::oid, 0)::regprocedure, nullif(a.aggserialfn::oid, 0)::regprocedure,
                nullif(a.aggdeserialfn::oid, 0)::regprocedure, format_type(a.aggtranstype, NULL),
                a.agginitval, nullif(a.aggsortop, 0)::regoperator)
    FROM procs p JOIN pg_aggregate a ON a.aggfnoid = p.oid
    JOIN named nm ON nm.classid = 'pg_proc'::regclass AND nm.objid = p.oid
  UNION ALL
  -- Relations: kind and options, then columns in order.
  SELECT nm.object, 'relation', 0,
         format('kind %s, persistence %s, row security %s%s, replica identity %s, options %s',
                r.relkind, r.relpersistence, r.relrowsecurity,
                CASE WHEN r.relforcerowsecurity THEN ' (forced)' ELSE '' END,
                r.relreplident, coalesce(array_to_string(r.reloptions, ', '), 'none'))
    FROM rels r JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = r.oid AND nm.objsubid = 0
  UNION ALL
  SELECT coalesce(rn.object, tn.object), 'column', row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int,
         concat_ws(' ', quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                   CASE a.attgenerated WHEN 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, ad.adrelid) || ') STORED' END,
                   CASE WHEN a.attgenerated = '' AND ad.adbin IS NOT NULL THEN 'DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid) END,
                   CASE a.attidentity WHEN 'a' THEN 'GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY' END,
                   CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation
                        THEN 'COLLATE ' || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                              FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                             WHERE co.oid = a.attcollation) END,
                   CASE WHEN a.attstattarget >= 0 THEN 'STATISTICS ' || a.attstattarget END,
                   CASE WHEN a.attstorage <> ty.typstorage THEN 'STORAGE ' || a.attstorage::text END,
                   CASE WHEN a.attacl IS NOT NULL THEN 'privileges ' || pg_temp.contactsync_acl(a.attacl) END)
    FROM pg_attribute a
    JOIN pg_type ty ON ty.oid = a.atttypid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN named rn ON rn.classid = 'pg_class'::regclass AND rn.objid = a.attrelid AND rn.objsubid = 0
    LEFT JOIN types t ON t.typrelid = a.attrelid
    LEFT JOIN named tn ON tn.classid = 'pg_type'::regclass AND tn.objid = t.oid
   WHERE a.attnum > 0 AND NOT a.attisdropped
     AND (a.attrelid IN (SELECT oid FROM rels WHERE relkind <> 'S') OR a.attrelid IN (SELECT typrelid FROM types))
     AND (rn.object IS NOT NULL OR tn.object IS NOT NULL)
  UNION ALL
  SELECT nm.object, 'view', d.n::int, d.line
    FROM rels r JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = r.oid AND nm.objsubid = 0,
         LATERAL regexp_split_to_table(pg_get_viewdef(r.oid, true), E'\n') WITH ORDINALITY AS d(line, n)
   WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT nm.object, 'sequence', 0,
         format('type %s, start %s, increment %s, min %s, max %s, cache %s, cycle %s',
                format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
    JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = r.oid AND nm.objsubid = 0
  UNION ALL
  SELECT nm.object, 'owned by', 0, (pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).identity
    FROM rels r JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype IN ('a', 'i')
                                AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
    JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = r.oid AND nm.objsubid = 0
   WHERE r.relkind = 'S'
  UNION ALL
  SELECT nm.object, 'rows', 0,
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, r.relname), false, true, '')))[1]::text
    FROM rels r JOIN pg_namespace n ON n.oid = r.relnamespace
    JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = r.oid AND nm.objsubid = 0
   WHERE r.relkind IN ('r', 'p')
  UNION ALL
  -- Constraints, indexes, triggers, policies and rules.
  SELECT nm.object, 'constraint', 0,
         pg_get_constraintdef(co.oid) || CASE WHEN co.convalidated THEN '' ELSE ' (not validated)' END
    FROM pg_constraint co JOIN named nm ON nm.classid = 'pg_constraint'::regclass AND nm.objid = co.oid
  UNION ALL
  SELECT nm.object, 'index', 0,
         pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisclustered THEN ' (clustered)' ELSE '' END
         || CASE WHEN i.indisreplident THEN ' (replica identity)' ELSE '' END
         || CASE WHEN i.indisvalid THEN '' ELSE ' (invalid)' END
    FROM pg_index i JOIN named nm ON nm.classid = 'pg_class'::regclass AND nm.objid = i.indexrelid AND nm.objsubid = 0
  UNION ALL
  SELECT nm.object, 'trigger', 0, pg_get_triggerdef(tg.oid) || ' (enabled ' || tg.tgenabled::text || ')'
    FROM pg_trigger tg JOIN named nm ON nm.classid = 'pg_trigger'::regclass AND nm.objid = tg.oid
  UNION ALL
  SELECT nm.object, 'policy', 0,
         format('%s for %s to %s using (%s) with check (%s)',
                CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END, po.polcmd,
                array_to_string(array(SELECT r FROM unnest(po.polroles) x,
                                             LATERAL (SELECT CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END) AS u(r)
                                       ORDER BY r COLLATE "C"), ', '),
                pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
    FROM pg_policy po JOIN named nm ON nm.classid = 'pg_policy'::regclass AND nm.objid = po.oid
  UNION ALL
  SELECT nm.object, 'rule', 0, pg_get_ruledef(rw.oid)
    FROM pg_rewrite rw JOIN named nm ON nm.classid = 'pg_rewrite'::regclass AND nm.objid = rw.oid
  UNION ALL
  -- Types: kind, and what makes up enums, domains and ranges (composite
  -- attributes are listed as columns above).
  SELECT nm.object, 'type', 0,
         format('kind %s%s%s', t.typtype,
                CASE WHEN t.typtype = 'd' THEN ', base ' || format_type(t.typbasetype, t.typtypmod)
                                               || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                                               || coalesce(' DEFAULT ' || t.typdefault, '') ELSE '' END,
                CASE WHEN t.typtype = 'e' THEN ', labels ' || array_to_string(array(
                       SELECT quote_literal(e.enumlabel) FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), ', ')
                     ELSE '' END
                || coalesce((SELECT ', subtype ' || format_type(rg.rngsubtype, NULL) FROM pg_range rg WHERE rg.rngtypid = t.oid), ''))
    FROM types t JOIN named nm ON nm.classid = 'pg_type'::regclass AND nm.objid = t.oid
  UNION ALL
  -- Operators and casts.
  SELECT nm.object, 'operator', 0,
         format('function %s, commutator %s, negator %s, restrict %s, join %s, hashes %s, merges %s',
                o.oprcode::oid::regprocedure, nullif(o.oprcom, 0)::regoperator, nullif(o.oprnegate, 0)::regoperator,
                nullif(o.oprrest::oid, 0)::regprocedure, nullif(o.oprjoin::oid, 0)::regprocedure, o.oprcanhash, o.oprcanmerge)
    FROM pg_operator o JOIN named nm ON nm.classid = 'pg_operator'::regclass AND nm.objid = o.oid
  UNION ALL
  SELECT nm.object, 'cast', 0,
         format('function %s, context %s, method %s', nullif(ca.castfunc, 0)::regprocedure, ca.castcontext, ca.castmethod)
    FROM pg_cast ca JOIN named nm ON nm.classid = 'pg_cast'::regclass AND nm.objid = ca.oid
  UNION ALL
  -- Comments and initial privileges of everything above.
  SELECT nm.object, 'comment', 0, ds.description
    FROM named nm JOIN pg_description ds
      ON ds.classoid = nm.classid AND ds.objoid = nm.objid AND ds.objsubid = nm.objsubid
  UNION ALL
  SELECT nm.object, 'initial privileges', 0,
         ip.privtype::text || ' ' || pg_temp.contactsync_acl(ip.initprivs)
    FROM named nm JOIN pg_init_privs ip
      ON ip.classoid = nm.classid AND ip.objoid = nm.objid AND ip.objsubid = nm.objsubid)
-- Definitions and views keep their lines; any other fact is one line.
SELECT f.object, f.aspect, f.n, d.detail, f.object || ' | ' || f.aspect || ' | ' || d.detail AS line
  FROM facts f,
       LATERAL (SELECT CASE WHEN f.aspect IN ('definition', 'view') THEN f.detail
                            ELSE regexp_replace(f.detail, E'\\s*\n\\s*', ' ', 'g') END) AS d(detail)
 ORDER BY f.object COLLATE "C", f.aspect COLLATE "C", f.n, d.detail COLLATE "C";
