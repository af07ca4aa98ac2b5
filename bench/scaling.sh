#!/usr/bin/env bash
# scaling.sh — how far a second thread can take blizzard on this machine: for the event log and the
# wide table (snappy), blizzard's `convert` on 1 thread and on 2, next to the machine's own 2-thread
# scaling (scaling.c) of work with nothing serial in it, sized to blizzard's one-thread time: ALU
# work (xorshift in registers) and memory traffic (cache-missing copies). All interleaved pair by
# pair, so each pair of numbers shares a phase of the VM. Prints the median and range of each
# ratio and appends a markdown table to bench/out/scaling-DATE.md.
# Usage: bash bench/scaling.sh [--pairs N] [--shapes "logs wide"]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=9 shapes="logs wide"
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    *) echo "usage: bench/scaling.sh [--pairs N] [--shapes LIST]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
out=bench/out tmp=${TMPDIR:-/tmp}/blz-scaling
mkdir -p "$out" "$tmp"
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -Wextra -Werror bench/scaling.c -o "$tmp/scaling" -lpthread
declare -A rows=([logs]=2000000 [wide]=20000 [records]=3000000 [nested]=500000)

ms() { # the wall ms of one convert, the output removed first (untimed)
  rm -f "$tmp/o.parquet"
  local t0 t1
  t0=$(date +%s%N)
  ./build/blizzard convert "$1" "$tmp/o.parquet" --threads "$2" --quiet
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'; }

summary="$out/scaling-$(date +%Y-%m-%d).md"
{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, $pairs pairs"
  echo
  echo "2 threads vs 1, each pair timed back to back: blizzard's whole convert (snappy), and the machine's own"
  echo "scaling of work split evenly over two threads with nothing serial (bench/scaling.c), sized to"
  echo "blizzard's one-thread time."
  echo
  echo "| shape | blizzard 1t ms | blizzard 2t vs 1t | ALU work 2t vs 1t | memory copies 2t vs 1t |"
  echo "|---|---|---|---|---|"
} >> "$summary"
for shape in $shapes; do
  src="$out/$shape-${rows[$shape]}.arrows"
  [ -f "$src" ] || node tests/interop/gen.mjs --dataset "$shape" --rows "${rows[$shape]}" --out "$src" >/dev/null
  ms "$src" 1 >/dev/null # warm-up: the input in the page cache
  one=$(( $(ms "$src" 1) / 1000 ))
  : > "$tmp/$shape.txt"
  for _ in $(seq "$pairs"); do
    a=$(ms "$src" 1) b=$(ms "$src" 2)
    alu=$("$tmp/scaling" alu "$one" 1 | awk '{print $4}')
    mem=$("$tmp/scaling" mem "$one" 1 | awk '{print $4}')
    echo "$a $b $alu $mem" >> "$tmp/$shape.txt"
  done
  t1=$(awk '{print $1 / 1000}' "$tmp/$shape.txt" | median)
  blz=$(awk '{print $1 / $2}' "$tmp/$shape.txt")
  alu=$(awk '{print $3}' "$tmp/$shape.txt")
  mem=$(awk '{print $4}' "$tmp/$shape.txt")
  printf '%s: blizzard 1t %.0f ms; 2t vs 1t %.2f (%s); ALU %.2f (%s); memory %.2f (%s)\n' "$shape" "$t1" \
    "$(median <<< "$blz")" "$(range <<< "$blz")" "$(median <<< "$alu")" "$(range <<< "$alu")" \
    "$(median <<< "$mem")" "$(range <<< "$mem")"
  printf '| %s | %.0f | %.2f× (%s) | %.2f× (%s) | %.2f× (%s) |\n' "$shape" "$t1" \
    "$(median <<< "$blz")" "$(range <<< "$blz")" "$(median <<< "$alu")" "$(range <<< "$alu")" \
    "$(median <<< "$mem")" "$(range <<< "$mem")" >> "$summary"
done
echo "table appended to $summary"
