#!/usr/bin/env bash
# Benchmark of the two SQL normalisers, contactsync_normalize_email(text) and
# contactsync_normalize_phone(text, region), each over 1,000,000 generated
# values, against the baseline lower(btrim(x)) on the same values, in the
# same run.
#
#   bash test/bench/normalize.sh
#
# The benchmark builds the tree and measures that build, installed into a
# private copy of the server (test/lib.sh).  It starts a throwaway cluster
# (test/lib.sh), generates the data into unlogged tables (not timed), then
# times each query with EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), whose
# "Execution Time" excludes planning and sending rows to the client, and
# keeps the best of 3 runs.  One backend, no parallel workers, no JIT: the
# ns/value figures are per core.
#
# Prints a markdown table and writes the same table to
# test/bench/out/normalize.md (gitignored).
#
# Settings (environment): CS_BENCH_ROWS (default 1000000) values per table,
# CS_BENCH_RUNS (default 3) runs per query.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"

rows=${CS_BENCH_ROWS:-1000000}
runs=${CS_BENCH_RUNS:-3}
out_dir="$cs_root/test/bench/out"
out_file="$out_dir/normalize.md"

# Build and install into the run's private copy of the server (test/lib.sh).
cs_setup

# Other work on the machine slows every query down: say so (checked before
# this script adds its own load).
read -r load1 _ </proc/loadavg
cores=$(nproc)
if awk -v l="$load1" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
  echo "warning: load average $load1 on $cores cores; the figures may be inflated" >&2
fi

cs_prepare_work
cs_start_cluster

# psql as the cluster owner: no psqlrc, stop at the first error.
bench_psql() {
  cs_run psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}

echo "== Generating $rows emails and $rows phone numbers (not timed) =="
# Deterministic: every value is a function of the row number i alone.
# Rows are spread over the kinds by b = i % 100; v = i / 100 picks the
# variant within a kind, so each kind cycles through all its variants.
bench_psql -v rows="$rows" <<'SQL'
CREATE EXTENSION contactsync;

-- Printable ASCII '!'..'~' and its full-width forms U+FF01..U+FF5E, for
-- translate(): text as pasted from a CJK input method.
CREATE TEMP TABLE fw AS
SELECT string_agg(chr(c), '' ORDER BY c) AS ascii,
       string_agg(chr(c + 65248), '' ORDER BY c) AS wide
  FROM generate_series(33, 126) AS c;

-- Emails: 85% ASCII in mixed case with surrounding spaces, 10% with
-- non-ASCII characters, 5% invalid.
CREATE UNLOGGED TABLE bench_email (x text NOT NULL);
INSERT INTO bench_email
SELECT CASE
         WHEN b < 5 THEN                       -- invalid
           CASE v % 7
             WHEN 0 THEN loc || '.' || dom     -- no '@'
             WHEN 1 THEN loc || '@@' || dom
             WHEN 2 THEN f || '..' || l || '@' || dom
             WHEN 3 THEN loc || '@localhost'   -- one-label domain
             WHEN 4 THEN f || ' ' || l || '@' || dom
             WHEN 5 THEN loc || '.@' || dom
             ELSE (ARRAY['', '   ', 'n/a', '-', 'none'])[1 + (v / 7) % 5]
           END
         WHEN b < 15 THEN                      -- non-ASCII
           CASE v % 5
             WHEN 0 THEN translate(initcap(loc) || '@' || dom, fw.ascii, fw.wide)
             WHEN 1 THEN initcap(loc) || '@' || (ARRAY['bücher.de', 'Müller.DE', 'straße.de',
                           'café.fr', 'españa.es', '例子.广告', '日本.jp', '台灣.tw'])[1 + (v / 5) % 8]
             WHEN 2 THEN initcap((ARRAY['josé', 'garcía', 'müller', 'björn', 'zoë',
                           'françois', 'łukasz', 'søren'])[1 + (v / 5) % 8]) || sep || initcap(l) || '@' || dom
             WHEN 3 THEN (ARRAY['王小明', '陳美玲', '林志豪', '張雅婷', 'たなか', '김민준'])[1 + (v / 5) % 6]
                           || num || '@' || dom
             ELSE E'\u3000' || loc || '@' || dom || E'\u00a0'   -- pasted white space
           END
         ELSE                                  -- ASCII, mixed case
           repeat(' ', (i / 7) % 3)
           || CASE (i / 3) % 4
                WHEN 0 THEN loc || '@' || dom
                WHEN 1 THEN initcap(loc) || '@' || dom          -- John.Smith123@Example.COM
                WHEN 2 THEN initcap(loc) || '@' || upper(dom)
                ELSE upper(loc || '@' || dom)
              END
           || repeat(' ', (i / 11) % 2)
       END
  FROM generate_series(1, :rows) AS i
 CROSS JOIN fw
 CROSS JOIN LATERAL (
   SELECT i % 100 AS b, i / 100 AS v,
          (ARRAY['john', 'mary', 'wei', 'chen', 'alice', 'bob', 'yuki', 'ana',
                 'david', 'li', 'mohammed', 'sofia', 'james', 'mei', 'lucas', 'emma'])[1 + (i * 7) % 16] AS f,
          (ARRAY['smith', 'wang', 'lin', 'garcia', 'tan', 'nguyen', 'kim', 'huang',
                 'lee', 'chang', 'brown', 'mueller'])[1 + (i * 13) % 12] AS l,
          (ARRAY['.', '_', '', '-'])[1 + (i / 16) % 4] AS sep,
          CASE WHEN i % 3 = 0 THEN '' ELSE ((i::bigint * 7919) % 1000)::text END AS num,
          (ARRAY['Example.COM', 'gmail.com', 'yahoo.com.tw', 'Hotmail.com', 'outlook.com',
                 'company.co.uk', 'Mail.Example.org', 'hinet.net', 'iCloud.com', 'proton.me'])[1 + (i * 11) % 10] AS dom
 ) AS p
 CROSS JOIN LATERAL (SELECT f || sep || l || num AS loc) AS q;

