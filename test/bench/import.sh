#!/usr/bin/env bash
# Import benchmark (issue: set-based and fast): in one run, generates a
# LINE staging table of N rows (default 1,000,000) and times
#   (a) contactsync_import into an empty store     vs  INSERT ... SELECT into an
#       equivalent table with the same indexes, no validation;
#   (b) the same file again (every row unchanged)   vs  (a);
#   (c) a file updating every stored contact        vs  INSERT ... ON CONFLICT DO UPDATE
#       on the baseline table;
# and the backend's peak private memory (RssAnon, sampled) during each import, each in a
# fresh connection.
#
#   bash test/bench/import.sh                    # builds the tree, installs it privately
#   CS_BENCH_ROWS=100000 bash test/bench/import.sh
#
# Prints a markdown table and writes it to test/bench/out/import.md.
set -euo pipefail
CS_BENCH_WORK_MEM=${CS_BENCH_WORK_MEM:-64MB}
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"
rows=${CS_BENCH_ROWS:-1000000}
bench_build
bench_start

echo "generating $rows rows ..." >&2
psql_q <<SQL
CREATE EXTENSION contactsync;
CREATE TABLE staging (line_uid text, phone text, customer_id text, name text, email text, note text, tags text);
INSERT INTO staging
SELECT 'U' || pg_catalog.md5(g::text),
       CASE WHEN g % 3 = 0 THEN '09' || (10000000 + g % 90000000)::text
            WHEN g % 3 = 1 THEN '+886 9' || pg_catalog.lpad((g % 100000000)::text, 8, '0')
            ELSE NULL END,
       'C' || g,
       'Name ' || g,
       CASE WHEN g % 2 = 0 THEN 'User' || g || '@Example.com' END,
       CASE WHEN g % 5 = 0 THEN 'note ' || g END,
       CASE WHEN g % 4 = 0 THEN 'vip, new' WHEN g % 4 = 1 THEN 'new' END
  FROM pg_catalog.generate_series(1, $rows) g;
-- The update file: the same contacts, new names and notes.
CREATE TABLE staging_upd AS
  SELECT line_uid, NULL::text AS phone, customer_id, 'Renamed ' || customer_id AS name,
         NULL::text AS email, 'updated' AS note, 'updated' AS tags
    FROM staging;
-- The baseline table: the store's columns, defaults and indexes.
CREATE TABLE baseline (LIKE contactsync_contact INCLUDING ALL);
-- and its storage parameters (its fill factor; LIKE copies none of them).
DO \$\$
BEGIN
  EXECUTE pg_catalog.format('ALTER TABLE public.baseline SET (%s)',
    (SELECT COALESCE(pg_catalog.array_to_string(c.reloptions, ', '), 'fillfactor = 100')
       FROM pg_catalog.pg_class c WHERE c.oid = 'public.contactsync_contact'::pg_catalog.regclass));
END
\$\$;
VACUUM ANALYZE staging, staging_upd;
CHECKPOINT;
SQL
new=$(import_sql staging:line_uid:line)

read -r base_a _ < <(timed "$(baseline_sql insert staging:line_uid:line)")
psql_q -c CHECKPOINT
read -r imp_a mem_a < <(timed "$new")
psql_q -c CHECKPOINT
read -r imp_b mem_b < <(timed "$new")
psql_q -c CHECKPOINT
read -r base_c _ < <(timed "$(baseline_sql upsert staging_upd:line_uid:line)")
psql_q -c CHECKPOINT
read -r imp_c mem_c < <(timed "$(import_sql staging_upd:line_uid:line)")
counts=$(psql_q -At -c "SELECT string_agg(id || ':' || created || '/' || updated || '/' || unchanged || '/' || failed, ' ' ORDER BY id) FROM contactsync_import_batch")

table=$(cat <<MD
| case | rows | contactsync ms | baseline ms | ratio | target | peak private memory (target ≤ 512 MB) |
|---|---:|---:|---:|---:|---|---:|
| (a) new import, empty store | $rows | $imp_a | $base_a (INSERT ... SELECT) | $(ratio "$imp_a" "$base_a") | ≤ 1.5 | $((mem_a / 1024)) MB |
| (b) same file again (unchanged) | $rows | $imp_b | $imp_a (= a) | $(ratio "$imp_b" "$imp_a") | ≤ 0.3 | $((mem_b / 1024)) MB |
| (c) update every contact | $rows | $imp_c | $base_c (INSERT ... ON CONFLICT DO UPDATE) | $(ratio "$imp_c" "$base_c") | ≤ 1.0 | $((mem_c / 1024)) MB |
MD
)
echo "$table" | tee "$out_dir/import.md"
echo "batches (id:created/updated/unchanged/failed): $counts" | tee -a "$out_dir/import.md"
