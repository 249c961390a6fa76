#!/usr/bin/env bash
# deploy/compose.yaml validates offline with Debian's docker-compose (`config -q`), and what it
# resolves to is the deployment deploy/README.md describes: the split services by default, the
# all-in-one yoga-studio in profile "studio", one image, health checks through each program's
# own --health_check on its own port, start order by health, read-only root, uid 10001, the
# data volume, restart policy. Copies broken on purpose must fail validation.
#   tests/deploy/compose_config_test.sh [REPO_ROOT]
# Prints "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
compose_file=$root/deploy/compose.yaml
containerfile=$root/deploy/Containerfile

command -v docker-compose >/dev/null || { echo "docker-compose is not installed (./dev installs it)" >&2; exit 1; }
[ -f "$compose_file" ] || { echo "no $compose_file" >&2; exit 1; }

# Nothing from the caller's environment may change what the file resolves to.
unset YOGA_IMAGE YOGA_PUBLISH_ADDR COMPOSE_FILE COMPOSE_PROFILES COMPOSE_PROJECT_NAME DOCKER_HOST

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

compose() { docker-compose --ansi never -f "$@" 2>&1; }
python=/usr/bin/python3  # Debian's, with python3-yaml (a docker-compose dependency)

# 1. The file as committed validates.
if out=$(compose "$compose_file" config -q); then
  pass "docker-compose config -q accepts deploy/compose.yaml"
else
  fail "docker-compose config -q rejects deploy/compose.yaml:"; echo "$out"
fi

# 2. What it resolves to.
if docker-compose --ansi never -f "$compose_file" config >"$work/resolved.yaml" 2>"$work/config.err"; then
  if "$python" - "$work/resolved.yaml" "$containerfile" <<'PY'; then
import re
import sys

import yaml

resolved = yaml.safe_load(open(sys.argv[1]))
containerfile = open(sys.argv[2]).read()
services = resolved.get("services", {})
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def flag(argv, name):
    """The value of --name=VALUE in an argv list, or None."""
    for arg in argv or []:
        if arg.startswith("--" + name + "="):
            return arg.split("=", 1)[1]
    return None


expected = {
    # service: (program, port, profiles)
    "yoga-catalog": ("yoga-catalog", 50052, []),
    "yoga-planner": ("yoga-planner", 50053, []),
    "yoga-session": ("yoga-session", 50054, []),
    "yoga-studio": ("yoga-studio", 50051, ["studio"]),
}
check(sorted(services) == sorted(expected), f"services are {sorted(services)}, want {sorted(expected)}")

exposed = {int(p) for line in re.findall(r"^EXPOSE (.*)$", containerfile, re.M) for p in line.split()}
images = set()
for name, (program, port, profiles) in expected.items():
    svc = services.get(name)
    if svc is None:
        continue
    images.add(svc.get("image"))
    command = svc.get("command") or []
    check(command[:1] == [program], f"{name}: command runs {command[:1]}, want {program}")
    check(flag(command, "listen") == f"0.0.0.0:{port}", f"{name}: --listen={flag(command, 'listen')}, want 0.0.0.0:{port}")
    check((svc.get("profiles") or []) == profiles, f"{name}: profiles {svc.get('profiles')}, want {profiles}")
    check(port in exposed, f"{name}: port {port} is not EXPOSEd in deploy/Containerfile")
    published = [p for p in svc.get("ports", []) if str(p).split(":")[-1].split("/")[0] == str(port)]
    check(len(published) == 1 and str(published[0]).split(":")[-2] == str(port),
          f"{name}: ports {svc.get('ports')} do not publish {port} as {port}")
    test = (svc.get("healthcheck") or {}).get("test") or []
    check(test[:3] == ["CMD", program, "--health_check"],
          f"{name}: healthcheck {test}, want [CMD, {program}, --health_check, ...]")
    check(flag(test, "listen") == f"127.0.0.1:{port}", f"{name}: health check probes {flag(test, 'listen')}, want 127.0.0.1:{port}")
    check(svc.get("read_only") is True, f"{name}: read_only is {svc.get('read_only')}")
    check(str(svc.get("user")) == "10001:10001", f"{name}: user is {svc.get('user')}, want 10001:10001")
    check(svc.get("restart") == "unless-stopped", f"{name}: restart is {svc.get('restart')}")
    check("yoga-data:/var/lib/yoga:rw" in (svc.get("volumes") or []),
          f"{name}: volumes {svc.get('volumes')} lack yoga-data at /var/lib/yoga")
    for dir_flag in ("catalog_dir", "presets_dir", "voice_dir"):
        value = flag(command, dir_flag)
        check(value is None or value.startswith("/usr/share/yoga/"),
              f"{name}: --{dir_flag}={value} is not in the image's /usr/share/yoga")

