#!/usr/bin/env bash
# Scale benchmark: the import and unification cases at several sizes in one
# run, each size in its own empty cluster (removed before the next one):
#
#   new import        LINE, Email and WhatsApp files into an empty store  vs  INSERT ... SELECT
#   unchanged         the same files again                                 vs  the new import
#   update            files renaming every contact                        vs  INSERT ... ON CONFLICT DO UPDATE
#   full unify        contactsync_unify() after clearing every unified_contact_id
#                     (the first run writes every contact)                 vs  SQL label propagation
#   unify, no change  contactsync_unify() on the store as the imports left it
#                                                                          vs  SQL label propagation
#   incremental       a 1,000-row LINE file into the big store (rolled      vs  the full unify
#                     back), the first import and the steady state (best
#                     of the next three): on the store as the new imports
#                     built it, and again after the update import and the
#                     full unification rewrote every contact
#
# The data (test/bench/scale_data.sql): N rows of files over three channels
# sharing emails and phones, customer_ids with conflicts, and 3-4% bad rows.
# Each case runs in a fresh backend; memory is the backend's peak private
# memory (RssAnon, sampled).  The unification cases run with work_mem
# 256MB as in unify.sh, the imports with 64MB as in import.sh.
#
#   bash test/bench/scale.sh                                 # 100,000, 1,000,000 and 10,000,000 rows
#   CS_SCALE_SIZES="100000 1000000" bash test/bench/scale.sh
#
# Writes test/bench/out/scale.tsv (raw figures), scale.md (the table) and
# scale.png (throughput against size; gnuplot-nox is installed when
# missing), all rewritten after each size.  bash test/bench/publish_scale.sh
# copies the table and the plot into doc/.
set -euo pipefail
export CS_BENCH_WORK_MEM=64MB
# shellcheck source=test/bench/lib.sh
. "$(dirname "$0")/lib.sh"

read -r -a sizes <<<"${CS_SCALE_SIZES:-100000 1000000 10000000}"
for n in "${sizes[@]}"; do
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 10000 ]; then
    echo "CS_SCALE_SIZES: \"$n\" is not a row count of 10000 or more" >&2
    exit 2
  fi
done

tsv="$out_dir/scale.tsv"
md="$out_dir/scale.md"
png="$out_dir/scale.png"
# Disk a size needs at its peak, per file row: 4.4 kB measured at 1,000,000
# rows (cluster directory with WAL, which max_wal_size bounds at 8 GB, so
# larger sizes need less per row).
bytes_per_row=${CS_SCALE_BYTES_PER_ROW:-4000}
unify_mem="SET work_mem = '256MB'"

files=(line_new:line_uid:line email_new:email:email whatsapp_new:whatsapp_mobile:whatsapp)
updates=(line_upd:line_uid:line email_upd:email:email whatsapp_upd:whatsapp_mobile:whatsapp)

# gnuplot for the plot, from Debian's packages when missing.  The table does
# not depend on it: without it there is no plot, and a warning.
ensure_gnuplot() {
  command -v gnuplot >/dev/null 2>&1 && return 0
  echo "installing gnuplot-nox for the plot ..." >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq &&
     DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; then
    return 0
  fi
  echo "warning: gnuplot-nox could not be installed; no plot" >&2
  return 1
}

# Refuse a size the disk cannot hold, before spending time on it.
check_disk() {
  local n=$1 need avail
  need=$(( n * bytes_per_row / 1024 ))
  avail=$(df -Pk "$cs_tmp" | awk 'NR == 2 { print $4 }')
  if [ "$avail" -lt "$need" ]; then
    echo "$n rows need about $((need / 1024)) MB on $(df -P "$cs_tmp" | awk 'NR == 2 { print $6 }'), only $((avail / 1024)) MB are free" >&2
    exit 1
  fi
}

# The cluster directory's size in kB (WAL, temporary tables and files
# included), sampled between and during the cases (`timed` runs in a
# subshell: the samples go to a file).
note_disk() {
  { du -sk "$cs_tmp/data" 2>/dev/null || true; } | cut -f1 >>"$cs_tmp/disk.samples"
}
bench_tick() { note_disk; }

checkpoint() { psql_q -c CHECKPOINT; note_disk; }

