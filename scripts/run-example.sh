#!/usr/bin/env bash
# run-example.sh — installs what is needed, builds, and converts the bundled event log to Parquet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make -j2 build/blizzard >/dev/null
mkdir -p out
for codec in snappy zstd; do
  ./build/blizzard convert examples/events.arrows "out/events-$codec.parquet" --compression "$codec"
done
cat examples/events.arrows | ./build/blizzard convert - out/events-from-stdin.parquet
ls -l out/
