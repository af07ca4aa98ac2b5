#!/usr/bin/env bash
# run-s3.sh — `blizzard run` into a real S3-compatible server (s3rver behind a SigV4-checking
# front, on 127.0.0.1, started and stopped here): single PUTs and multipart uploads, objects read
# back with the aws CLI and byte-compared with a local run, no multipart upload left open, bad
# credentials and a missing bucket, and faults injected by a proxy (500/503, cut connections, slow
# answers) with every row still landing exactly once.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BLZ=${BLZ:-$root/build/blizzard}
case "$BLZ" in /*) ;; *) BLZ="$root/$BLZ" ;; esac
AWS=/usr/bin/aws
out="$here/out/s3"
rm -rf "$out"
mkdir -p "$out"
source "$here/../lib.sh"

port=$(free_port 20000 20000)
pport=$((port + 1))
srv="$out/server"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
  bash "$here/s3-server.sh" stop --dir "$srv" >/dev/null 2>&1
}
trap cleanup EXIT
bash "$here/s3-server.sh" start --port "$port" --dir "$srv" --bucket test-bucket >/dev/null || { echo "cannot start s3rver"; echo "0 passed, 1 failed"; exit 1; }
s3api() { "$AWS" --endpoint-url "http://127.0.0.1:$port" s3api "$@"; }

node "$here/gen.mjs" --dataset logs --rows 120000 --days 2 --batch-rows 20000 --out "$out/logs.arrows" >/dev/null

config() { # name path endpoint_port [extra yaml]
  cat > "$out/$1.yaml" <<YAML
sink:
  path: "$2"
  file_size_mb: 12
  compression: uncompressed
  part_size_mb: 5
  min_multipart_size_mb: 5
  max_concurrent_parts: 4
  max_concurrent_uploads: 3
  spill_path: "$out/spill-$1"
  partition_by:
    prefix_template: "level={level}"
  storage_options:
    AWS_ENDPOINT_URL: "http://127.0.0.1:$3"
    AWS_ALLOW_HTTP: "true"
    aws_region: us-east-1
${4:-}
YAML
}
# sorted "partition size sha256" of every parquet file under a folder
digest() { (cd "$1" && find . -name '*.parquet' -not -name '.*' | while read -r f; do echo "$(dirname "$f") $(stat -c %s "$f") $(sha256sum < "$f" | cut -c1-64)"; done | sort); }
meta_ok() { node "$here/check-meta.mjs" "$1" "$2"; } # dir rows: every object has its meta.json
no_open_uploads() { [ "$(s3api list-multipart-uploads --bucket test-bucket --query 'length(Uploads || `[]`)' --output text)" = 0 ]; }

# 1. the same table to local disk and to S3 (five level partitions: INFO above 5 MiB goes up in
#    parts, the others by single PUTs, three files at a time): the objects are the local files, byte for byte
config local "$out/local" "$port"
"$BLZ" run --config "$out/local.yaml" --quiet "$out/logs.arrows" 2>"$out/local.err"
config s3 "s3://test-bucket/t1" "$port"
"$BLZ" run --config "$out/s3.yaml" --quiet "$out/logs.arrows" 2>"$out/s3.err"; rc=$?
check "S3: run exits 0" test $rc -eq 0
"$AWS" --endpoint-url "http://127.0.0.1:$port" s3 sync s3://test-bucket/t1 "$out/back1" --only-show-errors
check "S3: multipart uploads were used" grep -q "multipart" "$out/s3.err"
check "S3: objects equal the local files byte for byte" test "$(digest "$out/back1")" = "$(digest "$out/local")"
check "S3: some objects are over 5 MiB (multipart), some under (PUT)" bash -c "find '$out/back1' -name '*.parquet' -size +5M | grep -q . && find '$out/back1' -name '*.parquet' -size -5M | grep -q ."
check "S3: meta.json for every object" meta_ok "$out/back1" 120000
node "$here/verify.mjs" --arrow "$out/logs.arrows" --partition-col level --readers duckdb,polars "$out/back1" > "$out/verify1.log" 2>&1
check "S3: DuckDB and Polars read every row back" test $? -eq 0
check "S3: no multipart upload left open" no_open_uploads
check "S3: local copies released after upload" test -z "$(find "$out/spill-s3" -name '*.parquet' 2>/dev/null)"

# 2. wrong secret: fails fast (the start-up check for uploads a dead run left open is refused
#    before any input is read), says why, never prints the secret
config badkey "s3://test-bucket/t2" "$port" "  max_retries: 1"
sed -i 's|aws_region: us-east-1|aws_region: us-east-1\n    AWS_ACCESS_KEY_ID: S3RVER\n    AWS_SECRET_ACCESS_KEY: "not-the-secret-123"|' "$out/badkey.yaml"
"$BLZ" run --config "$out/badkey.yaml" --quiet "$out/logs.arrows" 2>"$out/badkey.err"; rc=$?
check "bad credentials: exit non-zero" test $rc -ne 0
check "bad credentials: S3's reason is named" grep -q "SignatureDoesNotMatch\|403" "$out/badkey.err"
check "bad credentials: the secret is never printed" bash -c "! grep -q 'not-the-secret-123' '$out/badkey.err'"

# 2b. every upload refused mid-run: the files wait in the spill folder with their journal records,
#     the error says where; `blizzard recover` (with S3 back) lands them and their meta.json
node "$here/fault-proxy.mjs" --port "$pport" --target-port "$port" --seed 1 --fault-rate 1 --faults e500 --methods PUT > "$out/proxy-down.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$pport/" && break; sleep 0.1; done
config down "s3://test-bucket/t2b" "$pport" "  max_retries: 1"
"$BLZ" run --config "$out/down.yaml" --quiet "$out/logs.arrows" 2>"$out/down.err"; rc=$?
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; proxy_pid=
check "uploads refused: exit non-zero" test $rc -ne 0
check "uploads refused: the error says where files were kept" grep -q "kept in $out/spill-down" "$out/down.err"
check "uploads refused: every file waits in the spill folder with its journal record" \
  test "$(find "$out/spill-down" -name '*.parquet' -not -name '.*' | wc -l)" -eq "$(find "$out/spill-down/_blizzard/journal" -name '*.landing' | wc -l)" -a "$(find "$out/spill-down" -name '*.parquet' | wc -l)" -gt 0
sed -i "s|127.0.0.1:$pport|127.0.0.1:$port|" "$out/down.yaml"
"$BLZ" recover --config "$out/down.yaml" 2>"$out/recover.err"; rc=$?
"$AWS" --endpoint-url "http://127.0.0.1:$port" s3 sync s3://test-bucket/t2b "$out/back2b" --only-show-errors
check "recover: exit 0" test $rc -eq 0
check "recover: every spilled file landed with its meta.json" meta_ok "$out/back2b" 120000
check "recover: the spill folder is empty" test -z "$(find "$out/spill-down" -name '*.parquet')"
check "recover: the objects equal the local run's files" test "$(digest "$out/back2b")" = "$(digest "$out/local")"

# `blizzard upload` puts a local file under the table, byte for byte
one=$(find "$out/local" -name '*.parquet' -not -name '.*' | head -1)
"$BLZ" upload --config "$out/s3.yaml" --prefix replay "$one" 2>"$out/upload.err"
"$AWS" --endpoint-url "http://127.0.0.1:$port" s3 cp "s3://test-bucket/t1/replay/$(basename "$one")" "$out/replayed.parquet" --only-show-errors
check "upload: a local file goes up byte for byte" cmp -s "$one" "$out/replayed.parquet"

# 3. a missing bucket
config nobucket "s3://no-such-bucket/t" "$port" "  max_retries: 1"
"$BLZ" run --config "$out/nobucket.yaml" --quiet "$out/logs.arrows" 2>"$out/nobucket.err"; rc=$?
check "missing bucket: exit non-zero and NoSuchBucket named" bash -c "test $rc -ne 0 && grep -q NoSuchBucket '$out/nobucket.err'"

# 4. faults between blizzard and the server: 500s, 503s, cut connections, slow answers
node "$here/fault-proxy.mjs" --port "$pport" --target-port "$port" --every-500 7 --every-503 11 --every-cut 5 --every-slow 13 --slow-ms 400 > "$out/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$pport/" && break; sleep 0.1; done
config faults "s3://test-bucket/t3" "$pport" "  max_retries: 8"
"$BLZ" run --config "$out/faults.yaml" --log-level warn "$out/logs.arrows" 2>"$out/faults.err"; rc=$?
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; proxy_pid=
check "faults: run exits 0 after retries" test $rc -eq 0
check "faults: faults were injected" grep -q '"e500":[1-9]' "$out/proxy.log"
check "faults: connections were cut" grep -q '"cut":[1-9]' "$out/proxy.log"
check "faults: retries are counted" grep -q "[1-9][0-9]* retries" "$out/faults.err"
check "faults: each retry is a warn log line naming the object" grep -q "warn  upload_retry object=\(level=\|_staging/pending/\)" "$out/faults.err"
"$AWS" --endpoint-url "http://127.0.0.1:$port" s3 sync s3://test-bucket/t3 "$out/back3" --only-show-errors
check "faults: objects equal the local files byte for byte" test "$(digest "$out/back3")" = "$(digest "$out/local")"
check "faults: meta.json only and exactly for complete objects" meta_ok "$out/back3" 120000
check "faults: no multipart upload left open" no_open_uploads

# 5. seeded faults of every kind, the spoiling ones included (the server acted, the answer was cut
#    inside its headers or body, or came back a clean 200 without ETag/UploadId/result): five seeds,
#    every row lands once, every object has its meta.json, no upload is left open, exit 0
node "$here/gen.mjs" --dataset logs --rows 240000 --days 2 --batch-rows 20000 --out "$out/logs240.arrows" >/dev/null
for seed in 1 2 3 4 5; do
  node "$here/fault-proxy.mjs" --port "$pport" --target-port "$port" --seed "$seed" --fault-rate 0.2 --slow-ms 300 > "$out/proxy-s$seed.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$pport/" && break; sleep 0.1; done
  config "seed$seed" "s3://test-bucket/seed$seed" "$pport" "  max_retries: 10"
  sed -i 's/file_size_mb: 12/file_size_mb: 6/' "$out/seed$seed.yaml"
  "$BLZ" run --config "$out/seed$seed.yaml" --log-level warn "$out/logs240.arrows" 2>"$out/seed$seed.err"; rc=$?
  kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; proxy_pid=
  "$AWS" --endpoint-url "http://127.0.0.1:$port" s3 sync "s3://test-bucket/seed$seed" "$out/back-s$seed" --only-show-errors
  check "seed $seed: run exits 0" test $rc -eq 0
  check "seed $seed: every object has its meta.json, rows add up to the input" meta_ok "$out/back-s$seed" 240000
  check "seed $seed: no multipart upload left open" no_open_uploads
done
all_faults=$(cat "$out"/proxy-s*.log | node -e 'let t={};for(const l of require("fs").readFileSync(0,"utf8").split("\n")){const m=l.match(/requests (\{.*\})/);if(m)for(const[k,v]of Object.entries(JSON.parse(m[1])))t[k]=(t[k]||0)+v}console.log(JSON.stringify(t))')
echo "seeded faults over five runs: $all_faults"
check "seeded faults: every kind was injected" node -e 'const t=JSON.parse(process.argv[1]);for(const k of ["e500","e503","cut","slow","trunc-head","trunc-body","strip"])if(!(t[k]>0))process.exit(1)' "$all_faults"
node "$here/verify.mjs" --arrow "$out/logs240.arrows" --partition-col level --readers duckdb "$out/back-s1" > "$out/verify-s1.log" 2>&1
check "seed 1: DuckDB reads every row back, value for value (no duplicates)" test $? -eq 0

summary
