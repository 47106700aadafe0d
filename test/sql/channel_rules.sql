-- The channel rules of SPEC §3 as data (contactsync_channel_fields) and each
-- field validator (contactsync_validate_field).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contactsync;
\set SHOW_CONTEXT never
RESET client_min_messages;

-- Templates: the primary key first; required fields per channel.
SELECT channel, string_agg(field, ', ' ORDER BY template_position) AS template
  FROM contactsync_channel_fields WHERE template_position IS NOT NULL
 GROUP BY channel ORDER BY channel;
SELECT channel, field, required, updatable, primary_key, allowed_values, empty_skips_row
  FROM contactsync_channel_fields
 WHERE required OR primary_key OR validator = 'status'
 ORDER BY channel, field;
-- Rule: the channel primary key is never updatable; every other field is.
SELECT count(*) AS primary_updatable FROM contactsync_channel_fields WHERE primary_key AND updatable;
-- Aliases (SPEC §3 "Columns").
SELECT DISTINCT field, aliases FROM contactsync_channel_fields WHERE aliases <> '{}' ORDER BY field;

CREATE TEMP TABLE field_case (rule text, channel text, field text, value text, region text);
INSERT INTO field_case VALUES
  -- headers match case-insensitively, aliases included
  ('alias Email',                 'email', 'Email', 'A@Example.com', NULL),
  ('alias user.email',            'line', 'USER.EMAIL', 'a@example.com', NULL),
  ('alias mobile',                'email', 'mobile', '0912-345-678', 'TW'),
  ('alias user.mobilenumber',     'line', 'user.mobileNumber', '+886912345678', NULL),
  ('alias user.identifier',       'line', 'user.identifier', ' C-001 ', NULL),
  ('alias display_name',          'email', 'display_name', 'Ann', NULL),
  ('alias tag',                   'line', 'tag', 'vip', NULL),
  ('alias status',                'sms', 'status', 'OPTED_OUT', NULL),
  -- line_uid: U + 32 lower-case hex
  ('line_uid ok',                 'line', 'line_uid', 'U4af4980629' || repeat('0', 22), NULL),
  ('line_uid upper-case hex',     'line', 'line_uid', 'U4AF4980629' || repeat('0', 22), NULL),
  ('line_uid too short',          'line', 'line_uid', 'U1234', NULL),
  ('line_uid without U',          'line', 'line_uid', repeat('a', 33), NULL),
  -- email and phone use the normalisers
  ('email normalised',            'email', 'email', '  ＪＯＨＮ＠Example.COM ', NULL),
  ('email invalid',               'email', 'email', 'john@@example.com', NULL),
  ('phone with region',           'sms', 'phone', '0912 345 678', 'TW'),
  ('phone needs region',          'sms', 'phone', '0912 345 678', NULL),
  ('phone with country code',     'sms', 'phone', '+886 912 345 678', NULL),
  ('phone invalid',               'sms', 'phone', '12345', 'TW'),
  ('whatsapp_mobile',             'whatsapp', 'whatsapp_mobile', '+886912345678', NULL),
  -- statuses per channel, case-insensitive, stored lower-case
  ('email status',                'email', 'messaging_status', 'Hard_Bounce', NULL),
  ('email status of whatsapp',    'email', 'messaging_status', 'opted_in', NULL),
  ('whatsapp status',             'whatsapp', 'messaging_status', 'not_subscribed', NULL),
  ('whatsapp empty status skips', 'whatsapp', 'messaging_status', '  ', NULL),
  ('email empty status required', 'email', 'messaging_status', '', NULL),
  ('sms status',                  'sms', 'messaging_status', 'opted_in', NULL),
  ('sms status invalid',          'sms', 'messaging_status', 'subscribed', NULL),
  ('line status',                 'line', 'messaging_status', 'Blocked', NULL),
  ('line status invalid',         'line', 'messaging_status', 'opted_in', NULL),
  -- required fields
  ('email required',              'email', 'email', NULL, NULL),
  ('sms phone required',          'sms', 'phone', '', NULL),
  ('line email optional',         'line', 'email', '', NULL),
  -- name at most 255 characters
  ('name 255 characters',         'line', 'name', repeat('名', 255), NULL),
  ('name 256 characters',         'line', 'name', repeat('名', 256), NULL),
  -- gender
  ('gender upper case',           'email', 'gender', 'FEMALE', NULL),
  ('gender invalid',              'email', 'gender', 'f', NULL),
  -- birthday YYYY-MM-DD, a real date
  ('birthday ok',                 'line', 'birthday', '1990-02-28', NULL),
  ('birthday leap day',           'line', 'birthday', '2000-02-29', NULL),
  ('birthday not leap',           'line', 'birthday', '1900-02-29', NULL),
  ('birthday month 13',           'line', 'birthday', '1990-13-01', NULL),
  ('birthday slashes',            'line', 'birthday', '1990/02/28', NULL),
  ('birthday no padding',         'line', 'birthday', '1990-2-8', NULL),
  -- consent_at YYYY-MM-DD hh:mm:ss, T accepted
  ('consent_at space',            'email', 'consent_at', '2024-01-31 23:59:59', NULL),
  ('consent_at T',                'email', 'consent_at', '2024-01-31T08:00:00', NULL),
  ('consent_at hour 24',          'email', 'consent_at', '2024-01-31 24:00:00', NULL),
  ('consent_at no seconds',       'email', 'consent_at', '2024-01-31 08:00', NULL),
  ('consent_at bad date',         'email', 'consent_at', '2024-02-30 08:00:00', NULL),
  -- tags: split on commas, trimmed, empty dropped, exact duplicates dropped
  ('tags cleaned',                'line', 'tags', ' vip, VIP ,,vip, new ,', NULL),
  ('tags only commas',            'line', 'tags', ' , ,', NULL),
  -- free text is trimmed only
  ('note trimmed',                'line', 'note', U&'\3000 hello  world \00A0', NULL);

SELECT rule, left((v).stored, 40) AS stored, (v).code
  FROM (SELECT rule, contactsync_validate_field(channel, field, value, region) AS v FROM field_case) s
 ORDER BY rule COLLATE "C";

-- Misuse.
SELECT contactsync_validate_field('telegram', 'email', 'a@example.com');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_validate_field('facebook', 'email', 'a@example.com');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_validate_field('line', 'shoe_size', '42');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT contactsync_validate_field('sms', 'phone', '0912345678', 'XX');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
