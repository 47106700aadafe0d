#!/usr/bin/env bash
# The demo command (README): installs what is missing, builds and installs
# the extension, starts a throwaway cluster, and imports the sample files in
# test/fixtures/: it prints each import's summary, its results, the failure
# report as CSV, and the stored contacts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cs_setup
cs_prepare_work
cs_start_cluster

cs_run psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
\pset footer off
CREATE EXTENSION contactsync;
SELECT default_region FROM contactsync_configure(default_region => 'TW') \gset

\echo
\echo '== Normalisers on test/fixtures/normalize_samples.csv =='
CREATE TEMP TABLE samples (kind text, region text, input text);
\copy samples FROM 'test/fixtures/normalize_samples.csv' CSV HEADER
SELECT kind, region, input,
       CASE kind WHEN 'email' THEN contactsync_normalize_email(input)
                 ELSE contactsync_normalize_phone(input, NULLIF(region, '')) END AS stored_form
  FROM samples;

\echo
\echo '== LINE contacts: test/fixtures/line_contacts.csv, key line_uid =='
CREATE TABLE line_staging (line_uid text, phone text, customer_id text, name text, email text, note text, tags text, birthday text, shoe_size text);
\copy line_staging FROM 'test/fixtures/line_contacts.csv' CSV HEADER
SELECT * FROM contactsync_import('line_staging', 'line_uid', platform_name => 'Demo OA');
SELECT row_number, status, contact_id, codes, message FROM contactsync_import_results
 WHERE batch_id = 1 ORDER BY row_number;
SELECT column_warnings FROM contactsync_import_batch WHERE id = 1;
\echo
\echo '-- failure report of batch 1, as CSV (\copy (SELECT * FROM contactsync_failures_1) TO ''failures.csv'' CSV HEADER)'
SELECT contactsync_failure_report(1) AS view_name \gset
COPY (SELECT * FROM contactsync_failures_1) TO STDOUT CSV HEADER;

\echo
\echo '== Email contacts: test/fixtures/email_contacts.csv, key email =='
CREATE TABLE email_staging (email text, messaging_status text, display_name text, gender text, customer_id text, mobile text, birthday text, tag text, consent_source text, consent_at text);
\copy email_staging FROM 'test/fixtures/email_contacts.csv' CSV HEADER
SELECT * FROM contactsync_import('email_staging', 'email', timezone => 'Asia/Taipei');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = 2 ORDER BY row_number;

\echo
\echo '== WhatsApp contacts: test/fixtures/whatsapp_contacts.csv, key phone =='
CREATE TABLE whatsapp_staging (whatsapp_mobile text, messaging_status text, display_name text, gender text, customer_id text, email text, birthday text, tag text);
\copy whatsapp_staging FROM 'test/fixtures/whatsapp_contacts.csv' CSV HEADER
SELECT * FROM contactsync_import('whatsapp_staging', 'phone');
SELECT row_number, status, codes, message FROM contactsync_import_results
 WHERE batch_id = 3 ORDER BY row_number;

\echo
\echo '== Update by customer_id: test/fixtures/line_update.csv (a dry run, then for real) =='
CREATE TABLE update_staging (customer_id text, name text, note text, tags text, line_uid text);
\copy update_staging FROM 'test/fixtures/line_update.csv' CSV HEADER
SELECT * FROM contactsync_import('update_staging', 'customer_id', channel => 'line', dry_run => true);
SELECT * FROM contactsync_import('update_staging', 'customer_id', channel => 'line');
SELECT row_number, status, codes, message, warnings FROM contactsync_import_results
 WHERE batch_id = 5 ORDER BY row_number;

\echo
\echo '== Identity: persons across channels, and Customer-ID conflicts =='
SELECT unified_contact_id, contact_ids, channels, customer_ids, emails, phones
  FROM contactsync_unified_profiles WHERE contacts > 1 ORDER BY unified_contact_id;
SELECT * FROM contactsync_conflicts ORDER BY conflict_id, contact_id;
SELECT * FROM contactsync_explain((SELECT min(contact_id) FROM contactsync_conflicts));

\echo
\echo '== The store =='
SELECT id, channel, external_member_id, customer_id, name, email, phone, tags, messaging_status,
       unified_contact_id FROM contactsync_contact ORDER BY id;
SQL
