#!/usr/bin/env bash
# Shared set-up for the demo and test commands: dependencies, build, an
# install into a private copy of the server, and a throwaway PostgreSQL 15
# cluster on a private Unix socket.
# Sourced, not run.

: "${PG_CONFIG:=/usr/lib/postgresql/15/bin/pg_config}"
export PG_CONFIG

cs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# A temporary directory for this run (the private server, the cluster, the
# work tree); removed at exit unless CS_KEEP_TMP=1.
cs_tmpdir() {
  if [ -z "${cs_tmp:-}" ]; then
    cs_tmp=$(mktemp -d /tmp/contactsync.XXXXXX)
    trap cs_stop_cluster EXIT
  fi
}

# Install what is missing, build the extension, and install it into a
# private copy of the PostgreSQL 15 server in the run's temporary directory
# (PostgreSQL finds its share and lib directories relative to its binaries,
# so a copy of the two trees is a complete server).  The system's server is
# never written to: runs with different builds (a sanitizer build, say) can
# go on side by side.  Afterwards PG_CONFIG names the private copy.
#
# A checker run (test/checkers/lib.sh) names its extra packages for
# test/deps.sh in the array cs_deps.  Extra make variables (the array
# cs_make_flags, and the words of $CS_MAKE_FLAGS) build in a clean copy of
# the tree, so the checkout's own objects stay those of a plain build: make
# does not notice changed flags, and a later plain build or install must not
# pick up instrumented objects.
cs_setup() {
  local extra=()
  read -ra extra <<< "${CS_MAKE_FLAGS:-}"
  cs_make_flags=(${cs_make_flags[@]+"${cs_make_flags[@]}"} ${extra[@]+"${extra[@]}"})
  bash "$cs_root/test/deps.sh" ${cs_deps[@]+"${cs_deps[@]}"}
  cs_build="$cs_root"
  if [ ${#cs_make_flags[@]} -gt 0 ]; then
    cs_tmpdir
    cs_build="$cs_tmp/build"
    cs_copy_tree "$cs_build"
    make -C "$cs_build" -s clean PG_CONFIG="$PG_CONFIG"
  fi
  cs_make all
  cs_install_private
}

# make in the build tree (the checkout unless cs_setup chose a copy), with
# the run's extra variables.
cs_make() {
  make -C "${cs_build:-$cs_root}" -s PG_CONFIG="$PG_CONFIG" ${cs_make_flags[@]+"${cs_make_flags[@]}"} "$@"
}

# Copy the checkout (without .git) to a new directory.
cs_copy_tree() {
  mkdir -p "$1"
  (cd "$cs_root" && tar --exclude=./.git -cf - .) | (cd "$1" && tar -xf -)
}

cs_install_private() {
  cs_tmpdir
  local bindir sharedir pkglibdir prefix="$cs_tmp/pg"
  bindir=$("$PG_CONFIG" --bindir)
  sharedir=$("$PG_CONFIG" --sharedir)
  pkglibdir=$("$PG_CONFIG" --pkglibdir)
  mkdir -p "$prefix$(dirname "$bindir")" "$prefix$(dirname "$sharedir")"
  cp -a "$(dirname "$bindir")/." "$prefix$(dirname "$bindir")/"
  cp -a "$sharedir" "$prefix$(dirname "$sharedir")/"
  [ -d "$prefix$pkglibdir" ] || { echo "unexpected layout: $pkglibdir is not under $(dirname "$bindir")" >&2; return 1; }
  cs_make install DESTDIR="$prefix"
  PG_CONFIG="$prefix$bindir/pg_config"
  export PG_CONFIG
}

# The server refuses to run as root: as root, work as the postgres user in a
# copy of the tree it owns.  Sets cs_work (the tree to run in) and cs_user.
cs_prepare_work() {
  cs_tmpdir
  if [ "$(id -u)" -eq 0 ]; then
    cs_user=postgres
    cs_copy_tree "$cs_tmp/tree"
    chown -R postgres "$cs_tmp"
    cs_work="$cs_tmp/tree"
  else
    cs_user=$(id -un)
    cs_work="$cs_root"
  fi
}

# Run a command as the cluster's owner, in the work tree, with the PG*
# settings of this shell.
cs_run() {
  if [ "$(id -u)" -eq 0 ]; then
    local envs=("PATH=$PATH" "PG_CONFIG=$PG_CONFIG") v
    for v in PGHOST PGPORT PGUSER PGDATABASE; do
      [ -z "${!v:-}" ] || envs+=("$v=${!v}")
    done
    runuser -u "$cs_user" -- env "${envs[@]}" \
      bash -c 'cd "$1" && shift && "$@"' _ "$cs_work" "$@"
  else
    (cd "$cs_work" && "$@")
  fi
}

# Start a throwaway cluster: initdb (UTF-8) in the temp directory, listening
# only on a Unix socket there.  cs_stop_cluster removes it.
cs_start_cluster() {
  local bindir
  bindir=$("$PG_CONFIG" --bindir)
  export PATH="$bindir:$PATH"
  export PGHOST="$cs_tmp/sock" PGPORT=5432 PGDATABASE=postgres
  cs_run mkdir -p "$PGHOST"
  cs_run initdb -D "$cs_tmp/data" -E UTF8 --locale=C.UTF-8 -U postgres -A trust >/dev/null
  cs_run pg_ctl -D "$cs_tmp/data" -l "$cs_tmp/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGHOST' -c port=$PGPORT -c fsync=off -c max_prepared_transactions=10" \
    start >/dev/null
  export PGUSER=postgres
}

cs_stop_cluster() {
  if [ -n "${cs_tmp:-}" ] && [ -d "$cs_tmp/data" ]; then
    cs_run pg_ctl -D "$cs_tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${cs_tmp:-}" ] && [ "${CS_KEEP_TMP:-0}" != 1 ]; then
    rm -rf "$cs_tmp"
  fi
}
