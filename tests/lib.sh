# lib.sh — shared helpers of the shell test scripts: counted checks and the closing summary line.
# shellcheck shell=bash
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check NAME COMMAND...: passes when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# summary: the "N passed, M failed" line run_all.sh counts, and the exit status
summary() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
# free_port LO SPAN: a port in [LO, LO+SPAN) on which nothing listens on 127.0.0.1, nor on the
# port after it (a test's second server); a random pick could collide with another test's server
# (the crash suite once failed at "cannot start s3rver"). Bounded: 50 tries, then the last pick.
free_port() {
  local p _
  for _ in $(seq 50); do
    p=$(($1 + RANDOM % $2))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null && continue
    break
  done
  echo "$p"
}
