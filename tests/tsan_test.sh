#!/usr/bin/env bash
# tsan_test.sh — the threaded paths under ThreadSanitizer: the unit tests (sink, uploads) and
# conversions of every shape with more encoding threads than cores. Any race report fails.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
BLZ=${BLZ:-$root/build/tsan/blizzard}
UNIT=${UNIT:-$root/build/tsan/unit_tests}
source "$here/lib.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
if "$UNIT" >"$out/unit.log" 2>&1 && ! grep -q "ThreadSanitizer" "$out/unit.log"; then ok "unit tests"; else bad "unit tests"; grep -A20 "ThreadSanitizer" "$out/unit.log" | head -40; fi
gen() { node "$root/tests/interop/gen.mjs" "$@" >/dev/null; }
gen --dataset logs --rows 30000 --batch-rows 4096 --out "$out/logs.arrows"
gen --dataset nested --rows 3000 --batch-rows 700 --out "$out/nested.arrows"
gen --dataset types --rows 3000 --batch-rows 800 --out "$out/types.arrows"
gen --dataset wide --rows 2000 --out "$out/wide.arrows"
for ds in logs nested types wide; do
  for opt in "--compression snappy" "--compression zstd --encoding-profile compact --row-group-bytes 200000"; do
    # shellcheck disable=SC2086
    if "$BLZ" convert "$out/$ds.arrows" "$out/$ds.parquet" --threads 4 $opt --quiet 2>"$out/err.log" && ! grep -q ThreadSanitizer "$out/err.log"; then
      ok "$ds: convert --threads 4 $opt"
    else
      bad "$ds: convert --threads 4 $opt"; head -40 "$out/err.log"
    fi
  done
done
# sort_by: kept rows fed to the columns by pool tasks at each row group's end
if "$BLZ" convert "$out/logs.arrows" "$out/sorted.parquet" --threads 4 --sort-by level --sort-by ts --row-group-bytes 300000 --quiet 2>"$out/err.log" && ! grep -q ThreadSanitizer "$out/err.log"; then
  ok "logs: convert --threads 4 --sort-by level --sort-by ts"
else
  bad "logs: convert --threads 4 --sort-by level --sort-by ts"; head -40 "$out/err.log"
fi
# from a pipe: a reading thread runs ahead of the encoding threads
if cat "$out/logs.arrows" | "$BLZ" convert - "$out/pipe.parquet" --threads 4 --quiet 2>"$out/err.log" && ! grep -q ThreadSanitizer "$out/err.log"; then
  ok "logs from a pipe: read ahead, convert --threads 4"
else
  bad "logs from a pipe: read ahead, convert --threads 4"; head -40 "$out/err.log"
fi
# a partitioned sink on local disk: the files of ~70 hourly partitions land side by side on
# landing threads while encoding threads share the pool
cat > "$out/sink.yaml" <<EOF
sink:
  path: $out/table
  compression: snappy
  partition_by:
    prefix_template: "date=%Y-%m-%d/hour=%H"
    time_column: ts
  threads: 2
EOF
if "$BLZ" run --config "$out/sink.yaml" --quiet "$out/logs.arrows" 2>"$out/err.log" && ! grep -q ThreadSanitizer "$out/err.log" &&
   [ "$(find "$out/table" -name '*.parquet' | wc -l)" -ge 60 ] &&
   [ "$(ls "$out/table/_staging/pending" | wc -l)" -eq "$(find "$out/table" -name '*.parquet' | wc -l)" ]; then
  ok "partitioned sink: files land side by side, threads: 2"
else
  bad "partitioned sink: files land side by side, threads: 2"; head -40 "$out/err.log"
fi
# the convert progress line (a ticker thread) on a pseudo-terminal
if command -v script >/dev/null; then
  script -qec "'$BLZ' convert '$out/logs.arrows' '$out/tty.parquet' --threads 3" /dev/null > "$out/tty.log" 2>&1
  if grep -q "of input" "$out/tty.log" && ! grep -q ThreadSanitizer "$out/tty.log"; then ok "convert progress line on a terminal, --threads 3"
  else bad "convert progress line on a terminal, --threads 3"; grep -A20 ThreadSanitizer "$out/tty.log" | head -30; fi
fi
summary
