#!/usr/bin/env bash
# The partners' proto archive (`./dev protos`, tools/protos/make_archive.sh):
# it is written, holds every yoga.*.v1 proto of protos/ and no storage proto,
# compiles with protoc and nothing else (C++ and Python, in a folder of its
# own), and the same sources give the same bytes.
#   tests/tools/proto_archive_test.sh PROTOC
set -euo pipefail
protoc=${1:-protoc}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

archive=$("$source_dir/tools/protos/make_archive.sh" "$work/out")
revision=$(tr -d '[:space:]' < "$source_dir/protos/api-revision.txt")
[ "$archive" = "$work/out/yoga-protos-$revision.tar.gz" ] || fail "archive written as $archive"
[ -s "$archive" ] || fail "empty archive"

mkdir "$work/a"
tar -C "$work/a" -xzf "$archive"
root=$work/a/yoga-protos-$revision
[ -d "$root" ] || fail "no folder yoga-protos-$revision in the archive"

expected=$(cd "$source_dir/protos" && find yoga -name '*.proto' -not -path 'yoga/storage/*' | sort)
packed=$(cd "$root" && find yoga -name '*.proto' | sort)
[ "$expected" = "$packed" ] || fail "the archive's protos differ from protos/:
$(diff <(echo "$expected") <(echo "$packed") || true)"
for needed in google/rpc/status.proto google/rpc/error_details.proto README.txt; do
  [ -f "$root/$needed" ] || fail "$needed missing"
done
grep -q "revision $revision" "$root/README.txt" || fail "README.txt does not name revision $revision"

# Only the archive and protoc's own include folder (google/protobuf).
mkdir "$root/gen"
(cd "$root" && "$protoc" -I . --cpp_out=gen --python_out=gen $(find yoga google -name '*.proto')) ||
  fail "protoc cannot compile the archive"
[ -f "$root/gen/yoga/server/v1/server_info_service.pb.h" ] || fail "no C++ code generated"
[ -f "$root/gen/google/rpc/error_details_pb2.py" ] || fail "no Python code generated"

again=$("$source_dir/tools/protos/make_archive.sh" "$work/again")
cmp -s "$archive" "$again" || fail "two runs gave different bytes"
echo "PASS: $archive compiles ($(echo "$packed" | wc -l) yoga protos)"
