#!/usr/bin/env bash
# The test command (README): installs what is missing, builds and installs
# the extension, starts a throwaway cluster, and runs every suite —
# pg_regress (test/sql), isolation (test/specs) and TAP (test/t).  Prints
# the diffs of a failing suite and exits non-zero if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cs_setup
cs_prepare_work
cs_start_cluster

# The libphonenumber-derived phone corpus the regression suite reads.
cs_run make -s -C test/corpus phone_corpus
cs_run bash -c 'test/corpus/phone_corpus > test/corpus/phone_corpus.tsv'

passed=0
failed=0
run_suite() {
  local name=$1; shift
  echo "== $name =="
  if cs_run "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    for f in regression.diffs output_iso/regression.diffs; do
      if [ -s "$cs_work/$f" ]; then
        echo "---- $f ----"
        cat "$cs_work/$f"
      fi
    done
    echo "---- server log (tail) ----"
    tail -n 40 "$cs_tmp/server.log" || true
  fi
}

run_suite "pg_regress" make -s installcheck-regress-only
run_suite "isolation" make -s installcheck-isolation-only
run_suite "TAP" make -s installcheck-tap-only PROVE_TESTS='test/t/*.pl' PROVE_FLAGS='--timer'

echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
