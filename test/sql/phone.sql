-- contactsync_normalize_phone: E.164 of numbers libphonenumber deems valid,
-- in every accepted written form, over many regions (SPEC §3).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
RESET client_min_messages;

CREATE TEMP TABLE phone_case (rule text, input text, region text, expected text);
INSERT INTO phone_case VALUES
  -- Taiwan: every written form of one mobile number
  ('TW national',                  '0912345678',            'TW', '+886912345678'),
  ('TW national with dashes',      '0912-345-678',          'TW', '+886912345678'),
  ('TW national with dots',        '0912.345.678',          'TW', '+886912345678'),
  ('TW national with spaces',      '0912 345 678',          'TW', '+886912345678'),
  ('TW parentheses',               '(09) 1234-5678',        'TW', '+886912345678'),
  ('TW full-width digits',         '０９１２３４５６７８',  'TW', '+886912345678'),
  ('TW full-width with dash',      '０９１２－３４５－６７８', 'TW', '+886912345678'),
  ('TW E.164',                     '+886912345678',         'TW', '+886912345678'),
  ('TW international format',      '+886 912 345 678',      'TW', '+886912345678'),
  ('TW E.164 full-width plus',     '＋８８６９１２３４５６７８', 'TW', '+886912345678'),
  ('TW IDD 009 for +',             '009886912345678',       'TW', '+886912345678'),
  ('TW: bare 00 is not its IDD',   '00886912345678',        'TW', NULL),
  ('TW IDD 002 for +',             '002 886 912 345 678',   'TW', '+886912345678'),
  ('TW landline Taipei',           '(02) 2345-6789',        'TW', '+886223456789'),
  ('TW region lower case',         '0912345678',            'tw', '+886912345678'),
  ('TW too short',                 '091234567',             'TW', NULL),
  ('TW too long',                  '09123456789',           'TW', NULL),
  -- United States and Canada (NANP)
  ('US national with parentheses', '(201) 555-0123',        'US', '+12015550123'),
  ('US with trunk 1',              '1-201-555-0123',        'US', '+12015550123'),
  ('US dots',                      '201.555.0123',          'US', '+12015550123'),
  ('US IDD 011 to UK',             '011 44 7400 123456',    'US', '+447400123456'),
  ('US E.164 without region',      '+12015550123',          NULL, '+12015550123'),
  ('+1 valid whatever the region', '+1 201 555 0123',       'TW', '+12015550123'),
  ('US invalid area code 123',     '(123) 555-0123',        'US', NULL),
  ('CA national',                  '(506) 234-5678',        'CA', '+15062345678'),
  -- United Kingdom
  ('GB mobile national',           '07400 123456',          'GB', '+447400123456'),
  ('GB international',             '+44 7400 123456',       'GB', '+447400123456'),
  ('GB IDD 00 to US',              '00 1 201 555 0123',     'GB', '+12015550123'),
  ('GB London landline',           '020 7946 0958',         'GB', '+442079460958'),
  -- Germany
  ('DE Berlin landline',           '030 123456',            'DE', '+4930123456'),
  ('DE mobile',                    '0151 23456789',         'DE', '+4915123456789'),
  ('DE IDD 00',                    '0049 30 123456',        'DE', '+4930123456'),
  -- France
  ('FR pairs with spaces',         '01 23 45 67 89',        'FR', '+33123456789'),
  ('FR mobile dots',               '06.12.34.56.78',        'FR', '+33612345678'),
  ('FR international with (0)',    '+33 (0)6 12 34 56 78',  'FR', '+33612345678'),
  -- Japan
  ('JP Tokyo landline',            '03-1234-5678',          'JP', '+81312345678'),
  ('JP mobile',                    '090-1234-5678',         'JP', '+819012345678'),
  ('JP IDD 010',                   '010-81-90-1234-5678',   'JP', '+819012345678'),
  ('JP full-width',                '０９０－１２３４－５６７８', 'JP', '+819012345678'),
  -- South Korea
  ('KR mobile',                    '010-2000-0000',         'KR', '+821020000000'),
  ('KR Seoul landline',            '02-212-3456',           'KR', '+8222123456'),
  -- China
  ('CN mobile',                    '138 0013 8000',         'CN', '+8613800138000'),
  ('CN Beijing landline',          '010 1234 5678',         'CN', '+861012345678'),
  -- India
  ('IN mobile',                    '081234 56789',          'IN', '+918123456789'),
  ('IN mobile no trunk',           '98765 43210',           'IN', '+919876543210'),
  -- Brazil
  ('BR Sao Paulo mobile',          '(11) 96123-4567',       'BR', '+5511961234567'),
  -- Australia
  ('AU mobile',                    '0412 345 678',          'AU', '+61412345678'),
  ('AU IDD 0011',                  '0011 886 912 345 678',  'AU', '+886912345678'),
  -- Thailand
  ('TH mobile',                    '081 234 5678',          'TH', '+66812345678'),
  -- Singapore
  ('SG mobile',                    '8123 4567',             'SG', '+6581234567'),
  -- Indonesia
  ('ID mobile',                    '0812-345-678',          'ID', '+62812345678'),
  -- Hong Kong
  ('HK mobile',                    '5123 4567',             'HK', '+85251234567'),
  -- Mexico
  ('MX Mexico City',               '55 1234 5678',          'MX', '+525512345678'),
  -- Spain
  ('ES mobile',                    '612 34 56 78',          'ES', '+34612345678'),
  -- Italy (leading zero kept in landlines)
  ('IT mobile',                    '312 345 6789',          'IT', '+393123456789'),
  ('IT Rome landline',             '06 1234 5678',          'IT', '+390612345678'),
  -- Vietnam, Malaysia, Philippines
  ('VN mobile',                    '0912 345 678',          'VN', '+84912345678'),
  ('MY mobile',                    '012-345 6789',          'MY', '+60123456789'),
  ('PH mobile',                    '0905 123 4567',         'PH', '+639051234567'),
  -- Russia: IDD 8~10 written as 810
  ('RU mobile',                    '8 (912) 345-67-89',     'RU', '+79123456789'),
  ('RU IDD 810',                   '810 886 912 345 678',   'RU', '+886912345678'),
  -- national form without a region
  ('national number, no region',   '0912345678',            NULL, NULL),
  ('national with IDD, no region', '00886912345678',        NULL, NULL),
  -- invalid numbers
  ('empty',                        '',                      'TW', NULL),
  ('white space only',             '   ',                   'TW', NULL),
  ('letters only',                 'not a number',          'TW', NULL),
  ('unknown country code',         '+999 123 456 789',      NULL, NULL),
  ('too short',                    '+8869',                 NULL, NULL),
  ('too many digits',              '+8869123456789012345',  NULL, NULL),
  ('emoji',                        '📞 0912345678 📞',      'TW', '+886912345678'),
  ('control characters',           E'09\x01123\x02456\x0378', 'TW', NULL),
  ('SQL-looking input',            '0912345678''; DROP TABLE t; --', 'TW', NULL),
  -- a stored form must read back as itself: this Belarus number's E.164
  -- form (+3758101234567) loses its leading 8 when read again, so it is
  -- refused; a number that does read back is kept
  ('BY, E.164 not stable',         '8 810 123 4567',        'BY', NULL),
  ('BY, E.164 not stable, letters', '8 810 123 456PA7',     'BY', NULL),
  ('BY mobile',                    '8 029 491 19 11',       'BY', '+375294911911');

