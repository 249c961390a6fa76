#!/usr/bin/env bash
# deploy/compose.yaml validates offline with Debian's docker-compose (`config -q`), and what it
# resolves to is the deployment deploy/README.md describes: the split services by default, the
# all-in-one yoga-studio in profile "studio", one image, health checks through each program's
# own --health_check on its own port, start order by health, read-only root, uid 10001, the
# data volume, restart policy; where the data lives (SQLite in /var/lib/yoga by default, the
# profile "postgres" with its PostgreSQL container, its password only in compose secrets made by
# deploy/make-secrets.sh). Copies broken on purpose must fail validation, or fail these checks.
# (tests/deploy/hardening_test.py checks capabilities, limits, image tags and secrets in depth.)
#   tests/deploy/compose_config_test.sh [REPO_ROOT]
# Prints "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
compose_file=$root/deploy/compose.yaml
containerfile=$root/deploy/Containerfile

command -v docker-compose >/dev/null || { echo "docker-compose is not installed (./dev installs it)" >&2; exit 1; }
[ -f "$compose_file" ] || { echo "no $compose_file" >&2; exit 1; }

# Nothing from the caller's environment may change what the file resolves to.
# docker-compose also reads the .env beside the file (an operator's deploy/.env): every call
# here gets an empty env file instead.
unset YOGA_IMAGE YOGA_PUBLISH_ADDR YOGA_SECRETS_DIR YOGA_DB_PASSWORD COMPOSE_FILE COMPOSE_PROFILES \
  COMPOSE_PROJECT_NAME DOCKER_HOST

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/empty.env"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

compose() { docker-compose --ansi never --env-file "$work/empty.env" -f "$@" 2>&1; }
python=/usr/bin/python3  # Debian's, with python3-yaml (a docker-compose dependency)

# 1. The file as committed validates, with no secret files made: the default services and the
#    studio profile need none.
if out=$(compose "$compose_file" config -q); then
  pass "docker-compose config -q accepts deploy/compose.yaml (no secrets made)"
else
  fail "docker-compose config -q rejects deploy/compose.yaml:"; echo "$out"
fi

# 2. What it resolves to, with the secrets made as an operator makes them. check.py reads a
#    resolved file (`docker-compose config`) and prints what differs from the documented
#    deployment; it is also run on broken copies below, which it must refuse.
"$root/deploy/make-secrets.sh" "$work/secrets" 2>/dev/null
export YOGA_SECRETS_DIR=$work/secrets
password=$(cat "$work/secrets/db_password")
cat >"$work/check.py" <<'PY'
import re
import sys
import urllib.parse

import yaml

resolved = yaml.safe_load(open(sys.argv[1]))
containerfile = open(sys.argv[2]).read()
password = sys.argv[3]  # the secret db_password when the file was resolved
secrets_dir = sys.argv[4]  # YOGA_SECRETS_DIR when the file was resolved
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


DATA_DIR = "/var/lib/yoga"  # the image's VOLUME, the named volume yoga-data
expected = {
    # service: (program, port, profiles, database): database "sqlite" = the default SQLite file
    # in --data_dir, "postgres" = the postgres service, None = no database (the catalog).
    "yoga-catalog": ("yoga-catalog", 50052, [], None),
    "yoga-planner": ("yoga-planner", 50053, [], "sqlite"),
    "yoga-session": ("yoga-session", 50054, [], "sqlite"),
    "yoga-studio": ("yoga-studio", 50051, ["studio"], "sqlite"),
    "yoga-planner-pg": ("yoga-planner", 50053, ["postgres"], "postgres"),
    "yoga-session-pg": ("yoga-session", 50054, ["postgres"], "postgres"),
}
check(sorted(services) == sorted([*expected, "postgres"]),
      f"services are {sorted(services)}, want {sorted([*expected, 'postgres'])}")

exposed = {int(p) for line in re.findall(r"^EXPOSE (.*)$", containerfile, re.M) for p in line.split()}
check(re.search(r'^VOLUME \["' + DATA_DIR + r'"\]$', containerfile, re.M) is not None,
      f"deploy/Containerfile does not declare VOLUME [\"{DATA_DIR}\"]")
cmd = re.search(r"^CMD (\[.*?\])$", containerfile, re.M | re.S)
check(cmd is not None and f'"--data_dir={DATA_DIR}"' in cmd.group(1),
      f"the image's CMD (yoga-studio) does not pass --data_dir={DATA_DIR}")
