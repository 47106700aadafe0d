#!/usr/bin/env bash
# The test command (README): installs what is missing, builds and installs
# the extension, starts a throwaway cluster, and runs every suite —
# pg_regress (test/sql), isolation (test/specs) and TAP (test/t).  Prints
# the diffs of a failing suite and exits non-zero if anything failed.
#
#   bash test/run.sh              every suite, plain build
#   bash test/run.sh --sanitize   every suite, extension built with
#                                 AddressSanitizer and UndefinedBehaviorSanitizer
#   bash test/run.sh --valgrind   every suite, the server under valgrind memcheck
#   bash test/run.sh --fuzz       the libFuzzer harnesses (test/fuzz/run.sh)
#
# A checker run also fails when the checker reported anything (test/checkers/lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checkers/lib.sh"

mode=${1:-plain}
case "$mode" in
  plain) ;;
  --sanitize) cs_sanitize_build ;;
  --valgrind) cs_deps=(valgrind) ;;
  --fuzz) exec bash "$cs_root/test/fuzz/run.sh" ;;
  *) echo "usage: bash test/run.sh [--sanitize | --valgrind | --fuzz]" >&2; exit 2 ;;
esac

cs_setup
case "$mode" in
  --sanitize) cs_sanitize_server ;;
  --valgrind) cs_valgrind_server ;;
esac
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
if [ "$mode" != plain ]; then
  echo "== ${mode#--} reports =="
  if cs_checker_clean; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
fi

echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