-- Every case agrees with its expected result (no rows = all pass).
SELECT rule, input, region, expected, contactsync_normalize_phone(input, region) AS got
  FROM phone_case
 WHERE contactsync_normalize_phone(input, region) IS DISTINCT FROM expected;

SELECT count(*) AS cases,
       count(DISTINCT region) AS regions,
       count(expected) AS valid,
       count(*) - count(expected) AS invalid
  FROM phone_case;

-- The output, for review.
SELECT rule, contactsync_normalize_phone(input, region) AS e164
  FROM phone_case ORDER BY rule COLLATE "C";

-- NULL input is NULL; the E.164 result is a fixed point.
SELECT contactsync_normalize_phone(NULL) IS NULL AS null_is_null,
       contactsync_normalize_phone(NULL, 'TW') IS NULL AS null_with_region;
SELECT count(*) AS not_idempotent
  FROM phone_case
 WHERE expected IS NOT NULL
   AND contactsync_normalize_phone(expected) IS DISTINCT FROM expected;

-- contactsync.default_region supplies the region when the argument is NULL.
SHOW contactsync.default_region;
SELECT contactsync_normalize_phone('0912345678') AS without_setting;
SET contactsync.default_region = 'tw';
SHOW contactsync.default_region;
SELECT contactsync_normalize_phone('0912345678') AS with_setting,
       contactsync_normalize_phone('0912345678', NULL) AS null_region_uses_setting,
       contactsync_normalize_phone('07400 123456', 'GB') AS argument_wins;
-- An empty region argument also falls back to the setting.
SELECT contactsync_normalize_phone('0912345678', '') AS empty_region_uses_setting;
RESET contactsync.default_region;

-- An unknown region is a user error, not NULL: as an argument ...
SELECT contactsync_normalize_phone('0912345678', 'XX');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_normalize_phone('0912345678', 'Taiwan');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_normalize_phone('0912345678', '001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- ... and as the setting.
SET contactsync.default_region = 'XX';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET contactsync.default_region = 'a-much-too-long-value';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SHOW contactsync.default_region;

-- contactsync_region_code: canonical form or error.
SELECT contactsync_region_code('tw'), contactsync_region_code('Gb');
SELECT contactsync_region_code('ZZ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_region_code('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Usable in an index expression when the region is named.
CREATE TEMP TABLE phone_idx (p text);
INSERT INTO phone_idx SELECT '09' || (12000000 + g)::text FROM generate_series(1, 2000) g;
CREATE INDEX ON phone_idx (contactsync_normalize_phone(p, 'TW'));
ANALYZE phone_idx;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
  SELECT * FROM phone_idx WHERE contactsync_normalize_phone(p, 'TW') = '+886912000042';
SELECT p FROM phone_idx WHERE contactsync_normalize_phone(p, 'TW') = '+886912000042';
RESET enable_seqscan;
