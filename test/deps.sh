#!/usr/bin/env bash
# Installs the Debian packages contactsync needs to build and test, when any
# is missing; does nothing when all are present.  Needs root (or sudo) only
# when something is missing.  Arguments name the extra tools of a checker
# run (test/run.sh --sanitize, --valgrind, --fuzz).
#   bash test/deps.sh [sanitize] [valgrind] [fuzz]
set -euo pipefail

packages=(
  make gcc g++ perl
  postgresql-15 postgresql-server-dev-15 postgresql-contrib
  libicu-dev libphonenumber-dev libprotobuf-dev
  libipc-run-perl
)
for extra in "$@"; do
  case "$extra" in
    # gcc's AddressSanitizer and UndefinedBehaviorSanitizer runtimes.
    sanitize) packages+=(libasan8 libubsan1) ;;
    valgrind) packages+=(valgrind) ;;
    # clang 14 with libFuzzer and its sanitizer runtimes (libclang-rt-14-dev),
    # and lld, whose --gc-sections drops the SQL wrappers the harnesses do
    # not link against.
    fuzz) packages+=(clang-14 libclang-rt-14-dev lld-14) ;;
    *) echo "deps.sh: unknown extra \"$extra\"" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "contactsync: installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
