#!/usr/bin/env bash
# Shared set-up of the import, unification and scale benchmarks: the build,
# throwaway clusters sized like a small production server, a timer that runs
# a script in a fresh backend, and the cases and baselines the benchmarks
# share (cases.sh).  Sourced, not run.
#
#   bench_build    build the tree, install it privately (once per run)
#   bench_start    start an empty cluster with the benchmark settings
#   bench_drop     stop it and delete its data directory (the next size
#                  starts empty, and the disk is given back)
# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

out_dir="$cs_root/test/bench/out"
mkdir -p "$out_dir"

bench_build() {
  cs_setup
  cs_prepare_work
  trap 'bench_huge_release; cs_stop_cluster' EXIT
}

# shared_buffers: a quarter of the machine's memory (PostgreSQL's usual
# starting point for a dedicated server), at least 1 GB; 6 GB on the 24 GB
# machine of doc/performance.md.  CS_BENCH_SHARED_BUFFERS overrides it.
bench_shared_buffers() {
  local kb
  kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
  echo "${CS_BENCH_SHARED_BUFFERS:-$(( kb / 4 / 1024 > 1024 ? kb / 4 / 1024 : 1024 ))MB}"
}

bench_start() {
  cs_start_cluster
  # The same settings for every statement of a run.
  cs_run psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '$(bench_shared_buffers)'" \
    -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "ALTER SYSTEM SET work_mem = '${CS_BENCH_WORK_MEM:-64MB}'" \
    -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" -c "ALTER SYSTEM SET jit = off" \
    -c "ALTER SYSTEM SET huge_pages = off"
  cs_run pg_ctl -D "$cs_tmp/data" -w restart -l "$cs_tmp/server.log" >/dev/null
  bench_huge_pages
  cs_run pg_ctl -D "$cs_tmp/data" -w restart -l "$cs_tmp/server.log" >/dev/null
}

# Huge pages for the shared memory, as PostgreSQL's documentation advises
# for a large shared_buffers: with 4 kB pages, 6 GB of buffers need 1.5
# million page-table entries, and a statement that touches pages spread
# over them (index probes into a large store) pays for TLB misses.
# Measured on the machine of doc/performance.md, the scale data's 1,000-row
# import into the 10,000,000-contact store, ten imports each: median 175 ms
# with 4 kB pages, 114 ms with huge pages.  The cluster first runs without
# them (huge_pages = off) and reports what it needs
# (shared_memory_size_in_huge_pages, once the buffers are set); as root,
# the kernel's pool (vm.nr_hugepages) is grown by what it lacks, for the
# run, and given back at exit; otherwise the pool must already have room.
# When it cannot be had, the cluster stays without them and bench_huge
# says so.  CS_BENCH_HUGE_PAGES=off runs without them.
bench_huge=""
bench_huge_added=0
bench_huge_pages() {
  local need free total setting=off
  bench_huge="no huge pages"
  if [ "${CS_BENCH_HUGE_PAGES:-on}" = off ]; then
    bench_huge="no huge pages (CS_BENCH_HUGE_PAGES=off)"
  elif need=$(cs_run psql -X -At -d postgres -c "SHOW shared_memory_size_in_huge_pages" 2>/dev/null) &&
       [[ "$need" =~ ^[0-9]+$ ]] && [ "$need" -gt 0 ] && [ -r /proc/sys/vm/nr_hugepages ]; then
    # The previous size's cluster gives its pages back only as its last
    # processes exit: wait for them (up to 30 s) before adding any.
    for _ in $(seq 60); do
      free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
      [ "$free" -lt "$need" ] && [ "$bench_huge_added" -gt 0 ] || break
      sleep 0.5
    done
    if [ "$free" -lt "$need" ] && [ "$(id -u)" -eq 0 ]; then
      total=$(cat /proc/sys/vm/nr_hugepages)
      echo $((total + need - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
      bench_huge_added=$(( bench_huge_added + $(cat /proc/sys/vm/nr_hugepages) - total ))
      free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
    fi
    if [ "$free" -ge "$need" ]; then
      setting=on
      bench_huge="huge pages ($need pages of $(awk '/^Hugepagesize:/ { print $2 " " $3 }' /proc/meminfo))"
    else
      bench_huge="no huge pages (the kernel's pool has $free free, the cluster needs $need)"
      echo "warning: $bench_huge; the figures are not comparable with runs that had them" >&2
    fi
  fi
  cs_run psql -X -q -d postgres -c "ALTER SYSTEM SET huge_pages = $setting"
}

# Give back what bench_huge_pages added to the kernel's pool (the cluster
# stopped first: its pages are in use until then).
bench_huge_release() {
  [ "$bench_huge_added" -gt 0 ] || return 0
  cs_stop_cluster
  echo $(( $(cat /proc/sys/vm/nr_hugepages) - bench_huge_added )) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
  bench_huge_added=0
}

bench_drop() {
  cs_run pg_ctl -D "$cs_tmp/data" -m fast -w stop >/dev/null
  rm -rf "$cs_tmp/data"
}

# Warn when other work already loads the machine: every figure is inflated.
bench_load_warning() {
  local load1 cores
  read -r load1 _ </proc/loadavg
  cores=$(nproc)
  if awk -v l="$load1" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
    echo "warning: load average $load1 on $cores cores; the figures may be inflated" >&2
  fi
}

psql_q() { cs_run psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

# Called every 5 seconds while `timed` waits; a benchmark may redefine it
# (the scale benchmark samples the cluster's disk use).
bench_tick() { :; }

# Run SQL in a fresh backend, output discarded: prints "ms peak_kb", where
# peak_kb is the backend's peak private memory (RssAnon, sampled every
# 50 ms from /proc while the statement runs; shared buffers do not count).
timed() {
  local pidfile="$cs_tmp/bench.pid" out="$cs_tmp/bench.out" peak=0 pid="" v ticks=0
  rm -f "$pidfile" "$out"
  cs_run chmod 1777 "$cs_tmp" >/dev/null 2>&1 || true
  psql_q -At > "$out" <<SQL &
SET client_min_messages = warning;
\o $pidfile
SELECT pg_catalog.pg_backend_pid();
\o
SELECT pg_catalog.clock_timestamp() AS t0 \gset
\o /dev/null
$1;
\o
SELECT round(extract(epoch FROM pg_catalog.clock_timestamp() - :'t0'::timestamptz) * 1000);
SQL
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    if [ -z "$pid" ] && [ -s "$pidfile" ]; then pid=$(tr -dc '0-9' < "$pidfile"); fi
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    fi
    ticks=$((ticks + 1))
    [ $((ticks % 100)) -ne 0 ] || bench_tick
    sleep 0.05
  done
  wait "$job"
  echo "$(tail -n 1 "$out") $peak"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# shellcheck source=test/bench/cases.sh
. "$(dirname "${BASH_SOURCE[0]}")/cases.sh"
