#!/usr/bin/env bash
# floor.sh — the compressors' floor under issue 9's one-thread targets: for each shape, what each
# codec library costs alone at each level on blizzard's pages (codec_floor.c), next to Polars'
# one-thread write of the same data timed in the same run, the target time the issue sets
# (Polars-1t / 1.5 for snappy and zstd, / 1.2 for lz4, / 2 for gzip), the file size each level
# gives against Polars' (blizzard's real file; estimated for ISA-L, which blizzard does not use), and blizzard's uncompressed convert (everything but the codec).
# A codec and level whose time alone is above the target, or whose file is larger than Polars',
# cannot meet both targets, whatever the rest of the writer does.
# Usage: bash bench/floor.sh [--shapes "logs wide records nested"] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
shapes="logs wide records nested" runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --shapes) shapes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: bench/floor.sh [--shapes LIST] [--runs N]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
# ISA-L (igzip) is only measured here, as the other gzip library issue 9 names
dpkg-query -W -f='${Status}' libisal-dev 2>/dev/null | grep -q "install ok installed" || {
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libisal-dev >/dev/null
}
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
out=bench/out tmp=${TMPDIR:-/tmp}/blz-floor
mkdir -p "$out" "$tmp"
cc -O2 -Wall -Wextra -Werror -DHAVE_ISAL bench/codec_floor.c -o "$tmp/codec_floor" \
  -lsnappy -llz4 -lzstd -ldeflate -lisal
declare -A rows=([logs]=2000000 [wide]=20000 [records]=3000000 [nested]=500000)
summary="$out/floor-$(date +%Y-%m-%d).md"
echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), runs=$runs" >> "$summary"
for shape in $shapes; do
  src="$out/$shape-${rows[$shape]}.arrows"
  [ -f "$src" ] || node tests/interop/gen.mjs --dataset "$shape" --rows "${rows[$shape]}" --out "$src" >/dev/null
  ./build/blizzard convert "$src" "$tmp/u.parquet" --compression uncompressed --threads 1 --quiet
  rest=""
  for i in $(seq "$runs"); do
    t0=$(date +%s%N)
    ./build/blizzard convert "$src" "$tmp/u.parquet" --compression uncompressed --threads 1 --quiet
    rest="$rest $(( ($(date +%s%N) - t0) / 1000 ))"
  done
  node bench/chunk-ranges.mjs "$tmp/u.parquet" > "$tmp/ranges.txt"
  "$tmp/codec_floor" "$tmp/u.parquet" "$tmp/ranges.txt" --runs "$runs" > "$tmp/floor-$shape.txt"
  # the real file each level blizzard supports gives (ISA-L's are estimated in floor-report.mjs)
  : > "$tmp/sizes-$shape.txt"
  while read -r name level _; do
    case "$name" in gzip-isal) continue ;; esac
    codec=${name%%-*} lv=(); [ "$level" = 0 ] || lv=(--compression-level "$level")
    ./build/blizzard convert "$src" "$tmp/c.parquet" --compression "$codec" "${lv[@]}" --quiet
    echo "$name $level $(stat -c %s "$tmp/c.parquet")" >> "$tmp/sizes-$shape.txt"
  done < "$tmp/floor-$shape.txt"
  for codec in snappy zstd lz4 gzip; do
    node tests/interop/bench-anchors.mjs --arrow "$src" --codec "$codec" --runs "$runs" --threads 1 \
      --anchors polars --json "$tmp/polars-$shape-$codec.json" >/dev/null
  done
  node bench/floor-report.mjs "$shape" "$tmp" "$(stat -c %s "$tmp/u.parquet")" "$rest" "$summary"
done
echo "floor.sh: tables appended to $summary"
