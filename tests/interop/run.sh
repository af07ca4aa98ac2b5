#!/usr/bin/env bash
# run.sh — writes Parquet from generated Arrow streams with every codec and has DuckDB, Polars,
# parquet-wasm (arrow-rs) and hyparquet check every value, type and statistic (verify.mjs).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BLZ=${BLZ:-$root/build/blizzard}
SLICE=${SLICE:-$root/build/slice_convert}
case "$BLZ" in /*) ;; *) BLZ="$root/$BLZ" ;; esac
case "$SLICE" in /*) ;; *) SLICE="$root/$SLICE" ;; esac
out="$here/out"
rm -rf "$out"
mkdir -p "$out"
source "$here/../lib.sh"

gen() { node "$here/gen.mjs" "$@" >/dev/null; }
verify() { # name arrow parquet [verify args]
  local name=$1 src=$2 pq=$3; shift 3
  if node "$here/verify.mjs" --arrow "$src" "$@" "$pq" >"$out/${name//\//_}.log" 2>&1; then
    ok "$name"
  else
    bad "$name"; tail -15 "$out/${name//\//_}.log"
  fi
}

gen --dataset types --rows 5000 --batch-rows 1000 --empty-batches --out "$out/types.arrows"
gen --dataset types --rows 3000 --batch-rows 700 --dict-replace --out "$out/types_dict.arrows"
gen --dataset logs --rows 20000 --batch-rows 4096 --out "$out/logs.arrows"
gen --dataset nested --rows 4000 --batch-rows 900 --empty-batches --out "$out/nested.arrows"
gen --dataset types --rows 0 --out "$out/empty.arrows"
gen --dataset logs --rows 0 --empty-batches --out "$out/empty_batches.arrows"

for codec in snappy gzip zstd lz4 uncompressed; do
  vc=$codec; [ "$codec" = uncompressed ] && vc=none
  "$BLZ" convert "$out/types.arrows" "$out/types-$codec.parquet" --compression "$codec" --quiet
  verify "types/$codec" "$out/types.arrows" "$out/types-$codec.parquet" --codec "$vc"
  "$BLZ" convert "$out/logs.arrows" "$out/logs-$codec.parquet" --compression "$codec" --quiet
  verify "logs/$codec" "$out/logs.arrows" "$out/logs-$codec.parquet" --codec "$vc"
  "$BLZ" convert "$out/nested.arrows" "$out/nested-$codec.parquet" --compression "$codec" --quiet
  verify "nested/$codec" "$out/nested.arrows" "$out/nested-$codec.parquet" --codec "$vc"
done
# nested columns: small pages (cut only where a row starts), small row groups, dictionary
# fallback, data page v2, sliced batches and row selections
"$BLZ" convert "$out/nested.arrows" "$out/nested-small.parquet" --row-group-bytes 20000 --page-bytes 2048 --dictionary-bytes 512 --quiet
verify "nested/small-pages-row-groups-fallback" "$out/nested.arrows" "$out/nested-small.parquet"
"$BLZ" convert "$out/nested.arrows" "$out/nested-v2.parquet" --data-page-version 2 --quiet
verify "nested/data-page-v2" "$out/nested.arrows" "$out/nested-v2.parquet"
"$SLICE" "$out/nested.arrows" "$out/nested-sliced.parquet"
verify "nested/sliced-batches" "$out/nested.arrows" "$out/nested-sliced.parquet"
"$SLICE" --select "$out/nested.arrows" "$out/nested-selected.parquet"
verify "nested/row-selections" "$out/nested.arrows" "$out/nested-selected.parquet"
"$SLICE" --select "$out/types.arrows" "$out/types-selected.parquet"
verify "types/row-selections" "$out/types.arrows" "$out/types-selected.parquet"
"$BLZ" convert "$out/types_dict.arrows" "$out/types_dict.parquet" --quiet
verify "types/replacement-dictionaries" "$out/types_dict.arrows" "$out/types_dict.parquet"
# small pages, row groups and dictionaries: many pages, many row groups, dictionary fallback
"$BLZ" convert "$out/logs.arrows" "$out/logs-small.parquet" --row-group-bytes 200000 --page-bytes 8192 --dictionary-bytes 4096 --quiet
verify "logs/small-row-groups-pages-dictionary-fallback" "$out/logs.arrows" "$out/logs-small.parquet"
"$BLZ" convert "$out/types.arrows" "$out/types-plain.parquet" --no-dictionary --quiet
verify "types/no-dictionary" "$out/types.arrows" "$out/types-plain.parquet"
"$SLICE" "$out/types.arrows" "$out/types-sliced.parquet"
verify "types/sliced-batches" "$out/types.arrows" "$out/types-sliced.parquet"
"$BLZ" convert "$out/empty.arrows" "$out/empty.parquet" --quiet
verify "schema-only-stream" "$out/empty.arrows" "$out/empty.parquet"
"$BLZ" convert "$out/empty_batches.arrows" "$out/empty_batches.parquet" --quiet
verify "zero-row-batches" "$out/empty_batches.arrows" "$out/empty_batches.parquet"
# data page v2 (levels uncompressed ahead of the values) with and without dictionaries
"$BLZ" convert "$out/types.arrows" "$out/types-v2.parquet" --data-page-version 2 --compression zstd --quiet
verify "types/data-page-v2" "$out/types.arrows" "$out/types-v2.parquet" --codec zstd
"$BLZ" convert "$out/logs.arrows" "$out/logs-v2.parquet" --data-page-version 2 --page-bytes 8192 --no-dictionary --quiet
verify "logs/data-page-v2-small-plain-pages" "$out/logs.arrows" "$out/logs-v2.parquet"
# Polars' IPC files with Utf8View, compressed with ZSTD and LZ4_FRAME: same values as uncompressed
"$BLZ" convert "$root/tests/data/views_plain.arrow" "$out/views.parquet" --quiet
verify "utf8view-ipc-file" "$root/tests/data/views_plain.arrow" "$out/views.parquet"

# types gen.mjs leaves out: time32[s], int8/uint16 dictionary indices for every reader; float16,
# null, decimal256 and time64[ns] where readers support them exactly (hyparquet)
node "$here/make-extra-types.mjs" "$out/core.arrows" core >/dev/null
"$BLZ" convert "$out/core.arrows" "$out/core.parquet" --quiet
verify "extra-types/core" "$out/core.arrows" "$out/core.parquet"
node "$here/make-extra-types.mjs" "$out/wide.arrows" wide >/dev/null
"$BLZ" convert "$out/wide.arrows" "$out/wide.parquet" --quiet
verify "extra-types/float16-null-decimal256-time-ns" "$out/wide.arrows" "$out/wide.parquet" --readers hyparquet --no-footer
# duration (every unit, INT64 + ARROW:schema), decimal32/64 (INT32/INT64 DECIMAL): all four readers,
# arrow-rs and Polars getting the duration type back; intervals (FIXED_LEN_BYTE_ARRAY(12) INTERVAL):
# DuckDB and arrow-rs (nodejs-polars cannot hold an interval series; hyparquet skips INTERVAL)
node "$here/make-extra-types.mjs" "$out/t12.arrows" t12 >/dev/null
"$BLZ" convert "$out/t12.arrows" "$out/t12.parquet" --quiet
verify "extra-types/duration-decimal32-decimal64" "$out/t12.arrows" "$out/t12.parquet"
node "$here/make-extra-types.mjs" "$out/ivl.arrows" ivl >/dev/null
"$BLZ" convert "$out/ivl.arrows" "$out/ivl.parquet" --quiet
verify "extra-types/interval-year_month-day_time" "$out/ivl.arrows" "$out/ivl.parquet" --readers duckdb,parquet-wasm
# values distinct but alike to the dictionary's shortcuts (a short string and the 8 bytes of its
# key, 8-byte values and longer ones starting with them, fixed-size values sharing 8 bytes, int64s
# either side of the direct table's window): every value read back, with small pages and threads,
# and with data page v2 and the compact profile
node "$here/make-key-collisions.mjs" "$out/keys.arrows" >/dev/null
"$BLZ" convert "$out/keys.arrows" "$out/keys.parquet" --quiet
verify "dictionary-key-lookalikes" "$out/keys.arrows" "$out/keys.parquet"
"$BLZ" convert "$out/keys.arrows" "$out/keys-small.parquet" --page-bytes 2048 --threads 2 --quiet
verify "dictionary-key-lookalikes/small-pages-2-threads" "$out/keys.arrows" "$out/keys-small.parquet"
"$BLZ" convert "$out/keys.arrows" "$out/keys-v2.parquet" --data-page-version 2 --compression zstd --encoding-profile compact --quiet
verify "dictionary-key-lookalikes/v2-compact-zstd" "$out/keys.arrows" "$out/keys-v2.parquet" --codec zstd
# dictionary arrays inside a list and a struct: written as their value type, all four readers
node "$here/make-nested-dict.mjs" "$out/nested-dict.arrows"
"$BLZ" convert "$out/nested-dict.arrows" "$out/nested-dict.parquet" --quiet
verify "nested-dictionaries" "$out/nested-dict.arrows" "$out/nested-dict.parquet"
# run_end_encoded and list views through the C Data Interface (no IPC producer here writes them):
# every flat column re-encoded in runs, every list as views laid out backwards and overlapping;
# the files read back equal to the original streams in all four readers
node "$here/make-ree-listview.mjs" "$out/ree.arrows" "$out/ree-decoded.arrows" "$out/ree-broken.arrows" >/dev/null
"$BLZ" convert "$out/ree.arrows" "$out/ree.parquet" --quiet
verify "ipc/run-end-encoded-and-list-views" "$out/ree-decoded.arrows" "$out/ree.parquet"
"$BLZ" convert "$out/ree-broken.arrows" "$out/ree-broken.parquet" --quiet 2>"$out/ree-broken.err"; rc=$?
check "ipc/run ends out of order: refused naming the column, no file" bash -c "test $rc -ne 0 && grep -q 'column code: run 2 ends at' '$out/ree-broken.err' && ! test -e '$out/ree-broken.parquet'"
# big-endian IPC: a stream and its little-endian twin (17 types: ints, floats, float16, date,
# timestamp, decimal128, interval, bool, fixed_size_binary, utf8, large_utf8, utf8_view, list,
# struct) give identical Parquet bytes; arrow-rs and hyparquet read the values back (DuckDB has no
# float16, nodejs-polars no interval series)
node "$here/make-big-endian.mjs" "$out/le.arrows" "$out/be.arrows" >/dev/null
"$BLZ" convert "$out/le.arrows" "$out/le.parquet" --quiet
"$BLZ" convert "$out/be.arrows" "$out/be.parquet" --quiet
check "ipc/big-endian stream: the same Parquet bytes as its little-endian twin" cmp -s "$out/le.parquet" "$out/be.parquet"
verify "ipc/big-endian-twin-values" "$out/le.arrows" "$out/be.parquet" --readers parquet-wasm,hyparquet --no-footer
# sort_by: every row group sorted by the keys (stable; nulls last, or first), the same rows as the
# unsorted file, sorting_columns in each row group; nested columns follow their rows
"$BLZ" convert "$out/logs.arrows" "$out/logs-plain.parquet" --quiet
"$BLZ" convert "$out/logs.arrows" "$out/logs-sorted.parquet" --sort-by level --sort-by ts --row-group-bytes 400000 --quiet
check "sort_by/logs: 2 keys, several row groups" node "$here/check-sorted.mjs" "$out/logs-sorted.parquet" "$out/logs-plain.parquet" level ts
"$BLZ" convert "$out/types.arrows" "$out/types-plain.parquet" --quiet
"$BLZ" convert "$out/types.arrows" "$out/types-sorted.parquet" --sort-by uint64 --sort-by float64 --sort-nulls-first --row-group-bytes 200000 --quiet
check "sort_by/types: unsigned and float keys, nulls first" node "$here/check-sorted.mjs" "$out/types-sorted.parquet" "$out/types-plain.parquet" --nulls-first uint64 float64
"$BLZ" convert "$out/types.arrows" "$out/types-sorted2.parquet" --sort-by dict_utf8 --sort-by int8 --sort-by bool --quiet
check "sort_by/types: dictionary strings, int8, bool keys" node "$here/check-sorted.mjs" "$out/types-sorted2.parquet" "$out/types-plain.parquet" dict_utf8 int8 bool
"$BLZ" convert "$out/types.arrows" "$out/types-sorted3.parquet" --sort-by float32 --sort-by int64 --sort-by fixed_size_binary16 --quiet
check "sort_by/types: float keys (NaN after every number), int64, fixed_size_binary" node "$here/check-sorted.mjs" "$out/types-sorted3.parquet" "$out/types-plain.parquet" float32 int64 fixed_size_binary16
"$BLZ" convert "$out/nested-dict.arrows" "$out/nested-dict-sorted.parquet" --sort-by k --quiet
check "sort_by/nested columns follow their rows" node "$here/check-sorted.mjs" "$out/nested-dict-sorted.parquet" "$out/nested-dict.parquet" k
"$BLZ" convert "$out/nested.arrows" "$out/no.parquet" --sort-by list_i32 --quiet 2>"$out/sort-bad.err"
check "sort_by: a nested column as key is refused by name" grep -q "sort_by: 'list_i32' is not a top-level column" "$out/sort-bad.err"
REENCODE=${REENCODE:-$root/build/reencode_convert}
for ds in types nested logs; do
  "$REENCODE" "$out/$ds.arrows" "$out/$ds-reencoded.parquet" 2>"$out/$ds-reencode.err"
  verify "run-end-encoded-and-list-views/$ds" "$out/$ds.arrows" "$out/$ds-reencoded.parquet"
done

# value encodings: the compact profile (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
# DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT where they pay) on data page v1 and v2, and every encoding
# forced on the columns that can take it
gen --dataset records --rows 30000 --batch-rows 1024 --out "$out/records.arrows"
gen --dataset wide --rows 3000 --out "$out/wide200.arrows"
for ds in types logs nested records wide200; do
  for v in 1 2; do
    "$BLZ" convert "$out/$ds.arrows" "$out/$ds-compact-v$v.parquet" --encoding-profile compact --data-page-version $v --compression zstd --quiet
    verify "$ds/compact-profile-page-v$v" "$out/$ds.arrows" "$out/$ds-compact-v$v.parquet" --codec zstd
  done
done
ints="int8 int16 int32 int64 uint8 uint16 uint32 uint64 date32 date64 time32_ms time64_us ts_s ts_ms ts_us ts_ns ts_s_tz ts_ms_tz ts_us_tz ts_ns_tz"
forced() { # encoding for strings, then data page version
  local a=()
  for c in $ints; do a+=(--column-encoding "$c=delta_binary_packed"); done
  for c in utf8 large_utf8 binary large_binary dict_utf8; do a+=(--column-encoding "$c=$1"); done
  a+=(--column-encoding float32=byte_stream_split --column-encoding float64=byte_stream_split)
  "$BLZ" convert "$out/types.arrows" "$out/types-forced-$1-v$2.parquet" "${a[@]}" --data-page-version "$2" --page-bytes 4096 --compression uncompressed --quiet
  verify "types/forced-delta-$1-bss-page-v$2" "$out/types.arrows" "$out/types-forced-$1-v$2.parquet" --codec none
}
for v in 1 2; do forced delta_byte_array $v; forced delta_length_byte_array $v; done
"$BLZ" convert "$out/logs.arrows" "$out/logs-forced-dict.parquet" --column-encoding ts=rle_dictionary --column-encoding message=rle_dictionary --column-encoding level=plain --quiet
verify "logs/forced-dictionary-and-plain" "$out/logs.arrows" "$out/logs-forced-dict.parquet"

# the same bytes whatever the thread count: every dataset above, several option sets
for ds in types types_dict logs nested records wide200 empty empty_batches; do
  for opt in "" "--encoding-profile compact --compression zstd" "--row-group-bytes 100000 --page-bytes 4096 --data-page-version 2"; do
    # shellcheck disable=SC2086
    "$BLZ" convert "$out/$ds.arrows" "$out/$ds-t1.parquet" --threads 1 $opt --quiet
    same=1
    for t in 2 3 8; do
      # shellcheck disable=SC2086
      "$BLZ" convert "$out/$ds.arrows" "$out/$ds-t$t.parquet" --threads $t $opt --quiet
      cmp -s "$out/$ds-t1.parquet" "$out/$ds-t$t.parquet" || { same=0; echo "  --threads $t differs from --threads 1 ($opt)"; }
    done
    if [ $same = 1 ]; then ok "$ds/identical-bytes-for-1-2-3-8-threads${opt:+ ($opt)}"; else bad "$ds/identical-bytes-for-1-2-3-8-threads${opt:+ ($opt)}"; fi
  done
done

# page checksums: every reader still reads every value
for v in 1 2; do
  "$BLZ" convert "$out/nested.arrows" "$out/nested-crc-v$v.parquet" --page-checksums --data-page-version $v --compression gzip --quiet
  verify "nested/page-checksums-v$v" "$out/nested.arrows" "$out/nested-crc-v$v.parquet" --codec gzip
done
"$BLZ" convert "$out/types.arrows" "$out/types-crc.parquet" --page-checksums --quiet
verify "types/page-checksums" "$out/types.arrows" "$out/types-crc.parquet"

# bloom filters: DuckDB's parquet_bloom_probe finds every present value and turns away 98% of
# 10,000 absent ones (fpp 0.01) on a 1M-row column; the four readers read the files
gen --dataset logs --rows 1000000 --out "$out/logs1m.arrows"
"$BLZ" convert "$out/logs1m.arrows" "$out/logs1m-bloom.parquet" --bloom-filter user_id --bloom-filter host --quiet
for colkind in user_id:int host:string; do
  if node "$here/bloom-check.mjs" "$out/logs1m-bloom.parquet" "${colkind%%:*}" "${colkind##*:}" 1000 10000 0.02 >"$out/bloom-${colkind%%:*}.log" 2>&1; then
    ok "bloom-filter/duckdb-probe-${colkind%%:*}"; else bad "bloom-filter/duckdb-probe-${colkind%%:*}"; fi
  cat "$out/bloom-${colkind%%:*}.log"
done
"$BLZ" convert "$out/types.arrows" "$out/types-bloom.parquet" --bloom-filter all --row-group-bytes 100000 --quiet
verify "types/bloom-filters-all-columns" "$out/types.arrows" "$out/types-bloom.parquet"
"$BLZ" convert "$out/nested.arrows" "$out/nested-bloom.parquet" --bloom-filter all --threads 2 --quiet
verify "nested/bloom-filters-all-leaves" "$out/nested.arrows" "$out/nested-bloom.parquet"

# invalid UTF-8 in a string column, flat or nested: refused naming the batch, column and row, no
# file left; --no-utf8-check lets trusted input through unchecked
for which in flat nested; do
  node "$here/make-bad-utf8.mjs" "$out/bad-$which.arrows" "$which"
  msg=$("$BLZ" convert "$out/bad-$which.arrows" "$out/bad-$which.parquet" 2>&1); rc=$?
  want="batch 1: column s: row 2: invalid UTF-8 at byte 2"
  [ "$which" = nested ] && want="batch 1: column l.list.element: row 1: invalid UTF-8 at byte 1"
  if [ $rc -ne 0 ] && grep -q "$want" <<<"$msg" && [ ! -e "$out/bad-$which.parquet" ]; then ok "invalid-utf8-$which-refused"; else bad "invalid-utf8-$which-refused"; echo "  $msg"; fi
done
check "invalid-utf8: --no-utf8-check converts" "$BLZ" convert "$out/bad-flat.arrows" "$out/bad-unchecked.parquet" --no-utf8-check --quiet

# a delta dictionary batch (isDelta) extends the dictionary of earlier batches
"$BLZ" convert "$root/tests/data/dict_delta.arrows" "$out/dict_delta.parquet" --quiet
verify "dictionary-delta" "$root/tests/data/dict_delta.arrows" "$out/dict_delta.parquet"

summary
