#!/usr/bin/env bash
# cli_test.sh — the blizzard CLI: conversions from a path and from stdin, and bad input that must
# fail with a clear message, a non-zero exit code and no file left under the output name.
set -uo pipefail
cd "$(dirname "$0")/.."
BLZ=${BLZ:-./build/blizzard}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
source "$(dirname "$0")/lib.sh"

no_leftovers() { [ -z "$(ls -A "$d/out" 2>/dev/null)" ]; }
mkdir -p "$d/out"

# converts from a path and from stdin give identical files
$BLZ convert tests/data/logs_small.arrows "$d/a.parquet" --quiet
cat tests/data/logs_small.arrows | $BLZ convert - "$d/b.parquet" --quiet
check "stdin and path give the same bytes" cmp -s "$d/a.parquet" "$d/b.parquet"
cat tests/data/logs_small.arrows | $BLZ convert - "$d/c.parquet" --threads 3 --quiet
$BLZ convert tests/data/logs_small.arrows "$d/e.parquet" --threads 1 --quiet
check "stdin read ahead on 3 threads gives the bytes of 1 thread" cmp -s "$d/c.parquet" "$d/e.parquet"
out=$(head -c 20000 tests/data/logs_small.arrows | $BLZ convert - "$d/out/p.parquet" --threads 2 2>&1); rc=$?
check "truncated stdin read ahead: exit non-zero, byte offset named" bash -c "[ $rc -ne 0 ] && grep -q 'byte [0-9]' <<<\"\$1\"" _ "$out"
check "truncated stdin read ahead leaves no file" no_leftovers
check "output starts and ends with PAR1" bash -c "head -c4 '$d/a.parquet' | grep -q PAR1 && tail -c4 '$d/a.parquet' | grep -q PAR1"

# --help documents every flag the parser knows
help=$($BLZ convert --help)
for flag in --compression --compression-level --row-group-bytes --page-bytes --dictionary-bytes --no-dictionary --data-page-version --no-page-index --threads --encoding-profile --column-encoding --quiet; do
  check "--help mentions $flag" grep -q -- "$flag" <<<"$help"
done

# each command's --help shows its own options only; --version
rhelp=$($BLZ run --help); uhelp=$($BLZ upload --config x.yaml --help); rc=$?
check "run --help shows run's flags, not convert's" bash -c "grep -q -- --check <<<\"\$1\" && ! grep -q -- --compression <<<\"\$1\"" _ "$rhelp"
check "upload --config x --help exits 0 with upload's flags" bash -c "[ $rc = 0 ] && grep -q -- --prefix <<<\"\$1\"" _ "$uhelp"
check "--version prints the version" bash -c "$BLZ --version | grep -q '^blizzard [0-9]'"
$BLZ upload --bogus >/dev/null 2>&1; rc=$?
check "an unknown upload option exits 2" test $rc = 2

# truncated input: error names the byte offset, exit non-zero, nothing left behind
head -c 20000 tests/data/logs_small.arrows > "$d/trunc.arrows"
out=$($BLZ convert "$d/trunc.arrows" "$d/out/t.parquet" 2>&1); rc=$?
check "truncated input exits non-zero" test $rc -ne 0
check "truncated input names a byte offset" grep -q "byte [0-9]" <<<"$out"
check "truncated input leaves no file" no_leftovers

# garbage input
printf 'definitely not arrow' > "$d/junk"
out=$($BLZ convert "$d/junk" "$d/out/j.parquet" 2>&1); rc=$?
check "garbage input exits non-zero" test $rc -ne 0
check "garbage input leaves no file" no_leftovers

# schema change mid-stream: two streams glued together (the first without its end marker)
n=$(stat -c %s tests/data/logs_small.arrows)
{ head -c $((n - 8)) tests/data/logs_small.arrows; cat tests/data/logs_small.arrows; } > "$d/twice.arrows"
out=$($BLZ convert "$d/twice.arrows" "$d/out/s.parquet" 2>&1); rc=$?
check "schema change exits non-zero" test $rc -ne 0
check "schema change is named" grep -q "schema cannot change mid-stream at\|schema cannot change" <<<"$out"
check "schema change leaves no file" no_leftovers

# bad flags
out=$($BLZ convert tests/data/logs_small.arrows "$d/out/x.parquet" --compression brotli 2>&1); rc=$?
check "unknown codec is refused" test $rc -eq 2
check "unknown codec is named" grep -q "brotli" <<<"$out"
out=$($BLZ convert tests/data/logs_small.arrows "$d/out/x.parquet" --compression zstd --compression-level 99 2>&1); rc=$?
check "zstd level out of range is refused" test $rc -ne 0
check "zstd level error says so" grep -q "zstd level 99" <<<"$out"
check "refused runs leave no file" no_leftovers
out=$($BLZ convert /nonexistent/in.arrows "$d/out/x.parquet" 2>&1); rc=$?
check "missing input is named" grep -q "/nonexistent/in.arrows" <<<"$out"

# run --log-format json: every line on stderr is a JSON object in UTF-8 (the events, an error, the
# summary), even with an input whose name is not UTF-8 (a Latin-1 file name)
lat="$d/caf$(printf '\xe9').arrows"
cp tests/data/logs_small.arrows "$lat"
printf 'sink:\n  path: %s/json-table\n' "$d" > "$d/json.yaml"
$BLZ run --config "$d/json.yaml" --log-format json "$lat" "$d/missing.arrows" 2> "$d/json.err"; rc=$?
check "json log: a missing input fails the run" test $rc -ne 0
check "json log: every line is UTF-8" iconv -f UTF-8 -t UTF-8 "$d/json.err" -o /dev/null
check "json log: every line is a JSON object" bash -c "! grep -qv '^{\"ts\":\".*}\$' '$d/json.err'"
check "json log: the error and the summary are events" \
  bash -c "grep -q '\"event\":\"error\",\"message\":\"cannot open .*missing.arrows' '$d/json.err' && grep -q '\"event\":\"run_finished\",\"rows_read\":[1-9]' '$d/json.err'"
check "json log: the Latin-1 name as U+FFFD" grep -q 'caf\\ufffd.arrows' "$d/json.err"

summary
