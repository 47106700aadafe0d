-- Import files of the scale benchmark (test/bench/scale.sh), :rows rows in
-- all: 40% LINE, 40% Email, 20% WhatsApp, as staging tables, and the update
-- files and a 1,000-row LINE file of the same people.  Deterministic: every
-- cell is a function of the row number.
--
-- Person p has LINE contact p and Email contact p; WhatsApp contact q
-- belongs to person 3q.  Identifiers overlap across channels the way one
-- person's do, written differently on each:
--   - LINE p carries person p's email on even p (mixed case), and on every
--     third p the mobile number of WhatsApp contact p/3 in national format
--     (0910-000-003); WhatsApp writes it in international format;
--   - one person in ten has a customer_id on both LINE and Email; one in 997
--     LINE rows carries the next person's customer_id (a typing slip);
--   - one person in 500 has a different customer_id on Email ('X' || p):
--     two customer_ids linked by one email, a Customer-ID conflict.
-- Bad rows, 3-4% of each file, fail or are skipped: on LINE an invalid
-- line_uid, a missing line_uid, an invalid phone, an invalid email; on Email
-- a missing messaging_status (required), an invalid email, an invalid
-- status; on WhatsApp an invalid number, an empty status (skipped) and a
-- missing whatsapp_mobile.
SELECT :rows * 4 / 10 AS line_rows, :rows * 4 / 10 AS email_rows, :rows - 2 * (:rows * 4 / 10) AS wa_rows \gset

-- The mobile number of person p, national format: 0910000000 + p.
CREATE FUNCTION pg_temp.mobile(p bigint) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN '09' OPERATOR(pg_catalog.||) (10000000 OPERATOR(pg_catalog.+) p)::text;

CREATE TABLE public.line_new AS
SELECT CASE p % 100
         WHEN 7 THEN 'U' || pg_catalog.left(pg_catalog.md5('line' || p), 31)   -- invalid_line_uid
         WHEN 17 THEN NULL                                                    -- missing key
         ELSE 'U' || pg_catalog.md5('line' || p)
       END AS line_uid,
       CASE WHEN p % 100 = 27 THEN '12345'                                    -- invalid_phone
            WHEN p % 3 = 0 THEN pg_catalog.substr(pg_temp.mobile(p), 1, 4) || '-' || pg_catalog.substr(pg_temp.mobile(p), 5, 3)
                                || '-' || pg_catalog.substr(pg_temp.mobile(p), 8)
       END AS phone,
       CASE WHEN p % 10 = 0 THEN 'C' || p WHEN p % 997 = 1 THEN 'C' || (p + 1) END AS customer_id,
       'Name ' || p AS name,
       CASE WHEN p % 100 = 37 THEN 'person' || p || '@@example.com'           -- invalid_email
            WHEN p % 2 = 0 THEN 'Person' || p || '@Example.com'
       END AS email,
       CASE WHEN p % 5 = 0 THEN 'note ' || p END AS note,
       CASE p % 4 WHEN 0 THEN 'vip, new' WHEN 1 THEN 'new' END AS tags
  FROM pg_catalog.generate_series(1, :line_rows) AS p;

CREATE TABLE public.email_new AS
SELECT CASE WHEN p % 100 = 21 THEN 'person' || p || '@example'                -- invalid_email
            WHEN p % 7 = 0 THEN ' PERSON' || p || '@EXAMPLE.COM '
            ELSE 'person' || p || '@example.com'
       END AS email,
       CASE p % 100 WHEN 11 THEN NULL WHEN 31 THEN 'maybe'                    -- missing_required, invalid_status
            ELSE CASE WHEN p % 20 = 0 THEN 'unsubscribed' ELSE 'subscribed' END
       END AS messaging_status,
       CASE WHEN p % 500 = 0 THEN 'X' || p WHEN p % 10 = 0 THEN 'C' || p END AS customer_id,
       'Name ' || p AS name,
       CASE p % 3 WHEN 0 THEN 'newsletter' END AS tags
  FROM pg_catalog.generate_series(1, :email_rows) AS p;

CREATE TABLE public.whatsapp_new AS
SELECT CASE q % 100
         WHEN 13 THEN '+886 9' || q                                           -- invalid_phone (too short)
         WHEN 33 THEN NULL                                                    -- missing key
         ELSE CASE WHEN q % 2 = 0 THEN '+886' || pg_catalog.substr(n, 2)
                   ELSE '+886 ' || pg_catalog.substr(n, 2, 3) || ' ' || pg_catalog.substr(n, 5, 3)
                        || ' ' || pg_catalog.substr(n, 8) END
       END AS whatsapp_mobile,
       CASE WHEN q % 100 = 23 THEN NULL                                       -- status_empty (skipped)
            WHEN q % 10 = 0 THEN 'opted_out' ELSE 'opted_in' END AS messaging_status,
       'Name ' || (3 * q) AS name
  FROM pg_catalog.generate_series(1, :wa_rows) AS q
 CROSS JOIN LATERAL (SELECT pg_temp.mobile(3 * q) AS n) AS m;

-- The update files: the same rows, every contact renamed, a note and a tag.
CREATE TABLE public.line_upd AS
  SELECT line_uid, phone, customer_id, 'Renamed ' || name AS name, email, 'updated' AS note, 'updated' AS tags
    FROM public.line_new;
CREATE TABLE public.email_upd AS
  SELECT email, messaging_status, customer_id, 'Renamed ' || name AS name, 'updated' AS tags
    FROM public.email_new;
CREATE TABLE public.whatsapp_upd AS
  SELECT whatsapp_mobile, messaging_status, 'Renamed ' || name AS name
    FROM public.whatsapp_new;

-- The 1,000-row LINE file for the store: 500 updates spread over it, 480 new
-- contacts with the email of a stored Email contact (they join its person),
-- 20 invalid phone numbers.
CREATE TABLE public.line_inc AS
SELECT 'U' || pg_catalog.md5('line' || p) AS line_uid, NULL::text AS phone, 'Updated ' || p AS name,
       NULL::text AS email
  FROM pg_catalog.generate_series(1, 500) AS i
 CROSS JOIN LATERAL (SELECT 1 + (i * 104729) % :line_rows AS p) AS x
UNION ALL
SELECT 'U' || pg_catalog.md5('inc' || i), NULL, 'New ' || i,
       'person' || (1 + (i * 7919) % :email_rows) || '@example.com'
  FROM pg_catalog.generate_series(1, 480) AS i
UNION ALL
SELECT 'U' || pg_catalog.md5('incbad' || i), '0912-' || i, 'Bad ' || i, NULL
  FROM pg_catalog.generate_series(1, 20) AS i;

-- The baseline table: the store's columns, defaults and indexes.
CREATE TABLE public.baseline (LIKE public.contactsync_contact INCLUDING ALL);
-- and its storage parameters (its fill factor; LIKE copies none of them).
DO $$
BEGIN
  EXECUTE pg_catalog.format('ALTER TABLE public.baseline SET (%s)',
    (SELECT COALESCE(pg_catalog.array_to_string(c.reloptions, ', '), 'fillfactor = 100')
       FROM pg_catalog.pg_class c WHERE c.oid = 'public.contactsync_contact'::pg_catalog.regclass));
END
$$;
VACUUM ANALYZE public.line_new, public.email_new, public.whatsapp_new,
  public.line_upd, public.email_upd, public.whatsapp_upd, public.line_inc;
