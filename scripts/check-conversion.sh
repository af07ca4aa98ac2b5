#!/usr/bin/env bash
# check-conversion.sh — every C file of lib/ and programs/ compiles clean under -Wconversion (no
# silent narrowing or sign change: lengths, offsets and counts from outside input pass through
# them). Syntax only, so it takes seconds. Prints each warning; exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for f in lib/*/*.c programs/*.c; do
  out=$(${CC:-cc} -Iinclude -std=gnu11 -Wall -Wextra -Wconversion -fsyntax-only "$f" 2>&1) || true
  if [ -n "$out" ]; then echo "$out"; bad=1; fi
done
[ $bad = 0 ] && echo "conversion: every file of lib/ and programs/ is clean under -Wconversion"
exit $bad
