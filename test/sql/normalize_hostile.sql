-- The normalisers on hostile input: NULLs, empty strings, 1 MB strings,
-- control characters, zero-width and Bidi characters, combining sequences,
-- emoji.  None may crash; each returns NULL or a valid stored form.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
RESET client_min_messages;

CREATE TEMP TABLE hostile (rule text, input text);
INSERT INTO hostile VALUES
  ('NULL',                       NULL),
  ('empty',                      ''),
  ('1 MB of a',                  repeat('a', 1048576)),
  ('1 MB address',               repeat('a', 1048576) || '@example.com'),
  ('1 MB domain',                'a@' || repeat('b', 1048576) || '.com'),
  ('1 MB of digits',             repeat('9', 1048576)),
  ('1 MB of white space',        repeat(U&'\3000', 349525)),
  ('1 MB of soft hyphens',       'a@b' || repeat(U&'\00AD', 524288) || '.com'),
  ('1 MB of combining marks',    'a' || repeat(U&'\0301', 524288) || '@example.com'),
  ('all C0 controls',            (SELECT string_agg(chr(c), '') FROM generate_series(1, 31) c)),
  ('DEL and C1 controls',        (SELECT string_agg(chr(c), '') FROM generate_series(127, 159) c)),
  ('zero-width joiners',         U&'\200D\200C\200B\FEFF'),
  ('Bidi overrides',             U&'\202Ea@example.com\202C'),
  ('lone combining mark',        U&'\0301'),
  ('emoji sequence',             '👩‍👩‍👧‍👦@example.com'),
  ('flag emoji phone',           '🇹🇼 0912 345 678'),
  ('noncharacters',              U&'\FFFE\FFFF'),
  ('private use',                U&'\E000@example.com'),
  ('astral plane',               U&'\+01D400@example.com'),
  ('many at signs',              repeat('@', 100000)),
  ('many dots',                  'a@' || repeat('.', 100000)),
  ('many plus signs',            repeat('+', 100000)),
  ('digits and letters',         '09l2E45b7B'),
  ('5000-character email',       repeat('x', 4988) || '@example.com'),
  ('long non-ASCII label',       'a@ü' || repeat('b', 1000) || '.com');

-- Every result is NULL or a fixed point of the normaliser (a valid stored form).
SELECT rule,
       contactsync_normalize_email(input) IS NULL AS email_null,
       contactsync_normalize_phone(input, 'TW') IS NULL AS phone_null
  FROM hostile ORDER BY rule COLLATE "C";

SELECT count(*) AS bad_stored_forms
  FROM hostile,
       LATERAL (SELECT contactsync_normalize_email(input) AS e,
                       contactsync_normalize_phone(input, 'TW') AS p) AS n
 WHERE (e IS NOT NULL AND contactsync_normalize_email(e) IS DISTINCT FROM e)
    OR (p IS NOT NULL AND contactsync_normalize_phone(p) IS DISTINCT FROM p);

-- Memory does not grow with the number of values: the backend's resident
-- size after 200,000 more calls on each path (ASCII, NFKC, IDNA, invalid,
-- valid and invalid phones) stays within a few MB of its size after a
-- warm-up.  A leak of ICU or libphonenumber objects per call would show here.
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (pg_catalog.regexp_match(
            pg_catalog.pg_read_file('/proc/' || pg_catalog.pg_backend_pid() || '/status'),
            'VmRSS:\s+(\d+)'))[1]::bigint
$$;
CREATE TEMP TABLE rss (label text, kb bigint);
CREATE FUNCTION pg_temp.churn(n int) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(contactsync_normalize_email(repeat('é', 40) || g || '@@x'))
       + count(contactsync_normalize_email('User' || g || '@Exämple.com'))
       + count(contactsync_normalize_email('User' || g || '@example.com'))
       + count(contactsync_normalize_phone('+886 9' || g, 'TW'))
       + count(contactsync_normalize_phone('0912' || lpad(g::text, 6, '0'), 'TW'))
    FROM generate_series(1, n) g
$$;
SELECT pg_temp.churn(20000) AS warm_up_valid;
INSERT INTO rss SELECT 'before', pg_temp.rss_kb();
SELECT pg_temp.churn(200000) AS valid;
INSERT INTO rss SELECT 'after', pg_temp.rss_kb();
-- Under a memory checker (test/run.sh --sanitize, --valgrind) resident memory
-- is the checker's allocator's, not the extension's: the plain run checks the
-- bound (and the fuzzers check every call for leaks).
SELECT pg_catalog.pg_read_file('/proc/' || pg_catalog.pg_backend_pid() || '/maps')
         ~ '/(libasan|vgpreload_memcheck)' AS under_checker \gset
SELECT :'under_checker'::boolean
       OR (SELECT kb FROM rss WHERE label = 'after') - (SELECT kb FROM rss WHERE label = 'before') < 8192
       AS rss_growth_under_8mb;
