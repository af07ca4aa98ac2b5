#!/usr/bin/env bash
# sink.sh — the sink's own cost: `blizzard run` of the event log into one file and into 73 hourly
# partitions (date=%Y-%m-%d/hour=%H), against `convert` of the same input, every core, the three
# alternating, median of N; then the sink's peak RSS with the input on stdin, against the input's
# size plus max_buffered_mb. Appends a markdown table to bench/out/sink-DATE.md.
#
# Every run writes into a folder of its own, all removed after the last run, not between runs:
# ext4 passes over inodes freed in the last minute when it allocates new ones, so removing one
# run's 150 files just before the next charged the next run's file creation for that scan (the
# hourly sink's landing threads spent ~37 ms of CPU in ext4_create, in find_inode_bit and
# recently_deleted). Run with --dir on a tmpfs to see the sink without the file system's share.
# Usage: bash bench/sink.sh [--runs N] [--dir FOLDER] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=7 base=bench/out/sink-runs threads=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --dir) base=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: bench/sink.sh [--runs N] [--dir FOLDER] [--threads N]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
mkdir -p bench/out "$base"
src=bench/out/logs-2000000.arrows
[ -f "$src" ] || node tests/interop/gen.mjs --dataset logs --rows 2000000 --out "$src" >/dev/null
work=$(mktemp -d "$base/sink.XXXXXX")
trap 'rm -rf "$work"' EXIT

# config NAME PATH [partitioned]: a sink config like the README's, writing to PATH
config() {
  {
    echo "sink:"
    echo "  path: $2"
    echo "  file_size_mb: 1024"
    echo "  compression: snappy"
    echo "  threads: $threads"
    if [ "${3:-}" = partitioned ]; then
      echo "  partition_by:"
      echo "    prefix_template: \"date=%Y-%m-%d/hour=%H\""
      echo "    time_column: ts"
    fi
  } > "$work/$1.yaml"
}

ms() { echo $(( ($2 - $1) / 1000000 )); }
declare -A times=([convert]="" [unpart]="" [hourly]="")
order=(convert unpart hourly)
./build/blizzard convert "$src" "$work/warm.parquet" --quiet --threads "$threads" # warm-up: input in the page cache
for i in $(seq "$runs"); do
  for v in "${order[@]}"; do
    case $v in
      convert) cmd=(./build/blizzard convert "$src" "$work/c$i.parquet" --threads "$threads" --quiet) ;;
      unpart) config "u$i" "$work/u$i"; cmd=(./build/blizzard run --config "$work/u$i.yaml" --quiet "$src") ;;
      hourly) config "h$i" "$work/h$i" partitioned; cmd=(./build/blizzard run --config "$work/h$i.yaml" --quiet "$src") ;;
    esac
    t0=$(date +%s%N)
    "${cmd[@]}" >/dev/null 2>>"$work/stderr.log" || { cat "$work/stderr.log" >&2; exit 1; }
    t1=$(date +%s%N)
    times[$v]+="$(ms "$t0" "$t1") "
  done
  order=("${order[@]:1}" "${order[0]}") # rotate, so no variant always follows the same one
done
files=$(find "$work/h1" -name '*.parquet' | wc -l)
[ "$files" -eq 73 ] || { echo "sink.sh: the hourly sink stored $files files, not 73" >&2; exit 1; }

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(echo "${times[convert]}" | median)
mu=$(echo "${times[unpart]}" | median)
mh=$(echo "${times[hourly]}" | median)

# peak RSS with the input on stdin (the issue's bound: input size + max_buffered_mb + 64 MB); through
# cat, so stdin is a pipe: a redirected regular file would be mapped like a named input
config rss "$work/rss" partitioned
# shellcheck disable=SC2002
hourly_rss=$(cat "$src" | /usr/bin/time -f %M ./build/blizzard run --config "$work/rss.yaml" --quiet - 2>&1 >/dev/null | tail -1)
config rssu "$work/rssu"
# shellcheck disable=SC2002
unpart_rss=$(cat "$src" | /usr/bin/time -f %M ./build/blizzard run --config "$work/rssu.yaml" --quiet - 2>&1 >/dev/null | tail -1)
in_mb=$(( $(stat -c %s "$src") / 1048576 ))
budget_mb=384 # max_buffered_mb's default

fs=$(df -T "$base" | awk 'NR==2 {print $2}')
summary="bench/out/sink-$(date +%Y-%m-%d).md"
{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, threads $threads, runs=$runs, output on $fs ($base)"
  echo
  echo "| | convert | run, one file | run, 73 hourly files |"
  echo "|---|---|---|---|"
  echo "| median ms | $mc | $mu | $mh |"
  echo "| vs convert | 1.00× | $(awk -v a="$mu" -v b="$mc" 'BEGIN {printf "%.2f", a / b}')× | $(awk -v a="$mh" -v b="$mc" 'BEGIN {printf "%.2f", a / b}')× |"
  echo "| runs ms | ${times[convert]}| ${times[unpart]}| ${times[hourly]}|"
  echo "| peak RSS MB, stdin | | $(( unpart_rss / 1024 )) | $(( hourly_rss / 1024 )) |"
  echo
  echo "Input $in_mb MB; bound input + max_buffered_mb ($budget_mb) + 64 = $(( in_mb + budget_mb + 64 )) MB."
  echo
} | tee -a "$summary"
