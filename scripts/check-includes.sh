#!/usr/bin/env bash
# check-includes.sh — every #include "../MODULE/..." in lib/ must name a module that lib/README.md's
# table lets the including module depend on. Prints each violation; exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed
while IFS='|' read -r _ mod _ deps _; do
  mod=$(sed -n 's/.*`\([a-z0-9_]*\)\/`.*/\1/p' <<<"$mod")
  [ -n "$mod" ] || continue
  allowed[$mod]=" $( (grep -o '`[a-z0-9_]*/' <<<"$deps" || true) | tr -d '`/' | tr '\n' ' ')"
done < <(grep '^| `[a-z0-9_]*/` |' lib/README.md)
bad=0
for f in lib/*/*.c lib/*/*.h; do
  mod=$(basename "$(dirname "$f")")
  [ -n "${allowed[$mod]+x}" ] || { echo "$f: module $mod is not in lib/README.md"; bad=1; continue; }
  while read -r dep; do
    case "${allowed[$mod]} " in *" $dep "*) ;; *) echo "$f includes $dep/, which lib/README.md does not let $mod/ use"; bad=1 ;; esac
  done < <(sed -n 's/^#include "\.\.\/\([a-z0-9_]*\)\/.*/\1/p' "$f" | sort -u)
done
[ $bad = 0 ] && echo "includes: every module uses only what lib/README.md allows"
exit $bad
