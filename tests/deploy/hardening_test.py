#!/usr/bin/python3
"""Secrets and hardening of every deployment the repository ships, as rendered.

Renders deploy/k8s and deploy/k8s/example (`kubectl kustomize`) and deploy/compose.yaml in each
profile (`docker-compose config`, with the profile "postgres" secrets made by
deploy/make-secrets.sh and a planted YOGA_DB_PASSWORD), then checks:

  secrets   no container argument, command or env value carries a known secret (every value
            of the example Secrets, the compose secret files, the planted password), a URL with
            user info, or a password= parameter; no $(VAR) in an argument expands a Secret; no
            env var reads a Secret (files only: env ends up in /proc/PID/environ, crash reports
            and child processes); compose secrets are files.
  hardening every Kubernetes container: non-root, read-only root, no privilege escalation,
            capabilities drop ALL, seccomp RuntimeDefault, CPU and memory requests and limits;
            every compose service: cap_drop ALL, no-new-privileges, read-only, a non-root user,
            memory, CPU and pid limits.
  network   every namespace has a default-deny NetworkPolicy (ingress and egress); every
            workload has its own policy of both types; no rule allows everything; every allowed
            ingress port is one of the selected pods' ports.
  images    every image has a pinned tag (MAJOR.MINOR..., never "latest") or a digest.
  hosts     no file of the repository (git ls-files) names a package host.
  programs  with --bin_dir: yoga-planner given a --database_file whose URL holds a password
            fails to reach the database, naming the file, and never shows the password.

Usage: hardening_test.py [--root=REPO] [--bin_dir=DIR]
Prints one line per check and "N passed, M failed"; exits 1 on a failure, 77 when kubectl or
docker-compose is missing.
"""
import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

parser = argparse.ArgumentParser()
parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
parser.add_argument("--bin_dir", default="")
args = parser.parse_args()
root = os.path.abspath(args.root)

for tool in ("kubectl", "docker-compose", "git"):
    if shutil.which(tool) is None:
        print(f"SKIP: {tool} is not installed")
        sys.exit(77)

passed = failed = 0


def check(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for problem in problems[:40]:
            print(f"       {problem}")
        if len(problems) > 40:
            print(f"       ... and {len(problems) - 40} more")
    else:
        passed += 1
        print(f"ok   {name}")


work = tempfile.mkdtemp(prefix="hardening-")
PLANTED_PASSWORD = "planted-Db-Passw0rd-4711"

# --------------------------------------------------------------------------------------------
# Rendering

def kustomize(tree):
    out = subprocess.run(["kubectl", "kustomize", os.path.join(root, tree)], capture_output=True, text=True)
    if out.returncode != 0:
        check(f"kubectl kustomize {tree}", [out.stderr.strip()])
        return []
    return [o for o in yaml.safe_load_all(out.stdout) if o]


secrets_dir = os.path.join(work, "secrets")
make_secrets = os.path.join(root, "deploy", "make-secrets.sh")
if os.path.exists(make_secrets):
    subprocess.run([make_secrets, secrets_dir], check=True, capture_output=True)
compose_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("YOGA_", "COMPOSE_")) and k != "DOCKER_HOST"}
compose_env.update(YOGA_SECRETS_DIR=secrets_dir, YOGA_DB_PASSWORD=PLANTED_PASSWORD)
empty_env = os.path.join(work, "empty.env")
open(empty_env, "w").close()


def compose(*profiles):
    command = ["docker-compose", "--ansi", "never", "--env-file", empty_env,
               "-f", os.path.join(root, "deploy", "compose.yaml")]
    for profile in profiles:
        command += ["--profile", profile]
    out = subprocess.run(command + ["config"], capture_output=True, text=True, env=compose_env)
    if out.returncode != 0:
        check(f"docker-compose config (profiles {profiles})", [out.stderr.strip()])
        return {}
    return yaml.safe_load(out.stdout) or {}


trees = {tree: kustomize(tree) for tree in ("deploy/k8s", "deploy/k8s/example")}
# Every profile at once: each service appears in the rendering of its profile.
compose_file = compose("studio", "postgres")

# --------------------------------------------------------------------------------------------
# Known secrets

