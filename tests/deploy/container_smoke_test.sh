#!/usr/bin/env bash
# Smoke test of deploy/Containerfile with podman (run by `./dev test-containers`, which
# installs podman, runc, debootstrap and friends and builds build/bin/yoga-guide first).
#
#  1. a local Debian 12 base image (deploy/podman/make-base-image.sh; kept between runs)
#  2. the yoga image built from the repository (podman's layer cache makes reruns quick)
#  3. yoga-studio started as the image starts it, with a read-only root filesystem (and no
#     tmpfs either), its port published on 127.0.0.1 only; healthy through the image's own
#     HEALTHCHECK (`podman healthcheck run`) and `yoga-studio --health_check`
#  4. called from the host: yoga-guide presets / plan and buf curl on the health service
#  5. inside: runs as uid 10001, / and /tmp are read-only, /var/lib/yoga is writable and
#     holds the SQLite database yoga.db (the image's --data_dir)
#  6. podman stop: SIGTERM, exit code 0, well within the grace period
#  7. the split services (yoga-catalog, yoga-planner, yoga-session) as three containers in
#     one network namespace sharing one data volume, as compose.yaml runs them, started in
#     its order, each healthy; a session composed through all three; the session container
#     restarted still knows the session (it is in yoga.db); each exits 0 on SIGTERM
#
# Every phase has a time limit and prints how long it took. Containers are removed
# on exit; the images stay, so the next run reuses them.
#   tests/deploy/container_smoke_test.sh
# Environment: YOGA_IMAGE (localhost/yoga:1.0.0), YOGA_BASE_IMAGE (localhost/debian:12),
# YOGA_GUIDE (build/bin/yoga-guide), YOGA_BUILD_JOBS (compile jobs in the image build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# runc and sane default ulimits: what podman needs on these machines (deploy/podman/).
export CONTAINERS_CONF=$root/deploy/podman/containers.conf
image=${YOGA_IMAGE:-localhost/yoga:1.0.0}
base_image=${YOGA_BASE_IMAGE:-localhost/debian:12}
guide=${YOGA_GUIDE:-$root/build/bin/yoga-guide}
buf=$root/tools/node_modules/.bin/buf
grace=15          # podman stop's timeout; the servers' --shutdown_grace is 10 s
name=yoga-smoke-$$
split=yoga-smoke-split-$$
split_volume=yoga-smoke-split-data-$$
presets=(runners-lower-back-four low-back-tight-hips-short postrun-low-back-stretches
  lower-back-relief-session backside-strength)