-- Phones: Taiwan numbers; 60% mobile and 25% landline in the usual written
-- forms, 10% in full-width characters, 5% invalid.
CREATE UNLOGGED TABLE bench_phone (x text NOT NULL);
INSERT INTO bench_phone
SELECT CASE
         WHEN b < 5 THEN                       -- invalid
           CASE v % 7
             WHEN 0 THEN mp || '-' || substr(m6, 1, 3)              -- too short
             WHEN 1 THEN mp || m6 || substr(m6, 1, 2)              -- too long
             WHEN 2 THEN '+886 1' || m6                             -- no such prefix
             WHEN 3 THEN 'ext. ' || substr(m6, 1, 4)
             WHEN 4 THEN substr(m6, 1, 3)
             WHEN 5 THEN mp || '-' || substr(m6, 1, 3) || '-' || substr(m6, 4, 2)  -- a digit short
             ELSE (ARRAY['', 'N/A', 'call me', 'none', '-'])[1 + (v / 7) % 5]
           END
         ELSE
           repeat(' ', (i / 13) % 2)
           || CASE WHEN b >= 90 THEN translate(num, fw.ascii, fw.wide) ELSE num END
           || repeat(' ', (i / 17) % 2)
       END
  FROM generate_series(1, :rows) AS i
 CROSS JOIN fw
 CROSS JOIN LATERAL (
   SELECT i % 100 AS b, i / 100 AS v,
          (ARRAY['0912', '0928', '0933', '0955', '0972', '0988', '0910', '0921',
                 '0937', '0963'])[1 + (i * 3) % 10] AS mp,
          lpad(((i::bigint * 7919) % 1000000)::text, 6, '0') AS m6,
          lpad(((i::bigint * 104729) % 10000000)::text, 7, '0') AS l7
 ) AS p
 CROSS JOIN LATERAL (
   SELECT CASE
            WHEN b < 65 OR b >= 90 AND v % 2 = 0 THEN      -- mobile
              CASE v % 6
                WHEN 0 THEN mp || '-' || substr(m6, 1, 3) || '-' || substr(m6, 4)
                WHEN 1 THEN mp || m6
                WHEN 2 THEN mp || ' ' || substr(m6, 1, 3) || ' ' || substr(m6, 4)
                WHEN 3 THEN '+886 ' || substr(mp, 2) || ' ' || substr(m6, 1, 3) || ' ' || substr(m6, 4)
                WHEN 4 THEN '+886-' || substr(mp, 2) || '-' || substr(m6, 1, 3) || '-' || substr(m6, 4)
                ELSE '+886' || substr(mp, 2) || m6
              END
            ELSE                                              -- landline
              CASE v % 5
                WHEN 0 THEN '(02) 2' || substr(l7, 1, 3) || '-' || substr(l7, 4)
                WHEN 1 THEN '02-2' || substr(l7, 1, 3) || '-' || substr(l7, 4)
                WHEN 2 THEN '+886 2 2' || substr(l7, 1, 3) || ' ' || substr(l7, 4)
                WHEN 3 THEN '(04)2' || substr(l7, 1, 3) || '-' || substr(l7, 4)
                ELSE '07-' || (2 + v % 8)::text || substr(l7, 1, 2) || '-' || substr(l7, 3, 4)
              END
          END AS num
 ) AS q;

