#!/usr/bin/env bash
# Writes the partners' copy of the API: a tar.gz of the yoga.*.v1 protos (not
# yoga/storage, which is the servers' own storage format) plus the
# google/rpc protos that error details need, taken from Debian's
# golang-github-gogo-googleapis-dev. It compiles with protoc alone, whose own
# include folder holds google/protobuf/*.proto. The same sources give the same
# bytes (sorted names, fixed times and owners), so a release can be checked.
#   tools/protos/make_archive.sh OUTPUT_DIR   -> OUTPUT_DIR/yoga-protos-REVISION.tar.gz
# REVISION is protos/api-revision.txt, the API revision GetServerInfo reports.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTPUT_DIR" >&2; exit 2; }
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
output_dir=$1
googleapis=/usr/share/gocode/src/github.com/gogo/googleapis
googleapis_copyright=/usr/share/doc/golang-github-gogo-googleapis-dev/copyright
for needed in "$googleapis/google/rpc/status.proto" "$googleapis_copyright"; do
  [ -f "$needed" ] || { echo "$0: $needed is missing (apt-get install golang-github-gogo-googleapis-dev)" >&2; exit 1; }
done
revision=$(tr -d '[:space:]' < "$source_dir/protos/api-revision.txt")
[[ $revision =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] ||
  { echo "$0: protos/api-revision.txt must hold a date YYYY-MM-DD, not '$revision'" >&2; exit 1; }
name=yoga-protos-$revision

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
root=$staging/$name
mkdir -p "$root/google/rpc"
(cd "$source_dir/protos" && find yoga -name '*.proto' -not -path 'yoga/storage/*' -print0 |
  xargs -0 cp --parents -t "$root")
cp "$googleapis"/google/rpc/{status,error_details,code}.proto "$root/google/rpc/"
cp "$googleapis_copyright" "$root/google/rpc/COPYRIGHT"
cat > "$root/README.txt" <<README
The yoga API, revision $revision: the .proto files of yoga.*.v1 and the
google/rpc messages its errors carry (google.rpc.Status, BadRequest,
RetryInfo, ErrorInfo; Apache-2.0, see google/rpc/COPYRIGHT).

Generate code with protoc (its own include folder has google/protobuf), e.g.
for Python, from this folder:

  protoc -I . --python_out=gen --grpc_python_out=gen \\
    --plugin=protoc-gen-grpc_python=\$(which grpc_python_plugin) \\
    \$(find yoga google -name '*.proto')

A server tells its revision in yoga.server.v1.ServerInfoService/GetServerInfo;
a later revision serves everything this one describes (v1 only grows).
README

mkdir -p "$output_dir"
archive=$(cd "$output_dir" && pwd)/$name.tar.gz
tar -C "$staging" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  --mode='u=rwX,go=rX' -cf - "$name" | gzip -n > "$archive"
echo "$archive"