# One line of the TSV: size, case, label, contactsync rows, ms, memory kB,
# what it is compared with, its rows, its ms, target ratio.
# The store's size in MB (heap, indexes and TOAST).
store_mb() {
  psql_q -At -c "SELECT pg_catalog.pg_total_relation_size('public.contactsync_contact') / 1048576"
}

# The 1,000-row import into the store as it is: vacuumed and checkpointed
# first, as autovacuum would after a large write, so the import is not timed
# against dead versions and unset hint bits (doc/performance.md: at
# 10,000,000 contacts 583 ms right after a rewrite, 270 ms for the next
# imports, 245 ms after the vacuum).  The cluster runs with fsync=off, so
# the checkpoint hands gigabytes of dirty pages to the kernel, which writes
# them back in the background for a while: they are flushed first, so the
# import is not timed against the harness's own writeback.  Then the first
# import (rolled back), and the same import three more times, the first two
# rolled back and the third rolled back or committed ($1): the best of these
# is the steady state, where the store's pages are as the last import left
# them (doc/performance.md: at 10,000,000 contacts the first import after a
# rewrite of the store took up to five times as long as the next ones).
# Prints the store's size in MB, the first import's ms and peak memory, and
# the steady state's ms.
incremental_imports() {
  local size first mem best="" i t sql
  psql_q -c "VACUUM ANALYZE public.contactsync_contact"
  checkpoint
  sync
  size=$(store_mb)
  read -r first mem < <(timed "BEGIN; $(import_sql line_inc:line_uid:line); ROLLBACK")
  for i in 1 2 3; do
    if [ "$i" -lt 3 ] || [ "$1" = rollback ]; then sql="BEGIN; $(import_sql line_inc:line_uid:line); ROLLBACK"; else sql=$(import_sql line_inc:line_uid:line); fi
    read -r t _ < <(timed "$sql")
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$size $first $mem $best"
}

record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tsv"; }