known_secrets = {PLANTED_PASSWORD}
for objects in trees.values():
    for o in objects:
        if o.get("kind") == "Secret":
            for key, value in (o.get("data") or {}).items():
                text = base64.b64decode(value).decode("utf-8", "replace")
                known_secrets.add(text.strip())
                # A URL's password is a secret of its own.
                m = re.match(r"^[a-z][a-z0-9+.-]*://[^:/@]*:([^@]+)@", text.strip())
                if m:
                    known_secrets.add(m.group(1))
            for key, value in (o.get("stringData") or {}).items():
                known_secrets.add(str(value).strip())
if os.path.isdir(secrets_dir):
    for name in os.listdir(secrets_dir):
        known_secrets.add(open(os.path.join(secrets_dir, name)).read().strip())
# Short values (a port, "true") would match anything.
known_secrets = {s for s in known_secrets if len(s) >= 8}

USER_INFO_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s@?#]+@")
PASSWORD_PARAMETER = re.compile(r"(^|[?&\s;])(ssl)?password\s*=", re.IGNORECASE)


def secret_problems(where, text):
    text = str(text)
    problems = []
    for secret in known_secrets:
        if secret in text:
            problems.append(f"{where} carries a secret ({secret[:4]}...)")
    if USER_INFO_URL.search(text):
        problems.append(f"{where} holds a URL with user info: {USER_INFO_URL.search(text).group(0)[:40]}...")
    if PASSWORD_PARAMETER.search(text):
        problems.append(f"{where} holds a password= parameter")
    return problems


# --------------------------------------------------------------------------------------------
# Kubernetes

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


