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

summary
