#!/usr/bin/env bash
# run-example.sh — installs what is needed, builds, and runs blizzard on the bundled event log:
# `blizzard run` into Hive partitions with staging metadata, and a single-file `blizzard convert`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make -j2 build/blizzard >/dev/null
rm -rf out/events
./build/blizzard run --config examples/sink.yaml examples/events.arrows
./build/blizzard convert examples/events.arrows out/events.parquet --compression zstd
echo "Parquet files under out/events/ (by date and hour), their metadata in out/events/_staging/pending/:"
find out/events -name '*.parquet' | sort | head -5
echo "..."
cat "$(find out/events/_staging/pending -name '*.meta.json' | sort | head -1)"
