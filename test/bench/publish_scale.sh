#!/usr/bin/env bash
# Copies the last scale benchmark's table and plot into the documentation:
# test/bench/out/scale.md replaces the block between the "scale table"
# markers in doc/performance.md, and test/bench/out/scale.png becomes
# doc/scale.png.  Run after bash test/bench/scale.sh; review and commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
md="$root/test/bench/out/scale.md"
png="$root/test/bench/out/scale.png"
doc="$root/doc/performance.md"
begin='<!-- scale table: begin (test/bench/publish_scale.sh) -->'
end='<!-- scale table: end -->'

if [ ! -s "$md" ]; then
  echo "no $md: run bash test/bench/scale.sh first" >&2
  exit 1
fi
if ! grep -qxF "$begin" "$doc" || ! grep -qxF "$end" "$doc"; then
  echo "$doc has no scale table markers" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v begin="$begin" -v end="$end" -v md="$md" '
  $0 == begin { print; while ((getline line < md) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }
' "$doc" >"$tmp"
cat "$tmp" >"$doc"
echo "updated: doc/performance.md"
if [ -s "$png" ]; then
  cp "$png" "$root/doc/scale.png"
  echo "updated: doc/scale.png"
else
  echo "warning: no $png (gnuplot missing?); doc/scale.png left as it was" >&2
fi