run_size() {
  local n=$1 start=$SECONDS contacts base_new cs_new mem_new cs_unch mem_unch base_upd cs_upd mem_upd \
    base_unify cs_same mem_same cs_first mem_first cs_inc mem_inc cs_steady batches codes store disk_peak \
    cs_built mem_built cs_built_steady size_built size_rewritten
  rm -f "$cs_tmp/disk.samples"
  echo "== $n rows: generating ..." >&2
  psql_q -c "CREATE EXTENSION contactsync"
  psql_q -v rows="$n" <"$cs_root/test/bench/scale_data.sql"
  checkpoint

  echo "== $n rows: new, unchanged and update imports ..." >&2
  read -r base_new _ < <(timed "$(baseline_sql insert "${files[@]}")")
  checkpoint
  read -r cs_new mem_new < <(timed "$(import_sql "${files[@]}")")
  checkpoint
  read -r cs_unch mem_unch < <(timed "$(import_sql "${files[@]}")")

  # The 1,000-row import into the store as the new imports built it (every
  # import rolled back; the store goes on to the update).  The same import
  # is timed again below, on the store after the update import and the
  # unification runs have rewritten every contact (dead space in its heap
  # and indexes, vacuumed).
  echo "== $n rows: 1,000-row import into the store as the imports built it ..." >&2
  read -r size_built cs_built mem_built cs_built_steady < <(incremental_imports rollback)
  psql_q -c "DROP TABLE public.line_new, public.email_new, public.whatsapp_new"
  checkpoint
  read -r base_upd _ < <(timed "$(baseline_sql upsert "${updates[@]}")")
  psql_q -c "DROP TABLE public.baseline"
  checkpoint
  read -r cs_upd mem_upd < <(timed "$(import_sql "${updates[@]}")")
  psql_q -c "DROP TABLE public.line_upd, public.email_upd, public.whatsapp_upd" \
    -c "VACUUM ANALYZE public.contactsync_contact"
  checkpoint
  codes=$(psql_q -At -c "SELECT pg_catalog.string_agg(c || ' ' || n, ', ' ORDER BY c) FROM (
      SELECT pg_catalog.array_to_string(codes, '+') AS c, pg_catalog.count(*) AS n FROM public.contactsync_import_row
       WHERE workspace = 'default' AND batch_id <= 3 AND codes <> '{}' GROUP BY 1) AS x")

  echo "== $n rows: unification ..." >&2
  contacts=$(psql_q -At -c "SELECT pg_catalog.count(*) FROM public.contactsync_contact")
  read -r base_unify _ < <(timed "$unify_mem; $(unify_baseline_sql)")
  note_disk
  read -r cs_same mem_same < <(timed "$unify_mem; SELECT * FROM public.contactsync_unify()")
  psql_q -c "UPDATE public.contactsync_contact SET unified_contact_id = NULL" \
    -c "DELETE FROM public.contactsync_conflict_member" -c "VACUUM ANALYZE public.contactsync_contact"
  checkpoint
  read -r cs_first mem_first < <(timed "$unify_mem; SELECT * FROM public.contactsync_unify()")
  checkpoint
  store=$(psql_q -At -c "SELECT pg_catalog.count(DISTINCT unified_contact_id) || ' persons, '
      || (SELECT pg_catalog.count(DISTINCT contact_id) FROM public.contactsync_conflict_member) || ' contacts in conflict'
      FROM public.contactsync_contact")

  echo "== $n rows: 1,000-row import into the store after its rewrites ..." >&2
  read -r size_rewritten cs_inc mem_inc cs_steady < <(incremental_imports commit)
  note_disk
  disk_peak=$(sort -n "$cs_tmp/disk.samples" | tail -n 1)
  batches=$(psql_q -At -c "SELECT pg_catalog.string_agg(pg_catalog.format('%s %s: %s created, %s updated, %s unchanged, %s skipped, %s failed',
      id, channel, created, updated, unchanged, skipped, failed), '; ' ORDER BY id) FROM public.contactsync_import_batch")

  record "$n" new "new import" "$n" "$cs_new" "$mem_new" "INSERT ... SELECT" "$n" "$base_new" 1.5
  record "$n" unchanged "same files again (unchanged)" "$n" "$cs_unch" "$mem_unch" "new import" "$n" "$cs_new" 0.3
  record "$n" update "update every contact" "$n" "$cs_upd" "$mem_upd" "INSERT ... ON CONFLICT DO UPDATE" "$n" "$base_upd" 1.0
  record "$n" unify "full unify, first run (writes every contact)" "$contacts" "$cs_first" "$mem_first" "SQL label propagation" "$contacts" "$base_unify" 0.1
  record "$n" unify_same "full unify, nothing to change" "$contacts" "$cs_same" "$mem_same" "SQL label propagation" "$contacts" "$base_unify" 0.1
  record "$n" incremental_built "1,000-row import into the store as the imports built it, first" 1000 "$cs_built" "$mem_built" "full unify, first run" "$contacts" "$cs_first" 0.02
  record "$n" incremental_built_steady "1,000-row import into the store as the imports built it, steady state (best of the next three)" 1000 "$cs_built_steady" "$mem_built" "full unify, first run" "$contacts" "$cs_first" 0.02
  record "$n" incremental "1,000-row import into the store after its rewrites, first" 1000 "$cs_inc" "$mem_inc" "full unify, first run" "$contacts" "$cs_first" 0.02
  record "$n" incremental_steady "1,000-row import into the store after its rewrites, steady state (best of the next three)" 1000 "$cs_steady" "$mem_inc" "full unify, first run" "$contacts" "$cs_first" 0.02
  printf '%s\tcodes\t%s\n%s\tbatches\t%s\n%s\tstore\t%s\n%s\tsizes\t%s MB as the imports built it, %s MB after its rewrites\n%s\tdisk\t%s\n%s\thuge\t%s\n%s\telapsed\t%s\n' \
    "$n" "$codes" "$n" "$batches" "$n" "$store" "$n" "$size_built" "$size_rewritten" "$n" "$disk_peak" "$n" "$bench_huge" \
    "$n" "$((SECONDS - start))" >>"$out_dir/scale.notes"
  echo "== $n rows: done in $((SECONDS - start)) s, cluster at most $((disk_peak / 1024)) MB on disk" >&2
}

