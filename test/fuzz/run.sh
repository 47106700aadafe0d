#!/usr/bin/env bash
# The fuzz run of the test command (bash test/run.sh --fuzz): builds the
# libFuzzer harnesses of test/fuzz (clang 14, AddressSanitizer,
# UndefinedBehaviorSanitizer), seeds each from the test data
# (test/fuzz/seeds.pl), and runs each for CS_FUZZ_SECONDS seconds (60 by
# default).  A crash, a sanitizer report, a leak, an input that takes over
# 10 s, an ERROR where none may be raised or a broken property (each
# harness lists its own) fails the run; libFuzzer prints the input, and
# saves it under test/fuzz/findings/ to replay with the harness
# (CS_KEEP_TMP=1 keeps the binaries in the run's temporary directory).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

seconds=${CS_FUZZ_SECONDS:-60}
bash "$cs_root/test/deps.sh" fuzz
cs_tmpdir

make -s -C "$cs_root/test/fuzz" B="$cs_tmp/fuzz" PG_CONFIG="$PG_CONFIG"
make -s -C "$cs_root/test/corpus" phone_corpus
"$cs_root/test/corpus/phone_corpus" > "$cs_tmp/phone_corpus.tsv"
perl "$cs_root/test/fuzz/seeds.pl" "$cs_root" "$cs_tmp/phone_corpus.tsv" "$cs_tmp/seeds"

findings="$cs_root/test/fuzz/findings"
mkdir -p "$findings"
passed=0
failed=0
for harness in email phone validate; do
  echo "== fuzz_$harness, $seconds s =="
  log="$cs_tmp/fuzz_$harness.log"
  mkdir -p "$cs_tmp/corpus/$harness"
  # A phone number over 250 octets is refused unread: longer inputs would
  # only exercise the trimming.
  max_len=4096
  [ "$harness" != phone ] || max_len=1024
  # The first directory collects new inputs; the seeds are only read.
  if "$cs_tmp/fuzz/fuzz_$harness" -max_total_time="$seconds" -max_len="$max_len" \
      -timeout=10 -use_value_profile=1 -print_final_stats=1 \
      -artifact_prefix="$findings/$harness-" \
      "$cs_tmp/corpus/$harness" "$cs_tmp/seeds/$harness" > "$log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
  else
    failed=$((failed + 1))
    tail -n 80 "$log"
  fi
done

echo "fuzzers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
