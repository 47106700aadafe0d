#!/usr/bin/env bash
# The memory checkers of the test command (test/run.sh --sanitize,
# --valgrind).  The server binaries are Debian's and not instrumented; what
# is checked is the extension's code inside them.  The checkers write their
# reports to files in one directory (UBSan's go to the server log), and
# cs_checker_clean fails when there is any, or when a server process
# crashed.  Sourced after lib.sh, not run.

# The directory the checkers write to (one file per process that reported),
# in cs_checks.
cs_checker_dir() {
  cs_tmpdir
  cs_checks="$cs_tmp/checker"
  mkdir -p "$cs_checks"
  # The server runs as the postgres user when the tests run as root.
  chmod 1777 "$cs_checks"
}

# Run the private server's postgres under a checker: the binary is renamed
# postgres.bin and a script that starts it under the given command takes
# its place, so pg_ctl, pg_regress, isolation and TAP clusters all get it.
# The set-up modes (initdb's --boot, --check and --single; -V, -C) run
# unwatched: they never load the extension, and valgrind would only slow
# them down.
cs_wrap_server() {
  local bin
  bin="$("$PG_CONFIG" --bindir)/postgres"
  mv "$bin" "$bin.bin"
  {
    echo '#!/bin/sh'
    echo '# postgres under a checker (test/checkers/lib.sh).'
    echo 'real="$(dirname "$0")/postgres.bin"'
    echo 'case "${1:-}" in'
    echo '  --boot|--single|--check|-V|--version|-C|--describe-config) exec "$real" "$@" ;;'
    echo 'esac'
    printf 'exec'
    printf ' %q' "$@"
    printf ' "$real" "$@"'
    if [ -n "${cs_server_args+set}" ]; then
      printf ' %q' "${cs_server_args[@]}"
    fi
    echo
  } > "$bin"
  chmod 755 "$bin"
}

# AddressSanitizer and UndefinedBehaviorSanitizer (gcc, the compiler the
# server was built with).  Every report is fatal (-fno-sanitize-recover,
# abort_on_error): the backend aborts, so the test that ran it fails too.
cs_sanitize_build() {
  cs_deps=(sanitize)
  cs_make_flags=("COPT=-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer")
}

# The instrumented extension needs the ASan runtime loaded first in the
# server process: it is preloaded into postgres (the extension's own
# dependency brings the UBSan runtime), with preload.c, without which the
# runtime's start-up hangs the server (the file says why).  Leak detection
# is off: PostgreSQL frees by memory context and at process exit, not
# allocation by allocation.
cs_sanitize_server() {
  local runtime
  cs_checker_dir
  runtime=$(gcc -print-file-name=libasan.so)
  [ -e "$runtime" ] || { echo "no AddressSanitizer runtime at $runtime" >&2; return 1; }
  gcc -shared -fPIC -O2 -o "$cs_tmp/preload.so" "$cs_root/test/checkers/preload.c"
  cs_wrap_server env "LD_PRELOAD=$runtime $cs_tmp/preload.so" \
    "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$cs_checks/asan" \
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1"
}

# valgrind memcheck on every server process (backends are forks of the
# postmaster, so they stay under it) of the plain build.  Suppressions
# cover PostgreSQL's own code only (test/checkers/valgrind.supp); each
# report names where the uninitialised bytes came from (--track-origins)
# and how to suppress it.  Leak checking is off, as for ASan.  A process
# with an error exits with 128, which the postmaster treats as a crash, so
# errors are loud in the suites too.
cs_valgrind_server() {
  cs_checker_dir
  # A copy the server's user can read wherever the checkout is.
  cp "$cs_root/test/checkers/valgrind.supp" "$cs_tmp/valgrind.supp"
  # No JIT: its code is LLVM's, generated at run time, and loading it trips
  # memcheck inside glibc's dynamic loader; the expressions run interpreted.
  cs_server_args=(-c jit=off)
  cs_wrap_server valgrind --quiet --tool=memcheck --trace-children=yes \
    --leak-check=no --track-origins=yes --num-callers=40 --error-exitcode=128 \
    --gen-suppressions=all --suppressions="$cs_tmp/valgrind.supp" \
    --log-file="$cs_checks/valgrind.%p"
}

# Whether the checkers stayed silent: prints every report and returns 1 if
# there is any, in the checkers' files or in the server log (where a report
# lands when a checker could not open its file), or if a server process
# died and the postmaster restarted the others (no test kills a backend of
# this cluster; the TAP crash test uses a cluster of its own).
cs_checker_clean() {
  local f reports=0
  for f in "$cs_checks"/*; do
    [ -s "$f" ] || continue
    reports=$((reports + 1))
    echo "---- $(basename "$f") ----"
    cat "$f"
  done
  if grep -E -B2 -A30 'runtime error:|ERROR: [A-Za-z]+Sanitizer|terminating any other active server processes' \
      "$cs_tmp/server.log"; then
    reports=$((reports + 1))
  fi
  echo "checker reports: $reports"
  [ "$reports" -eq 0 ]
}
