#!/usr/bin/env bash
# run_all.sh — installs what is needed and runs every test: unit tests (plain and under ASan/UBSan),
# CLI behaviour, fuzz corpus replay, and interop with DuckDB, Polars, arrow-rs and hyparquet.
set -euo pipefail
cd "$(dirname "$0")/.."
# `make check` sets BLZ_SKIP_INSTALL: the packages are taken as present
if [ -z "${BLZ_SKIP_INSTALL:-}" ]; then
  bash scripts/install-deps.sh --test
  (cd tests/interop && bash setup.sh)
fi

make -j2 all >/dev/null
make -j2 SAN=1 build/san/unit_tests build/san/blizzard build/san/slice_convert build/san/reencode_convert >/dev/null
make -j2 SAN=thread build/tsan/blizzard build/tsan/unit_tests >/dev/null
make -j2 fuzzers >/dev/null

total_pass=0
total_fail=0
count() { # reads a runner's "N passed, M failed" line
  local line; line=$(grep -E '^([A-Za-z0-9_]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -1 || true)
  [ -n "$line" ] || { total_fail=$((total_fail + 1)); return; } # a runner that said nothing failed
  line=${line#*: }
  total_pass=$((total_pass + $(echo "$line" | cut -d' ' -f1)))
  total_fail=$((total_fail + $(echo "$line" | cut -d' ' -f3)))
}
log=$(mktemp -d)

echo "== module layering (lib/README.md)"
if bash scripts/check-includes.sh > "$log/inc" 2>&1; then echo "includes: 1 passed, 0 failed" | tee "$log/incc"
else cat "$log/inc"; echo "includes: 0 passed, 1 failed" | tee "$log/incc"; fi
count "$log/incc"
echo "== -Wconversion (lib/, programs/)"
if bash scripts/check-conversion.sh > "$log/conv" 2>&1; then echo "conversion: 1 passed, 0 failed" | tee "$log/convc"
else cat "$log/conv"; echo "conversion: 0 passed, 1 failed" | tee "$log/convc"; fi
count "$log/convc"
echo "== unit tests"
./build/unit_tests | tee "$log/unit" | grep -v '^ok' || true
count "$log/unit"
echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1 ./build/san/unit_tests | tee "$log/san" | grep -v '^ok' || true
count "$log/san"
echo "== threaded paths under ThreadSanitizer"
bash tests/tsan_test.sh | tee "$log/tsan"
count "$log/tsan"
echo "== fuzz corpus replay"
for target in ipc config s3_xml journal landed partition; do
  if ./build/fuzz_$target fuzz/corpus/$target/* >"$log/fuzz" 2>&1; then
    echo "fuzz_$target: $(ls fuzz/corpus/$target | wc -l) passed, 0 failed" | tee "$log/fuzzc"
  else
    tail -30 "$log/fuzz"; echo "fuzz_$target: 0 passed, 1 failed" | tee "$log/fuzzc"
  fi
  count "$log/fuzzc"
done
echo "== install: make install, pkg-config, a program linked against the shared library"
bash tests/install_test.sh | tee "$log/install"
count "$log/install"
echo "== CLI"
BLZ=./build/san/blizzard bash tests/cli_test.sh | tee "$log/cli"
count "$log/cli"
echo "== metrics endpoint, logs"
BLZ=./build/san/blizzard bash tests/metrics_test.sh | tee "$log/metrics"
count "$log/metrics"
echo "== interop (DuckDB, Polars, parquet-wasm, hyparquet)"
BLZ=./build/san/blizzard SLICE=./build/san/slice_convert REENCODE=./build/san/reencode_convert bash tests/interop/run.sh | tee "$log/interop"
count "$log/interop"
echo "== sink end-to-end (blizzard run: partitions, rolling, staging, SIGTERM)"
BLZ=./build/san/blizzard bash tests/interop/run-sink.sh | tee "$log/sink"
count "$log/sink"
echo "== S3 uploads (s3rver on 127.0.0.1, aws CLI, fault-injecting proxy)"
BLZ=./build/san/blizzard bash tests/interop/run-s3.sh | tee "$log/s3"
count "$log/s3"
echo "== kill -9 at chosen moments, then again: exactly once (local and S3)"
BLZ=./build/san/blizzard bash tests/interop/run-crash.sh | tee "$log/crash"
count "$log/crash"
rm -rf "$log"
echo "all: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
