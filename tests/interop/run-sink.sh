#!/usr/bin/env bash
# run-sink.sh — end-to-end tests of `blizzard run`: a multi-day event log into Hive partitions read
# back by DuckDB, Polars, arrow-rs and hyparquet; file sizes against the target; staging metadata
# for every file; and SIGTERM mid-stream losing or duplicating no row that was read.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BLZ=${BLZ:-$root/build/blizzard}
case "$BLZ" in /*) ;; *) BLZ="$root/$BLZ" ;; esac
out="$here/out/sink"
rm -rf "$out"
mkdir -p "$out"
source "$here/../lib.sh"
verify() { # name arrow dir [args]
  local name=$1 src=$2 dir=$3; shift 3
  if node "$here/verify.mjs" --arrow "$src" "$@" "$dir" >"$out/${name//\//_}.log" 2>&1; then ok "$name"
  else bad "$name"; tail -12 "$out/${name//\//_}.log"; fi
}
meta_consistent() { node "$here/check-meta.mjs" "$1" "$2"; } # dir rows
max_size_ok() { # dir limit_bytes
  local big; big=$(find "$1" -name '*.parquet' -size +"$2"c | head -1)
  [ -z "$big" ] || { echo "too big: $big ($(stat -c %s "$big"))"; return 1; }
}

node "$here/gen.mjs" --dataset logs --rows 60000 --days 4 --batch-rows 5000 --out "$out/logs.arrows" >/dev/null

# 1. date partitions from the time column; the date column stays in the files and must agree
cat > "$out/a.yaml" <<YAML
sink:
  path: "$out/a"
  file_size_mb: 1
  compression: zstd
  partition_by:
    prefix_template: "date=%Y-%m-%d"
    time_column: ts
YAML
"$BLZ" run --config "$out/a.yaml" --quiet "$out/logs.arrows" 2>"$out/a.err"
check "run exits 0" test $? -eq 0
check "four date folders" test "$(ls -d "$out"/a/date=* | wc -l)" -eq 4
verify "run/date-partitions" "$out/logs.arrows" "$out/a" --partition-col date
check "run/meta.json for every file, rows add up" meta_consistent "$out/a" 60000
check "run/files within 5% of file_size_mb" max_size_ok "$out/a" $((1048576 * 105 / 100))
check "run/files roll by size (several per day)" test "$(find "$out/a" -name '*.parquet' | wc -l)" -gt 4

# 2. a {column} placeholder: the column moves into the folder name
cat > "$out/b.yaml" <<YAML
sink:
  path: "file://$out/b"
  partition_by:
    prefix_template: "date={date}/level={level}"
YAML
"$BLZ" run --config "$out/b.yaml" --quiet "$out/logs.arrows" 2>"$out/b.err"
verify "run/column-partitions" "$out/logs.arrows" "$out/b" --partition-col date --partition-col level
check "run/column-partitions meta" meta_consistent "$out/b" 60000

# 2b. partition values a folder name must escape, and the string __HIVE_DEFAULT_PARTITION__ (not a
# null: its folder differs from the null marker's), read back by the four readers
(cd "$here" && node -e '
const A = require("apache-arrow"), fs = require("fs");
const v = ["__HIVE_DEFAULT_PARTITION__", null, "x y/z", "a%b", "k=v", "caf\u00e9", "#?*:"];
const level = [], n = [];
for (let i = 0; i < 700; i++) { level.push(v[i % v.length]); n.push(i); }
fs.writeFileSync(process.argv[1], A.tableToIPC(A.tableFromArrays({ level, n: Int32Array.from(n) }), "stream"));
' "$out/awkward.arrows")
cat > "$out/w.yaml" <<YAML
sink:
  path: "$out/w"
  partition_by:
    prefix_template: "level={level}"
YAML
"$BLZ" run --config "$out/w.yaml" --quiet "$out/awkward.arrows" 2>"$out/w.err"
check "run/awkward partition values: one folder each" test "$(ls -d "$out"/w/level=* | wc -l)" -eq 7
verify "run/awkward partition values" "$out/awkward.arrows" "$out/w" --partition-col level
check "run/awkward partition values: meta.json holds the string, not null" \
  bash -c "grep -l '\"level\":\"__HIVE_DEFAULT_PARTITION__\"' '$out'/w/_staging/pending/*.json | wc -l | grep -qx 1"

# 3. a folder of inputs: one source_file per input, recorded in meta.json
mkdir -p "$out/inputs"
node "$here/gen.mjs" --dataset logs --rows 3000 --seed 2 --out "$out/inputs/part-1.arrows" >/dev/null
node "$here/gen.mjs" --dataset logs --rows 2000 --seed 3 --out "$out/inputs/part-2.arrows" >/dev/null
cat > "$out/c.yaml" <<YAML
sink:
  path: "$out/c"
YAML
"$BLZ" run --config "$out/c.yaml" --quiet "$out/inputs" 2>"$out/c.err"
check "run/folder input: two files" test "$(find "$out/c" -name '*.parquet' | wc -l)" -eq 2
check "run/folder input: source_file recorded" bash -c "cat '$out'/c/_staging/pending/*.json | grep -q 'part-2.arrows'"
check "run/folder input meta" meta_consistent "$out/c" 5000

# 3b. nested columns through the sink, rolled by size into several files
node "$here/gen.mjs" --dataset nested --rows 25000 --batch-rows 5000 --out "$out/nested.arrows" >/dev/null
cat > "$out/n.yaml" <<YAML
sink:
  path: "$out/n"
  file_size_mb: 1
  row_group_size_bytes: 65536
YAML
"$BLZ" run --config "$out/n.yaml" --quiet "$out/nested.arrows" 2>"$out/n.err"
verify "run/nested-columns" "$out/nested.arrows" "$out/n"
check "run/nested meta" meta_consistent "$out/n" 25000
check "run/nested files roll by size" test "$(find "$out/n" -name "*.parquet" | wc -l)" -gt 1

# 4. --check validates only; a bad config names key and line
check "run --check accepts a valid config" "$BLZ" run --config "$out/a.yaml" --check
printf 'sink:\n  path: /tmp/x\n  file_size: 3\n' > "$out/bad.yaml"
msg=$("$BLZ" run --config "$out/bad.yaml" --check 2>&1); rc=$?
check "run --check refuses an unknown key" test $rc -eq 2
check "run --check names key and line" grep -q "line 3: sink: unknown key 'file_size'" <<<"$msg"

# 5. SIGTERM mid-stream: exit 0, every row read is stored exactly once, every file has meta.json
cat > "$out/d.yaml" <<YAML
sink:
  path: "$out/d"
  partition_by:
    prefix_template: "date=%Y-%m-%d"
    time_column: ts
YAML
rm -f "$out/fifo"; mkfifo "$out/fifo"
node "$here/take-batches.mjs" --slow "$out/logs.arrows" 65536 > "$out/fifo" &
feeder=$!
"$BLZ" run --config "$out/d.yaml" --quiet - < "$out/fifo" 2>"$out/d.err" &
blz=$!
sleep 2
kill -TERM "$blz"
wait "$blz"; rc=$?
kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null
check "SIGTERM: exit 0" test $rc -eq 0
check "SIGTERM: stopped by signal" grep -q "stopped by signal" "$out/d.err"
batches=$(sed -n 's/.*read [0-9]* rows in \([0-9]*\) batches.*/\1/p' "$out/d.err")
rows=$(sed -n 's/.*read \([0-9]*\) rows in.*/\1/p' "$out/d.err")
check "SIGTERM: stopped mid-stream" test "${rows:-0}" -gt 0 -a "${rows:-0}" -lt 60000
node "$here/take-batches.mjs" --take "$out/logs.arrows" "${batches:-0}" "$out/read.arrows"
verify "SIGTERM: the rows read, each exactly once" "$out/read.arrows" "$out/d" --partition-col date
check "SIGTERM: meta.json for every file" meta_consistent "$out/d" "${rows:-0}"
check "SIGTERM: no temporary files left" test -z "$(find "$out/d" -name '.*' -type f)"

