#!/usr/bin/env bash
# Unification benchmark: a generated store of N contacts (default 1,000,000)
# over three channels with realistic overlap — LINE contacts sharing emails
# with Email contacts and phones with WhatsApp contacts, customer_ids on a
# share of them, some customer_id conflicts — and, in one run:
#   (1) a full contactsync_unify            vs  a plain-SQL connected-components
#       baseline (iterative minimum-label propagation over the same shared
#       values until nothing changes; no Customer-ID rules, so it does less),
#       first on the store as inserted (every unified_contact_id NULL, so
#       the run writes every contact), then again on the grouped store (it
#       reads and computes everything, writes nothing);
#   (2) a 1,000-row LINE import with unification into that store, vs (1).
# Targets: (1) <= 0.1x the baseline; (2) <= 2% of (1).
#
#   bash test/bench/unify.sh                    # builds the tree, installs it privately
#   CS_BENCH_ROWS=100000 bash test/bench/unify.sh
#
# Prints a markdown table and writes it to test/bench/out/unify.md.
set -euo pipefail
CS_BENCH_WORK_MEM=${CS_BENCH_WORK_MEM:-256MB}
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
rows=${CS_BENCH_ROWS:-1000000}
bench_build
bench_start

echo "generating $rows contacts ..." >&2
psql_q <<SQL
CREATE EXTENSION contactsync;
-- 40% LINE, 40% Email, 20% WhatsApp.  Person p owns up to three contacts:
-- LINE contact p (email of person p for half of them, phone for a third),
-- Email contact p, WhatsApp contact p for a fifth of persons.
INSERT INTO contactsync_contact (channel, line_uid, email, phone, customer_id)
SELECT 'line', 'U' || pg_catalog.md5(p::text),
       CASE WHEN p % 2 = 0 THEN 'person' || p || '@example.com' END,
       CASE WHEN p % 3 = 0 THEN '+8869' || pg_catalog.lpad(p::text, 8, '0') END,
       CASE WHEN p % 10 = 0 THEN 'C' || p WHEN p % 997 = 1 THEN 'C' || (p + 1) END
  FROM pg_catalog.generate_series(1, ($rows * 4 / 10)) p;
INSERT INTO contactsync_contact (channel, email, messaging_status, customer_id)
SELECT 'email', 'person' || p || '@example.com', 'subscribed',
       CASE WHEN p % 500 = 0 THEN 'X' || p WHEN p % 10 = 0 THEN 'C' || p END
  FROM pg_catalog.generate_series(1, ($rows * 4 / 10)) p;
INSERT INTO contactsync_contact (channel, whatsapp_mobile, messaging_status)
SELECT 'whatsapp', '+8869' || pg_catalog.lpad((p * 3)::text, 8, '0'), 'opted_in'
  FROM pg_catalog.generate_series(1, ($rows * 2 / 10)) p;
VACUUM ANALYZE contactsync_contact;
-- The 1,000-row import: 500 updates of existing LINE contacts, 500 new ones
-- sharing emails with existing Email contacts.
CREATE TABLE staging AS
SELECT 'U' || pg_catalog.md5(p::text) AS line_uid, 'renamed ' || p AS name,
       'person' || p || '@example.com' AS email
  FROM pg_catalog.generate_series(1, 500) p
UNION ALL
SELECT 'U' || pg_catalog.md5(('new' || p)::text), 'new ' || p, 'person' || (p * 7 + 1) || '@example.com'
  FROM pg_catalog.generate_series(1, 500) p;
CHECKPOINT;
SQL

# The SQL baseline: connected components by minimum-label propagation over
# the same shared values (email, the phone space, customer_id).
read -r base_ms _ < <(timed "$(unify_baseline_sql)")
read -r full_ms full_mem < <(timed "SELECT * FROM contactsync_unify();")
# The same run again: the store is grouped, so it reads and computes
# everything and writes nothing (what a recompute of a store kept grouped
# by imports costs).
read -r same_ms same_mem < <(timed "SELECT * FROM contactsync_unify();")
stats=$(psql_q -At -c "SELECT unified_contacts || ' persons, ' || merged_contacts || ' merged, ' || conflicts || ' in conflict' FROM contactsync_unify()")
read -r imp_ms _ < <(timed "SELECT * FROM contactsync_import('staging', 'line_uid');")
imp_stats=$(psql_q -At -c "SELECT created || ' created, ' || updated || ' updated, ' || conflicts || ' conflicts' FROM contactsync_import_batch ORDER BY id DESC LIMIT 1")

table=$(cat <<MD
| case | contacts | contactsync ms | compared with | ratio | target | peak private memory |
|---|---:|---:|---|---:|---|---:|
| full \`contactsync_unify\`, first run (writes every \`unified_contact_id\`) | $rows | $full_ms | SQL label propagation: $base_ms ms | $(ratio "$full_ms" "$base_ms") | ≤ 0.1 | $((full_mem / 1024)) MB |
| full \`contactsync_unify\`, store already grouped (writes nothing) | $rows | $same_ms | SQL label propagation: $base_ms ms | $(ratio "$same_ms" "$base_ms") | ≤ 0.1 | $((same_mem / 1024)) MB |
| 1,000-row import with unification | $rows | $imp_ms | full unify, first run: $full_ms ms | $(ratio "$imp_ms" "$full_ms") | ≤ 0.02 | |
MD
)
echo "$table" | tee "$out_dir/unify.md"
echo "store: $stats; import: $imp_stats" | tee -a "$out_dir/unify.md"
