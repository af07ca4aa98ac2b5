#!/usr/bin/env bash
# run.sh — the encoder benchmark: every shape of data (event log, wide table, flight-records-like,
# nested) with every codec, blizzard's whole `convert` process (1 thread, 2 threads, every core)
# against DuckDB's and Polars' writes (1 thread and all threads) timed in the same run, median of N,
# with blizzard's peak RSS; prints speed and size ratios and appends a markdown table to
# bench/out/summary-DATE.md.
# Usage: bash bench/run.sh [--shapes "logs wide records nested"] [--codecs "snappy zstd lz4 gzip uncompressed"]
#                          [--runs N] [--threads "1 2 0"] [--anchor-threads "1,all"] [--args "extra convert flags"]
set -euo pipefail
cd "$(dirname "$0")/.."
shapes="logs wide records nested" codecs="snappy zstd lz4 gzip uncompressed" runs=5 athreads="1,all" extra=""
bthreads="1 2 0"
while [ $# -gt 0 ]; do
  case "$1" in
    --shapes) shapes=$2; shift 2 ;;
    --codecs) codecs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --anchor-threads) athreads=$2; shift 2 ;;
    --threads) bthreads=$2; shift 2 ;;
    --args) extra=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--shapes LIST] [--codecs LIST] [--runs N] [--anchor-threads 1,all] [--args FLAGS]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
out=bench/out
mkdir -p "$out"
summary="$out/summary-$(date +%Y-%m-%d).md"
{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), runs=$runs ${extra:+(blizzard flags: $extra)}"
  echo
  echo "Speed-ups are anchor time / blizzard time (blizzard: the whole convert process; anchors: the write alone)."
  echo "Blizzard 1t is compared with the anchors' 1 thread, blizzard on every core with the anchors' all threads."
  echo "Blizzard's thread counts alternate run by run; 2t vs 1t is the median of the runs' own 1t/2t ratios."
  echo
  echo "| shape | codec | blizzard s 1t / 2t / all | 2t vs 1t | peak RSS MB (all) | 1t vs DuckDB-1t | 1t vs Polars-1t | all vs DuckDB-all | all vs Polars-all | size vs DuckDB | size vs Polars |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >> "$summary"
declare -A rows=([logs]=2000000 [wide]=20000 [records]=3000000 [nested]=500000 [recdict]=3000000)
# recdict (not in the default list): the flight records with origin/destination as Arrow
# dictionary arrays, as Arrow producers with categorical columns hand them over
tmp=${TMPDIR:-/tmp}
for shape in $shapes; do
  src="$out/$shape-${rows[$shape]}.arrows"
  gen=(--dataset "$shape")
  [ "$shape" = recdict ] && gen=(--dataset records --dict-strings)
  [ -f "$src" ] || node tests/interop/gen.mjs "${gen[@]}" --rows "${rows[$shape]}" --out "$src" >/dev/null
  for codec in $codecs; do
    timing="$out/blizzard-$shape-$codec.txt"
    # the thread counts alternate run by run (1, 2, all, 1, 2, all, ...), so a slow phase of the VM
    # falls on every count alike instead of on whichever ran through it
    declare -A line=()
    for t in $bthreads; do
      # shellcheck disable=SC2086
      ./build/blizzard convert "$src" "$tmp/blz-bench.parquet" --compression "$codec" --threads "$t" --quiet $extra # warm-up
      line[$t]="$t"
    done
    for _ in $(seq "$runs"); do
      for t in $bthreads; do
        rm -f "$tmp/blz-bench.parquet" # as the anchors start each write: no file to replace
        t0=$(date +%s%N)
        # shellcheck disable=SC2086
        /usr/bin/time -f %M -o "$tmp/blz-bench.rss" ./build/blizzard convert "$src" "$tmp/blz-bench.parquet" --compression "$codec" --threads "$t" --quiet $extra
        t1=$(date +%s%N)
        line[$t]="${line[$t]} $(( t1 - t0 )):$(cat "$tmp/blz-bench.rss")"
      done
    done
    : > "$timing"
    for t in $bthreads; do echo "${line[$t]}" >> "$timing"; done
    unset line
    size=$(stat -c %s "$tmp/blz-bench.parquet")
    vc=$codec; [ "$codec" = uncompressed ] && vc=none
    node tests/interop/bench-anchors.mjs --arrow "$src" --codec "$vc" --runs "$runs" --threads "$athreads" \
      --anchors duckdb,polars --json "$out/anchors-$shape-$codec.json" >/dev/null
    node bench/report.mjs "$out/anchors-$shape-$codec.json" "$shape" "$codec" "$size" "$timing" "$summary"
  done
done
rm -f "$tmp/blz-bench.parquet" "$tmp/blz-bench.rss"
echo "table appended to $summary"