images = set()
for name, (program, port, profiles, database) in expected.items():
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
    check(f"yoga-data:{DATA_DIR}:rw" in (svc.get("volumes") or []),
          f"{name}: volumes {svc.get('volumes')} lack yoga-data at {DATA_DIR}")
    for dir_flag in ("catalog_dir", "presets_dir", "voice_dir"):
        value = flag(command, dir_flag)
        check(value is None or value.startswith("/usr/share/yoga/"),
              f"{name}: --{dir_flag}={value} is not in the image's /usr/share/yoga")

    # Where its data lives.
    data_dir, url = flag(command, "data_dir"), flag(command, "database")
    if database is None:
        check(data_dir is None and url is None, f"{name}: --data_dir={data_dir} --database={url}: the catalog has no database")
    elif database == "sqlite":
        # One file for the planner, the session service and yoga-studio: the volume's
        # yoga.db (compose.yaml says why they share it).
        check(data_dir == DATA_DIR, f"{name}: --data_dir={data_dir}, want {DATA_DIR} (yoga.db at the top of the volume yoga-data)")
        check(url is None, f"{name}: --database={url}, want the default (SQLite in --data_dir)")
    else:
        # The URL, password included, is the compose secret database_url, read with
        # --database_file: in no command line (`ps`) and no environment variable.
        secret_file = ((resolved.get("secrets") or {}).get("database_url") or {}).get("file")
        url_file = flag(command, "database_file")
        check(url is None, f"{name}: --database={url}: the URL belongs in the secret database_url (--database_file)")
        check(url_file == "/run/secrets/database_url", f"{name}: --database_file={url_file}, want /run/secrets/database_url")
        check("database_url" in [str(x.get("source") if isinstance(x, dict) else x) for x in svc.get("secrets") or []],
              f"{name}: secrets {svc.get('secrets')} lack database_url")
        check(secret_file == f"{secrets_dir}/database_url", f"secret database_url: file {secret_file}, want {secrets_dir}/database_url")
        written = open(f"{secrets_dir}/database_url").read().strip() if secret_file else ""
        parsed = urllib.parse.urlsplit(written)
        env = (services.get("postgres") or {}).get("environment") or {}
        check(parsed.scheme in ("postgresql", "postgres"), f"{name}: the secret database_url is not a postgresql:// URL")
        check(parsed.hostname == "postgres" and parsed.port == 5432,
              f"{name}: the secret database_url names {parsed.hostname}:{parsed.port}, want the postgres service at postgres:5432")
        check(parsed.username == env.get("POSTGRES_USER") and parsed.path == "/" + str(env.get("POSTGRES_DB")),
              f"{name}: the secret database_url: user {parsed.username} database {parsed.path}, want postgres's POSTGRES_USER and /POSTGRES_DB")
        check(parsed.password == password, f"{name}: the secret database_url does not carry the secret db_password")
        check("PGPASSWORD" not in (svc.get("environment") or {}), f"{name}: PGPASSWORD in its environment: the password is in database_url")
        check(data_dir is None, f"{name}: --data_dir={data_dir} beside the database (unused: the data is in PostgreSQL)")

check(len(images) == 1, f"services use several images: {images}")
for volume in ("yoga-data", "yoga-postgres"):
    check(volume in (resolved.get("volumes") or {}), f"no named volume {volume}")

# The PostgreSQL container: only in its profile, healthy when it accepts TCP connections, its
# data on a volume of its own, its port not published, its password from the secret db_password.
pg = services.get("postgres") or {}
check((pg.get("profiles") or []) == ["postgres"], f"postgres: profiles {pg.get('profiles')}, want [postgres] (the default services use SQLite)")
# The PostgreSQL image is made here from Debian's packages (deploy/postgres/Containerfile): no
# registry needed, as for the yoga image.
check(re.fullmatch(r"localhost/yoga-postgres:\d+\.\d+\.\d+", str(pg.get("image"))) is not None,
      f"postgres: image {pg.get('image')}, want localhost/yoga-postgres:VERSION (deploy/postgres/Containerfile)")
build = pg.get("build") or {}
check(str(build.get("context", "")).endswith("/deploy/postgres") and build.get("dockerfile") == "Containerfile",
      f"postgres: build {build}, want deploy/postgres/Containerfile")
pg_test = (pg.get("healthcheck") or {}).get("test") or []
check(pg_test[:2] == ["CMD", "pg_isready"], f"postgres: healthcheck {pg_test}, want [CMD, pg_isready, ...]")
check(flag(pg_test, "host") == "127.0.0.1",
      f"postgres: pg_isready --host={flag(pg_test, 'host')}, want 127.0.0.1 (the socket answers while the database is still being created)")