def pod_spec(o):
    if o["kind"] == "Pod":
        return o.get("spec") or {}
    if o["kind"] == "CronJob":
        return o["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return o["spec"]["template"]["spec"]


def pod_labels(o):
    if o["kind"] == "Pod":
        return (o.get("metadata") or {}).get("labels") or {}
    if o["kind"] == "CronJob":
        return o["spec"]["jobTemplate"]["spec"]["template"]["metadata"].get("labels") or {}
    return o["spec"]["template"]["metadata"].get("labels") or {}


def containers_of(pod):
    return [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]


def selects(selector, labels):
    """Whether a LabelSelector selects a pod with these labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def image_problem(image):
    image = str(image or "")
    if "@sha256:" in image:
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return f"image {image!r} has no tag"
    if tag == "latest":
        return f"image {image!r} is tagged latest"
    if not re.search(r"\d+\.\d+", tag):
        return f"image {image!r}: tag {tag!r} is not a pinned MAJOR.MINOR version"
    return None


def effective(pod, container, field):
    c = container.get("securityContext") or {}
    p = pod.get("securityContext") or {}
    return c[field] if field in c else p.get(field)


for tree, objects in trees.items():
    workloads = [o for o in objects if o.get("kind") in WORKLOADS]
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    secret_names = {o["metadata"]["name"] for o in objects if o.get("kind") == "Secret"}

    problems = []
    for w in workloads:
        pod = pod_spec(w)
        for c in containers_of(pod):
            where = f"{w['kind']}/{w['metadata']['name']} container {c['name']}"
            env = {e["name"]: e for e in c.get("env") or []}
            secret_env = {name for name, e in env.items() if ((e.get("valueFrom") or {}).get("secretKeyRef"))}
            for name in sorted(secret_env):
                problems.append(f"{where}: env {name} reads a Secret (mount it as a file instead)")
            for source in c.get("envFrom") or []:
                if source.get("secretRef"):
                    problems.append(f"{where}: envFrom the Secret {source['secretRef'].get('name')}")
            for i, arg in enumerate([*(c.get("command") or []), *(c.get("args") or [])]):
                problems += secret_problems(f"{where} argument {arg[:60]!r}", arg)
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg.replace("$$", "")):
                    if var in secret_env:
                        problems.append(f"{where}: argument {arg!r} expands $({var}), a Secret, into the command line")
            for name, e in env.items():
                if "value" in e:
                    problems += secret_problems(f"{where} env {name}", e["value"])
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                for arg in ((c.get(probe) or {}).get("exec") or {}).get("command") or []:
                    problems += secret_problems(f"{where} {probe} {arg[:60]!r}", arg)
    check(f"{tree}: no container argument, command or env value carries a secret, a URL with user info or a password=; no Secret through env", problems)

    problems = []
    for w in workloads:
        pod = pod_spec(w)
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(key):
                problems.append(f"{w['kind']}/{w['metadata']['name']}: {key}")
        for c in containers_of(pod):
            where = f"{w['kind']}/{w['metadata']['name']} container {c['name']}"
            sc = c.get("securityContext") or {}
            if effective(pod, c, "runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if effective(pod, c, "runAsUser") == 0:
                problems.append(f"{where}: runs as uid 0")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                problems.append(f"{where}: privileged")
            capabilities = sc.get("capabilities") or {}
            if "ALL" not in (capabilities.get("drop") or []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if capabilities.get("add"):
                problems.append(f"{where}: capabilities add {capabilities['add']}")
            seccomp = effective(pod, c, "seccompProfile") or {}
            if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{where}: seccompProfile {seccomp or None}, want RuntimeDefault")
            resources = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if not (resources.get(kind) or {}).get(resource):
                        problems.append(f"{where}: no {resource} {kind[:-1]}")
            problem = image_problem(c.get("image"))
            if problem:
                problems.append(f"{where}: {problem}")
    check(f"{tree}: every container non-root, read-only root, no privilege escalation, no capabilities, seccomp RuntimeDefault, CPU and memory requests and limits, a pinned image", problems)

    problems = []
    namespaces = {w["metadata"].get("namespace") for w in workloads}
    for namespace in sorted(n or "" for n in namespaces):
        deny = [p for p in policies if p["metadata"].get("namespace") == (namespace or None)
                and not (p["spec"].get("podSelector") or {}).get("matchLabels")
                and not (p["spec"].get("podSelector") or {}).get("matchExpressions")
                and {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes") or [])
                and not p["spec"].get("ingress") and not p["spec"].get("egress")]
        if not deny:
            problems.append(f"namespace {namespace}: no default-deny NetworkPolicy (podSelector {{}}, policyTypes Ingress and Egress, no rules)")
    for w in workloads:
        labels = pod_labels(w)
        own = [p for p in policies if p["metadata"].get("namespace") == w["metadata"].get("namespace")
               and ((p["spec"].get("podSelector") or {}).get("matchLabels") or (p["spec"].get("podSelector") or {}).get("matchExpressions"))
               and selects(p["spec"]["podSelector"], labels)]
        name = f"{w['kind']}/{w['metadata']['name']}"
        if not any({"Ingress", "Egress"} <= set(p["spec"].get("policyTypes") or []) for p in own):
            problems.append(f"{name}: no NetworkPolicy of its own with policyTypes Ingress and Egress")
        ports = set()
        for c in containers_of(pod_spec(w)):
            for port in c.get("ports") or []:
                ports.add(port.get("containerPort"))
                ports.add(port.get("name"))
        for p in own:
            for rule in p["spec"].get("ingress") or []:
                if not rule.get("ports"):
                    problems.append(f"NetworkPolicy/{p['metadata']['name']}: an ingress rule without ports allows every port")
                for port in rule.get("ports") or []:
                    if port.get("port") not in ports:
                        problems.append(f"NetworkPolicy/{p['metadata']['name']}: ingress port {port.get('port')} is no port of {name}")
            for rule in p["spec"].get("egress") or []:
                if not rule.get("ports"):
                    problems.append(f"NetworkPolicy/{p['metadata']['name']}: an egress rule without ports allows every port")
    check(f"{tree}: a default-deny NetworkPolicy, and one of its own (ingress and egress) for every workload with only named ports allowed", problems)

# --------------------------------------------------------------------------------------------
# Compose

services = compose_file.get("services") or {}
problems = []
for name, svc in sorted(services.items()):
    where = f"compose service {name}"
    command = svc.get("command") or []
    for arg in (command if isinstance(command, list) else [command]):
        problems += secret_problems(f"{where} argument {str(arg)[:60]!r}", arg)
    entrypoint = svc.get("entrypoint") or []
    for arg in (entrypoint if isinstance(entrypoint, list) else [entrypoint]):
        problems += secret_problems(f"{where} entrypoint {str(arg)[:60]!r}", arg)
    for arg in (svc.get("healthcheck") or {}).get("test") or []:
        problems += secret_problems(f"{where} healthcheck {str(arg)[:60]!r}", arg)
    environment = svc.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    for key, value in environment.items():
        problems += secret_problems(f"{where} env {key}", value)
        if re.search(r"PASSWORD$|PASSWD$|SECRET$|TOKEN$", key) and value:
            problems.append(f"{where}: env {key} carries a value (give a *_FILE and a compose secret instead)")
for name, secret in sorted((compose_file.get("secrets") or {}).items()):
    if not secret.get("file"):
        problems.append(f"compose secret {name} is not a file ({secret})")
check("deploy/compose.yaml: no argument, health check or env value carries a secret, a URL with user info or a password=; secrets are files", problems)

problems = []
for name, svc in sorted(services.items()):
    where = f"compose service {name}"
    if "ALL" not in (svc.get("cap_drop") or []):
        problems.append(f"{where}: cap_drop lacks ALL")
    if svc.get("cap_add"):
        problems.append(f"{where}: cap_add {svc['cap_add']}")
    if not any(re.fullmatch(r"no-new-privileges(:true)?", str(o)) for o in svc.get("security_opt") or []):
        problems.append(f"{where}: security_opt lacks no-new-privileges:true")
    if svc.get("privileged"):
        problems.append(f"{where}: privileged")
    if svc.get("network_mode") == "host" or svc.get("pid") == "host" or svc.get("ipc") == "host":
        problems.append(f"{where}: shares a host namespace")
    if svc.get("read_only") is not True:
        problems.append(f"{where}: read_only is not true")
    user = str(svc.get("user") or "")
    if not user or user.split(":")[0] in ("0", "root"):
        problems.append(f"{where}: user {user or 'unset (the image decides)'}, want a non-root uid")
    limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    if not (svc.get("mem_limit") or limits.get("memory")):
        problems.append(f"{where}: no memory limit (mem_limit)")
    if not (svc.get("pids_limit") or limits.get("pids")):
        problems.append(f"{where}: no pids_limit")
    if not (svc.get("cpus") or limits.get("cpus")):
        problems.append(f"{where}: no CPU limit (cpus)")
    problem = image_problem(svc.get("image"))
    if problem:
        problems.append(f"{where}: {problem}")
check("deploy/compose.yaml: every service cap_drop ALL, no-new-privileges, read-only, non-root, memory, pid and CPU limits, a pinned image", problems)

# --------------------------------------------------------------------------------------------
# Package hosts: none named in any file of the repository. The names are assembled here so that
# this file names none either.

HOSTS = [r"\.".join(parts) for parts in (
    ("deb", "debian", "org"), ("security", "debian", "org"), ("ftp", "debian", "org"),
    ("httpredir", "debian", "org"), ("cdn-fastly", "deb", "debian", "org"), ("http", "debian", "net"),
    ("archive", "ubuntu", "com"), ("security", "ubuntu", "com"), ("ports", "ubuntu", "com"),
    ("registry", "npmjs", "org"), ("registry", "yarnpkg", "com"), ("pypi", "org"),
    ("files", "pythonhosted", "org"), ("proxy", "golang", "org"), ("crates", "io"),
    ("index", "crates", "io"), ("docker", "io"), ("registry-1", "docker", "io"),
    ("hub", "docker", "com"), ("quay", "io"), ("ghcr", "io"), ("gcr", "io"), ("registry", "k8s", "io"),
    ("mcr", "microsoft", "com"), ("repo1", "maven", "org"), ("rubygems", "org"),
)]
host_pattern = "|".join(HOSTS)
listed = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True)
problems = []
if listed.returncode != 0:
    problems.append(f"git ls-files: {listed.stderr.decode().strip()}")
for path in filter(None, listed.stdout.decode().split("\0")):
    full = os.path.join(root, path)
    if not os.path.isfile(full) or os.path.islink(full):
        continue
    with open(full, "rb") as f:
        content = f.read()
    for m in re.finditer(host_pattern.encode(), content, re.IGNORECASE):
        line = content.count(b"\n", 0, m.start()) + 1
        problems.append(f"{path}:{line}: names {m.group(0).decode()}")
check("no file of the repository names a package host (the machine's own apt sources, npm config, ... say where packages come from)", problems)

# The base-image script reads its mirrors from apt's own sources (both formats), skipping what
# apt skips: a disabled deb822 stanza, deb-src, files apt does not read.
apt_dir = os.path.join(work, "apt")
os.makedirs(os.path.join(apt_dir, "sources.list.d"))
with open(os.path.join(apt_dir, "sources.list.d", "a-disabled.sources"), "w") as f:
    f.write("Types: deb\nEnabled: no\nURIs: http://disabled.invalid/debian\nSuites: bookworm\nComponents: main\n")
with open(os.path.join(apt_dir, "sources.list.d", "b-mirror.sources"), "w") as f:
    f.write("Types: deb deb-src\n# a comment inside the stanza\nURIs: http://mirror.invalid:3142/debian\n"
            "Suites: bookworm bookworm-updates\nComponents: main\n\n"
            "Types: deb-src\nURIs: http://source-only.invalid/debian-security\nSuites: bookworm-security\n")
with open(os.path.join(apt_dir, "sources.list.d", "c-ignored.list.disabled"), "w") as f:
    f.write("deb http://ignored.invalid/debian bookworm main\n")
with open(os.path.join(apt_dir, "sources.list"), "w") as f:
    f.write("# one-line format\ndeb-src http://source.invalid/debian bookworm main\n"
            "deb [signed-by=/usr/share/keyrings/k.gpg arch=amd64] http://mirror.invalid:3142/debian-security bookworm-security main\n")
script = os.path.join(root, "deploy", "podman", "make-base-image.sh")


def print_mirrors(env):
    # A script without --print-mirrors would take it for an image name and start debootstrap.
    if "--print-mirrors" not in open(script).read():
        return subprocess.CompletedProcess([], 2, "", "the script has no --print-mirrors")
    return subprocess.run([script, "--print-mirrors"], capture_output=True, text=True, env={**os.environ, **env})


run = print_mirrors({"YOGA_APT_DIR": apt_dir, "DEBIAN_MIRROR": "", "DEBIAN_SECURITY_MIRROR": ""})
want = "http://mirror.invalid:3142/debian http://mirror.invalid:3142/debian-security"
check("deploy/podman/make-base-image.sh takes its mirrors from apt's sources (deb822 and one-line; disabled, deb-src and foreign files skipped)",
      [] if run.returncode == 0 and run.stdout.strip() == want else [f"exit {run.returncode}: {run.stdout.strip()!r} {run.stderr.strip()!r}, want {want!r}"])
os.remove(os.path.join(apt_dir, "sources.list"))
for name in os.listdir(os.path.join(apt_dir, "sources.list.d")):
    os.remove(os.path.join(apt_dir, "sources.list.d", name))
run = print_mirrors({"YOGA_APT_DIR": apt_dir, "DEBIAN_MIRROR": ""})
check("deploy/podman/make-base-image.sh with no bookworm source in apt refuses, saying to set DEBIAN_MIRROR (no built-in host)",
      [] if run.returncode == 1 and "DEBIAN_MIRROR" in run.stderr else [f"exit {run.returncode}: {run.stdout.strip()!r} {run.stderr.strip()!r}"])

# --------------------------------------------------------------------------------------------
# The program: a URL file with a password, a database that is not there.

if args.bin_dir:
    secret = "Pr0gram-S3cret-9x"
    url_file = os.path.join(work, "database_url")
    with open(url_file, "w") as f:
        f.write(f"postgresql://yoga:{secret}@127.0.0.1:1/yoga?sslmode=disable\n")
    program = os.path.join(args.bin_dir, "yoga-planner")
    run = subprocess.run([program, "--listen=127.0.0.1:0", f"--database_file={url_file}", "--database_timeout=2s"],
                         capture_output=True, text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
    problems = []
    if run.returncode != 1:
        problems.append(f"exit {run.returncode}, want 1")
    if f"--database_file={url_file}" not in run.stderr:
        problems.append("the error does not name the file")
    if secret in run.stderr + run.stdout:
        problems.append("the password is in its output")
    proc_problems = problems + ([] if "127.0.0.1:1" in run.stderr else ["the error does not name the database"])
    check(f"yoga-planner --database_file=FILE (a password in the URL, no database there): exits 1 naming the file and the database, never the password ({run.stderr.strip().splitlines()[-1][:160] if run.stderr.strip() else ''})", proc_problems)

    both = subprocess.run([program, "--listen=127.0.0.1:0", f"--database_file={url_file}", "--database=memory"],
                          capture_output=True, text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
    check("yoga-planner with --database and --database_file refuses to start, naming both",
          [] if both.returncode == 1 and "--database and --database_file are both given" in both.stderr
          else [f"exit {both.returncode}: {both.stderr.strip()[-300:]}"])

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
