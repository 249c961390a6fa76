#!/usr/bin/env bash
# Offline check of the Kubernetes manifests in deploy/k8s: renders deploy/k8s and
# deploy/k8s/example with `kubectl kustomize` (client only, no cluster), checks that
# assets/catalog/kustomization.yaml lists every pose, then has k8s_manifest_test.js validate
# every object against the Kubernetes schemas (npm kubernetes-models in tools/node_modules) and
# assert the properties the deployment relies on.
#
#   tests/deploy/k8s_manifest_test.sh [--bin_dir=DIR]
#
# --bin_dir: also check DIR/yoga-{catalog,planner,session} --helpfull knows every flag the
# Deployments pass, then run the three programs as deploy/k8s/example configures them (their
# Secret and ConfigMap files laid out as the kubelet mounts them, their env and $(VAR)
# arguments expanded, the example's PostgreSQL URL replaced by one shared SQLite file) and check
# the probes' health checks, a session started over TLS with an example key and kept in that
# database, and the drain on SIGTERM (uses tools/node_modules/.bin/buf and Debian's
# grpc-proto). Exit 0 when everything holds, 77 when kubectl or node is missing (ctest:
# SKIP_RETURN_CODE 77), 1 otherwise.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin_dir=
for arg in "$@"; do
  case "$arg" in
    --bin_dir=*) bin_dir=${arg#--bin_dir=} ;;
    *) echo "usage: $0 [--bin_dir=DIR]" >&2; exit 2 ;;
  esac
done

for tool in kubectl node; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (needed to render and check deploy/k8s)"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

render() {  # render DIR OUT: kubectl kustomize, naming the tree on failure
  if ! kubectl kustomize "$repo/$1" >"$2" 2>"$work/stderr"; then
    echo "FAIL kubectl kustomize $1:"
    sed 's/^/       /' "$work/stderr"
    exit 1
  fi
  echo "ok   kubectl kustomize $1 ($(grep -c '^kind:' "$2") objects)"
}
render deploy/k8s "$work/base.yaml"
render deploy/k8s/example "$work/example.yaml"

status=0
if "$repo/deploy/k8s/sync-catalog.sh" --check 2>"$work/stderr"; then
  echo "ok   assets/catalog/kustomization.yaml lists exactly assets/catalog/*.textproto"
else
  echo "FAIL assets/catalog/kustomization.yaml is stale:"
  sed 's/^/       /' "$work/stderr"
  status=1
fi

node "$repo/tests/deploy/k8s_manifest_test.js" \
  --tools="$repo/tools" --repo="$repo" \
  --base="$work/base.yaml" --example="$work/example.yaml" \
  ${bin_dir:+--bin_dir="$bin_dir" --buf="$repo/tools/node_modules/.bin/buf"} || status=1
exit "$status"
