#!/usr/bin/env bash
# upload.sh — upload throughput to a local S3-compatible server (s3rver on 127.0.0.1): `blizzard
# upload` against the aws CLI on the same files, with the same part size and concurrency, same run.
# Usage: bash bench/upload.sh [--files N] [--mb SIZE] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
files=4 mb=32 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=$2; shift 2 ;;
    --mb) mb=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: bench/upload.sh [--files N] [--mb SIZE] [--runs N]"; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --test
(cd tests/interop && bash setup.sh)
make -j2 build/blizzard >/dev/null
out=bench/out/upload
rm -rf "$out"
mkdir -p "$out/files"
for i in $(seq "$files"); do head -c $((mb << 20)) /dev/urandom > "$out/files/f$i.bin"; done
port=$((40000 + RANDOM % 10000))
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
trap 'bash tests/interop/s3-server.sh stop --dir "$out/server" >/dev/null 2>&1' EXIT
bash tests/interop/s3-server.sh start --port "$port" --dir "$out/server" --bucket bench >/dev/null
part_mb=8 parts=4 uploads=4
cat > "$out/sink.yaml" <<YAML
sink:
  path: "s3://bench/blizzard"
  part_size_mb: $part_mb
  min_multipart_size_mb: 5
  max_concurrent_parts: $parts
  max_concurrent_uploads: $uploads
  storage_options:
    AWS_ENDPOINT_URL: "http://127.0.0.1:$port"
    AWS_ALLOW_HTTP: "true"
YAML
cat > "$out/aws.cfg" <<CFG
[default]
s3 =
    multipart_threshold = 5MB
    multipart_chunksize = ${part_mb}MB
    max_concurrent_requests = $((parts * uploads))
CFG
now() { date +%s%N; }
bl=() aw=()
for r in $(seq "$runs"); do
  t0=$(now); ./build/blizzard upload --config "$out/sink.yaml" --prefix "run$r" "$out"/files/*.bin; t1=$(now)
  bl+=("$((t1 - t0))")
  t0=$(now); AWS_CONFIG_FILE="$out/aws.cfg" /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" s3 cp "$out/files" "s3://bench/aws/run$r" --recursive --only-show-errors; t1=$(now)
  aw+=("$((t1 - t0))")
done
# the uploads are real: compare one object each way with the source
AWS_CONFIG_FILE="$out/aws.cfg" /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" s3 cp "s3://bench/blizzard/run1/f1.bin" "$out/check.bin" --only-show-errors
cmp "$out/check.bin" "$out/files/f1.bin"
total=$((files * mb))
node -e '
  const [total, files, mb, part, conc, ...rest] = process.argv.slice(1).map(Number);
  const half = rest.length / 2, med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)] / 1e9;
  const b = med(rest.slice(0, half)), a = med(rest.slice(half));
  console.log(`upload: ${files} files of ${mb} MiB, ${part} MiB parts, ${conc} requests in flight, ${half} runs, s3rver on 127.0.0.1`);
  console.log(`blizzard upload  median ${b.toFixed(2)} s  ${(total / b).toFixed(1)} MiB/s`);
  console.log(`aws s3 cp        median ${a.toFixed(2)} s  ${(total / a).toFixed(1)} MiB/s`);
  console.log(`blizzard speed-up: ${(a / b).toFixed(2)}x`);
' "$total" "$files" "$mb" "$part_mb" "$((parts * uploads))" "${bl[@]}" "${aw[@]}"
