-- contactsync_normalize_email: the email rules of SPEC §3 "Field rules".
-- Each case names the rule it checks; the last query asserts every case.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
RESET client_min_messages;

CREATE TEMP TABLE email_case (rule text, input text, expected text);
INSERT INTO email_case VALUES
  -- trimming of Unicode white space
  ('trim ASCII spaces',            '  a@example.com  ',         'a@example.com'),
  ('trim tab and newline',         E'\ta@example.com\n',        'a@example.com'),
  ('trim no-break space',          U&'\00A0a@example.com\00A0', 'a@example.com'),
  ('trim ideographic space',       U&'\3000a@example.com\3000', 'a@example.com'),
  ('trim em space and NEL',        U&'\2003a@example.com\0085', 'a@example.com'),
  ('inner space invalid',          'a b@example.com',           NULL),
  ('white space only is blank',    U&' \3000 ',                 NULL),
  ('empty is invalid',             '',                          NULL),
  -- case
  ('lower-case local part',        'John.Smith@Example.COM',    'john.smith@example.com'),
  ('lower-case domain',            'a@EXAMPLE.ORG',             'a@example.org'),
  ('lower-case non-ASCII local',   'ÉLODIE@example.fr',         'élodie@example.fr'),
  ('root locale: dotted I',        U&'\0130@example.com',       U&'i\0307@example.com'),
  ('root locale: dotless i kept',  U&'\0131x@example.com',      U&'\0131x@example.com'),
  ('final sigma',                  'ΟΔΟΣ@example.gr',           'οδος@example.gr'),
  -- NFKC
  ('full-width letters',           'ｊｏｈｎ@example.com',      'john@example.com'),
  ('full-width at sign separates', 'john＠example.com',         'john@example.com'),
  ('full-width whole address',     'ＪＯＨＮ＠ＥＸＡＭＰＬＥ．ＣＯＭ', 'john@example.com'),
  ('compatibility ligature',       U&'\FB01nance@example.com',  'finance@example.com'),
  ('decomposed e + acute composed', U&'e\0301@example.fr',      U&'\00E9@example.fr'),
  ('superscript digit',            U&'a\00B2@example.com',      'a2@example.com'),
  ('circled letter',               U&'\24B6@example.com',       'a@example.com'),
  ('non-ASCII local (RFC 6531)',   '用户@example.com',           '用户@example.com'),
  ('Cyrillic local',               'Почта@example.ru',          'почта@example.ru'),
  -- IDNA UTS #46, non-transitional
  ('IDN domain to A-label',        'a@bücher.de',               'a@xn--bcher-kva.de'),
  ('IDN domain upper case',        'a@BÜCHER.DE',               'a@xn--bcher-kva.de'),
  ('sharp s kept (non-transitional)', 'a@straße.de',            'a@xn--strae-oqa.de'),
  ('strasse stays different',      'a@strasse.de',              'a@strasse.de'),
  ('final sigma domain kept',      'a@ςa.gr',                   'a@xn--a-xmb.gr'),
  ('Chinese domain',               'a@例子.中国',                 'a@xn--fsqu00a.xn--fiqs8s'),
  ('ideographic full stop',        U&'a@example\3002com',       'a@example.com'),
  ('A-label kept',                 'a@xn--bcher-kva.de',        'a@xn--bcher-kva.de'),
  ('A-label upper case',           'a@XN--BCHER-KVA.DE',        'a@xn--bcher-kva.de'),
  ('bad Punycode A-label',         'a@xn--zz-.de',              NULL),
  ('soft hyphen ignored in domain', U&'a@exam\00ADple.com',     'a@example.com'),
  ('UTS #46 valid symbol in domain', 'a@exa☺mple.com',          'a@xn--example-wc7d.com'),
  ('disallowed character in domain', U&'a@exa\2FF0mple.com',   NULL),
  ('Bidi rule violation',          U&'a@\05D0a.com',            NULL),
  -- exactly one @
  ('no @',                         'john.example.com',          NULL),
  ('two @',                        'a@b@example.com',           NULL),
  ('empty local part',             '@example.com',              NULL),
  ('empty domain',                 'john@',                     NULL),
  -- dot-atom local part
  ('atext specials allowed',       'a!#$%&''*+/=?^_`{|}~-b@example.com', 'a!#$%&''*+/=?^_`{|}~-b@example.com'),
  ('plus tag kept',                'john+news@example.com',     'john+news@example.com'),
  ('leading dot',                  '.john@example.com',         NULL),
  ('trailing dot',                 'john.@example.com',         NULL),
  ('consecutive dots',             'jo..hn@example.com',        NULL),
  ('quoted local part',            '"john smith"@example.com',  NULL),
  ('quoted simple local part',     '"john"@example.com',        NULL),
  ('comma in local',               'jo,hn@example.com',         NULL),
  ('parenthesis comment',          'john(c)@example.com',       NULL),
  ('backslash',                    'jo\hn@example.com',         NULL),
  ('zero-width space in local',    U&'jo\200Bhn@example.com',   NULL),
  ('Bidi mark in local',           U&'\200Fjohn@example.com',   NULL),
  ('control character in local',   E'jo\x01hn@example.com',     NULL),
  ('local part 64 octets',         repeat('a', 64) || '@example.com', repeat('a', 64) || '@example.com'),
  ('local part 65 octets',         repeat('a', 65) || '@example.com', NULL),
  ('local 64 octets multibyte',    repeat('é', 32) || '@example.com', repeat('é', 32) || '@example.com'),
  ('local 66 octets multibyte',    repeat('é', 33) || '@example.com', NULL),
  -- no IP literals
  ('IPv4 literal',                 'a@[192.168.0.1]',           NULL),
  ('IPv6 literal',                 'a@[IPv6:2001:db8::1]',      NULL),
  ('bare IPv4 (TLD all digits)',   'a@192.168.0.1',             NULL),
  -- LDH labels
  ('hyphen inside label',          'a@my-site.example',         'a@my-site.example'),
  ('digits in labels',             'a@123.example2.com',        'a@123.example2.com'),
  ('leading hyphen label',         'a@-example.com',            NULL),
  ('trailing hyphen label',        'a@example-.com',            NULL),
  ('hyphens in positions 3-4',     'a@ab--cd.com',              NULL),
  ('underscore in domain',         'a@ex_ample.com',            NULL),
  ('space in domain',              'a@exa mple.com',            NULL),
  ('empty label',                  'a@example..com',            NULL),
  ('leading dot in domain',        'a@.example.com',            NULL),
  ('trailing dot in domain',       'a@example.com.',            NULL),
  ('label 63 octets',              'a@' || repeat('b', 63) || '.com', 'a@' || repeat('b', 63) || '.com'),
  ('label 64 octets',              'a@' || repeat('b', 64) || '.com', NULL),
  -- the same label rules on the IDNA path (a soft hyphen, which UTS #46
  -- ignores, sends an otherwise ASCII domain through ICU)
  ('IDNA path: upper case',        U&'a@EXAM\00ADPLE.com',        'a@example.com'),
  ('IDNA path: leading hyphen',    U&'a@-exam\00ADple.com',       NULL),
  ('IDNA path: trailing hyphen',   U&'a@exam\00ADple-.com',       NULL),
  ('IDNA path: hyphens 3-4',       U&'a@ab--c\00ADd.com',         NULL),
  ('IDNA path: underscore',        U&'a@ex_am\00ADple.com',       NULL),
  ('IDNA path: empty label',       U&'a@exam\00ADple..com',       NULL),
  ('IDNA path: label 64 octets',   'a@' || repeat('b', 64) || U&'\00AD.com', NULL),
  ('IDNA path: single label',      U&'a@local\00ADhost',          NULL),
  ('IDNA path: numeric TLD',       U&'a@exam\00ADple.123',        NULL),
  -- at least two labels, TLD not all digits
  ('single label',                 'a@localhost',               NULL),
  ('numeric TLD',                  'a@example.123',             NULL),
  ('TLD with a digit',             'a@example.a1',              'a@example.a1'),
  ('numeric second-level ok',      'a@123.com',                 'a@123.com'),
  -- whole address at most 254 octets
  ('254 octets',                   repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 57) || '.com',
                                   repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 57) || '.com'),
  ('255 octets',                   repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 58) || '.com', NULL),
  ('254 octets after IDNA',        repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 49) || 'ü.com',
                                   repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.xn--' || repeat('d', 49) || '-tdf.com'),
  ('255 octets after IDNA',        repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 50) || 'ü.com', NULL),
  -- hostile but harmless
  ('emoji local part',             '😀@example.com',            '😀@example.com'),
  ('emoji domain (UTS #46 valid)', 'a@😀.example',              'a@xn--e28h.example'),
  ('SQL-looking input',            'x''; DROP TABLE t; --@example.com', NULL),
  ('5000-character address',       repeat('a', 5000) || '@example.com', NULL),
  ('only @',                       '@',                         NULL);

