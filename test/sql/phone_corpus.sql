-- contactsync_normalize_phone agrees with libphonenumber on a generated
-- corpus: the example numbers of every supported region, in every written
-- form (E.164, international, national, separators, parentheses, full-width,
-- the international dialling prefix), with and without a region, plus damaged
-- forms.  The expected value of each case is computed by libphonenumber
-- itself (test/corpus/phone_corpus.cc); the test command builds the file.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
RESET client_min_messages;

\getenv abs_srcdir PG_ABS_SRCDIR
\set corpus_file :abs_srcdir '/corpus/phone_corpus.tsv'
CREATE TEMP TABLE phone_corpus (input text, region text, expected text);
COPY phone_corpus FROM :'corpus_file';

-- The corpus is broad: many cases, every region, both outcomes.
SELECT count(*) > 15000 AS many_cases,
       count(DISTINCT region) FILTER (WHERE region <> '') >= 240 AS every_region,
       count(*) FILTER (WHERE expected <> '') > 10000 AS many_valid,
       count(*) FILTER (WHERE expected = '') > 1000 AS many_invalid,
       count(*) FILTER (WHERE region = '') > 1000 AS many_without_region
  FROM phone_corpus;

-- Complete agreement: no case where the normaliser differs from the library.
SELECT count(*) AS disagreements
  FROM phone_corpus
 WHERE COALESCE(contactsync_normalize_phone(input, NULLIF(region, '')), '') <> expected;

SELECT input, region, expected, contactsync_normalize_phone(input, NULLIF(region, '')) AS got
  FROM phone_corpus
 WHERE COALESCE(contactsync_normalize_phone(input, NULLIF(region, '')), '') <> expected
 LIMIT 20;

-- An import normalises its phone numbers a chunk at a time on helper
-- threads (contactsync.phone_threads); it must agree with the library just
-- the same.  The corpus cases of one region (none, or TW), imported as SMS
-- contacts on four threads: a case the library rejects fails with a phone
-- code, and a created contact holds exactly the library's E.164 (a number
-- that repeats in another written form is superseded by its last row, and
-- is not compared).  The import numbers the rows in physical order, which
-- need not be the order they were inserted in (a short row can go to an
-- earlier page that still has room), so the rows are numbered by ctid.
CREATE FUNCTION pg_temp.import_corpus(r text) RETURNS TABLE (rows_compared bigint, created bigint,
  rejected_but_accepted bigint, accepted_but_rejected bigint, stored_differs bigint) LANGUAGE plpgsql AS $$
DECLARE b bigint;
BEGIN
  SET LOCAL client_min_messages = warning;
  -- (expected is not a contact field: the import skips it.)
  DROP TABLE IF EXISTS pg_temp.corpus_staging;
  CREATE TEMP TABLE corpus_staging (phone text, expected text);
  INSERT INTO corpus_staging SELECT input, expected FROM phone_corpus WHERE region = r;
  SET LOCAL contactsync.phone_threads = 4;
  SELECT i.batch_id, i.created INTO b, created
    FROM contactsync_import('corpus_staging', 'phone', channel => 'sms', region => NULLIF(r, ''),
                            workspace => 'phone corpus ' || r, on_duplicate => 'last') i;
  SELECT count(*),
         count(*) FILTER (WHERE e.expected = '' AND NOT (res.status = 'failed' AND res.codes && ARRAY['invalid_phone', 'phone_needs_region'])),
         count(*) FILTER (WHERE e.expected <> '' AND res.codes && ARRAY['invalid_phone', 'phone_needs_region']),
         count(*) FILTER (WHERE res.status = 'created' AND c.phone IS DISTINCT FROM e.expected)
    INTO rows_compared, rejected_but_accepted, accepted_but_rejected, stored_differs
    FROM contactsync_import_results res
    JOIN (SELECT row_number() OVER (ORDER BY ctid) AS n, expected FROM corpus_staging) e ON e.n = res.row_number
    LEFT JOIN contactsync_contact c ON c.workspace = res.workspace AND c.id = res.contact_id AND res.status = 'created'
   WHERE res.batch_id = b;
  RETURN NEXT;
END $$;
SELECT rows_compared > 5000 AS many_rows, created > 500 AS many_created,
       rejected_but_accepted, accepted_but_rejected, stored_differs
  FROM pg_temp.import_corpus('');
SELECT rows_compared > 50 AS many_rows, created > 0 AS some_created,
       rejected_but_accepted, accepted_but_rejected, stored_differs
  FROM pg_temp.import_corpus('TW');