work=$(mktemp -d)
cleanup() {
  pm rm --force --volumes --time 0 "$name" >/dev/null 2>&1 || true
  for program in yoga-session yoga-planner yoga-catalog; do
    pm rm --force --volumes --time 0 "$split-$program" >/dev/null 2>&1 || true
  done
  pm volume rm --force "$split_volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/deploy/tally.sh
source "$root/tests/deploy/tally.sh"
# podman without systemd (as here) tries and fails to add a timer for each container with a
# health check, and says so on stderr: drop that noise. Health checks then run only when
# asked (`podman healthcheck run`), which is how this test drives them. PM_TIMEOUT bounds it.
pm() {
  local rc=0
  timeout "${PM_TIMEOUT:-120}" podman "$@" 2>"$work/podman.err" || rc=$?
  grep -v 'systemd connection' "$work/podman.err" >&2 || true
  return "$rc"
}
phase() { echo "==> $*"; }

for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || die "$tool is not installed (./dev test-containers installs it)"
done
[ -x "$guide" ] || die "no $guide (./dev test-containers builds it)"

# Waits until the container's health check passes: CHECK... is run until it exits 0, at most
# LIMIT seconds, while the container runs. Prints the seconds it took.
wait_healthy() {  # wait_healthy CONTAINER LIMIT CHECK...
  local container=$1 limit=$2 start state
  shift 2
  start=$(now)
  while true; do
    state=$(podman inspect --format '{{.State.Status}}' "$container" 2>/dev/null || echo gone)
    if [ "$state" != running ]; then
      echo "$container is $state; its log:" >&2
      podman logs "$container" >&2 2>&1 || true
      return 1
    fi
    if "$@" >/dev/null 2>&1; then since "$start"; return 0; fi
    if awk -v s="$(since "$start")" -v l="$limit" 'BEGIN { exit !(s > l) }'; then
      echo "$container not healthy after ${limit}s; last check:" >&2
      "$@" >&2 2>&1 || true
      podman logs "$container" >&2 2>&1 || true
      return 1
    fi
    sleep 0.5
  done
}

# --- 1. base image --------------------------------------------------------------------------
phase "local base image $base_image"
start=$(now)
timeout 1500 deploy/podman/make-base-image.sh "$base_image" || die "could not make $base_image"
echo "base image: $(since "$start") s"

# --- 2. image -------------------------------------------------------------------------------
phase "building $image from deploy/Containerfile"
start=$(now)
old_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
build_args=(--build-arg "BASE_IMAGE=$base_image" --build-arg "RUNTIME_IMAGE=$base_image")
[ -n "${YOGA_BUILD_JOBS:-}" ] && build_args+=(--build-arg "BUILD_JOBS=$YOGA_BUILD_JOBS")
# --format docker: OCI images cannot carry a HEALTHCHECK. --layers: reuse unchanged steps.
if ! timeout 2700 nice podman build --format docker --layers "${build_args[@]}" \
    -f deploy/Containerfile -t "$image" . >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log"
  die "podman build failed (or took over 45 min)"
fi
new_id=$(podman image inspect --format '{{.Id}}' "$image")
# The image this build replaced is of no further use (its layers stay cached).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  podman rmi "$old_id" >/dev/null 2>&1 || true
fi
echo "image build: $(since "$start") s ($(grep -c -- '--> Using cache' "$work/build.log" || true) steps from cache)"
pass "podman build of deploy/Containerfile"

health_cmd=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$image" 2>/dev/null || true)
if [[ "$health_cmd" == *'"--health_check"'* ]]; then
  pass "the image's HEALTHCHECK runs --health_check: $health_cmd"
else
  fail "the image has no --health_check HEALTHCHECK: $health_cmd"
fi
defaults=$(pm run --rm "$image" yoga-studio --helpfull 2>/dev/null |
  grep -o 'default: "/usr/share/yoga/[a-z]*"' | sort | tr '\n' ' ' || true)
if [ "$defaults" = 'default: "/usr/share/yoga/catalog" default: "/usr/share/yoga/presets" default: "/usr/share/yoga/voice" ' ]; then
  pass "the servers' compiled-in asset folders are the image's /usr/share/yoga/{catalog,presets,voice}"
else
  fail "compiled-in asset folders in the image: '$defaults'"
fi
user=$(podman image inspect --format '{{.Config.User}}' "$image")
[ "$user" = 10001:10001 ] && pass "the image's user is $user" || fail "the image's user is '$user'"

# --- 3. yoga-studio as the image starts it --------------------------------------------------
phase "starting $image (default command: yoga-studio) read-only on 127.0.0.1"
start=$(now)
pm run --detach --name "$name" --read-only --read-only-tmpfs=false \
  --stop-timeout "$grace" --publish 127.0.0.1::50051 "$image" >/dev/null ||
  die "podman run failed"
took=$(wait_healthy "$name" 60 podman healthcheck run "$name") ||
  die "yoga-studio did not become healthy"
echo "start to healthy: $(since "$start") s (podman healthcheck run passed after $took s)"
pass "the image's HEALTHCHECK passes (podman healthcheck run)"
status=$(podman inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null ||
  podman inspect --format '{{.State.Healthcheck.Status}}' "$name")
[ "$status" = healthy ] && pass "podman reports the container healthy" ||
  fail "podman reports health '$status'"
out=$(timeout 10 podman exec "$name" yoga-studio --health_check --listen=127.0.0.1:50051 2>&1) &&
  [ "$out" = SERVING ] && pass "yoga-studio --health_check inside prints SERVING" ||
  fail "yoga-studio --health_check inside: $out"

address=$(podman port "$name" 50051/tcp | head -n 1)
case "$address" in
  127.0.0.1:[0-9]*) pass "port 50051 is published on loopback only: $address" ;;
  *) die "port 50051 is published as '$address', not on 127.0.0.1" ;;
esac

