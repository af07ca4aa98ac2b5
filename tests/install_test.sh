#!/usr/bin/env bash
# install_test.sh — `make install PREFIX=...` into a temporary folder, then a small program built
# with nothing but `pkg-config --cflags --libs blizzard` writes a file through the sink; the shared
# library exports only the public blz_ API.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/lib.sh
p=$(mktemp -d)
trap 'rm -rf "$p"' EXIT
make -s install PREFIX="$p/usr" >/dev/null 2>"$p/make.log"
check "make install succeeds" test -x "$p/usr/bin/blizzard"
for f in lib/libblizzard.a lib/libblizzard.so lib/libblizzard.so.0 include/blizzard.h lib/pkgconfig/blizzard.pc share/man/man1/blizzard.1; do
  check "installs $f" test -e "$p/usr/$f"
done
soname=$(objdump -p "$p/usr/lib/libblizzard.so" | awk '/SONAME/ {print $2}')
check "soname libblizzard.so.0" test "$soname" = libblizzard.so.0
others=$(nm -D --defined-only "$p/usr/lib/libblizzard.so" | awk '{print $3}' | grep -v '^blz_' | tr '\n' ' ')
check "exports only blz_ symbols${others:+ (also: $others)}" test -z "$others"
cat > "$p/sink_example.c" <<'C'
#include <blizzard.h>
#include <stdio.h>
#include <string.h>
static void release_schema(struct ArrowSchema *s) { s->release = NULL; }
static void release_array(struct ArrowArray *a) { a->release = NULL; }
int main(int argc, char **argv) {
  (void)argc;
  struct ArrowSchema col = {"l", "n", NULL, 0, 0, NULL, NULL, release_schema, NULL};
  struct ArrowSchema *cols[1] = {&col};
  struct ArrowSchema schema = {"+s", "", NULL, 0, 1, cols, NULL, release_schema, NULL};
  int64_t values[3] = {1, 2, 3};
  const void *bufs[2] = {NULL, values};
  struct ArrowArray arr = {3, 0, 0, 2, 0, bufs, NULL, NULL, release_array, NULL};
  struct ArrowArray *kids[1] = {&arr};
  const void *top_bufs[1] = {NULL};
  struct ArrowArray batch = {3, 0, 0, 1, 1, top_bufs, kids, NULL, release_array, NULL};
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  cfg.path = argv[1];
  cfg.threads = 2;
  blz_error err = {0};
  blz_sink *sink = NULL;
  if (blz_sink_create(&cfg, &schema, NULL, &sink, &err) || blz_sink_write(sink, &batch, NULL, &err) ||
      blz_sink_close(sink, &err)) {
    fprintf(stderr, "example: %s\n", err.message);
    return 1;
  }
  int64_t files, rows, bytes, failed;
  blz_sink_totals(sink, &files, &rows, &bytes, &failed);
  blz_sink_destroy(sink);
  printf("%lld files %lld rows\n", (long long)files, (long long)rows);
  return 0;
}
C
export PKG_CONFIG_PATH="$p/usr/lib/pkgconfig"
# shellcheck disable=SC2046
check "an example compiles and links with pkg-config flags alone" \
  cc "$p/sink_example.c" -o "$p/sink_example" $(pkg-config --cflags --libs blizzard)
out=$(LD_LIBRARY_PATH="$p/usr/lib" "$p/sink_example" "$p/table" 2>&1)
check "the example writes a file through the sink" test "$out" = "1 files 3 rows"
check "the file and its staging metadata are there" \
  bash -c "ls '$p/table'/*.parquet && ls '$p/table/_staging/pending/'*.meta.json" >/dev/null
check "installed blizzard runs" "$p/usr/bin/blizzard" --version
summary