check("yoga-postgres:/var/lib/postgresql/data:rw" in (pg.get("volumes") or []),
      f"postgres: volumes {pg.get('volumes')} lack yoga-postgres at /var/lib/postgresql/data")
check(not pg.get("ports"), f"postgres: ports {pg.get('ports')} are published (only this network's containers need it)")
check(pg.get("restart") == "unless-stopped", f"postgres: restart is {pg.get('restart')}")
env = pg.get("environment") or {}
check(env.get("POSTGRES_USER") and env.get("POSTGRES_DB"), f"postgres: POSTGRES_USER/POSTGRES_DB unset: {env}")
check("POSTGRES_PASSWORD" not in env and env.get("POSTGRES_PASSWORD_FILE") == "/run/secrets/db_password",
      f"postgres: the password does not come from POSTGRES_PASSWORD_FILE=/run/secrets/db_password (the file must carry none)")
check("db_password" in [str(x.get("source") if isinstance(x, dict) else x) for x in pg.get("secrets") or []],
      f"postgres: secrets {pg.get('secrets')} lack db_password")
check(((resolved.get("secrets") or {}).get("db_password") or {}).get("file") == f"{secrets_dir}/db_password",
      f"secret db_password is not the file {secrets_dir}/db_password")


def deps(name):
    return {dep: cond.get("condition") for dep, cond in (services.get(name, {}).get("depends_on") or {}).items()}


healthy = "service_healthy"
want_deps = {
    "yoga-catalog": {},
    "yoga-planner": {"yoga-catalog": healthy},
    "yoga-session": {"yoga-catalog": healthy, "yoga-planner": healthy},
    "yoga-studio": {},
    "postgres": {},
    "yoga-planner-pg": {"yoga-catalog": healthy, "postgres": healthy},
    "yoga-session-pg": {"yoga-catalog": healthy, "yoga-planner-pg": healthy, "postgres": healthy},
}
for name, want in want_deps.items():
    check(deps(name) == want, f"{name} depends on {deps(name)}, want {want}")
# The split services find each other by service name, on the ports they listen on.
cmd_of = lambda name: services.get(name, {}).get("command")
for name, peer, want in [
    ("yoga-planner", "catalog", "yoga-catalog:50052"),
    ("yoga-session", "catalog", "yoga-catalog:50052"),
    ("yoga-session", "planner", "yoga-planner:50053"),
    ("yoga-planner-pg", "catalog", "yoga-catalog:50052"),
    ("yoga-session-pg", "catalog", "yoga-catalog:50052"),
    ("yoga-session-pg", "planner", "yoga-planner-pg:50053"),
]:
    check(flag(cmd_of(name), peer) == want, f"{name} --{peer}={flag(cmd_of(name), peer)}, want {want}")

for problem in problems:
    print("  " + problem)
sys.exit(1 if problems else 0)
PY

if docker-compose --ansi never --env-file "$work/empty.env" \
    -f "$compose_file" config >"$work/resolved.yaml" 2>"$work/config.err"; then
  if "$python" "$work/check.py" "$work/resolved.yaml" "$containerfile" "$password" "$work/secrets"; then
    pass "the resolved services, profiles, health checks, ports, volumes, databases and start order are as documented"
  else
    fail "the resolved file differs from the documented deployment (above)"
  fi
else
  fail "docker-compose config failed:"; cat "$work/config.err"
fi
# The secrets stay files: nothing of them is inlined into what compose resolves.
if grep -qF -- "$password" "$work/resolved.yaml"; then
  fail "the resolved file holds the database password"
else
  pass "the resolved file holds no database password (it stays in the secret files)"
fi

# 3. Profiles: the split services are the default; naming the studio profile adds yoga-studio,
#    the postgres profile the PostgreSQL container and the servers that use it.
if out=$(compose "$compose_file" --profile studio config -q); then
  pass "docker-compose --profile studio config -q"
else
  fail "--profile studio does not validate:"; echo "$out"
fi
if out=$(compose "$compose_file" --profile postgres config -q); then
  pass "docker-compose --profile postgres config -q"
else
  fail "--profile postgres does not validate:"; echo "$out"
fi

