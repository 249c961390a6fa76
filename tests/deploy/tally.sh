# Sourced by the container tests: counts checks and says how they went.
#   pass "what held"   fail "what did not"   die "what stops the test"
#   now; since START   (seconds, one decimal, for timings)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# Stops the test: later phases need this one.
die() {
  echo "FAIL: $*"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
}
now() { date +%s.%N; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }
