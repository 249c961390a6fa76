#!/usr/bin/env bash
# deploy/compose.yaml brought up as a studio would, with Debian's podman-compose (run by
# `./dev test-containers` after container_smoke_test.sh has built the image):
#
#  1. `podman-compose up -d` of the split default (yoga-catalog, yoga-planner, yoga-session),
#     each container healthy through its own compose health check (`podman healthcheck run`)
#  2. the hardening took effect in the running containers: no capabilities (CapEff 0),
#     no_new_privs, read-only root, the compose user, memory limit as written, pids limited
#  3. a session played through it from the host: `yoga-guide render` of a preset (StartSession
#     on yoga-session, composed through yoga-planner and yoga-catalog by service name), then a
#     live session's cue stream
#  4. yoga-session restarted mid-session (`podman-compose restart`): healthy again, the session
#     still there (GetSession), its stream resumed with after_seq from the next cue, NEXT and
#     STOP answered
#  5. `podman-compose down -v`: every container exits 0 on SIGTERM, nothing of the project left
#  6. the studio profile: `up -d yoga-studio` alone, healthy, hardened, presets listed and a
#     session rendered through it on one port, then down -v
#  7. the postgres profile, on the PostgreSQL image made here from Debian's packages
#     (deploy/postgres/Containerfile, built when missing): postgres, yoga-planner-pg and
#     yoga-session-pg healthy, hardened (postgres as uid 999), the database password in no
#     container's arguments, environment or podman configuration, a session rendered and one
#     started, yoga-session-pg restarted mid-session and the session still there, down -v
#
# Debian 12's podman-compose (1.0.3) ignores `profiles:` (so the services are named, as the
# README tells a studio to) and `depends_on` conditions (so this test waits for each health
# check itself), and passes no pids_limit (podman's own limit applies, containers.conf).
#   tests/deploy/compose_up_test.sh
# Environment: YOGA_IMAGE (localhost/yoga:1.0.0, must exist), YOGA_POSTGRES_IMAGE
# (localhost/yoga-postgres:1.0.0), YOGA_BASE_IMAGE (localhost/debian:12, the base it is built
# on), YOGA_GUIDE (build/bin/yoga-guide).
# Publishes 50051-50054 on 127.0.0.1: they must be free.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

export CONTAINERS_CONF=$root/deploy/podman/containers.conf
image=${YOGA_IMAGE:-localhost/yoga:1.0.0}
postgres_image=${YOGA_POSTGRES_IMAGE:-localhost/yoga-postgres:1.0.0}
base_image=${YOGA_BASE_IMAGE:-localhost/debian:12}
guide=${YOGA_GUIDE:-$root/build/bin/yoga-guide}
buf=$root/tools/node_modules/.bin/buf
project=yogacompose$$
services=(yoga-catalog yoga-planner yoga-session)
declare -A port=([yoga-studio]=50051 [yoga-catalog]=50052 [yoga-planner]=50053 [yoga-session]=50054)

work=$(mktemp -d)
# What compose reads from the environment: only these (no operator .env, see compose()).
unset COMPOSE_FILE COMPOSE_PROFILES COMPOSE_PROJECT_NAME DOCKER_HOST YOGA_DB_PASSWORD
export YOGA_IMAGE=$image YOGA_POSTGRES_IMAGE=$postgres_image YOGA_PUBLISH_ADDR=127.0.0.1 \
  YOGA_SECRETS_DIR=$work/secrets

# shellcheck source=tests/deploy/tally.sh
source "$root/tests/deploy/tally.sh"
phase() { echo "==> $*"; }

compose() {
  timeout "${COMPOSE_TIMEOUT:-180}" podman-compose --no-ansi -p "$project" -f deploy/compose.yaml "$@" \
    >>"$work/compose.log" 2>&1
}
container() { echo "${project}_$1_1"; }

cleanup() {
  COMPOSE_TIMEOUT=90 compose down -v || true
  # Whatever podman-compose left behind (a failed `up` half-way).
  podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.ID}}' |
    xargs -r podman rm --force --time 0 >/dev/null 2>&1 || true
  podman volume ls --filter "label=io.podman.compose.project=$project" --format '{{.Name}}' |
    xargs -r podman volume rm --force >/dev/null 2>&1 || true
  podman network rm --force "${project}_default" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in podman podman-compose; do
  command -v "$tool" >/dev/null || die "$tool is not installed (./dev test-containers installs it)"
done
[ -x "$guide" ] || die "no $guide (./dev test-containers builds it)"
[ -x "$buf" ] || die "no $buf (./dev installs it)"
podman image exists "$image" || die "no image $image (tests/deploy/container_smoke_test.sh builds it)"
for service in "${services[@]}" yoga-studio; do
  if ss -ltnH "sport = :${port[$service]}" | grep -q .; then
    die "port ${port[$service]} is taken on this host: compose publishes $service there"
  fi
done
deploy/make-secrets.sh "$work/secrets" 2>/dev/null

# Waits until `podman healthcheck run` passes for the service (the compose file's own test),
# at most LIMIT seconds; prints the seconds it took.
wait_healthy() {  # wait_healthy SERVICE LIMIT
  local name start state
  name=$(container "$1")
  start=$(now)
  while true; do
    state=$(podman inspect --format '{{.State.Status}}' "$name" 2>/dev/null || echo gone)
    if [ "$state" != running ] && [ "$state" != created ]; then
      echo "$name is $state; its log:" >&2
      podman logs "$name" 2>&1 | tail -n 20 >&2 || true
      return 1
    fi
    if podman healthcheck run "$name" >/dev/null 2>&1; then since "$start"; return 0; fi
    if awk -v s="$(since "$start")" -v l="$2" 'BEGIN { exit !(s > l) }'; then
      echo "$name not healthy after $2 s; its log:" >&2
      podman logs "$name" 2>&1 | tail -n 20 >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

# wait_healthy, for a service that may exit and be restarted by its policy meanwhile.
wait_healthy_restarting() {  # wait_healthy_restarting SERVICE LIMIT
  local name start
  name=$(container "$1")
  start=$(now)
  while ! podman healthcheck run "$name" >/dev/null 2>&1; do
    if awk -v s="$(since "$start")" -v l="$2" 'BEGIN { exit !(s > l) }'; then
      echo "$name not healthy after $2 s; its log:" >&2
      podman logs "$name" 2>&1 | tail -n 20 >&2 || true
      return 1
    fi
    sleep 1
  done
  since "$start"
}

session_call() {  # session_call METHOD JSON: a unary call on yoga-session(-pg) from the host
  timeout 20 "$buf" curl --protocol grpc --http2-prior-knowledge --data "$2" \
    "http://127.0.0.1:${port[yoga-session]}/yoga.session.v1.SessionService/$1" 2>&1
}
# The cue seqs a StreamCues printed (buf curl prints one JSON object per event).
cue_seqs() { grep -o '"seq": "[0-9]*"' | grep -o '[0-9]*' || true; }
# Follows the session's stream for SECONDS from after_seq, printing what buf curl printed.
stream_for() {  # stream_for SECONDS SESSION_ID AFTER_SEQ
  timeout "$1" "$buf" curl --protocol grpc --http2-prior-knowledge \
    --data "{\"session_id\": \"$2\", \"after_seq\": \"$3\"}" \
    "http://127.0.0.1:${port[yoga-session]}/yoga.session.v1.SessionService/StreamCues" 2>&1 || true
}

# --- 1. up ------------------------------------------------------------------------------------
phase "podman-compose up -d ${services[*]} (project $project)"
start=$(now)
compose up -d "${services[@]}" || { tail -n 40 "$work/compose.log"; die "podman-compose up failed"; }
for service in "${services[@]}"; do
  took=$(wait_healthy "$service" 90) || { tail -n 20 "$work/compose.log"; die "$service did not become healthy"; }
  pass "$service healthy ($took s after the previous one; its compose health check)"
done
echo "up to all healthy: $(since "$start") s"

# --- 2. hardening in effect -------------------------------------------------------------------
phase "the hardening in the running containers"
declare -A memory=([yoga-catalog]=268435456 [yoga-planner]=536870912 [yoga-session]=1073741824
  [yoga-studio]=1073741824 [postgres]=1073741824 [yoga-planner-pg]=536870912
  [yoga-session-pg]=1073741824)
check_hardening() {  # check_hardening SERVICE [UID]
  local service=$1 uid=${2:-10001} name status got pids problems=()
  name=$(container "$service")
  status=$(podman exec "$name" cat /proc/1/status 2>&1) || { fail "$service: cannot read /proc/1/status: $status"; return; }
  grep -q '^CapEff:[[:space:]]*0000000000000000$' <<<"$status" || problems+=("$(grep '^CapEff' <<<"$status")")
  grep -q '^CapBnd:[[:space:]]*0000000000000000$' <<<"$status" || problems+=("$(grep '^CapBnd' <<<"$status")")
  grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status" || problems+=("$(grep '^NoNewPrivs' <<<"$status")")
  grep -q "^Uid:[[:space:]]*$uid[[:space:]]" <<<"$status" || problems+=("$(grep '^Uid' <<<"$status")")
  [ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ] || problems+=("root not read-only")
  podman exec "$name" touch /probe 2>/dev/null && problems+=("/ is writable")
  got=$(podman inspect --format '{{.HostConfig.Memory}}' "$name")
  [ "$got" = "${memory[$service]}" ] || problems+=("memory limit $got, want ${memory[$service]}")
  pids=$(podman inspect --format '{{.HostConfig.PidsLimit}}' "$name")
  [ "${pids:-0}" -gt 0 ] 2>/dev/null || problems+=("no pids limit ($pids)")
  if ((${#problems[@]} == 0)); then
    pass "$service: no capabilities, no_new_privs, uid $uid, read-only root, memory ${memory[$service]} B, pids $pids"
  else
    fail "$service: ${problems[*]}"
  fi
}
for service in "${services[@]}"; do check_hardening "$service"; done

# --- 3. a session played through it -----------------------------------------------------------
phase "a session through the split services, from the host"
start=$(now)
if out=$(timeout 60 "$guide" --server="127.0.0.1:${port[yoga-session]}" render \
    --preset=low-back-tight-hips-short --out="$work/session.wav" 2>&1) &&
    [ -s "$work/session.wav" ] && grep -q '^wrote ' <<<"$out"; then
  pass "yoga-guide render --preset=low-back-tight-hips-short through yoga-session: $(grep '^wrote ' <<<"$out" | cut -c1-120) ($(since "$start") s)"
else
  fail "yoga-guide render through yoga-session:"; echo "$out" | tail -n 10
fi

out=$(session_call StartSession '{"compose": {"preset_id": "runners-lower-back-four"}}')
session_id=$(sed -n 's/^  "id": "\([^"]*\)".*/\1/p' <<<"$out" | head -n 1)
[ -n "$session_id" ] && grep -q SESSION_STATE_RUNNING <<<"$out" ||
  die "StartSession on yoga-session: $(head -n 20 <<<"$out")"
pass "StartSession: session $session_id running"
first=$(stream_for 9 "$session_id" 0)
seqs=$(cue_seqs <<<"$first" | sort -n)
last_seq=$(tail -n 1 <<<"$seqs")
if [ -n "$last_seq" ] && [ "$(head -n 1 <<<"$seqs")" = 1 ]; then
  pass "its cue stream: cues 1 to $last_seq in 9 s"
else
  die "no cues on the stream in 9 s: $(head -c 600 <<<"$first")"
fi

# --- 4. a service restarted mid-session -------------------------------------------------------
phase "podman-compose restart yoga-session, mid-session"
start=$(now)
compose restart yoga-session || fail "podman-compose restart yoga-session failed"
took=$(wait_healthy yoga-session 60) || die "yoga-session did not come back healthy"
pass "yoga-session restarted and healthy again in $(since "$start") s"
out=$(session_call GetSession "{\"id\": \"$session_id\"}")
if grep -q "\"id\": \"$session_id\"" <<<"$out" && grep -q SESSION_STATE_RUNNING <<<"$out"; then
  pass "GetSession after the restart: $session_id still running (it is in yoga.db)"
else
  fail "GetSession after the restart:"; head -n 20 <<<"$out"
fi
resumed=$(stream_for 4 "$session_id" "$last_seq")
next_seqs=$(cue_seqs <<<"$resumed" | sort -n)
if [ "$(head -n 1 <<<"$next_seqs")" = $((last_seq + 1)) ]; then
  pass "the stream resumes with after_seq=$last_seq at cue $((last_seq + 1)), none repeated"
else
  fail "the resumed stream starts at '$(head -n 1 <<<"$next_seqs")', want $((last_seq + 1)): $(head -c 400 <<<"$resumed")"
fi
for action in NEXT STOP; do
  out=$(session_call ControlSession "{\"session_id\": \"$session_id\", \"action\": \"CONTROL_ACTION_$action\"}")
  if grep -q '"id"\|"state"' <<<"$out" && ! grep -qi '"code"\|error' <<<"$out"; then
    pass "ControlSession $action after the restart: $(grep -o 'SESSION_STATE_[A-Z]*' <<<"$out" | head -n 1)"
  else
    fail "ControlSession $action after the restart:"; head -n 10 <<<"$out"
  fi
done

# --- 5. down ----------------------------------------------------------------------------------
phase "podman-compose down -v"
start=$(now)
# The exit codes, read before down removes the containers: stop them as down does.
compose stop || fail "podman-compose stop failed"
for service in "${services[@]}"; do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$(container "$service")" 2>/dev/null || echo gone)
  [ "$code" = 0 ] && pass "$service exited 0 on SIGTERM" || fail "$service exited $code"
done
compose down -v || fail "podman-compose down -v failed"
left=$(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}')
volumes=$(podman volume ls --filter "label=io.podman.compose.project=$project" --format '{{.Name}}')
if [ -z "$left$volumes" ]; then
  pass "down -v left no container and no volume of the project ($(since "$start") s)"
else
  fail "left behind: $left $volumes"
fi

# --- 6. the studio profile ---------------------------------------------------------------------
phase "podman-compose up -d yoga-studio (profile studio: everything on one port)"
start=$(now)
compose up -d yoga-studio || { tail -n 40 "$work/compose.log"; die "podman-compose up yoga-studio failed"; }
took=$(wait_healthy yoga-studio 90) || die "yoga-studio did not become healthy"
pass "yoga-studio alone, healthy in $(since "$start") s"
check_hardening yoga-studio
studio=127.0.0.1:${port[yoga-studio]}
if out=$(timeout 20 "$guide" --server="$studio" presets 2>&1) && grep -q '^runners-lower-back-four ' <<<"$out"; then
  pass "yoga-guide presets from yoga-studio"
else
  fail "yoga-guide presets from yoga-studio:"; echo "$out" | tail -n 5
fi
if out=$(timeout 60 "$guide" --server="$studio" render --preset=runners-lower-back-four \
    --out="$work/studio.wav" 2>&1) && grep -q '^wrote ' <<<"$out"; then
  pass "yoga-guide render through yoga-studio: $(grep '^wrote ' <<<"$out" | cut -c1-120)"
else
  fail "yoga-guide render through yoga-studio:"; echo "$out" | tail -n 10
fi
compose stop || fail "podman-compose stop failed"
code=$(podman inspect --format '{{.State.ExitCode}}' "$(container yoga-studio)" 2>/dev/null || echo gone)
[ "$code" = 0 ] && pass "yoga-studio exited 0 on SIGTERM" || fail "yoga-studio exited $code"
compose down -v || fail "podman-compose down -v failed"
left=$(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}')
[ -z "$left" ] && pass "down -v left no container" || fail "left behind: $left"

# --- 7. the postgres profile --------------------------------------------------------------------
phase "the postgres profile on $postgres_image (PostgreSQL from Debian's packages)"
if ! podman image exists "$postgres_image"; then
  start=$(now)
  timeout 900 nice podman build --format docker --layers --build-arg "BASE_IMAGE=$base_image" \
    -t "$postgres_image" deploy/postgres >"$work/postgres-build.log" 2>&1 ||
    { tail -n 30 "$work/postgres-build.log"; die "podman build of deploy/postgres/Containerfile failed"; }
  echo "postgres image build: $(since "$start") s"
fi
pg_services=(yoga-catalog postgres yoga-planner-pg yoga-session-pg)
start=$(now)
compose up -d "${pg_services[@]}" || { tail -n 40 "$work/compose.log"; die "podman-compose up of the postgres profile failed"; }
# The servers may exit once while PostgreSQL creates its database (podman-compose does not wait
# for its health check); compose's restart policy starts them again.
for service in postgres yoga-planner-pg yoga-session-pg; do
  took=$(wait_healthy_restarting "$service" 120) || die "$service did not become healthy"
  pass "$service healthy"
done
echo "postgres profile up to all healthy: $(since "$start") s"
check_hardening postgres 999
check_hardening yoga-planner-pg
check_hardening yoga-session-pg
password=$(cat "$work/secrets/db_password")
problems=()
for service in "${pg_services[@]}"; do
  name=$(container "$service")
  podman inspect "$name" | grep -qF -- "$password" && problems+=("$service: in podman's configuration")
  for proc in cmdline environ; do
    podman exec "$name" cat "/proc/1/$proc" 2>/dev/null | tr '\0' '\n' | grep -qF -- "$password" &&
      problems+=("$service: in /proc/1/$proc")
  done
done
if ((${#problems[@]} == 0)); then
  pass "the database password is in no container's arguments, environment or podman configuration"
else
  fail "the database password leaks: ${problems[*]}"
fi
if out=$(timeout 60 "$guide" --server="127.0.0.1:${port[yoga-session]}" render \
    --preset=low-back-tight-hips-short --out="$work/pg.wav" 2>&1) && grep -q '^wrote ' <<<"$out"; then
  pass "yoga-guide render through yoga-session-pg (routine and session in PostgreSQL)"
else
  fail "yoga-guide render through yoga-session-pg:"; echo "$out" | tail -n 10
fi
out=$(session_call StartSession '{"compose": {"preset_id": "runners-lower-back-four"}}')
session_id=$(sed -n 's/^  "id": "\([^"]*\)".*/\1/p' <<<"$out" | head -n 1)
if [ -n "$session_id" ]; then
  compose restart yoga-session-pg || fail "podman-compose restart yoga-session-pg failed"
  wait_healthy yoga-session-pg 60 >/dev/null || die "yoga-session-pg did not come back healthy"
  out=$(session_call GetSession "{\"id\": \"$session_id\"}")
  if grep -q "\"id\": \"$session_id\"" <<<"$out" && grep -q SESSION_STATE_RUNNING <<<"$out"; then
    pass "yoga-session-pg restarted mid-session: session $session_id still running (from PostgreSQL)"
  else
    fail "GetSession after restarting yoga-session-pg:"; head -n 20 <<<"$out"
  fi
else
  fail "StartSession on yoga-session-pg: $(head -n 20 <<<"$out")"
fi
compose stop || fail "podman-compose stop failed"
for service in "${pg_services[@]}"; do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$(container "$service")" 2>/dev/null || echo gone)
  [ "$code" = 0 ] && pass "$service exited 0 when stopped" || fail "$service exited $code"
done
compose down -v || fail "podman-compose down -v failed"
left=$(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}')
volumes=$(podman volume ls --filter "label=io.podman.compose.project=$project" --format '{{.Name}}')
[ -z "$left$volumes" ] && pass "down -v left no container and no volume" || fail "left behind: $left $volumes"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
