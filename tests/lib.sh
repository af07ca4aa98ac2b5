# lib.sh — shared helpers of the shell test scripts: counted checks and the closing summary line.
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check NAME COMMAND...: passes when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# summary: the "N passed, M failed" line run_all.sh counts, and the exit status
summary() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