check(len(images) == 1, f"services use several images: {images}")
check("yoga-data" in (resolved.get("volumes") or {}), "no named volume yoga-data")


def deps(name):
    return {dep: cond.get("condition") for dep, cond in (services.get(name, {}).get("depends_on") or {}).items()}


check(deps("yoga-catalog") == {}, f"yoga-catalog depends on {deps('yoga-catalog')}")
check(deps("yoga-planner") == {"yoga-catalog": "service_healthy"},
      f"yoga-planner depends on {deps('yoga-planner')}, want the catalog healthy")
check(deps("yoga-session") == {"yoga-catalog": "service_healthy", "yoga-planner": "service_healthy"},
      f"yoga-session depends on {deps('yoga-session')}, want the catalog and planner healthy")
check(deps("yoga-studio") == {}, f"yoga-studio depends on {deps('yoga-studio')}")
# The split services find each other by service name, on the ports they listen on.
planner_cmd = services.get("yoga-planner", {}).get("command")
session_cmd = services.get("yoga-session", {}).get("command")
check(flag(planner_cmd, "catalog") == "yoga-catalog:50052", f"yoga-planner --catalog={flag(planner_cmd, 'catalog')}")
check(flag(session_cmd, "catalog") == "yoga-catalog:50052", f"yoga-session --catalog={flag(session_cmd, 'catalog')}")
check(flag(session_cmd, "planner") == "yoga-planner:50053", f"yoga-session --planner={flag(session_cmd, 'planner')}")

for problem in problems:
    print("  " + problem)
sys.exit(1 if problems else 0)
PY
    pass "the resolved services, profiles, health checks, ports, volume and start order are as documented"
  else
    fail "the resolved file differs from the documented deployment (above)"
  fi
else
  fail "docker-compose config failed:"; cat "$work/config.err"
fi

# 3. Profiles: the split services are the default; naming the studio profile adds yoga-studio.
if out=$(compose "$compose_file" --profile studio config -q); then
  pass "docker-compose --profile studio config -q"
else
  fail "--profile studio does not validate:"; echo "$out"
fi

# 4. Broken copies fail validation: each edit is one mistake someone could make. A copy sits
#    in a deploy/ folder of its own, so `context: ..` resolves to an existing folder.
mkdir -p "$work/deploy"
broken() {  # broken DESCRIPTION PYTHON_EXPRESSION_ON_TEXT
  local description=$1 edit=$2 copy
  copy=$(mktemp "$work/deploy/compose-broken.XXXXXX.yaml")
  "$python" -c 'import sys; text = open(sys.argv[1]).read(); edited = eval(sys.argv[2]); assert edited != text, "edit did not apply"; open(sys.argv[3], "w").write(edited)' \
    "$compose_file" "$edit" "$copy" || { fail "could not make the broken copy: $description"; rm -f "$copy"; return; }
  if out=$(compose "$copy" config -q); then
    fail "a copy with $description still validates"
  else
    pass "a copy with $description is rejected: $(echo "$out" | tail -n 1)"
  fi
  rm -f "$copy"
}
broken "a misspelt depends_on condition" \
  'text.replace("condition: service_healthy", "condition: service_healty", 1)'
broken "a dependency on a service that does not exist" \
  'text.replace("yoga-planner:\n        condition", "yoga-plannr:\n        condition", 1)'
broken "read_only that is not a boolean" \
  'text.replace("read_only: true", "read_only: sometimes", 1)'
broken "an unknown service key" \
  'text.replace("restart: unless-stopped", "restart: unless-stopped\n  restrat: always", 1)'
broken "a volume that is not declared" \
  'text.replace("- yoga-data:/var/lib/yoga", "- yoga-dta:/var/lib/yoga", 1)'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