-- Every case agrees with its expected result (no rows = all pass).
SELECT rule, input, expected, contactsync_normalize_email(input) AS got
  FROM email_case
 WHERE contactsync_normalize_email(input) IS DISTINCT FROM expected;

SELECT count(*) AS cases, count(expected) AS valid, count(*) - count(expected) AS invalid
  FROM email_case;

-- The output, for review.
SELECT rule, contactsync_normalize_email(input) AS normalised
  FROM email_case
 WHERE pg_catalog.length(input) < 80
 ORDER BY rule COLLATE "C";

-- NULL in, NULL out (the function is strict).
SELECT contactsync_normalize_email(NULL) IS NULL AS null_is_null;

-- Stored form is a fixed point: normalising it again changes nothing.
SELECT count(*) AS not_idempotent
  FROM email_case
 WHERE expected IS NOT NULL
   AND contactsync_normalize_email(expected) IS DISTINCT FROM expected;

-- Usable in an index expression, and the planner uses that index.
CREATE TEMP TABLE email_idx (e text);
INSERT INTO email_idx SELECT 'User' || g || '@Example.COM' FROM generate_series(1, 2000) g;
CREATE INDEX ON email_idx (contactsync_normalize_email(e));
ANALYZE email_idx;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
  SELECT * FROM email_idx WHERE contactsync_normalize_email(e) = 'user42@example.com';
SELECT e FROM email_idx WHERE contactsync_normalize_email(e) = 'user42@example.com';
RESET enable_seqscan;