# Delta statistics in every meta.json (first 32 leaves, nested by struct field) agree with what
# DuckDB computes from the file: the types, nested and (partitioned, several files) log datasets
node "$here/gen.mjs" --dataset types --rows 3000 --batch-rows 700 --out "$out/types.arrows" >/dev/null
node "$here/gen.mjs" --dataset nested --rows 3000 --batch-rows 700 --out "$out/nested.arrows" >/dev/null
for ds in types nested logs; do
  cat > "$out/stats-$ds.yaml" <<YAML
sink:
  path: "$out/stats-$ds"
  file_size_mb: 1
  partition_by:
    prefix_template: "level={level}"
YAML
  [ "$ds" = logs ] || sed -i '/partition_by/,$d' "$out/stats-$ds.yaml"
  "$BLZ" run --config "$out/stats-$ds.yaml" --quiet "$out/$ds.arrows" 2>"$out/stats-$ds.err"
  if node "$here/check-stats.mjs" "$out/stats-$ds" >"$out/stats-$ds.log" 2>&1; then ok "delta-stats/$ds"; else bad "delta-stats/$ds"; fi
  cat "$out/stats-$ds.log"
done

# 7. sort_by in the sink: every file of every partition has its row groups sorted by the keys,
#    records them as sorting_columns, and the rows add up
cat > "$out/sorted.yaml" <<YAML
sink:
  path: "$out/sorted"
  file_size_mb: 1
  row_group_size_bytes: 300000
  sort_by: [host, ts]
  partition_by:
    prefix_template: "level={level}"
YAML
"$BLZ" run --config "$out/sorted.yaml" --quiet "$out/logs.arrows" 2>"$out/sorted.err"
check "sort_by/sink: run exits 0" test $? -eq 0
sorted_ok=1
for f in $(find "$out/sorted" -name '*.parquet' -not -name '.*'); do
  node "$here/check-sorted.mjs" "$f" - host ts >>"$out/sorted-check.log" 2>&1 || sorted_ok=0
done
check "sort_by/sink: every file's row groups sorted by host, ts, with sorting_columns" test $sorted_ok = 1
check "sort_by/sink: meta.json for every file, rows add up" meta_consistent "$out/sorted" 60000

summary