DROP TABLE fw;
-- Set hint bits and statistics now, so that no timed scan pays for them.
VACUUM (FREEZE, ANALYZE) bench_email, bench_phone;

-- What the data is like; this pass also warms the caches and loads
-- libphonenumber's metadata.
\pset footer off
SELECT 'email' AS "table", count(*) AS "values",
       round(100.0 * count(*) FILTER (WHERE x !~ '^[\x01-\x7f]*$') / count(*), 1) AS "% non-ASCII",
       round(100.0 * count(*) FILTER (WHERE contactsync_normalize_email(x) IS NULL) / count(*), 1) AS "% NULL (invalid)",
       pg_size_pretty(pg_table_size('bench_email')) AS size
  FROM bench_email
UNION ALL
SELECT 'phone', count(*),
       round(100.0 * count(*) FILTER (WHERE x !~ '^[\x01-\x7f]*$') / count(*), 1),
       round(100.0 * count(*) FILTER (WHERE contactsync_normalize_phone(x, 'TW') IS NULL) / count(*), 1),
       pg_size_pretty(pg_table_size('bench_phone'))
  FROM bench_phone
 ORDER BY 1;
SQL

# The four measurements: label (markdown, backticks meant literally), then
# the query over the table.
# shellcheck disable=SC2016
labels=(
  '`lower(btrim(x))` on emails'
  '`contactsync_normalize_email(x)`'
  '`lower(btrim(x))` on phones'
  "\`contactsync_normalize_phone(x, 'TW')\`"
)
queries=(
  "SELECT count(lower(btrim(x))) FROM bench_email"
  "SELECT count(contactsync_normalize_email(x)) FROM bench_email"
  "SELECT count(lower(btrim(x))) FROM bench_phone"
  "SELECT count(contactsync_normalize_phone(x, 'TW')) FROM bench_phone"
)

# One session for every run, so that per-backend start-up costs (loading the
# library, libphonenumber's metadata) are paid once, in the pass above or the
# first round.  Rounds interleave the queries, so a slow patch on the machine
# hits all of them alike.  Each run prints "@@ <index>" then its plan.
script="SET max_parallel_workers_per_gather = 0;
SET jit = off;
"
for ((r = 1; r <= runs; r++)); do
  for q in "${!queries[@]}"; do
    script+="\\echo @@ $q
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, COSTS OFF) ${queries[$q]};
"
  done
done

echo "== Timing: best of $runs runs each, one backend, no parallel workers, no JIT =="
raw=$(bench_psql -A -t <<<"$script")

# Best (smallest) "Execution Time" per query index: "index<TAB>ms".
best=$(awk '
  /^@@ / { q = $2; next }
  /^Execution Time: / {
    ms = $3 + 0
    if (!(q in best) || ms < best[q]) best[q] = ms
    n[q]++
  }
  END { for (q in best) printf "%s\t%.3f\t%d\n", q, best[q], n[q] }
' <<<"$raw" | sort -n)

# The table: ns/value = best ms * 1e6 / rows; the ratio is to the baseline
# on the same table (index 0 for emails, 2 for phones).
table=$(awk -F'\t' -v rows="$rows" -v runs="$runs" \
    -v l0="${labels[0]}" -v l1="${labels[1]}" -v l2="${labels[2]}" -v l3="${labels[3]}" '
  function group(n,   s) {           # 1234567 -> 1,234,567
    s = sprintf("%d", n)
    while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
    return s
  }
  { ms[$1] = $2; got[$1] = $3 }
  END {
    label[0] = l0; label[1] = l1; label[2] = l2; label[3] = l3
    print "| function | values | best ms | ns/value | ratio to baseline |"
    print "|---|---:|---:|---:|---:|"
    for (q = 0; q < 4; q++) {
      if (!(q in ms) || got[q] != runs) { print "missing runs for query " q > "/dev/stderr"; exit 1 }
      base = ms[q - q % 2]
      printf "| %s | %s | %.1f | %.0f | %.2f |\n",
             label[q], group(rows), ms[q], ms[q] * 1e6 / rows, ms[q] / base
    }
  }
' <<<"$best")

echo
echo "$table"

mkdir -p "$out_dir"
printf '%s\n' "$table" >"$out_file"
echo
echo "written: ${out_file#"$cs_root"/}"