# The markdown table from the TSV and the notes: rows/s of each side, the
# ratio against its target, the memory against 512 MB (1 GB above
# 1,000,000 rows), and the 1,000-row import at each size above 1,000,000
# against its time at 1,000,000.
render_table() {
  awk -F'\t' -v notes="$out_dir/scale.notes" '
    function group(n,   s) {
      s = sprintf("%d", n)
      while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
      return s
    }
    function rate(rows, ms) { return ms > 0 ? group(rows * 1000 / ms) : "–" }
    function met(ok) { return ok ? "yes" : "**no**" }
    BEGIN {
      while ((getline line < notes) > 0) if (line ~ /^meta\t/) { sub(/^meta\t/, "", line); print line; print "" }
      close(notes)
      print "| rows | case | contactsync ms | rows/s | compared with | its ms | its rows/s | ratio | target | met? | peak private memory | memory met? |"
      print "|---:|---|---:|---:|---|---:|---:|---:|---:|---|---:|---|"
    }
    # Rows come size by size; the table shows each case across the sizes.
    { rec[$2, $1] = $0; if (!($1 in seen)) { seen[$1] = 1; size[++ns] = $1 } }
    function row(f,   r, mb, lim) {
      r = f[5] / f[9]
      mb = f[6] / 1024
      lim = f[1] > 1000000 ? 1024 : 512
      printf "| %s | %s | %s | %s | %s | %s | %s | %.3f | ≤ %s | %s | %d MB | %s (≤ %s) |\n",
        group(f[1]), f[3], group(f[5]), rate(f[4], f[5]), f[7], group(f[9]), rate(f[8], f[9]), r, f[10],
        met(r <= f[10] + 0), mb, met(mb <= lim), lim == 1024 ? "1 GB" : "512 MB"
      if (f[2] == "incremental") inc[f[1]] = f[5]
      if (f[2] == "incremental_steady") steady[f[1]] = f[5]
      if (f[2] == "incremental_built") built[f[1]] = f[5]
      if (f[2] == "incremental_built_steady") built_steady[f[1]] = f[5]
    }
    # The 1,000-row import at each size above 1,000,000 against its time there.
    function against_1m(t, label,   s, r) {
      if (!(1000000 in t)) return
      for (s in t)
        if (s + 0 > 1000000) {
          r = t[s] / t[1000000]
          printf "| %s | 1,000-row import, %s, time against 1,000,000 rows | %s | | same import at 1,000,000 rows | %s | | %.3f | about 1 (≤ 1.5) | %s | | |\n",
            group(s), label, group(t[s]), group(t[1000000]), r, met(r <= 1.5)
        }
    }
    END {
      for (i = 2; i <= ns; i++)
        for (j = i; j > 1 && size[j - 1] + 0 > size[j] + 0; j--) { t = size[j]; size[j] = size[j - 1]; size[j - 1] = t }
      nc = split("new unchanged update unify unify_same incremental_built incremental_built_steady incremental incremental_steady", cases, " ")
      for (c = 1; c <= nc; c++)
        for (i = 1; i <= ns; i++)
          if ((cases[c], size[i]) in rec) { split(rec[cases[c], size[i]], f, "\t"); row(f) }
      against_1m(built, "as the imports built the store, first")
      against_1m(built_steady, "as the imports built the store, steady state")
      against_1m(inc, "after the rewrites of the store, first")
      against_1m(steady, "after the rewrites of the store, steady state")
      print ""
      while ((getline line < notes) > 0) {
        split(line, f, "\t")
        if (f[2] == "codes") printf "- %s rows, row codes of the new import (rows): %s\n", group(f[1]), f[3]
        else if (f[2] == "batches") printf "- %s rows, batches: %s\n", group(f[1]), f[3]
        else if (f[2] == "store") printf "- %s rows, store after the full unify: %s\n", group(f[1]), f[3]
        else if (f[2] == "sizes") printf "- %s rows, the store (heap, indexes, TOAST) at the 1,000-row imports: %s\n", group(f[1]), f[3]
        else if (f[2] == "disk") printf "- %s rows, cluster directory at its largest (WAL included): %s MB\n", group(f[1]), group(f[3] / 1024)
        else if (f[2] == "huge") printf "- %s rows, shared memory: %s\n", group(f[1]), f[3]
        else if (f[2] == "elapsed") printf "- %s rows, whole size (generation included): %s s\n", group(f[1]), group(f[3])
      }
    }
  ' "$tsv" >"$md"
}

