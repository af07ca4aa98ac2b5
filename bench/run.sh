#!/usr/bin/env bash
# run.sh — converts a generated event log (2,000,000 rows by default) with each codec and times
# DuckDB's and Polars' writers on the same data in the same run, all single-threaded.
# Usage: bash bench/run.sh [--rows N] [--runs N] [--codecs "snappy zstd"]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=2000000 runs=5 codecs="snappy zstd lz4 gzip uncompressed"
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --codecs) codecs=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--rows N] [--runs N] [--codecs LIST]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
out=bench/out
mkdir -p "$out"
src="$out/logs-$rows.arrows"
[ -f "$src" ] || node tests/interop/gen.mjs --dataset logs --rows "$rows" --out "$src"
tmp=${TMPDIR:-/tmp}
for codec in $codecs; do
  times=()
  ./build/blizzard convert "$src" "$tmp/blz-bench.parquet" --compression "$codec" --threads 1 --quiet # warm-up
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    ./build/blizzard convert "$src" "$tmp/blz-bench.parquet" --compression "$codec" --threads 1 --quiet
    t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
  done
  size=$(stat -c %s "$tmp/blz-bench.parquet")
  vc=$codec; [ "$codec" = uncompressed ] && vc=none
  node tests/interop/bench-anchors.mjs --arrow "$src" --codec "$vc" --runs "$runs" --threads 1 \
    --anchors duckdb,polars --json "$out/anchors-$codec.json" >/dev/null
  node bench/report.mjs "$out/anchors-$codec.json" "$codec" "$size" "${times[@]}"
done
rm -f "$tmp/blz-bench.parquet"
