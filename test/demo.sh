#!/usr/bin/env bash
# The demo command (README): installs what is missing, builds and installs
# the extension, starts a throwaway cluster, and shows contactsync at work on
# the sample files in test/fixtures/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cs_setup
cs_prepare_work
cs_start_cluster

cs_run psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
\pset footer off
CREATE EXTENSION contactsync;

\echo
\echo '== Normalisers on test/fixtures/normalize_samples.csv =='
CREATE TEMP TABLE samples (kind text, region text, input text);
\copy samples FROM 'test/fixtures/normalize_samples.csv' CSV HEADER
SELECT kind, region, input,
       CASE kind WHEN 'email' THEN contactsync_normalize_email(input)
                 ELSE contactsync_normalize_phone(input, NULLIF(region, '')) END AS stored_form
  FROM samples;
SQL