# --- 4. called from the host ----------------------------------------------------------------
phase "calling yoga-studio at $address from the host"
if out=$(timeout 20 "$guide" --server="$address" presets 2>&1); then
  missing=()
  for preset in "${presets[@]}"; do grep -q "^$preset " <<<"$out" || missing+=("$preset"); done
  if ((${#missing[@]} == 0)); then
    pass "yoga-guide presets lists the five presets"
  else
    fail "yoga-guide presets lacks ${missing[*]}:"; echo "$out"
  fi
else
  fail "yoga-guide presets failed:"; echo "$out"
fi
if out=$(timeout 20 "$guide" --server="$address" plan --preset=runners-lower-back-four 2>&1) &&
    grep -qi 'dog' <<<"$out"; then
  pass "yoga-guide plan --preset=runners-lower-back-four gives the routine ($(wc -l <<<"$out") lines)"
else
  fail "yoga-guide plan --preset=runners-lower-back-four:"; echo "$out"
fi
if [ -x "$buf" ]; then
  if out=$(timeout 20 "$buf" curl --protocol grpc --http2-prior-knowledge \
      "http://$address/grpc.health.v1.Health/Check" 2>&1) && grep -q SERVING <<<"$out"; then
    pass "buf curl grpc.health.v1.Health/Check: $(tr -d ' \n' <<<"$out")"
  else
    fail "buf curl grpc.health.v1.Health/Check:"; echo "$out"
  fi
else
  echo "(no $buf: skipping buf curl)"
fi

# --- 5. inside the container ----------------------------------------------------------------
phase "user and filesystem inside the container"
uid=$(podman exec "$name" id -u 2>&1) || true
[ "$uid" = 10001 ] && pass "the server runs as uid 10001" || fail "the server runs as uid '$uid'"
for path in /probe /tmp/probe /usr/share/yoga/catalog/probe; do
  if podman exec "$name" touch "$path" 2>/dev/null; then
    fail "$path could be written"
  else
    pass "$path cannot be written"
  fi
done
if podman exec "$name" touch /var/lib/yoga/probe 2>&1; then
  pass "/var/lib/yoga (the data volume) is writable"
else
  fail "/var/lib/yoga is not writable"
fi
# The image's command passes --data_dir=/var/lib/yoga; the planner stored the routine `plan`
# composed above.
if podman exec "$name" test -s /var/lib/yoga/yoga.db; then
  pass "the SQLite database is /var/lib/yoga/yoga.db, on the data volume"
else
  fail "no /var/lib/yoga/yoga.db in the container: $(podman exec "$name" ls -la /var/lib/yoga 2>&1 | tr '\n' ' ')"
fi
podman logs "$name" >"$work/stdout" 2>"$work/stderr" || true
first_line=$(head -n 1 "$work/stdout")
[ "$first_line" = "listening on 0.0.0.0:50051" ] && pass "stdout says '$first_line'" ||
  fail "first line on stdout: '$first_line'"

# --- 6. stop --------------------------------------------------------------------------------
phase "podman stop (SIGTERM, ${grace}s timeout)"
start=$(now)
PM_TIMEOUT=$((grace + 15)) pm stop --time "$grace" "$name" >/dev/null || fail "podman stop failed"
took=$(since "$start")
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
echo "stop: $took s, exit code $code"
[ "$code" = 0 ] && pass "yoga-studio exits 0 on SIGTERM" || fail "yoga-studio exited $code on SIGTERM"
if awk -v t="$took" -v g="$grace" 'BEGIN { exit !(t < g - 2) }'; then
  pass "it stopped in $took s, before podman's ${grace}s timeout"
else
  fail "stopping took $took s (podman's timeout is ${grace}s: killed?)"
fi
podman logs "$name" >"$work/stdout" 2>"$work/stderr" || true
grep -q 'event=signal signal=SIGTERM action=drain' "$work/stderr" &&
  pass "its log records the SIGTERM and the drain" || fail "no SIGTERM line in its log"
pm rm --volumes "$name" >/dev/null 2>&1 || true

# --- 7. split services sharing one network namespace ---------------------------------------
# The same command lines as deploy/compose.yaml, and as there one named volume for the three
# (the planner and the session share yoga.db). yoga-catalog owns the network namespace (and the
# published ports); the planner and the session join it (--network container:), so they find
# each other on 127.0.0.1 where compose gives service names. (A podman pod would need a pause
# image, which podman builds from catatonit.)
phase "yoga-catalog, yoga-planner, yoga-session in one network namespace"
start=$(now)
pm volume create "$split_volume" >/dev/null || die "podman volume create failed"
run_split() {  # run_split PROGRAM PORT PODMAN_FLAGS -- SERVER_FLAGS...
  local program=$1 port=$2 podman_flags=()
  shift 2
  while [ "$1" != -- ]; do podman_flags+=("$1"); shift; done
  shift
  pm run --detach --name "$split-$program" --read-only --read-only-tmpfs=false \
    --stop-timeout "$grace" --volume "$split_volume:/var/lib/yoga" "${podman_flags[@]}" \
    --health-cmd "$program --health_check --listen=127.0.0.1:$port" \
    "$image" "$program" --listen="0.0.0.0:$port" "$@" >/dev/null ||
    die "podman run $program failed"
  took=$(wait_healthy "$split-$program" 60 podman healthcheck run "$split-$program") ||
    die "$program did not become healthy"
  pass "$program healthy after $took s"
}
run_split yoga-catalog 50052 \
  --publish 127.0.0.1::50053 --publish 127.0.0.1::50054 -- \
  --catalog_dir=/usr/share/yoga/catalog
run_split yoga-planner 50053 --network "container:$split-yoga-catalog" -- \
  --catalog=127.0.0.1:50052 --presets_dir=/usr/share/yoga/presets --data_dir=/var/lib/yoga
run_split yoga-session 50054 --network "container:$split-yoga-catalog" -- \
  --catalog=127.0.0.1:50052 --planner=127.0.0.1:50053 --voice_dir=/usr/share/yoga/voice \
  --data_dir=/var/lib/yoga
echo "split services start to healthy: $(since "$start") s"
planner=$(podman port "$split-yoga-catalog" 50053/tcp | head -n 1)
session=$(podman port "$split-yoga-catalog" 50054/tcp | head -n 1)
if out=$(timeout 20 "$guide" --server="$planner" presets 2>&1) && grep -q '^backside-strength ' <<<"$out"; then
  pass "yoga-guide presets from yoga-planner at $planner"
else
  fail "yoga-guide presets from yoga-planner at $planner:"; echo "$out"
fi
if [ -x "$buf" ]; then
  # session -> planner -> catalog, across the containers.
  if out=$(timeout 20 "$buf" curl --protocol grpc --http2-prior-knowledge \
      --data '{"compose": {"preset_id": "runners-lower-back-four"}}' \
      "http://$session/yoga.session.v1.SessionService/StartSession" 2>&1) &&
      grep -q '"id"' <<<"$out" && grep -q 'downward' <<<"$out"; then
    pass "StartSession on yoga-session composes the preset through yoga-planner and yoga-catalog"
    # The session's own id: the first top-level field of the printed Session.
    session_id=$(sed -n 's/^  "id": "\([^"]*\)".*/\1/p' <<<"$out" | head -n 1)
  else
    fail "StartSession on yoga-session at $session:"; echo "$out" | head -n 20
  fi
fi
if podman exec "$split-yoga-session" test -s /var/lib/yoga/yoga.db; then
  pass "the planner and the session service share /var/lib/yoga/yoga.db on the volume"
else
  fail "no /var/lib/yoga/yoga.db on the split services' volume"
fi
# Durable state: a new yoga-session process on the same volume still knows the session.
if [ -n "${session_id:-}" ]; then
  PM_TIMEOUT=$((grace + 15)) pm stop --time "$grace" "$split-yoga-session" >/dev/null ||
    fail "podman stop yoga-session failed"
  pm start "$split-yoga-session" >/dev/null || die "podman start yoga-session failed"
  took=$(wait_healthy "$split-yoga-session" 60 podman healthcheck run "$split-yoga-session") ||
    die "yoga-session did not become healthy again"
  if out=$(timeout 20 "$buf" curl --protocol grpc --http2-prior-knowledge \
      --data "{\"id\": \"$session_id\"}" \
      "http://$session/yoga.session.v1.SessionService/GetSession" 2>&1) &&
      grep -q "\"id\": \"$session_id\"" <<<"$out"; then
    pass "yoga-session restarted (healthy after $took s) still has session $session_id (GetSession)"
  else
    fail "GetSession $session_id after restarting yoga-session:"; echo "$out" | head -n 20
  fi
fi
start=$(now)
# Dependents first, as compose stops them.
for program in yoga-session yoga-planner yoga-catalog; do
  PM_TIMEOUT=$((grace + 15)) pm stop --time "$grace" "$split-$program" >/dev/null ||
    fail "podman stop $program failed"
  code=$(podman inspect --format '{{.State.ExitCode}}' "$split-$program")
  [ "$code" = 0 ] && pass "$program exits 0 on SIGTERM" || fail "$program exited $code on SIGTERM"
done
echo "split services stop: $(since "$start") s"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
