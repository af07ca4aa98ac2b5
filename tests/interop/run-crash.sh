#!/usr/bin/env bash
# run-crash.sh — kill -9 at chosen moments, then the same command again: every row of the input
# lands exactly once, every file stored before the kill is still there, every Parquet file has its
# meta.json, no temporary file, journal record, spill file or open multipart upload is left.
# Local tables and S3 (s3rver on 127.0.0.1, started and stopped here); partitioned by event time
# and by a column value. The kill is SIGKILL raised at a named point (BLZ_CRASH_AT=point:N, see
# blz__crash_point), so each moment is hit exactly, not by timing luck.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BLZ=${BLZ:-$root/build/blizzard}
case "$BLZ" in /*) ;; *) BLZ="$root/$BLZ" ;; esac
AWS=/usr/bin/aws
out="$here/out/crash"
rm -rf "$out"
mkdir -p "$out"
source "$here/../lib.sh"

port=$(free_port 20000 20000)
srv="$out/server"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
trap 'bash "$here/s3-server.sh" stop --dir "$srv" >/dev/null 2>&1' EXIT
bash "$here/s3-server.sh" start --port "$port" --dir "$srv" --bucket test-bucket >/dev/null || { echo "cannot start s3rver"; echo "0 passed, 1 failed"; exit 1; }
s3api() { "$AWS" --endpoint-url "http://127.0.0.1:$port" s3api "$@"; }

node "$here/gen.mjs" --dataset logs --rows 120000 --days 2 --batch-rows 10000 --out "$out/small.arrows" >/dev/null
node "$here/gen.mjs" --dataset logs --rows 240000 --days 2 --batch-rows 20000 --out "$out/big.arrows" >/dev/null

config() { # name store(local|s3) partitioning(time|column)
  local path="$out/$1/table" size=1 extra=""
  if [ "$2" = s3 ]; then
    path="s3://test-bucket/$1"; size=6
    extra="  part_size_mb: 5
  min_multipart_size_mb: 5
  max_concurrent_parts: 2
  max_concurrent_uploads: 2
  spill_path: \"$out/$1/spill\"
  storage_options:
    AWS_ENDPOINT_URL: \"http://127.0.0.1:$port\"
    AWS_ALLOW_HTTP: \"true\""
  fi
  local part='    prefix_template: "level={level}"'
  [ "$3" = time ] && part='    prefix_template: "date=%Y-%m-%d"
    time_column: ts'
  mkdir -p "$out/$1"
  cat > "$out/$1/sink.yaml" <<YAML
sink:
  path: "$path"
  file_size_mb: $size
  compression: uncompressed
$extra
  partition_by:
$part
YAML
}
# the Parquet objects of a table, one relative path per line
objects() { # name store
  if [ "$2" = s3 ]; then s3api list-objects-v2 --bucket test-bucket --prefix "$1/" --query 'Contents[].Key' --output text 2>/dev/null | tr '\t' '\n' | grep '\.parquet$' | sed "s|^$1/||" | sort
  else (cd "$out/$1/table" 2>/dev/null && find . -path ./_blizzard -prune -o -name '*.parquet' -not -name '.*' -print | sed 's|^\./||' | sort); fi
}
open_uploads() { s3api list-multipart-uploads --bucket test-bucket --prefix "$1/" --query 'length(Uploads || `[]`)' --output text; }

case_run() { # store partitioning point input
  local store=$1 part=$2 point=$3 input=$4
  local name="$store-$part-${point/:/-}" rows
  rows=$([ "$input" = big ] && echo 240000 || echo 120000)
  config "$name" "$store" "$part"
  local cfg="$out/$name/sink.yaml" in="$out/$input.arrows" pcol=level
  [ "$part" = time ] && pcol=date
  { BLZ_CRASH_AT=$point "$BLZ" run --config "$cfg" --quiet "$in" 2>"$out/$name/crash.err"; } 2>/dev/null; local rc=$?
  objects "$name" "$store" > "$out/$name/before"
  "$BLZ" run --config "$cfg" --log-level warn "$in" 2>"$out/$name/again.err"; local rc2=$?
  objects "$name" "$store" > "$out/$name/after"
  local dir="$out/$name/table"
  if [ "$store" = s3 ]; then
    "$AWS" --endpoint-url "http://127.0.0.1:$port" s3 sync "s3://test-bucket/$name" "$out/$name/back" --only-show-errors
    dir="$out/$name/back"
  fi
  local problems=""
  [ $rc -eq 137 ] || problems+=" killed:rc=$rc"
  [ $rc2 -eq 0 ] || problems+=" rerun:rc=$rc2($(tail -1 "$out/$name/again.err"))"
  node "$here/verify.mjs" --arrow "$in" --partition-col "$pcol" --readers duckdb "$dir" > "$out/$name/verify.log" 2>&1 || problems+=" rows:$(grep -m1 -i 'fail\|mismatch\|rows' "$out/$name/verify.log" | cut -c1-120)"
  node "$here/check-meta.mjs" "$dir" "$rows" 2>"$out/$name/meta.err" || problems+=" meta:$(cat "$out/$name/meta.err")"
  [ -z "$(comm -23 "$out/$name/before" "$out/$name/after")" ] || problems+=" a-stored-file-went-missing"
  local leftovers
  leftovers=$(find "$out/$name" -path "$out/$name/back" -prune -o -type f \( -name '.*' -o -path '*/_blizzard/journal/*' \) -print | wc -l)
  [ "$leftovers" = 0 ] || problems+=" $leftovers-temp-or-journal-files"
  if [ "$store" = s3 ]; then
    [ -z "$(find "$out/$name/spill" -name '*.parquet' 2>/dev/null)" ] || problems+=" spill-not-empty"
    [ "$(open_uploads "$name")" = 0 ] || problems+=" open-multipart-uploads"
  fi
  check "kill -9 at $point ($store, by $part; $(wc -l < "$out/$name/before") files stored before the kill): rows once, files kept, meta.json each, nothing left over${problems:+ —$problems}" test -z "$problems"
}

# before the first roll, mid-stream, a file written but not published, published without its
# meta.json, right after a meta.json, after the landed-log line, after the last file
for part in column time; do
  for point in batch:1 batch:7 file_written:3 journaled:2 published:1 published:4 announced:2 landed:3 closed:1; do
    case_run local "$part" "$point" small
  done
done
# S3: the same moments, plus mid-upload (after a part) and between the upload and its meta.json
for part in column time; do
  for point in batch:1 batch:7 file_written:2 journaled:2 published:1 part_uploaded:2 uploaded:2 announced:2 landed:2 closed:1; do
    case_run s3 "$part" "$point" big
  done
done

# blizzard recover: finishes a killed run without reading input; a second writer is refused
config recover local column
{ BLZ_CRASH_AT=published:2 "$BLZ" run --config "$out/recover/sink.yaml" --quiet "$out/small.arrows" 2>/dev/null; } 2>/dev/null
"$BLZ" recover --config "$out/recover/sink.yaml" 2>"$out/recover/recover.err"; rc=$?
check "recover: exit 0, says it landed the published file" bash -c "test $rc -eq 0 && grep -q '1 files landed' '$out/recover/recover.err'"
check "recover: every published file has its meta.json" node "$here/check-meta.mjs" "$out/recover/table" -
check "recover: no temporary file left" test -z "$(find "$out/recover/table" -name '.*' -type f)"
mkfifo "$out/recover/fifo"
"$BLZ" run --config "$out/recover/sink.yaml" --quiet "$out/recover/fifo" 2>/dev/null &
holder=$!
exec 7>"$out/recover/fifo"
head -c 3000000 "$out/small.arrows" >&7 # a schema and some batches: the first writer holds the table
sleep 1
"$BLZ" run --config "$out/recover/sink.yaml" --quiet "$out/small.arrows" 2>"$out/recover/second.err"; rc=$?
exec 7>&-
wait $holder
check "a second writer on the same table is refused, naming the lock" bash -c "test $rc -ne 0 && grep -q 'locked' '$out/recover/second.err'"

summary