# Throughput against size, log-log: one line per case and side.
render_plot() {
  local dat="$out_dir/scale.dat"
  awk -F'\t' '
    { v[$1, $2, "cs"] = $4 * 1000 / $5; v[$1, $2, "base"] = $8 * 1000 / $9; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    function g(s, c, side) { return ((s, c, side) in v) ? sprintf("%.1f", v[s, c, side]) : "?" }
    END {
      for (i = 1; i <= n; i++) {
        s = order[i]
        print s, g(s, "new", "cs"), g(s, "new", "base"), g(s, "unchanged", "cs"), g(s, "update", "cs"),
              g(s, "update", "base"), g(s, "unify", "cs"), g(s, "unify_same", "cs"), g(s, "unify", "base"),
              g(s, "incremental", "cs")
      }
    }
  ' "$tsv" | sort -n >"$dat"
  read -r lo hi < <(awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo / 2, hi * 2 }' "$dat")
  gnuplot <<GP
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) { set terminal pngcairo size 1100,650 font ",11" } else { set terminal png size 1100,650 }
set output "$png"
set datafile missing "?"
set logscale xy
set xlabel "rows (file rows; contacts for unification)"
set ylabel "rows per second"
set title "contactsync against plain SQL, throughput by size (higher is better)"
set grid
set key outside right top
set format x "%.0s%c"
set format y "%.0s%c"
set xrange [$lo:$hi]
plot "$dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "new import", \
     "" using 1:3 with linespoints lw 2 pt 6 dt 2 lc rgb "#1f77b4" title "  INSERT ... SELECT", \
     "" using 1:4 with linespoints lw 2 pt 5 lc rgb "#2ca02c" title "unchanged re-import", \
     "" using 1:5 with linespoints lw 2 pt 9 lc rgb "#ff7f0e" title "update import", \
     "" using 1:6 with linespoints lw 2 pt 8 dt 2 lc rgb "#ff7f0e" title "  INSERT ... ON CONFLICT", \
     "" using 1:7 with linespoints lw 2 pt 11 lc rgb "#d62728" title "full unify, first run", \
     "" using 1:8 with linespoints lw 2 pt 13 lc rgb "#9467bd" title "full unify, no change", \
     "" using 1:9 with linespoints lw 2 pt 10 dt 2 lc rgb "#d62728" title "  SQL label propagation", \
     "" using 1:10 with linespoints lw 2 pt 15 lc rgb "#8c564b" title "1,000-row import into a store of that size"
GP
}

# The commit measured, and whether the extension's sources differ from it.
code_version() {
  local rev
  rev=$(git -C "$cs_root" rev-parse --short HEAD 2>/dev/null) || { echo "not a git checkout"; return; }
  git -C "$cs_root" diff --quiet HEAD -- src sql Makefile 2>/dev/null || rev+=" with uncommitted changes to src/sql"
  echo "$rev"
}

read -r load_at_start _ </proc/loadavg
bench_load_warning
have_gnuplot=1
ensure_gnuplot || have_gnuplot=0
bench_build
rm -f "$tsv" "$md" "$png" "$out_dir/scale.notes"
printf 'meta\tMeasured %s: sizes %s; code %s; PostgreSQL %s; %s cores (%s), %s GB RAM; shared_buffers %s; load average %s at the start.\n' \
  "$(date -u '+%Y-%m-%d')" "${sizes[*]}" "$(code_version)" "$("$(dirname "$PG_CONFIG")/postgres" --version | awk '{ print $3 }')" "$(nproc)" \
  "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
  "$(awk '/^MemTotal:/ { printf "%d", $2 / 1048576 + 0.5 }' /proc/meminfo)" "$(bench_shared_buffers)" "$load_at_start" \
  >"$out_dir/scale.notes"
for n in "${sizes[@]}"; do
  check_disk "$n"
  bench_start
  run_size "$n"
  bench_drop
  render_table
  [ "$have_gnuplot" = 0 ] || render_plot
done
cat "$md"
echo
echo "written: ${md#"$cs_root"/}, ${tsv#"$cs_root"/}$([ "$have_gnuplot" = 0 ] || echo ", ${png#"$cs_root"/}")"