# 4. Broken copies fail validation: each edit is one mistake someone could make. A copy sits
#    in a deploy/ folder of its own, so `context: ..` resolves to an existing folder.
mkdir -p "$work/deploy/postgres"  # the postgres service's build context must exist
edited_copy() {  # edited_copy PYTHON_EXPRESSION_ON_TEXT: prints the copy's path
  local copy
  copy=$(mktemp "$work/deploy/compose-broken.XXXXXX.yaml")
  "$python" -c 'import sys; text = open(sys.argv[1]).read(); edited = eval(sys.argv[2]); assert edited != text, "edit did not apply"; open(sys.argv[3], "w").write(edited)' \
    "$compose_file" "$1" "$copy" >&2 || { rm -f "$copy"; return 1; }
  echo "$copy"
}
broken() {  # broken DESCRIPTION PYTHON_EXPRESSION_ON_TEXT
  local description=$1 copy
  copy=$(edited_copy "$2") || { fail "could not make the broken copy: $description"; return; }
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
broken "a postgres volume that is not declared" \
  'text.replace("- yoga-postgres:/var/lib/postgresql/data", "- yoga-postgress:/var/lib/postgresql/data", 1)'

# 5. Copies that validate but are not the documented deployment: check.py must refuse each,
#    with the expected complaint (the checks of the checks).
misconfigured() {  # misconfigured DESCRIPTION PYTHON_EXPRESSION_ON_TEXT EXPECTED_REGEX
  local description=$1 expected=$3 copy
  copy=$(edited_copy "$2") || { fail "could not make the misconfigured copy: $description"; return; }
  if ! compose "$copy" config >"$work/mutant.yaml"; then
    fail "the copy with $description does not even validate (not the mistake meant):"; cat "$work/mutant.yaml"
  elif out=$("$python" "$work/check.py" "$work/mutant.yaml" "$containerfile" "$password" "$work/secrets"); then
    fail "the checks accept a copy with $description"
  elif grep -Eq -- "$expected" <<<"$out"; then
    pass "the checks refuse a copy with $description:$(grep -E -m1 -- "$expected" <<<"$out")"
  else
    fail "the checks refuse a copy with $description, but not as expected ($expected):"; echo "$out"
  fi
  rm -f "$copy"
}
misconfigured "the postgres profile's planner without the database URL file" \
  'text.replace("      - --database_file=/run/secrets/database_url", "      - --x=/run/secrets/database_url", 1)' \
  'yoga-planner-pg: --database_file=None'
misconfigured "the postgres profile's session service not waiting for postgres to be healthy" \
  'text[::-1].replace("postgres:\n        condition: service_healthy"[::-1], "postgres:\n        condition: service_started"[::-1], 1)[::-1]' \
  "yoga-session-pg depends on .*'postgres': 'service_started'"
misconfigured "the postgres container outside its profile (started by default)" \
  'text.replace("    profiles: [\"postgres\"]\n    # The image", "    # The image", 1)' \
  'postgres: profiles None'
misconfigured "pg_isready probing the Unix socket" \
  'text.replace("\"--host=127.0.0.1\", ", "", 1)' \
  'pg_isready --host=None'
misconfigured "a password written into the file" \
  'text.replace("POSTGRES_PASSWORD_FILE: /run/secrets/db_password", "POSTGRES_PASSWORD: changeme", 1)' \
  'postgres: the password does not come from POSTGRES_PASSWORD_FILE'
misconfigured "the URL with its password on the planner's command line" \
  'text.replace("      - --database_file=/run/secrets/database_url", "      - --database=postgresql://yoga:pw@postgres:5432/yoga", 1)' \
  'yoga-planner-pg: --database=postgresql://yoga:pw@postgres:5432/yoga: the URL belongs in the secret'
misconfigured "the session service without its secret" \
  'text[::-1].replace("    secrets:\n      - database_url\n"[::-1], "", 1)[::-1]' \
  'yoga-session-pg: secrets None lack database_url'
misconfigured "the password back in PGPASSWORD" \
  'text.replace("    secrets:\n      - database_url\n", "    secrets:\n      - database_url\n    environment:\n      PGPASSWORD: pw\n", 1)' \
  'yoga-planner-pg: PGPASSWORD in its environment'
misconfigured "the session service without --data_dir" \
  'text.replace("--max_sessions=3000\n      - --data_dir=/var/lib/yoga\n", "--max_sessions=3000\n", 1)' \
  'yoga-session: --data_dir=None'
misconfigured "the planner in a database file of its own" \
  'text.replace("--data_dir=/var/lib/yoga\n", "--data_dir=/var/lib/yoga/planner\n", 1)' \
  'yoga-planner: --data_dir=/var/lib/yoga/planner'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
