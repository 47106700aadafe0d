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
