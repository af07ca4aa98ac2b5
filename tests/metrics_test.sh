#!/usr/bin/env bash
# metrics_test.sh — the metrics endpoint of `blizzard run`: /metrics scraped while files are open and
# after they are stored, values checked against the files on disk, `promtool check metrics`,
# /health, a clear error when the address is taken, and JSON log lines.
set -uo pipefail
cd "$(dirname "$0")/.."
BLZ=${BLZ:-./build/blizzard}
d=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
val() { grep -E "^$1 " "$2" | awk '{print $2}'; }
port=$(free_port 30000 20000)
feeder= blz= holder=
cleanup() { for p in $feeder $blz $holder; do kill "$p" 2>/dev/null; done; rm -rf "$d"; }
trap cleanup EXIT

cat > "$d/m.yaml" <<YAML
sink:
  path: "$d/out"
  inactivity_timeout_secs: 2
  partition_by:
    prefix_template: "date=%Y-%m-%d"
    time_column: ts
metrics:
  enabled: true
  address: "127.0.0.1:$port"
YAML
# the whole log without its end-of-stream marker, then the pipe stays open: every row is read
mkfifo "$d/in"
n=$(stat -c %s tests/data/logs_small.arrows)
(head -c $((n - 8)) tests/data/logs_small.arrows; sleep 6) > "$d/in" &
feeder=$!
"$BLZ" run --config "$d/m.yaml" --log-format json - < "$d/in" 2> "$d/err" &
blz=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
sleep 0.5
curl -s "http://127.0.0.1:$port/metrics" > "$d/during.txt"
check "/health answers ok" test "$(curl -s "http://127.0.0.1:$port/health")" = ok
check "during: every row received" test "$(val blizzard_records_received_total "$d/during.txt")" = 200
check "during: files still open" test "$(val blizzard_open_files "$d/during.txt")" -gt 0
check "during: nothing stored yet" test "$(val blizzard_parquet_files_written_total "$d/during.txt")" = 0
check "during: buffered bytes reported" test "$(val blizzard_buffered_bytes "$d/during.txt")" -gt 0
sleep 2.6 # the inactivity timeout stores the files while the input is still open
curl -s "http://127.0.0.1:$port/metrics" > "$d/after.txt"
files=$(find "$d/out" -name '*.parquet' | wc -l)
bytes=$(find "$d/out" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s}')
check "after: files counted as on disk" test "$(val blizzard_parquet_files_written_total "$d/after.txt")" = "$files"
check "after: bytes counted as on disk" test "$(val blizzard_bytes_written_total "$d/after.txt")" = "$bytes"
check "after: every row written" test "$(val blizzard_records_written_total "$d/after.txt")" = 200
check "after: a meta.json per file" test "$(val blizzard_staging_files_written_total "$d/after.txt")" = "$files"
check "after: no open files" test "$(val blizzard_open_files "$d/after.txt")" = 0
check "after: write-duration histogram counts every file" test "$(val blizzard_parquet_write_duration_seconds_count "$d/after.txt")" = "$files"
check "after: a 404 for other paths" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" = 404
check "exposition passes promtool check metrics" bash -c "promtool check metrics < '$d/after.txt'"
check "required metric families present" bash -c "for m in blizzard_bytes_written_total blizzard_parquet_write_duration_seconds blizzard_parquet_files_written_total blizzard_active_uploads blizzard_active_multipart_parts blizzard_multipart_uploads_total; do grep -q \"^# TYPE \$m \" '$d/after.txt' || exit 1; done"
wait "$feeder"; feeder=
wait "$blz"; rc=$?; blz=
check "run exits 0 at the end of input" test $rc -eq 0
check "log lines are JSON with an event" node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.startsWith("{"));
  if (lines.length < 3) process.exit(1);
  for (const l of lines) { const j = JSON.parse(l); if (!j.event || !j.level || !j.ts) process.exit(1); }
  if (!lines.some((l) => JSON.parse(l).event === "file_stored")) process.exit(1);' "$d/err"

# a taken address is a clear start-up error
node -e 'require("net").createServer().listen(Number(process.argv[1]), "127.0.0.1"); setTimeout(() => process.exit(0), 10000)' "$port" &
holder=$!
sleep 0.5
out=$("$BLZ" run --config "$d/m.yaml" tests/data/logs_small.arrows 2>&1); rc=$?
check "address in use: exit 2" test $rc -eq 2
check "address in use: says so" grep -q "cannot listen on 127.0.0.1:$port for metrics" <<<"$out"
kill "$holder"; holder=
out=$("$BLZ" run --config "$d/m.yaml" --log-level error tests/data/logs_small.arrows 2>&1)
check "--log-level error hides info events" bash -c "! grep -q file_stored <<<'$out'"

# on a terminal (script gives the run a pseudo-terminal) a progress line appears; not otherwise
if command -v script >/dev/null; then
  mkfifo "$d/in2"
  (head -c $((n - 8)) tests/data/logs_small.arrows; sleep 2) > "$d/in2" &
  feeder=$!
  script -qec "$BLZ run --config '$d/m.yaml' --log-level error - < '$d/in2'" /dev/null > "$d/tty.txt" 2>&1
  wait "$feeder"; feeder=
  check "progress line on a terminal" grep -q "rows/s" "$d/tty.txt"
  check "no progress line when not a terminal" bash -c "! grep -q 'rows/s' '$d/err'"
  # convert: rows, the share of a file input read, MB/s and the time left
  script -qec "$BLZ convert tests/data/logs_small.arrows '$d/p.parquet'" /dev/null > "$d/ctty.txt" 2>&1
  check "convert progress on a terminal: rows, share of the input, MB/s, ETA" \
    grep -qE "[0-9]+ rows +100.0% of input +[0-9.]+ MB/s +ETA [0-9]+ s" "$d/ctty.txt"
  "$BLZ" convert tests/data/logs_small.arrows "$d/p2.parquet" 2>"$d/cerr"
  check "no convert progress when not a terminal" bash -c "! grep -q 'of input' '$d/cerr'"
fi

summary
